//! Input stage: reads intake files (JSON, spreadsheets, CSV) into [`RawRecord`]s.
//!
//! This stage knows about file formats and nothing about what a field means
//! beyond its name: it hands the record stage one [`RawRecord`] per patient,
//! each carrying where it came from ([`Origin`]) so that every later error can
//! name the file and row a clinic clerk has to fix. Interpreting values
//! (dates, lists, allowed codes) is the record stage's job, so that JSON and
//! spreadsheets follow exactly the same rules.

pub mod json;

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
    /// ("an object", "a list holding a number") — never the value itself.
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
    /// How ambiguous text dates in spreadsheets are read.
    pub sheet_dates: TextDates,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            sheet: None,
            sheet_dates: TextDates::MonthFirst,
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
    let _ = options;
    json::read(path, &bytes)
}
