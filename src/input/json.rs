//! JSON intake files: one patient object, an array of them, or
//! `{"patients": [...]}`.
//!
//! The file is parsed into [`Json`], a tree that keeps duplicate keys (serde's
//! own `Value` silently keeps the last one, which would hide a mistake), then
//! each patient object becomes a [`RawRecord`]. Syntax errors are reported
//! with line and column and never quote the text around them.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Cell, Entry, InputFile, Origin, Place, RawRecord, TextDates};
use crate::error::{Error, Problem};

/// A parsed JSON value that keeps every key of an object, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in file order, duplicates kept.
    Object(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}

/// Parses JSON text, reporting syntax errors by line and column only.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Json, Error> {
    // Notepad and Excel's "Unicode" exports begin files with a byte order
    // mark, which serde_json rejects (serde-rs/json#805).
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: "the file is saved as UTF-16 text, not UTF-8".into(),
            hint: "save it again with the encoding \"UTF-8\"".into(),
        });
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: format!(
                "line {line} is not UTF-8 text; the file was probably saved in another encoding"
            ),
            hint: "save it again with the encoding \"UTF-8\"".into(),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Json::deserialize(&mut de).and_then(|json| de.end().map(|_| json));
    parsed.map_err(|e| syntax_error(path, &e))
}

/// Words for a serde_json error that never quote the input.
fn syntax_error(path: &Path, e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    let message = match e.classify() {
        Category::Eof => {
            "the file ends too early: a closing bracket, brace or quote is missing".to_string()
        }
        Category::Io => "the file could not be read to the end".to_string(),
        Category::Syntax | Category::Data => {
            // serde_json's syntax messages name the expected token, not input
            // text; cut the position suffix it adds, we add our own.
            let text = e.to_string();
            let text = text
                .split(" at line ")
                .next()
                .unwrap_or("invalid JSON")
                .to_string();
            if text.contains("recursion limit") {
                "the data is nested too deeply to be an intake form".to_string()
            } else if text.contains("invalid unicode")
                || text.contains("control character")
                || text.contains("invalid escape")
            {
                format!("the text is not valid: {text}")
            } else {
                format!("this is not valid JSON: {text}")
            }
        }
    };
    let where_ = if e.line() > 0 {
        format!("line {}, column {}: ", e.line(), e.column())
    } else {
        String::new()
    };
    Error::Input {
        file: path.to_path_buf(),
        message: format!("{where_}{message}"),
        hint: "fix the JSON at that place (a missing comma or quote is the usual cause), or start again from `second-opinion init`".into(),
    }
}

/// Reads a JSON intake file.
pub fn read(path: &Path, bytes: &[u8]) -> Result<InputFile, Error> {
    let json = parse(path, bytes)?;
    let patients = match json {
        Json::Array(items) => items,
        Json::Object(entries) if entries.iter().any(|(k, _)| k == "patients") => {
            if entries.len() != 1 {
                return Err(Error::Input {
                    file: path.to_path_buf(),
                    message: "next to \"patients\", the top-level object has other keys".into(),
                    hint:
                        "put every patient inside the \"patients\" list and remove the other keys"
                            .into(),
                });
            }
            match entries.into_iter().next() {
                Some((_, Json::Array(items))) => items,
                _ => {
                    return Err(Error::Input {
                        file: path.to_path_buf(),
                        message: "\"patients\" is not a list".into(),
                        hint: "write it as \"patients\": [ {...}, {...} ]".into(),
                    });
                }
            }
        }
        object @ Json::Object(_) => vec![object],
        _ => {
            return Err(Error::Input {
                file: path.to_path_buf(),
                message: "the file holds no patient record".into(),
                hint: "write one patient as an object { ... }, several as a list [ {...}, {...} ], or {\"patients\": [...]}".into(),
            });
        }
    };
    if patients.is_empty() {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: "the list of patients is empty".into(),
            hint: "add at least one patient record".into(),
        });
    }
    let entries = patients
        .into_iter()
        .enumerate()
        .map(|(i, item)| record(path, i + 1, item))
        .collect();
    Ok(InputFile {
        entries,
        warnings: Vec::new(),
    })
}

/// Turns one patient object into a raw record.
fn record(path: &Path, number: usize, item: Json) -> Entry {
    let origin = Origin {
        file: path.to_path_buf(),
        place: Place::Record(number),
    };
    let Json::Object(entries) = item else {
        return Err((
            origin,
            vec![Problem::record(
                "is not an object of fields",
                "write each patient as { \"patient_name\": ..., ... }",
            )],
        ));
    };
    let cells = entries
        .into_iter()
        .map(|(key, value)| (key, cell(value)))
        .collect();
    Ok(RawRecord {
        origin,
        cells,
        text_dates: TextDates::IsoOnly,
    })
}

fn cell(value: Json) -> Cell {
    match value {
        Json::Null => Cell::Empty,
        Json::Bool(b) => Cell::Bool(b),
        Json::Number(n) => Cell::Number(n),
        Json::String(s) => Cell::Text(s),
        Json::Array(items) => {
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Json::String(s) => texts.push(s),
                    Json::Null => {}
                    Json::Number(_) => return Cell::Invalid("a list with a number in it"),
                    Json::Bool(_) => return Cell::Invalid("a list with true/false in it"),
                    Json::Array(_) => return Cell::Invalid("a list inside a list"),
                    Json::Object(_) => return Cell::Invalid("a list with an object in it"),
                }
            }
            Cell::List(texts)
        }
        Json::Object(_) => Cell::Invalid("an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<InputFile, Error> {
        read(Path::new("in.json"), text.as_bytes())
    }

    #[test]
    fn three_shapes_are_accepted() {
        assert_eq!(
            read_str(r#"{"patient_name": "A"}"#).unwrap().entries.len(),
            1
        );
        assert_eq!(
            read_str(r#"[{"patient_name": "A"}, {"patient_name": "B"}]"#)
                .unwrap()
                .entries
                .len(),
            2
        );
        assert_eq!(
            read_str(r#"{"patients": [{"patient_name": "A"}]}"#)
                .unwrap()
                .entries
                .len(),
            1
        );
    }

    #[test]
    fn bom_is_stripped_and_duplicates_kept() {
        let file = read(Path::new("x.json"), b"\xEF\xBB\xBF{\"a\": 1, \"a\": \"2\"}").unwrap();
        let rec = file.entries[0].as_ref().unwrap();
        assert_eq!(rec.cells.len(), 2);
    }

    #[test]
    fn syntax_errors_give_position_not_text() {
        let err = read_str("{\n \"patient_name\": \"SECRET\"\n \"x\": 1}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        let err = read_str("{\"patient_name\": \"SECR")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ends too early"), "{err}");
        let deep = "[".repeat(5000);
        let err = read_str(&deep).unwrap_err().to_string();
        assert!(err.contains("nested too deeply"), "{err}");
    }

    #[test]
    fn non_objects_are_record_errors() {
        let file = read_str(r#"[{"patient_name": "A"}, 5]"#).unwrap();
        assert!(file.entries[0].is_ok());
        assert!(file.entries[1].is_err());
    }

    #[test]
    fn text_in_another_encoding_is_named_with_its_line() {
        let err = read(Path::new("in.json"), b"{\n\"patient_name\": \"Jos\xe9\"}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2 is not UTF-8"), "{err}");
        assert!(err.contains("UTF-8"), "{err}");
    }
}
