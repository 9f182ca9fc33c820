//! Workbooks (and anything named like one): arbitrary bytes through format
//! detection, calamine and the table rules. The first byte chooses the file
//! name the bytes are read under.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use second_opinion_core::input::{InputOptions, read_bytes};

#[path = "common.rs"]
mod common;

const NAMES: &[&str] = &[
    "fuzz.xlsx",
    "fuzz.xlsm",
    "fuzz.xlsb",
    "fuzz.xls",
    "fuzz.ods",
    "fuzz.csv",
    "FUZZ.XLSX",
    "fuzz",
];

fuzz_target!(|data: &[u8]| {
    common::quiet_panics();
    let (name, bytes) = match data.split_first() {
        Some((&choice, rest)) if choice >= 0xF8 => (NAMES[usize::from(choice - 0xF8)], rest),
        _ => ("fuzz.xlsx", data),
    };
    match read_bytes(Path::new(name), bytes, &InputOptions::default()) {
        Ok(file) => common::check(file),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
