//! Starter forms written by `init`: the intake contract as a file to fill in.

use std::path::Path;

use serde_json::{Map, Value};

use second_opinion_core::error::Error;
use second_opinion_core::record::fields::{FIELDS, Kind};

/// The intake form as JSON: every field, in documentation order, empty (or
/// with the documented fictional example when `example` is set).
pub(crate) fn json_form(example: bool) -> String {
    let mut form = Map::new();
    for field in FIELDS {
        let value = match (field.kind, example) {
            (Kind::ChoiceList(_) | Kind::TextList, false) => Value::Array(Vec::new()),
            (Kind::ChoiceList(_) | Kind::TextList, true) => Value::Array(
                field
                    .example
                    .split(';')
                    .map(|s| Value::String(s.trim().to_string()))
                    .collect(),
            ),
            (_, false) => Value::String(String::new()),
            (_, true) => Value::String(field.example.to_string()),
        };
        form.insert(field.name.to_string(), value);
    }
    let mut text =
        serde_json::to_string_pretty(&Value::Object(form)).expect("a map of strings serialises");
    text.push('\n');
    text
}

/// Writes the JSON form to `path`, refusing to replace a file unless `force`.
pub(crate) fn write_json_form(path: &Path, force: bool, example: bool) -> Result<(), Error> {
    write_new_file(path, json_form(example).as_bytes(), force)
}

/// Writes an empty intake spreadsheet: a "Patients" sheet with one column
/// per field (dates formatted as dates, record numbers and phone numbers as
/// text so leading zeros survive) and a "Field guide" sheet explaining each
/// column. With `example`, the fictional example patient fills row 2.
pub(crate) fn write_spreadsheet_form(path: &Path, force: bool, example: bool) -> Result<(), Error> {
    let bytes = spreadsheet_form(example).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        action: "could not create the spreadsheet".into(),
        reason: e.to_string(),
        hint: "report this; it is not caused by your data".into(),
    })?;
    write_new_file(path, &bytes, force)
}

fn spreadsheet_form(example: bool) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};

    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("D9D9D9")
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);

    let sheet = book.add_worksheet().set_name("Patients")?;
    for (col, field) in FIELDS.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, field.name, &header)?;
        let width = (field.name.len().max(14) + 2) as f64;
        match field.kind {
            Kind::Date => sheet.set_column_format(col, &date)?,
            _ => sheet.set_column_format(col, &text)?,
        };
        sheet.set_column_width(col, width)?;
        if example {
            match field.kind {
                Kind::Date => {
                    let d = second_opinion_core::record::parse_date(
                        field.example,
                        second_opinion_core::input::TextDates::IsoOnly,
                    )
                    .expect("examples are valid dates");
                    let value = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        chrono::Datelike::year(&d) as u16,
                        chrono::Datelike::month(&d) as u8,
                        chrono::Datelike::day(&d) as u8,
                    )?;
                    sheet.write_datetime_with_format(1, col, &value, &date)?;
                }
                _ => {
                    sheet.write_string_with_format(1, col, field.example, &text)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;

    let guide = book.add_worksheet().set_name("Field guide")?;
    for (col, title) in ["column", "required", "what to write", "example"]
        .iter()
        .enumerate()
    {
        guide.write_string_with_format(0, col as u16, *title, &header)?;
    }
    for (row, field) in FIELDS.iter().enumerate() {
        let row = row as u32 + 1;
        let mut help = field.help.to_string();
        match field.kind {
            Kind::Date => help.push_str(" Type it as a date (YYYY-MM-DD or MM/DD/YYYY)."),
            Kind::Choice(codes) => help.push_str(&format!(" One of: {}.", codes.join(", "))),
            Kind::ChoiceList(codes) => help.push_str(&format!(
                " Separate several with ; — allowed: {}.",
                codes.join(", ")
            )),
            Kind::TextList => {
                help.push_str(" Separate several with ; or put each on its own line in the cell.")
            }
            _ => {}
        }
        guide.write_string_with_format(row, 0, field.name, &wrap)?;
        guide.write_string_with_format(row, 1, if field.required { "yes" } else { "no" }, &wrap)?;
        guide.write_string_with_format(row, 2, &help, &wrap)?;
        guide.write_string_with_format(row, 3, field.example, &wrap)?;
    }
    guide.set_column_width(0, 26)?;
    guide.set_column_width(1, 9)?;
    guide.set_column_width(2, 70)?;
    guide.set_column_width(3, 36)?;
    book.save_to_buffer()
}

/// Writes the starter clinic profile for `build --clinic`.
pub(crate) fn write_clinic_profile(path: &Path, force: bool) -> Result<(), Error> {
    write_new_file(path, second_opinion_core::clinic::STARTER.as_bytes(), force)
}

/// Writes a file atomically next to its final place; an existing file is
/// kept unless `force`.
fn write_new_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), Error> {
    if path.exists() && !force {
        return Err(Error::Usage {
            message: format!("{} already exists", path.display()),
            hint: "choose another file name, or add --force to replace it".into(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let write = || -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(crate::files::TEMP_PREFIX)
            .tempfile_in(dir)?;
        std::io::Write::write_all(&mut tmp, bytes)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| Error::io_write(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_spreadsheet_reads_back_as_one_buildable_row() {
        let dir = tempfile::tempdir().unwrap();
        let form = dir.path().join("form.xlsx");
        write_spreadsheet_form(&form, false, true).unwrap();
        let bytes = std::fs::read(&form).unwrap();
        let file = second_opinion_core::input::read_bytes(
            &form,
            &bytes,
            &second_opinion_core::input::InputOptions::default(),
        )
        .unwrap();
        assert_eq!(file.entries.len(), 1);
        let raw = file.entries.into_iter().next().unwrap().unwrap();
        assert_eq!(
            raw.origin.place,
            second_opinion_core::input::Place::Row {
                sheet: Some(second_opinion_core::input::Sheet {
                    number: 1,
                    name: "Patients".into()
                }),
                row: 2
            }
        );
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        second_opinion_core::record::from_raw(raw, today).unwrap();
    }
    use second_opinion_core::input::json;

    #[test]
    fn blank_form_parses_and_reports_only_required_fields() {
        let file = json::read(Path::new("intake.json"), json_form(false).as_bytes()).unwrap();
        let raw = file.entries.into_iter().next().unwrap().unwrap();
        let (_, problems) = second_opinion_core::record::from_raw(
            raw,
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
        .unwrap_err();
        let fields: Vec<_> = problems.iter().filter_map(|p| p.field.as_deref()).collect();
        assert_eq!(fields, ["patient_name", "date_of_birth", "current_doctor"]);
    }

    #[test]
    fn example_form_is_valid() {
        let file = json::read(Path::new("intake.json"), json_form(true).as_bytes()).unwrap();
        let raw = file.entries.into_iter().next().unwrap().unwrap();
        second_opinion_core::record::from_raw(
            raw,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )
        .unwrap();
    }
}
