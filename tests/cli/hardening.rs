//! Hardening: the real binary against bad inputs, leaks, faults and scripts.
//!
//! - a corpus of broken and awkward inputs (JSON, CSV, workbooks), each with
//!   its exact outcome: exit code, which records can be built, and a message
//!   naming where the problem is and how to fix it;
//! - a leak test: a unique marker in every field value, sent through every
//!   failure path, never appears in stdout, stderr or `report.csv`;
//! - a rendering property: names and diagnoses in the scripts the embedded
//!   fonts cover print literally;
//! - faults: output folders that cannot be used, a run killed half-way,
//!   packets that already exist. (A full disk is a unit test in
//!   `src/output.rs`.)
//!
//! Rendering is the slow part, so most corpus cases run `validate`, and the
//! cases that must build do so together in one `build` run.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::{
    Case, DATE, Run, fixture, listing, pdf_text, pdf_text_raw, require, tool, zip_of,
};

/// In every field value of the leak test; never printed or reported.
const LEAK: &str = "QZXLEAKMARKER";
/// A number that only ever appears as a field value.
const LEAK_NUMBER: &str = "918273645";

// ------------------------------------------------------------- helpers

/// Runs `validate` on one input at the fixed run date.
fn validate(case: &Case, input: &str, extra: &[&str]) -> Run {
    let mut args = vec!["validate", input, "--date", DATE];
    args.extend_from_slice(extra);
    case.run(&args)
}

/// One bad input and what the user must be told about it.
struct Expect {
    /// The file, as given on the command line.
    input: String,
    /// Extra options.
    options: &'static [&'static str],
    /// The exit code: 0 all good, 1 some records fail, 2 nothing can be built.
    code: i32,
    /// `Some((good, total))` when the file was read ("good of total records
    /// can be built"); `None` when reading the file stopped the run.
    buildable: Option<(usize, usize)>,
    /// Phrases that must appear in what the run printed (stdout + stderr):
    /// the place (file and line/column, record or row) and the problem.
    says: Vec<String>,
}

impl Expect {
    fn check(&self, case: &Case) {
        let run = validate(case, &self.input, self.options);
        let said = format!("{}{}", run.stdout(), run.stderr());
        let name = Path::new(&self.input)
            .file_name()
            .unwrap()
            .to_string_lossy();
        assert_eq!(
            run.code(),
            self.code,
            "{name} {:?}: exit code\n{said}",
            self.options
        );
        match self.buildable {
            Some((good, total)) => {
                let line = format!(
                    "{good} of {total} record{} can be built.",
                    if total == 1 { "" } else { "s" }
                );
                assert!(said.contains(&line), "{name}: expected {line:?}\n{said}");
            }
            None => {
                assert!(
                    run.stderr()
                        .starts_with(&format!("error: {}: ", self.input)),
                    "{name}: the error names the file first\n{said}"
                );
                assert!(
                    run.stderr().contains("\nhint: "),
                    "{name}: the error says how to fix it\n{said}"
                );
                assert!(run.stdout().is_empty(), "{name}: {said}");
            }
        }
        for phrase in &self.says {
            assert!(
                said.contains(phrase.as_str()),
                "{name}: expected {phrase:?}\n{said}"
            );
        }
        // Every failed record comes with a hint.
        for line in said.lines().filter(|l| l.starts_with("    - ")) {
            assert!(line.contains("(hint: "), "{name}: {line}");
        }
    }
}

fn says(phrases: &[&str]) -> Vec<String> {
    phrases.iter().map(|p| p.to_string()).collect()
}

fn patient(name: &str) -> serde_json::Value {
    serde_json::json!({"patient_name": name, "date_of_birth": "1970-02-03", "current_doctor": "Dr. Lee"})
}

fn is_temp(name: &str) -> bool {
    name.starts_with(".second-opinion-") && name.ends_with(".tmp")
}

/// The report's rows as `file,position,packet,status` (problems left out).
fn report_rows(report: &Path) -> Vec<String> {
    let text = fs::read_to_string(report).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            format!("{},{},{},{}", &r[0], &r[1], &r[2], &r[3])
        })
        .collect()
}

// -------------------------------------------------------- the corpus

#[test]
fn json_corpus_has_exact_outcomes() {
    let case = Case::new();
    let p = |name: &str, bytes: &[u8]| -> String {
        case.write_bytes(name, bytes).to_string_lossy().into_owned()
    };
    let good = patient("Ann Lee").to_string();
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let nested_field = format!(
        r#"{{"patient_name": "Ann", "date_of_birth": "1970-02-03", "current_doctor": "Dr. Lee", "reasons": {}"x"{}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(good.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let cases = vec![
        Expect {
            input: p("comma.json", b"{\n  \"patient_name\": \"Ann\"\n  \"date_of_birth\": \"1970-02-03\"\n}"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["comma.json: line 3, column 3: this is not valid JSON: expected `,` or `}`", "a missing comma or quote"]),
        },
        Expect {
            input: p("truncated.json", &good.as_bytes()[..good.len() - 9]),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["truncated.json: line 1, column", "the file ends too early: a closing bracket, brace or quote is missing"]),
        },
        Expect {
            input: p("bom.json", format!("\u{feff}{good}").as_bytes()),
            options: &[],
            code: 0,
            buildable: Some((1, 1)),
            says: vec![],
        },
        Expect {
            input: p("utf16.json", &utf16),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["utf16.json: the file is saved as UTF-16 text, not UTF-8", "save it again with the encoding \"UTF-8\""]),
        },
        Expect {
            input: p("cp1252.json", b"{\"patient_name\": \"Jos\xe9\", \"date_of_birth\": \"1970-02-03\", \"current_doctor\": \"Dr. Lee\"}"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["cp1252.json: line 1 is not UTF-8 text", "save it again with the encoding \"UTF-8\""]),
        },
        Expect {
            input: p("duplicate.json", br#"{"patient_name": "Ann", "date_of_birth": "1970-02-03", "patient_name": "Bob", "current_doctor": "Dr. Lee"}"#),
            options: &[],
            code: 2,
            buildable: Some((0, 1)),
            says: says(&["duplicate.json, record 1:", "patient_name: is given more than once (hint: keep only one value for this field)"]),
        },
        Expect {
            input: p("types.json", br#"[{"patient_name": ["Ann"], "date_of_birth": 19700203, "current_doctor": {"name": "Dr. Lee"}, "medical_record_number": 482913, "reasons": "surgery_recommended", "records_requested": [1], "diagnosis": true, "my_questions": [null, "Why?"], "patient_email": "ann@"}]"#),
            options: &[],
            code: 2,
            buildable: Some((0, 1)),
            says: says(&[
                "types.json, record 1:",
                "patient_name: holds a list, not text",
                "date_of_birth: is a number, not a date (hint: write the date in quotes as YYYY-MM-DD",
                "current_doctor: holds an object, not text",
                "medical_record_number: is written as a number, which loses leading zeros and long digits (hint: put the value in quotes",
                "records_requested: holds a list with a number in it, not a list of the listed codes",
                "diagnosis: holds true/false, not text",
                "patient_email: does not look like an e-mail address",
            ]),
        },
        Expect {
            input: p("deep.json", deep.as_bytes()),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["deep.json: line 1, column 128: the data is nested too deeply to be an intake form"]),
        },
        Expect {
            input: p("nested_field.json", nested_field.as_bytes()),
            options: &[],
            code: 2,
            buildable: Some((0, 1)),
            says: says(&["nested_field.json, record 1:", "reasons: holds a list inside a list"]),
        },
        Expect {
            input: p("control.json", b"{\"patient_name\": \"Ann\tLee\"}"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["control.json: line 1, column 22: the text is not valid: control character"]),
        },
        Expect {
            input: p("huge_number.json", br#"{"patient_name": "Ann", "date_of_birth": 1e400}"#),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["huge_number.json: line 1, column", "number out of range"]),
        },
        Expect {
            input: p("two_objects.json", format!("{good}\n{good}").as_bytes()),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["two_objects.json: line 2, column 1: this is not valid JSON: trailing characters"]),
        },
        Expect {
            input: p("single_quotes.json", b"{'patient_name': 'Ann'}"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["single_quotes.json: line 1, column 2: this is not valid JSON: key must be a string"]),
        },
        Expect {
            input: p("nan.json", br#"{"patient_name": NaN}"#),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["nan.json: line 1, column 18: this is not valid JSON: expected value"]),
        },
        Expect {
            input: p("text.json", b"\"Ann Lee\""),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["text.json: the file holds no patient record"]),
        },
        Expect {
            input: p("empty_list.json", b"[]"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["empty_list.json: the list of patients is empty", "add at least one patient record"]),
        },
        Expect {
            input: p("blank.json", b" \n\t "),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["blank.json: the file is empty"]),
        },
        Expect {
            input: p("patients_object.json", br#"{"patients": {"patient_name": "Ann"}}"#),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["patients_object.json: \"patients\" is not a list"]),
        },
        Expect {
            input: p("patients_and_more.json", format!(r#"{{"patients": [{good}], "clinic": "x"}}"#).as_bytes()),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["next to \"patients\", the top-level object has other keys"]),
        },
        Expect {
            input: p("mixed.json", format!(r#"[{good}, 5, {{"patient_name": "Bob", "date_of_birth": "1970-02-30", "current_doctor": "Dr. Lee"}}, {{"patients": []}}]"#).as_bytes()),
            options: &[],
            code: 1,
            buildable: Some((1, 4)),
            says: says(&[
                "mixed.json, record 2:",
                "is not an object of fields",
                "mixed.json, record 3:",
                "date_of_birth: is not a real calendar date (hint: write it as YYYY-MM-DD",
                "mixed.json, record 4:",
                "unknown field \"patients\"",
            ]),
        },
    ];
    for expect in &cases {
        expect.check(&case);
    }
}

#[test]
fn csv_corpus_has_exact_outcomes() {
    let case = Case::new();
    let p = |name: &str, bytes: &[u8]| -> String {
        case.write_bytes(name, bytes).to_string_lossy().into_owned()
    };
    let utf16_no_bom: Vec<u8> =
        "patient_name,date_of_birth,current_doctor\r\nAnn,1970-02-03,Dr. Lee\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
    let cases = vec![
        Expect {
            input: fixture("unicode_text.txt"),
            options: &[],
            code: 0,
            buildable: Some((3, 3)),
            says: vec![],
        },
        Expect {
            input: fixture("utf16be.csv"),
            options: &[],
            code: 0,
            buildable: Some((3, 3)),
            says: vec![],
        },
        Expect {
            input: p("utf16_no_bom.csv", &utf16_no_bom),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "utf16_no_bom.csv: line 1 holds NUL characters: the file is UTF-16 text without a byte order mark",
                "--encoding utf-16le",
            ]),
        },
        Expect {
            input: p("utf16_no_bom.csv", &utf16_no_bom),
            options: &["--encoding", "utf-16le"],
            code: 0,
            buildable: Some((1, 1)),
            says: vec![],
        },
        Expect {
            input: fixture("windows1252.csv"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "windows1252.csv: line 4 is not UTF-8 text",
                "--encoding windows-1252",
            ]),
        },
        Expect {
            input: fixture("windows1252.csv"),
            options: &["--encoding", "windows-1252"],
            code: 0,
            buildable: Some((2, 2)),
            says: vec![],
        },
        Expect {
            input: fixture("invalid_utf8.csv"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["invalid_utf8.csv: line 3 is not UTF-8 text", "CSV UTF-8"]),
        },
        Expect {
            input: fixture("invalid_utf8.csv"),
            options: &["--encoding", "utf-8"],
            code: 2,
            buildable: None,
            says: says(&[
                "invalid_utf8.csv: line 3 is not valid UTF-8 text",
                "name the file's real encoding with --encoding",
            ]),
        },
        Expect {
            input: fixture("ragged.csv"),
            options: &[],
            code: 1,
            buildable: Some((4, 6)),
            says: says(&[
                "ragged.csv, row 3:",
                "has 2 fields but the header line has 3 (hint: check this line's quotes and separators",
                "ragged.csv, row 4:",
                "has 4 fields but the header line has 3",
            ]),
        },
        Expect {
            input: fixture("utf8.csv"),
            options: &[],
            code: 0,
            buildable: Some((3, 3)),
            says: vec![],
        },
        Expect {
            input: fixture("title_rows.csv"),
            options: &[],
            code: 2,
            buildable: Some((0, 2)),
            says: says(&[
                "title_rows.csv, row 4:",
                "member_id: holds a number shortened to scientific notation such as 1.2E+15 (format the column as Text and retype it)",
                "title_rows.csv, row 6:",
                "date_of_birth: holds a spreadsheet error (#N/A), not a date",
            ]),
        },
        Expect {
            input: fixture("semicolon.csv"),
            options: &["--date-order", "dmy"],
            code: 0,
            buildable: Some((2, 2)),
            says: vec![],
        },
        Expect {
            input: p(
                "excel_sep_line.csv",
                b"sep=;\r\nPatient Name;DOB;Doctor\r\nAna Example;1970-02-03;Dr. A\r\n",
            ),
            options: &[],
            code: 0,
            buildable: Some((1, 1)),
            says: vec![],
        },
        Expect {
            input: p(
                "header_only.csv",
                b"patient_name,date_of_birth,current_doctor\r\n",
            ),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "header_only.csv: the file has a header row (line 1) but no patient rows below it",
            ]),
        },
        Expect {
            input: p("empty.csv", b""),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["empty.csv: the file is empty"]),
        },
        Expect {
            input: p(
                "no_header.csv",
                b"Ann Lee,1970-02-03,Dr. Lee\r\nBob Lee,1971-02-03,Dr. Lee\r\n",
            ),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "no_header.csv: found no header row in the file",
                "put the column names (patient_name, date_of_birth, current_doctor",
            ]),
        },
    ];
    for expect in &cases {
        expect.check(&case);
    }
    // An unknown encoding is a mistake in the command, caught before reading.
    let run = validate(&case, &fixture("utf8.csv"), &["--encoding", "klingon"]);
    run.assert_code(2);
    assert!(
        run.stderr().starts_with(
            "error: unknown text encoding \"klingon\"\nhint: use a name such as utf-8, windows-1252"
        ),
        "{}",
        run.stderr()
    );
}

/// A quote that is never closed swallows the rest of the file into one
/// field: the records after it must not disappear silently.
#[test]
fn an_unclosed_quote_in_csv_is_an_error_naming_its_line() {
    let case = Case::new();
    let text = b"patient_name,date_of_birth,current_doctor\n\
                 Ann,1970-02-03,\"Dr. Q\n\
                 Bob,1970-02-03,Dr. R\n\
                 Cy,1970-02-03,Dr. S\n";
    let input = case.write_bytes("unclosed.csv", text);
    let run = validate(&case, input.to_str().unwrap(), &[]);
    let said = run.stderr();
    assert_ne!(run.code(), 0, "three patients cannot become one:\n{said}");
    assert!(said.contains("line 2"), "{said}");
    assert!(said.contains("quote"), "{said}");
}

#[test]
fn workbook_corpus_has_exact_outcomes() {
    let case = Case::new();
    let p = |name: &str, bytes: &[u8]| -> String {
        case.write_bytes(name, bytes).to_string_lossy().into_owned()
    };
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(600).collect();
    binary[0] = 0x7F;
    let cases = vec![
        Expect {
            input: fixture("encrypted.xlsx"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "encrypted.xlsx: the file is password-protected",
                "save an unprotected copy",
            ]),
        },
        Expect {
            input: fixture("truncated.xlsx"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "truncated.xlsx: the file is an incomplete or damaged ZIP-based workbook",
                "copy or download it again",
            ]),
        },
        Expect {
            input: fixture("not_really.xlsx"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "not_really.xlsx: the file is named .xlsx but is not a workbook; it holds plain text",
                "rename the file to .csv",
            ]),
        },
        Expect {
            input: p("binary.xlsx", &binary),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "binary.xlsx: the file is named .xlsx but is not a workbook (it may be damaged, or another kind of file renamed)",
            ]),
        },
        Expect {
            input: p(
                "export.xls",
                b"<html><body><table><tr><td>Ann</td></tr></table></body></html>",
            ),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "export.xls: the file is named .xls but is a web page (HTML) or XML file, not a workbook",
                "save it as Excel Workbook (.xlsx) or CSV UTF-8",
            ]),
        },
        Expect {
            input: p(
                "letter.xlsx",
                &zip_of(&[("word/document.xml", b"<w:document/>")]),
            ),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["letter.xlsx: the file is a Word document, not a workbook"]),
        },
        Expect {
            input: p("archive.xlsx", &zip_of(&[("notes.txt", b"hello")])),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&["archive.xlsx: the file is a ZIP archive, not a workbook"]),
        },
        Expect {
            input: fixture("csv_named.xlsx"),
            options: &[],
            code: 0,
            buildable: Some((1, 1)),
            says: says(&[
                "warning: ",
                "csv_named.xlsx: the file is named .xlsx but holds CSV text; it was read as CSV",
            ]),
        },
        Expect {
            input: fixture("workbook_named.csv"),
            options: &[],
            code: 0,
            buildable: Some((5, 5)),
            says: says(&[
                "workbook_named.csv: the file is named .csv but is a workbook (.xlsx); it was read as a workbook",
            ]),
        },
        Expect {
            input: fixture("title_rows.xlsx"),
            options: &[],
            code: 1,
            buildable: Some((2, 4)),
            says: says(&[
                "ignored 3 columns on sheet \"Intake\" that are not intake fields: column G (its header does not look like a field name), column I (no header), column J (its header does not look like a field name)",
                "title_rows.xlsx, sheet \"Intake\", row 7:",
                "member_id: holds a number too long to be stored exactly (format the column as Text and retype it)",
                "title_rows.xlsx, sheet \"Intake\", row 8:",
                "medical_record_number: holds a number with decimals, not text",
            ]),
        },
        Expect {
            input: fixture("merged_header.xlsx"),
            options: &[],
            code: 1,
            buildable: Some((2, 3)),
            says: says(&[
                "merged_header.xlsx: ignored 1 column on sheet \"Merged\" that is not an intake field: column D (no header)",
                "merged_header.xlsx, sheet \"Merged\", row 5:",
                "current_doctor: is required but empty",
            ]),
        },
        // The header's text sits in the merged cell's top row, above the real
        // header row; the message names the row it read and the column to add.
        Expect {
            input: fixture("merged_header_vertical.xlsx"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "merged_header_vertical.xlsx: in the header row (sheet \"Merged\", row 2), there is no column for the required field patient_name",
                "add a column headed patient_name",
            ]),
        },
        Expect {
            input: fixture("errors.xlsx"),
            options: &[],
            code: 2,
            buildable: Some((0, 3)),
            says: says(&[
                "errors.xlsx, sheet \"Errors\", row 2:",
                "date_of_birth: holds a spreadsheet error (#N/A), not a date",
                "medical_record_number: holds a spreadsheet error (#REF!), not text",
                "diagnosis: holds a spreadsheet error (#DIV/0!), not text",
                "errors.xlsx, sheet \"Errors\", row 3:",
                "date_of_birth: holds a formula whose result was not saved (open the file in Excel or LibreOffice and save it again)",
                "errors.xlsx, sheet \"Errors\", row 4:",
            ]),
        },
        Expect {
            input: fixture("dates.xlsx"),
            options: &[],
            code: 1,
            buildable: Some((4, 7)),
            says: says(&[
                "dates.xlsx, sheet \"Dates\", row 5:",
                "date_of_birth: is not a real calendar date (hint: write it as YYYY-MM-DD or MM/DD/YYYY",
                "dates.xlsx, sheet \"Dates\", row 6:",
                "date_of_birth: holds a plain number, not a date",
                "dates.xlsx, sheet \"Dates\", row 8:",
            ]),
        },
        Expect {
            input: fixture("dates.xlsx"),
            options: &["--date-order", "dmy"],
            code: 1,
            buildable: Some((4, 7)),
            says: says(&["write it as YYYY-MM-DD or DD/MM/YYYY"]),
        },
        Expect {
            input: fixture("dates_1904.xlsx"),
            options: &[],
            code: 0,
            buildable: Some((2, 2)),
            says: vec![],
        },
        Expect {
            input: fixture("wide.xlsx"),
            options: &[],
            code: 2,
            buildable: None,
            says: says(&[
                "wide.xlsx: there is data in column ALM (row 1), beyond the 1000 columns an intake table may use",
                "delete the columns to the right of the intake table",
            ]),
        },
        Expect {
            input: fixture("huge_dimensions.xlsx"),
            options: &[],
            code: 0,
            buildable: Some((2, 2)),
            says: vec![],
        },
        Expect {
            input: fixture("million_rows.xlsx"),
            options: &[],
            code: 0,
            buildable: Some((3, 3)),
            says: vec![],
        },
        Expect {
            input: fixture("hidden_first.xlsx"),
            options: &["--sheet", "Spare"],
            code: 2,
            buildable: None,
            says: says(&["found no header row in the sheet \"Spare\"", "--sheet"]),
        },
    ];
    for expect in &cases {
        let started = Instant::now();
        expect.check(&case);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}: {:?}",
            expect.input,
            started.elapsed()
        );
    }
}

/// The inputs that hold buildable records, built together in one run: the
/// report lists exactly which record of which file became which packet, and
/// dates from both date systems print as the same day.
#[test]
fn mixed_inputs_build_exactly_the_good_records() {
    require!("pdftotext", "unzip");
    let case = Case::new();
    let bom = case.write_bytes(
        "bom.json",
        format!("\u{feff}{}", patient("Bom Example")).as_bytes(),
    );
    let inputs = [
        bom.to_string_lossy().into_owned(),
        fixture("utf8.csv"),
        fixture("ragged.csv"),
        fixture("dates_1904.xlsx"),
        fixture("title_rows.xlsx"),
        fixture("merged_header.xlsx"),
        fixture("million_rows.xlsx"),
    ];
    let mut args = vec!["build"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--out", "out", "--date", DATE, "--quiet"]);
    let run = case.run(&args);
    run.assert_code(1);
    let rows = report_rows(&case.path("out/report.csv"));
    assert_eq!(
        rows,
        [
            "bom.json,record 1,Bom-Example.zip,built",
            "utf8.csv,row 2,Ana-Example.zip,built",
            "utf8.csv,row 4,Jose-Munoz-Ejemplo.zip,built",
            "utf8.csv,row 5,Nguyen-Thi-Vi-Du.zip,built",
            "ragged.csv,row 2,Ann-Example.zip,built",
            "ragged.csv,row 3,,failed",
            "ragged.csv,row 4,,failed",
            "ragged.csv,row 5,Dan-Example.zip,built",
            "ragged.csv,row 6,Eve-Example.zip,built",
            "ragged.csv,row 8,Fay-Example.zip,built",
            "dates_1904.xlsx,row 2,Date-cell.zip,built",
            "dates_1904.xlsx,row 3,Serial-number.zip,built",
            "title_rows.xlsx,row 5,Ana-Example-2.zip,built",
            "title_rows.xlsx,row 7,,failed",
            "title_rows.xlsx,row 8,,failed",
            "title_rows.xlsx,row 11,Dee-Example.zip,built",
            "merged_header.xlsx,row 4,Ana-Example-3.zip,built",
            "merged_header.xlsx,row 5,,failed",
            "merged_header.xlsx,row 6,Cy-Example.zip,built",
            "million_rows.xlsx,row 2,Ana-Example-4.zip,built",
            "million_rows.xlsx,row 3,Ben-Example.zip,built",
            "million_rows.xlsx,row 1048576,Zed-Example.zip,built",
        ]
    );
    let built: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.split(',').nth(2).filter(|n| !n.is_empty()))
        .map(String::from)
        .collect();
    let mut expected = built.clone();
    expected.insert("report.csv".into());
    assert_eq!(
        listing(&case.path("out"))
            .into_iter()
            .collect::<BTreeSet<_>>(),
        expected,
        "the packets, the report, and nothing else"
    );
    let stderr = run.stderr();
    assert!(stderr.contains("Built 17 packets in out"), "{stderr}");
    assert!(stderr.contains("5 records could not be built:"), "{stderr}");
    // A date cell and a serial number, in a 1904 workbook, are the same day.
    for packet in ["Date-cell.zip", "Serial-number.zip"] {
        let dir = case.unzip(&case.path("out").join(packet), packet);
        let text = pdf_text(&dir.join("checklist.pdf"));
        assert!(text.contains("April 9, 1968"), "{packet}: {text}");
    }
    // The quoted line break stays in the address; the Vietnamese name prints.
    let dir = case.unzip(&case.path("out/Nguyen-Thi-Vi-Du.zip"), "vi");
    assert!(pdf_text(&dir.join("checklist.pdf")).contains("Nguyễn Thị Ví Dụ"));
}

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

// ---------------------------------------------------------------- faults

#[test]
fn unusable_output_folders_stop_the_run_with_a_clear_message() {
    let case = Case::new();
    let input = case.write("p.json", &patient("Ann Lee").to_string());
    let input = input.to_str().unwrap();

    // Missing, several levels deep: created.
    case.build(input, "a/b/c", &["--quiet"]).assert_code(0);
    assert_eq!(listing(&case.path("a/b/c")), ["Ann-Lee.zip", "report.csv"]);

    // A file where the folder should be: refused, the file untouched.
    case.write("packets", "not a folder");
    let run = case.build(input, "packets", &[]);
    run.assert_code(2);
    assert!(
        run.stderr().starts_with(
            "error: packets: cannot use this as the output folder: it is a file\nhint: name a folder with --out"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read_to_string(case.path("packets")).unwrap(),
        "not a folder"
    );

    // A folder inside a file.
    let run = case.build(input, "packets/sub", &[]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .starts_with("error: packets/sub: could not write: not a directory\nhint: "),
        "{}",
        run.stderr()
    );
    assert_eq!(
        listing(case.dir.path()),
        ["a", "p.json", "packets"],
        "nothing else was written"
    );
}

#[test]
fn a_folder_in_place_of_a_packet_fails_that_record_only() {
    let case = Case::new();
    let records = serde_json::json!([patient("Ann Lee"), patient("Bo Chan")]);
    let input = case.write("p.json", &records.to_string());
    let input = input.to_str().unwrap();
    fs::create_dir_all(case.path("out/Ann-Lee.zip")).unwrap();
    let run = case.build(input, "out", &[]);
    run.assert_code(1);
    assert!(
        run.stderr().contains("p.json, record 1:\n    - a folder with this packet's file name is in the output folder (hint: rename or move that folder"),
        "{}",
        run.stderr()
    );
    let run = case.build(input, "out", &["--force"]);
    run.assert_code(1);
    assert!(
        run.stderr().contains(
            "p.json, record 1:\n    - a folder with this packet's file name is in the output folder"
        ),
        "{}",
        run.stderr()
    );
    assert!(case.path("out/Ann-Lee.zip").is_dir());
    assert!(case.path("out/Bo-Chan.zip").is_file());
    assert_eq!(
        report_rows(&case.path("out/report.csv")),
        [
            "p.json,record 1,,failed",
            "p.json,record 2,Bo-Chan.zip,built"
        ]
    );
    assert!(listing(&case.path("out")).iter().all(|n| !is_temp(n)));
}

/// Kills a run after its first packet, then checks that every packet under
/// its final name is whole, that a second run keeps them (without --force)
/// and a third replaces them all and cleans up.
#[test]
fn a_run_killed_half_way_leaves_only_whole_packets() {
    require!("unzip");
    const PATIENTS: usize = 40;
    let case = Case::new();
    let records: Vec<serde_json::Value> = (0..PATIENTS)
        .map(|i| {
            let mut p = patient(&format!("Patient {i:02}"));
            p["diagnosis"] = serde_json::json!("Example condition");
            p
        })
        .collect();
    let input = case.write("batch.json", &serde_json::Value::Array(records).to_string());
    let input = input.to_str().unwrap();
    let out = case.path("out");

    let mut child = case
        .command(&[
            "build", input, "--out", "out", "--date", DATE, "--jobs", "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let zips = |dir: &Path| -> Vec<String> {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".zip"))
                    .collect()
            })
            .unwrap_or_default()
    };
    while zips(&out).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no packet appeared"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().ok();
    child.wait().unwrap();

    let names = listing(&out);
    let done = zips(&out);
    assert!(!done.is_empty());
    for name in &names {
        assert!(
            name.ends_with(".zip") || is_temp(name) || name == "report.csv",
            "unexpected file {name}"
        );
    }
    let mut kept = Vec::new();
    for name in &done {
        tool("unzip", &["-tq"], &out.join(name));
        kept.push((name.clone(), fs::read(out.join(name)).unwrap()));
    }

    // Without --force the packets already there are kept, each reported.
    let run = case.build(input, "out", &["--jobs", "2", "--quiet"]);
    if done.len() < PATIENTS {
        run.assert_code(1);
    } else {
        run.assert_code(2);
    }
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "{} record{} could not be built:",
            done.len(),
            if done.len() == 1 { "" } else { "s" }
        )),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("a packet with this file name already exists in the output folder (hint: add --force to replace it")
            .count(),
        done.len(),
        "{stderr}"
    );
    for (name, bytes) in &kept {
        assert_eq!(&fs::read(out.join(name)).unwrap(), bytes, "{name} kept");
    }
    assert!(
        listing(&out).iter().all(|n| !is_temp(n)),
        "temp files removed"
    );

    // With --force every packet is built again, and nothing else is left.
    let run = case.build(input, "out", &["--force", "--jobs", "2", "--quiet"]);
    run.assert_code(0);
    let rows = report_rows(&out.join("report.csv"));
    assert_eq!(rows.len(), PATIENTS);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row,
            &format!("batch.json,record {},Patient-{i:02}.zip,built", i + 1)
        );
    }
    let names = listing(&out);
    assert_eq!(names.len(), PATIENTS + 1, "{names:?}");
    assert!(names.iter().all(|n| !is_temp(n)));
    for name in names.iter().filter(|n| n.ends_with(".zip")) {
        tool("unzip", &["-tq"], &out.join(name));
    }
}

// ----------------------------------------------------- fuzz regressions

/// Found by `cargo fuzz run workbook`: a 5.7 KB .xls whose sector table
/// makes a sector point to itself. calamine's compound-file reader follows
/// the chain without end, growing one buffer until memory runs out (23.8 GB
/// resident after 76 s on a 24 GB machine); no `catch_unwind` can stop that.
/// Run here under a 3 GB address-space limit so the test cannot take the
/// machine down: today the process aborts ("memory allocation failed").
#[test]
fn an_xls_whose_sector_chain_loops_is_a_damaged_workbook() {
    let case = Case::new();
    let input = fixture("fuzz/xls_sector_chain_cycle.xls");
    let mut command = case.command(&["validate", &input, "--date", DATE]);
    // 3,000,000 KB of address space, as `ulimit -v 3000000` sets it.
    // SAFETY: setrlimit is async-signal-safe and reads only `limit`.
    unsafe {
        command.pre_exec(|| {
            let bytes = 3_000_000 * 1024;
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("could not read the workbook (.xls); it may be damaged"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------- load

/// The peak resident memory, in MB, of one run of the binary, read from the
/// kernel for that child alone (`wait4`), so tests running beside it do not
/// count. Asserts the run succeeded.
// The child is reaped by `wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn peak_mb(case: &Case, args: &[&str]) -> f64 {
    let child = case
        .command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, which `child` never waits for.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{args:?} failed with status {status}"
    );
    usage.ru_maxrss as f64 / 1024.0
}

/// A CSV intake of `rows` patients with the required fields and a diagnosis.
fn many_rows(case: &Case, name: &str, rows: usize) -> String {
    let mut text = String::from("patient_name,date_of_birth,current_doctor,diagnosis\n");
    for i in 0..rows {
        text.push_str(&format!(
            "Patient {i},1960-01-{:02},Dr. Doctor {},Condition number {i}\n",
            1 + i % 28,
            i % 97
        ));
    }
    case.write(name, &text);
    name.to_string()
}

/// Memory does not grow with the length of the sheet: records are read,
/// checked and handed on one at a time, never all held at once (`build`
/// reads with the same two passes `validate` makes). Holding every record,
/// as the first design did, cost about 3 KB a row: 100 MB more at 40,000
/// rows than at 1,000. What may still grow is the file's own bytes (here
/// under 3 MB). The full-scale build (50,000 rows) is `bench/load.py`.
#[test]
fn memory_stays_flat_as_the_sheet_grows() {
    let case = Case::new();
    let small = many_rows(&case, "small.csv", 1_000);
    let large = many_rows(&case, "large.csv", 40_000);
    let small_mb = peak_mb(&case, &["validate", &small, "--date", DATE]);
    let large_mb = peak_mb(&case, &["validate", &large, "--date", DATE]);
    eprintln!("validate peak: 1,000 rows {small_mb:.1} MB, 40,000 rows {large_mb:.1} MB");
    assert!(
        large_mb - small_mb < 10.0,
        "40,000 rows took {large_mb:.0} MB, 1,000 rows {small_mb:.0} MB"
    );
}
