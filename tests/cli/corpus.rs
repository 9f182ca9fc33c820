//! The bad-input corpus: the real binary against broken and awkward inputs
//! (JSON, CSV, workbooks), each with its exact outcome: exit code, which
//! records can be built, and a message naming where the problem is and how
//! to fix it; and the inputs that hold buildable records, built together.
//!
//! Rendering is the slow part, so most corpus cases run `validate`, and the
//! cases that must build do so together in one `build` run.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{
    Case, DATE, fixture, listing, patient, pdf_text, report_rows, require, validate, zip_of,
};

// ------------------------------------------------------------- helpers

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
