//! CSV and other delimited text: arbitrary bytes, with the first byte
//! choosing the options (encoding, separator, date order).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use second_opinion_core::input::{InputOptions, TextDates, delimited};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::quiet_panics();
    let (options, bytes) = match data.split_first() {
        Some((&choice, rest)) => {
            let options = InputOptions {
                sheet: None,
                sheet_dates: if choice & 1 == 0 {
                    TextDates::MonthFirst
                } else {
                    TextDates::DayFirst
                },
                encoding: match (choice >> 1) & 3 {
                    0 | 1 => None,
                    2 => Some("windows-1252".into()),
                    _ => Some("utf-16le".into()),
                },
                delimiter: match (choice >> 3) & 3 {
                    0 | 1 => None,
                    2 => Some(b';'),
                    _ => Some(b'\t'),
                },
            };
            (options, rest)
        }
        None => (InputOptions::default(), data),
    };
    match delimited::read(Path::new("fuzz.csv"), bytes, &options) {
        Ok(file) => common::check(file),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
