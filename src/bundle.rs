//! Bundle stage: the packet's PDFs → one ZIP, byte for byte reproducible.
//!
//! The zip crate would otherwise stamp entries with the current time and the
//! build platform's "made by" system; both are set explicitly here, so the
//! same input and run date give the same bytes on every machine.

use std::io::{Cursor, Write};

use chrono::{Datelike, NaiveDate};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// The timestamp written on every entry: noon on the run date (clamped to
/// the range ZIP can store).
fn entry_time(date: NaiveDate) -> DateTime {
    let year = date.year().clamp(1980, 2107) as u16;
    DateTime::from_date_and_time(year, date.month() as u8, date.day() as u8, 12, 0, 0)
        .unwrap_or_default()
}

/// Fixed options for every entry: deflate, Unix system, `rw-r--r--`, run date.
fn entry_options(date: NaiveDate) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .system(System::Unix)
        .unix_permissions(0o644)
        .last_modified_time(entry_time(date))
}

/// Whether a ZIP entry name is one we allow: letters, digits, `.`, `-`, `_`,
/// no folders, no leading dot. Entry names never carry patient data.
pub fn is_safe_entry_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 120
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Starts an entry, after checking its name against the allow-list.
fn start_entry<W: Write + std::io::Seek>(
    writer: &mut ZipWriter<W>,
    name: &str,
    options: SimpleFileOptions,
) -> std::io::Result<()> {
    assert!(
        is_safe_entry_name(name),
        "entry names are built by the program from an allow-list"
    );
    writer
        .start_file(name, options)
        .map_err(std::io::Error::other)
}

/// Zips `(entry name, bytes)` pairs in the given order.
pub fn zip(entries: &[(String, Vec<u8>)], date: NaiveDate) -> std::io::Result<Vec<u8>> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = entry_options(date);
    for (name, bytes) in entries {
        start_entry(&mut writer, name, options)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish().map_err(std::io::Error::other)?.into_inner())
}

/// Zips finished files from disk into `out`, stored without recompression
/// (packets are ZIPs already), streaming so that thousands of packets never
/// sit in memory at once.
pub fn zip_files<W: Write + std::io::Seek>(
    files: &[(String, std::path::PathBuf)],
    date: NaiveDate,
    out: W,
) -> std::io::Result<W> {
    let mut writer = ZipWriter::new(out);
    let options = entry_options(date)
        .compression_method(CompressionMethod::Stored)
        .compression_level(None);
    for (name, path) in files {
        start_entry(&mut writer, name, options)?;
        std::io::copy(&mut std::fs::File::open(path)?, &mut writer)?;
    }
    writer.finish().map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn same_entries_give_same_bytes() {
        let entries = vec![
            ("a.pdf".to_string(), b"one".to_vec()),
            ("b.pdf".to_string(), b"two".to_vec()),
        ];
        assert_eq!(
            zip(&entries, date()).unwrap(),
            zip(&entries, date()).unwrap()
        );
        let other = zip(&entries, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()).unwrap();
        assert_ne!(
            zip(&entries, date()).unwrap(),
            other,
            "the run date is the entry time"
        );
    }

    #[test]
    fn entries_read_back_in_order() {
        let entries = vec![
            ("b.pdf".to_string(), b"two".to_vec()),
            ("a.pdf".to_string(), b"one".to_vec()),
        ];
        let bytes = zip(&entries, date()).unwrap();
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<_> = (0..archive.len())
            .map(|i| archive.name_for_index(i).unwrap().unwrap().to_string())
            .collect();
        assert_eq!(names, ["b.pdf", "a.pdf"]);
    }

    #[test]
    fn entry_names_are_checked() {
        assert!(is_safe_entry_name("records-request-letter.pdf"));
        for bad in [
            "../x.pdf",
            "/abs.pdf",
            "a/b.pdf",
            ".hidden",
            "",
            "con\u{0}.pdf",
            "é.pdf",
        ] {
            assert!(!is_safe_entry_name(bad), "{bad}");
        }
    }
}
