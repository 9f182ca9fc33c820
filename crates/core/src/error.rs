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
    /// An input file that cannot be read as intake data at all (or a clinic
    /// profile, logo or template file that cannot be used).
    #[error("{}: {message}\nhint: {hint}", shown(file))]
    Input {
        /// The input file.
        file: PathBuf,
        /// What is wrong, as a stable code for front ends to word (the page
        /// words it in its own language; the command line prints `message`
        /// and `hint`).
        code: Code,
        /// The code's parameters: limits, line and column numbers, code
        /// words; never a value from the file.
        params: Params,
        /// What is wrong, without any field value (the command line's words).
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
        /// What is wrong, as a stable code for front ends to word.
        code: Code,
        /// The code's parameters (limits).
        params: Params,
        /// Typst's diagnostics, with file, line and column.
        details: String,
        /// How to fix it.
        hint: String,
    },
}

impl Error {
    /// An [`Error::Input`] without parameters: add them with [`Error::with`].
    pub fn input(
        code: Code,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::Input {
            file: file.into(),
            code,
            params: Params::default(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// An [`Error::Template`] without parameters.
    pub fn template(
        code: Code,
        name: impl Into<String>,
        details: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::Template {
            name: name.into(),
            code,
            params: Params::default(),
            details: details.into(),
            hint: hint.into(),
        }
    }

    /// The error with one more parameter. Only the kinds a page words
    /// ([`Error::Input`], [`Error::Template`]) carry parameters; the others
    /// are returned as they are.
    pub fn with(mut self, name: &'static str, param: impl Into<Param>) -> Self {
        if let Error::Input { params, .. } | Error::Template { params, .. } = &mut self {
            *params = std::mem::take(params).with(name, param);
        }
        self
    }

    /// What is wrong, as a stable code. A command-line option and a file
    /// system failure have one code each: they only reach the command line,
    /// which prints their words.
    pub fn code(&self) -> Code {
        match self {
            Error::Input { code, .. } | Error::Template { code, .. } => *code,
            Error::Usage { .. } => Code::BadOption,
            Error::Io { .. } => Code::FileSystem,
        }
    }

    /// The code's parameters (none for options and the file system).
    pub fn params(&self) -> &Params {
        static NONE: Params = Params(Vec::new());
        match self {
            Error::Input { params, .. } | Error::Template { params, .. } => params,
            Error::Usage { .. } | Error::Io { .. } => &NONE,
        }
    }

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
        /// What a [`Problem`], a record [`Warning`](crate::record::Warning),
        /// a reader's [`FileWarning`](crate::input::FileWarning) or an
        /// [`Error`] is about, as a stable machine name: the command line
        /// prints the English `message` and `hint`, and the page words each
        /// code in its own language (`web/src/words.js`), with its
        /// [`Params`].
        ///
        /// One table for all of them, so that one check (the page's, and
        /// the web crate's test of `words.js`) covers every code. Some
        /// codes only the command line can meet (an option, a shard
        /// report, a file on disk); the page has plain words for them too,
        /// rather than a second table to keep apart.
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

    // ------------------------------------------- reader warnings (a file)

    /// Warning: a file named like text or JSON that is a workbook, read as
    /// one. Params: `ext` (the name's extension), `format` (the
    /// workbook's).
    ReadAsWorkbook = "read_as_workbook",
    /// Warning: a file named like a workbook that holds CSV text, read as
    /// CSV. Params: `ext`.
    ReadAsCsv = "read_as_csv",
    /// Warning: columns that are no intake field, not read. Params:
    /// `count`, `columns` (the first letters), `names` (the headers that
    /// may be printed: those that look like field names, never data).
    IgnoredColumns = "ignored_columns",

    // ------------------------------------- a file that cannot be read

    /// A file with nothing in it (or only spaces).
    FileEmpty = "file_empty",
    /// A file named like a workbook (or zipped like one) that is something
    /// else. Params: `found` (`web_page`, `unknown`, `zip`, `word`,
    /// `powerpoint`, `opendocument`), `ext` when its name decided.
    NotAWorkbook = "not_a_workbook",
    /// A file whose name and content match no format read. Params: `ext`
    /// (empty when the name has none).
    UnknownFormat = "unknown_format",
    /// A file named like a workbook holding plain text that does not read
    /// as CSV either. Params: `ext`, `reason` (the CSV reader's code).
    TextNamedAsWorkbook = "text_named_as_workbook",
    /// A ZIP-based workbook cut short or damaged.
    WorkbookIncomplete = "workbook_incomplete",
    /// A workbook the spreadsheet reader could not read. Params: `format`
    /// (`xlsx`, `xlsb`, `xls`, `ods`).
    WorkbookDamaged = "workbook_damaged",
    /// A workbook whose rows are stored out of order. Params: `row`,
    /// `after` (the row it came after).
    RowsOutOfOrder = "rows_out_of_order",
    /// A password-protected workbook.
    PasswordProtected = "password_protected",
    /// A workbook that unpacks to too much. Params: `max_mb`, `part`
    /// (`part`: one sheet or its texts; `whole`: the workbook).
    WorkbookTooLarge = "workbook_too_large",
    /// A file larger than any intake file (command line). Params: `max_mb`.
    FileTooLarge = "file_too_large",
    /// A folder, device or pipe where a file was expected (command line).
    /// Params: `role` (`intake`, `clinic_profile`, `logo`, `template`,
    /// `report`).
    NotARegularFile = "not_a_regular_file",

    // -------------------------------------------------------- sheets

    /// No sheet of the name or number asked for (command line). Params:
    /// `sheets` (how many the workbook has).
    NoSuchSheet = "no_such_sheet",
    /// A workbook without sheets.
    NoSheets = "no_sheets",
    /// A workbook whose worksheets are all hidden. Params: `sheets`.
    NoVisibleSheet = "no_visible_sheet",
    /// A chart or macro sheet chosen (command line).
    SheetNotATable = "sheet_not_a_table",

    // -------------------------------------------------------- tables

    /// A sheet or CSV file with nothing in it. Params: `sheets` (how many
    /// the workbook has; 0 for CSV).
    TableEmpty = "table_empty",
    /// No row naming two intake fields among the first rows. Params:
    /// `rows` (how many filled rows were searched), `sheets`.
    NoHeaderRow = "no_header_row",
    /// A header row and nothing under it. Params: `row` (the header's).
    NoPatientRows = "no_patient_rows",
    /// Required fields without a column. Params: `row` (the header's),
    /// `fields` (the missing fields), `duplicated` (fields that also have
    /// two columns, if any).
    MissingColumns = "missing_columns",
    /// Two columns for one field. Params: `row`, `fields` (the fields),
    /// `columns` (the letters of their columns).
    DuplicateColumns = "duplicate_columns",
    /// Data beyond the last column a table may use. Params: `column` (its
    /// letter), `row`, `max` (columns).
    TooManyColumns = "too_many_columns",
    /// A table with too many filled cells. Params: `max`.
    TooManyCells = "too_many_cells",
    /// A spreadsheet whose repeated (formatted) cells make too many.
    /// Params: `max`.
    CellsRepeated = "cells_repeated",
    /// More patients than one file may hold. Params: `max`.
    TooManyPatients = "too_many_patients",

    // ------------------------------------------------ text, CSV, JSON

    /// Text that is not UTF-8. Params: `format` (`csv`, `json`), `line`
    /// (where it stops being UTF-8), or `found` (`utf16`) instead.
    NotUtf8 = "not_utf8",
    /// A text file with NUL characters (UTF-16 without a byte order mark,
    /// or no text). Params: `line`.
    NotText = "not_text",
    /// Text that is not valid in its encoding. Params: `line`, `encoding`.
    NotInEncoding = "not_in_encoding",
    /// A CSV quote never closed. Params: `line` (where it opens).
    UnclosedQuote = "unclosed_quote",
    /// A CSV line the CSV reader could not read. Params: `line`.
    CsvUnreadable = "csv_unreadable",
    /// A CSV line with more fields than any spreadsheet has columns.
    /// Params: `line`, `max`.
    LineTooWide = "line_too_wide",
    /// JSON that is not valid. Params: `line`, `column` (when known),
    /// `problem` (`ends_early`, `colon`, `comma_or_bracket`,
    /// `comma_or_brace`, `value`, `quote`, `trailing_comma`,
    /// `trailing_characters`, `key_not_text`, `number`, `text`,
    /// `too_deep`, `unreadable`, `other`).
    JsonSyntax = "json_syntax",
    /// `"patients"` next to other keys.
    PatientsBesideOtherKeys = "patients_beside_other_keys",
    /// `"patients"` that is not a list.
    PatientsNotAList = "patients_not_a_list",
    /// JSON holding no patient object.
    NoPatientRecord = "no_patient_record",
    /// An empty list of patients.
    EmptyPatientList = "empty_patient_list",

    // --------------------------------------------- the clinic profile

    /// A clinic profile that is not the JSON it should be. Params:
    /// `line`, `column`, `problem` (`not_text`: a value is not text;
    /// `keys`: a key unknown or missing; `syntax`).
    ClinicProfileInvalid = "clinic_profile_invalid",
    /// A clinic profile over its size (command line). Params: `max_mb`.
    ClinicProfileTooLarge = "clinic_profile_too_large",
    /// A clinic profile with an empty `name`.
    ClinicNameEmpty = "clinic_name_empty",
    /// A clinic profile's `paper` that is neither letter nor a4.
    ClinicPaperInvalid = "clinic_paper_invalid",
    /// A clinic profile's text that no embedded font prints. Params:
    /// `key` (the profile's key).
    ClinicUnprintable = "clinic_unprintable",
    /// The logo the profile names was not given.
    LogoMissing = "logo_missing",
    /// A logo over its size. Params: `max_mb`.
    LogoTooLarge = "logo_too_large",
    /// A logo that is not a PNG, JPEG or SVG image.
    LogoNotAnImage = "logo_not_an_image",
    /// A logo Typst could not read as an image.
    LogoUnreadable = "logo_unreadable",
    /// An image refused by its size or kind before it is decoded. Params:
    /// `subject` (`logo`, `template_file`), `reason` (`too_large`,
    /// `unreadable`, `compressed`, `pdf`, `filter`, `too_deep`,
    /// `total_too_large`), `format`, `width`, `height`, `max` (pixels),
    /// `inside_svg` (1 when the image is inside an SVG).
    ImageRefused = "image_refused",

    // ----------------------------------------------------- templates

    /// A template that is not UTF-8 text.
    TemplateNotUtf8 = "template_not_utf8",
    /// A template or image file name that cannot be used. Params:
    /// `reason` (`characters`, `dot_or_space`, `windows_character`,
    /// `device_name`).
    TemplateNameUnusable = "template_name_unusable",
    /// A template named like the whole packet's PDF.
    TemplateNamedPacket = "template_named_packet",
    /// Two template files whose names differ only in case. Params:
    /// `other` (`built_in`, `clinic`).
    TemplateNameCase = "template_name_case",
    /// A templates folder over its limits. Params: `max` (files),
    /// `max_mb` (one file).
    TooManyTemplateFiles = "too_many_template_files",
    /// A zipped templates folder that cannot be unpacked (the page).
    TemplatesZipUnreadable = "templates_zip_unreadable",
    /// A document template missing from a language. Params: `count` (the
    /// documents every language needs).
    TemplateMissing = "template_missing",
    /// A template whose name cannot name a document of the packet.
    TemplateDocumentName = "template_document_name",
    /// The sample packet came out too long. Params: `max` (pages).
    TemplateTooLong = "template_too_long",
    /// A template Typst could not build (its diagnostics are the details).
    TemplateFailed = "template_failed",
    /// The sample packet's documents could not be told apart.
    TemplateDocumentsNotApart = "template_documents_not_apart",
    /// The template check stopped. Params: `reason` (`crashed`, `time`,
    /// `memory`).
    TemplateStopped = "template_stopped",

    // ------------------------------------------- shard reports (merge)

    /// A shard report this program could not have written (command line).
    /// Params: `reason` (`no_record`, `not_a_shard`, `too_large`,
    /// `too_many_rows`, `line`), `line`, `max`.
    ReportUnusable = "report_unusable",
    /// Shard reports of different runs (command line).
    ReportsDiffer = "reports_differ",

    // --------------------------------------------------------- others

    /// An option or setting that cannot work. On the command line, any
    /// [`Error::Usage`]; on the page, a setting it sent. Params: `option`
    /// (the page's: `date`, `language`, `paper`, `unknown`).
    BadOption = "bad_option",
    /// A file or folder that could not be read or written (command line:
    /// any [`Error::Io`]).
    FileSystem = "file_system",
    /// The packets could not be put into one ZIP (the page).
    BundleFailed = "bundle_failed",
    /// The page asked the core for something out of turn (a fault in the
    /// page, never the files).
    Internal = "internal",
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
        assert!(names.len() >= 90, "{names:?}");
        assert!(
            names.iter().all(|n| !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')),
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

    /// A file-level error's code and parameters are extra structure: the
    /// command line's words are what they were.
    #[test]
    fn errors_carry_a_code_and_print_as_before() {
        let error = Error::input(Code::TooManyPatients, "in.csv", "m", "h").with("max", 3usize);
        assert_eq!(error.code(), Code::TooManyPatients);
        assert_eq!(
            serde_json::to_string(error.params()).unwrap(),
            r#"{"max":3}"#
        );
        assert_eq!(error.to_string(), "in.csv: m\nhint: h");
        let error = Error::template(Code::TemplateFailed, "en/x.typ", "d", "h").with("max", 1usize);
        assert_eq!(error.code(), Code::TemplateFailed);
        assert_eq!(
            error.to_string(),
            "the template en/x.typ could not be built:\nd\nhint: h"
        );
        // The kinds only the command line meets have one code each, and no
        // parameters (adding one changes nothing).
        let usage = Error::Usage {
            message: "m".into(),
            hint: "h".into(),
        }
        .with("max", 1usize);
        assert_eq!(
            (usage.code(), usage.params().is_empty()),
            (Code::BadOption, true)
        );
        let io = Error::io_read(Path::new("x"), &std::io::ErrorKind::NotFound.into());
        assert_eq!(
            (io.code(), io.params().is_empty()),
            (Code::FileSystem, true)
        );
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
        let error = Error::input(
            Code::FileEmpty,
            PathBuf::from("in/\u{1b}]0;pwned\u{7}.csv"),
            "m",
            "h",
        );
        let text = error.to_string();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        assert!(
            text.starts_with("in/\\u{1b}]0;pwned\\u{7}.csv: m"),
            "{text}"
        );
    }
}
