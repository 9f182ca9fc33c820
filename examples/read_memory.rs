//! Peak memory of reading one intake file, without rendering: what reading
//! itself holds. Used to check that `intake_file::read_each` stays flat as a sheet
//! grows (only the file's own bytes should grow with it).
//!
//!     cargo run --release --example read_memory -- FILE [each|read]
//!
//! `each` (the default) reads entry by entry, as `build` does; `read`
//! collects every entry first, as the whole-file API does. Prints the
//! number of records and the process's peak resident memory (VmHWM, Linux).

use std::path::Path;

use second_opinion_core::input::InputOptions;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: read_memory FILE [each|read]");
        std::process::exit(2);
    };
    let path = Path::new(path);
    let options = InputOptions::default();
    let started = std::time::Instant::now();
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut count = |good: bool| if good { ok += 1 } else { failed += 1 };
    let result = if args.get(2).map(String::as_str) == Some("read") {
        second_opinion::intake_file::read(path, &options).map(|file| {
            for entry in &file.entries {
                count(entry.is_ok());
            }
        })
    } else {
        second_opinion::intake_file::read_each(path, &options, &mut |entry| count(entry.is_ok()))
            .map(drop)
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(2);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: unknown");
    println!(
        "{ok} records, {failed} failed, {:.2?}; {peak}",
        started.elapsed()
    );
}
