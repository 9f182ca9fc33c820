//! Input stage: reads intake files (JSON, spreadsheets, CSV) into [`RawRecord`]s.
//!
//! This stage knows about file formats and nothing about what a field means
//! beyond its name: it hands the record stage one [`RawRecord`] per patient,
//! each carrying where it came from ([`Origin`]) so that every later error can
//! name the file and row a clinic clerk has to fix. Interpreting values
//! (dates, lists, allowed codes) is the record stage's job, so that JSON and
//! spreadsheets follow exactly the same rules.

pub mod delimited;
pub mod json;
pub mod sheet;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Error, Problem};

/// One value as the input format delivered it, before the record stage gives
/// it a meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing there: JSON `null`, an empty cell, an empty string.
    Empty,
    /// Text as typed.
    Text(String),
    /// A JSON number (spreadsheet readers turn numbers into [`Cell::Text`] or
    /// [`Cell::Date`] themselves, because only they know the cell's format).
    Number(f64),
    /// A JSON `true` / `false`.
    Bool(bool),
    /// A date the input format already knows is a date (a spreadsheet date cell).
    Date(NaiveDate),
    /// A list of texts (a JSON array of strings).
    List(Vec<String>),
    /// A value of a kind no intake field accepts, described in words
    /// ("an object", "a list with a number in it") — never the value itself.
    Invalid(&'static str),
}

/// How text dates may be written in this input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextDates {
    /// Only ISO `YYYY-MM-DD` (JSON: the format is machine-written).
    IsoOnly,
    /// ISO, or `MM/DD/YYYY` (US spreadsheets, the default for sheets).
    MonthFirst,
    /// ISO, or `DD/MM/YYYY` (`--date-order dmy`).
    DayFirst,
}

/// Where a record came from, for messages and the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// The input file as the user named it.
    pub file: PathBuf,
    /// The position inside the file.
    pub place: Place,
}

/// A position inside an input file, in the terms the user sees.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The n-th patient (1-based) of a JSON file.
    Record(usize),
    /// A row number as the spreadsheet program shows it (1-based), on a sheet.
    Row { sheet: Option<String>, row: usize },
}

impl Origin {
    /// The file name alone, as reports show it.
    pub fn file_name(&self) -> String {
        display_name(&self.file)
    }

    /// The position alone: "record 3", "row 12".
    pub fn place_label(&self) -> String {
        match &self.place {
            Place::Record(n) => format!("record {n}"),
            Place::Row { row, .. } => format!("row {row}"),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Place::Record(n) => write!(f, "{}, record {n}", self.file.display()),
            Place::Row {
                sheet: Some(sheet),
                row,
            } => {
                write!(f, "{}, sheet \"{sheet}\", row {row}", self.file.display())
            }
            Place::Row { sheet: None, row } => write!(f, "{}, row {row}", self.file.display()),
        }
    }
}

/// The name of a file without its folders, for short messages.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// One patient's values, keyed by intake field name, as read from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRecord {
    /// Where the record came from.
    pub origin: Origin,
    /// `(field name, value)` pairs in input order. Names are already mapped to
    /// intake field names where the format allows aliases (spreadsheet
    /// headers); a name that matches no field is kept so the record stage can
    /// report it. The same name twice (a JSON object with a duplicate key) is
    /// kept twice, for the same reason.
    pub cells: Vec<(String, Cell)>,
    /// How text in date fields may be written.
    pub text_dates: TextDates,
}

/// One entry of an input file: a record to build, or a record the reader could
/// not make sense of (its problems already known).
pub type Entry = Result<RawRecord, (Origin, Vec<Problem>)>;

/// Everything read from one input file.
#[derive(Debug, Default)]
pub struct InputFile {
    /// The records, in file order.
    pub entries: Vec<Entry>,
    /// File-level warnings that do not stop the run (ignored columns...).
    pub warnings: Vec<String>,
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

/// Reads one input file, choosing the reader by content and extension.
pub fn read(path: &Path, options: &InputOptions) -> Result<InputFile, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io_read(path, &e))?;
    if meta.is_dir() {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: "this is a folder, not an intake file".into(),
            hint: "name the intake file itself, for example samples/patient.json".into(),
        });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: format!(
                "the file is larger than {} MB, more than an intake file should be",
                MAX_INPUT_BYTES / 1024 / 1024
            ),
            hint: "split it into several smaller files".into(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io_read(path, &e))?;
    read_bytes(path, &bytes, options)
}

/// What an input file holds, decided by [`detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON intake file.
    Json,
    /// A workbook calamine reads.
    Workbook(sheet::Workbook),
    /// CSV or other delimited text.
    Delimited,
    /// Text in a file named like a workbook (a CSV renamed to .xlsx).
    TextNamedAsWorkbook,
}

/// The file's extension, lower-cased ("" when it has none).
fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods", "xltx", "xltm"];
const TEXT_EXTENSIONS: &[&str] = &["csv", "tsv", "tab", "txt"];

/// Decides how to read a file: by its first bytes (ZIP, OLE, JSON), then by
/// its lower-cased extension.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, Error> {
    let ext = extension(path);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sheet::zip_format(path, bytes).map(Format::Workbook);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if sheet::is_encrypted_ole(bytes) {
            return Err(sheet::password_protected(path));
        }
        return Ok(Format::Workbook(sheet::Workbook::Xls));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: "the file is empty".into(),
            hint: "choose the file that holds the patients".into(),
        });
    }
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if ext == "json" || matches!(first, Some(b'{' | b'[')) {
        return Ok(Format::Json);
    }
    if TEXT_EXTENSIONS.contains(&ext.as_str()) {
        return Ok(Format::Delimited);
    }
    if WORKBOOK_EXTENSIONS.contains(&ext.as_str()) {
        if first == Some(&b'<') {
            // Web applications often export an HTML table (or Excel 2003
            // XML) under an .xls name; Excel opens it, calamine cannot.
            return Err(Error::Input {
                file: path.to_path_buf(),
                message: format!(
                    "the file is named .{ext} but is a web page (HTML) or XML file, not a workbook"
                ),
                hint: "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx) or CSV UTF-8".into(),
            });
        }
        if looks_like_text(bytes) {
            return Ok(Format::TextNamedAsWorkbook);
        }
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: format!(
                "the file is named .{ext} but is not a workbook (it may be damaged, or another kind of file renamed)"
            ),
            hint: format!(
                "open the original in Excel or LibreOffice and save it again; {}",
                sheet::supported_formats_hint()
            ),
        });
    }
    Err(Error::Input {
        file: path.to_path_buf(),
        message: if ext.is_empty() {
            "the file has no extension and is not a workbook or JSON, so its format is unknown"
                .into()
        } else {
            format!("files named .{ext} cannot be read")
        },
        hint: sheet::supported_formats_hint().into(),
    })
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

/// Reads a file's bytes, choosing the reader with [`detect`].
pub fn read_bytes(path: &Path, bytes: &[u8], options: &InputOptions) -> Result<InputFile, Error> {
    let ext = extension(path);
    match detect(path, bytes)? {
        Format::Json => json::read(path, bytes),
        Format::Delimited => delimited::read(path, bytes, options),
        Format::Workbook(kind) => {
            let mut file = sheet::read(path, bytes, kind, options)?;
            if TEXT_EXTENSIONS.contains(&ext.as_str()) || ext == "json" {
                file.warnings.insert(
                    0,
                    format!(
                        "{}: the file is named .{ext} but is a workbook (.{}); it was read as a workbook",
                        path.display(),
                        kind.extension()
                    ),
                );
            }
            Ok(file)
        }
        Format::TextNamedAsWorkbook => match delimited::read(path, bytes, options) {
            Ok(mut file) => {
                file.warnings.insert(
                    0,
                    format!(
                        "{}: the file is named .{ext} but holds CSV text; it was read as CSV",
                        path.display()
                    ),
                );
                Ok(file)
            }
            Err(Error::Input { message, .. }) => Err(Error::Input {
                file: path.to_path_buf(),
                message: format!(
                    "the file is named .{ext} but is not a workbook; it holds plain text, and read as CSV: {message}"
                ),
                hint: "open the original workbook in Excel or LibreOffice and save it again as .xlsx; if the text is meant to be CSV, rename the file to .csv".into(),
            }),
            Err(other) => Err(other),
        },
    }
}
