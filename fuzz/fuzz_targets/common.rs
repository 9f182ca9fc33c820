#![allow(dead_code)]
//! Shared by the targets: runs the record stage on what a reader produced,
//! as `validate` and `build` do.

use chrono::NaiveDate;
use second_opinion::input::InputFile;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("a real date")
}

/// Checks every record of a file; a reader's output must never make the
/// record stage panic, and messages are always built.
pub fn check(file: InputFile) {
    for warning in &file.warnings {
        assert!(!warning.is_empty());
    }
    for entry in file.entries {
        match entry.and_then(|raw| second_opinion::record::from_raw(raw, today())) {
            Ok(patient) => {
                let _ = second_opinion::render::unprintable_fields(&patient);
            }
            Err((origin, problems)) => {
                let _ = origin.to_string();
                assert!(!problems.is_empty(), "a failed record says why");
                for p in problems {
                    let _ = p.to_string();
                }
            }
        }
    }
}
