//! Reading workbooks end to end: fixtures, sheets, caps, streaming.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::*;
use crate::error::Error;
use crate::input::convert::TOO_LONG;
use crate::input::table::Limits;
use crate::input::{Cell, InputFile, InputOptions, Place, RawRecord, TextDates};
use crate::intake::fields;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("tests/fixtures")
        .join(name)
}

fn read_opts(name: &str, options: &InputOptions) -> Result<InputFile, Error> {
    crate::input::read(&fixture(name), options)
}

fn read_ok(name: &str) -> InputFile {
    read_opts(name, &InputOptions::default()).expect(name)
}

fn read_err(name: &str) -> String {
    match read_opts(name, &InputOptions::default()) {
        Ok(_) => panic!("{name} should not be readable"),
        Err(e) => e.to_string(),
    }
}

fn records(file: &InputFile) -> Vec<&RawRecord> {
    file.entries
        .iter()
        .map(|e| e.as_ref().expect("a readable row"))
        .collect()
}

fn cell<'a>(rec: &'a RawRecord, field: &str) -> &'a Cell {
    let found: Vec<&Cell> = rec
        .cells
        .iter()
        .filter(|(n, _)| n == field)
        .map(|(_, c)| c)
        .collect();
    assert_eq!(found.len(), 1, "{field} in {:?}", rec.cells);
    found[0]
}

fn row_of(rec: &RawRecord) -> (Option<&str>, usize) {
    match &rec.origin.place {
        Place::Row { sheet, row } => (sheet.as_ref().map(|s| s.name.as_str()), *row),
        other => panic!("not a row: {other:?}"),
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

fn date(y: i32, m: u32, d: u32) -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

#[test]
fn clean_workbook_reads_every_patient_with_typed_cells() {
    let file = read_ok("clean.xlsx");
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    let recs = records(&file);
    assert_eq!(recs.len(), 5);
    let rows: Vec<_> = recs.iter().map(|r| row_of(r)).collect();
    assert_eq!(
        rows,
        (2..=6).map(|r| (Some("Patients"), r)).collect::<Vec<_>>()
    );
    let ana = recs[0];
    let names: Vec<&str> = ana.cells.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "patient_name",
            "date_of_birth",
            "current_doctor",
            "medical_record_number",
            "reasons",
            "my_questions",
            "patient_address",
            "appointment_date"
        ]
    );
    assert_eq!(cell(ana, "patient_name"), &text("Ana Example"));
    assert_eq!(cell(ana, "date_of_birth"), &date(1970, 2, 3));
    assert_eq!(cell(ana, "medical_record_number"), &text("00482913"));
    assert_eq!(
        cell(ana, "reasons"),
        &text("surgery_recommended; explore_options")
    );
    assert_eq!(
        cell(ana, "my_questions"),
        &text("Is surgery urgent?\nWhat if I wait?")
    );
    assert_eq!(cell(ana, "appointment_date"), &date(2026, 12, 10));
    assert_eq!(ana.text_dates, TextDates::MonthFirst);
    assert_eq!(cell(recs[1], "patient_address"), &Cell::Empty);
    assert_eq!(cell(recs[3], "patient_name"), &text("Đặng Văn Ví Dụ"));
}

#[test]
fn format_is_found_by_content_and_lower_cased_extension() {
    assert_eq!(read_ok("PATIENTS.XLSX").entries.len(), 5);
    let file = read_ok("workbook_named.csv");
    assert_eq!(file.entries.len(), 5);
    assert!(
        file.warnings[0]
            .text
            .contains("named .csv but is a workbook")
    );

    let file = read_ok("csv_named.xlsx");
    let recs = records(&file);
    assert_eq!(recs.len(), 1);
    assert_eq!(row_of(recs[0]), (None, 2));
    assert!(file.warnings[0].text.contains("holds CSV text"));

    let file = read_ok("json_named.xlsx");
    assert_eq!(records(&file)[0].origin.place, Place::Record(1));

    let err = read_err("not_really.xlsx");
    assert!(err.contains("named .xlsx but is not a workbook"), "{err}");
    assert!(err.contains("found no header row"), "{err}");
    assert!(!err.contains("renamed by mistake"), "{err}");
    let err = read_err("truncated.xlsx");
    assert!(err.contains("incomplete or damaged"), "{err}");
    let err = read_err("encrypted.xlsx");
    assert!(err.contains("password-protected"), "{err}");
    assert!(err.contains("save an unprotected copy"), "{err}");
}

#[test]
fn title_rows_aliases_numbers_and_unknown_columns() {
    let file = read_ok("title_rows.xlsx");
    let recs = records(&file);
    let rows: Vec<usize> = recs.iter().map(|r| row_of(r).1).collect();
    // Header in row 4; row 6 is blank, row 9 white space only, row 10 has
    // data only in an ignored column.
    assert_eq!(rows, [5, 7, 8, 11]);
    let names: Vec<&str> = recs[0].cells.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "patient_name",
            "date_of_birth",
            "medical_record_number",
            "member_id",
            "current_doctor",
            "patient_phone"
        ]
    );
    let (ana, ben, cy, dee) = (recs[0], recs[1], recs[2], recs[3]);
    assert_eq!(cell(ana, "medical_record_number"), &text("482913"));
    assert_eq!(cell(ana, "member_id"), &text("123456789012345"));
    assert_eq!(cell(ana, "patient_phone"), &text("2175550142"));
    assert_eq!(cell(ana, "date_of_birth"), &date(1970, 2, 3));
    assert_eq!(cell(ben, "medical_record_number"), &text("00482914"));
    assert_eq!(cell(ben, "member_id"), &Cell::Invalid(TOO_LONG));
    assert_eq!(cell(cy, "date_of_birth"), &text("04/09/1968"));
    assert_eq!(
        cell(cy, "medical_record_number"),
        &Cell::Invalid("a number with decimals")
    );
    assert_eq!(cell(cy, "member_id"), &text("99887766"));
    assert_eq!(cell(dee, "medical_record_number"), &Cell::Empty);

    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    let w = &file.warnings[0].text;
    assert!(
        w.contains(
            "ignored 3 columns on sheet \"Intake\" that are not intake fields: column G (its header does not look like a field name), column I (no header), column J (its header does not look like a field name)"
        ),
        "{w}"
    );
    for value in ["teal", "stray", "mornings", "footnote", "Ana"] {
        assert!(!w.contains(value), "{w}");
    }
}

#[test]
fn dates_in_a_1900_workbook() {
    let file = read_ok("dates.xlsx");
    let recs = records(&file);
    let dob: Vec<&Cell> = recs.iter().map(|r| cell(r, "date_of_birth")).collect();
    assert_eq!(
        dob,
        [
            &date(1968, 4, 9),
            &date(1968, 4, 9),
            &text("04/09/1968"),
            &text("31/31/1999"),
            &Cell::Invalid("a plain number"),
            &text("1968-04-09"),
            &Cell::Invalid("a plain number"),
        ]
    );
    assert_eq!(cell(recs[0], "appointment_date"), &date(2026, 12, 10));
    let rows: Vec<usize> = recs.iter().map(|r| row_of(r).1).collect();
    assert_eq!(rows, [2, 3, 4, 5, 6, 7, 8]);

    let options = InputOptions {
        sheet_dates: TextDates::DayFirst,
        ..InputOptions::default()
    };
    let file = read_opts("dates.xlsx", &options).unwrap();
    assert!(
        records(&file)
            .iter()
            .all(|r| r.text_dates == TextDates::DayFirst)
    );
}

#[test]
fn dates_in_a_1904_workbook() {
    let file = read_ok("dates_1904.xlsx");
    let recs = records(&file);
    assert_eq!(cell(recs[0], "date_of_birth"), &date(1968, 4, 9));
    assert_eq!(cell(recs[1], "date_of_birth"), &date(1968, 4, 9));
}

#[test]
fn missing_and_duplicate_columns_stop_the_file() {
    let err = read_err("missing_columns.xlsx");
    assert!(
        err.contains(
            "in the header row (sheet \"Sheet1\", row 2), there is no column for the required fields date_of_birth, current_doctor"
        ),
        "{err}"
    );
    assert!(!err.contains("Ana"), "{err}");
    let err = read_err("duplicate_columns.xlsx");
    assert!(
        err.contains(
            "(sheet \"Sheet1\", row 1), 2 columns stand for date_of_birth: \"DOB\" (column B) and \"Date of Birth\" (column D)"
        ),
        "{err}"
    );
}

#[test]
fn sheets_are_chosen_by_visibility_or_name() {
    let first = |opts: &InputOptions| {
        let file = read_opts("hidden_first.xlsx", opts).unwrap();
        let rec = records(&file)[0].clone();
        (
            row_of(&rec).0.map(str::to_string),
            cell(&rec, "patient_name").clone(),
        )
    };
    let named = |name: &str| InputOptions {
        sheet: Some(name.into()),
        ..InputOptions::default()
    };
    assert_eq!(
        first(&InputOptions::default()),
        (Some("Intake".into()), text("Visible Example"))
    );
    assert_eq!(
        first(&named("Old")),
        (Some("Old".into()), text("Old Example"))
    );
    assert_eq!(
        first(&named(" intake ")),
        (Some("Intake".into()), text("Visible Example"))
    );
    let err = read_opts("hidden_first.xlsx", &named("Nope"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no sheet named \"Nope\""), "{err}");
    assert!(err.contains("\"Old\", \"Intake\", \"Spare\""), "{err}");
    let err = read_opts("hidden_first.xlsx", &named("Spare"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("found no header row in the sheet \"Spare\""),
        "{err}"
    );
    assert!(err.contains("--sheet"), "{err}");
}

#[test]
fn error_cells_formulas_and_booleans() {
    let file = read_ok("errors.xlsx");
    let recs = records(&file);
    assert_eq!(
        cell(recs[0], "date_of_birth"),
        &Cell::Invalid("a spreadsheet error (#N/A)")
    );
    assert_eq!(
        cell(recs[0], "medical_record_number"),
        &Cell::Invalid("a spreadsheet error (#REF!)")
    );
    assert_eq!(
        cell(recs[0], "diagnosis"),
        &Cell::Invalid("a spreadsheet error (#DIV/0!)")
    );
    assert!(matches!(
        cell(recs[1], "date_of_birth"),
        Cell::Invalid(w) if w.starts_with("a formula whose result was not saved")
    ));
    assert_eq!(cell(recs[1], "medical_record_number"), &text("00123"));
    assert_eq!(cell(recs[1], "diagnosis"), &Cell::Bool(true));
    assert_eq!(cell(recs[2], "date_of_birth"), &date(1970, 1, 2));
    assert_eq!(
        cell(recs[2], "medical_record_number"),
        &Cell::Invalid("a spreadsheet error (#N/A)")
    );
    // The record stage names row and column, and never prints "#N/A" as data.
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let (origin, problems) = crate::record::from_raw(recs[0].clone(), today).unwrap_err();
    assert_eq!(
        origin.to_string(),
        format!(
            "{}, sheet \"Errors\", row 2",
            fixture("errors.xlsx").display()
        )
    );
    assert!(
        problems
            .iter()
            .any(|p| p.field.as_deref() == Some("date_of_birth"))
    );
}

#[test]
fn huge_declared_dimensions_cost_nothing() {
    let file = read_ok("huge_dimensions.xlsx");
    let rows: Vec<usize> = records(&file).iter().map(|r| row_of(r).1).collect();
    assert_eq!(rows, [2, 3]);
}

#[test]
fn caps_on_columns_rows_and_cells() {
    let err = read_err("wide.xlsx");
    assert!(
        err.contains("there is data in column ALM (row 1), beyond the 1000 columns"),
        "{err}"
    );
    let bytes = std::fs::read(fixture("clean.xlsx")).unwrap();
    let read = |limits| {
        read_with(
            Path::new("clean.xlsx"),
            &bytes,
            Workbook::Xlsx,
            &InputOptions::default(),
            limits,
        )
    };
    let err = read(Limits {
        rows: 4,
        ..Limits::DEFAULT
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("more than 4 rows of patients"), "{err}");
    assert!(
        read(Limits {
            rows: 5,
            ..Limits::DEFAULT
        })
        .is_ok()
    );
    let err = read(Limits {
        cells: 10,
        ..Limits::DEFAULT
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("more than 10 filled cells"), "{err}");
}

#[test]
fn old_excel_and_libreoffice_workbooks() {
    let file = read_ok("clean.xls");
    let recs = records(&file);
    assert_eq!(
        recs.iter().map(|r| row_of(r)).collect::<Vec<_>>(),
        [(Some("Patients"), 4), (Some("Patients"), 5)]
    );
    assert_eq!(cell(recs[0], "date_of_birth"), &date(1970, 2, 3));
    assert_eq!(cell(recs[0], "medical_record_number"), &text("482913"));
    assert_eq!(cell(recs[0], "appointment_date"), &date(2026, 12, 10));
    assert_eq!(cell(recs[1], "date_of_birth"), &text("11/30/1985"));
    assert_eq!(cell(recs[1], "medical_record_number"), &text("00123"));

    // The ODS ends in a million repeated empty rows, as LibreOffice writes.
    let file = read_ok("clean.ods");
    let recs = records(&file);
    assert_eq!(
        recs.iter().map(|r| row_of(r)).collect::<Vec<_>>(),
        [(Some("Patients"), 3), (Some("Patients"), 4)]
    );
    assert_eq!(cell(recs[0], "date_of_birth"), &date(1970, 2, 3));
    assert_eq!(cell(recs[0], "medical_record_number"), &text("482913"));
    assert_eq!(cell(recs[0], "appointment_date"), &date(2026, 12, 10));
    assert_eq!(cell(recs[1], "date_of_birth"), &text("11/30/1985"));
    assert_eq!(cell(recs[1], "appointment_date"), &Cell::Empty);
}

#[test]
fn samples_and_the_starter_spreadsheet_are_valid() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let samples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("samples");
    for name in ["patients.xlsx", "patients.csv"] {
        let file = crate::input::read(&samples.join(name), &InputOptions::default()).unwrap();
        assert!(file.warnings.is_empty(), "{name}: {:?}", file.warnings);
        assert_eq!(file.entries.len(), 12, "{name}");
        for entry in file.entries {
            let raw = entry.unwrap();
            assert_eq!(raw.cells.len(), fields::FIELDS.len());
            if let Err((origin, problems)) = crate::record::from_raw(raw, today) {
                panic!("{origin}: {problems:?}");
            }
        }
    }
    // The starter spreadsheet `init --spreadsheet` writes is checked in
    // the command line's src/starter.rs, where it is made.
}

/// Reads a workbook's bytes entry by entry under `limits`: the row numbers
/// handed over, and the result.
fn stream_rows(
    bytes: &[u8],
    limits: Limits,
) -> (Vec<usize>, Result<Vec<crate::input::FileWarning>, Error>) {
    let mut rows = Vec::new();
    let result = read_each_with(
        Path::new("t.xlsx"),
        bytes,
        Workbook::Xlsx,
        &InputOptions::default(),
        limits,
        &mut |entry| rows.push(row_of(&entry.expect("a readable row")).1),
    );
    (rows, result)
}

#[test]
fn rows_are_handed_over_before_the_sheet_is_read_to_its_end() {
    let bytes = std::fs::read(fixture("clean.xlsx")).unwrap();
    // The error is found at row 5, when rows 2 to 4 are already out.
    let (rows, result) = stream_rows(
        &bytes,
        Limits {
            rows: 3,
            ..Limits::DEFAULT
        },
    );
    assert_eq!(rows, [2, 3, 4]);
    let err = result.unwrap_err().to_string();
    assert!(err.contains("more than 3 rows of patients"), "{err}");
    // The cell cap counts as cells arrive: 8 columns a row, so the 21st
    // cell is in row 3, after row 2 was handed over.
    let (rows, result) = stream_rows(
        &bytes,
        Limits {
            cells: 20,
            ..Limits::DEFAULT
        },
    );
    assert_eq!(rows, [2]);
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("more than 20 filled cells")
    );
    let (rows, result) = stream_rows(&bytes, Limits::DEFAULT);
    assert_eq!(rows, [2, 3, 4, 5, 6]);
    assert!(result.unwrap().is_empty());
}

/// A minimal .xlsx whose sheet holds `rows`, each (row number, texts).
fn xlsx_with_rows(rows: &[(usize, [&str; 3])]) -> Vec<u8> {
    use std::io::Write;
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (number, texts) in rows {
        sheet.push_str(&format!(r#"<row r="{number}">"#));
        for (col, text) in ["A", "B", "C"].iter().zip(texts) {
            sheet.push_str(&format!(
                r#"<c r="{col}{number}" t="inlineStr"><is><t>{text}</t></is></c>"#
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in parts {
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn rows_stored_out_of_order_are_refused_not_sorted() {
    let header = (1, ["Name", "DOB", "Doctor"]);
    let (a, b) = ((2, ["A", "x", "y"]), (3, ["B", "x", "y"]));
    let (rows, result) = stream_rows(&xlsx_with_rows(&[header, a, b]), Limits::DEFAULT);
    assert_eq!(rows, [2, 3]);
    result.unwrap();
    let (rows, result) = stream_rows(&xlsx_with_rows(&[header, b, a]), Limits::DEFAULT);
    assert!(rows.is_empty(), "{rows:?}");
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("the rows are stored out of order (sheet 1, row 2 comes after row 3)"),
        "{err}"
    );
    assert!(err.contains("save a new copy"), "{err}");
    // The same row twice, apart: also out of order.
    let (rows, result) = stream_rows(&xlsx_with_rows(&[header, a, b, a]), Limits::DEFAULT);
    assert_eq!(rows, [2]);
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("row 2 comes after row 3")
    );
}

#[test]
fn a_panic_in_the_sink_is_not_a_damaged_workbook() {
    let bytes = std::fs::read(fixture("clean.xlsx")).unwrap();
    let outcome = std::panic::catch_unwind(|| {
        read_each(
            Path::new("t.xlsx"),
            &bytes,
            Workbook::Xlsx,
            &InputOptions::default(),
            &mut |_| panic!("the caller's own bug"),
        )
    });
    let payload = outcome.expect_err("the panic goes on unwinding");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the caller's own bug")
    );
}

/// Found by `cargo fuzz run workbook`: a damaged .xls on which calamine's
/// compound-file reader panics (a slice index past the end of a sector).
/// The panic is caught and reported as a damaged workbook.
#[test]
fn a_reader_panic_is_a_damaged_workbook() {
    let err = read_err("fuzz/xls_calamine_panic.xls");
    assert!(
        err.contains("could not read the workbook (.xls); it may be damaged"),
        "{err}"
    );
    assert!(err.contains("save a new copy"), "{err}");
}
