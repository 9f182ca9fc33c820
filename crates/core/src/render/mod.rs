//! Render stage: one [`Patient`] in, the packet's PDFs out.
//!
//! The Typst templates are embedded in the binary (see `build.rs`); a clinic
//! can replace any of them, or add documents, with `--templates DIR`. A
//! [`Renderer`] is built once per run (fonts, standard library, templates
//! loaded once) and shared by reference between worker threads.
//!
//! Each packet is one compile of the fixed main file `/main.typ`, which
//! imports the document templates listed in `/data.json` and reads the
//! patient from it. The packet is exported once, as `packet.pdf`, and every
//! document's PDF is cut out of it (`split`).
//!
//! The renderer checks every template it will use against a fictional sample
//! patient when it is built, so a broken template stops the run before any
//! patient is touched, with Typst's own diagnostics (file, line, column).

pub mod templates;
pub mod world;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::NaiveDate;
use serde::Serialize;
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Smart};
use typst::syntax::FileId;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::clinic::Clinic;
use crate::error::{Code, Error, Problem};
use crate::record::Patient;
pub use templates::{BUILT_IN_TEMPLATES, LANGUAGES, TemplateSet};
use world::{Base, file_id};

/// How many of one worker's packets an unused entry of Typst's caches
/// survives. The caches are shared by every worker and trimmed after every
/// packet, so an entry lives `CACHE_AGE` × [`RenderOptions::workers`] trims
/// ([`Renderer::trim_caches`]). Trimming keeps memory flat over long runs
/// (docs/typst.md); a longer life lets a packet reuse what the packets
/// before it laid out, whichever worker built them. Measured on 1,000
/// sample packets (bench/PROFILE.md, change 5), lives in trims: with two
/// workers, 1 took 50.1 s (each worker's entries were gone before it came
/// back to them), 4 took 22.6 s, 8 took 21.5 s at 186 MB peak, 16 took
/// 24.8 s at 196 MB; with one worker, 1 took 58.8 s and 4 took 47.7 s at
/// 131 MB.
const CACHE_AGE: usize = 4;

/// One built-in document of the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentKind {
    /// The entry name inside the ZIP.
    pub file_name: &'static str,
    /// The template's file name (inside the language folder).
    pub template: &'static str,
    /// What the document is, in words for error messages.
    pub label: &'static str,
}

/// The packet's built-in documents, in the order they appear in the ZIP and
/// in `packet.pdf`: the patient's order of use (start here, send for the
/// records, call the plan, book and prepare the visit, ask, compare).
/// The reading copy of the letter (`records-request-letter-copy.typ`: the
/// letter in Spanish in a Spanish packet, in large print in a large-print
/// one) comes right after the letter; documents a clinic adds come after
/// them all ([`TemplateSet::packet_documents`]).
pub const DOCUMENTS: &[DocumentKind] = &[
    DocumentKind {
        file_name: "checklist.pdf",
        template: "checklist.typ",
        label: "cover checklist",
    },
    DocumentKind {
        file_name: "records-request-letter.pdf",
        template: "records-request-letter.typ",
        label: "records request letter",
    },
    DocumentKind {
        file_name: "insurance-call-script.pdf",
        template: "insurance-call-script.typ",
        label: "insurance call script",
    },
    DocumentKind {
        file_name: "second-opinion-appointment.pdf",
        template: "second-opinion-appointment.typ",
        label: "appointment page",
    },
    DocumentKind {
        file_name: "my-health-summary.pdf",
        template: "my-health-summary.typ",
        label: "health summary",
    },
    DocumentKind {
        file_name: "second-opinion-questions.pdf",
        template: "second-opinion-questions.typ",
        label: "question sheet",
    },
    DocumentKind {
        file_name: "opinion-comparison-table.pdf",
        template: "opinion-comparison-table.typ",
        label: "opinion comparison table",
    },
];

/// The file name of the whole packet in one PDF, last in the ZIP.
pub const PACKET_FILE: &str = "packet.pdf";

/// One document to render for a language: a built-in one or a clinic's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The entry name inside the ZIP.
    pub file_name: String,
    /// The template's virtual path, such as `/en/checklist.typ`.
    pub template: String,
    /// What the document is, in words for error messages.
    pub label: String,
}

pub use crate::paper::Paper;

/// Settings that hold for every packet of a run.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The run date: the only date the output depends on.
    pub today: NaiveDate,
    /// The paper size.
    pub paper: Paper,
    /// The language of patients whose record names none.
    pub language: String,
    /// Body text of at least 16 pt.
    pub large_print: bool,
    /// The clinic shown on the cover page and question sheet.
    pub clinic: Option<Clinic>,
    /// The templates: built-in, with a clinic's overrides and additions.
    pub templates: TemplateSet,
    /// How many threads call [`Renderer::render`] at once (1 in the
    /// browser). They share Typst's caches, which every packet trims, so
    /// the renderer keeps cache entries for as many trims as it takes each
    /// worker to build the same number of packets, whatever the count.
    pub workers: usize,
}

/// Most pages the sample packet may have: the built-in one has about ten.
pub const MAX_SAMPLE_PAGES: usize = 200;
/// Most pages a real packet may have. A template that makes endless pages
/// only for some data fails that record, not the run.
pub const MAX_PACKET_PAGES: usize = 500;

impl RenderOptions {
    /// Options with the built-in templates, English, no clinic.
    pub fn new(today: NaiveDate, paper: Paper) -> Self {
        RenderOptions {
            today,
            paper,
            language: "en".into(),
            large_print: false,
            clinic: None,
            templates: TemplateSet::built_in(),
            workers: 1,
        }
    }
}

/// What the templates receive in `/data.json`.
#[derive(Serialize)]
struct TemplateData<'a> {
    patient: &'a Patient,
    meta: Meta<'a>,
}

/// Facts about the run and the document being built, beside the patient.
#[derive(Serialize)]
struct Meta<'a> {
    /// The run date, ISO.
    today: String,
    /// `us-letter` or `a4`.
    paper: &'static str,
    /// The language of the documents.
    language: &'a str,
    /// Body text of at least 16 pt.
    large_print: bool,
    /// The clinic, or `null`.
    clinic: Option<&'a Clinic>,
    /// The templates to render, in order (one, or all for packet.pdf).
    documents: Vec<&'a str>,
    /// Every document of the packet, in order, for the cover's contents list.
    contents: Vec<ContentsEntry<'a>>,
}

#[derive(Serialize)]
struct ContentsEntry<'a> {
    template: &'a str,
    file: &'a str,
}

/// The packet's PDFs, as `(entry name, bytes)`, in ZIP order.
pub type RenderedPacket = Vec<(String, Vec<u8>)>;

/// Builds packets. Created once per run; `render` may be called from many
/// threads at once.
pub struct Renderer {
    base: Base,
    main: FileId,
    options: RenderOptions,
    /// The documents of each checked language, worked out once per run.
    documents: std::collections::BTreeMap<String, Vec<Document>>,
}

impl Renderer {
    /// Loads fonts and templates and checks every template of the given
    /// languages against a sample patient.
    ///
    /// Typst cannot be cancelled, and the core starts no thread and reads no
    /// clock: a front end that must bound the check (a clinic's template may
    /// loop for ever) runs this on a thread of its own and watches it, as
    /// the command line does (`src/check.rs`).
    pub fn new(options: RenderOptions, languages: &BTreeSet<String>) -> Result<Self, Error> {
        let mut renderer = Self::unchecked(options);
        for language in languages {
            let documents = renderer.check_templates(language)?;
            renderer.documents.insert(language.clone(), documents);
        }
        Ok(renderer)
    }

    /// Loads fonts and templates without checking them: for benchmarks that
    /// measure loading itself. Use [`Renderer::new`].
    #[cfg(feature = "bench")]
    pub fn load(options: RenderOptions) -> Self {
        Self::unchecked(options)
    }

    /// Loads fonts and templates; [`Renderer::new`] then checks them.
    fn unchecked(options: RenderOptions) -> Self {
        let mut files = options.templates.other_files().to_vec();
        if let Some(clinic) = &options.clinic
            && let Some(logo) = &clinic.logo
        {
            files.push((logo.clone(), clinic.logo_bytes.clone()));
        }
        let large_print = if options.large_print { "true" } else { "false" };
        let base = Base::new(
            &options.templates.sources(),
            &files,
            &[("large-print", large_print)],
            options.today,
        );
        Renderer {
            base,
            main: file_id("/main.typ"),
            options,
            documents: Default::default(),
        }
    }

    /// The run date every packet carries.
    pub fn today(&self) -> NaiveDate {
        self.options.today
    }

    /// The language a patient's packet is written in.
    fn language<'a>(&'a self, patient: &'a Patient) -> &'a str {
        patient
            .language
            .as_deref()
            .unwrap_or(&self.options.language)
    }

    /// Builds a fictional patient's packet in a language the way every real
    /// packet is built (one compile, split into documents), so template
    /// mistakes surface before any real record, with Typst's diagnostics.
    fn check_templates(&self, language: &str) -> Result<Vec<Document>, Error> {
        let documents = self
            .options
            .templates
            .packet_documents(language, self.options.large_print)?;
        let mut sample = crate::record::sample_patient();
        sample.language = Some(language.to_string());
        let folder = || {
            self.options
                .templates
                .display_name(&format!("/{language}/"))
        };
        match self.packet(
            &sample,
            language,
            &documents,
            MAX_SAMPLE_PAGES,
            Export::Split,
        ) {
            Ok(_) => Ok(documents),
            Err(Failure::TooLong(index)) => Err(Error::template(
                Code::TemplateTooLong,
                documents
                    .get(index)
                    .map_or_else(folder, |d| self.options.templates.display_name(&d.template)),
                format!(
                    "the sample packet came out longer than {MAX_SAMPLE_PAGES} pages (the built-in one has about ten)"
                ),
                "look for content that repeats without end in this template",
            )
            .with("max", MAX_SAMPLE_PAGES)),
            Err(Failure::Diagnostics(diags)) if self.blames_logo(&diags) => {
                let clinic = self.options.clinic.as_ref();
                let file = clinic.and_then(|c| c.files.get(1)).cloned().unwrap_or_default();
                // Typst's details would quote the logo's text; name it only.
                Err(Error::input(
                    Code::LogoUnreadable,
                    file,
                    "the clinic logo could not be read as an image",
                    "open the logo in an image program and save it again as PNG, JPEG or SVG",
                ))
            }
            Err(Failure::Diagnostics(diags)) => {
                // Name the file the first error is in (the template, or one
                // it imports), as Typst's own details below do.
                let name = diags
                    .iter()
                    .find_map(|d| d.span.id())
                    .map(|id| {
                        let path = id.vpath().get_with_slash().to_string();
                        self.options.templates.display_name(&path)
                    })
                    .unwrap_or_else(folder);
                Err(Error::template(
                    Code::TemplateFailed,
                    name,
                    self.format_diagnostics(&diags),
                    "fix the template at the place shown; nothing was built",
                ))
            }
            Err(Failure::Split) => Err(Error::template(
                Code::TemplateDocumentsNotApart,
                folder(),
                "the documents compiled, but their pages could not be told apart",
                "keep lib.typ's `render` as exported (it marks where each document starts), and do not give two documents the same label",
            )),
            Err(Failure::Panic) => Err(Error::template(
                Code::TemplateStopped,
                folder(),
                "Typst stopped unexpectedly while building it",
                "simplify the templates around their most recent change",
            )
            .with("reason", "crashed")),
        }
    }

    /// Whether the sample packet's errors are in the clinic logo's file.
    fn blames_logo(&self, diags: &[SourceDiagnostic]) -> bool {
        let Some(logo) = self.options.clinic.as_ref().and_then(|c| c.logo.as_deref()) else {
            return false;
        };
        let logo = file_id(logo);
        diags.iter().any(|d| d.span.id() == Some(logo))
    }

    /// Typst's diagnostics as `typst compile` prints them. Only used for the
    /// sample patient, so no real patient's data can appear in them.
    fn format_diagnostics(&self, diags: &[SourceDiagnostic]) -> String {
        let world = self.base.world(self.main, Bytes::new(Vec::new()));
        let mut buffer = typst_kit::diagnostics::termcolor::Buffer::no_color();
        let _ = typst_kit::diagnostics::emit(&mut buffer, &world, diags, Default::default());
        String::from_utf8_lossy(buffer.as_slice())
            .trim_end()
            .to_string()
    }

    /// The `/data.json` bytes for one compile of `render` among `all`.
    fn data(
        &self,
        patient: &Patient,
        language: &str,
        all: &[Document],
        render: &[Document],
    ) -> Bytes {
        let data = TemplateData {
            patient,
            meta: Meta {
                today: self.options.today.format("%Y-%m-%d").to_string(),
                paper: self.options.paper.typst_name(),
                language,
                large_print: self.options.large_print,
                clinic: self.options.clinic.as_ref(),
                documents: render.iter().map(|d| d.template.as_str()).collect(),
                contents: all
                    .iter()
                    .map(|d| ContentsEntry {
                        template: &d.template,
                        file: &d.file_name,
                    })
                    .collect(),
            },
        };
        Bytes::new(serde_json::to_vec(&data).expect("template data always serialises"))
    }

    /// The documents of a patient's packet, in order.
    fn documents(&self, patient: &Patient) -> Result<std::borrow::Cow<'_, [Document]>, Problem> {
        let language = self.language(patient);
        if let Some(documents) = self.documents.get(language) {
            return Ok(std::borrow::Cow::Borrowed(documents));
        }
        self.options
            .templates
            .packet_documents(language, self.options.large_print)
            .map(std::borrow::Cow::Owned)
            .map_err(|_| {
                Problem::field(
                    Code::LanguageWithoutTemplates,
                    "language",
                    "has no templates",
                    format!("use one of: {}", LANGUAGES.join(", ")),
                )
                .with("choices", LANGUAGES)
            })
    }

    /// Renders one patient's packet: every document as its own PDF, then the
    /// whole packet as one PDF.
    pub fn render(&self, patient: &Patient) -> Result<RenderedPacket, Problem> {
        let documents = self.documents(patient)?;
        self.packet(
            patient,
            self.language(patient),
            &documents,
            MAX_PACKET_PAGES,
            Export::Split,
        )
        .map_err(|failure| match failure {
                Failure::TooLong(_) => Problem::record(
                    Code::PacketTooLong,
                    format!("this packet came out longer than {MAX_PACKET_PAGES} pages"),
                    "check this record for very long text; if it looks normal, tell whoever set up second-opinion (a template may repeat without end), giving this record's row number, not its data",
                )
                .with("max", MAX_PACKET_PAGES),
                // The templates were checked with a sample patient, so a
                // failure here comes from something in this record.
                Failure::Diagnostics(_) | Failure::Panic => render_problem("packet"),
                Failure::Split => Problem::record(
                    Code::DocumentsNotApart,
                    "could not tell this packet's documents apart",
                    "tell whoever set up second-opinion (the templates may need fixing), giving this record's row number, not its data",
                ),
            })
    }

    /// Compiles a packet once and exports it once, as `packet.pdf`, then cuts
    /// each document's PDF out of it ([`split`]) with its own title and
    /// language. Page numbers already restart per document in the combined
    /// layout, so the pages are the ones a separate compile would give; one
    /// export instead of one per document saves the repeated font subsetting
    /// and compression (bench/PROFILE.md).
    fn packet(
        &self,
        patient: &Patient,
        language: &str,
        documents: &[Document],
        max_pages: usize,
        export: Export,
    ) -> Result<RenderedPacket, Failure> {
        let data = self.data(patient, language, documents, documents);
        let world = self.base.world(self.main, data);
        let result = catch_unwind(AssertUnwindSafe(|| -> Result<RenderedPacket, Failure> {
            let packet: PagedDocument = typst::compile(&world)
                .output
                .map_err(|d| Failure::Diagnostics(d.to_vec()))?;
            let sections = sections(&packet, documents.len());
            if packet.pages().len() > max_pages {
                // Blame the longest document, if the documents can be told apart.
                let longest = sections
                    .iter()
                    .flatten()
                    .enumerate()
                    .max_by_key(|(_, section)| section.pages.len());
                return Err(Failure::TooLong(longest.map_or(usize::MAX, |(i, _)| i)));
            }
            let sections = sections.ok_or(Failure::Split)?;
            let whole = self
                .export(&packet, patient, PACKET_FILE)
                .map_err(Failure::Diagnostics)?;
            let idents: Vec<String> = documents
                .iter()
                .map(|doc| pdf_ident(patient, &doc.file_name))
                .collect();
            let parts: Vec<second_opinion_pdfcut::Part<'_>> = sections
                .iter()
                .zip(&idents)
                .map(|(section, ident)| second_opinion_pdfcut::Part {
                    pages: section.pages.clone(),
                    title: &section.title,
                    lang: section.lang.as_ref().map(|lang| lang.as_str()),
                    ident,
                })
                .collect();
            let cut = match export {
                // The cut only saves time: should it ever panic, the
                // documents are exported separately instead of the record
                // failing.
                Export::Split => catch_unwind(AssertUnwindSafe(|| {
                    second_opinion_pdfcut::split(&whole, &parts)
                }))
                .ok()
                .flatten(),
                Export::Separately => None,
            };
            let (whole, pdfs) = match cut {
                Some(split) => (split.packet, split.parts),
                // A packet the splitter does not understand: each document
                // is exported on its own from its pages, as before.
                None => {
                    let pdfs = self.export_each(&packet, patient, documents, sections)?;
                    (compacted(whole), pdfs.into_iter().map(compacted).collect())
                }
            };
            let mut out: RenderedPacket = documents
                .iter()
                .map(|doc| doc.file_name.clone())
                .zip(pdfs)
                .collect();
            out.push((PACKET_FILE.to_string(), whole));
            Ok(out)
        }));
        self.trim_caches();
        result.unwrap_or(Err(Failure::Panic))
    }

    /// Exports each document's PDF from its own pages of the compiled
    /// packet, with its title and language: the slower way, for packets
    /// [`second_opinion_pdfcut::split`] cannot cut apart.
    fn export_each(
        &self,
        packet: &PagedDocument,
        patient: &Patient,
        documents: &[Document],
        sections: Vec<Section>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        use typst::model::Document as _;
        let mut out = Vec::with_capacity(documents.len());
        for (doc, section) in documents.iter().zip(sections) {
            let mut info = packet.info().clone();
            info.title = Some(section.title);
            // The PDF's language is the document's own: the letter of a
            // Spanish packet is sent in English.
            if let Some(lang) = section.lang {
                info.locale = Smart::Custom(typst::text::Locale::new(lang, None));
            }
            let pages = packet.pages()[section.pages.clone()]
                .iter()
                .cloned()
                .map(|mut page| {
                    links_within(&mut page.frame, packet, &section.pages);
                    page
                })
                .collect();
            let part = PagedDocument::new(pages, info);
            let pdf = self
                .export(&part, patient, &doc.file_name)
                .map_err(Failure::Diagnostics)?;
            out.push(pdf);
        }
        Ok(out)
    }

    /// The `/data.json` a packet's compile reads, for the benchmark loop
    /// that compiles the exported templates without this renderer.
    #[cfg(feature = "bench")]
    pub fn template_data(&self, patient: &Patient) -> Result<Vec<u8>, Problem> {
        let documents = self.documents(patient)?;
        let data = self.data(patient, self.language(patient), &documents, &documents);
        Ok(data.into_vec())
    }

    /// Trims Typst's caches after a compile (see [`CACHE_AGE`]). Called on
    /// every path, errors and panics included.
    fn trim_caches(&self) {
        typst::comemo::evict(CACHE_AGE * self.options.workers.max(1));
    }

    /// Renders every document in one PDF (`packet.pdf`) alone, finished as
    /// a packet holds it ([`compacted`]).
    #[cfg(any(test, feature = "bench"))]
    pub fn render_combined(&self, patient: &Patient) -> Result<Vec<u8>, Problem> {
        self.combined_as_typst_writes_it(patient).map(compacted)
    }

    /// `packet.pdf` as Typst writes it (`raw_streams`, see [`Renderer::export`]),
    /// before [`split`] finishes it.
    #[cfg(any(test, feature = "bench"))]
    fn combined_as_typst_writes_it(&self, patient: &Patient) -> Result<Vec<u8>, Problem> {
        let documents = self.documents(patient)?;
        let data = self.data(patient, self.language(patient), &documents, &documents);
        self.compile_pdf(data, patient, PACKET_FILE)
            .map_err(|_| render_problem("packet PDF"))
    }

    /// Renders the `index`-th document of the packet as a PDF on its own.
    #[cfg(any(test, feature = "bench"))]
    pub fn render_document(&self, patient: &Patient, index: usize) -> Result<Vec<u8>, Problem> {
        let documents = self.documents(patient)?;
        let doc = documents
            .get(index)
            .ok_or_else(|| render_problem("document"))?;
        let data = self.data(
            patient,
            self.language(patient),
            &documents,
            std::slice::from_ref(doc),
        );
        self.compile_pdf(data, patient, &doc.file_name)
            .map(compacted)
            .map_err(|_| render_problem(&doc.label))
    }

    /// One compile and PDF export, shielded from panics, with Typst's caches
    /// trimmed afterwards on every path (memory stays flat over long runs).
    #[cfg(any(test, feature = "bench"))]
    fn compile_pdf(
        &self,
        data: Bytes,
        patient: &Patient,
        file_name: &str,
    ) -> Result<Vec<u8>, Failure> {
        let world = self.base.world(self.main, data);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let document: PagedDocument = typst::compile(&world).output.map_err(|d| d.to_vec())?;
            self.export(&document, patient, file_name)
        }));
        self.trim_caches();
        match result {
            Ok(Ok(pdf)) => Ok(pdf),
            Ok(Err(diags)) => Err(Failure::Diagnostics(diags)),
            Err(_) => Err(Failure::Panic),
        }
    }

    /// Exports a laid-out document as PDF/A-2b and PDF/UA-1, its streams
    /// left for [`split`] to finish.
    fn export(
        &self,
        document: &PagedDocument,
        patient: &Patient,
        file_name: &str,
    ) -> Result<Vec<u8>, Vec<SourceDiagnostic>> {
        let options = PdfOptions {
            ident: Smart::Custom(pdf_ident(patient, file_name)),
            // PDF/A needs a date; the run date keeps the bytes reproducible.
            timestamp: Some(Timestamp::new_utc(run_datetime(self.options.today))),
            standards: PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
                .expect("PDF/A-2b and PDF/UA-1 can be combined"),
            // Streams uncompressed (`raw_streams`, a patch in vendor/):
            // krilla would deflate page contents and font programs at level
            // 6 (fixed; the contents alone were a seventh of a packet's
            // instructions, bench/PROFILE.md change 8), and the PDF is
            // rewritten anyway (`split`), where each stream is deflated at
            // level 1 once per packet however many documents share it.
            raw_streams: true,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(document, &options).map_err(|d| d.to_vec())
    }
}

/// `pdf` with its plain objects in compressed object streams
/// ([`second_opinion_pdfcut::compact`]), as the cut documents are written, so that every
/// PDF of a packet can be stored in its ZIP without deflating it again; the
/// PDF as it was if it cannot be rewritten.
fn compacted(pdf: Vec<u8>) -> Vec<u8> {
    catch_unwind(AssertUnwindSafe(|| second_opinion_pdfcut::compact(&pdf)))
        .ok()
        .flatten()
        .unwrap_or(pdf)
}

/// How a packet's documents get their PDFs.
#[derive(Clone, Copy)]
enum Export {
    /// Cut out of `packet.pdf` ([`split`]), or exported separately if that
    /// fails.
    Split,
    /// Each exported from its pages on its own (what the tests compare the
    /// cut documents with).
    #[cfg_attr(not(test), allow(dead_code))]
    Separately,
}

/// Makes the links of a page that is exported in a document of its own
/// ([`Renderer::export_each`]) fit that document: a link to a place on one of
/// its `pages` (0-based, in `packet`) is kept, renumbered if it names a page;
/// a link to another document's page is dropped, its text kept. Left alone,
/// Typst would point such a link at the document's own first page, as it
/// counts pages from the start of the document it exports and sends a link
/// to an element it cannot find there to the first page. The dropped link's
/// text stays tagged as a link in the structure tree (docs/pdf-split.md).
fn links_within(
    frame: &mut typst::layout::Frame,
    packet: &PagedDocument,
    pages: &std::ops::Range<usize>,
) {
    use typst::layout::FrameItem;
    use typst::model::Destination;
    frame.retain(|item| match item {
        FrameItem::Group(group) => {
            links_within(&mut group.frame, packet, pages);
            true
        }
        FrameItem::Link(Destination::Position(position), _) => {
            let page = position.page.get() - 1;
            let own = pages
                .contains(&page)
                .then(|| std::num::NonZeroUsize::new(page - pages.start + 1))
                .flatten();
            if let Some(own) = own {
                position.page = own;
            }
            own.is_some()
        }
        FrameItem::Link(Destination::Location(location), _) => packet
            .introspector()
            .position(*location)
            .is_some_and(|position| pages.contains(&(position.page.get() - 1))),
        _ => true,
    });
}

/// One document's part of the combined packet.
struct Section {
    /// The document's title, for its PDF.
    title: typst::ecow::EcoString,
    /// The language it is written in, when the marker names a known one.
    lang: Option<typst::text::Lang>,
    /// Its pages (0-based) in the packet.
    pages: std::ops::Range<usize>,
}

/// Each document's title, language and page range in the combined packet,
/// found from the `<so-start>` markers that `lib.typ` places at the start
/// of every document (`(title: .., lang: ..)`, or a title alone as a string
/// from older templates). `None` if the markers do not match the documents.
fn sections(packet: &PagedDocument, expected: usize) -> Option<Vec<Section>> {
    use typst::foundations::Value;
    use typst::introspection::{Introspector, MetadataElem};
    let label = typst::foundations::Label::new(typst::utils::PicoStr::intern("so-start"))?;
    let introspector = packet.introspector();
    let mut starts = Vec::new();
    for marker in introspector.query(&typst::foundations::Selector::Label(label)) {
        let page = introspector.page(marker.location()?)?.get() - 1;
        let (title, lang) = match &marker.to_packed::<MetadataElem>()?.value {
            Value::Str(s) => (typst::ecow::EcoString::from(s.as_str()), None),
            Value::Dict(dict) => {
                let title = match dict.get("title").ok()? {
                    Value::Str(s) => typst::ecow::EcoString::from(s.as_str()),
                    _ => return None,
                };
                let lang = match dict.get("lang") {
                    Ok(Value::Str(s)) => s.as_str().parse::<typst::text::Lang>().ok(),
                    _ => None,
                };
                (title, lang)
            }
            _ => return None,
        };
        starts.push((title, lang, page));
    }
    if starts.len() != expected || starts.windows(2).any(|w| w[0].2 >= w[1].2) {
        return None;
    }
    let total = packet.pages().len();
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|s| s.2)
        .chain(std::iter::once(total))
        .collect();
    Some(
        starts
            .into_iter()
            .zip(ends)
            .map(|((title, lang, start), end)| Section {
                title,
                lang,
                pages: start..end,
            })
            .collect(),
    )
}

/// Why a compile failed.
enum Failure {
    /// Typst's errors (compile or PDF export).
    Diagnostics(Vec<SourceDiagnostic>),
    /// The compiled packet's start markers did not match its documents.
    Split,
    /// Typst panicked.
    Panic,
    /// The packet has more pages than allowed; the longest document's index.
    TooLong(usize),
}

/// The record-level problem for a document that could not be built. Typst's
/// diagnostics are left out on purpose: they may quote the patient's text.
fn render_problem(label: &str) -> Problem {
    Problem::record(
        Code::DocumentFailed,
        format!("could not build the {label}"),
        "check this record's text for unusual characters; if it looks normal, tell whoever set up second-opinion, giving this record's row number (not its data)",
    )
    .with("document", label)
}

/// The run date as Typst's datetime (noon, so no time zone moves the day).
fn run_datetime(date: NaiveDate) -> typst::foundations::Datetime {
    use chrono::Datelike;
    typst::foundations::Datetime::from_ymd_hms(
        date.year(),
        date.month() as u8,
        date.day() as u8,
        12,
        0,
        0,
    )
    .expect("a valid calendar date")
}

/// A stable document identifier: the same patient and document give the same
/// PDF id on every run (Typst hashes it; the text itself is not written).
fn pdf_ident(patient: &Patient, file_name: &str) -> String {
    format!(
        "second-opinion/{}/{}/{}",
        patient.patient_name, patient.date_of_birth, file_name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::fields::REASONS;

    fn renderer() -> Renderer {
        let options = RenderOptions::new(
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            Paper::Letter,
        );
        let languages = LANGUAGES.iter().map(|l| l.to_string()).collect();
        Renderer::new(options, &languages).expect("the built-in templates build")
    }

    /// The question logic lives in lib.typ, keyed by reason code; each
    /// language supplies only words. A reason (or a question it adds) that a
    /// language has no words for stops the compile, so building the question
    /// sheet and the cover for every reason in every language proves that
    /// every language covers every reason code.
    #[test]
    fn every_language_covers_every_reason_code() {
        let renderer = renderer();
        let index = |file: &str| DOCUMENTS.iter().position(|d| d.file_name == file).unwrap();
        for language in LANGUAGES {
            for reason in REASONS {
                let mut patient = crate::record::sample_patient();
                patient.language = Some(language.to_string());
                patient.reasons = vec![reason.to_string()];
                for file in ["second-opinion-questions.pdf", "checklist.pdf"] {
                    assert!(
                        renderer.render_document(&patient, index(file)).is_ok(),
                        "{language}: {file} fails for the reason {reason}"
                    );
                }
            }
        }
    }

    /// A reason code lib.typ does not know stops the compile instead of
    /// silently dropping its questions: the check above can fail.
    #[test]
    fn an_unknown_reason_code_stops_the_question_sheet() {
        let renderer = renderer();
        let mut patient = crate::record::sample_patient();
        patient.reasons = vec!["not_a_reason".into()];
        let index = DOCUMENTS
            .iter()
            .position(|d| d.file_name == "second-opinion-questions.pdf")
            .unwrap();
        assert!(renderer.render_document(&patient, index).is_err());
    }

    /// The Spanish packet's letter is exported as an English PDF: its
    /// section marker carries the document's own language.
    #[test]
    fn the_spanish_packets_letter_is_an_english_pdf() {
        let renderer = renderer();
        let mut patient = crate::record::sample_patient();
        patient.language = Some("es".into());
        let packet = renderer.render(&patient).unwrap();
        let lang = |file: &str| {
            let (_, pdf) = packet.iter().find(|(name, _)| name == file).unwrap();
            let text = String::from_utf8_lossy(pdf).into_owned();
            text.contains("<rdf:li>en</rdf:li>")
        };
        assert!(lang("records-request-letter.pdf"));
        assert!(!lang("checklist.pdf"));
        assert!(!lang("records-request-letter-copy.pdf"));
    }

    /// `packet.pdf` in a packet is Typst's own export of the packet with
    /// its streams finished and its plain objects moved into object streams
    /// (`second_opinion_pdfcut::compact`): a third smaller, and what readers show of it is
    /// unchanged.
    #[test]
    fn the_packet_pdf_is_typsts_export_with_object_streams() {
        second_opinion_test_support::require!("pdftotext", "pdfinfo", "pdftoppm");
        let renderer = renderer();
        let dir = std::env::temp_dir().join(format!("so-compact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let patient = crate::record::sample_patient();
        let raw = renderer.combined_as_typst_writes_it(&patient).unwrap();
        let packet = renderer.render(&patient).unwrap();
        let (_, compacted) = packet.iter().find(|(n, _)| n == PACKET_FILE).unwrap();
        assert_eq!(
            second_opinion_pdfcut::compact(&raw).as_ref(),
            Some(compacted)
        );
        assert!(
            compacted.len() * 3 < raw.len() * 2,
            "{} bytes from {}",
            compacted.len(),
            raw.len()
        );
        for (tool, args) in [
            ("pdftotext", &["-layout"][..]),
            ("pdfinfo", &["-meta"][..]),
            ("pdftoppm", &["-r", "30", "-png"][..]),
        ] {
            assert!(
                read_pdf(&dir, tool, args, "raw.pdf", &raw)
                    == read_pdf(&dir, tool, args, "compacted.pdf", compacted),
                "{tool} reads the same from both"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Runs a reader on a PDF written to a scratch file; its output.
    fn read_pdf(
        dir: &std::path::Path,
        tool: &str,
        args: &[&str],
        name: &str,
        pdf: &[u8],
    ) -> Vec<u8> {
        second_opinion_test_support::check_required(tool);
        let path = dir.join(name);
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new(tool)
            .args(args)
            .arg(&path)
            // pdftotext writes to a file unless told `-`.
            .args((tool == "pdftotext").then_some("-"))
            .output()
            .unwrap_or_else(|e| panic!("{tool} could not start ({e}); install poppler-utils"));
        assert!(
            out.status.success(),
            "{tool} {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// The documents cut out of `packet.pdf` show exactly what separate
    /// exports of the same pages show: the same text, the same pixels, the
    /// same metadata (title, language, page count, document ID) but the
    /// instance ID. They are not the same bytes (their fonts are the
    /// packet's subsets), which shows the cut was really used.
    #[test]
    fn documents_cut_out_of_the_packet_show_the_same_pages_as_separate_exports() {
        second_opinion_test_support::require!("qpdf", "pdftotext", "pdfinfo", "pdftoppm");
        let renderer = renderer();
        let dir = std::env::temp_dir().join(format!("so-split-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for language in ["en", "es"] {
            let mut patient = crate::record::sample_patient();
            patient.language = Some(language.into());
            let documents = renderer.documents(&patient).unwrap();
            let build = |export| {
                renderer
                    .packet(&patient, language, &documents, MAX_PACKET_PAGES, export)
                    .unwrap_or_else(|_| panic!("{language}: the packet builds"))
            };
            let cut = build(Export::Split);
            let separate = build(Export::Separately);
            assert_eq!(cut.len(), separate.len());
            for ((name, a), (other, b)) in cut.iter().zip(&separate) {
                assert_eq!(name, other);
                // Every PDF is written with object streams (crates/pdfcut, writer.rs)
                // and reads cleanly.
                let qpdf_check = |pdf: &[u8], tag: &str| {
                    assert!(
                        pdf.windows(12).any(|w| w == b"/Type/ObjStm"),
                        "{language}/{tag}-{name} has object streams"
                    );
                    read_pdf(&dir, "qpdf", &["--check"], &format!("{tag}-{name}"), pdf);
                };
                qpdf_check(a, "cut");
                qpdf_check(b, "separate");
                if name == PACKET_FILE {
                    assert_eq!(a, b, "packet.pdf is exported the same way");
                    continue;
                }
                assert_ne!(a, b, "{language}/{name} was cut out of packet.pdf");
                let text = |pdf: &[u8], tag: &str| {
                    read_pdf(
                        &dir,
                        "pdftotext",
                        &["-layout"],
                        &format!("{tag}-{name}"),
                        pdf,
                    )
                };
                assert!(
                    text(a, "cut") == text(b, "separate"),
                    "{language}/{name}: same text"
                );
                let meta = |pdf: &[u8], tag: &str| -> String {
                    let raw = read_pdf(&dir, "pdfinfo", &["-meta"], &format!("{tag}-{name}"), pdf);
                    let raw = String::from_utf8(raw).unwrap();
                    let start = raw.find("<xmpMM:InstanceID>").unwrap();
                    let end = raw.find("</xmpMM:InstanceID>").unwrap();
                    let without: String = format!("{}{}", &raw[..start], &raw[end..]);
                    without
                        .split("<stEvt:instanceID>")
                        .map(|piece| {
                            piece
                                .split_once("</stEvt:instanceID>")
                                .map_or(piece, |(_, rest)| rest)
                        })
                        .collect()
                };
                assert_eq!(
                    meta(a, "cut"),
                    meta(b, "separate"),
                    "{language}/{name}: same metadata"
                );
                let pages = |pdf: &[u8], tag: &str| -> Vec<Vec<u8>> {
                    let prefix = dir.join(format!("{tag}-{name}-page"));
                    let path = dir.join(format!("{tag}-{name}"));
                    std::fs::write(&path, pdf).unwrap();
                    second_opinion_test_support::check_required("pdftoppm");
                    let status = std::process::Command::new("pdftoppm")
                        .args(["-r", "40", "-png"])
                        .arg(&path)
                        .arg(&prefix)
                        .status()
                        .expect("pdftoppm (poppler-utils)");
                    assert!(status.success());
                    let mut files: Vec<_> = std::fs::read_dir(&dir)
                        .unwrap()
                        .map(|e| e.unwrap().path())
                        .filter(|p| p.to_string_lossy().starts_with(&*prefix.to_string_lossy()))
                        .collect();
                    files.sort();
                    let images = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
                    files.iter().for_each(|p| std::fs::remove_file(p).unwrap());
                    images
                };
                let (pa, pb) = (pages(a, "cut"), pages(b, "separate"));
                assert!(!pa.is_empty());
                assert!(pa == pb, "{language}/{name}: same pixels");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
