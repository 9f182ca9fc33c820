//! Format detection: what an input file holds, decided by its first bytes
//! (ZIP, OLE, JSON), by what a ZIP package declares, then by its extension.

use std::io::{Cursor, Read};
use std::path::Path;

use super::workbook::Workbook;
use crate::error::{Code, Error};

/// The most a workbook may unpack to (the sum of its ZIP entries).
pub(super) const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// The most one part of a workbook (a sheet, the shared strings) may unpack
/// to: calamine holds the shared strings whole, and one huge text in a sheet
/// is held whole while it is parsed, so a small ZIP that unpacks to a huge
/// part is refused before calamine sees it. A 100,000-row sheet of ordinary
/// intake data unpacks to well under this.
pub(super) const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;

/// What an intake file holds, decided by [`detect`] from its content and
/// extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON intake file.
    Json,
    /// A workbook calamine reads.
    Workbook(Workbook),
    /// CSV or other delimited text.
    Delimited,
    /// Text in a file named like a workbook (a CSV renamed to .xlsx).
    TextNamedAsWorkbook,
}

/// The file's extension, lower-cased ("" when it has none).
pub(super) fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods", "xltx", "xltm"];
pub(super) const TEXT_EXTENSIONS: &[&str] = &["csv", "tsv", "tab", "txt"];

/// Decides how to read a file: by its first bytes (ZIP, OLE, JSON), then by
/// its lower-cased extension.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, Error> {
    let ext = extension(path);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_format(path, bytes).map(Format::Workbook);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if is_encrypted_ole(bytes) {
            return Err(password_protected(path));
        }
        return Ok(Format::Workbook(Workbook::Xls));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::input(
            Code::FileEmpty,
            path,
            "the file is empty",
            "choose the file that holds the patients",
        ));
    }
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    // A CSV may start with a title such as "[Clinic export]": a table's
    // extension decides before the first character does (a .txt may be
    // either, so its content decides).
    let table_extension = TEXT_EXTENSIONS.contains(&ext.as_str()) && ext != "txt";
    if ext == "json" || (!table_extension && matches!(first, Some(b'{' | b'['))) {
        return Ok(Format::Json);
    }
    if TEXT_EXTENSIONS.contains(&ext.as_str()) {
        return Ok(Format::Delimited);
    }
    if WORKBOOK_EXTENSIONS.contains(&ext.as_str()) {
        if first == Some(&b'<') {
            // Web applications often export an HTML table (or Excel 2003
            // XML) under an .xls name; Excel opens it, calamine cannot.
            return Err(Error::input(
                Code::NotAWorkbook,
                path,
                format!(
                    "the file is named .{ext} but is a web page (HTML) or XML file, not a workbook"
                ),
                "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx) or CSV UTF-8",
            )
            .with("found", "web_page")
            .with("ext", ext));
        }
        if looks_like_text(bytes) {
            return Ok(Format::TextNamedAsWorkbook);
        }
        return Err(Error::input(
            Code::NotAWorkbook,
            path,
            format!(
                "the file is named .{ext} but is not a workbook (it may be damaged, or another kind of file renamed)"
            ),
            format!(
                "open the original in Excel or LibreOffice and save it again; {}",
                supported_formats_hint()
            ),
        )
        .with("found", "unknown")
        .with("ext", ext));
    }
    let message = if ext.is_empty() {
        "the file has no extension and is not a workbook or JSON, so its format is unknown".into()
    } else {
        format!("files named .{ext} cannot be read")
    };
    Err(Error::input(Code::UnknownFormat, path, message, supported_formats_hint()).with("ext", ext))
}

/// Whether the start of a file is text: a text byte order mark, or UTF-8
/// without NUL bytes (a character cut at the end of the sample is allowed).
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xEF\xBB\xBF")
        || bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
    {
        return true;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return false;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

/// Tells a ZIP-based workbook apart by its contents, and refuses ZIP files
/// that are not workbooks, are damaged, or unpack to too much.
pub(super) fn zip_format(path: &Path, bytes: &[u8]) -> Result<Workbook, Error> {
    let damaged = || {
        Error::input(
            Code::WorkbookIncomplete,
            path,
            "the file is an incomplete or damaged ZIP-based workbook (it may have been cut off while copying or downloading)",
            "copy or download it again; if it still fails, open it in Excel or LibreOffice and save a new copy",
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let mut total: u64 = 0;
    let mut largest: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| damaged())?;
        total = total.saturating_add(entry.size());
        largest = largest.max(entry.size());
        // Some Windows tools write part names with backslashes.
        let name = entry.name().map_err(|_| damaged())?;
        names.push(name.replace('\\', "/").to_ascii_lowercase());
    }
    if total > MAX_UNPACKED_BYTES || largest > MAX_PART_BYTES {
        let (part, max) = if largest > MAX_PART_BYTES {
            ("part", MAX_PART_BYTES)
        } else {
            ("whole", MAX_UNPACKED_BYTES)
        };
        let max_mb = (max / 1024 / 1024) as usize;
        let message = if part == "part" {
            format!(
                "one part of the workbook (a sheet or its shared texts) unpacks to more than {max_mb} MB, more than an intake file should"
            )
        } else {
            format!(
                "the workbook unpacks to more than {max_mb} MB, more than an intake file should"
            )
        };
        return Err(Error::input(
            Code::WorkbookTooLarge,
            path,
            message,
            "split it into several smaller workbooks",
        )
        .with("max_mb", max_mb)
        .with("part", part));
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("mimetype") {
        let mut mimetype = String::new();
        if let Ok(file) = archive.by_name("mimetype") {
            let _ = file.take(200).read_to_string(&mut mimetype);
        }
        if mimetype.contains("opendocument.spreadsheet") {
            return Ok(Workbook::Ods);
        }
        return Err(Error::input(
            Code::NotAWorkbook,
            path,
            "the file is an OpenDocument file, but not a spreadsheet",
            supported_formats_hint(),
        )
        .with("found", "opendocument"));
    }
    if has("xl/workbook.bin") {
        return Ok(Workbook::Xlsb);
    }
    if has("xl/workbook.xml") {
        return Ok(Workbook::Xlsx);
    }
    // A package may keep its parts anywhere (`workbook.xml` at the top,
    // found through `_rels/.rels`): what it declares decides.
    if let Some(i) = names.iter().position(|n| n == "[content_types].xml") {
        let mut types = String::new();
        if let Ok(file) = archive.by_index(i) {
            let _ = file.take(1024 * 1024).read_to_string(&mut types);
        }
        if types.contains("spreadsheetml.sheet.binary.macroenabled.main")
            || types.contains("application/vnd.ms-excel.sheet.binary.macroEnabled.main")
        {
            return Ok(Workbook::Xlsb);
        }
        if types.contains("spreadsheetml.sheet.main+xml")
            || types.contains("spreadsheetml.template.main+xml")
            || types.contains("application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        {
            return Ok(Workbook::Xlsx);
        }
    }
    let (what, found) = if has("word/document.xml") {
        ("a Word document", "word")
    } else if has("ppt/presentation.xml") {
        ("a PowerPoint presentation", "powerpoint")
    } else {
        ("a ZIP archive", "zip")
    };
    Err(Error::input(
        Code::NotAWorkbook,
        path,
        format!("the file is {what}, not a workbook"),
        supported_formats_hint(),
    )
    .with("found", found))
}

/// Whether an OLE (compound) file is an encrypted Office Open XML workbook:
/// Excel stores a password-protected .xlsx as an OLE file holding the
/// streams "EncryptionInfo" and "EncryptedPackage".
pub(super) fn is_encrypted_ole(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// The error for a password-protected workbook.
pub(super) fn password_protected(path: &Path) -> Error {
    Error::input(
        Code::PasswordProtected,
        path,
        "the file is password-protected",
        "open it with its password and save an unprotected copy (in Excel: File › Info › Protect Workbook › Encrypt with Password, then clear the password)",
    )
}

/// The hint listing what can be read.
pub(super) fn supported_formats_hint() -> &'static str {
    "use an Excel workbook (.xlsx, .xlsm, .xlsb, .xls), a LibreOffice spreadsheet (.ods), CSV (.csv, .tsv, .txt) or JSON (.json)"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::InputOptions;
    use crate::input::table::Limits;
    use crate::input::workbook::read_with;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn detection_covers_every_signature() {
        let p = |n: &str| PathBuf::from(n);
        assert_eq!(
            detect(&p("a.xlsx"), &std::fs::read(fixture("clean.xlsx")).unwrap()).unwrap(),
            Format::Workbook(Workbook::Xlsx)
        );
        assert_eq!(
            detect(&p("a"), &std::fs::read(fixture("clean.xls")).unwrap()).unwrap(),
            Format::Workbook(Workbook::Xls)
        );
        assert_eq!(
            detect(&p("a.txt"), &std::fs::read(fixture("clean.ods")).unwrap()).unwrap(),
            Format::Workbook(Workbook::Ods)
        );
        assert_eq!(
            detect(&p("a.DAT"), b"\xEF\xBB\xBF \n [{}]").unwrap(),
            Format::Json
        );
        assert_eq!(detect(&p("a.json"), b"oops").unwrap(), Format::Json);
        // A CSV whose title row starts with a bracket is still a CSV; a .txt
        // holding JSON is JSON.
        assert_eq!(
            detect(&p("a.csv"), b"[Clinic export]\nname,dob\n").unwrap(),
            Format::Delimited
        );
        assert_eq!(detect(&p("a.txt"), b"[{}]").unwrap(), Format::Json);
        assert_eq!(detect(&p("a.TSV"), b"a\tb").unwrap(), Format::Delimited);
        assert_eq!(
            detect(&p("a.xls"), b"a,b\n").unwrap(),
            Format::TextNamedAsWorkbook
        );
        let err = detect(&p("a.pdf"), b"%PDF-1.7").unwrap_err().to_string();
        assert!(
            err.contains(".pdf cannot be read") && err.contains(".xlsx"),
            "{err}"
        );
        let err = detect(&p("a.xlsx"), b"\x00\x01\x02\xFF")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a workbook"), "{err}");
        let err = detect(&p("a.xls"), b"\n<html><table>")
            .unwrap_err()
            .to_string();
        assert!(err.contains("web page (HTML)"), "{err}");
        let err = detect(&p("a.csv"), b" \n\r\n").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");

        // ZIP contents decide between xlsx, xlsb, ods and other documents.
        let xlsb = crate::input::test_files::zip_of(&[
            ("[Content_Types].xml", ""),
            ("xl/workbook.bin", ""),
        ]);
        assert_eq!(
            detect(&p("a.xlsx"), &xlsb).unwrap(),
            Format::Workbook(Workbook::Xlsb)
        );
        let err = read_with(
            &p("a.xlsb"),
            &xlsb,
            Workbook::Xlsb,
            &InputOptions::default(),
            Limits::DEFAULT,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("could not read the workbook (.xlsb)"), "{err}");
        let odt = crate::input::test_files::zip_of(&[(
            "mimetype",
            "application/vnd.oasis.opendocument.text",
        )]);
        let err = detect(&p("a.ods"), &odt).unwrap_err().to_string();
        assert!(err.contains("not a spreadsheet"), "{err}");
        let docx = crate::input::test_files::zip_of(&[("word/document.xml", "")]);
        let err = detect(&p("a.xlsx"), &docx).unwrap_err().to_string();
        assert!(err.contains("a Word document"), "{err}");
    }
}
