//! Bundle stage: the packet's PDFs → one ZIP, byte for byte reproducible.
//!
//! The zip crate would otherwise stamp entries with the current time and the
//! build platform's "made by" system; both are set explicitly here, so the
//! same input and run date give the same bytes on every machine.

use std::io::{Cursor, Read, Write};

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

/// Fixed options for every entry: stored, Unix system, `rw-r--r--`, run
/// date. Stored, because every PDF the renderer writes is compressed
/// already, its plain objects included (object streams, docs/pdf-split.md):
/// deflating the sample packet's PDFs again saved 4 % of its bytes and
/// cost 15 % of its instructions, the read-back check's inflating them
/// again included (bench/PROFILE.md, change 7).
fn entry_options(date: NaiveDate) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
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

/// Zips finished packets (and the report) into `out`, stored without
/// recompression (packets are ZIPs already). Entries are read one at a
/// time as the iterator opens them, so the command line streams thousands of
/// packets from disk without holding them, and the browser passes bytes.
pub fn zip_stored<W: Write + std::io::Seek, R: Read>(
    entries: impl IntoIterator<Item = std::io::Result<(String, R)>>,
    date: NaiveDate,
    out: W,
) -> std::io::Result<W> {
    let mut writer = ZipWriter::new(out);
    let options = entry_options(date);
    for entry in entries {
        let (name, mut reader) = entry?;
        start_entry(&mut writer, &name, options)?;
        std::io::copy(&mut reader, &mut writer)?;
    }
    writer.finish().map_err(std::io::Error::other)
}

/// A bundle written out as it grows: each entry's bytes are handed back as
/// soon as they are final, so a front end that cannot seek in its output
/// (the browser, which appends to a download) holds one packet at a time
/// instead of the whole bundle (issue 27: 2,500 packets held in the page
/// ran out of the 4 GB a WebAssembly module can address).
///
/// The bytes are those of [`zip_stored`] for the same entries, by
/// construction: the same `ZipWriter` writes them, into a window that
/// keeps only the entry still open (the writer seeks back into an entry's
/// local header when the entry ends, which happens when the next starts).
pub struct Stream {
    writer: ZipWriter<Shared>,
    /// The writer's window, shared with it (`ZipWriter` lends its writer
    /// only through an `unsafe` call).
    window: std::rc::Rc<std::cell::RefCell<Window>>,
    options: SimpleFileOptions,
}

/// The window, as the writer holds it.
struct Shared(std::rc::Rc<std::cell::RefCell<Window>>);

impl Write for Shared {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(data)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Seek for Shared {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.borrow_mut().seek(to)
    }
}

/// The writer under [`Stream`]: the bytes from `base` on, every earlier
/// byte handed out already.
#[derive(Default)]
struct Window {
    base: u64,
    pos: u64,
    bytes: Vec<u8>,
}

impl Window {
    /// Hands out every byte before `upto` (an offset in the whole bundle).
    fn drain_to(&mut self, upto: u64) -> Vec<u8> {
        let n = (upto.saturating_sub(self.base) as usize).min(self.bytes.len());
        self.base += n as u64;
        self.bytes.drain(..n).collect()
    }
}

impl Write for Window {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let start = self
            .pos
            .checked_sub(self.base)
            .ok_or_else(|| std::io::Error::other("the bundle seeked into bytes handed out"))?
            as usize;
        let end = start + data.len();
        if self.bytes.len() < end {
            self.bytes.resize(end, 0);
        }
        self.bytes[start..end].copy_from_slice(data);
        self.pos += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Seek for Window {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let end = self.base + self.bytes.len() as u64;
        let pos = match to {
            std::io::SeekFrom::Start(p) => Some(p),
            std::io::SeekFrom::End(d) => end.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match pos {
            Some(p) if p >= self.base => {
                self.pos = p;
                Ok(p)
            }
            _ => Err(std::io::Error::other(
                "the bundle seeked into bytes handed out",
            )),
        }
    }
}

impl Stream {
    /// A new bundle whose entries carry the run date.
    pub fn new(date: NaiveDate) -> Self {
        let window = std::rc::Rc::new(std::cell::RefCell::new(Window::default()));
        Stream {
            writer: ZipWriter::new(Shared(window.clone())),
            window,
            options: entry_options(date),
        }
    }

    /// Adds an entry; returns the bundle's bytes that became final (the
    /// entries before this one, which are then dropped from memory).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        // Where this entry's header starts: every byte before it is final
        // once the writer has closed the previous entry, in start_file.
        let start = self.window.borrow().pos;
        start_entry(&mut self.writer, name, self.options)?;
        self.writer.write_all(bytes)?;
        Ok(self.window.borrow_mut().drain_to(start))
    }

    /// Closes the bundle; returns its last bytes (the last entry and the
    /// central directory).
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        self.writer.finish().map_err(std::io::Error::other)?;
        let mut window = self.window.borrow_mut();
        let end = window.base + window.bytes.len() as u64;
        Ok(window.drain_to(end))
    }
}

/// Most files taken from a zipped templates folder, and most bytes in all.
const MAX_FOLDER_FILES: usize = 1000;
const MAX_FOLDER_BYTES: u64 = 256 * 1024 * 1024;

/// The files of a zipped folder (a clinic's templates chosen in the
/// browser as one ZIP), as `(path inside the folder, bytes)`. A single top
/// folder that holds everything (`my-templates/en/...`) is taken off, as if
/// the folder itself had been chosen. Folders, links and names that would
/// climb out (`../`) are skipped; the template set checks the rest.
pub fn unzip_folder(
    bytes: &[u8],
    max_file_bytes: u64,
) -> std::io::Result<Vec<(std::path::PathBuf, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(std::io::Error::other)?;
    let mut files = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len().min(MAX_FOLDER_FILES) {
        let entry = archive.by_index(i).map_err(std::io::Error::other)?;
        if !entry.is_file() || entry.is_symlink() {
            continue;
        }
        let Some(path) = entry.enclosed_name() else {
            continue;
        };
        total += entry.size();
        if total > MAX_FOLDER_BYTES {
            return Err(std::io::Error::other("the ZIP unpacks to too much"));
        }
        let mut data = Vec::new();
        // One byte over the caller's file limit is enough to refuse.
        entry.take(max_file_bytes + 1).read_to_end(&mut data)?;
        files.push((path, data));
    }
    let top = |p: &std::path::Path| p.components().next().map(|c| c.as_os_str().to_owned());
    let first = files.first().and_then(|(p, _)| top(p));
    if let Some(first) = first
        && files
            .iter()
            .all(|(p, _)| p.components().count() > 1 && top(p).as_ref() == Some(&first))
    {
        for (path, _) in &mut files {
            *path = path.strip_prefix(&first).unwrap_or(path).to_path_buf();
        }
    }
    Ok(files)
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

    #[test]
    #[should_panic(expected = "entry names are built by the program from an allow-list")]
    fn unsafe_entry_names_are_refused() {
        let _ = zip(&[("../evil.pdf".to_string(), b"x".to_vec())], date());
    }

    #[test]
    fn entries_are_stored_in_order_and_read_back_whole() {
        let files = || {
            vec![
                Ok(("Ann-Lee.zip".to_string(), &b"PK fake packet"[..])),
                Ok(("report.csv".to_string(), &b"source_file,position\n"[..])),
            ]
        };
        let bytes = zip_stored(files(), date(), Cursor::new(Vec::new()))
            .unwrap()
            .into_inner();
        let again = zip_stored(files(), date(), Cursor::new(Vec::new()))
            .unwrap()
            .into_inner();
        assert_eq!(bytes, again, "reproducible");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "Ann-Lee.zip");
        assert_eq!(entry.compression(), CompressionMethod::Stored);
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut text).unwrap();
        assert_eq!(text, b"PK fake packet");
        drop(entry);
        assert_eq!(archive.by_index(1).unwrap().name().unwrap(), "report.csv");
        // An entry that cannot be opened is an error, not a half-written
        // bundle that looks whole.
        let missing: Vec<std::io::Result<(String, &[u8])>> =
            vec![Err(std::io::ErrorKind::NotFound.into())];
        assert!(zip_stored(missing, date(), Cursor::new(Vec::new())).is_err());
    }

    #[test]
    fn a_streamed_bundle_is_byte_for_byte_the_stored_one() {
        let entries: Vec<(String, Vec<u8>)> = (0..40)
            .map(|i| (format!("SO-{i:04}.zip"), vec![i as u8; 1000 + i * 997]))
            .chain([("report.csv".to_string(), b"source_file,position".to_vec())])
            .collect();
        let whole = zip_stored(
            entries.iter().map(|(n, b)| Ok((n.clone(), b.as_slice()))),
            date(),
            Cursor::new(Vec::new()),
        )
        .unwrap()
        .into_inner();
        let mut stream = Stream::new(date());
        let mut out = Vec::new();
        let mut most_held = 0;
        for (name, bytes) in &entries {
            out.extend(stream.add(name, bytes).unwrap());
            most_held = most_held.max(stream.window.borrow().bytes.len());
        }
        out.extend(stream.finish().unwrap());
        assert_eq!(out, whole);
        // Never more than the open entry (its header and bytes) is held.
        assert!(most_held < 1000 + 40 * 997 + 200, "{most_held}");
        assert_eq!(
            Stream::new(date()).finish().unwrap(),
            zip_stored(
                Vec::<std::io::Result<(String, &[u8])>>::new(),
                date(),
                Cursor::new(Vec::new())
            )
            .unwrap()
            .into_inner()
        );
    }

    #[test]
    fn a_zipped_folder_loses_its_top_folder_and_anything_that_climbs_out() {
        let inner = zip(
            &[
                ("a.typ".to_string(), b"x".to_vec()),
                ("b.png".to_string(), b"y".to_vec()),
            ],
            date(),
        )
        .unwrap();
        let files = unzip_folder(&inner, 1024).unwrap();
        assert_eq!(files.len(), 2);
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = entry_options(date());
        for name in ["mine/en/checklist.typ", "mine/lib.typ", "../evil.typ"] {
            writer.start_file(name, options).unwrap();
            writer.write_all(b"// t").unwrap();
        }
        let bytes = writer.finish().unwrap().into_inner();
        let names: Vec<_> = unzip_folder(&bytes, 1024)
            .unwrap()
            .into_iter()
            .map(|(p, _)| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["en/checklist.typ", "lib.typ"]);
    }

    #[test]
    fn entry_times_are_clamped_to_what_zip_can_store() {
        for (y, m, d) in [(1900, 1, 1), (1979, 12, 31), (2107, 12, 31), (2200, 6, 30)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let bytes = zip(&[("a.pdf".to_string(), b"x".to_vec())], day).unwrap();
            let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
            let time = archive.by_index(0).unwrap().last_modified().unwrap();
            assert!((1980..=2107).contains(&time.year()), "{y}: {time:?}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::io::Read;

        /// The allow-list, written independently of the code under test.
        fn reference(name: &str) -> bool {
            (1..=120).contains(&name.len())
                && !name.starts_with('.')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn the_allow_list_holds_for_any_name(
                name in prop_oneof![any::<String>(), "[a-zA-Z0-9._/\\\\: -]{0,130}"]
            ) {
                prop_assert_eq!(is_safe_entry_name(&name), reference(&name), "{:?}", name);
                if is_safe_entry_name(&name) {
                    prop_assert!(!name.contains('/') && !name.contains('\\'));
                    prop_assert!(name != "." && name != "..");
                }
            }

            #[test]
            fn any_safe_entries_round_trip_in_order(
                entries in prop::collection::vec(
                    ("[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,40}", prop::collection::vec(any::<u8>(), 0..2048)),
                    0..8,
                ),
                year in 1970i32..2250,
                day in 1u32..=28,
            ) {
                let mut unique = std::collections::HashSet::new();
                let entries: Vec<(String, Vec<u8>)> = entries
                    .into_iter()
                    .filter(|(name, _)| unique.insert(name.clone()))
                    .collect();
                let date = NaiveDate::from_ymd_opt(year, 6, day).unwrap();
                let bytes = zip(&entries, date).unwrap();
                prop_assert_eq!(&bytes, &zip(&entries, date).unwrap(), "reproducible");
                let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
                prop_assert_eq!(archive.len(), entries.len());
                for (i, (name, data)) in entries.iter().enumerate() {
                    let mut entry = archive.by_index(i).unwrap();
                    prop_assert_eq!(entry.name().unwrap(), name.as_str());
                    prop_assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o644));
                    let mut back = Vec::new();
                    entry.read_to_end(&mut back).unwrap();
                    prop_assert_eq!(&back, data);
                }
            }
        }
    }
}
