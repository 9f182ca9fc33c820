//! Every code a whole file can be refused or noted with, given by the place
//! that refuses it: one case (at least) per code the core can reach, with
//! the parameters a page words it from. The command line's words are the
//! readers' own tests'; here only the code and its parameters are checked,
//! and that no parameter holds a value from the file.
//!
//! Codes no case here reaches: `sheet_not_a_table` (only with `--sheet`
//! naming a chart sheet), `csv_unreadable` (the CSV reader gets text already
//! decoded, and refuses nothing in it that is checked for here first),
//! `template_documents_not_apart` and `template_stopped` (a template that
//! breaks Typst's page marks, or Typst itself), and the command line's own
//! (`file_too_large`, `not_a_regular_file`, `no_such_sheet` by name,
//! `clinic_profile_too_large`, the shard reports', `bad_option`,
//! `file_system`), which its modules and integration tests cover.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::table::{Limits, Source, Table, Value};
use super::test_files::{fixture, zip_of};
use super::{InputFile, InputOptions, delimited, read_bytes, workbook};
use crate::clinic::ClinicDraft;
use crate::error::{Code, Error, Param, Params};
use crate::render::{DOCUMENTS, Paper, RenderOptions, Renderer, TemplateSet};

/// A value that must never reach a parameter.
const SECRET: &str = "QQSECRET";

/// The refusal's code and parameters, once checked to hold no value.
fn coded<T>(result: Result<T, Error>) -> (Code, Params) {
    let Err(error) = result else {
        panic!("the file is refused")
    };
    let params = error.params().clone();
    let json = serde_json::to_string(&params).unwrap();
    assert!(!json.contains(SECRET), "{json}");
    (error.code(), params)
}

fn read(name: &str, bytes: &[u8]) -> Result<InputFile, Error> {
    read_bytes(Path::new(name), bytes, &InputOptions::default())
}

fn code_of(name: &str, bytes: &[u8]) -> (Code, Params) {
    coded(read(name, bytes))
}

fn word(p: &Params, name: &str) -> String {
    match p.get(name) {
        Some(Param::Word(w)) => w.clone(),
        other => panic!("{name}: {other:?} in {p:?}"),
    }
}

fn number(p: &Params, name: &str) -> usize {
    match p.get(name) {
        Some(Param::Number(n)) => *n,
        other => panic!("{name}: {other:?} in {p:?}"),
    }
}

fn words(p: &Params, name: &str) -> Vec<String> {
    match p.get(name) {
        Some(Param::Words(w)) => w.clone(),
        other => panic!("{name}: {other:?} in {p:?}"),
    }
}

/// A minimal .xlsx whose workbook lists `sheets` (the `<sheet>` elements)
/// and whose one sheet part holds a header row.
fn xlsx_with_sheets(sheets: &str) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org";
    zip_of(&[
        (
            "[Content_Types].xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>patient_name</t></is></c></row></sheetData></worksheet>"#
            ),
        ),
    ])
}

#[test]
fn detection_refuses_with_a_code() {
    assert_eq!(code_of("a.csv", b" \n\r\n").0, Code::FileEmpty);
    let (code, p) = code_of("a.xls", b"\n<html><table>");
    assert_eq!(
        (code, word(&p, "found"), word(&p, "ext")),
        (Code::NotAWorkbook, "web_page".into(), "xls".into())
    );
    let (code, p) = code_of("a.xlsx", b"\x00\x01\x02\xFF");
    assert_eq!(
        (code, word(&p, "found")),
        (Code::NotAWorkbook, "unknown".into())
    );
    for (entries, found) in [
        (&[("word/document.xml", "")][..], "word"),
        (&[("ppt/presentation.xml", "")][..], "powerpoint"),
        (&[("notes.txt", "")][..], "zip"),
        (
            &[("mimetype", "application/vnd.oasis.opendocument.text")][..],
            "opendocument",
        ),
    ] {
        let (code, p) = code_of("a.xlsx", &zip_of(entries));
        assert_eq!(
            (code, word(&p, "found")),
            (Code::NotAWorkbook, found.into())
        );
    }
    let (code, p) = code_of("scan.pdf", b"%PDF-1.7");
    assert_eq!((code, word(&p, "ext")), (Code::UnknownFormat, "pdf".into()));
    let (code, p) = code_of("notes", b"hello");
    assert_eq!(
        (code, word(&p, "ext")),
        (Code::UnknownFormat, String::new())
    );
    let (code, p) = code_of("a.xlsx", format!("{SECRET}\nplain text\n").as_bytes());
    assert_eq!(
        (code, word(&p, "ext"), word(&p, "reason")),
        (
            Code::TextNamedAsWorkbook,
            "xlsx".into(),
            "no_header_row".into()
        )
    );
    assert_eq!(
        code_of("a.xlsx", &fixture("truncated.xlsx")).0,
        Code::WorkbookIncomplete
    );
    assert_eq!(
        code_of("a.xlsx", &fixture("encrypted.xlsx")).0,
        Code::PasswordProtected
    );
    let xlsb = zip_of(&[("[Content_Types].xml", ""), ("xl/workbook.bin", "")]);
    let (code, p) = code_of("a.xlsb", &xlsb);
    assert_eq!(
        (code, word(&p, "format")),
        (Code::WorkbookDamaged, "xlsb".into())
    );
    // A part whose size (as the ZIP's directory states it) is too large.
    let mut huge = zip_of(&[("xl/workbook.xml", ""), ("xl/worksheets/sheet1.xml", "")]);
    let at = huge.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    huge[at + 24..at + 28].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    let (code, p) = code_of("a.xlsx", &huge);
    assert_eq!(
        (code, word(&p, "part"), number(&p, "max_mb")),
        (Code::WorkbookTooLarge, "part".into(), 128)
    );
}

#[test]
fn sheets_and_tables_refuse_with_a_code() {
    let (code, p) = coded(read_bytes(
        Path::new("a.xlsx"),
        &fixture("hidden_first.xlsx"),
        &InputOptions {
            sheet: Some("Nope".into()),
            ..InputOptions::default()
        },
    ));
    assert_eq!(code, Code::NoSuchSheet);
    assert!(number(&p, "sheets") >= 2, "{p:?}");
    assert_eq!(code_of("a.xlsx", &xlsx_with_sheets("")).0, Code::NoSheets);
    let hidden = xlsx_with_sheets(r#"<sheet name="S" sheetId="1" state="hidden" r:id="rId1"/>"#);
    let (code, p) = code_of("a.xlsx", &hidden);
    assert_eq!((code, number(&p, "sheets")), (Code::NoVisibleSheet, 1));

    let (code, p) = code_of("a.csv", b",,\n,,\n");
    assert_eq!((code, number(&p, "sheets")), (Code::TableEmpty, 0));
    let (code, p) = code_of("a.csv", format!("{SECRET},b\nc,d\n").as_bytes());
    assert_eq!((code, number(&p, "rows")), (Code::NoHeaderRow, 20));
    let (code, p) = code_of("a.csv", b"patient_name,date_of_birth,current_doctor\n");
    assert_eq!((code, number(&p, "row")), (Code::NoPatientRows, 1));
    let (code, p) = code_of(
        "a.csv",
        format!("\n\nName,Phone\n{SECRET},555\n").as_bytes(),
    );
    assert_eq!(code, Code::MissingColumns);
    assert_eq!(number(&p, "row"), 3);
    assert_eq!(words(&p, "fields"), ["date_of_birth", "current_doctor"]);
    assert!(words(&p, "duplicated").is_empty());
    let (code, p) = code_of(
        "a.csv",
        format!("Name,patient_name,DOB\n{SECRET},x,1970-01-01\n").as_bytes(),
    );
    assert_eq!(code, Code::MissingColumns);
    assert_eq!(
        (words(&p, "fields"), words(&p, "duplicated")),
        (
            vec!["current_doctor".to_string()],
            vec!["patient_name".to_string()]
        )
    );
    let (code, p) = code_of("a.xlsx", &fixture("duplicate_columns.xlsx"));
    assert_eq!(code, Code::DuplicateColumns);
    assert_eq!(
        (words(&p, "fields"), words(&p, "columns")),
        (
            vec!["date_of_birth".to_string()],
            vec!["B".to_string(), "D".to_string()]
        )
    );
    let (code, p) = code_of("a.xlsx", &fixture("wide.xlsx"));
    assert_eq!(
        (
            code,
            word(&p, "column"),
            number(&p, "row"),
            number(&p, "max")
        ),
        (Code::TooManyColumns, "ALM".into(), 1, 1000)
    );
}

#[test]
fn limits_refuse_with_a_code() {
    let csv = format!(
        "patient_name,date_of_birth,current_doctor\n{SECRET},1970-01-01,Dr. A\nB,1970-01-01,Dr. A\n"
    );
    let small = |limits| {
        delimited::read_with(
            Path::new("a.csv"),
            csv.as_bytes(),
            &InputOptions::default(),
            limits,
        )
    };
    let (code, p) = coded(small(Limits {
        rows: 1,
        ..Limits::DEFAULT
    }));
    assert_eq!((code, number(&p, "max")), (Code::TooManyPatients, 1));
    let (code, p) = coded(small(Limits {
        cells: 4,
        ..Limits::DEFAULT
    }));
    assert_eq!((code, number(&p, "max")), (Code::TooManyCells, 4));
    let (code, p) = coded(workbook::read_with(
        Path::new("a.ods"),
        &fixture("clean.ods"),
        workbook::Workbook::Ods,
        &InputOptions::default(),
        Limits {
            cells: 4,
            ..Limits::DEFAULT
        },
    ));
    assert_eq!((code, number(&p, "max")), (Code::CellsRepeated, 4));
    // Rows stored out of order, fed to a table as a reader would.
    let mut sink = |_| {};
    let source = Source {
        sheet: None,
        all_sheets: Vec::new(),
        unit: "row",
        is_1904: false,
    };
    let path = PathBuf::from("a.xlsx");
    let mut table = Table::new(
        &path,
        source,
        &InputOptions::default(),
        Limits::DEFAULT,
        &mut sink,
    );
    table.push(3, 0, Value::Text(SECRET.into())).unwrap();
    let (code, p) = coded(table.push(2, 0, Value::Text(SECRET.into())));
    assert_eq!(
        (code, number(&p, "row"), number(&p, "after")),
        (Code::RowsOutOfOrder, 2, 3)
    );
}

#[test]
fn text_refuses_with_a_code() {
    let (code, p) = code_of("a.csv", b"patient_name\n\xE9\n");
    assert_eq!(
        (code, word(&p, "format"), number(&p, "line")),
        (Code::NotUtf8, "csv".into(), 2)
    );
    let (code, p) = code_of("a.csv", b"a,b\nc\0d\n");
    assert_eq!((code, number(&p, "line")), (Code::NotText, 2));
    let (code, p) = code_of("a.csv", b"\xFF\xFEa\0\n\0\x00\xD8b\0");
    assert_eq!(
        (code, number(&p, "line"), word(&p, "encoding")),
        (Code::NotInEncoding, 2, "UTF-16LE".into())
    );
    let (code, p) = code_of("a.csv", format!("a,b\n\"{SECRET},x\ny,z\n").as_bytes());
    assert_eq!((code, number(&p, "line")), (Code::UnclosedQuote, 2));
    let wide = format!("a,b\n{}\n", ",".repeat(16_384));
    let (code, p) = code_of("a.csv", wide.as_bytes());
    assert_eq!(
        (code, number(&p, "line"), number(&p, "max")),
        (Code::LineTooWide, 2, 16_384)
    );
}

#[test]
fn json_refuses_with_a_code() {
    let (code, p) = code_of("a.json", b"\xFF\xFE[\0]\0");
    assert_eq!(
        (code, word(&p, "format"), word(&p, "found")),
        (Code::NotUtf8, "json".into(), "utf16".into())
    );
    let (code, p) = code_of("a.json", b"[\n{\"patient_name\": \"\xE9\"}]");
    assert_eq!((code, number(&p, "line")), (Code::NotUtf8, 2));
    for (text, problem, line, column) in [
        (
            format!("{{\"patient_name\": \"{SECRET}\"\n \"x\": 1}}"),
            "comma_or_brace",
            2,
            2,
        ),
        (
            format!("[{{\"patient_name\": \"{SECRET}\"}} {{}}]"),
            "comma_or_bracket",
            1,
            31,
        ),
        (format!("{{\"patient_name\" \"{SECRET}\"}}"), "colon", 1, 17),
        (format!("{{\"patient_name\": {SECRET}}}"), "value", 1, 18),
        (
            format!("[{{\"patient_name\": \"{SECRET}\"}},]"),
            "trailing_comma",
            1,
            31,
        ),
        (
            format!("{{\"patient_name\": \"{SECRET}\"}} x"),
            "trailing_characters",
            1,
            30,
        ),
        ("{1: 2}".to_string(), "key_not_text", 1, 2),
        (
            format!("{{\"patient_name\": \"{SECRET}"),
            "ends_early",
            1,
            26,
        ),
    ] {
        let (code, p) = code_of("a.json", text.as_bytes());
        assert_eq!(code, Code::JsonSyntax, "{text}");
        assert_eq!(word(&p, "problem"), problem, "{text}");
        assert_eq!(
            (number(&p, "line"), number(&p, "column")),
            (line, column),
            "{text}"
        );
    }
    assert_eq!(
        code_of("a.json", br#"{"patients": [], "other": 1}"#).0,
        Code::PatientsBesideOtherKeys
    );
    assert_eq!(
        code_of("a.json", br#"{"patients": 5}"#).0,
        Code::PatientsNotAList
    );
    assert_eq!(code_of("a.json", b"5").0, Code::NoPatientRecord);
    assert_eq!(code_of("a.json", b"[]").0, Code::EmptyPatientList);
}

#[test]
fn readers_note_whole_files_with_a_code() {
    let file = read("clean.csv", &fixture("clean.xlsx")).unwrap();
    let warning = &file.warnings[0];
    assert_eq!(warning.code, Code::ReadAsWorkbook);
    assert_eq!(
        (
            word(&warning.params, "ext"),
            word(&warning.params, "format")
        ),
        ("csv".into(), "xlsx".into())
    );
    // The command line's line is unchanged by the code.
    assert_eq!(
        warning.to_string(),
        "clean.csv: the file is named .csv but is a workbook (.xlsx); it was read as a workbook"
    );
    let file = read("a.xlsx", &fixture("csv_named.xlsx")).unwrap();
    assert_eq!(file.warnings[0].code, Code::ReadAsCsv);
    let csv = format!(
        "patient_name,date_of_birth,current_doctor,notes,,{SECRET} {SECRET} {SECRET} {SECRET} {SECRET}\nA,1970-01-01,Dr. A,x,y,z\n"
    );
    let file = read("a.csv", csv.as_bytes()).unwrap();
    let warning = &file.warnings[0];
    assert_eq!(warning.code, Code::IgnoredColumns);
    let p = &warning.params;
    assert_eq!(number(p, "count"), 3);
    assert_eq!(words(p, "columns"), ["D", "E", "F"]);
    assert_eq!(words(p, "names"), ["notes"]);
    assert!(!warning.text.contains(SECRET), "{}", warning.text);
}

#[test]
fn the_clinic_profile_and_logo_refuse_with_a_code() {
    let parse = |text: &str| ClinicDraft::parse(Path::new("clinic.json"), text.as_bytes());
    for (text, problem) in [
        ("{\"name\": \"X\",}", "syntax"),
        ("{\"name\": 5}", "not_text"),
        ("{\"name\": \"X\", \"colour\": \"red\"}", "keys"),
    ] {
        let (code, p) = coded(parse(text));
        assert_eq!(
            (code, word(&p, "problem")),
            (Code::ClinicProfileInvalid, problem.into()),
            "{text}"
        );
        assert_eq!(number(&p, "line"), 1);
    }
    assert_eq!(coded(parse(r#"{"name": " "}"#)).0, Code::ClinicNameEmpty);
    assert_eq!(
        coded(parse(r#"{"name": "X", "paper": "a5"}"#)).0,
        Code::ClinicPaperInvalid
    );
    let (code, p) = coded(parse(r#"{"name": "X", "fax": "王"}"#).unwrap().finish(None));
    assert_eq!(
        (code, word(&p, "key")),
        (Code::ClinicUnprintable, "fax".into())
    );
    let named = || parse(r#"{"name": "X", "logo": "logo.png"}"#).unwrap();
    assert_eq!(coded(named().finish(None)).0, Code::LogoMissing);
    let big = vec![0; 6 << 20];
    let (code, p) = coded(named().finish(Some(big)));
    assert_eq!((code, number(&p, "max_mb")), (Code::LogoTooLarge, 5));
    assert_eq!(
        coded(named().finish(Some(b"GIF89a".to_vec()))).0,
        Code::LogoNotAnImage
    );
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend(65_000u32.to_be_bytes());
    bomb.extend(65_000u32.to_be_bytes());
    bomb.extend([8, 2, 0, 0, 0]);
    let (code, p) = coded(named().finish(Some(bomb)));
    assert_eq!(code, Code::ImageRefused);
    assert_eq!(
        (word(&p, "subject"), word(&p, "reason"), word(&p, "format")),
        ("logo".into(), "too_large".into(), "PNG".into())
    );
    assert_eq!(
        (
            number(&p, "width"),
            number(&p, "height"),
            number(&p, "inside_svg")
        ),
        (65_000, 65_000, 0)
    );
}

/// A templates folder holding one file.
fn templates(name: &str, bytes: &[u8]) -> Result<TemplateSet, Error> {
    TemplateSet::from_files(
        Path::new("templates"),
        vec![(PathBuf::from(name), bytes.to_vec())],
    )
}

#[test]
fn a_templates_folder_refuses_with_a_code() {
    assert_eq!(
        coded(templates("en/x.typ", b"\xFF")).0,
        Code::TemplateNotUtf8
    );
    for (name, reason) in [
        ("en /x.typ", "dot_or_space"),
        ("en/a<b.typ", "windows_character"),
        ("en/CON.typ", "device_name"),
        ("en/a\\b.typ", "characters"),
    ] {
        let (code, p) = coded(templates(name, b""));
        assert_eq!(
            (code, word(&p, "reason")),
            (Code::TemplateNameUnusable, reason.into()),
            "{name}"
        );
    }
    assert_eq!(
        coded(templates("en/Packet.typ", b"")).0,
        Code::TemplateNamedPacket
    );
    let shouting = format!("en/{}", DOCUMENTS[0].template.to_uppercase());
    let (code, p) = coded(templates(&shouting, b""));
    assert_eq!(
        (code, word(&p, "other")),
        (Code::TemplateNameCase, "built_in".into())
    );
    let (code, p) = coded(templates("en/big.png", &vec![0; 6 << 20]));
    assert_eq!(
        (code, number(&p, "max"), number(&p, "max_mb")),
        (Code::TooManyTemplateFiles, 200, 5)
    );
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend(65_000u32.to_be_bytes());
    bomb.extend(65_000u32.to_be_bytes());
    bomb.extend([8, 2, 0, 0, 0]);
    let (code, p) = coded(templates("en/photo.png", &bomb));
    assert_eq!(
        (code, word(&p, "subject")),
        (Code::ImageRefused, "template_file".into())
    );
}

fn check(templates: TemplateSet, language: &str) -> Result<Renderer, Error> {
    let mut options = RenderOptions::new(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        Paper::Letter,
    );
    options.templates = templates;
    Renderer::new(options, &BTreeSet::from([language.to_string()]))
}

#[test]
fn the_template_check_refuses_with_a_code() {
    // A language folder without the documents every language needs.
    let set = templates("fr/checklist.typ", b"").unwrap();
    let (code, p) = coded(check(set, "fr"));
    assert_eq!(
        (code, number(&p, "count")),
        (Code::TemplateMissing, DOCUMENTS.len())
    );
    let set = templates("en/two words.typ", b"").unwrap();
    assert_eq!(coded(check(set, "en")).0, Code::TemplateDocumentName);
    let set = templates("en/extra.typ", b"#let x = (").unwrap();
    let Err(error) = check(set, "en") else {
        panic!("a template that does not compile is refused")
    };
    assert_eq!(error.code(), Code::TemplateFailed);
    assert!(
        error
            .to_string()
            .starts_with("the template templates/en/extra.typ could not be built"),
        "{error}"
    );
}
