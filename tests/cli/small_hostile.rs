//! The smaller hostile cases of issue 25: long JSON keys, a leading byte
//! order mark, a closed standard output, long unbroken values, private-use
//! characters.

use std::fs;
use std::process::Stdio;
use std::time::Instant;

use crate::support::{Case, DATE, MARKER, listing, minimal, pdf_text, require};

/// A JSON key of a few megabytes is no field name: it is reported as an
/// unknown key without comparing it, letter by letter, with every field
/// (10 MB took 8 s in a release build before). The bound is loose: the
/// debug binary took far longer than this before the fix.
#[test]
fn a_huge_unknown_key_is_not_compared_with_every_field() {
    let case = Case::new();
    let key = format!("{MARKER}{}", "k".repeat(3_000_000));
    let mut record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&minimal("Ann Lee")).unwrap();
    record.insert(key, "x".into());
    let input = case.write("big-key.json", &serde_json::to_string(&record).unwrap());
    let started = Instant::now();
    let run = case.run(&["validate", input.to_str().unwrap()]);
    let took = started.elapsed().as_secs_f64();
    run.assert_code(2)
        .assert_stderr_has("unknown field")
        .assert_stderr_has("(a key that is not a field name)");
    assert!(!run.stderr().contains(MARKER), "{}", run.stderr());
    assert!(took < 10.0, "validate took {took:.1} s");
}

/// A name pasted with a byte-order mark in front: `validate` and `build`
/// agree (both accept it, the mark is dropped), and nothing prints it.
#[test]
fn a_leading_byte_order_mark_is_dropped_by_validate_and_build_alike() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let input = case.write("bom.json", &minimal("\u{FEFF}Ann Lee\u{FEFF}"));
    case.run(&["validate", input.to_str().unwrap()])
        .assert_code(0);
    case.build("bom.json", "out", &[]).assert_code(0);
    let zip = case.path("out/Ann-Lee.zip");
    assert!(zip.exists(), "{:?}", listing(&case.path("out")));
    let dir = case.unzip(&zip, "x");
    let text = pdf_text(&dir.join("checklist.pdf"));
    assert!(text.contains("Ann Lee"), "{text}");
    assert!(!text.contains('\u{FEFF}'));
}

/// Private-use characters print as whatever the font keeps there ("Ann fb"
/// for one): the field is refused by name, never shown.
#[test]
fn private_use_characters_are_refused_by_field() {
    let case = Case::new();
    let input = case.write(
        "pua.json",
        &format!(
            "[{}, {}]",
            minimal("Ann \u{E000}\u{F8FF}"),
            minimal("Bo Lee")
        ),
    );
    let run = case.build(input.to_str().unwrap(), "out", &[]);
    run.assert_code(1)
        .assert_stderr_has("patient_name")
        .assert_stderr_has("private-use characters");
    assert!(!run.stderr().contains("Ann"), "{}", run.stderr());
    case.run(&["validate", input.to_str().unwrap()])
        .assert_code(1)
        .assert_stderr_has("private-use characters");
}

/// A full standard output (`>/dev/full`) after a good run: the exit code is
/// the run's (0), not a panic's 101, and standard error says the summary
/// was lost. A reader that has gone (`| head -c0`) is the same.
#[test]
fn a_full_or_closed_standard_output_keeps_the_runs_exit_code() {
    let case = Case::new();
    let input = case.write("one.json", &minimal("Ann Lee"));
    let full = case
        .command(&[
            "build",
            input.to_str().unwrap(),
            "--out",
            "out",
            "--date",
            DATE,
        ])
        .stdout(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("standard output is closed or full"),
        "{stderr}"
    );
    assert!(case.path("out/Ann-Lee.zip").exists());

    // A pipe whose reader closed before the summary was written.
    let mut child = case
        .command(&["validate", input.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
