//! The intake contract: what an intake record is, shared by the stage that
//! reads files ([`crate::input`]) and the one that checks records
//! ([`crate::record`]), so neither depends on the other.
//!
//! - [`fields`]: every field a record may carry (names, kinds, aliases,
//!   help), the one source of truth;
//! - [`Cell`], [`RawRecord`], [`Origin`]: a record's values as read, and
//!   where it came from (file, record or row);
//! - [`TextDates`] and [`parse_date`]: how dates written as text are read;
//! - [`safe_name`] and [`looks_like_a_field_name`]: how a name the user
//!   wrote (a key, a header) may appear in a message, since a name may be
//!   data.

pub mod fields;

include!(concat!(env!("OUT_DIR"), "/languages.rs"));

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

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
    Row {
        /// The sheet, for workbooks (CSV files have none).
        sheet: Option<Sheet>,
        /// The row number.
        row: usize,
    },
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
            } => write!(f, "{}, {}, row {row}", self.file.display(), sheet.label()),
            Place::Row { sheet: None, row } => write!(f, "{}, row {row}", self.file.display()),
        }
    }
}

/// One sheet of a workbook, as messages refer to it.
///
/// Some clinics keep one tab per patient, so a sheet's name may be a
/// patient's name or record number. Messages print a name only when it looks
/// like what spreadsheet programs and intake forms call sheets ("Sheet1",
/// "Intake", "Form Responses 1"); any other sheet is named by its position,
/// which `--sheet` also accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sheet {
    /// Its position among the workbook's sheets, 1-based, hidden ones counted.
    pub number: usize,
    /// Its name, as the workbook stores it.
    pub name: String,
}

impl Sheet {
    /// `sheet "Intake"`, or `sheet 3` when the name may be data.
    pub fn label(&self) -> String {
        if looks_like_a_sheet_name(&self.name) {
            format!("sheet \"{}\"", safe_name(&self.name))
        } else {
            format!("sheet {}", self.number)
        }
    }
}

/// The words sheet names are made of when they are not data: spreadsheet
/// programs' default names in the languages clinics use, and the words of
/// intake and form-export tabs. Everything is compared in lower case.
const SHEET_WORDS: &[&str] = &[
    // Default names: Sheet1, Hoja1, Feuil1, Tabelle1, Foglio1, Planilha1,
    // Plan1, Blad1, Arkusz1, List1, Лист1, Folha1, Munka1, Taul1.
    "sheet",
    "hoja",
    "feuil",
    "feuille",
    "tabelle",
    "foglio",
    "planilha",
    "plan",
    "blad",
    "arkusz",
    "list",
    "лист",
    "folha",
    "munka",
    "taul",
    "table",
    "tabla",
    // What intake and export tabs are called.
    "intake",
    "intakes",
    "patient",
    "patients",
    "paciente",
    "pacientes",
    "referral",
    "referrals",
    "request",
    "requests",
    "records",
    "data",
    "datos",
    "export",
    "import",
    "form",
    "forms",
    "formulario",
    "responses",
    "respuestas",
    "response",
    "de",
    "del",
    "of",
    "and",
    "y",
    "new",
    "old",
    "all",
    "active",
    "archive",
    "archived",
    "done",
    "pending",
    "queue",
    "batch",
    "clinic",
    "second",
    "opinion",
    "opinions",
    "second-opinion",
    "summary",
    "notes",
    "instructions",
    "help",
    "readme",
    "lookup",
    "lists",
    "options",
    "settings",
    "template",
    "copy",
    "draft",
    "final",
    "test",
    "sample",
    "samples",
    "mailing",
    "week",
    "month",
    "year",
    "daily",
    "weekly",
    "monthly",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "q",
    "h",
    "main",
    "extra",
    "spare",
    "dates",
    "errors",
    "merged",
    "contacts",
    "appointments",
    "visits",
    "log",
    "tracker",
    "tracking",
    "roster",
    "list",
];

/// Whether a sheet name may be printed: made only of the words listed here,
/// numbers and punctuation ("Sheet1", "Intake 2026-11", "Form Responses 1").
/// A name with any other word ("Ana Alvarez", "MRN 0042") may be data.
pub fn looks_like_a_sheet_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    let mut words = 0;
    for word in lower.split(|c: char| !c.is_alphabetic()) {
        if word.is_empty() {
            continue;
        }
        if !SHEET_WORDS.contains(&word) {
            return false;
        }
        words += 1;
    }
    words > 0 && name.chars().count() <= 40 && !name.chars().any(char::is_control)
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
    /// The table columns the cells came from (spreadsheets and CSV), one
    /// list shared by every row of a table; empty for JSON.
    pub columns: std::sync::Arc<[crate::error::Column]>,
}

/// Whether an unknown key may be printed: a misspelled field, or a name in
/// field style (`colour`, `insurance_plan`). Anything else (a key holding a
/// patient's name or record number, as when patients are keyed by MRN) is
/// described, never printed.
pub fn looks_like_a_field_name(key: &str) -> bool {
    closest_field(key).is_some()
        || (!key.is_empty()
            && key.len() <= 40
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-'))
}

/// A field *name* as written by the user, made safe to print: control
/// characters removed and length capped (names, unlike values, are needed to
/// fix the file, but a hostile key must not flood the terminal).
pub fn safe_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    if name.chars().count() > 40 {
        format!("{clean}…")
    } else {
        clean
    }
}

/// The known field closest to a misspelled name, if any is close enough.
///
/// A name is compared only with fields it could be close to: the edit
/// distance is at least the difference in length, so a key longer than a
/// field name plus the allowed distance cannot be that field, and a key
/// longer than any header ([`fields::by_header`]'s cap) is no field at all.
/// Without that, a 10 MB unknown JSON key cost 31 Levenshtein tables of
/// 10 million rows each: 8 s to validate (issue 25).
pub(crate) fn closest_field(name: &str) -> Option<&'static str> {
    if name.len() > fields::MAX_HEADER_BYTES {
        return None;
    }
    if let Some(spec) = fields::by_header(name) {
        return Some(spec.name);
    }
    let wanted = fields::normalise(name);
    let wanted_len = wanted.chars().count();
    fields::FIELDS
        .iter()
        .map(|f| (f.name, allowed_distance(f.name)))
        .filter(|(n, allowed)| wanted_len.abs_diff(n.len()) <= *allowed)
        .map(|(n, allowed)| (edit_distance(&wanted, n), n, allowed))
        .filter(|(d, _, allowed)| d <= allowed)
        .map(|(d, n, _)| (d, n))
        .min()
        .map(|(_, n)| n)
}

/// How many edits a misspelling of `field` may have and still be suggested.
fn allowed_distance(field: &str) -> usize {
    3.max(field.len() / 5)
}

/// Levenshtein distance, for "did you mean" suggestions on short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = if ca == *cb { prev } else { prev + 1 };
            prev = row[j + 1];
            row[j + 1] = cost.min(row[j] + 1).min(prev + 1);
        }
    }
    row[b.len()]
}

/// Parses a text date: ISO `YYYY-MM-DD` always; `MM/DD/YYYY` or `DD/MM/YYYY`
/// only when the input allows it. Impossible dates (February 30th) fail.
pub fn parse_date(text: &str, style: TextDates) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some(date) = parse_iso(text) {
        return Some(date);
    }
    let parts: Vec<&str> = text.split('/').collect();
    if parts.len() != 3
        || parts[2].len() != 4
        || parts[0].is_empty()
        || parts[0].len() > 2
        || parts[1].is_empty()
        || parts[1].len() > 2
    {
        return None;
    }
    let nums: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect();
    let nums = nums?;
    let (month, day) = match style {
        TextDates::IsoOnly => return None,
        TextDates::MonthFirst => (nums[0], nums[1]),
        TextDates::DayFirst => (nums[1], nums[0]),
    };
    NaiveDate::from_ymd_opt(nums[2] as i32, month, day)
}

fn parse_iso(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &text[r];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_that_may_be_data_are_named_by_position() {
        let label = |name: &str| {
            Sheet {
                number: 3,
                name: name.into(),
            }
            .label()
        };
        for shown in [
            "Sheet1",
            "Hoja 2",
            "Лист1",
            "Intake",
            "Form Responses 1",
            "Patients 2026-11",
            "Q4 referrals",
        ] {
            assert_eq!(label(shown), format!("sheet \"{shown}\""));
        }
        for hidden in [
            "Ana Alvarez",
            "Alvarez, Ana",
            "MRN 00421337",
            "00421337",
            "Patient Ana",
            "",
            "Sheet\u{1b}[2J",
        ] {
            assert_eq!(label(hidden), "sheet 3", "{hidden:?}");
        }
    }
}
