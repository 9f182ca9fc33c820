//! Record → packet: arbitrary values in every field of a record that has
//! its required fields, through the record stage and, when the record is
//! valid and printable, the renderer and the ZIP. A valid record that does
//! not render is a finding, as is any panic.
#![no_main]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use second_opinion_core::input::{Cell, Origin, Place, RawRecord, TextDates};
use second_opinion_core::record::fields::FIELDS;
use second_opinion_core::render::{Paper, RenderOptions, Renderer};

#[path = "common.rs"]
mod common;

#[derive(Arbitrary, Debug)]
enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    List(Vec<String>),
    Empty,
    Date(i16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// (field index, value) pairs that replace the defaults.
    cells: Vec<(u8, Value)>,
    dates: u8,
}

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| {
        let options = RenderOptions::new(common::today(), Paper::Letter);
        let languages: BTreeSet<String> = second_opinion_core::render::LANGUAGES
            .iter()
            .map(|l| l.to_string())
            .collect();
        Renderer::new(options, &languages).expect("the built-in templates compile")
    })
}

fuzz_target!(|input: Input| {
    common::quiet_panics();
    let mut cells: Vec<(String, Cell)> = vec![
        ("patient_name".into(), Cell::Text("Ann Example".into())),
        ("date_of_birth".into(), Cell::Text("1970-02-03".into())),
        ("current_doctor".into(), Cell::Text("Dr. Example".into())),
    ];
    for (index, value) in input.cells {
        let name = FIELDS[usize::from(index) % FIELDS.len()].name.to_string();
        let cell = match value {
            Value::Text(t) => Cell::Text(t),
            Value::Number(n) => Cell::Number(n),
            Value::Bool(b) => Cell::Bool(b),
            Value::List(l) => Cell::List(l),
            Value::Empty => Cell::Empty,
            Value::Date(days) => {
                Cell::Date(common::today() + chrono::Duration::days(i64::from(days) * 3))
            }
        };
        match cells.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = cell,
            None => cells.push((name, cell)),
        }
    }
    let raw = RawRecord {
        origin: Origin {
            file: "fuzz.json".into(),
            place: Place::Record(1),
        },
        cells,
        text_dates: match input.dates % 3 {
            0 => TextDates::IsoOnly,
            1 => TextDates::MonthFirst,
            _ => TextDates::DayFirst,
        },
        columns: Default::default(),
    };
    let Ok(patient) = second_opinion_core::record::from_raw(raw, common::today()) else {
        return;
    };
    let pdfs = match renderer().render(&patient) {
        Ok(pdfs) => pdfs,
        Err(problem) => panic!("a valid, printable record did not render: {problem}"),
    };
    assert!(pdfs.iter().all(|(_, pdf)| pdf.starts_with(b"%PDF-")));
    let zip = second_opinion_core::bundle::zip(&pdfs, common::today()).expect("zips in memory");
    assert!(zip.starts_with(b"PK\x03\x04"));
});
