//! The PDF cutter (`crates/pdfcut`): arbitrary bytes as the packet, with the
//! first byte choosing how many documents to cut and where their pages
//! begin. The cutter only reads what Typst's writer produces and must refuse
//! anything else with `None`: a panic is a finding (the renderer catches
//! one and falls back to separate exports, but it should never need to).
#![no_main]

use libfuzzer_sys::fuzz_target;
use second_opinion_pdfcut::{Part, compact, split};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, packet)) = data.split_first() else {
        return;
    };
    // 1 to 4 documents, each one to four pages long, back to back.
    let mut parts = Vec::new();
    let mut start = 0;
    for k in 0..=usize::from(choice & 3) {
        let pages = usize::from((choice >> (2 + k % 3 * 2)) & 3) + 1;
        parts.push(Part {
            pages: start..start + pages,
            title: if k % 2 == 0 { "Document" } else { "Documento – dos" },
            lang: [None, Some("en"), Some("es")][k % 3],
            ident: "fuzz",
        });
        start += pages;
    }
    if let Some(cut) = split(packet, &parts) {
        assert_eq!(cut.parts.len(), parts.len());
        for pdf in cut.parts.iter().chain([&cut.packet]) {
            assert!(pdf.starts_with(b"%PDF-"));
        }
    }
    if let Some(pdf) = compact(packet) {
        assert!(pdf.starts_with(b"%PDF-"));
    }
});
