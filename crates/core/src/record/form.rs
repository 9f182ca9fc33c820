//! A saved intake record as a form holds it, for a front end that fills
//! its form from a file (the page's "open saved answers"): the choices and
//! lists tidied by the very rules checking uses, so no front end keeps a
//! copy of them (issue 28: the page had its own `normalise`, whose idea of
//! a letter differed from Rust's).

use serde_json::{Map, Value};

use super::fields::{FIELDS, Kind};
use super::{read_choice, split_list};

/// The record's values as the form's boxes hold them:
///
/// - a choice as its code, matched the way checking matches it (case,
///   spaces, dashes and punctuation ignored); a value that is no choice is
///   left out, so the form shows nothing chosen and checking asks for it;
/// - a list of choices as the codes it names, once each, in its order;
/// - a list of texts as its entries: an array's non-empty items, or a text
///   split on `;` and line breaks, as checking splits it;
/// - every other field of the intake as it is.
///
/// Keys that are no intake field are left out (the page counts them
/// itself). Values are only moved, never logged.
pub fn form_values(record: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for spec in FIELDS {
        let Some(value) = record.get(spec.name) else {
            continue;
        };
        let tidied = match spec.kind {
            Kind::Choice(allowed) => match value {
                Value::String(text) => read_choice(spec, allowed, text).ok().map(Value::from),
                _ => None,
            },
            Kind::ChoiceList(allowed) => {
                let mut codes: Vec<String> = Vec::new();
                for item in entries(value) {
                    if let Ok(code) = read_choice(spec, allowed, &item)
                        && !codes.contains(&code)
                    {
                        codes.push(code);
                    }
                }
                Some(Value::from(codes))
            }
            Kind::TextList => Some(Value::from(entries(value))),
            _ => Some(value.clone()),
        };
        if let Some(tidied) = tidied {
            out.insert(spec.name.to_string(), tidied);
        }
    }
    out
}

/// A list's entries, trimmed, empty ones dropped: an array's items (a
/// number or true/false as its text), or one text split as checking
/// splits it.
fn entries(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(text.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            })
            .filter(|text| !text.is_empty())
            .collect(),
        Value::String(text) => split_list(text),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tidy(json: serde_json::Value) -> serde_json::Value {
        Value::Object(form_values(json.as_object().unwrap()))
    }

    #[test]
    fn choices_and_lists_come_back_as_the_form_holds_them() {
        let out = tidy(serde_json::json!({
            "records_delivery": "Second-Opinion Doctor",
            "records_format": "nothing we offer",
            "reasons": "Serious diagnosis; SURGERY recommended;surgery recommended; not a reason",
            "my_questions": "What else?\n\n  Why now?  ;",
            "patient_name": "Ada",
            "not_a_field": "x",
        }));
        assert_eq!(out["records_delivery"], "second_opinion_doctor");
        assert!(out.get("records_format").is_none(), "{out}");
        assert_eq!(
            out["reasons"],
            serde_json::json!(["serious_diagnosis", "surgery_recommended"])
        );
        assert_eq!(
            out["my_questions"],
            serde_json::json!(["What else?", "Why now?"])
        );
        assert_eq!(out["patient_name"], "Ada");
        assert!(out.get("not_a_field").is_none());
    }

    #[test]
    fn arrays_keep_their_entries_and_letters_are_rusts() {
        let out = tidy(serde_json::json!({
            "reasons": ["serious diagnosis", null, 3, "Serious_Diagnosis"],
            "my_questions": ["  ", "¿Por qué?", 42, true, null],
        }));
        assert_eq!(out["reasons"], serde_json::json!(["serious_diagnosis"]));
        assert_eq!(
            out["my_questions"],
            serde_json::json!(["¿Por qué?", "42", "true"])
        );
    }
}
