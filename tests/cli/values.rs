//! Field values: never shown where they must not be, and printed literally
//! where they must.
//!
//! - a leak test: a unique marker in every field value, sent through every
//!   failure path, never appears in stdout, stderr or `report.csv`;
//! - a rendering property: names and diagnoses in the scripts the embedded
//!   fonts cover print literally.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::{Case, Run, listing, pdf_text_raw, require, tool, validate};

/// In every field value of the leak test; never printed or reported.
const LEAK: &str = "QZXLEAKMARKER";
/// A number that only ever appears as a field value.
const LEAK_NUMBER: &str = "918273645";

// ------------------------------------------------------------ leaks

/// Every way a record can fail validation, each carrying the marker in as
/// many fields as the failure allows.
fn leaky_records() -> Vec<serde_json::Value> {
    use serde_json::json;
    let m = LEAK;
    let n: u64 = LEAK_NUMBER.parse().unwrap();
    let base = |extra: serde_json::Value| {
        let mut record = json!({
            "patient_name": format!("{m} Patient"),
            "date_of_birth": "1970-02-03",
            "current_doctor": format!("Dr. {m}"),
            "patient_address": format!("1 {m} Street\n{m} Town"),
            "diagnosis": format!("{m} condition"),
            "insurer": m,
            "member_id": format!("{m}-ID"),
            "my_questions": [format!("{m}?")],
        });
        for (k, v) in extra.as_object().unwrap() {
            record[k] = v.clone();
        }
        record
    };
    vec![
        base(json!({"date_of_birth": m})),
        base(json!({"date_of_birth": format!("{m}-02-03")})),
        base(json!({"date_of_birth": "1970-02-30"})),
        base(json!({"date_of_birth": "2099-01-01"})),
        base(json!({"date_of_birth": "1800-01-01"})),
        base(json!({"date_of_birth": "02/03/1970"})),
        base(json!({"date_of_birth": n})),
        base(json!({"medical_record_number": n})),
        base(json!({"member_id": n as f64 + 0.5})),
        base(json!({"patient_name": true})),
        base(json!({"patient_name": {"first": m, "last": m}})),
        base(json!({"patient_name": [m, m]})),
        base(json!({"reasons": [m, n]})),
        base(json!({"reasons": [[m]]})),
        base(json!({"reasons": [{"code": m}]})),
        base(json!({"reasons": format!("surgery_recommended; {m}")})),
        base(json!({"records_requested": [m]})),
        base(json!({"records_delivery": m})),
        base(json!({"records_format": m})),
        base(json!({"records_delivery": "second_opinion_doctor"})),
        base(json!({"records_since": "2099-01-01"})),
        base(json!({"records_since": m})),
        base(json!({"appointment_date": format!("{m}")})),
        base(json!({"diagnosis": format!("{m}\u{7}")})),
        base(json!({"diagnosis": format!("{m} ").repeat(40)})),
        base(json!({"patient_address": format!("{m}\n").repeat(12)})),
        base(json!({"patient_address": format!("{m} ").repeat(80)})),
        base(json!({"my_questions": vec![format!("{m}?"); 31]})),
        base(json!({"my_questions": [format!("{m} ").repeat(60)]})),
        base(json!({"my_questions": [m, n]})),
        base(json!({"patient_email": m})),
        base(json!({"patient_email": format!("{m}@{m}")})),
        base(json!({"language": m})),
        base(json!({"patient_name": ""})),
        base(json!({"current_doctor": null})),
        base(json!({"diagnosys": m, "patient_nmae": m})),
        json!(m),
        json!([m, n]),
        json!(n),
    ]
}

/// Asserts the marker is nowhere in what a run printed or reported.
fn assert_no_leak(context: &str, texts: &[String]) {
    for text in texts {
        assert!(
            !text.contains(LEAK) && !text.contains(LEAK_NUMBER),
            "{context}: a field value was shown:\n{text}"
        );
    }
}

fn outputs(run: &Run, out: &Path) -> Vec<String> {
    let mut texts = vec![run.stdout(), run.stderr()];
    if let Ok(report) = fs::read_to_string(out.join("report.csv")) {
        texts.push(report);
    }
    if out.is_dir() {
        texts.extend(listing(out));
    }
    texts
}

#[test]
fn no_failure_path_shows_a_field_value() {
    use serde_json::json;
    let case = Case::new();
    let m = LEAK;

    // Every validation failure, a packet whose text the fonts cannot print,
    // a packet whose name is taken (by a file, then by a folder), and good
    // packets carrying the marker, in one file.
    let mut records = leaky_records();
    let good = |id: &str| {
        json!({"packet_id": id, "patient_name": format!("{m} Good"), "date_of_birth": "1970-02-03",
               "current_doctor": format!("Dr. {m}"), "diagnosis": m, "my_questions": [m]})
    };
    records.push(good("leak-good"));
    records.push(good("leak-taken"));
    records.push(good("leak-folder"));
    records.push(json!({"packet_id": "leak-glyphs", "patient_name": format!("{m} 王小明"), "date_of_birth": "1970-02-03",
                        "current_doctor": format!("Dr. {m} 😀"), "diagnosis": format!("{m} עברית")}));
    let total = records.len();
    let input = case.write("leak.json", &serde_json::Value::Array(records).to_string());
    let input = input.to_str().unwrap();

    let run = validate(&case, input, &[]);
    run.assert_code(1);
    assert!(
        run.stderr()
            .contains(&format!("3 of {total} records can be built")),
        "{}",
        run.stderr()
    );
    assert_no_leak("validate", &outputs(&run, &case.path("none")));

    let out = case.path("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("leak-taken.zip"), b"an older packet").unwrap();
    fs::create_dir(out.join("leak-folder.zip")).unwrap();
    let run = case.build(input, "out", &[]);
    run.assert_code(1);
    let stderr = run.stderr();
    assert!(
        stderr.contains("a packet with this file name already exists"),
        "{stderr}"
    );
    assert!(stderr.contains("cannot print"), "{stderr}");
    assert!(out.join("leak-good.zip").is_file());
    assert_eq!(
        fs::read(out.join("leak-taken.zip")).unwrap(),
        b"an older packet"
    );
    assert_no_leak("build", &outputs(&run, &out));

    // With --force the folder in the way is still named as such.
    let run = case.build(input, "out", &["--force", "--jobs", "2"]);
    run.assert_code(1);
    assert!(
        run.stderr()
            .contains("a folder with this packet's file name is in the output folder"),
        "{}",
        run.stderr()
    );
    assert_no_leak("build --force", &outputs(&run, &out));

    // The report cannot be written, nor the bundle: both are found before
    // any packet is built.
    fs::remove_file(out.join("report.csv")).unwrap();
    fs::create_dir(out.join("report.csv")).unwrap();
    let run = case.build(input, "out", &["--force"]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("a folder named report.csv is in the output folder"),
        "{}",
        run.stderr()
    );
    assert_no_leak("report is a folder", &outputs(&run, &out));
    fs::remove_dir(out.join("report.csv")).unwrap();
    fs::create_dir(out.join("all-packets.zip")).unwrap();
    let run = case.build(input, "out", &["--force", "--bundle"]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("a folder named all-packets.zip is in the output folder"),
        "{}",
        run.stderr()
    );
    assert_no_leak("bundle is a folder", &outputs(&run, &out));

    // The output folder is a file.
    fs::write(case.path("file"), b"x").unwrap();
    let run = case.build(input, "file", &[]);
    run.assert_code(2);
    assert_no_leak("output is a file", &outputs(&run, &case.path("file")));
}

#[test]
fn no_broken_file_shows_a_field_value() {
    let case = Case::new();
    let m = LEAK;
    let n = LEAK_NUMBER;
    let json_cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "unterminated.json",
            format!(r#"{{"patient_name": "{m}"#).into_bytes(),
        ),
        (
            "escape.json",
            format!(r#"{{"patient_name": "{m}\q{m}"}}"#).into_bytes(),
        ),
        (
            "unicode_escape.json",
            format!(r#"{{"patient_name": "{m}\uZZZZ{m}"}}"#).into_bytes(),
        ),
        (
            "surrogate.json",
            format!(r#"{{"patient_name": "{m}\ud800{m}"}}"#).into_bytes(),
        ),
        (
            "control.json",
            format!("{{\"patient_name\": \"{m}\u{1}{m}\"}}").into_bytes(),
        ),
        (
            "bare.json",
            format!(r#"{{"patient_name": {m}}}"#).into_bytes(),
        ),
        (
            "comma.json",
            format!(r#"{{"patient_name": "{m}" "diagnosis": "{m}"}}"#).into_bytes(),
        ),
        (
            "number.json",
            format!(r#"{{"patient_name": {n}{m}}}"#).into_bytes(),
        ),
        (
            "big.json",
            format!(r#"{{"patient_name": "{m}", "x": {n}e999}}"#).into_bytes(),
        ),
        (
            "latin1.json",
            [
                format!(r#"{{"patient_name": "{m}"#).as_bytes(),
                b"\xe9",
                m.as_bytes(),
                b"\"}",
            ]
            .concat(),
        ),
        (
            "trailing.json",
            format!(r#"{{"patient_name": "{m}"}} {m}"#).into_bytes(),
        ),
        (
            "deep.json",
            format!("{}\"{m}\"{}", "[".repeat(300), "]".repeat(300)).into_bytes(),
        ),
        (
            "patients.json",
            format!(r#"{{"patients": "{m}"}}"#).into_bytes(),
        ),
        (
            "patients_more.json",
            format!(r#"{{"patients": [], "{n}": "{m}"}}"#).into_bytes(),
        ),
    ];
    let csv_header =
        "patient_name,date_of_birth,current_doctor,medical_record_number,reasons,patient_email\r\n";
    let csv_cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "records.csv",
            format!(
                "{csv_header}{m},{m},{m},{n}.5,{m},{m}\r\n{m},\"{m}\"\r\n{m},1970-02-03,Dr. {m},{m},surgery_recommended,{m}@x.org,{m},{m}\r\n\"{m}\r\n{m}\",#N/A,{m},1.2E+{n},{m};{m},{m}@\r\n"
            )
            .into_bytes(),
            &[],
        ),
        ("not_utf8.csv", [csv_header.as_bytes(), m.as_bytes(), b"\xff,", m.as_bytes()].concat(), &[]),
        ("nul.csv", format!("{csv_header}{m}\0{m}\r\n").into_bytes(), &[]),
        ("sjis.csv", [csv_header.as_bytes(), m.as_bytes(), b"\x82,1970-02-03,Dr\r\n"].concat(), &["--encoding", "shift_jis"]),
        ("missing_column.csv", format!("patient_name,date_of_birth\r\n{m},{m}\r\n").into_bytes(), &[]),
        ("duplicate_column.csv", format!("Name,DOB,Doctor,Doctor\r\n{m},{m},{m},{m}\r\n").into_bytes(), &[]),
        ("no_header.csv", format!("{m},{m},{m}\r\n{m},{m},{m}\r\n").into_bytes(), &[]),
        ("header_only.csv", format!("{m}\r\n{csv_header}").into_bytes(), &[]),
    ];
    let mut runs = Vec::new();
    for (name, bytes) in &json_cases {
        let path = case.write_bytes(name, bytes);
        let run = validate(&case, path.to_str().unwrap(), &[]);
        assert_ne!(run.code(), 0, "{name}: {}", run.stderr());
        runs.push((name.to_string(), run));
    }
    for (name, bytes, options) in &csv_cases {
        let path = case.write_bytes(name, bytes);
        let run = validate(&case, path.to_str().unwrap(), options);
        assert_ne!(run.code(), 0, "{name}: {}", run.stderr());
        runs.push((name.to_string(), run));
    }

    // A workbook with the marker in every kind of bad cell, and in a column
    // without a header.
    let book = case.path("leak.xlsx");
    {
        use rust_xlsxwriter::{Formula, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Intake").unwrap();
        sheet
            .write_string(0, 0, format!("{m} clinic export"))
            .unwrap();
        for (col, header) in [
            "Patient Name",
            "DOB",
            "Doctor",
            "MRN",
            "Member #",
            "Reasons",
            "Email",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(2, col as u16, *header).unwrap();
        }
        sheet.write_string(3, 0, m).unwrap();
        sheet.write_string(3, 1, format!("{m}/01/1970")).unwrap();
        sheet.write_string(3, 2, format!("Dr. {m}\u{7}")).unwrap();
        sheet
            .write_number(3, 3, format!("{n}.25").parse::<f64>().unwrap())
            .unwrap();
        sheet.write_number(3, 4, 1.5e16).unwrap();
        sheet.write_string(3, 5, m).unwrap();
        sheet.write_string(3, 6, m).unwrap();
        sheet.write_string(3, 9, m).unwrap();
        sheet.write_string(4, 0, m).unwrap();
        sheet
            .write_formula(4, 1, Formula::new(format!("=\"{m}\"")).set_result(m))
            .unwrap();
        sheet.write_boolean(4, 2, true).unwrap();
        sheet.write_string(4, 3, format!("1.5E+{n}")).unwrap();
        sheet.write_string(4, 4, format!("#N/A {m}")).unwrap();
        sheet.write_number(4, 5, n.parse::<f64>().unwrap()).unwrap();
        // One tab per patient, named after the patient: a name that may
        // be data is given by the sheet's position.
        let tab = workbook.add_worksheet();
        tab.set_name(format!("{m} Alvarez")).unwrap();
        for (col, header) in ["Patient Name", "DOB", "Doctor", "Shoe size"]
            .iter()
            .enumerate()
        {
            tab.write_string(0, col as u16, *header).unwrap();
        }
        tab.write_string(1, 0, m).unwrap();
        tab.write_string(1, 1, format!("{m}/01/1970")).unwrap();
        workbook.save(&book).unwrap();
    }
    let run = validate(&case, book.to_str().unwrap(), &[]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("leak.xlsx, sheet \"Intake\", row 4:"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("column J (no header)"),
        "{}",
        run.stderr()
    );
    runs.push(("leak.xlsx".into(), run));
    let run = validate(&case, book.to_str().unwrap(), &["--sheet", "Other"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("\"Intake\", sheet 2"),
        "{}",
        run.stderr()
    );
    runs.push(("leak.xlsx --sheet".into(), run));
    let run = validate(&case, book.to_str().unwrap(), &["--sheet", "2"]);
    run.assert_code(2);
    for said in ["leak.xlsx, sheet 2, row 2:", "ignored 1 column on sheet 2"] {
        assert!(run.stderr().contains(said), "{said}: {}", run.stderr());
    }
    runs.push(("leak.xlsx --sheet 2".into(), run));

    for (name, run) in &runs {
        assert_no_leak(name, &[run.stdout(), run.stderr()]);
        assert!(run.stderr().contains("hint"), "{name}: {}", run.stderr());
    }
}

// ----------------------------------------------- rendering as a property

/// Letters of the scripts the embedded fonts cover, precomposed: Latin
/// with accents (Latin-1, Latin Extended-A), Vietnamese, Greek with tonos,
/// Cyrillic. Compatibility characters (ligatures such as ĳ, ŉ, ſ) are left
/// out: text extraction may spell them differently.
fn covered_letter() -> impl Strategy<Value = char> {
    let ranges: Vec<(u32, u32)> = vec![
        (0x41, 0x5A),
        (0x61, 0x7A),
        (0xC0, 0xD6),
        (0xD8, 0xF6),
        (0xF8, 0xFF),
        (0x100, 0x131),
        (0x134, 0x13E),
        (0x141, 0x148),
        (0x14A, 0x17E),
        (0x1EA0, 0x1EF9),
        (0x386, 0x386),
        (0x388, 0x38A),
        (0x38C, 0x38C),
        (0x38E, 0x3A1),
        (0x3A3, 0x3CE),
        (0x400, 0x45F),
    ];
    prop::sample::select(ranges)
        .prop_flat_map(|(lo, hi)| lo..=hi)
        .prop_map(|c| char::from_u32(c).unwrap())
}

fn covered_words(words: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::collection::vec(covered_letter(), 1..=9)
            .prop_map(|w| w.into_iter().collect::<String>()),
        words,
    )
    .prop_map(|w| w.join(" "))
}

/// Found by the property test below: a diagnosis of two one-letter words
/// in different scripts keeps its space in the PDF. (Poppler's default
/// reading drops it; the test reads in drawing order.)
#[test]
fn one_letter_words_of_two_scripts_keep_their_space() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let record = serde_json::json!({"packet_id": "p7", "patient_name": "ЂĆĻ",
        "date_of_birth": "1970-02-03", "current_doctor": "Dr. Lee", "diagnosis": "ê ψ"});
    let input = case.write("u.json", &record.to_string());
    case.build(input.to_str().unwrap(), "out", &["--quiet"])
        .assert_code(0);
    let dir = case.unzip(&case.path("out/p7.zip"), "x");
    let checklist = pdf_text_raw(&dir.join("checklist.pdf"));
    assert!(checklist.contains("Diagnosis so far: ê ψ"), "{checklist}");
}

#[test]
fn names_and_diagnoses_in_covered_scripts_print_literally() {
    require!("pdftotext", "pdffonts", "qpdf", "unzip");
    // One build run for all patients: rendering start-up is paid once.
    const PATIENTS: usize = 10;
    let mut runner = TestRunner::new(Config {
        cases: 1,
        max_shrink_iters: 4,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = prop::collection::vec((covered_words(1..=3), covered_words(1..=4)), PATIENTS);
    let result = runner.run(&strategy, |patients| {
        let case = Case::new();
        let records: Vec<serde_json::Value> = patients
            .iter()
            .enumerate()
            .map(|(i, (name, diagnosis))| {
                serde_json::json!({"packet_id": format!("p{i}"), "patient_name": name,
                    "date_of_birth": "1970-02-03", "current_doctor": "Dr. Lee", "diagnosis": diagnosis})
            })
            .collect();
        let input = case.write("u.json", &serde_json::Value::Array(records).to_string());
        let run = case.build(input.to_str().unwrap(), "out", &["--quiet"]);
        if run.code() != 0 {
            return Err(TestCaseError::fail(format!("build failed:\n{}", run.stderr())));
        }
        for (i, (name, diagnosis)) in patients.iter().enumerate() {
            let dir = case.unzip(&case.path(&format!("out/p{i}.zip")), &format!("x{i}"));
            // Read in drawing order: see pdf_text_raw.
            let checklist = pdf_text_raw(&dir.join("checklist.pdf"));
            if !checklist.contains(name.as_str()) || !checklist.contains(diagnosis.as_str()) {
                return Err(TestCaseError::fail(format!(
                    "p{i}: {name:?} / {diagnosis:?} not found in:\n{checklist}"
                )));
            }
            // The name is in every page header of every document.
            let letter = pdf_text_raw(&dir.join("records-request-letter.pdf"));
            if !letter.contains(name.as_str()) {
                return Err(TestCaseError::fail(format!("p{i}: {name:?} not in the letter:\n{letter}")));
            }
            if i == 0 {
                for line in tool("pdffonts", &[], &dir.join("packet.pdf")).lines().skip(2) {
                    if !line.contains(" yes ") {
                        return Err(TestCaseError::fail(format!("font not embedded: {line}")));
                    }
                }
                tool("qpdf", &["--check"], &dir.join("packet.pdf"));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
