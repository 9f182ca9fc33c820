//! Starter forms written by `init`: the intake contract as a file to fill in.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::record::fields::{FIELDS, Kind};

/// The intake form as JSON: every field, in documentation order, empty (or
/// with the documented fictional example when `example` is set).
pub fn json_form(example: bool) -> String {
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
pub fn write_json_form(path: &Path, force: bool, example: bool) -> Result<(), Error> {
    write_new_file(path, json_form(example).as_bytes(), force)
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
            .prefix(crate::output::TEMP_PREFIX)
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
    use crate::input::json;

    #[test]
    fn blank_form_parses_and_reports_only_required_fields() {
        let file = json::read(Path::new("intake.json"), json_form(false).as_bytes()).unwrap();
        let raw = file.entries.into_iter().next().unwrap().unwrap();
        let (_, problems) =
            crate::record::from_raw(raw, chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
                .unwrap_err();
        let fields: Vec<_> = problems.iter().filter_map(|p| p.field.as_deref()).collect();
        assert_eq!(fields, ["patient_name", "date_of_birth", "current_doctor"]);
    }

    #[test]
    fn example_form_is_valid() {
        let file = json::read(Path::new("intake.json"), json_form(true).as_bytes()).unwrap();
        let raw = file.entries.into_iter().next().unwrap().unwrap();
        crate::record::from_raw(raw, chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
            .unwrap();
    }
}
