//! End-to-end tests: the real binary in temporary folders, its outputs read
//! back with real tools (unzip, pdftotext, pdfinfo, pdffonts, qpdf). One
//! test binary (`cargo test --test cli`): this file holds the first tests
//! and names the modules that hold the rest; `support.rs` holds what they
//! share. A test that runs a program from outside starts with `require!`,
//! so that without the program it is skipped, saying what to install (or,
//! under CI, fails).

mod support;

// Issue 9 and its hardening: the bad-input corpus, field values (leaks,
// scripts), faults.
mod corpus;
mod faults;
mod limits;
mod safety;
mod values;
// The packet's content (issue 10).
mod content;
// The workspace: the WebAssembly build, doc links, golden packets.
mod workspace;
// The browser edition.
mod web;
// Shards and a Slurm job array (issue 13).
mod scale;
// Issue 25: hostile files on the newer surfaces.
mod images;
mod locks;
mod merge_hostile;
mod small_hostile;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{
    Case, DATE, ENTRIES, MARKER, checked, fixture, minimal, pages, pdf_text, require, sample,
    sample_file, tool, word_heights, zip_entries,
};

#[test]
fn sample_packet_holds_every_document_with_the_patients_data() {
    require!("pdftotext", "pdfinfo", "pdffonts", "qpdf", "unzip");
    let case = Case::new();
    let input = case.write("patient.json", &sample());
    case.build(input.to_str().unwrap(), "out", &[])
        .assert_code(0);
    let zip = case.path("out/SO-2026-0042.zip");
    assert_eq!(zip_entries(&zip), ENTRIES);
    tool("unzip", &["-tq"], &zip);
    let dir = case.unzip(&zip, "x");

    for entry in ENTRIES {
        let pdf = dir.join(entry);
        tool("qpdf", &["--check"], &pdf);
        let info = tool("pdfinfo", &[], &pdf);
        assert!(info.contains("Tagged:          yes"), "{entry}: {info}");
        assert!(
            info.contains("Page size:       612 x 792 pts"),
            "{entry}: {info}"
        );
        assert!(
            info.lines()
                .any(|l| l.starts_with("Title:") && l.len() > 20),
            "{entry} has a title: {info}"
        );
        let fonts = tool("pdffonts", &[], &pdf);
        for line in fonts.lines().skip(2) {
            assert!(
                line.contains(" yes "),
                "{entry}: every font embedded: {line}"
            );
        }
        let text = pdf_text(&pdf);
        assert!(
            text.contains("Jordan A. Rivera"),
            "{entry} names the patient on every page"
        );
        assert!(
            text.contains("April 9, 1968"),
            "{entry} shows the date of birth"
        );
        assert!(text.contains("Page 1 of"), "{entry} numbers its pages");
    }

    let letter = pdf_text(&dir.join("records-request-letter.pdf"));
    for expected in [
        "00482913",
        "164.524",
        "30 calendar days",
        "Dr. Samuel Okafor",
        "University Spine Center",
        "1500 College Avenue",
        "January 1, 2025",
        "November 23, 2026",
        "Lakeside Orthopedic Associates",
        "Signature",
    ] {
        assert!(
            letter.contains(expected),
            "letter mentions {expected}:\n{letter}"
        );
    }
    let script = pdf_text(&dir.join("insurance-call-script.pdf"));
    for expected in [
        "PHP778102553",
        "GRP-20410",
        "1-800-555-0175",
        "Prairie Health Plan",
        "network",
        "reference number",
    ] {
        assert!(
            script.contains(expected),
            "script mentions {expected}:\n{script}"
        );
    }
    let questions = pdf_text(&dir.join("second-opinion-questions.pdf"));
    assert!(
        questions.contains("Can I keep working while I decide?"),
        "own questions are printed"
    );
    assert!(questions.contains("Lumbar spinal fusion"));
    let table = pdf_text(&dir.join("opinion-comparison-table.pdf"));
    for expected in [
        "Dr. Priya Natarajan",
        "Dr. Samuel Okafor",
        "Main treatment plan",
        "Risks",
    ] {
        assert!(table.contains(expected), "table shows {expected}:\n{table}");
    }
    let sum: usize = ENTRIES[..7].iter().map(|e| pages(&dir.join(e))).sum();
    assert_eq!(
        pages(&dir.join("packet.pdf")),
        sum,
        "packet.pdf holds every page"
    );
    let title = tool("pdfinfo", &[], &dir.join("records-request-letter.pdf"));
    assert!(title.contains("Records request"), "{title}");
}

#[test]
fn markup_in_data_prints_literally() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let name = r#"*Ann* #import "x" $y$ [z] @w <v> // u"#;
    let input = case.write("p.json", &minimal(name));
    case.build(input.to_str().unwrap(), "out", &[])
        .assert_code(0);
    let zip = case.path("out/Ann-import-x-y-z-w-v-u.zip");
    let dir = case.unzip(&zip, "x");
    for entry in ENTRIES {
        assert!(
            pdf_text(&dir.join(entry)).contains(name),
            "{entry} prints the name literally"
        );
    }
}

#[test]
fn same_input_and_date_give_identical_zips() {
    let case = Case::new();
    let input = case.write("p.json", &sample());
    case.build(input.to_str().unwrap(), "a", &[]).assert_code(0);
    case.build(input.to_str().unwrap(), "b", &["--jobs", "1"])
        .assert_code(0);
    let a = fs::read(case.path("a/SO-2026-0042.zip")).unwrap();
    let b = fs::read(case.path("b/SO-2026-0042.zip")).unwrap();
    assert!(a == b, "byte-identical packets");
    case.run(&[
        "build",
        input.to_str().unwrap(),
        "--out",
        "c",
        "--date",
        "2026-11-24",
    ])
    .assert_code(0);
    assert!(
        a != fs::read(case.path("c/SO-2026-0042.zip")).unwrap(),
        "the run date is printed, so it changes the bytes"
    );
}

#[test]
fn source_date_epoch_sets_the_run_date() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let input = case.write("p.json", &minimal("Ann Lee"));
    case.run_env(
        &["build", input.to_str().unwrap(), "--out", "out"],
        &[("SOURCE_DATE_EPOCH", "1795478400")], // 2026-11-24 00:00 UTC
    )
    .assert_code(0);
    let dir = case.unzip(&case.path("out/Ann-Lee.zip"), "x");
    assert!(pdf_text(&dir.join("records-request-letter.pdf")).contains("November 24, 2026"));
}

#[test]
fn a4_paper() {
    require!("pdfinfo", "unzip");
    let case = Case::new();
    let input = case.write("p.json", &minimal("Ann Lee"));
    case.build(input.to_str().unwrap(), "out", &["--paper", "a4"])
        .assert_code(0);
    let dir = case.unzip(&case.path("out/Ann-Lee.zip"), "x");
    let info = tool("pdfinfo", &[], &dir.join("packet.pdf"));
    assert!(info.contains("595.276 x 841.89 pts"), "{info}");
}

#[test]
fn bad_records_do_not_stop_good_ones_and_never_leak_values() {
    let case = Case::new();
    let records = serde_json::json!([
        {"patient_name": "Good One", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": MARKER, "date_of_birth": "1950-02-30", "current_doctor": MARKER, "medical_record_number": 1234},
        {"patient_name": "Typo", "date_of_brith": MARKER, "current_doctor": "Dr. Lee"},
        {"patient_name": "Good Two", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee", "diagnosis": MARKER}
    ]);
    let input = case.write("batch.json", &records.to_string());
    let run = case.build(input.to_str().unwrap(), "out", &[]);
    run.assert_code(1);
    let stderr = run.stderr();
    assert!(stderr.contains("batch.json, record 2"), "{stderr}");
    assert!(
        stderr.contains("date_of_birth: is not a real calendar date"),
        "{stderr}"
    );
    assert!(stderr.contains("medical_record_number"), "{stderr}");
    assert!(stderr.contains("batch.json, record 3"), "{stderr}");
    assert!(
        stderr.contains("\"date_of_brith\"") && stderr.contains("date_of_birth"),
        "unknown field named with a suggestion: {stderr}"
    );
    assert!(case.path("out/Good-One.zip").exists());
    assert!(case.path("out/Good-Two.zip").exists());
    assert_eq!(
        fs::read_dir(case.path("out")).unwrap().count(),
        3,
        "two packets and the report, nothing else"
    );
    let report = fs::read_to_string(case.path("out/report.csv")).unwrap();
    assert!(report.starts_with("source_file,position,packet,status,field,problem,how_to_fix"));
    assert!(
        report.contains("batch.json,record 1,Good-One.zip,built"),
        "{report}"
    );
    assert!(
        report.contains("batch.json,record 2,,failed,date_of_birth,"),
        "{report}"
    );
    for text in [run.stdout(), stderr, report] {
        assert!(
            !text.contains(MARKER),
            "no field value is ever shown:\n{text}"
        );
    }
}

#[test]
fn nothing_buildable_is_exit_code_2() {
    let case = Case::new();
    let input = case.write(
        "bad.json",
        &serde_json::json!({"patient_name": "A"}).to_string(),
    );
    let run = case.build(input.to_str().unwrap(), "out", &[]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("date_of_birth: is required but empty"),
        "{}",
        run.stderr()
    );
}

#[test]
fn broken_json_is_reported_by_line_and_column() {
    let case = Case::new();
    let input = case.write(
        "broken.json",
        &format!("{{\n  \"patient_name\": \"{MARKER}\"\n  \"date_of_birth\": \"1950-01-01\"\n}}"),
    );
    let run = case.build(input.to_str().unwrap(), "out", &[]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("broken.json: line 3, column 3"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("hint:"), "{}", run.stderr());
    assert!(!run.stderr().contains(MARKER));
    assert!(
        !case.path("out").exists(),
        "nothing is written when the input cannot be read"
    );
}

#[test]
fn missing_input_and_bad_options_are_usage_errors() {
    let case = Case::new();
    let run = case.build("nope.json", "out", &[]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("nope.json: could not read the file"),
        "{}",
        run.stderr()
    );
    let input = case.write("p.json", &minimal("Ann"));
    case.run(&["build", input.to_str().unwrap(), "--date", "2026-13-01"])
        .assert_code(2);
    case.run(&[
        "build",
        input.to_str().unwrap(),
        "--jobs",
        "0",
        "--date",
        DATE,
    ])
    .assert_code(2);
    case.run(&["build"]).assert_code(2);
}

#[test]
fn existing_packets_are_kept_without_force() {
    let case = Case::new();
    let input = case.write("p.json", &minimal("Ann Lee"));
    case.build(input.to_str().unwrap(), "out", &[])
        .assert_code(0);
    fs::write(case.path("out/Ann-Lee.zip"), b"keep me").unwrap();
    let run = case.build(input.to_str().unwrap(), "out", &[]);
    run.assert_code(2);
    assert!(run.stderr().contains("--force"), "{}", run.stderr());
    assert_eq!(fs::read(case.path("out/Ann-Lee.zip")).unwrap(), b"keep me");
    case.build(input.to_str().unwrap(), "out", &["--force"])
        .assert_code(0);
    assert_ne!(fs::read(case.path("out/Ann-Lee.zip")).unwrap(), b"keep me");
}

#[test]
fn file_names_are_safe_and_unique() {
    let case = Case::new();
    let long = "x".repeat(300);
    let records = serde_json::json!([
        {"patient_name": "Maria Garcia", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "MARIA GARCIA", "date_of_birth": "1960-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "../../etc/passwd", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "CON", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": long, "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "///", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "Ann", "packet_id": "../Case 7", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"}
    ]);
    let input = case.write("names.json", &records.to_string());
    case.build(input.to_str().unwrap(), "out", &["--jobs", "2"])
        .assert_code(0);
    let mut names: Vec<String> = fs::read_dir(case.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected_long = format!("{}.zip", "x".repeat(60));
    let mut expected = vec![
        "Case-7.zip",
        "CON-packet.zip",
        "MARIA-GARCIA-2.zip",
        "Maria-Garcia.zip",
        "etc-passwd.zip",
        "patient.zip",
        "report.csv",
        expected_long.as_str(),
    ];
    expected.sort();
    assert_eq!(names, expected);
    assert!(
        fs::read_dir(case.dir.path()).unwrap().all(|e| {
            let n = e.unwrap().file_name();
            n == "out" || n == "names.json"
        }),
        "nothing written outside the output folder"
    );
}

#[test]
fn validate_lists_every_problem_and_writes_nothing() {
    let case = Case::new();
    let records = serde_json::json!([
        {"patient_name": "Good", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "Bad", "date_of_birth": "31/01/1950", "reasons": ["surgery", 3]}
    ]);
    let input = case.write("v.json", &records.to_string());
    let run = case.run(&["validate", input.to_str().unwrap(), "--date", DATE]);
    run.assert_code(1);
    let err = run.stderr();
    assert!(err.contains("1 of 2 records can be built"), "{err}");
    assert!(err.contains("v.json, record 2"), "{err}");
    assert!(
        err.contains("date_of_birth: is not a date in a format we can read"),
        "{err}"
    );
    assert!(
        err.contains("reasons: holds a list with a number in it"),
        "{err}"
    );
    assert!(
        err.contains("current_doctor: is required but empty"),
        "{err}"
    );
    assert_eq!(
        fs::read_dir(case.dir.path()).unwrap().count(),
        1,
        "validate writes nothing"
    );
    let good = case.write("g.json", &minimal("Ann"));
    let run = case.run(&["validate", good.to_str().unwrap()]);
    run.assert_code(0);
    assert!(
        run.stdout().contains("1 of 1 record can be built"),
        "{}",
        run.stdout()
    );
}

#[test]
fn init_writes_a_form_that_validate_understands() {
    let case = Case::new();
    case.run(&["init"]).assert_code(0);
    let run = case.run(&["validate", "intake.json"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("patient_name: is required but empty"),
        "{}",
        run.stderr()
    );
    case.run(&["init"]).assert_code(2);
    case.run(&["init", "example.json", "--example"])
        .assert_code(0);
    case.run(&["validate", "example.json", "--date", DATE])
        .assert_code(0);
}

#[test]
fn bundle_holds_every_packet_and_the_report() {
    require!("unzip");
    let case = Case::new();
    let records = serde_json::json!([
        {"patient_name": "Ann Lee", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "Bad", "date_of_birth": "1950-01-32", "current_doctor": "Dr. Lee"},
        {"patient_name": "Bo Chan", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"}
    ]);
    let input = case.write("b.json", &records.to_string());
    let run = case.build(input.to_str().unwrap(), "out", &["--bundle"]);
    run.assert_code(1);
    assert!(run.stderr().contains("all-packets.zip"), "{}", run.stderr());
    let bundle = case.path("out/all-packets.zip");
    tool("unzip", &["-tq"], &bundle);
    assert_eq!(
        zip_entries(&bundle),
        ["Ann-Lee.zip", "Bo-Chan.zip", "report.csv"]
    );
    let inner = case.unzip(&bundle, "inner");
    assert_eq!(
        fs::read(inner.join("Ann-Lee.zip")).unwrap(),
        fs::read(case.path("out/Ann-Lee.zip")).unwrap()
    );
    // A second run without --force keeps the existing bundle and says why.
    let again = case.build(input.to_str().unwrap(), "out", &["--bundle"]);
    again.assert_code(2);
    assert!(
        again.stderr().contains("all-packets.zip already exists"),
        "{}",
        again.stderr()
    );
}

#[test]
fn init_spreadsheet_writes_headers_and_a_field_guide() {
    use calamine::{Reader, open_workbook_auto};
    let case = Case::new();
    case.run(&["init", "--spreadsheet", "intake.xlsx"])
        .assert_code(0);
    let mut book = open_workbook_auto(case.path("intake.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["Patients", "Field guide"]);
    let patients = book.worksheet_range("Patients").unwrap();
    let headers: Vec<String> = patients
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        &headers[..3],
        ["packet_id", "patient_name", "date_of_birth"]
    );
    let guide = book.worksheet_range("Field guide").unwrap();
    assert_eq!(
        guide.height(),
        headers.len() + 1,
        "one explanation per column"
    );
    case.run(&["init", "--spreadsheet", "intake.xlsx"])
        .assert_code(2);
}

#[test]
fn sample_spreadsheet_builds_one_packet_per_row() {
    let case = Case::new();
    case.build(&sample_file("patients.xlsx"), "out", &["--quiet"])
        .assert_code(0);
    let report = fs::read_to_string(case.path("out/report.csv")).unwrap();
    let lines: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(lines.len(), 12, "{report}");
    assert!(lines[0].starts_with("patients.xlsx,row 2,"), "{report}");
    assert!(lines.iter().all(|l| l.contains(",built,")), "{report}");
    let zips = fs::read_dir(case.path("out"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "zip")
        })
        .count();
    assert_eq!(zips, 12);
    // The CSV sample holds the same patients and builds the same packets.
    case.build(&sample_file("patients.csv"), "csv", &["--quiet"])
        .assert_code(0);
    let mut a: Vec<_> = fs::read_dir(case.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut b: Vec<_> = fs::read_dir(case.path("csv"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn bad_spreadsheet_rows_are_reported_by_row_and_column_and_good_rows_built() {
    let case = Case::new();
    let run = case.build(&fixture("dates.xlsx"), "out", &["--quiet"]);
    run.assert_code(1);
    let err = run.stderr();
    assert!(err.contains("dates.xlsx, sheet \"Dates\", row 5:"), "{err}");
    assert!(
        err.contains("date_of_birth: is not a real calendar date"),
        "{err}"
    );
    let report = fs::read_to_string(case.path("out/report.csv")).unwrap();
    assert_eq!(
        report.lines().filter(|l| l.contains(",built,")).count(),
        4,
        "{report}"
    );
    assert!(
        report.contains("dates.xlsx,row 5,,failed,date_of_birth,"),
        "{report}"
    );
}

#[test]
fn spreadsheet_formats_are_read_by_content_and_options() {
    let case = Case::new();
    for (file, order) in [
        ("clean.xls", "mdy"),
        ("clean.ods", "mdy"),
        ("PATIENTS.XLSX", "mdy"),
        ("utf16be.csv", "mdy"),
        ("semicolon.csv", "dmy"),
    ] {
        let args = [
            "validate",
            &fixture(file),
            "--date",
            DATE,
            "--date-order",
            order,
        ];
        let run = case.run(&args);
        assert_eq!(run.code(), 0, "{file}: {}", run.stderr());
    }
    let run = case.run(&["validate", &fixture("windows1252.csv"), "--date", DATE]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("--encoding windows-1252"),
        "{}",
        run.stderr()
    );
    case.run(&[
        "validate",
        &fixture("windows1252.csv"),
        "--date",
        DATE,
        "--encoding",
        "windows-1252",
    ])
    .assert_code(0);
    let run = case.run(&["validate", &fixture("encrypted.xlsx")]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("password-protected"),
        "{}",
        run.stderr()
    );
    let run = case.run(&["validate", &fixture("missing_columns.xlsx")]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("no column for the required fields"),
        "{}",
        run.stderr()
    );
    let run = case.run(&["validate", &fixture("clean.xlsx"), "--sheet", "Nope"]);
    run.assert_code(2);
}

/// The median height of the words on a PDF's first page, in points: a
/// stand-in for the body text size.
fn median_word_height(pdf: &Path) -> f64 {
    median_word_height_of(pdf, &["-f", "1", "-l", "1"])
}

/// The same over the pages `pages` selects (pdftotext's -f/-l; none: all).
fn median_word_height_of(pdf: &Path, pages: &[&str]) -> f64 {
    let mut heights = word_heights(pdf, pages);
    heights.sort_by(|a, b| a.partial_cmp(b).unwrap());
    heights[heights.len() / 2]
}

#[test]
fn clinic_profile_appears_on_the_cover_and_question_sheet_only() {
    require!("pdftotext", "pdfinfo", "qpdf", "unzip");
    let case = Case::new();
    let profile = sample_file("clinic.json");
    case.build(&sample_file("patient.json"), "out", &["--clinic", &profile])
        .assert_code(0);
    let dir = case.unzip(&case.path("out/SO-2026-0042.zip"), "x");
    assert!(pdf_text(&dir.join("checklist.pdf")).contains("Riverside Community Health Center"));
    assert!(pdf_text(&dir.join("checklist.pdf")).contains("patient navigator"));
    assert!(
        pdf_text(&dir.join("second-opinion-questions.pdf"))
            .contains("Riverside Community Health Center")
    );
    assert!(
        !pdf_text(&dir.join("records-request-letter.pdf")).contains("Riverside"),
        "the letter stays in the patient's name"
    );
    tool("qpdf", &["--check"], &dir.join("checklist.pdf"));

    // A profile with paper a4 sets the default; --paper still wins.
    let a4 = case.write("a4.json", r#"{"name": "A4 Clinic", "paper": "a4"}"#);
    case.build(
        &sample_file("patient.json"),
        "a4",
        &["--clinic", a4.to_str().unwrap()],
    )
    .assert_code(0);
    let dir = case.unzip(&case.path("a4/SO-2026-0042.zip"), "y");
    assert!(tool("pdfinfo", &[], &dir.join("packet.pdf")).contains("595.276 x 841.89 pts"));
    case.build(
        &sample_file("patient.json"),
        "letter",
        &["--clinic", a4.to_str().unwrap(), "--paper", "letter"],
    )
    .assert_code(0);
    let dir = case.unzip(&case.path("letter/SO-2026-0042.zip"), "z");
    assert!(tool("pdfinfo", &[], &dir.join("packet.pdf")).contains("612 x 792 pts"));

    // A missing logo stops the run before anything is written.
    let broken = case.write("broken.json", r#"{"name": "X", "logo": "missing.png"}"#);
    let run = case.build(
        &sample_file("patient.json"),
        "none",
        &["--clinic", broken.to_str().unwrap()],
    );
    run.assert_code(2);
    assert!(
        run.stderr().contains("could not read the clinic logo"),
        "{}",
        run.stderr()
    );
    assert!(!case.path("none").exists());
}

#[test]
fn init_clinic_writes_a_profile_build_accepts() {
    let case = Case::new();
    case.run(&["init", "--clinic", "clinic.json"])
        .assert_code(0);
    let input = case.write("p.json", &minimal("Ann Lee"));
    case.build(input.to_str().unwrap(), "out", &["--clinic", "clinic.json"])
        .assert_code(0);
}

/// Adds `tpl/en/parking.typ`, a clinic document whose body is `body`,
/// builds the sample patient with `--templates tpl`, checks the ZIP holds the
/// built-in documents and `parking.pdf`, and unpacks it.
fn build_with_parking(case: &Case, body: &str) -> PathBuf {
    fs::create_dir_all(case.path("tpl/en")).unwrap();
    case.write(
        "tpl/en/parking.typ",
        &format!(
            "#import \"/lib.typ\": *\n#let title(d) = \"Parking and directions\"\n#let summary(d) = [How to find us.]\n#let body(d) = [\n{body}]\n"
        ),
    );
    case.build(&sample_file("patient.json"), "out", &["--templates", "tpl"])
        .assert_code(0);
    let zip = case.path("out/SO-2026-0042.zip");
    let mut expected: Vec<&str> = ENTRIES[..7].to_vec();
    expected.extend(["parking.pdf", "packet.pdf"]);
    assert_eq!(zip_entries(&zip), expected);
    case.unzip(&zip, "x")
}

#[test]
fn custom_templates_override_and_add_documents() {
    require!("pdftotext", "pdfinfo", "unzip");
    let case = Case::new();
    case.run(&["templates", "export", "tpl"]).assert_code(0);
    assert!(case.path("tpl/en/checklist.typ").is_file() && case.path("tpl/README.md").is_file());
    // Keep only what we change: the rest falls back to the built-in files.
    fs::remove_dir_all(case.path("tpl")).unwrap();
    fs::create_dir_all(case.path("tpl/en")).unwrap();
    case.write(
        "tpl/en/opinion-comparison-table.typ",
        "#import \"/lib.typ\": *\n#let title(d) = \"Clinic comparison sheet\"\n#let summary(d) = [Our own sheet.]\n#let body(d) = [\n  = Our comparison sheet\n  Prepared for #d.patient.patient_name.\n]\n",
    );
    let dir = build_with_parking(&case, "  = Parking and directions\n  Park in garage B.\n");
    assert!(
        pdf_text(&dir.join("opinion-comparison-table.pdf"))
            .contains("Prepared for Jordan A. Rivera")
    );
    assert!(pdf_text(&dir.join("parking.pdf")).contains("Park in garage B."));
    assert!(
        pdf_text(&dir.join("checklist.pdf")).contains("Parking and directions"),
        "the cover lists the added document"
    );
    assert!(tool("pdfinfo", &[], &dir.join("parking.pdf")).contains("Parking and directions"));
    assert!(pdf_text(&dir.join("packet.pdf")).contains("Park in garage B."));
}

/// A clinic document that links to the packet's first page (the cover
/// checklist, another document) and to its own heading. The packet cannot be
/// cut apart with that link in it, so each document is exported on its own
/// (the split's fallback, bench/PROFILE.md change 3): the standalone
/// document keeps its own link and drops the one into another document,
/// which Typst would otherwise point at the document's own first page.
#[test]
fn a_link_into_another_document_leaves_the_document_alone_but_not_the_packet() {
    require!("pdftotext", "qpdf", "unzip");
    let case = Case::new();
    let dir = build_with_parking(
        &case,
        "  = Parking and directions <parking>\n  Park in garage B.\n  #link((page: 1, x: 0pt, y: 0pt))[Back to the checklist]\n  #link(<parking>)[Top of this page]\n",
    );
    // Every object written out plainly, so the link annotations can be read.
    let plain = |name: &str| {
        let out = case.path(&format!("plain-{name}"));
        checked(
            &format!("qpdf --qdf {name}"),
            Command::new("qpdf")
                .args(["--qdf", "--object-streams=disable"])
                .arg(dir.join(name))
                .arg(&out),
        );
        String::from_utf8_lossy(&fs::read(out).unwrap()).into_owned()
    };
    for name in zip_entries(&case.path("out/SO-2026-0042.zip")) {
        tool("qpdf", &["--check"], &dir.join(name));
    }
    assert_eq!(plain("packet.pdf").matches("/Subtype /Link").count(), 2);
    let parking = plain("parking.pdf");
    assert_eq!(
        parking.matches("/Subtype /Link").count(),
        1,
        "only the link to its own page stays"
    );
    assert!(parking.contains("/Dest (parking)"), "the own link stays");
    assert_eq!(
        tool("qpdf", &["--show-npages"], &dir.join("parking.pdf")).trim(),
        "1"
    );
    let text = pdf_text(&dir.join("parking.pdf"));
    assert!(
        text.contains("Park in garage B. Back to the checklist Top of this page"),
        "{text}"
    );
    assert!(pdf_text(&dir.join("checklist.pdf")).contains("Parking and directions"));
}

#[test]
fn a_broken_template_stops_the_run_with_its_line_and_writes_nothing() {
    let case = Case::new();
    fs::create_dir_all(case.path("tpl/en")).unwrap();
    case.write(
        "tpl/en/checklist.typ",
        "#import \"/lib.typ\": *\n#let title(d) = \"Broken\"\n#let summary(d) = [x]\n#let body(d) = [\n  = Broken\n  #no-such-function(d)\n]\n",
    );
    let run = case.build(&sample_file("patient.json"), "out", &["--templates", "tpl"]);
    run.assert_code(2);
    let err = run.stderr();
    assert!(err.contains("checklist.typ could not be built"), "{err}");
    assert!(
        err.contains("en/checklist.typ:6:"),
        "file, line and column: {err}"
    );
    assert!(err.contains("unknown variable"), "{err}");
    assert!(!case.path("out").exists(), "nothing written");
    // A template cannot read files outside its folder.
    case.write(
        "tpl/en/checklist.typ",
        "#import \"/lib.typ\": *\n#let title(d) = \"Reader\"\n#let summary(d) = [x]\n#let body(d) = [\n  = Reader\n  #read(\"/etc/passwd\")\n]\n",
    );
    let run = case.build(&sample_file("patient.json"), "out", &["--templates", "tpl"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("not found") || run.stderr().contains("file"),
        "{}",
        run.stderr()
    );
    // Mistakes that show only when the documents are built together (here
    // one label used by two documents) are found by the same check.
    for name in ["extra-one", "extra-two"] {
        case.write(
            &format!("tpl/en/{name}.typ"),
            "#import \"/lib.typ\": *\n#let title(d) = \"Extra\"\n#let summary(d) = [x]\n#let body(d) = [\n  = Extra <top>\n  #link(<top>)[top]\n]\n",
        );
    }
    fs::remove_file(case.path("tpl/en/checklist.typ")).unwrap();
    let run = case.build(&sample_file("patient.json"), "out", &["--templates", "tpl"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("could not be built"),
        "{}",
        run.stderr()
    );
    assert!(!case.path("out").exists(), "nothing written");
}

#[test]
fn large_print_has_body_text_of_at_least_16_points() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    case.build(&sample_file("patient.json"), "normal", &[])
        .assert_code(0);
    case.build(&sample_file("patient.json"), "large", &["--large-print"])
        .assert_code(0);
    let normal = case.unzip(&case.path("normal/SO-2026-0042.zip"), "n");
    let large = case.unzip(&case.path("large/SO-2026-0042.zip"), "l");
    for entry in &ENTRIES[..7] {
        // The comparison table fills its first page on its own since issue
        // 10 (all eight rows on one page), and its words there are mostly
        // the 14 pt hints under the row labels: its body text is measured
        // over the whole document.
        let median = |pdf: &Path| {
            if *entry == "opinion-comparison-table.pdf" {
                median_word_height_of(pdf, &[])
            } else {
                median_word_height(pdf)
            }
        };
        let (n, l) = (median(&normal.join(entry)), median(&large.join(entry)));
        // The letter is read by records-office staff, not the patient: it
        // keeps its one-page size in large print (issue 10); its words are
        // still checked below.
        let letter = *entry == "records-request-letter.pdf";
        // pdftotext's word boxes are the font's ascent plus descent: 1.14
        // times the size in Libertinus Serif (regular print), 1.0 times in
        // DejaVu Sans (large print since issue 10). Compare font sizes.
        let (n_pt, l_pt) = (n / 1.14, l);
        assert!(
            letter || l_pt >= 16.0 - 0.05,
            "{entry}: large print words {l_pt:.1} pt (normal {n_pt:.1} pt)"
        );
        assert!(
            letter || l_pt > n_pt * 1.3,
            "{entry}: {l_pt:.1} pt vs {n_pt:.1} pt"
        );
        // Same content: every word of the normal print is there (lines break
        // elsewhere, so hyphens and punctuation are left out of the check).
        let alnum = |t: &str| {
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        };
        let large_text = alnum(&pdf_text(&large.join(entry)));
        let missing: Vec<String> = pdf_text(&normal.join(entry))
            .split_whitespace()
            .map(alnum)
            .filter(|w| !w.is_empty() && !large_text.contains(w.as_str()))
            .collect();
        assert!(missing.is_empty(), "{entry}: large print lacks {missing:?}");
    }
}

#[test]
fn covered_scripts_print_and_uncovered_ones_are_named_not_boxed() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let names = [
        "Łukasz Żółć-Ørsted",
        "Nguyễn Thị Minh Khai",
        "Ελένη Παπαδοπούλου",
        "Анна Иванова",
    ];
    let mut records: Vec<serde_json::Value> = names
        .iter()
        .map(|n| serde_json::json!({"patient_name": n, "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"}))
        .collect();
    records.push(serde_json::json!({"patient_name": "Wang", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee", "diagnosis": format!("{MARKER} 王小明")}));
    let input = case.write(
        "scripts.json",
        &serde_json::Value::Array(records).to_string(),
    );
    let run = case.build(input.to_str().unwrap(), "out", &["--quiet"]);
    run.assert_code(1);
    assert!(
        run.stderr().contains("scripts.json, record 5"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("diagnosis: has characters the built-in fonts cannot print"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains(MARKER));
    let report = fs::read_to_string(case.path("out/report.csv")).unwrap();
    for (i, name) in names.iter().enumerate() {
        let line = report
            .lines()
            .find(|l| l.starts_with(&format!("scripts.json,record {},", i + 1)))
            .unwrap();
        let packet = line.split(',').nth(2).unwrap();
        let dir = case.unzip(&case.path("out").join(packet), &format!("x{i}"));
        assert!(
            pdf_text(&dir.join("records-request-letter.pdf")).contains(name),
            "{name} prints"
        );
    }
    // validate catches it too, before anything is built.
    case.run(&["validate", input.to_str().unwrap()])
        .assert_code(1);
}

#[test]
fn spanish_packets_by_field_or_for_the_whole_run() {
    require!("pdftotext", "pdfinfo", "qpdf", "unzip");
    let case = Case::new();
    let records = serde_json::json!([
        {"patient_name": "Ana Ruiz", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee", "language": "es"},
        {"patient_name": "Ann Lee", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "Bo Chan", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee", "language": "Español"}
    ]);
    let input = case.write("lang.json", &records.to_string());
    let run = case.build(input.to_str().unwrap(), "out", &["--quiet"]);
    run.assert_code(1);
    assert!(
        run.stderr()
            .contains("language: is not one of the allowed codes"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("en, es"), "{}", run.stderr());
    let es = case.unzip(&case.path("out/Ana-Ruiz.zip"), "es");
    let en = case.unzip(&case.path("out/Ann-Lee.zip"), "en");
    // The letter that is sent stays in English (issue 10); the Spanish
    // reading copy carries the Spanish dates and page frame.
    let letter = pdf_text(&es.join("records-request-letter.pdf"));
    for expected in ["45 CFR 164.524", "November 23, 2026", "January 31, 1950"] {
        assert!(
            letter.contains(expected),
            "the Spanish packet's letter has {expected}:\n{letter}"
        );
    }
    let copy = pdf_text(&es.join("records-request-letter-copy.pdf"));
    for expected in [
        "45 CFR 164.524",
        "23 de noviembre de 2026",
        "31 de enero de 1950",
        "Página 1 de",
    ] {
        assert!(
            copy.contains(expected),
            "Spanish reading copy has {expected}:\n{copy}"
        );
    }
    assert!(pdf_text(&en.join("records-request-letter.pdf")).contains("November 23, 2026"));
    for entry in ENTRIES
        .iter()
        .filter(|e| **e != "records-request-letter.pdf")
        .chain(&["records-request-letter-copy.pdf"])
    {
        let meta = tool("pdfinfo", &["-meta"], &es.join(entry));
        assert!(
            meta.contains("<dc:language><rdf:Bag><rdf:li>es</rdf:li>"),
            "{entry} is tagged Spanish"
        );
        tool("qpdf", &["--check"], &es.join(entry));
    }
    // --language sets the language of records without one.
    case.build(
        input.to_str().unwrap(),
        "all-es",
        &["--quiet", "--language", "es"],
    )
    .assert_code(1);
    let dir = case.unzip(&case.path("all-es/Ann-Lee.zip"), "all-es-x");
    assert!(pdf_text(&dir.join("checklist.pdf")).contains("de noviembre de 2026"));
    case.build(input.to_str().unwrap(), "bad", &["--language", "fr"])
        .assert_code(2);
}
