//! Cell conversion by field kind: a filled cell becomes the [`Cell`] its
//! column's field expects. Numbers in record-number columns come out as the
//! digits typed, numbers in date columns as Excel serial dates, spreadsheet
//! errors as [`Cell::Invalid`] (described, never quoted).

use calamine::{ExcelDateTime, ExcelDateTimeType};
use chrono::{Datelike, NaiveDate};

use super::Cell;
use super::table::Value;
use crate::intake::fields::{FieldSpec, Kind};

/// Converts one filled cell by its field's kind.
pub(super) fn convert(spec: &FieldSpec, value: &Value, is_1904: bool) -> Cell {
    match value {
        Value::Text(text) => text_cell(spec, text),
        Value::Int(i) => {
            if spec.kind == Kind::Date {
                serial_date(*i as f64, is_1904)
            } else if i.unsigned_abs() < 1_000_000_000_000_000 {
                Cell::Text(i.to_string())
            } else {
                Cell::Invalid(TOO_LONG)
            }
        }
        Value::Float(f) => number_cell(spec, *f, is_1904),
        Value::Bool(b) => Cell::Bool(*b),
        Value::DateTime(dt) => {
            if dt.is_duration() {
                Cell::Invalid("a length of time")
            } else {
                excel_date(*dt).map_or(Cell::Invalid("a date outside the calendar"), Cell::Date)
            }
        }
        Value::DateIso(text) => match iso_date(text) {
            Some(date) => Cell::Date(date),
            None => Cell::Invalid("a date and time in a form we cannot read"),
        },
        Value::Duration => Cell::Invalid("a length of time"),
        Value::Error(what) => Cell::Invalid(what),
        Value::TooLong => Cell::Invalid(super::TOO_LONG_TEXT),
        Value::UncachedFormula => Cell::Invalid(
            "a formula whose result was not saved (open the file in Excel or LibreOffice and save it again)",
        ),
    }
}

pub(super) const TOO_LONG: &str =
    "a number too long to be stored exactly (format the column as Text and retype it)";

fn text_cell(spec: &FieldSpec, text: &str) -> Cell {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Cell::Empty;
    }
    if trimmed.starts_with('#') {
        let what = error_description(trimmed);
        if what != UNKNOWN_ERROR {
            return Cell::Invalid(what);
        }
    }
    if spec.kind == Kind::Code && is_scientific(trimmed) {
        return Cell::Invalid(
            "a number shortened to scientific notation such as 1.2E+15 (format the column as Text and retype it)",
        );
    }
    Cell::Text(text.to_string())
}

fn number_cell(spec: &FieldSpec, value: f64, is_1904: bool) -> Cell {
    if spec.kind == Kind::Date {
        return serial_date(value, is_1904);
    }
    if !value.is_finite() {
        return Cell::Invalid("a number that is not finite");
    }
    if value.fract() != 0.0 {
        return Cell::Invalid("a number with decimals");
    }
    if value.abs() >= 1e15 {
        return Cell::Invalid(TOO_LONG);
    }
    Cell::Text(format!("{}", value as i64))
}

/// The earliest year a plain number in a date column may stand for: lower
/// serials are small numbers (a typed year such as 1970 would be 1905).
const SERIAL_FIRST_YEAR: i32 = 1910;
/// The latest year a plain number in a date column may stand for.
const SERIAL_LAST_YEAR: i32 = 2200;
/// Excel's last serial date (9999-12-31) + 1.
const EXCEL_SERIAL_END: f64 = 2_958_466.0;

/// A plain number in a date column read as an Excel serial date, when it
/// falls in a sane range.
fn serial_date(value: f64, is_1904: bool) -> Cell {
    let date = (value.is_finite() && (1.0..EXCEL_SERIAL_END).contains(&value))
        .then(|| {
            excel_date(ExcelDateTime::new(
                value,
                ExcelDateTimeType::DateTime,
                is_1904,
            ))
        })
        .flatten()
        .filter(|d| (SERIAL_FIRST_YEAR..=SERIAL_LAST_YEAR).contains(&d.year()));
    match date {
        Some(date) => Cell::Date(date),
        None => Cell::Invalid("a plain number"),
    }
}

/// calamine's own conversion (both date systems, Excel's 1900 leap-year bug),
/// guarded against values chrono cannot hold.
fn excel_date(dt: ExcelDateTime) -> Option<NaiveDate> {
    let v = dt.as_f64();
    if !v.is_finite() || !(-1.0..EXCEL_SERIAL_END).contains(&v) {
        return None;
    }
    dt.as_datetime().map(|d| d.date())
}

/// The date part of an ISO date or date-time ("1970-02-03T00:00:00").
fn iso_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let date = text.get(..10)?;
    let rest = &text[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    crate::intake::parse_date(date, super::TextDates::IsoOnly)
}

const UNKNOWN_ERROR: &str = "a spreadsheet error";

/// Words for a spreadsheet error code; the codes are Excel's, not data.
pub(super) fn error_description(code: &str) -> &'static str {
    match code.to_ascii_uppercase().as_str() {
        "#N/A" => "a spreadsheet error (#N/A)",
        "#REF!" => "a spreadsheet error (#REF!)",
        "#DIV/0!" => "a spreadsheet error (#DIV/0!)",
        "#VALUE!" => "a spreadsheet error (#VALUE!)",
        "#NAME?" => "a spreadsheet error (#NAME?)",
        "#NUM!" => "a spreadsheet error (#NUM!)",
        "#NULL!" => "a spreadsheet error (#NULL!)",
        "#DATA!" | "#GETTING_DATA" => "a spreadsheet error (#GETTING_DATA)",
        "#SPILL!" => "a spreadsheet error (#SPILL!)",
        "#CALC!" => "a spreadsheet error (#CALC!)",
        _ => UNKNOWN_ERROR,
    }
}

/// `1.23457E+14`: how Excel shows (and exports to CSV) a long number.
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    !int.is_empty()
        && !exponent.is_empty()
        && [int, frac, exponent]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::fields;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn date(y: i32, m: u32, d: u32) -> Cell {
        Cell::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn conversions_by_field_kind() {
        let spec = |name| fields::by_name(name).unwrap();
        let mrn = spec("medical_record_number");
        let dob = spec("date_of_birth");
        let name = spec("patient_name");
        assert_eq!(convert(mrn, &Value::Int(-42), false), text("-42"));
        assert_eq!(
            convert(mrn, &Value::Int(999_999_999_999_999), false),
            text("999999999999999")
        );
        assert_eq!(
            convert(mrn, &Value::Int(1_000_000_000_000_000), false),
            Cell::Invalid(TOO_LONG)
        );
        assert_eq!(
            convert(mrn, &Value::Float(1e15), false),
            Cell::Invalid(TOO_LONG)
        );
        assert_eq!(convert(mrn, &Value::Float(7.0), false), text("7"));
        assert!(matches!(
            convert(mrn, &Value::Float(f64::NAN), false),
            Cell::Invalid(_)
        ));
        assert!(matches!(
            convert(mrn, &Value::Text(" 1.23457E+14 ".into()), false),
            Cell::Invalid(w) if w.contains("scientific")
        ));
        // Only record-number columns treat "1E5" as a mangled number.
        assert_eq!(
            convert(name, &Value::Text("1E5".into()), false),
            text("1E5")
        );
        assert_eq!(
            convert(name, &Value::Text("#n/a".into()), false),
            Cell::Invalid("a spreadsheet error (#N/A)")
        );
        assert_eq!(
            convert(name, &Value::Text("#1 priority".into()), false),
            text("#1 priority")
        );
        assert_eq!(
            convert(name, &Value::Text(" \t".into()), false),
            Cell::Empty
        );
        // Serial dates: the sane range only, in both date systems.
        assert_eq!(
            convert(dob, &Value::Float(25303.0), false),
            date(1969, 4, 10)
        );
        assert_eq!(convert(dob, &Value::Int(23841), true), date(1969, 4, 10));
        assert_eq!(
            convert(dob, &Value::Float(25303.75), false),
            date(1969, 4, 10)
        );
        for bad in [0.0, -5.0, 1970.0, 1e300, f64::INFINITY, f64::NAN, 120_000.0] {
            assert_eq!(
                convert(dob, &Value::Float(bad), false),
                Cell::Invalid("a plain number"),
                "{bad}"
            );
        }
        let huge = ExcelDateTime::new(1e300, ExcelDateTimeType::DateTime, false);
        assert!(matches!(
            convert(dob, &Value::DateTime(huge), false),
            Cell::Invalid(_)
        ));
        let span = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(
            convert(dob, &Value::DateTime(span), false),
            Cell::Invalid("a length of time")
        );
        assert_eq!(
            convert(dob, &Value::DateIso("1970-02-03T00:00:00".into()), false),
            date(1970, 2, 3)
        );
        assert!(matches!(
            convert(dob, &Value::DateIso("1970-02-30".into()), false),
            Cell::Invalid(_)
        ));
    }
}
