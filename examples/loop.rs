//! Benchmark baseline: the loop a clinic's IT would write instead of
//! `second-opinion build`. The templates exported with `second-opinion
//! templates export DIR` are compiled once per packet with the Typst library
//! in one process, warm caches kept between packets (evicted with age 10
//! after each, as Typst's own CLI does in watch mode), and only `packet.pdf`
//! is written: no separate documents, no ZIP, no checks.
//!
//! The patient data Typst reads is the same `/data.json` the renderer
//! serves (taken from the core, behind its `bench` feature), so both compile
//! the same pages. `bench/run` times this against `build`. Not part of the
//! product.
//!
//! Usage: loop TEMPLATES_DIR INPUT OUT_DIR YYYY-MM-DD

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use second_opinion::config::CheckConfig;
use second_opinion_core::input::InputOptions;
use second_opinion_core::render::{Paper, RenderOptions, Renderer};

/// The exported templates and the fonts, loaded once.
struct Folder {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

/// One packet's world: the folder plus `/data.json`.
struct Packet<'a> {
    folder: &'a Folder,
    main: FileId,
    data: FileId,
    bytes: Bytes,
}

fn id(path: &str) -> FileId {
    FileId::new(RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a valid path"),
    ))
}

impl World for Packet<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.folder.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.folder.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        self.folder
            .sources
            .get(&id)
            .cloned()
            .ok_or(FileError::NotSource)
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data {
            return Ok(self.bytes.clone());
        }
        self.folder
            .files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.folder.fonts.get(index).cloned()
    }
    fn today(&self, _: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.folder.today)
    }
}

/// Every file under `dir`, as `(virtual path, bytes)`.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("a readable templates folder") {
        let entry = entry.unwrap();
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            walk(&entry.path(), &name, out);
        } else {
            out.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, templates, input, out, date] = args.as_slice() else {
        eprintln!("usage: loop TEMPLATES_DIR INPUT OUT_DIR YYYY-MM-DD");
        std::process::exit(2);
    };
    let today =
        second_opinion::config::run_date(Some(date), None, chrono::Local::now().date_naive())
            .expect("a valid --date");

    // The fonts the packets use: Typst's embedded ones and the vendored sans.
    let mut fonts: Vec<Font> = typst_kit::fonts::embedded().map(|(font, _)| font).collect();
    let sans = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/fonts");
    for file in ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] {
        let bytes = std::fs::read(sans.join(file)).expect("the vendored fonts");
        fonts.extend(Font::iter(Bytes::new(bytes)));
    }
    let mut files = Vec::new();
    walk(Path::new(templates), "", &mut files);
    let mut folder = Folder {
        library: LazyHash::new(
            Library::builder()
                .with_inputs(
                    [(
                        "large-print".into(),
                        typst::foundations::Value::Str("false".into()),
                    )]
                    .into_iter()
                    .collect(),
                )
                .build(),
        ),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        sources: HashMap::new(),
        files: HashMap::new(),
        today: {
            use chrono::Datelike;
            Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8).unwrap()
        },
    };
    for (path, bytes) in files {
        let file = id(&path);
        if path.ends_with(".typ") {
            let text = String::from_utf8(bytes.clone()).expect("UTF-8 templates");
            folder.sources.insert(file, Source::new(file, text));
        }
        folder.files.insert(file, Bytes::new(bytes));
    }

    // The patients, and the data Typst reads for each.
    let check = CheckConfig {
        inputs: vec![PathBuf::from(input)],
        today,
        input: InputOptions::default(),
    };
    let mut patients = Vec::new();
    second_opinion::run::each_record(&check, &mut |checked| patients.extend(checked.ok()))
        .expect("readable input");
    let renderer = Renderer::new(
        RenderOptions::new(today, Paper::Letter),
        &BTreeSet::from(["en".to_string()]),
    )
    .expect("the built-in templates");

    std::fs::create_dir_all(out).unwrap();
    let main = id("/main.typ");
    let data = id("/data.json");
    let options = PdfOptions {
        timestamp: Some(Timestamp::new_utc(
            Datetime::from_ymd_hms(2026, 1, 1, 12, 0, 0).unwrap(),
        )),
        standards: PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1]).unwrap(),
        ident: Smart::Auto,
        ..PdfOptions::default()
    };
    for (n, patient) in patients.iter().enumerate() {
        let world = Packet {
            folder: &folder,
            main,
            data,
            bytes: Bytes::new(renderer.template_data(patient).expect("data")),
        };
        let document: typst_layout::PagedDocument =
            typst::compile(&world).output.expect("compiles");
        let pdf = typst_pdf::pdf(&document, &options).expect("exports");
        std::fs::write(Path::new(out).join(format!("{n}.pdf")), pdf).unwrap();
        typst::comemo::evict(10);
    }
    println!("loop: built {} packets", patients.len());
}
