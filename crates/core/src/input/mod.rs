//! Input stage: reads intake files (JSON, spreadsheets, CSV) into [`RawRecord`]s.
//!
//! This stage knows about file formats and nothing about what a field means
//! beyond its name: it hands the record stage one [`RawRecord`] per patient,
//! each carrying where it came from ([`Origin`]) so that every later error can
//! name the file and row a clinic clerk has to fix. Interpreting values
//! (dates, lists, allowed codes) is the record stage's job, so that JSON and
//! spreadsheets follow exactly the same rules.

mod cfb_check;
mod convert;
pub mod delimited;
mod detect;
pub mod json;
mod ods_check;
mod table;
mod workbook;

pub use detect::{Format, detect};
pub use workbook::Workbook;

use std::path::Path;

use crate::error::{Code, Error, Param, Params, Problem};

pub use crate::intake::{Cell, Origin, Place, RawRecord, Sheet, TextDates, display_name};

/// One entry of an input file: a record to build, or a record the reader could
/// not make sense of (its problems already known).
pub type Entry = Result<RawRecord, (Origin, Vec<Problem>)>;

/// Everything read from one input file.
#[derive(Debug, Default)]
pub struct InputFile {
    /// The records, in file order.
    pub entries: Vec<Entry>,
    /// File-level warnings that do not stop the run (ignored columns...).
    pub warnings: Vec<FileWarning>,
}

/// Something a reader noticed about a whole file that does not stop the run
/// (columns it did not read, a file read as another format than its name
/// says): the command line's line, and a code with parameters for the page
/// to word in its own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWarning {
    /// What was noticed, as a stable code.
    pub code: Code,
    /// The code's parameters: counts, column letters, headers that may be
    /// printed; never a value.
    pub params: Params,
    /// The command line's words: one line, naming the file.
    pub text: String,
}

impl FileWarning {
    /// A warning without parameters.
    pub fn new(code: Code, text: String) -> Self {
        FileWarning {
            code,
            params: Params::default(),
            text,
        }
    }

    /// The warning with one more parameter.
    pub fn with(mut self, name: &'static str, param: impl Into<Param>) -> Self {
        self.params = self.params.with(name, param);
        self
    }
}

impl std::fmt::Display for FileWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Options that change how input files are read.
#[derive(Debug, Clone)]
pub struct InputOptions {
    /// The sheet to read in a workbook; `None` means the first visible sheet.
    pub sheet: Option<String>,
    /// How ambiguous text dates in spreadsheets and CSV are read.
    pub sheet_dates: TextDates,
    /// The encoding of CSV files without a byte order mark (`--encoding`), as
    /// a WHATWG label such as "windows-1252" or "latin1"; `None` is UTF-8.
    /// Check it early with [`delimited::encoding_for_label`].
    pub encoding: Option<String>,
    /// The CSV field separator (`--delimiter`); `None` detects `,` `;` tab `|`.
    pub delimiter: Option<u8>,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            sheet: None,
            sheet_dates: TextDates::MonthFirst,
            encoding: None,
            delimiter: None,
        }
    }
}

/// The largest input file read, so a mistaken or hostile file cannot exhaust
/// memory before a single record is checked.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The longest value kept from any cell, JSON string or CSV field. Longer
/// ones are dropped as they arrive (and the record fails, naming the field):
/// no intake field accepts more than a few hundred characters, and copying a
/// hostile 600 MB cell around would cost gigabytes.
pub const MAX_CELL_BYTES: usize = 32 * 1024;

/// What a dropped over-long value is described as.
const TOO_LONG_TEXT: &str =
    "a text far longer than any intake field accepts (over 32,000 characters)";

impl InputFile {
    /// Runs a streaming reader and keeps everything it hands over.
    fn collect(
        read: impl FnOnce(&mut dyn FnMut(Entry)) -> Result<Vec<FileWarning>, Error>,
    ) -> Result<InputFile, Error> {
        let mut entries = Vec::new();
        let warnings = read(&mut |entry| entries.push(entry))?;
        Ok(InputFile { entries, warnings })
    }
}

/// Reads a file from disk whole, for the unit tests of the readers (the
/// core itself never touches the file system; front ends hand it bytes).
#[cfg(test)]
pub(crate) fn read(path: &Path, options: &InputOptions) -> Result<InputFile, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io_read(path, &e))?;
    read_bytes(path, &bytes, options)
}

/// Reads a file's bytes whole, choosing the reader with [`detect`].
pub fn read_bytes(path: &Path, bytes: &[u8], options: &InputOptions) -> Result<InputFile, Error> {
    InputFile::collect(|sink| read_bytes_each(path, bytes, options, sink))
}

/// Reads a file's bytes, choosing the reader with [`detect`], and hands each
/// entry to `sink` in file order, as soon as it is complete, returning the
/// file's warnings. `path` names the file in messages and records; nothing
/// is read from it.
///
/// This is how `build` reads: a run of 50,000 rows must not hold 50,000
/// records at once. For CSV, xlsx, xlsm, xlsb and JSON, what is held while
/// reading does not grow with the number of rows beyond the file's bytes (and
/// a CSV file's decoded text): the row being read and the header row. (.xls
/// and .ods files are unpacked whole by calamine first, then handed over row
/// by row in the same way.)
///
/// Every file-level problem that [`read_bytes`] reports is also reported
/// here, with the same words, but a problem found late in the file (too many
/// rows, data too far right, no patient rows under the header, broken JSON
/// syntax near the end, …) arrives after some entries were already handed
/// over. So `build` checks every file with a first pass before acting on any
/// entry.
///
/// Rows are expected in row order, as every spreadsheet program writes them;
/// a workbook whose rows are stored out of order is refused as damaged (see
/// `table::Table`).
pub fn read_bytes_each(
    path: &Path,
    bytes: &[u8],
    options: &InputOptions,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<FileWarning>, Error> {
    let ext = detect::extension(path);
    match detect(path, bytes)? {
        Format::Json => json::read_each(path, bytes, sink),
        Format::Delimited => delimited::read_each(path, bytes, options, sink),
        Format::Workbook(kind) => {
            let mut warnings = workbook::read_each(path, bytes, kind, options, sink)?;
            if detect::TEXT_EXTENSIONS.contains(&ext.as_str()) || ext == "json" {
                let text = format!(
                    "{}: the file is named .{ext} but is a workbook (.{}); it was read as a workbook",
                    path.display(),
                    kind.extension()
                );
                warnings.insert(
                    0,
                    FileWarning::new(Code::ReadAsWorkbook, text)
                        .with("ext", ext.as_str())
                        .with("format", kind.extension()),
                );
            }
            Ok(warnings)
        }
        Format::TextNamedAsWorkbook => match delimited::read_each(path, bytes, options, sink) {
            Ok(mut warnings) => {
                let text = format!(
                    "{}: the file is named .{ext} but holds CSV text; it was read as CSV",
                    path.display()
                );
                warnings.insert(
                    0,
                    FileWarning::new(Code::ReadAsCsv, text).with("ext", ext.as_str()),
                );
                Ok(warnings)
            }
            Err(Error::Input { code, message, .. }) => Err(Error::input(
                Code::TextNamedAsWorkbook,
                path,
                format!(
                    "the file is named .{ext} but is not a workbook; it holds plain text, and read as CSV: {message}"
                ),
                "open the original workbook in Excel or LibreOffice and save it again as .xlsx; if the text is meant to be CSV, rename the file to .csv",
            )
            .with("ext", ext.as_str())
            .with("reason", code.as_str())),
            Err(other) => Err(other),
        },
    }
}

#[cfg(test)]
mod error_codes;

/// Files the input stage's tests read or make: one copy for every test
/// module of the stage.
#[cfg(test)]
pub(crate) mod test_files {
    use std::io::{Cursor, Write};
    use std::path::Path;

    /// The bytes of `tests/fixtures/NAME`.
    pub(crate) fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("tests/fixtures")
                .join(name),
        )
        .unwrap()
    }

    /// A ZIP of the given entries.
    pub(crate) fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }
}

#[cfg(test)]
mod tests {
    //! Properties of the input stage as a whole: no file makes a reader
    //! panic, no value reaches a message, CSV keeps what a CSV writer wrote.

    use super::test_files::fixture;
    use super::*;
    use crate::intake::fields::FIELDS;
    use crate::record;
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// A string that must never appear in a message, warning or report line.
    const MARKER: &str = "QQLEAKQQ";

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// Everything a run would say about a file: the error that stops it, or
    /// its warnings and each failed record's place and problems.
    fn everything_said(name: &str, bytes: &[u8], options: &InputOptions) -> Vec<String> {
        match read_bytes(Path::new(name), bytes, options) {
            Err(e) => vec![e.to_string()],
            Ok(file) => {
                let mut said: Vec<String> = file.warnings.iter().map(ToString::to_string).collect();
                for entry in file.entries {
                    if let Err((origin, problems)) =
                        entry.and_then(|raw| record::from_raw(raw, today()))
                    {
                        said.push(origin.to_string());
                        said.extend(problems.iter().map(ToString::to_string));
                    }
                }
                said
            }
        }
    }

    /// Text carrying the marker, shaped to fail each rule of the contract.
    fn marked_text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(MARKER.to_string()),
            "[a-zA-Z ,.'-]{0,12}".prop_map(|p| format!("{p}{MARKER}{p}")),
            (1usize..80).prop_map(|n| format!("{MARKER} ").repeat(n)),
            Just(format!("{MARKER}\u{7}bell")),
            Just(format!("{MARKER}\u{0}")),
            Just(format!("{MARKER}\n").repeat(12)),
            Just(format!("{MARKER}\r\n{MARKER}")),
            Just(format!("#N/A {MARKER}")),
            Just(format!("#REF!{MARKER}")),
            Just(format!("{MARKER}@")),
            Just(format!("{MARKER}@example")),
            Just(format!("1.5E+15{MARKER}")),
            Just(format!("12/31/{MARKER}")),
            Just(format!("{MARKER}-01-01")),
            Just(format!("surgery_recommended; {MARKER}")),
            Just(format!("王{MARKER}😀")),
            Just(format!("\"{MARKER}\",;|\t{MARKER}")),
        ]
    }

    /// Valid or invalid values without the marker, so that records also
    /// reach the rules that need several fields.
    fn plain_text() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "1970-01-01",
            "2027-01-01",
            "1800-01-01",
            "1970-02-30",
            "02/03/1970",
            "surgery_recommended",
            "second_opinion_doctor",
            "patient",
            "paper",
            "Dr. Lee",
            "",
            "  ",
        ])
        .prop_map(String::from)
    }

    fn json_value() -> impl Strategy<Value = Json> {
        prop_oneof![
            4 => marked_text().prop_map(Json::String),
            2 => plain_text().prop_map(Json::String),
            1 => Just(Json::Null),
            1 => any::<bool>().prop_map(Json::Bool),
            1 => any::<i64>().prop_map(|n| json!(n)),
            1 => any::<f64>().prop_map(|n| json!(n)),
            1 => prop::collection::vec(marked_text(), 0..40).prop_map(|v| json!(v)),
            1 => marked_text().prop_map(|t| json!([t, 1])),
            1 => marked_text().prop_map(|t| json!([[t]])),
            1 => marked_text().prop_map(|t| json!({"note": t, "more": [t]})),
        ]
    }

    /// A field name: mostly real ones, sometimes a typo or an alias (both
    /// errors in JSON), never the marker (names are shown on purpose).
    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => prop::sample::select(FIELDS.iter().map(|f| f.name).collect::<Vec<_>>())
                .prop_map(String::from),
            1 => prop::sample::select(vec!["diagnosys", "Patient Name", "dob", "pateint_email", "", "x\u{7}"])
                .prop_map(String::from),
        ]
    }

    fn record_fields() -> impl Strategy<Value = Vec<(String, Json)>> {
        prop::collection::vec((field_name(), json_value()), 0..12)
    }

    /// Writes a JSON object by hand, so duplicate keys survive.
    fn object_text(fields: &[(String, Json)]) -> String {
        let pairs: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}: {v}", Json::String(k.clone())))
            .collect();
        format!("{{{}}}", pairs.join(", "))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        /// Records of any shape through the JSON reader and the record stage:
        /// no panic, one entry per record, and no value in any message.
        #[test]
        fn json_values_never_reach_messages(
            records in prop::collection::vec(record_fields(), 1..6),
            bom in any::<bool>(),
        ) {
            let text = format!(
                "{}[{}]",
                if bom { "\u{feff}" } else { "" },
                records.iter().map(|r| object_text(r)).collect::<Vec<_>>().join(",\n")
            );
            let file = read_bytes(Path::new("in.json"), text.as_bytes(), &InputOptions::default())
                .expect("well-formed JSON is read");
            prop_assert_eq!(file.entries.len(), records.len());
            for said in everything_said("in.json", text.as_bytes(), &InputOptions::default()) {
                prop_assert!(!said.contains(MARKER), "{}", said);
            }
        }

        /// Broken JSON (cut anywhere, or one byte changed) is an error that
        /// names a line and column and never quotes the text.
        #[test]
        fn broken_json_never_quotes_the_text(
            record in record_fields(),
            cut in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let text = object_text(&record).into_bytes();
            let truncated = &text[..cut.index(text.len())];
            let mut changed = text.clone();
            let at = flip.index(changed.len());
            changed[at] = byte;
            for bytes in [truncated, changed.as_slice()] {
                for said in everything_said("in.json", bytes, &InputOptions::default()) {
                    prop_assert!(!said.contains(MARKER), "{}", said);
                }
            }
        }

        /// CSV written by a real CSV writer, with any separator, quoting and
        /// line ending, reads back cell for cell, each record at the line it
        /// starts on, and its problems never quote a value.
        #[test]
        fn csv_reads_back_what_a_writer_wrote(
            rows in prop::collection::vec(
                prop::collection::vec(prop_oneof![marked_text(), plain_text()], 4),
                1..8,
            ),
            delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
            crlf in any::<bool>(),
            always_quote in any::<bool>(),
        ) {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .quote_style(if always_quote { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary })
                .from_writer(Vec::new());
            writer
                .write_record(["patient_name", "date_of_birth", "current_doctor", "diagnosis"])
                .unwrap();
            let mut starts = Vec::new();
            for row in &rows {
                writer.flush().unwrap();
                let written = writer.get_ref();
                starts.push(written.iter().filter(|&&b| b == b'\n').count()
                    + written.iter().enumerate().filter(|&(i, &b)| b == b'\r' && written.get(i + 1) != Some(&b'\n')).count()
                    + 1);
                writer.write_record(row).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let said = everything_said("in.csv", &bytes, &InputOptions::default());
            for line in &said {
                prop_assert!(!line.contains(MARKER), "{}", line);
            }
            let file = read_bytes(Path::new("in.csv"), &bytes, &InputOptions::default());
            let file = match file {
                Ok(file) => file,
                Err(e) => {
                    // Only a file whose every row is blank, or that holds a
                    // NUL character (refused as not text), may fail.
                    prop_assert!(
                        rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty()))
                            || rows.iter().flatten().any(|c| c.contains('\0')),
                        "{}", e
                    );
                    return Ok(());
                }
            };
            prop_assert!(file.warnings.is_empty(), "{:?}", file.warnings);
            let kept: Vec<(usize, &Vec<String>)> = starts
                .iter()
                .copied()
                .zip(&rows)
                .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
                .collect();
            prop_assert_eq!(file.entries.len(), kept.len());
            for (entry, (line, row)) in file.entries.iter().zip(kept) {
                let raw = entry.as_ref().expect("no ragged rows");
                prop_assert_eq!(&raw.origin.place, &Place::Row { sheet: None, row: line });
                for ((name, cell), written) in raw.cells.iter().zip(row) {
                    let expected = if written.trim().is_empty() {
                        Cell::Empty
                    } else if written.trim().starts_with("#N/A") && written.trim() == "#N/A" {
                        Cell::Invalid("a spreadsheet error (#N/A)")
                    } else {
                        Cell::Text(written.clone())
                    };
                    if !matches!(cell, Cell::Invalid(_)) {
                        prop_assert_eq!(cell, &expected, "{}", name);
                    }
                }
            }
        }
    }

    /// The fixtures the mutation property starts from, with the names they
    /// are read under. No .xls: a changed byte in its sector table can make a
    /// chain loop, on which calamine allocates without bound. cfb_check now
    /// refuses such files (tests/fixtures/fuzz/xls_sector_chain_cycle.xls),
    /// but random mutation of .xls is left to the workbook fuzz target, which
    /// runs under libFuzzer's memory limit, rather than the test suite.
    const SEEDS: &[(&str, &str)] = &[
        ("clean.xlsx", "in.xlsx"),
        ("errors.xlsx", "in.xlsx"),
        ("title_rows.xlsx", "in.xlsx"),
        ("clean.ods", "in.ods"),
        ("utf8.csv", "in.csv"),
        ("unicode_text.txt", "in.txt"),
        ("ragged.csv", "in.csv"),
        ("merged_header.xlsx", "in.xlsx"),
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        /// Damaged workbooks and text files (bytes changed, or cut short)
        /// end in a result, never a panic, whatever reader they reach.
        #[test]
        fn damaged_files_never_crash_a_reader(
            seed in prop::sample::select(SEEDS),
            changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            cut in prop::option::of(any::<prop::sample::Index>()),
            renamed in prop::option::of(prop::sample::select(vec!["in.json", "in.csv", "in.xlsx", "in.xls", "in.ods", "in"])),
        ) {
            let mut bytes = fixture(seed.0);
            for (at, byte) in changes {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            let name = renamed.unwrap_or(seed.1);
            let said = everything_said(name, &bytes, &InputOptions::default());
            prop_assert!(said.iter().all(|s| !s.is_empty()));
        }

        /// Arbitrary bytes under any name: detection and every reader give a
        /// result, never a panic.
        #[test]
        fn arbitrary_bytes_never_crash_a_reader(
            bytes in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..512),
                prop::collection::vec(any::<u8>(), 0..512).prop_map(|mut b| { b.splice(0..0, *b"PK\x03\x04"); b }),
                prop::collection::vec(any::<u8>(), 0..512).prop_map(|mut b| { b.splice(0..0, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]); b }),
                "\\PC{0,200}".prop_map(String::into_bytes),
            ],
            name in prop::sample::select(vec!["in.json", "in.csv", "in.tsv", "in.txt", "in.xlsx", "in.xlsb", "in.xls", "in.ods", "in", "IN.XLSX"]),
        ) {
            let _ = everything_said(name, &bytes, &InputOptions::default());
            let latin = InputOptions { encoding: Some("windows-1252".into()), ..InputOptions::default() };
            let _ = everything_said(name, &bytes, &latin);
        }
    }

    /// Every fixture and sample, read whole and read entry by entry under
    /// several options: the same entries in the same order, the same
    /// warnings, the same error. Entries come in file order.
    #[test]
    fn read_and_read_each_agree_on_every_fixture() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut files = Vec::new();
        for dir in ["tests/fixtures", "tests/fixtures/fuzz", "samples"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 30, "{files:?}");
        let options = [
            InputOptions::default(),
            InputOptions {
                sheet_dates: TextDates::DayFirst,
                ..InputOptions::default()
            },
            InputOptions {
                encoding: Some("windows-1252".into()),
                ..InputOptions::default()
            },
            InputOptions {
                sheet: Some("Old".into()),
                ..InputOptions::default()
            },
        ];
        let mut read_some = 0;
        for path in &files {
            for options in &options {
                let whole = read(path, options).map_err(|e| e.to_string());
                let mut entries = Vec::new();
                let bytes = std::fs::read(path).unwrap();
                let each = read_bytes_each(path, &bytes, options, &mut |e| entries.push(e))
                    .map_err(|e| e.to_string());
                let what = format!("{} {options:?}", path.display());
                match (whole, each) {
                    (Ok(file), Ok(warnings)) => {
                        read_some += 1;
                        assert_eq!(file.warnings, warnings, "{what}");
                        assert_eq!(
                            format!("{:?}", file.entries),
                            format!("{entries:?}"),
                            "{what}"
                        );
                        let places: Vec<Place> = entries
                            .iter()
                            .map(|e| match e {
                                Ok(raw) => raw.origin.place.clone(),
                                Err((origin, _)) => origin.place.clone(),
                            })
                            .collect();
                        assert!(places.windows(2).all(|w| w[0] < w[1]), "{what}: {places:?}");
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
                    (whole, each) => panic!("{what}: {whole:?} / {each:?}"),
                }
            }
        }
        assert!(read_some > 60, "{read_some}");
    }

    #[test]
    fn the_million_formatted_rows_cost_nothing_and_keep_their_row_numbers() {
        let started = std::time::Instant::now();
        let file = read_bytes(
            Path::new("million_rows.xlsx"),
            &fixture("million_rows.xlsx"),
            &InputOptions::default(),
        )
        .unwrap();
        let rows: Vec<usize> = file
            .entries
            .iter()
            .map(|e| match &e.as_ref().unwrap().origin.place {
                Place::Row { row, .. } => *row,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(rows, [2, 3, 1_048_576]);
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
    }
}
