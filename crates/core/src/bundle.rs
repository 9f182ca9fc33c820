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

/// Fixed options for every entry: deflate (level 1: the PDFs inside are
/// compressed already, so higher levels cost time for almost no gain), Unix system, `rw-r--r--`, run date.
fn entry_options(date: NaiveDate) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
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

    #[test]
    #[should_panic(expected = "entry names are built by the program from an allow-list")]
    fn unsafe_entry_names_are_refused() {
        let _ = zip(&[("../evil.pdf".to_string(), b"x".to_vec())], date());
    }

    #[test]
    fn files_are_stored_in_order_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.zip");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, b"PK fake packet").unwrap();
        std::fs::write(&b, b"source_file,position\n").unwrap();
        let files = vec![
            ("Ann-Lee.zip".to_string(), a.clone()),
            ("report.csv".to_string(), b.clone()),
        ];
        let bytes = zip_files(&files, date(), Cursor::new(Vec::new()))
            .unwrap()
            .into_inner();
        let again = zip_files(&files, date(), Cursor::new(Vec::new()))
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
        // A missing file is an error, not a half-written bundle that looks whole.
        let missing = vec![("gone.zip".to_string(), dir.path().join("gone.zip"))];
        assert!(zip_files(&missing, date(), Cursor::new(Vec::new())).is_err());
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
