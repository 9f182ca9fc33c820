//! JSON intake files: one patient object, an array of them, or
//! `{"patients": [...]}`.
//!
//! Each patient object is parsed into [`Json`], a tree that keeps duplicate
//! keys (serde's own `Value` silently keeps the last one, which would hide a
//! mistake), and becomes a [`RawRecord`] as soon as it is parsed: a list of
//! patients is read element by element ([`read_each`]), never held whole.
//! Syntax errors are reported with line and column and never quote the text
//! around them.

use std::fmt;
use std::path::Path;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{Cell, Entry, FileWarning, InputFile, Origin, Place, RawRecord, TextDates};
use crate::error::{Code, Error, Problem};

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
    /// A string longer than [`super::MAX_CELL_BYTES`]: dropped as it
    /// arrives, since no field accepts anything near that long.
    TooLong,
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
        if v.len() > super::MAX_CELL_BYTES {
            return Ok(Json::TooLong);
        }
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        if v.len() > super::MAX_CELL_BYTES {
            return Ok(Json::TooLong);
        }
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

/// The file's bytes without a UTF-8 byte order mark, once they are known to
/// be UTF-8 text.
fn utf8_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
    // Notepad and Excel's "Unicode" exports begin files with a byte order
    // mark, which serde_json rejects (serde-rs/json#805).
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Error::input(
            Code::NotUtf8,
            path,
            "the file is saved as UTF-16 text, not UTF-8",
            "save it again with the encoding \"UTF-8\"",
        )
        .with("format", "json")
        .with("found", "utf16"));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(Error::input(
            Code::NotUtf8,
            path,
            format!(
                "line {line} is not UTF-8 text; the file was probably saved in another encoding"
            ),
            "save it again with the encoding \"UTF-8\"",
        )
        .with("format", "json")
        .with("line", line));
    }
    Ok(bytes)
}

/// Words for a serde_json error that never quote the input.
fn syntax_error(path: &Path, e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    let (message, problem) = match e.classify() {
        Category::Eof => (
            "the file ends too early: a closing bracket, brace or quote is missing".to_string(),
            "ends_early",
        ),
        Category::Io => (
            "the file could not be read to the end".to_string(),
            "unreadable",
        ),
        // Data errors come from typed values and can quote them; the reader
        // takes every value as it is, so this is only a safeguard.
        Category::Data => (
            "a value has a form the reader does not accept".to_string(),
            "other",
        ),
        Category::Syntax => {
            // serde_json's syntax messages name the expected token, not input
            // text; cut the position suffix it adds, we add our own.
            let text = e.to_string();
            let text = text
                .split(" at line ")
                .next()
                .unwrap_or("invalid JSON")
                .to_string();
            let problem = syntax_problem(&text);
            if text.contains("recursion limit") {
                (
                    "the data is nested too deeply to be an intake form".to_string(),
                    problem,
                )
            } else if text.contains("invalid unicode")
                || text.contains("control character")
                || text.contains("invalid escape")
            {
                (format!("the text is not valid: {text}"), problem)
            } else {
                (format!("this is not valid JSON: {text}"), problem)
            }
        }
    };
    let where_ = if e.line() > 0 {
        format!("line {}, column {}: ", e.line(), e.column())
    } else {
        String::new()
    };
    let error = Error::input(
        Code::JsonSyntax,
        path,
        format!("{where_}{message}"),
        "fix the JSON at that place (a missing comma or quote is the usual cause), or start again from `second-opinion init`",
    )
    .with("problem", problem);
    if e.line() > 0 {
        error.with("line", e.line()).with("column", e.column())
    } else {
        error
    }
}

/// What a serde_json syntax message (its position cut off) says is wrong,
/// as a code word the page words in its own language. serde_json's words
/// name tokens, never the input, but they are English.
fn syntax_problem(text: &str) -> &'static str {
    match text {
        "expected `:`" => "colon",
        "expected `,` or `]`" => "comma_or_bracket",
        "expected `,` or `}`" => "comma_or_brace",
        "expected value" | "expected ident" => "value",
        "expected `\"`" => "quote",
        "trailing comma" => "trailing_comma",
        "trailing characters" => "trailing_characters",
        "key must be a string" => "key_not_text",
        "invalid number" | "number out of range" => "number",
        "recursion limit exceeded" => "too_deep",
        t if t.contains("invalid unicode")
            || t.contains("control character")
            || t.contains("invalid escape")
            || t.contains("surrogate")
            || t.contains("hex escape") =>
        {
            "text"
        }
        _ => "other",
    }
}

/// Reads a JSON intake file whole.
pub fn read(path: &Path, bytes: &[u8]) -> Result<InputFile, Error> {
    InputFile::collect(|sink| read_each(path, bytes, sink))
}

/// Reads a JSON intake file, handing each patient to `sink` as soon as its
/// object is parsed; returns the file's warnings (JSON has none).
///
/// A problem with the file's shape ("patients" next to other keys, an empty
/// list) is reported only once the whole text is known to be valid JSON, so
/// a syntax error always wins, as it does when the whole file is read. Both can come after
/// some patients were handed over.
pub fn read_each(
    path: &Path,
    bytes: &[u8],
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<FileWarning>, Error> {
    let bytes = utf8_text(path, bytes)?;
    let mut stream = Stream {
        path,
        sink,
        count: 0,
        shape: None,
        too_many: false,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Patients {
        stream: &mut stream,
        top: true,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if stream.too_many {
        return Err(Error::input(
            Code::TooManyPatients,
            path,
            format!("the file has more than {MAX_RECORDS} patient records"),
            format!("split it into several files of at most {MAX_RECORDS} patients"),
        )
        .with("max", MAX_RECORDS));
    }
    parsed.map_err(|e| syntax_error(path, &e))?;
    let (code, message, hint) = match stream.shape {
        None => return Ok(Vec::new()),
        Some(Shape::OtherKeys) => (
            Code::PatientsBesideOtherKeys,
            "next to \"patients\", the top-level object has other keys",
            "put every patient inside the \"patients\" list and remove the other keys",
        ),
        Some(Shape::NotAList) => (
            Code::PatientsNotAList,
            "\"patients\" is not a list",
            "write it as \"patients\": [ {...}, {...} ]",
        ),
        Some(Shape::NoRecord) => (
            Code::NoPatientRecord,
            "the file holds no patient record",
            "write one patient as an object { ... }, several as a list [ {...}, {...} ], or {\"patients\": [...]}",
        ),
        Some(Shape::Empty) => (
            Code::EmptyPatientList,
            "the list of patients is empty",
            "add at least one patient record",
        ),
    };
    Err(Error::input(code, path, message, hint))
}

/// What is wrong with a JSON file's shape, once its syntax is sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `{"patients": [...], "other": ...}`
    OtherKeys,
    /// `{"patients": 5}`
    NotAList,
    /// A top-level number, string, `true` or `null`.
    NoRecord,
    /// `[]` or `{"patients": []}`
    Empty,
}

/// The state of one streaming read.
struct Stream<'a> {
    path: &'a Path,
    sink: &'a mut dyn FnMut(Entry),
    /// Patients handed over so far.
    count: usize,
    shape: Option<Shape>,
    /// Set when a list holds more than [`MAX_RECORDS`] patients: reading
    /// stopped there.
    too_many: bool,
}

/// Most patients read from one JSON file: the same cap as a sheet's rows,
/// checked as elements arrive, so that a list of millions of tiny elements
/// stops at once instead of producing millions of failures.
pub const MAX_RECORDS: usize = super::table::MAX_DATA_ROWS;

impl Stream<'_> {
    fn hand_over(&mut self, item: Json) {
        self.count += 1;
        (self.sink)(record(self.path, self.count, item));
    }
}

/// Reads the top-level value (`top`) or the value of `"patients"`, handing
/// each patient of a list over as it is parsed. Every kind of value is
/// accepted here, so that serde never words an error itself: its "invalid
/// type" messages would quote the value.
struct Patients<'s, 'a> {
    stream: &'s mut Stream<'a>,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Patients<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Patients<'_, '_> {
    /// A value that is neither a list nor (at the top) an object.
    fn not_patients(self) {
        self.stream.shape = Some(if self.top {
            Shape::NoRecord
        } else {
            Shape::NotAList
        });
    }
}

impl<'de> Visitor<'de> for Patients<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a patient record or a list of them")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_patients();
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Json>()? {
            if self.stream.count == MAX_RECORDS {
                self.stream.too_many = true;
                return Err(de::Error::custom("too many records"));
            }
            self.stream.hand_over(item);
        }
        if self.stream.count == 0 {
            self.stream.shape = Some(Shape::Empty);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if !self.top {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.not_patients();
            return Ok(());
        }
        // An object holding "patients" is the wrapper; any other object is
        // one patient, kept whole until its end shows which it is.
        let (mut keys, mut wrapper) = (0, false);
        let mut fields: Vec<(String, Json)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            keys += 1;
            if key == "patients" && keys == 1 {
                wrapper = true;
                map.next_value_seed(Patients {
                    stream: &mut *self.stream,
                    top: false,
                })?;
            } else if key == "patients" || wrapper {
                wrapper = true;
                map.next_value::<IgnoredAny>()?;
            } else {
                fields.push((key, map.next_value()?));
            }
        }
        if !wrapper {
            self.stream.hand_over(Json::Object(fields));
        } else if keys != 1 {
            self.stream.shape = Some(Shape::OtherKeys);
        }
        Ok(())
    }
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
                Code::NotAnObject,
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
        columns: Default::default(),
    })
}

fn cell(value: Json) -> Cell {
    match value {
        Json::Null => Cell::Empty,
        Json::Bool(b) => Cell::Bool(b),
        Json::Number(n) => Cell::Number(n),
        Json::String(s) => Cell::Text(s),
        Json::TooLong => Cell::Invalid(super::TOO_LONG_TEXT),
        Json::Array(items) => {
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Json::String(s) => texts.push(s),
                    Json::Null => {}
                    Json::TooLong => return Cell::Invalid(super::TOO_LONG_TEXT),
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

    /// Reads JSON text entry by entry: the record numbers handed over, and
    /// the error, if any.
    fn stream(text: &str) -> (Vec<usize>, Option<String>) {
        let mut numbers = Vec::new();
        let result = read_each(Path::new("in.json"), text.as_bytes(), &mut |entry| {
            let origin = match entry {
                Ok(raw) => raw.origin,
                Err((origin, _)) => origin,
            };
            match origin.place {
                Place::Record(n) => numbers.push(n),
                other => panic!("{other:?}"),
            }
        });
        (numbers, result.err().map(|e| e.to_string()))
    }

    #[test]
    fn patients_are_handed_over_as_they_are_parsed() {
        let (numbers, err) = stream(r#"[{"patient_name": "A"}, {"patient_name": "B"}, {"x": "#);
        assert_eq!(numbers, [1, 2]);
        assert!(err.unwrap().contains("ends too early"));
        let (numbers, err) = stream(r#"{"patients": [{"a": 1}, 7, {"b": 2}]}"#);
        assert_eq!((numbers, err), (vec![1, 2, 3], None));
        // Keys after "patients" are found after its patients went out.
        let (numbers, err) = stream(r#"{"patients": [{"a": 1}], "clinic": "X"}"#);
        assert_eq!(numbers, [1]);
        assert!(
            err.unwrap()
                .contains("next to \"patients\", the top-level object has other keys")
        );
        // Keys before it are known first: nothing goes out.
        let (numbers, err) = stream(r#"{"clinic": "X", "patients": [{"a": 1}]}"#);
        assert!(numbers.is_empty());
        assert!(err.unwrap().contains("has other keys"));
        // A syntax error outranks a problem with the shape, as in `parse`.
        let (_, err) = stream(r#"{"clinic": "X", "patients": [{"a": 1}], }"#);
        assert!(err.unwrap().contains("line 1, column"));
    }

    #[test]
    fn shapes_that_hold_no_patients() {
        let err = |text: &str| stream(text).1.expect(text);
        assert!(err("[]").contains("the list of patients is empty"));
        assert!(err(r#"{"patients": []}"#).contains("the list of patients is empty"));
        assert!(err(r#"{"patients": 5}"#).contains("\"patients\" is not a list"));
        assert!(err(r#"{"patients": {"a": [1]}}"#).contains("\"patients\" is not a list"));
        assert!(err(r#"{"patients": 5, "x": 1}"#).contains("has other keys"));
        assert!(err(r#"{"patients": [], "patients": []}"#).contains("has other keys"));
        for scalar in ["5", "-1.5e3", "true", "null", r#""SECRET""#] {
            let e = err(scalar);
            assert!(e.contains("the file holds no patient record"), "{e}");
            assert!(!e.contains("SECRET"), "{e}");
        }
        assert_eq!(stream("{}"), (vec![1], None));
        assert_eq!(stream(r#"{"patient": [1]}"#), (vec![1], None));
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
