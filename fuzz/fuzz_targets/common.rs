#![allow(dead_code)]
//! Shared by the targets: runs the record stage on what a reader produced,
//! as `validate` and `build` do.

use chrono::NaiveDate;
use second_opinion_core::input::InputFile;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("a real date")
}

/// Checks every record of a file; a reader's output must never make the
/// record stage panic, and messages are always built.
pub fn check(file: InputFile) {
    for warning in &file.warnings {
        assert!(!warning.text.is_empty());
    }
    for entry in file.entries {
        match entry.and_then(|raw| second_opinion_core::record::from_raw(raw, today())) {
            Ok(_) => {}
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

/// Silences the panic hook, as the program does (`app::quiet_panics`):
/// panics the program catches itself (calamine's, inside
/// `input::sheet::read_each_with`; Typst's, inside `Renderer::render`) become
/// "damaged workbook" / "could not build" results, not crashes. A panic that
/// escapes the program's code still reaches libfuzzer-sys, which aborts and
/// saves the input.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}
