//! Benchmark baseline: the same packets built the naive way, calling the
//! Typst library once per document with nothing shared — a fresh standard
//! library, font store and template set for every document, and Typst's
//! caches emptied in between, as separate `typst compile` calls would be.
//!
//! `bench/run` times this against `second-opinion build` so the gain of
//! sharing one warm base across a run is visible. Not part of the product.
//!
//! Usage: baseline INPUT.json OUT_DIR YYYY-MM-DD

use std::path::PathBuf;

use second_opinion::config::CheckConfig;
use second_opinion::output::OutputDir;
use second_opinion_core::input::InputOptions;
use second_opinion_core::naming::Namer;
use second_opinion_core::render::{DOCUMENTS, PACKET_FILE, Paper, RenderOptions, Renderer};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, out, date] = args.as_slice() else {
        eprintln!("usage: baseline INPUT.json OUT_DIR YYYY-MM-DD");
        std::process::exit(2);
    };
    let today =
        second_opinion::config::run_date(Some(date), None, chrono::Local::now().date_naive())
            .expect("a valid --date");
    let check = CheckConfig {
        inputs: vec![PathBuf::from(input)],
        today,
        input: InputOptions::default(),
    };
    let mut patients = Vec::new();
    second_opinion::run::each_record(&check, &mut |checked| {
        patients.extend(checked.ok());
    })
    .expect("readable input");
    let options = RenderOptions::new(today, Paper::Letter);
    let out = OutputDir::prepare(&PathBuf::from(out), true).expect("writable output folder");
    let mut namer = Namer::default();
    for patient in &patients {
        let mut pdfs = Vec::new();
        for (index, doc) in DOCUMENTS.iter().enumerate() {
            let renderer = Renderer::load(options.clone());
            pdfs.push((
                doc.file_name.to_string(),
                renderer.render_document(patient, index).expect("renders"),
            ));
            typst::comemo::evict(0);
        }
        // The whole-packet PDF, also from a cold start.
        let renderer = Renderer::load(options.clone());
        pdfs.push((
            PACKET_FILE.to_string(),
            renderer.render_combined(patient).expect("renders"),
        ));
        typst::comemo::evict(0);
        let zip = second_opinion_core::bundle::zip(&pdfs, today).expect("zips");
        out.write(&namer.packet_name(patient), &zip)
            .expect("writes");
    }
    println!("baseline: built {} packets", patients.len());
}
