//! Record stage: turns a [`RawRecord`] into a checked [`Patient`].
//!
//! Every rule about what a field may hold lives here, so JSON, spreadsheets
//! and CSV are held to the same contract. All problems of a record are
//! collected (not just the first), each naming the field and how to fix it,
//! never the value.

pub use crate::intake::fields;
use crate::intake::{closest_field, looks_like_a_field_name};
pub use crate::intake::{parse_date, safe_name};

mod form;
mod warnings;
pub use form::form_values;
pub use warnings::{MAX_LISTED, RecordWarnings, Warning};

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Code, Problem};
use crate::intake::{Cell, Origin, RawRecord, TextDates};
use fields::{FieldSpec, Kind};

/// A checked patient record: the one value handed from the record stage to
/// rendering and output.
///
/// Optional fields the intake left empty are `None`; templates print a blank
/// line to fill in by hand in their place. Defaults (records requested,
/// delivery, format) are already resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patient {
    /// Where the record came from (not serialised: templates never see it).
    #[serde(skip)]
    pub origin: Origin,
    /// The intake field `packet_id` (see [`fields::FIELDS`]).
    pub packet_id: Option<String>,
    /// The intake field `patient_name` (see [`fields::FIELDS`]).
    pub patient_name: String,
    /// The intake field `date_of_birth` (see [`fields::FIELDS`]).
    #[serde(serialize_with = "iso_date")]
    pub date_of_birth: NaiveDate,
    /// The intake field `patient_address` (see [`fields::FIELDS`]).
    pub patient_address: Option<String>,
    /// The intake field `patient_phone` (see [`fields::FIELDS`]).
    pub patient_phone: Option<String>,
    /// The intake field `patient_email` (see [`fields::FIELDS`]).
    pub patient_email: Option<String>,
    /// The intake field `medical_record_number` (see [`fields::FIELDS`]).
    pub medical_record_number: Option<String>,
    /// The intake field `current_doctor` (see [`fields::FIELDS`]).
    pub current_doctor: String,
    /// The intake field `current_practice` (see [`fields::FIELDS`]).
    pub current_practice: Option<String>,
    /// The intake field `records_office_address` (see [`fields::FIELDS`]).
    pub records_office_address: Option<String>,
    /// The intake field `records_office_phone` (see [`fields::FIELDS`]).
    pub records_office_phone: Option<String>,
    /// The intake field `records_office_fax` (see [`fields::FIELDS`]).
    pub records_office_fax: Option<String>,
    /// The intake field `diagnosis` (see [`fields::FIELDS`]).
    pub diagnosis: Option<String>,
    /// The intake field `recommended_treatment` (see [`fields::FIELDS`]).
    pub recommended_treatment: Option<String>,
    /// The intake field `reasons` (see [`fields::FIELDS`]).
    pub reasons: Vec<String>,
    /// The intake field `decision_deadline` (see [`fields::FIELDS`]).
    #[serde(serialize_with = "iso_date_opt")]
    pub decision_deadline: Option<NaiveDate>,
    /// The intake field `appointment_date` (see [`fields::FIELDS`]).
    #[serde(serialize_with = "iso_date_opt")]
    pub appointment_date: Option<NaiveDate>,
    /// The intake field `second_opinion_doctor` (see [`fields::FIELDS`]).
    pub second_opinion_doctor: Option<String>,
    /// The intake field `second_opinion_practice` (see [`fields::FIELDS`]).
    pub second_opinion_practice: Option<String>,
    /// The intake field `second_opinion_address` (see [`fields::FIELDS`]).
    pub second_opinion_address: Option<String>,
    /// The intake field `second_opinion_fax` (see [`fields::FIELDS`]).
    pub second_opinion_fax: Option<String>,
    /// The intake field `insurer` (see [`fields::FIELDS`]).
    pub insurer: Option<String>,
    /// The intake field `member_id` (see [`fields::FIELDS`]).
    pub member_id: Option<String>,
    /// The intake field `group_number` (see [`fields::FIELDS`]).
    pub group_number: Option<String>,
    /// The intake field `insurer_phone` (see [`fields::FIELDS`]).
    pub insurer_phone: Option<String>,
    /// The intake field `records_requested` (see [`fields::FIELDS`]).
    pub records_requested: Vec<String>,
    /// The intake field `records_since` (see [`fields::FIELDS`]).
    #[serde(serialize_with = "iso_date_opt")]
    pub records_since: Option<NaiveDate>,
    /// The intake field `records_delivery` (see [`fields::FIELDS`]).
    pub records_delivery: String,
    /// The intake field `records_format` (see [`fields::FIELDS`]).
    pub records_format: String,
    /// The intake field `my_questions` (see [`fields::FIELDS`]).
    pub my_questions: Vec<String>,
    /// The language of the documents; `None` means the run's language.
    pub language: Option<String>,
}

fn iso_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&date.format("%Y-%m-%d"))
}

fn iso_date_opt<S: serde::Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => iso_date(d, s),
        None => s.serialize_none(),
    }
}

/// Longest single-line text accepted: longer text would not fit a letter line.
const MAX_TEXT_CHARS: usize = 300;
/// Longest multi-line text (addresses) accepted.
const MAX_MULTILINE_CHARS: usize = 600;
/// Most lines in a multi-line text (an address block).
const MAX_LINES: usize = 8;
/// Most entries in a free-text list (the patient's own questions).
const MAX_LIST_ITEMS: usize = 30;
/// Longest single entry of a free-text list.
const MAX_ITEM_CHARS: usize = 500;
/// Earliest date accepted anywhere: older dates are typing mistakes.
const EARLIEST_YEAR: i32 = 1900;
/// Latest year accepted for dates in the future (deadlines, appointments).
const LATEST_YEAR: i32 = 2200;

/// A value after reading, before it is placed in the [`Patient`].
#[derive(Debug)]
enum Value {
    Text(String),
    Date(NaiveDate),
    List(Vec<String>),
}

/// Checks a raw record against the intake contract.
///
/// `today` is the run date: birth dates and "records since" dates after it
/// are mistakes.
pub fn from_raw(raw: RawRecord, today: NaiveDate) -> Result<Patient, (Origin, Vec<Problem>)> {
    let mut problems = Vec::new();
    let mut values: Vec<(&'static FieldSpec, Value)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut unknown = Vec::new();

    for (name, cell) in &raw.cells {
        let Some(spec) = fields::by_name(name) else {
            unknown.push(name.as_str());
            continue;
        };
        if !seen.insert(spec.name) {
            problems.push(Problem::field(
                Code::DuplicateField,
                spec.name,
                "is given more than once",
                "keep only one value for this field",
            ));
            continue;
        }
        match read_cell(spec, cell, raw.text_dates) {
            Ok(Some(value)) => values.push((spec, value)),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if !unknown.is_empty() {
        problems.push(unknown_fields(&unknown));
    }
    for spec in fields::FIELDS.iter().filter(|f| f.required) {
        if !values.iter().any(|(s, _)| s.name == spec.name)
            && !problems
                .iter()
                .any(|p| p.field.as_deref() == Some(spec.name))
        {
            problems.push(Problem::field(
                Code::Required,
                spec.name,
                "is required but empty",
                format!("fill in {}", describe(spec)),
            ));
        }
    }

    let mut builder = Builder {
        values,
        problems,
        today,
    };
    let patient = builder.build(raw.origin.clone());
    debug_assert!(
        patient.is_none() || builder.values.is_empty(),
        "fields checked but never placed in the patient: {:?}",
        builder
            .values
            .iter()
            .map(|(spec, _)| spec.name)
            .collect::<Vec<_>>()
    );
    if builder.problems.is_empty() {
        Ok(patient.expect("a record without problems has every required field"))
    } else {
        let mut problems = builder.problems;
        // A row of a table: each problem also names its column, for the page.
        for problem in &mut problems {
            if let Some(field) = &problem.field {
                problem.column = raw
                    .columns
                    .iter()
                    .find(|c| c.field == field)
                    .map(|c| Box::new(c.clone()));
            }
        }
        Err((raw.origin, problems))
    }
}

/// A short description of what a field expects, for hints.
fn describe(spec: &FieldSpec) -> String {
    match spec.kind {
        Kind::Date => format!("{} as a date, for example {}", spec.name, spec.example),
        _ => format!(
            "{} (for example: {})",
            spec.name,
            spec.example.replace('\n', ", ")
        ),
    }
}

/// The problem for fields that are not part of the contract, with the
/// closest known name as a suggestion.
fn unknown_fields(names: &[&str]) -> Problem {
    let shown: Vec<String> = names
        .iter()
        .map(|n| match looks_like_a_field_name(n) {
            true => format!("\"{}\"", safe_name(n)),
            false => "(a key that is not a field name)".to_string(),
        })
        .collect();
    let suggestions: Vec<String> = names
        .iter()
        .filter_map(|n| closest_field(n).map(|f| format!("\"{}\" → {f}", safe_name(n))))
        .collect();
    let hint = if suggestions.is_empty() {
        "check the spelling against the field list in docs/intake.md, or remove the field"
            .to_string()
    } else {
        format!(
            "did you mean: {}? The field list is in docs/intake.md",
            suggestions.join(", ")
        )
    };
    // For the page: the names that may be printed, how many may not, and
    // the fields they may have meant.
    let printable: Vec<String> = names
        .iter()
        .filter(|n| looks_like_a_field_name(n))
        .map(|n| safe_name(n))
        .collect();
    let mut meant: Vec<String> = names
        .iter()
        .filter_map(|n| closest_field(n).map(str::to_string))
        .collect();
    meant.sort_unstable();
    meant.dedup();
    Problem::record(
        Code::UnknownFields,
        format!(
            "unknown field{} {} (a misspelled field would silently leave data out of the letters)",
            if names.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ),
        hint,
    )
    .with("unnamed", names.len() - printable.len())
    .with("names", printable)
    .with("suggestions", meant)
}

/// Invisible marks that change the direction of text (often pasted along
/// with a name from a web page or e-mail); they would reorder what prints.
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
#[test]
fn keys_that_may_be_data_are_described_not_printed() {
    let problem = unknown_fields(&["Jordan Rivera", "00482913", "colour", "patient nme"]);
    let text = problem.to_string();
    assert!(
        !text.contains("Jordan") && !text.contains("00482913"),
        "{text}"
    );
    assert!(
        text.contains("\"colour\"") && text.contains("\"patient nme\""),
        "{text}"
    );
    assert!(text.contains("(a key that is not a field name)"), "{text}");
}

/// Reads one cell according to its field's kind. `Ok(None)` is an empty value.
fn read_cell(spec: &FieldSpec, cell: &Cell, dates: TextDates) -> Result<Option<Value>, Problem> {
    // `found` names the kind of value for the page, never the value.
    let wrong = |what: &str, found: &str| {
        Problem::field(
            Code::WrongKind,
            spec.name,
            format!("holds {what}, not {}", expected(spec.kind)),
            format!("write {}", describe(spec)),
        )
        .with("found", found)
        .with("expected", expected_code(spec.kind))
    };
    match (spec.kind, cell) {
        (_, Cell::Empty) => Ok(None),
        (_, Cell::Invalid(what)) => Err(wrong(what, "other")),
        (_, Cell::Bool(_)) => Err(wrong("true/false", "true_false")),
        (Kind::Date, Cell::Date(d)) => check_year(spec, *d).map(|d| Some(Value::Date(d))),
        (Kind::Date, Cell::Text(t)) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            let date = parse_date(t, dates).ok_or_else(|| bad_date(spec, t, dates))?;
            check_year(spec, date).map(|d| Some(Value::Date(d)))
        }
        (Kind::Date, Cell::Number(_)) => Err(Problem::field(
            Code::DateIsNumber,
            spec.name,
            "is a number, not a date",
            format!(
                "write the date in quotes as YYYY-MM-DD, for example \"{}\"",
                spec.example
            ),
        )),
        (Kind::Code, Cell::Number(_)) => Err(Problem::field(
            Code::CodeIsNumber,
            spec.name,
            "is written as a number, which loses leading zeros and long digits",
            "put the value in quotes so it is kept exactly as printed, for example \"00482913\"",
        )),
        (_, Cell::Number(_)) => Err(wrong("a number", "number")),
        (_, Cell::Date(_)) => Err(wrong("a date", "date")),
        (Kind::Text | Kind::Code, Cell::Text(t)) => {
            read_text(spec, t, false).map(|t| t.map(Value::Text))
        }
        (Kind::MultiLine, Cell::Text(t)) => read_text(spec, t, true).map(|t| t.map(Value::Text)),
        (Kind::Text | Kind::Code | Kind::MultiLine | Kind::Date, Cell::List(_)) => {
            Err(wrong("a list", "list"))
        }
        (Kind::Choice(allowed), Cell::Text(t)) => match t.trim() {
            "" => Ok(None),
            t => read_choice(spec, allowed, t).map(|c| Some(Value::Text(c))),
        },
        (Kind::Choice(_), Cell::List(_)) => Err(wrong("a list", "list")),
        (Kind::ChoiceList(allowed), Cell::Text(t)) => {
            read_choice_list(spec, allowed, &split_list(t))
        }
        (Kind::ChoiceList(allowed), Cell::List(items)) => read_choice_list(spec, allowed, items),
        (Kind::TextList, Cell::Text(t)) => read_text_list(spec, &split_list(t)),
        (Kind::TextList, Cell::List(items)) => read_text_list(spec, items),
    }
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::MultiLine => "text",
        Kind::Code => "text",
        Kind::Date => "a date",
        Kind::Choice(_) => "one of the listed codes",
        Kind::ChoiceList(_) => "a list of the listed codes",
        Kind::TextList => "a list of texts",
    }
}

/// [`expected`] as a code word, for the page.
fn expected_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::MultiLine | Kind::Code => "text",
        Kind::Date => "date",
        Kind::Choice(_) => "choice",
        Kind::ChoiceList(_) => "choices",
        Kind::TextList => "texts",
    }
}

/// Splits a list written in one cell: on `;` and on line breaks.
fn split_list(text: &str) -> Vec<String> {
    text.split([';', '\n', '\r'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Checks and tidies text: no control characters, length and line limits.
/// Single-line fields have runs of white space (line breaks included) folded
/// into one space; multi-line fields keep their line breaks.
///
/// U+FEFF (a byte-order mark, or the old zero-width no-break space) is
/// dropped: it arrives pasted from a file that began with one, means
/// nothing inside a value, and at the start of a name it passed `validate`
/// but stopped `build` (issue 25).
fn read_text(spec: &FieldSpec, text: &str, multiline: bool) -> Result<Option<String>, Problem> {
    let without_bom;
    let text = if text.contains('\u{FEFF}') {
        without_bom = text.replace('\u{FEFF}', "");
        without_bom.as_str()
    } else {
        text
    };
    if text.chars().any(crate::fonts::is_private_or_noncharacter) {
        return Err(Problem::field(
            Code::PrivateUseCharacters,
            spec.name,
            "contains private-use characters (symbols that only the program they came from can show; they would print as something else)",
            "retype the value, or paste it as plain text",
        ));
    }
    if text
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_direction_mark(c))
    {
        return Err(Problem::field(
            Code::ControlCharacters,
            spec.name,
            "contains invisible control characters",
            "retype the value, or paste it as plain text",
        ));
    }
    let tidy = if multiline {
        let lines: Vec<String> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > MAX_LINES {
            return Err(Problem::field(
                Code::TooManyLines,
                spec.name,
                format!("has more than {MAX_LINES} lines"),
                "shorten it to the lines an envelope needs",
            )
            .with("max", MAX_LINES));
        }
        lines.join("\n")
    } else {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if tidy.is_empty() {
        return Ok(None);
    }
    // Text no embedded font can show would print as empty boxes (and PDF/A
    // forbids missing glyphs): the record stops here, with its other problems.
    if !crate::fonts::Glyphs::embedded().covers(&tidy) {
        return Err(Problem::field(
            Code::UnprintableCharacters,
            spec.name,
            "has characters the built-in fonts cannot print (they cover Latin with accents and Vietnamese, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic; not Chinese, Japanese, Korean, Thai, Devanagari or most emoji)",
            "write this field in Latin letters (for example a transliterated name), then build again",
        ));
    }
    let limit = if multiline {
        MAX_MULTILINE_CHARS
    } else {
        MAX_TEXT_CHARS
    };
    if tidy.chars().count() > limit {
        return Err(Problem::field(
            Code::TooLong,
            spec.name,
            format!("is longer than {limit} characters"),
            "shorten it; the documents have one line for it",
        )
        .with("max", limit));
    }
    if spec.name == "patient_email" && !looks_like_email(&tidy) {
        return Err(Problem::field(
            Code::NotAnEmail,
            spec.name,
            "does not look like an e-mail address",
            "write it as name@example.org, or leave it empty",
        ));
    }
    Ok(Some(tidy))
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(' ')
                && !domain.contains('@')
        }
        None => false,
    }
}

fn read_choice(spec: &FieldSpec, allowed: &[&str], text: &str) -> Result<String, Problem> {
    let wanted = fields::normalise(text);
    allowed
        .iter()
        .find(|a| fields::normalise(a) == wanted)
        .map(|a| a.to_string())
        .ok_or_else(|| {
            Problem::field(
                Code::NotAChoice,
                spec.name,
                "is not one of the allowed codes",
                format!("use one of: {}", allowed.join(", ")),
            )
            .with("choices", allowed)
        })
}

fn read_choice_list(
    spec: &FieldSpec,
    allowed: &[&str],
    items: &[String],
) -> Result<Option<Value>, Problem> {
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() {
            continue;
        }
        let code = read_choice(spec, allowed, item.trim()).map_err(|p| {
            Problem {
                code: Code::EntryNotAChoice,
                message: format!("entry {} is not one of the allowed codes", i + 1),
                ..p
            }
            .with("entry", i + 1)
        })?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::List(out))
    })
}

fn read_text_list(spec: &FieldSpec, items: &[String]) -> Result<Option<Value>, Problem> {
    let mut out = Vec::new();
    for item in items {
        if let Some(text) = read_text(spec, item, false)? {
            if text.chars().count() > MAX_ITEM_CHARS {
                return Err(Problem::field(
                    Code::EntryTooLong,
                    spec.name,
                    format!("has an entry longer than {MAX_ITEM_CHARS} characters"),
                    "split it into shorter questions",
                )
                .with("max", MAX_ITEM_CHARS));
            }
            out.push(text);
        }
    }
    if out.len() > MAX_LIST_ITEMS {
        return Err(Problem::field(
            Code::TooManyEntries,
            spec.name,
            format!("has more than {MAX_LIST_ITEMS} entries"),
            "keep the most important ones; there is room to add more by hand",
        )
        .with("max", MAX_LIST_ITEMS));
    }
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::List(out))
    })
}

fn bad_date(spec: &FieldSpec, text: &str, style: TextDates) -> Problem {
    let looks_iso = text.len() == 10 && text.as_bytes()[4] == b'-';
    let (code, message) =
        if looks_iso || (style != TextDates::IsoOnly && text.matches('/').count() == 2) {
            (Code::NotARealDate, "is not a real calendar date")
        } else {
            (Code::NotADate, "is not a date in a format we can read")
        };
    let order = match style {
        TextDates::IsoOnly => "iso",
        TextDates::MonthFirst => "month_first",
        TextDates::DayFirst => "day_first",
    };
    let hint = match style {
        TextDates::IsoOnly => format!("write it as YYYY-MM-DD, for example {}", spec.example),
        TextDates::MonthFirst => format!(
            "write it as YYYY-MM-DD or MM/DD/YYYY, for example {}",
            spec.example
        ),
        TextDates::DayFirst => format!(
            "write it as YYYY-MM-DD or DD/MM/YYYY, for example {}",
            spec.example
        ),
    };
    Problem::field(code, spec.name, message, hint).with("order", order)
}

fn check_year(spec: &FieldSpec, date: NaiveDate) -> Result<NaiveDate, Problem> {
    if date.year() < EARLIEST_YEAR || date.year() > LATEST_YEAR {
        Err(Problem::field(
            Code::YearOutOfRange,
            spec.name,
            format!("has a year before {EARLIEST_YEAR} or after {LATEST_YEAR}"),
            "check the year; it is probably a typing mistake",
        )
        .with("min", EARLIEST_YEAR as usize)
        .with("max", LATEST_YEAR as usize))
    } else {
        Ok(date)
    }
}

/// Assembles the patient from checked values and applies the rules that
/// involve several fields.
struct Builder {
    values: Vec<(&'static FieldSpec, Value)>,
    problems: Vec<Problem>,
    today: NaiveDate,
}

impl Builder {
    /// The checked value of field `name`, taken out so that each is placed
    /// once. Field names are strings here (one per [`Patient`] member); a
    /// misspelled one would leave that field empty for every patient, so a
    /// name the field table does not know stops every debug build and test
    /// at once, and `every_field_reaches_the_patient` checks that the sample
    /// record, which fills every field, leaves none behind.
    fn take(&mut self, name: &str) -> Option<Value> {
        debug_assert!(
            fields::by_name(name).is_some(),
            "record::Builder asks for {name:?}, which is not an intake field"
        );
        let i = self.values.iter().position(|(s, _)| s.name == name)?;
        Some(self.values.swap_remove(i).1)
    }

    fn text(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        match self.take(name)? {
            Value::Date(d) => Some(d),
            _ => None,
        }
    }

    fn list(&mut self, name: &str) -> Vec<String> {
        match self.take(name) {
            Some(Value::List(l)) => l,
            _ => Vec::new(),
        }
    }

    fn not_after_today(&mut self, name: &str, date: Option<NaiveDate>, hint: &str) {
        if date.is_some_and(|d| d > self.today) {
            self.problems.push(
                Problem::field(Code::AfterToday, name, "is after today's date", hint)
                    .with("latest", self.today.format("%Y-%m-%d").to_string()),
            );
        }
    }

    fn build(&mut self, origin: Origin) -> Option<Patient> {
        let date_of_birth = self.date("date_of_birth");
        self.not_after_today("date_of_birth", date_of_birth, "check the year of birth");
        let records_since = self.date("records_since");
        self.not_after_today(
            "records_since",
            records_since,
            "use a date in the past, or leave it empty to ask for all records",
        );
        let second_opinion_doctor = self.text("second_opinion_doctor");
        let records_delivery = match self.text("records_delivery") {
            Some(d) if d == "second_opinion_doctor" && second_opinion_doctor.is_none() => {
                self.problems.push(Problem::field(
                    Code::DeliveryWithoutDoctor,
                    "records_delivery",
                    "asks to send the records to the second-opinion doctor, but second_opinion_doctor is empty",
                    "fill in second_opinion_doctor, or set records_delivery to patient",
                ).with("needs", "second_opinion_doctor"));
                d
            }
            Some(d) => d,
            None if second_opinion_doctor.is_some() => "second_opinion_doctor".into(),
            None => "patient".into(),
        };
        let mut records_requested = self.list("records_requested");
        if records_requested.is_empty() {
            records_requested = fields::DEFAULT_RECORD_KINDS
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        Some(Patient {
            origin,
            packet_id: self.text("packet_id"),
            patient_name: self.text("patient_name")?,
            date_of_birth: date_of_birth?,
            patient_address: self.text("patient_address"),
            patient_phone: self.text("patient_phone"),
            patient_email: self.text("patient_email"),
            medical_record_number: self.text("medical_record_number"),
            current_doctor: self.text("current_doctor")?,
            current_practice: self.text("current_practice"),
            records_office_address: self.text("records_office_address"),
            records_office_phone: self.text("records_office_phone"),
            records_office_fax: self.text("records_office_fax"),
            diagnosis: self.text("diagnosis"),
            recommended_treatment: self.text("recommended_treatment"),
            reasons: self.list("reasons"),
            decision_deadline: self.date("decision_deadline"),
            appointment_date: self.date("appointment_date"),
            second_opinion_doctor,
            second_opinion_practice: self.text("second_opinion_practice"),
            second_opinion_address: self.text("second_opinion_address"),
            second_opinion_fax: self.text("second_opinion_fax"),
            insurer: self.text("insurer"),
            member_id: self.text("member_id"),
            group_number: self.text("group_number"),
            insurer_phone: self.text("insurer_phone"),
            records_requested,
            records_since,
            records_delivery,
            records_format: self
                .text("records_format")
                .unwrap_or_else(|| "electronic".into()),
            my_questions: self.list("my_questions"),
            language: self.text("language"),
        })
    }
}

/// A fictional patient built from the documented examples of every field:
/// used to check templates at start-up and by `init` for starter forms.
pub fn sample_patient() -> Patient {
    let cells = fields::FIELDS
        .iter()
        .map(|f| {
            let cell = match f.kind {
                Kind::ChoiceList(_) | Kind::TextList => Cell::List(split_list(f.example)),
                _ => Cell::Text(f.example.to_string()),
            };
            (f.name.to_string(), cell)
        })
        .collect();
    let raw = RawRecord {
        origin: Origin {
            file: "sample".into(),
            place: crate::intake::Place::Record(1),
        },
        cells,
        text_dates: TextDates::IsoOnly,
        columns: Default::default(),
    };
    // Checked against a date far ahead, so that any run date accepts it.
    from_raw(
        raw,
        NaiveDate::from_ymd_opt(LATEST_YEAR, 1, 1).expect("valid date"),
    )
    .expect("the documented examples form a valid record")
}

/// The sample record fills every field with its documented example, so
/// every field must come out of the builder holding something: a key
/// misspelled in `Builder::build` would come out empty (or, in a debug
/// build, stop at the `debug_assert!` in `take`).
#[cfg(test)]
#[test]
fn every_field_reaches_the_patient() {
    let patient = serde_json::to_value(sample_patient()).expect("a patient serialises");
    for field in fields::FIELDS {
        let value = &patient[field.name];
        let empty = match value {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            _ => false,
        };
        assert!(!empty, "{} is empty in the sample patient", field.name);
    }
}

#[cfg(test)]
mod field_list_tests {
    use super::*;

    /// The field table, the `Patient` struct and what templates receive must
    /// name the same fields: a field in one and not the other would be
    /// accepted from the intake and silently dropped (or never filled).
    #[test]
    fn the_patient_record_has_exactly_the_fields_of_the_field_table() {
        let value = serde_json::to_value(sample_patient()).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut names: Vec<&str> = fields::FIELDS.iter().map(|f| f.name).collect();
        keys.sort_unstable();
        names.sort_unstable();
        assert_eq!(keys, names);
    }

    /// `templates/README.md` tells template authors what data they get; it
    /// must list every field.
    #[test]
    fn the_templates_readme_names_every_field() {
        let readme = include_str!("../../../../templates/README.md");
        for spec in fields::FIELDS {
            assert!(
                readme.contains(spec.name),
                "templates/README.md misses {}",
                spec.name
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Param;
    use crate::intake::Place;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn raw(cells: &[(&str, Cell)]) -> RawRecord {
        RawRecord {
            origin: Origin {
                file: "t.json".into(),
                place: Place::Record(1),
            },
            cells: cells
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            text_dates: TextDates::IsoOnly,
            columns: Default::default(),
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn minimal() -> Vec<(&'static str, Cell)> {
        vec![
            ("patient_name", text("Ann Lee")),
            ("date_of_birth", text("1970-02-03")),
            ("current_doctor", text("Dr. Q")),
        ]
    }

    fn problems(cells: &[(&str, Cell)]) -> Vec<Problem> {
        from_raw(raw(cells), today()).expect_err("should fail").1
    }

    #[test]
    fn minimal_record_gets_defaults() {
        let p = from_raw(raw(&minimal()), today()).unwrap();
        assert_eq!(p.records_delivery, "patient");
        assert_eq!(p.records_format, "electronic");
        assert_eq!(p.records_requested.len(), 8);
        assert_eq!(
            p.date_of_birth,
            NaiveDate::from_ymd_opt(1970, 2, 3).unwrap()
        );
    }

    #[test]
    fn unprintable_text_is_reported_with_the_records_other_problems() {
        let cells = [
            ("patient_name", text("山田 花子")),
            ("date_of_birth", text("1970-02-31")),
            ("current_doctor", text("Dr.\u{2066} Q")),
        ];
        let fields: Vec<_> = problems(&cells)
            .into_iter()
            .map(|p| (p.field.unwrap_or_default(), p.message))
            .collect();
        assert_eq!(fields.len(), 3, "{fields:?}");
        assert!(fields[0].0 == "patient_name" && fields[0].1.contains("cannot print"));
        assert_eq!(fields[1].0, "date_of_birth");
        assert!(fields[2].0 == "current_doctor" && fields[2].1.contains("invisible"));
    }

    #[test]
    fn delivery_defaults_to_second_doctor_when_named() {
        let mut cells = minimal();
        cells.push(("second_opinion_doctor", text("Dr. B")));
        assert_eq!(
            from_raw(raw(&cells), today()).unwrap().records_delivery,
            "second_opinion_doctor"
        );
    }

    #[test]
    fn delivery_to_unnamed_doctor_is_an_error() {
        let mut cells = minimal();
        cells.push(("records_delivery", text("second_opinion_doctor")));
        let p = problems(&cells);
        assert_eq!(p[0].field.as_deref(), Some("records_delivery"));
    }

    #[test]
    fn all_problems_are_collected_and_name_fields_not_values() {
        let p = problems(&[
            ("patient_name", text("SECRET-MARKER")),
            ("date_of_birth", text("1970-02-30")),
            ("medical_record_number", Cell::Number(123.0)),
            ("reasons", Cell::List(vec!["SECRET-MARKER".into()])),
            ("pateint_email", text("x")),
        ]);
        let fields: Vec<_> = p.iter().map(|p| p.field.clone()).collect();
        assert!(fields.contains(&Some("date_of_birth".into())));
        assert!(fields.contains(&Some("medical_record_number".into())));
        assert!(fields.contains(&Some("reasons".into())));
        assert!(
            fields.contains(&Some("current_doctor".into())),
            "missing required field reported"
        );
        assert!(p.iter().any(|p| p.field.is_none()
            && p.message.contains("pateint_email")
            && p.hint.contains("patient_email")));
        for problem in &p {
            assert!(!problem.to_string().contains("SECRET-MARKER"), "{problem}");
            let params = serde_json::to_string(&problem.params).unwrap();
            assert!(!params.contains("SECRET-MARKER"), "{params}");
        }
    }

    /// Each problem carries a code and parameters for the page to word; the
    /// parameters hold limits and code words, never any part of the value.
    #[test]
    fn problems_carry_codes_and_params_without_values() {
        let mut cells = minimal();
        cells[1] = ("date_of_birth", text("1937-02-30"));
        cells.push(("records_format", text("SECRET-FORMAT")));
        cells.push(("reasons", text("explore_options; SECRET-REASON")));
        cells.push(("patient_email", text("SECRET-MAIL")));
        cells.push(("diagnosis", text(&"SECRET ".repeat(60))));
        cells.push(("Jordan Rivera", text("x")));
        cells.push(("colour", text("x")));
        let p = problems(&cells);
        let by = |code: Code| {
            p.iter()
                .find(|p| p.code == code)
                .unwrap_or_else(|| panic!("no {code} in {p:?}"))
        };
        let date = by(Code::NotARealDate);
        assert_eq!(date.field.as_deref(), Some("date_of_birth"));
        assert_eq!(
            serde_json::to_string(&date.params).unwrap(),
            r#"{"order":"iso"}"#
        );
        assert_eq!(
            by(Code::NotAChoice).params.get("choices"),
            Some(&Param::Words(vec!["electronic".into(), "paper".into()]))
        );
        assert_eq!(
            by(Code::EntryNotAChoice).params.get("entry"),
            Some(&Param::Number(2))
        );
        assert_eq!(
            by(Code::TooLong).params.get("max"),
            Some(&Param::Number(MAX_TEXT_CHARS))
        );
        by(Code::NotAnEmail);
        let unknown = by(Code::UnknownFields);
        assert_eq!(
            unknown.params.get("names"),
            Some(&Param::Words(vec!["colour".into()]))
        );
        assert_eq!(unknown.params.get("unnamed"), Some(&Param::Number(1)));
        for problem in &p {
            let params = serde_json::to_string(&problem.params).unwrap();
            for part in ["SECRET", "1937", "02-30", "Jordan", "Rivera"] {
                assert!(!params.contains(part), "{part} in {params}");
            }
            // A JSON record has no columns.
            assert_eq!(problem.column, None);
        }
        // A birth date after the run date: the run date is the limit.
        let mut cells = minimal();
        cells[1] = ("date_of_birth", text("2027-01-01"));
        let p = problems(&cells);
        assert_eq!(p[0].code, Code::AfterToday);
        assert_eq!(
            p[0].params.get("latest"),
            Some(&Param::Word("2026-11-23".into()))
        );
        // The records to a doctor nobody named: the field to fill in.
        let mut cells = minimal();
        cells.push(("records_delivery", text("second_opinion_doctor")));
        let p = problems(&cells);
        assert_eq!(p[0].code, Code::DeliveryWithoutDoctor);
        assert_eq!(
            p[0].params.get("needs"),
            Some(&Param::Word("second_opinion_doctor".into()))
        );
        let required = problems(&minimal()[..2]);
        assert_eq!(required[0].code, Code::Required);
        assert!(required[0].params.is_empty());
    }

    /// A row of a table: each problem names its column's letter and the
    /// header as the sheet writes it, so the page can point at the cell.
    #[test]
    fn a_table_rows_problems_name_their_column() {
        let csv =
            "Full Name,Date of Birth,current_doctor,Member ID\nZed SECRET,1937-02-30,Dr. A,1\n";
        let mut problems = Vec::new();
        crate::input::read_bytes_each(
            std::path::Path::new("intake.csv"),
            csv.as_bytes(),
            &crate::input::InputOptions::default(),
            &mut |entry| {
                if let Err((_, p)) = entry.and_then(|raw| from_raw(raw, today())) {
                    problems.extend(p);
                }
            },
        )
        .unwrap();
        let date = problems
            .iter()
            .find(|p| p.field.as_deref() == Some("date_of_birth"))
            .expect("the date's problem");
        assert_eq!(date.code, Code::NotARealDate);
        assert_eq!(
            date.params.get("order"),
            Some(&Param::Word("month_first".into()))
        );
        let column = date.column.as_ref().expect("the date's column");
        assert_eq!(
            (column.letter.as_str(), column.header.as_str()),
            ("B", "Date of Birth")
        );
        assert!(!format!("{problems:?}").contains("SECRET"));
    }

    #[test]
    fn dates_follow_the_inputs_rules() {
        assert_eq!(
            parse_date("2024-02-29", TextDates::IsoOnly),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(parse_date("2023-02-29", TextDates::IsoOnly), None);
        assert_eq!(parse_date("03/04/2025", TextDates::IsoOnly), None);
        assert_eq!(
            parse_date("03/04/2025", TextDates::MonthFirst),
            NaiveDate::from_ymd_opt(2025, 3, 4)
        );
        assert_eq!(
            parse_date("03/04/2025", TextDates::DayFirst),
            NaiveDate::from_ymd_opt(2025, 4, 3)
        );
        assert_eq!(parse_date("13/04/2025", TextDates::MonthFirst), None);
        assert_eq!(parse_date("2025-1-2", TextDates::IsoOnly), None);
        assert_eq!(parse_date("+025-01-02", TextDates::IsoOnly), None);
    }

    #[test]
    fn birth_date_in_the_future_is_rejected() {
        let mut cells = minimal();
        cells[1] = ("date_of_birth", text("2027-01-01"));
        assert_eq!(problems(&cells)[0].field.as_deref(), Some("date_of_birth"));
    }

    #[test]
    fn text_is_tidied_and_lists_split() {
        let mut cells = minimal();
        cells[0] = ("patient_name", text("  Ann \n  Lee "));
        cells.push(("patient_address", text(" 1 Main St \r\n\r\n Town ")));
        cells.push((
            "reasons",
            text("Surgery recommended; explore-options\nsurgery_recommended"),
        ));
        cells.push((
            "my_questions",
            Cell::List(vec!["Why; now?".into(), " ".into()]),
        ));
        let p = from_raw(raw(&cells), today()).unwrap();
        assert_eq!(p.patient_name, "Ann Lee");
        assert_eq!(p.patient_address.as_deref(), Some("1 Main St\nTown"));
        assert_eq!(p.reasons, vec!["surgery_recommended", "explore_options"]);
        assert_eq!(p.my_questions, vec!["Why; now?"]);
    }

    #[test]
    fn duplicate_and_control_characters_are_rejected() {
        let mut cells = minimal();
        cells.push(("patient_name", text("Other")));
        cells.push(("diagnosis", text("a\u{0}b")));
        let p = problems(&cells);
        assert!(
            p.iter().any(|p| p.field.as_deref() == Some("patient_name")
                && p.message.contains("more than once"))
        );
        assert!(
            p.iter()
                .any(|p| p.field.as_deref() == Some("diagnosis") && p.message.contains("control"))
        );
    }

    #[test]
    fn documented_examples_form_a_valid_record() {
        let p = sample_patient();
        assert_eq!(p.records_delivery, "second_opinion_doctor");
        assert_eq!(p.reasons.len(), 2);
    }

    #[test]
    fn edit_distance_suggests_near_names() {
        assert_eq!(closest_field("date_of_brith"), Some("date_of_birth"));
        assert_eq!(closest_field("zzzzzz"), None);
    }
}
