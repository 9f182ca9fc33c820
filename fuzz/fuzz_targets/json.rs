//! JSON intake files: arbitrary bytes through the JSON reader and the
//! record stage.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::quiet_panics();
    match second_opinion_core::input::json::read(Path::new("fuzz.json"), data) {
        Ok(file) => common::check(file),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
