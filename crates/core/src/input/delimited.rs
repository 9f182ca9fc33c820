//! CSV and other delimited text (`.csv`, `.tsv`, `.txt`).
//!
//! The bytes are decoded first — UTF-8 (with or without a byte order mark),
//! UTF-16 recognised by its byte order mark, or the encoding named with
//! `--encoding` — and never with silent replacement characters: text that is
//! not valid in its encoding stops the run, naming the line. The delimiter is
//! `--delimiter`, or the one of `,` `;` tab `|` that makes a header row
//! appear. A real CSV parser reads the fields, so quoted separators and line
//! breaks (addresses) work. The table rules (header row, columns, blank rows)
//! are the spreadsheets' own, from `input::table`, and each line is handed
//! on as soon as it is parsed: what is held is the decoded text (the bytes
//! themselves when they are UTF-8 already), never all the rows.

use std::borrow::Cow;
use std::path::Path;

use encoding_rs::{DecoderResult, Encoding};

use super::table::{self, GridRow, Limits, MAX_COLUMNS, Source, Table, Value};
use super::{Entry, FileWarning, InputFile, InputOptions};
use crate::error::{Code, Error};
use crate::intake::safe_name;

/// The delimiters tried, in order of preference on a tie.
const CANDIDATES: &[u8] = b",;\t|";
/// How many records are parsed to choose the delimiter.
const SNIFF_RECORDS: usize = 25;
/// How much of the text is parsed to choose the delimiter.
const SNIFF_BYTES: usize = 256 * 1024;
/// The longest field looked at as a possible column name while choosing the
/// delimiter (the longest accepted header is far shorter).
const MAX_HEADER_BYTES: usize = 200;

/// Reads a delimited text file whole.
pub fn read(path: &Path, bytes: &[u8], options: &InputOptions) -> Result<InputFile, Error> {
    read_with(path, bytes, options, Limits::DEFAULT)
}

/// Reads a delimited text file, handing each entry to `sink` as soon as its
/// line is parsed; returns the file's warnings.
pub fn read_each(
    path: &Path,
    bytes: &[u8],
    options: &InputOptions,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<FileWarning>, Error> {
    read_each_with(path, bytes, options, Limits::DEFAULT, sink)
}

/// The line where a quoted value opens and never closes, if any.
///
/// The csv crate reads an unclosed quote as a value running to the end of
/// the file, which would silently swallow every row after it. Quotes open a
/// value only at its start (after a separator or a line break), as RFC 4180
/// and the csv crate have it; inside, `""` is a literal quote.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let (mut line, mut opened_on) = (1, 0);
    let (mut in_quotes, mut at_start) = (false, true);
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        if in_quotes {
            if b == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' && at_start {
            in_quotes = true;
            opened_on = line;
        }
        at_start = !in_quotes && (b == delimiter || b == b'\n' || b == b'\r');
    }
    in_quotes.then_some(opened_on)
}

/// Most fields a CSV line may have: Excel's column count. A line is checked
/// before the CSV parser sees it, since the parser holds a whole line's
/// fields (a 40 MB line of commas is 20 million of them).
const MAX_FIELDS: usize = 16_384;

/// The first line with more than [`MAX_FIELDS`] fields, if any, counting
/// separators outside quotes (quoted as in [`unclosed_quote`]).
fn too_wide(text: &str, delimiter: u8) -> Option<usize> {
    let (mut line, mut record_line, mut fields) = (1, 1, 1);
    let (mut in_quotes, mut at_start) = (false, true);
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if in_quotes {
            if b == b'\n' {
                line += 1;
            }
            if b == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' && at_start {
            in_quotes = true;
        } else if b == delimiter {
            fields += 1;
            if fields > MAX_FIELDS {
                return Some(record_line);
            }
        } else if b == b'\n' {
            line += 1;
            (record_line, fields) = (line, 1);
        }
        at_start = !in_quotes && (b == delimiter || b == b'\n' || b == b'\r');
    }
    None
}

pub(super) fn read_with(
    path: &Path,
    bytes: &[u8],
    options: &InputOptions,
    limits: Limits,
) -> Result<InputFile, Error> {
    InputFile::collect(|sink| read_each_with(path, bytes, options, limits, sink))
}

pub(super) fn read_each_with(
    path: &Path,
    bytes: &[u8],
    options: &InputOptions,
    limits: Limits,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<FileWarning>, Error> {
    let text = decode(path, bytes, options.encoding.as_deref())?;
    let delimiter = match options.delimiter {
        Some(d) => check_delimiter(d)?,
        None => sniff(&text),
    };
    if let Some(line) = too_wide(&text, delimiter) {
        return Err(Error::input(
            Code::LineTooWide,
            path,
            format!(
                "line {line} has more than {MAX_FIELDS} fields, more than any spreadsheet has columns"
            ),
            "check that the file is a table saved as CSV; delete the columns to the right of the intake table, or copy the table alone into a new file",
        )
        .with("line", line)
        .with("max", MAX_FIELDS));
    }
    if let Some(line) = unclosed_quote(&text, delimiter) {
        return Err(Error::input(
            Code::UnclosedQuote,
            path,
            format!("a quote opened on line {line} is never closed, so the rest of the file would be read as one value"),
            "add the missing closing \" on that line (a value containing quotes must double them: \"\"), or save the file again from the spreadsheet program",
        )
        .with("line", line));
    }
    let source = Source {
        sheet: None,
        all_sheets: Vec::new(),
        unit: "line",
        is_1904: false,
    };
    let mut table = Table::new(path, source, options, limits, sink);
    let mut reader = reader(&text, delimiter);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(Error::input(
                    Code::CsvUnreadable,
                    path,
                    format!("line {line} could not be read as CSV"),
                    "save the file again as CSV UTF-8 from Excel or LibreOffice",
                )
                .with("line", line as usize));
            }
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
        let mut filled = false;
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                // An over-long field is never copied.
                let value = if field.len() > super::MAX_CELL_BYTES {
                    Value::TooLong
                } else {
                    Value::Text(field.to_string())
                };
                table.push(line, col, value)?;
                filled = true;
            }
        }
        if filled {
            // The field count finds ragged lines; the line is complete, so
            // it is handed on now rather than when the next one starts.
            table.set_fields(record.len());
            table.end_row()?;
        }
    }
    table.finish()
}

/// Line numbers as an editor shows them. The csv crate's own line count lags
/// by one after a `\r\n` ending (the `\n` is consumed with the next record),
/// so lines are counted here from the record's byte offset.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line on which a record whose bytes begin at `start` (possibly on
    /// the previous line's terminator) really starts. `start` never decreases.
    fn line_at(&mut self, start: usize) -> usize {
        let mut start = start.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        while self.pos < start {
            let b = self.bytes[self.pos];
            if b == b'\n' || (b == b'\r' && self.bytes.get(self.pos + 1) != Some(&b'\n')) {
                self.line += 1;
            }
            self.pos += 1;
        }
        self.line
    }
}

fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// Chooses the delimiter under which a header row naming the most intake
/// fields appears in the first lines.
///
/// Only the start of the text is looked at: a header row is short, and
/// parsing a hostile 40 MB first line four times would cost minutes.
fn sniff(text: &str) -> u8 {
    let mut end = text.len().min(SNIFF_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut best = (0, b',');
    for &candidate in CANDIDATES {
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut reader = reader(text, candidate);
        while rows.len() < SNIFF_RECORDS && matches!(reader.read_record(&mut record), Ok(true)) {
            rows.push(GridRow {
                number: rows.len() + 1,
                // Only what a header could be: the columns a table may use,
                // fields short enough to be a column name.
                cells: record
                    .iter()
                    .take(MAX_COLUMNS)
                    .enumerate()
                    .filter(|(_, f)| !f.is_empty() && f.len() <= MAX_HEADER_BYTES)
                    .map(|(c, f)| (c, Value::Text(f.to_string())))
                    .collect(),
                fields: Some(record.len()),
            });
        }
        let score = table::find_header(&rows).map_or(0, |i| table::header_score(&rows[i]));
        if score > best.0 {
            best = (score, candidate);
        }
    }
    best.1
}

fn check_delimiter(d: u8) -> Result<u8, Error> {
    if d == b'"' || d == b'\n' || d == b'\r' || !d.is_ascii() {
        return Err(Error::Usage {
            message: "this character cannot separate CSV fields".into(),
            hint: "use --delimiter with , or ; or tab".into(),
        });
    }
    Ok(d)
}

/// Finds the encoding for an `--encoding` label ("windows-1252", "latin1",
/// "utf-16le", …: the WHATWG labels). Refuses unknown labels, so the CLI can
/// check the option before reading anything.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, Error> {
    match Encoding::for_label(label.trim().as_bytes()) {
        Some(enc) if enc != encoding_rs::REPLACEMENT => Ok(enc),
        _ => Err(Error::Usage {
            message: format!("unknown text encoding \"{}\"", safe_name(label)),
            hint: "use a name such as utf-8, windows-1252 (also called latin1), iso-8859-15, macintosh, utf-16le or utf-16be".into(),
        }),
    }
}

/// Decodes the file to text, never replacing a character silently. UTF-8 is
/// borrowed, not copied.
fn decode<'b>(path: &Path, bytes: &'b [u8], encoding: Option<&str>) -> Result<Cow<'b, str>, Error> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(path, rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_with(path, rest, encoding_rs::UTF_16LE).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_with(path, rest, encoding_rs::UTF_16BE).map(Cow::Owned);
    }
    match encoding {
        Some(label) => decode_with(path, bytes, encoding_for_label(label)?).map(Cow::Owned),
        None => utf8(path, bytes),
    }
}

fn utf8<'b>(path: &Path, bytes: &'b [u8]) -> Result<Cow<'b, str>, Error> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = line_of(&bytes[..e.valid_up_to()]);
            return Err(Error::input(
                Code::NotUtf8,
                path,
                format!(
                    "line {line} is not UTF-8 text; the file was probably saved in a Windows or Mac encoding"
                ),
                "in Excel, save it as \"CSV UTF-8 (Comma delimited)\"; or name its encoding, for example --encoding windows-1252",
            )
            .with("format", "csv")
            .with("line", line));
        }
    };
    if let Some(i) = text.find('\0') {
        let line = line_of(&bytes[..i]);
        return Err(Error::input(
            Code::NotText,
            path,
            format!(
                "line {line} holds NUL characters: the file is UTF-16 text without a byte order mark, or not text at all"
            ),
            "save it as CSV UTF-8, or name its encoding with --encoding utf-16le",
        )
        .with("line", line));
    }
    Ok(Cow::Borrowed(text))
}

fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

fn decode_with(path: &Path, bytes: &[u8], encoding: &'static Encoding) -> Result<String, Error> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len().saturating_mul(3) / 2 + 16);
    let mut input = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut out, true);
        input = &input[read..];
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(input.len().saturating_mul(3) + 16),
            DecoderResult::Malformed(..) => {
                let line = out.matches('\n').count() + 1;
                return Err(Error::input(
                    Code::NotInEncoding,
                    path,
                    format!("line {line} is not valid {} text", encoding.name()),
                    "name the file's real encoding with --encoding, or save it as CSV UTF-8",
                )
                .with("line", line)
                .with("encoding", encoding.name()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Cell, Entry, Place, RawRecord, TextDates};
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("tests/fixtures")
            .join(name)
    }

    fn read_fixture(name: &str, options: &InputOptions) -> Result<InputFile, Error> {
        crate::input::read(&fixture(name), options)
    }

    fn read_str(text: &str) -> Result<InputFile, Error> {
        read(
            Path::new("t.csv"),
            text.as_bytes(),
            &InputOptions::default(),
        )
    }

    fn ok(entry: &Entry) -> &RawRecord {
        entry.as_ref().expect("a readable row")
    }

    fn line(entry: &Entry) -> usize {
        let origin = match entry {
            Ok(rec) => &rec.origin,
            Err((origin, _)) => origin,
        };
        match origin.place {
            Place::Row { sheet: None, row } => row,
            ref other => panic!("{other:?}"),
        }
    }

    fn cell<'a>(rec: &'a RawRecord, field: &str) -> &'a Cell {
        &rec.cells.iter().find(|(n, _)| n == field).expect(field).1
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// The cells of every record, for comparing encodings.
    fn all_cells(file: &InputFile) -> Vec<Vec<(String, Cell)>> {
        file.entries.iter().map(|e| ok(e).cells.clone()).collect()
    }

    #[test]
    fn utf8_with_quoted_line_breaks() {
        let file = read_fixture("utf8.csv", &InputOptions::default()).unwrap();
        assert!(file.warnings.is_empty());
        let lines: Vec<usize> = file.entries.iter().map(line).collect();
        // Ana's address spans lines 2 and 3.
        assert_eq!(lines, [2, 4, 5]);
        let ana = ok(&file.entries[0]);
        assert_eq!(
            cell(ana, "patient_address"),
            &text("12 Alder Lane\nSpringfield, IL 62704")
        );
        assert_eq!(
            cell(ana, "reasons"),
            &text("surgery_recommended; explore_options")
        );
        assert_eq!(cell(ana, "medical_record_number"), &text("00482913"));
        assert_eq!(ana.text_dates, TextDates::MonthFirst);
        let jose = ok(&file.entries[1]);
        assert_eq!(cell(jose, "patient_name"), &text("José Muñoz Ejemplo"));
        assert_eq!(cell(jose, "date_of_birth"), &text("04/09/1968"));
        assert_eq!(cell(jose, "patient_address"), &Cell::Empty);
        assert_eq!(
            cell(ok(&file.entries[2]), "patient_name"),
            &text("Nguyễn Thị Ví Dụ")
        );
    }

    #[test]
    fn bom_and_utf16_read_the_same_as_utf8() {
        let options = InputOptions::default();
        let plain = read_fixture("utf8.csv", &options).unwrap();
        for name in ["utf8_bom.csv", "unicode_text.txt", "utf16be.csv"] {
            let file = read_fixture(name, &options).unwrap();
            assert_eq!(all_cells(&file), all_cells(&plain), "{name}");
            assert_eq!(
                file.entries.iter().map(line).collect::<Vec<_>>(),
                [2, 4, 5],
                "{name}"
            );
        }
        // A byte order mark outranks --encoding.
        let latin = InputOptions {
            encoding: Some("windows-1252".into()),
            ..InputOptions::default()
        };
        let file = read_fixture("utf8_bom.csv", &latin).unwrap();
        assert_eq!(all_cells(&file), all_cells(&plain));
    }

    #[test]
    fn windows_encodings_need_to_be_named() {
        let err = read_fixture("windows1252.csv", &InputOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4 is not UTF-8 text"), "{err}");
        assert!(err.contains("--encoding windows-1252"), "{err}");
        assert!(err.contains("CSV UTF-8"), "{err}");
        assert!(!err.contains("Mu"), "{err}");
        for label in ["windows-1252", "latin1", " CP1252 "] {
            let options = InputOptions {
                encoding: Some(label.into()),
                ..InputOptions::default()
            };
            let file = read_fixture("windows1252.csv", &options).unwrap();
            assert_eq!(
                cell(ok(&file.entries[1]), "patient_name"),
                &text("José Muñoz Ejemplo"),
                "{label}"
            );
        }
        let options = InputOptions {
            encoding: Some("klingon".into()),
            ..InputOptions::default()
        };
        let err = read_fixture("windows1252.csv", &options).unwrap_err();
        assert!(matches!(err, Error::Usage { .. }), "{err}");
        assert!(encoding_for_label("utf-16le").is_ok());
        assert!(encoding_for_label("iso-2022-kr").is_err());
    }

    #[test]
    fn malformed_text_is_never_replaced() {
        // Shift_JIS lead byte without its trail byte, on line 3.
        let bytes =
            b"patient_name,date_of_birth,current_doctor\nA,1970-01-01,Dr\n\x82,1970-01-01,Dr\n";
        let options = InputOptions {
            encoding: Some("shift_jis".into()),
            ..InputOptions::default()
        };
        let err = read(Path::new("t.csv"), bytes, &options)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3 is not valid Shift_JIS text"), "{err}");
        // UTF-16 without a byte order mark looks like text full of NULs.
        let utf16: Vec<u8> = "patient_name,dob\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let err = read(Path::new("t.csv"), &utf16, &InputOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("NUL"), "{err}");
        let err = read(
            Path::new("t.csv"),
            b"a,b\n\xFF\xFE\xFD\n",
            &InputOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2 is not UTF-8"), "{err}");
    }

    #[test]
    fn delimiters_are_detected_or_given() {
        let file = read_fixture("semicolon.csv", &InputOptions::default()).unwrap();
        let ana = ok(&file.entries[0]);
        assert_eq!(cell(ana, "date_of_birth"), &text("03/02/1970"));
        assert_eq!(
            cell(ok(&file.entries[1]), "reasons"),
            &text("feel_unheard; rare_condition")
        );
        let dmy = InputOptions {
            sheet_dates: TextDates::DayFirst,
            ..InputOptions::default()
        };
        let file = read_fixture("semicolon.csv", &dmy).unwrap();
        assert_eq!(ok(&file.entries[0]).text_dates, TextDates::DayFirst);

        let file = read_fixture("tab.tsv", &InputOptions::default()).unwrap();
        assert_eq!(cell(ok(&file.entries[0]), "current_doctor"), &text("Dr. A"));

        let comma = InputOptions {
            delimiter: Some(b','),
            ..InputOptions::default()
        };
        let err = read_fixture("semicolon.csv", &comma)
            .unwrap_err()
            .to_string();
        assert!(err.contains("found no header row"), "{err}");
        let quote = InputOptions {
            delimiter: Some(b'"'),
            ..InputOptions::default()
        };
        assert!(matches!(
            read_fixture("semicolon.csv", &quote),
            Err(Error::Usage { .. })
        ));
    }

    #[test]
    fn title_lines_excel_padding_and_mangled_numbers() {
        let file = read_fixture("title_rows.csv", &InputOptions::default()).unwrap();
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
        assert_eq!(file.entries.iter().map(line).collect::<Vec<_>>(), [4, 6]);
        let ana = ok(&file.entries[0]);
        assert!(matches!(cell(ana, "member_id"), Cell::Invalid(w) if w.contains("scientific")));
        let ben = ok(&file.entries[1]);
        assert_eq!(cell(ben, "member_id"), &text("123456789012345"));
        assert_eq!(
            cell(ben, "date_of_birth"),
            &Cell::Invalid("a spreadsheet error (#N/A)")
        );
    }

    #[test]
    fn ragged_lines_are_record_errors() {
        let file = read_fixture("ragged.csv", &InputOptions::default()).unwrap();
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
        let lines: Vec<usize> = file.entries.iter().map(line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 8]);
        let outcome: Vec<bool> = file.entries.iter().map(Result::is_ok).collect();
        assert_eq!(outcome, [true, false, false, true, true, true]);
        let problem = |i: usize| file.entries[i].as_ref().unwrap_err().1[0].to_string();
        assert!(problem(1).contains("has 2 fields but the header line has 3"));
        assert!(problem(2).contains("has 4 fields but the header line has 3"));
        assert!(!problem(2).contains("extra"));
        assert_eq!(
            cell(ok(&file.entries[4]), "patient_name"),
            &text("Eve\nExample")
        );
    }

    #[test]
    fn whole_file_problems() {
        let err = read_str("").unwrap_err().to_string();
        assert!(err.contains("the file is empty"), "{err}");
        let err = read_str("just,some,words\n1,2,3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("found no header row in the file"), "{err}");
        let err = read_str("\n\nName,DOB,Doctor\n").unwrap_err().to_string();
        assert!(
            err.contains("has a header row (line 3) but no patient rows"),
            "{err}"
        );
        let err = read_str("Name,DOB\nSECRET,1970-01-01\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("in the header row (line 1), there is no column for the required field current_doctor"),
            "{err}"
        );
        assert!(!err.contains("SECRET"), "{err}");
        let many = "Name,DOB,Doctor\n".to_string() + &"a,b,c\n".repeat(3);
        let limits = Limits {
            rows: 2,
            ..Limits::DEFAULT
        };
        let err = read_with(
            Path::new("t.csv"),
            many.as_bytes(),
            &InputOptions::default(),
            limits,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("more than 2 rows"), "{err}");
        let wide = format!("Name,DOB,Doctor{}\n", ",x".repeat(1000));
        let err = read_str(&wide).unwrap_err().to_string();
        assert!(err.contains("column ALM (line 1)"), "{err}");
    }

    #[test]
    fn line_numbers_follow_every_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = [
                "Name,DOB,Doctor",
                "",
                "a,b,c",
                "\"x",
                "y\",b,c",
                "d,e,f",
                "",
            ]
            .join(ending);
            let file = read_str(&text).unwrap();
            let lines: Vec<usize> = file.entries.iter().map(line).collect();
            assert_eq!(lines, [3, 4, 6], "{ending:?}");
        }
    }

    #[test]
    fn values_never_reach_messages_or_warnings() {
        let text = "Patient Name,DOB,Doctor,MRN,Secret notes\n\
                    SECRET-1,SECRET-2,SECRET-3,SECRET-4,SECRET-5\n\
                    SECRET-6,SECRET-7\n\
                    SECRET-8,#N/A,SECRET-9,1.5E+20,SECRET-10,SECRET-11\n";
        let file = read_str(text).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut said: Vec<String> = file.warnings.iter().map(ToString::to_string).collect();
        for entry in file.entries {
            match entry.and_then(|raw| crate::record::from_raw(raw, today)) {
                Ok(_) => panic!("every row is broken"),
                Err((origin, problems)) => {
                    said.push(origin.to_string());
                    said.extend(problems.iter().map(|p| p.to_string()));
                }
            }
        }
        assert!(said.len() > 4, "{said:?}");
        for line in &said {
            assert!(!line.contains("SECRET"), "{line}");
        }
        let err = read_str("Name,DOB,Doctor,Doctor\nSECRET,SECRET,SECRET,SECRET\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn lines_are_handed_over_before_the_file_is_read_to_its_end() {
        // Data too far right on the last line: found only when it is read,
        // after the lines above it were handed over one by one.
        let text = format!(
            "Name,DOB,Doctor\na,b,c\n\nd,e,f\ng,h,i{}\n",
            ",x".repeat(1000)
        );
        let mut lines = Vec::new();
        let err = read_each(
            Path::new("t.csv"),
            text.as_bytes(),
            &InputOptions::default(),
            &mut |entry| lines.push(line(&entry)),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("column ALM (line 5)"), "{err}");
        assert_eq!(lines, [2, 4]);
        // A ragged line is a record error in its place in the stream.
        let mut outcome = Vec::new();
        let warnings = read_each(
            Path::new("t.csv"),
            b"Name,DOB,Doctor\na,b,c\nd,e\nf,g,h\n",
            &InputOptions::default(),
            &mut |entry| outcome.push((line(&entry), entry.is_ok())),
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(outcome, [(2, true), (3, false), (4, true)]);
    }

    #[test]
    fn lines_wider_than_any_spreadsheet_are_found_before_parsing() {
        let wide = format!("a,b\nc{}\nd\n", ",x".repeat(MAX_FIELDS));
        assert_eq!(too_wide(&wide, b','), Some(2));
        let quoted = format!("a,b\n\"{}\"\n", ",".repeat(MAX_FIELDS * 2));
        assert_eq!(too_wide(&quoted, b','), None);
        let exactly = format!("{}\n", ",".repeat(MAX_FIELDS - 1));
        assert_eq!(too_wide(&exactly, b','), None);
        assert_eq!(too_wide(&exactly, b';'), None);
    }

    #[test]
    fn unclosed_quotes_are_found_and_literal_quotes_are_not() {
        assert_eq!(unclosed_quote("a,b\r\nx,\"open\r\ny,z\r\n", b','), Some(2));
        assert_eq!(unclosed_quote("a,\"say \"\"hi\"\"\",c\n", b','), None);
        assert_eq!(unclosed_quote("a,5\" tall,c\nd,e,f\n", b','), None);
        assert_eq!(unclosed_quote("a;\"two\nlines\";c\n", b';'), None);
        assert_eq!(unclosed_quote("a\t\"x\n", b'\t'), Some(1));
    }
}
