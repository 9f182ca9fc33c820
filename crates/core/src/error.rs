//! Errors, written for the clinic staff and patients who will read them.
//!
//! Two kinds exist. An [`Error`] stops the whole run (exit code 2): unreadable
//! input, a bad option, a folder we cannot write to, a broken template. A
//! [`Problem`] belongs to one record: it is reported with the record's file and
//! row, and the other records are still built (exit code 1).
//!
//! No message here ever contains a field's *value*: intake data is health
//! information and messages end up in terminals, logs and e-mails. Messages
//! name the file, the record or row, the field, what is wrong, and a hint.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem that stops the whole run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line option or combination that cannot work.
    #[error("{message}\nhint: {hint}")]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// An input file that cannot be read as intake data at all.
    #[error("{}: {message}\nhint: {hint}", shown(file))]
    Input {
        /// The input file.
        file: PathBuf,
        /// What is wrong, without any field value.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// A file-system operation that failed.
    #[error("{}: {action}: {reason}\nhint: {hint}", shown(path))]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What we were doing ("could not read the file").
        action: String,
        /// The operating system's reason, in words.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// A template that does not compile against a sample record.
    #[error(
        "the template {} could not be built:\n{details}\nhint: {hint}",
        printable(name)
    )]
    Template {
        /// The template file name.
        name: String,
        /// Typst's diagnostics, with file, line and column.
        details: String,
        /// How to fix it.
        hint: String,
    },
}

impl Error {
    /// A failed read of an input file.
    pub fn io_read(path: &Path, err: &std::io::Error) -> Self {
        let hint = match err.kind() {
            std::io::ErrorKind::NotFound => {
                "check the file name and folder; the file does not exist"
            }
            std::io::ErrorKind::PermissionDenied => {
                "you are not allowed to read this file; ask for access or copy it somewhere you can read it"
            }
            _ => "check that the file is readable and not open in another program",
        };
        Error::Io {
            path: path.to_path_buf(),
            action: "could not read the file".into(),
            reason: io_reason(err),
            hint: hint.into(),
        }
    }

    /// A failed write (packets, report, starter files, exported templates).
    pub fn io_write(path: &Path, err: &std::io::Error) -> Self {
        let hint = match err.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                "choose a folder you are allowed to write to"
            }
            std::io::ErrorKind::StorageFull => "the disk is full; free some space and run again",
            _ => "check that the folder exists and the disk has free space, then run again",
        };
        Error::Io {
            path: path.to_path_buf(),
            action: "could not write".into(),
            reason: io_reason(err),
            hint: hint.into(),
        }
    }
}

/// The operating system's reason for an I/O error, without Rust's decoration
/// ("No such file or directory (os error 2)" becomes "no such file or directory").
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "unknown error".into(),
    }
}

/// Whether a character must not reach a terminal or a cell as it is:
/// control characters (line breaks, tabs, the escape that starts a
/// terminal's colour and cursor sequences, C1 controls) and the invisible
/// marks that reverse the direction of the text around them (so a name
/// cannot show one thing and be another).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (and direction mark) written out
/// visibly, as `\n`, `\t` or `\u{1b}`: a file name may hold anything
/// but `/`, and printed as it is, an escape sequence in it would recolour
/// the terminal or rewrite what the clerk sees, and a line break would
/// forge a line of its own. Text without such characters is borrowed as
/// it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, hidden)
}

/// [`printable`] for whole messages, which may span lines: every control
/// character but the line break is written out, so a message keeps its
/// lines and nothing else in it can act on the terminal.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    escape(text, |c| c != '\n' && hidden(c))
}

fn escape(text: &str, hide: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&hide) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hide(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as messages print it: [`printable`], since a file name is
/// whatever its creator typed, and messages reach terminals and logs.
pub fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

/// Defines [`Code`], its table [`Code::ALL`] and its names in one list, so a
/// code cannot exist without being in the table the page's words are
/// checked against.
macro_rules! codes {
    ($($(#[$doc:meta])+ $variant:ident = $name:literal,)+) => {
        /// What a [`Problem`] or a record [`Warning`](crate::record::Warning)
        /// is about, as a stable machine name: the command line prints the
        /// English `message` and `hint`, and the page words each code in its
        /// own language (`web/src/words.js`), with the problem's
        /// [`Params`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])+ $variant,)+
        }

        impl Code {
            /// Every code, in one table: the page refuses to start when its
            /// words miss one.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The code's stable name (`snake_case`), as the page gets it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }
        }
    };
}

codes! {
    /// The same field twice in one record.
    DuplicateField = "duplicate_field",
    /// A required field left empty.
    Required = "required",
    /// Keys or columns that are no intake field. Params: `names` (those
    /// that may be printed), `unnamed` (how many may not), `suggestions`
    /// (the closest field names).
    UnknownFields = "unknown_fields",
    /// A value of the wrong kind. Params: `found` (`true_false`, `number`,
    /// `date`, `list`, `other`), `expected` (`text`, `date`, `choice`,
    /// `choices`, `texts`).
    WrongKind = "wrong_kind",
    /// A date written as a number (JSON).
    DateIsNumber = "date_is_number",
    /// A code (record or member number) written as a number (JSON).
    CodeIsNumber = "code_is_number",
    /// Private-use characters.
    PrivateUseCharacters = "private_use_characters",
    /// Invisible control or direction characters.
    ControlCharacters = "control_characters",
    /// Characters no embedded font can print.
    UnprintableCharacters = "unprintable_characters",
    /// A multi-line text with too many lines. Params: `max`.
    TooManyLines = "too_many_lines",
    /// A text longer than allowed. Params: `max` (characters).
    TooLong = "too_long",
    /// An e-mail address that does not look like one.
    NotAnEmail = "not_an_email",
    /// A value that is not one of the field's codes. Params: `choices`.
    NotAChoice = "not_a_choice",
    /// An entry of a list that is not one of the field's codes. Params:
    /// `entry` (1-based), `choices`.
    EntryNotAChoice = "entry_not_a_choice",
    /// An entry of a list of texts longer than allowed. Params: `max`.
    EntryTooLong = "entry_too_long",
    /// A list with too many entries. Params: `max`.
    TooManyEntries = "too_many_entries",
    /// A date that looks like one but is not on the calendar. Params:
    /// `order` (`iso`, `month_first`, `day_first`: how the input may write
    /// dates).
    NotARealDate = "not_a_real_date",
    /// Text in a date field that is not a date. Params: `order`.
    NotADate = "not_a_date",
    /// A date whose year is out of range. Params: `min`, `max` (years).
    YearOutOfRange = "year_out_of_range",
    /// A date after the run date. Params: `latest` (the run date).
    AfterToday = "after_today",
    /// Records to be sent to a second-opinion doctor nobody named. Params:
    /// `needs` (the field to fill in).
    DeliveryWithoutDoctor = "delivery_without_doctor",
    /// A language the templates do not have. Params: `choices`.
    LanguageWithoutTemplates = "language_without_templates",
    /// A packet longer than allowed. Params: `max` (pages).
    PacketTooLong = "packet_too_long",
    /// A document that could not be built. Params: `document` (the
    /// template's label).
    DocumentFailed = "document_failed",
    /// The packet's documents could not be cut apart.
    DocumentsNotApart = "documents_not_apart",
    /// The documents could not be zipped.
    ZipFailed = "zip_failed",
    /// The finished ZIP did not read back.
    ZipUnreadable = "zip_unreadable",
    /// A JSON patient that is not an object.
    NotAnObject = "not_an_object",
    /// A CSV line with a different number of fields than the header.
    /// Params: `found`, `expected`.
    RaggedLine = "ragged_line",
    /// A record the run stopped before.
    NotBuilt = "not_built",
    /// A packet that could not be written (command line).
    WriteFailed = "write_failed",
    /// A packet whose building stopped unexpectedly (command line).
    BuildStopped = "build_stopped",
    /// A form on the page that holds more than one patient.
    MoreThanOnePatient = "more_than_one_patient",
    /// Warning: records go to the second doctor, who has neither address
    /// nor fax.
    DoctorWithoutAddressOrFax = "doctor_without_address_or_fax",
    /// Warning: how many record warnings were not listed. Params: `count`.
    MoreRecordWarnings = "more_record_warnings",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parameter of a [`Problem`]: a limit, a count, a code word or a list of
/// them. Never a field's value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Param {
    /// A number: a limit, a count, a position.
    Number(usize),
    /// One word: a code, a field name, a date the run chose.
    Word(String),
    /// Several words: allowed codes, field names.
    Words(Vec<String>),
}

impl From<usize> for Param {
    fn from(n: usize) -> Self {
        Param::Number(n)
    }
}

impl From<&str> for Param {
    fn from(word: &str) -> Self {
        Param::Word(word.to_string())
    }
}

impl From<String> for Param {
    fn from(word: String) -> Self {
        Param::Word(word)
    }
}

impl From<Vec<String>> for Param {
    fn from(words: Vec<String>) -> Self {
        Param::Words(words)
    }
}

impl From<&[&str]> for Param {
    fn from(words: &[&str]) -> Self {
        Param::Words(words.iter().map(|w| w.to_string()).collect())
    }
}

/// A problem's parameters by name, in the order they were given; they
/// serialise as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(&'static str, Param)>);

impl Params {
    /// The parameters with one more.
    pub fn with(mut self, name: &'static str, param: impl Into<Param>) -> Self {
        self.0.push((name, param.into()));
        self
    }

    /// The parameter called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, p)| p)
    }

    /// Every parameter, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Param)> {
        self.0.iter().map(|(n, p)| (*n, p))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl serde::Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, param) in &self.0 {
            map.serialize_entry(name, param)?;
        }
        map.end()
    }
}

/// Where a field's value sat in a table: the column's letter and its header
/// as the sheet writes it (a header that named an intake field, so never
/// data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The intake field the column was read as.
    pub field: &'static str,
    /// The column's letter: `A`, `C`, `AB`.
    pub letter: String,
    /// The header cell's text, as written (printable).
    pub header: String,
}

/// One problem with one record: which field, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The intake field (or column / key as written) concerned, if any.
    pub field: Option<String>,
    /// What is wrong, as a stable code for front ends to word.
    pub code: Code,
    /// The code's parameters: limits, counts, allowed codes; never a value.
    pub params: Params,
    /// The table column the field came from, when the record is a row of a
    /// spreadsheet or CSV file (boxed: most problems have none, and a
    /// problem travels in every `Result` of the record stage).
    pub column: Option<Box<Column>>,
    /// What is wrong, never quoting the value (the command line's words).
    pub message: String,
    /// How to fix it (the command line's words).
    pub hint: String,
}

impl Problem {
    /// A problem with a named field.
    pub fn field(
        code: Code,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Problem {
            field: Some(field.into()),
            code,
            params: Params::default(),
            column: None,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A problem with the record as a whole.
    pub fn record(code: Code, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Problem {
            field: None,
            code,
            params: Params::default(),
            column: None,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// The problem with one more parameter.
    pub fn with(mut self, name: &'static str, param: impl Into<Param>) -> Self {
        self.params = self.params.with(name, param);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {} (hint: {})", self.message, self.hint),
            None => write!(f, "{} (hint: {})", self.message, self.hint),
        }
    }
}

/// The process exit status, decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every packet was built (or every record is valid).
    AllGood,
    /// Some records failed; the others were built.
    SomeFailed,
    /// Nothing could be done.
    Fatal,
}

impl Outcome {
    /// The exit code for this outcome: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Outcome::AllGood => 0,
            Outcome::SomeFailed => 1,
            Outcome::Fatal => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code is in [`Code::ALL`] by construction (one macro list);
    /// their names must be distinct and plain `snake_case`, since the page
    /// looks its words up by them.
    #[test]
    fn every_code_has_one_distinct_snake_case_name() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert!(names.len() >= 30, "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
            "{names:?}"
        );
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "a code name is used twice");
        assert_eq!(Code::Required.to_string(), "required");
    }

    #[test]
    fn params_serialise_as_an_object_in_order() {
        let problem = Problem::field(Code::NotAChoice, "records_format", "m", "h")
            .with("choices", &["electronic", "paper"][..])
            .with("max", 3usize)
            .with("order", "iso");
        assert_eq!(
            serde_json::to_string(&problem.params).unwrap(),
            r#"{"choices":["electronic","paper"],"max":3,"order":"iso"}"#
        );
        assert_eq!(problem.params.get("max"), Some(&Param::Number(3)));
        // The command line's words are untouched by the code.
        assert_eq!(problem.to_string(), "records_format: m (hint: h)");
    }

    #[test]
    fn control_characters_in_names_are_printed_visibly() {
        assert_eq!(printable("intake.csv"), "intake.csv");
        assert!(matches!(printable("intake.csv"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[31mred\nb\tc\u{202e}d"),
            "a\\u{1b}[31mred\\nb\\tc\\u{202e}d"
        );
        assert_eq!(printable_lines("one\ntwo\u{7}"), "one\ntwo\\u{7}");
        let error = Error::Input {
            file: PathBuf::from("in/\u{1b}]0;pwned\u{7}.csv"),
            message: "m".into(),
            hint: "h".into(),
        };
        let text = error.to_string();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        assert!(
            text.starts_with("in/\\u{1b}]0;pwned\\u{7}.csv: m"),
            "{text}"
        );
    }
}
