//! The browser edition's WebAssembly module: the pipeline core behind the
//! small JavaScript interface the page (`web/src/app.js`) and its worker
//! (`web/src/worker.js`) call. `web/README.md` documents the interface.
//!
//! Everything here is a thin translation: JSON text and byte arrays in,
//! JSON text and byte arrays out, the core doing the work. The page gives
//! the run date (the core never reads a clock), and every file arrives as
//! bytes with its name, so the same input and date give the browser the
//! same records, messages, file names and bytes as the command line.
//!
//! The run's order of work is the core's ([`second_opinion_core::run`]);
//! what is here turns its answers into JSON for the page, in plain Rust
//! functions and [`Batch`] that the unit tests run natively. The
//! `#[wasm_bindgen]` items only convert errors to JavaScript ones.
//!
//! Nothing here hands the page English to show. What went wrong reaches it
//! as JSON with a code and its parameters (`Failure`), as record problems
//! do, and `web/src/words.js` words each code in the page's language; the
//! command line's English `message` and `hint` travel along for tests and
//! logs, never for the page to print.

use std::path::Path;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use second_opinion_core::bundle;
use second_opinion_core::clinic::ClinicDraft;
use second_opinion_core::error::{Code, Error, Params, Problem, shown};
use second_opinion_core::input::{self, FileWarning, Origin};
use second_opinion_core::paper::Paper;
use second_opinion_core::record;
use second_opinion_core::record::fields::{FIELDS, Kind};
use second_opinion_core::render::{LANGUAGES, TemplateSet};
use second_opinion_core::run::{BadSetting, FileRead, Plan, Run, Settings, StepError};

/// The allocator in the browser: Talc, in place of the Rust standard
/// library's dlmalloc port, which took a tenth of a packet's CPU in the
/// profile (bench/PROFILE.md, "The browser's core"). One worker is one
/// thread, and the module is built without atomics.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The file name an intake typed into the form goes by, in messages.
const FORM_FILE: &str = "intake.json";

/// Run settings, as the page sends them (`{"date": "2026-11-23", ...}`);
/// the core reads each ([`Settings::parse`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    /// The run date, `YYYY-MM-DD`: the page's local date, or `?date=`.
    date: Option<String>,
    /// The language of records that name none.
    language: Option<String>,
    /// Body text of at least 16 pt.
    #[serde(default)]
    large_print: bool,
    /// `letter` or `a4`; missing means the clinic's paper, else letter.
    paper: Option<String>,
}

/// The page's options, read by the core.
fn settings(json: &str) -> Result<Settings, Failure> {
    let options: Options = serde_json::from_str(json).map_err(|_| {
        Failure::setting(
            "unknown",
            "the page sent options the packet maker does not know",
        )
    })?;
    let Some(date) = options.date.as_deref() else {
        return Err(Failure::setting(
            "date",
            "the page did not send the run date",
        ));
    };
    Settings::parse(
        date,
        options.language.as_deref(),
        options.paper.as_deref(),
        options.large_print,
    )
    .map_err(|bad| match bad {
        BadSetting::Date | BadSetting::DateYears => {
            Failure::setting("date", "the run date is not a real date written YYYY-MM-DD")
        }
        BadSetting::Language => Failure::setting(
            "language",
            &format!("choose a language: {}", LANGUAGES.join(", ")),
        ),
        BadSetting::Paper => Failure::setting("paper", "choose the paper: letter or a4"),
    })
}

/// One problem as the page shows it: where, which field, what, how to fix.
/// The page words `code` with `params` in its own language (`words.js`);
/// `message` and `hint` are the command line's English words.
#[derive(Debug, Serialize, PartialEq)]
struct ProblemOut {
    file: String,
    place: String,
    field: Option<String>,
    code: &'static str,
    params: Params,
    /// The column's letter, for a row of a spreadsheet or CSV file.
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    /// The column's header as the sheet writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<String>,
    message: String,
    hint: String,
}

impl ProblemOut {
    fn new(origin: &Origin, p: &Problem) -> Self {
        ProblemOut {
            file: origin.file_name(),
            place: origin.place_label(),
            field: p.field.clone(),
            code: p.code.as_str(),
            params: p.params.clone(),
            column: p.column.as_ref().map(|c| c.letter.clone()),
            header: p.column.as_ref().map(|c| c.header.clone()),
            message: p.message.clone(),
            hint: p.hint.clone(),
        }
    }
}

/// An error that stopped a whole file (or the run) as the page shows it,
/// in the shape of a problem: which file, the code and its parameters.
#[derive(Debug, Serialize, PartialEq)]
struct ErrorOut {
    /// The file concerned, as the page named it ("" when none is).
    file: String,
    code: &'static str,
    params: Params,
    /// Typst's diagnostics for a template that does not compile: what the
    /// template's author needs, which no page can word.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<String>,
    message: String,
    hint: String,
}

impl ErrorOut {
    fn new(e: &Error) -> Self {
        let (file, details, message, hint) = match e {
            Error::Input {
                file,
                message,
                hint,
                ..
            } => (shown(file), None, message.clone(), hint.clone()),
            Error::Template {
                name,
                code,
                details,
                hint,
                ..
            } => (
                // The built-in templates' names carry the command line's
                // English "(built-in)"; the page names the file alone.
                name.trim_end_matches(" (built-in)").to_string(),
                (*code == Code::TemplateFailed).then(|| details.clone()),
                details.clone(),
                hint.clone(),
            ),
            Error::Usage { message, hint } => (String::new(), None, message.clone(), hint.clone()),
            Error::Io {
                path,
                action,
                reason,
                hint,
            } => (
                shown(path),
                None,
                format!("{action}: {reason}"),
                hint.clone(),
            ),
        };
        ErrorOut {
            file,
            code: e.code().as_str(),
            params: e.params().clone(),
            details,
            message,
            hint,
        }
    }
}

/// Why a call did not do what the page asked, as the page gets it: the
/// text of a JavaScript error holding a JSON object with one key, `error`
/// (an [`ErrorOut`]), `checked` (the form's problems, when its packet was
/// asked for) or `problem` (a packet that could not be built). Each case
/// carries a code the page words in its own language.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Failure {
    /// A file or the run cannot go on.
    Error(Box<ErrorOut>),
    /// The form's records, with their problems.
    Checked(Box<Checked>),
    /// One packet could not be built.
    Problem(Box<ProblemOut>),
}

impl Failure {
    fn error(e: &Error) -> Self {
        Failure::Error(Box::new(ErrorOut::new(e)))
    }

    /// A code of the web edition's own, about no file.
    fn coded(code: Code, params: Params, message: &str, hint: &str) -> Self {
        Failure::Error(Box::new(ErrorOut {
            file: String::new(),
            code: code.as_str(),
            params,
            details: None,
            message: message.into(),
            hint: hint.into(),
        }))
    }

    /// A setting the page sent that cannot work.
    fn setting(option: &'static str, message: &str) -> Self {
        Self::coded(
            Code::BadOption,
            Params::default().with("option", option),
            message,
            "reload the page and try again",
        )
    }

    /// The page asked for something out of turn: a fault in the page.
    fn internal(message: &str) -> Self {
        Self::coded(
            Code::Internal,
            Params::default(),
            message,
            "reload the page and try again",
        )
    }

    /// The bundle of every packet could not be written.
    fn bundle() -> Self {
        Self::coded(
            Code::BundleFailed,
            Params::default(),
            "could not put the packets into one ZIP",
            "try again; if it happens again, make the packets in smaller groups",
        )
    }

    /// The JSON text the page gets.
    fn json(&self) -> String {
        serde_json::to_string(self).expect("always serialises")
    }
}

impl From<Failure> for JsError {
    fn from(failure: Failure) -> JsError {
        JsError::new(&failure.json())
    }
}

/// One warning a reader had about a whole file, as the page shows it.
#[derive(Debug, Serialize, PartialEq)]
struct FileWarningOut {
    file: String,
    code: &'static str,
    params: Params,
    /// The command line's line.
    message: String,
}

/// One record warning as the page shows it; `place` is missing on the line
/// that counts the warnings not listed (`more_record_warnings`).
#[derive(Debug, Serialize, PartialEq)]
struct WarningOut {
    place: Option<String>,
    code: &'static str,
    fields: &'static [&'static str],
    params: Params,
    message: String,
    hint: String,
}

/// What reading and checking some intake found.
#[derive(Debug, Default, Serialize)]
struct Checked {
    records: usize,
    good: usize,
    problems: Vec<ProblemOut>,
    /// What the file's reader noticed (ignored columns and the like), coded.
    warnings: Vec<FileWarningOut>,
    /// Records that can be built but miss something (issue 26), coded.
    record_warnings: Vec<WarningOut>,
}

impl Checked {
    /// What reading one file into `plan` found, as the page shows it.
    fn of(plan: &Plan, name: &str, read: FileRead) -> Self {
        let mut checked = Checked {
            records: read.records,
            good: read.passed,
            ..Checked::default()
        };
        for (origin, problems) in plan.failures_from(read.first) {
            for p in problems {
                checked.problems.push(ProblemOut::new(origin, p));
            }
        }
        checked.add_file_warnings(name, read.warnings);
        checked.add_warnings(read.record_warnings);
        checked
    }

    fn add_file_warnings(&mut self, name: &str, warnings: Vec<FileWarning>) {
        let file = input::display_name(Path::new(name));
        self.warnings
            .extend(warnings.into_iter().map(|w| FileWarningOut {
                file: file.clone(),
                code: w.code.as_str(),
                params: w.params,
                message: w.text,
            }));
    }

    fn add_warnings(&mut self, warnings: record::RecordWarnings) {
        let (listed, more) = warnings.into_parts();
        for (origin, w) in listed {
            self.record_warnings.push(WarningOut {
                place: Some(origin.place_label()),
                code: w.code.as_str(),
                fields: w.fields,
                params: Params::default(),
                message: w.message.into(),
                hint: w.hint.into(),
            });
        }
        if more > 0 {
            self.record_warnings.push(WarningOut {
                place: None,
                code: Code::MoreRecordWarnings.as_str(),
                fields: &[],
                params: Params::default().with("count", more),
                message: format!("{more} more warnings about records like those above"),
                hint: "check the second doctor's address and fax in each record".into(),
            });
        }
    }
}

/// What a step of the run did not do, as the page gets it.
impl From<StepError> for Failure {
    fn from(e: StepError) -> Self {
        match e {
            StepError::Error(e) => Failure::error(&e),
            StepError::Problem(failed) => {
                Failure::Problem(Box::new(ProblemOut::new(&failed.0, &failed.1)))
            }
            StepError::Bundle => Failure::bundle(),
            StepError::OutOfTurn(what) => Failure::internal(&what),
        }
    }
}

/// The field table, for the page to build its form from.
pub fn fields_json() -> String {
    #[derive(Serialize)]
    struct Field {
        name: &'static str,
        kind: &'static str,
        required: bool,
        choices: Option<Vec<&'static str>>,
        help: &'static str,
        example: &'static str,
    }
    #[derive(Serialize)]
    struct Table {
        fields: Vec<Field>,
        languages: &'static [&'static str],
        papers: [&'static str; 2],
        /// Every code the page may be sent (a record's problem or
        /// warning, a reader's warning, an error about a whole file), for
        /// the page to check that `words.js` words each one.
        problem_codes: Vec<&'static str>,
    }
    let fields = FIELDS
        .iter()
        .map(|spec| {
            let (kind, choices) = match spec.kind {
                Kind::Text => ("text", None),
                Kind::MultiLine => ("multiline", None),
                Kind::Code => ("code", None),
                Kind::Date => ("date", None),
                Kind::Choice(codes) => ("choice", Some(codes.to_vec())),
                Kind::ChoiceList(codes) => ("choice_list", Some(codes.to_vec())),
                Kind::TextList => ("text_list", None),
            };
            Field {
                name: spec.name,
                kind,
                required: spec.required,
                choices,
                help: spec.help,
                example: spec.example,
            }
        })
        .collect();
    serde_json::to_string(&Table {
        fields,
        languages: LANGUAGES,
        papers: Paper::NAMES,
        problem_codes: Code::ALL.iter().map(|c| c.as_str()).collect(),
    })
    .expect("the field table always serialises")
}

/// Checks an intake typed into the form.
pub(crate) fn check_intake_json(intake: &str, options: &str) -> Result<String, Failure> {
    check_file_json(FORM_FILE, intake.as_bytes(), options)
}

/// Checks an intake file the person opened (`name` names it): what is
/// wrong with a file the form cannot read (not JSON, not UTF-8), coded.
pub(crate) fn check_file_json(name: &str, bytes: &[u8], options: &str) -> Result<String, Failure> {
    let settings = settings(options)?;
    let mut plan = Plan::new(settings.today, &settings.language, Default::default());
    let read = plan
        .read(Path::new(name), bytes, &mut |_| None)
        .map_err(|e| Failure::error(&e))?;
    let checked = Checked::of(&plan, name, read);
    Ok(serde_json::to_string(&checked).expect("always serialises"))
}

/// One patient's packet: its file name, the ZIP and `packet.pdf` alone.
#[wasm_bindgen]
pub struct PacketResult {
    name: String,
    zip: Vec<u8>,
    pdf: Vec<u8>,
}

#[wasm_bindgen]
impl PacketResult {
    /// The packet's file name, exactly as the command line names it.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }
    /// The packet ZIP, byte for byte the command line's.
    #[wasm_bindgen(getter)]
    pub fn zip(&self) -> Vec<u8> {
        self.zip.clone()
    }
    /// `packet.pdf`, every document in one file, for printing.
    #[wasm_bindgen(getter)]
    pub fn pdf(&self) -> Vec<u8> {
        self.pdf.clone()
    }
}

/// Builds the packet of the one patient of a form.
pub(crate) fn make_packet_result(intake: &str, options: &str) -> Result<PacketResult, Failure> {
    let settings = settings(options)?;
    let mut run = Run::new(&settings);
    let read = run.read(FORM_FILE, intake.as_bytes())?;
    let mut checked = Checked::of(run.plan(), FORM_FILE, read);
    if !checked.problems.is_empty() || checked.good != 1 {
        if checked.good > 1 {
            checked.problems.push(ProblemOut {
                file: FORM_FILE.into(),
                place: "the form".into(),
                field: None,
                code: Code::MoreThanOnePatient.as_str(),
                params: Params::default(),
                column: None,
                header: None,
                message: "holds more than one patient".into(),
                hint: "make one patient's packet at a time here, or use clinic mode".into(),
            });
        }
        return Err(Failure::Checked(Box::new(checked)));
    }
    run.start(settings.render_options(None, TemplateSet::built_in()))?;
    // A packet that cannot be built is one problem of the form's record,
    // shown with the others.
    let built = run.build_with_pdf(0).map_err(|e| match e {
        StepError::Problem(failed) => Failure::Checked(Box::new(Checked {
            records: 1,
            good: 0,
            problems: vec![ProblemOut::new(&failed.0, &failed.1)],
            ..Checked::default()
        })),
        e => e.into(),
    })?;
    Ok(PacketResult {
        name: run.name(0)?.to_string(),
        zip: built.zip,
        pdf: built.pdf,
    })
}

/// Clinic mode: a run over whole intake files, one packet at a time.
///
/// Files are given first (clinic profile, logo, templates, intake files),
/// then [`Batch::prepare`] checks the templates. Packets are then built by
/// number ([`Batch::build_packet`]: the `k`-th record that passed, in input
/// order), by this batch or by others fed the same files in other workers,
/// and handed back in order to one batch's [`Batch::record_packet`], which
/// keeps the outcome and returns the bundle's next bytes;
/// [`Batch::finish_bundle`] adds the
/// report and returns the last bytes. The page appends each piece to the
/// download as it comes, so nothing grows with the number of rows but the
/// outcomes (issue 27). The order of work is the core's [`Run`], whose
/// [`Plan`] the command line's run uses too: records in input order, names
/// handed out in that order, failures listed with the built packets, the
/// same report. A batch adds only the files a page hands over (the clinic
/// profile, its logo, the templates) and JSON.
#[wasm_bindgen]
pub struct Batch {
    settings: Settings,
    clinic: Option<ClinicDraft>,
    logo: Option<Vec<u8>>,
    template_files: Vec<(std::path::PathBuf, Vec<u8>)>,
    run: Run,
}

impl Batch {
    /// A batch with the page's run settings.
    pub(crate) fn create(options: &str) -> Result<Batch, Failure> {
        let settings = settings(options)?;
        Ok(Batch {
            run: Run::new(&settings),
            settings,
            clinic: None,
            logo: None,
            template_files: Vec::new(),
        })
    }

    /// Reads a clinic profile; returns the logo path it names, or "".
    pub(crate) fn clinic(&mut self, bytes: &[u8]) -> Result<String, Failure> {
        let draft =
            ClinicDraft::parse(Path::new("clinic.json"), bytes).map_err(|e| Failure::error(&e))?;
        let logo = draft
            .logo_path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.clinic = Some(draft);
        Ok(logo)
    }

    /// Takes the files of a zipped templates folder.
    pub(crate) fn templates_zip(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let files = bundle::unzip_folder(
            bytes,
            second_opinion_core::render::templates::MAX_FILE_BYTES,
        )
        .map_err(|_| {
            Failure::error(&Error::input(
                Code::TemplatesZipUnreadable,
                "templates.zip",
                "the templates ZIP could not be unpacked: it is damaged, or unpacks to more than 256 MB",
                "zip the templates folder again, with only the templates and the images they use",
            ))
        })?;
        self.template_files.extend(files);
        Ok(())
    }

    /// Reads one intake file ([`Run::read`]: whole or not at all); what
    /// checking it found, as JSON.
    pub(crate) fn input(&mut self, name: &str, bytes: &[u8]) -> Result<String, Failure> {
        let read = self.run.read(name, bytes)?;
        let checked = Checked::of(self.run.plan(), name, read);
        Ok(serde_json::to_string(&checked).expect("always serialises"))
    }

    /// Finishes the clinic profile and the templates, then starts the run
    /// ([`Run::start`]); returns how many packets to build.
    pub(crate) fn start(&mut self) -> Result<usize, Failure> {
        let clinic = match self.clinic.take() {
            None => None,
            Some(draft) => Some(
                draft
                    .finish(self.logo.take())
                    .map_err(|e| Failure::error(&e))?,
            ),
        };
        let templates = if self.template_files.is_empty() {
            TemplateSet::built_in()
        } else {
            TemplateSet::from_files(
                Path::new("templates"),
                std::mem::take(&mut self.template_files),
            )
            .map_err(|e| Failure::error(&e))?
        };
        Ok(self
            .run
            .start(self.settings.render_options(clinic, templates))?)
    }
}

#[wasm_bindgen]
impl Batch {
    /// `new Batch(optionsJson)`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<Batch, JsError> {
        Batch::create(options).map_err(JsError::from)
    }

    /// Reads a clinic profile; returns the logo path it names, or "".
    pub fn set_clinic(&mut self, bytes: &[u8]) -> Result<String, JsError> {
        self.clinic(bytes).map_err(JsError::from)
    }

    /// The logo the clinic profile names.
    pub fn set_logo(&mut self, bytes: &[u8]) {
        self.logo = Some(bytes.to_vec());
    }

    /// One file of a templates folder, by its path in the folder.
    pub fn add_template(&mut self, path: &str, bytes: &[u8]) {
        self.template_files.push((path.into(), bytes.to_vec()));
    }

    /// A templates folder zipped.
    pub fn add_templates_zip(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        Ok(self.templates_zip(bytes)?)
    }

    /// Reads one intake file; returns what checking it found (JSON).
    pub fn add_input(&mut self, name: &str, bytes: &[u8]) -> Result<String, JsError> {
        self.input(name, bytes).map_err(JsError::from)
    }

    /// Checks the templates; returns how many packets to build.
    pub fn prepare(&mut self) -> Result<usize, JsError> {
        self.start().map_err(JsError::from)
    }

    /// Builds packet `k`; its ZIP (the error's message is the problem).
    pub fn build_packet(&self, k: usize) -> Result<Vec<u8>, JsError> {
        Ok(self.run.build(k).map_err(Failure::from)?)
    }

    /// Drops record `k`, built here for another batch to record.
    pub fn forget_packet(&mut self, k: usize) {
        self.run.forget(k)
    }

    /// Records packet `k` (in order; `undefined` when it failed); returns
    /// the bundle's next bytes.
    pub fn record_packet(&mut self, k: usize, zip: Option<Vec<u8>>) -> Result<Vec<u8>, JsError> {
        Ok(self.run.record(k, zip.as_deref()).map_err(Failure::from)?)
    }

    /// Closes this part of the bundle and opens the next: its last bytes.
    pub fn cut_bundle(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(self.run.cut().map_err(Failure::from)?)
    }

    /// Adds the report and closes `all-packets.zip`: its last bytes.
    pub fn finish_bundle(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(self.run.finish().map_err(Failure::from)?)
    }

    /// `report.csv`.
    pub fn report(&self) -> Vec<u8> {
        self.run.plan().report_csv()
    }
}

/// The field table (JSON).
#[wasm_bindgen]
pub fn fields() -> String {
    fields_json()
}

/// Checks an intake (JSON text) with the page's options (JSON).
#[wasm_bindgen]
pub fn check_intake(intake: &str, options: &str) -> Result<String, JsError> {
    check_intake_json(intake, options).map_err(JsError::from)
}

/// Checks an intake file the person opened, by its name and bytes.
#[wasm_bindgen]
pub fn check_file(name: &str, bytes: &[u8], options: &str) -> Result<String, JsError> {
    check_file_json(name, bytes, options).map_err(JsError::from)
}

/// A saved record (a JSON object) as the form holds it: the core's
/// reading of choices and lists ([`record::form_values`]), so the page
/// keeps no copy of those rules. Anything but an object holds nothing.
pub(crate) fn form_values_json(record: &str) -> String {
    let record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(record).unwrap_or_default();
    serde_json::to_string(&record::form_values(&record)).expect("always serialises")
}

/// The values of a saved record, for the form (JSON in, JSON out).
#[wasm_bindgen]
pub fn form_values(record: &str) -> String {
    form_values_json(record)
}

/// Builds one patient's packet.
#[wasm_bindgen]
pub fn make_packet(intake: &str, options: &str) -> Result<PacketResult, JsError> {
    make_packet_result(intake, options).map_err(JsError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &str = r#"{"date":"2026-11-23","language":"en","large_print":false}"#;

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/").to_string() + name)
            .unwrap()
    }

    #[test]
    fn the_field_table_lists_every_field_with_its_kind() {
        let table: serde_json::Value = serde_json::from_str(&fields_json()).unwrap();
        let fields = table["fields"].as_array().unwrap();
        assert_eq!(fields.len(), FIELDS.len());
        let reasons = fields.iter().find(|f| f["name"] == "reasons").unwrap();
        assert_eq!(reasons["kind"], "choice_list");
        assert!(reasons["choices"].as_array().unwrap().len() >= 8);
        assert_eq!(table["languages"], serde_json::json!(LANGUAGES));
    }

    #[test]
    fn options_are_checked_and_need_the_run_date() {
        assert!(settings("{}").unwrap_err().json().contains("run date"));
        assert!(settings(r#"{"date":"2026-02-30"}"#).is_err());
        assert!(settings(r#"{"date":"2026-11-23","paper":"a5"}"#).is_err());
        assert!(settings(r#"{"date":"2026-11-23","colour":"red"}"#).is_err());
        let s = settings(OPTIONS).unwrap();
        assert_eq!(s.language, "en");
    }

    #[test]
    fn a_form_with_a_bad_date_reports_the_field_in_the_clis_words_and_no_value() {
        let intake =
            r#"{"patient_name":"Zed Q","date_of_birth":"0000-00-00","current_doctor":"Dr. A"}"#;
        let checked: serde_json::Value =
            serde_json::from_str(&check_intake_json(intake, OPTIONS).unwrap()).unwrap();
        assert_eq!(checked["good"], 0);
        let problem = &checked["problems"][0];
        assert_eq!(problem["field"], "date_of_birth");
        assert_eq!(problem["place"], "record 1");
        assert!(!checked.to_string().contains("Zed"));
        let err = make_packet_result(intake, OPTIONS).err().unwrap().json();
        assert!(err.starts_with(r#"{"checked":"#), "{err}");
        assert!(err.contains("date_of_birth"), "{err}");
    }

    #[test]
    fn a_saved_record_reaches_the_form_tidied_by_the_core() {
        let values: serde_json::Value = serde_json::from_str(&form_values_json(
            r#"{"reasons": "Surgery recommended; Rare-Condition", "records_delivery": "Patient", "extra": 1}"#,
        ))
        .unwrap();
        assert_eq!(
            values,
            serde_json::json!({
                "reasons": ["surgery_recommended", "rare_condition"],
                "records_delivery": "patient",
            })
        );
        assert_eq!(form_values_json("[1, 2]"), "{}");
    }

    #[test]
    fn the_sample_form_makes_its_packet_under_the_clis_name() {
        let intake = String::from_utf8(sample("patient.json")).unwrap();
        let packet = make_packet_result(&intake, OPTIONS).unwrap();
        assert_eq!(packet.name, "SO-2026-0042.zip");
        assert!(packet.pdf.starts_with(b"%PDF-"));
        let archive = zip::ZipArchive::new(std::io::Cursor::new(packet.zip)).unwrap();
        assert!(
            archive
                .file_names()
                .any(|n| n.is_ok_and(|n| n == "packet.pdf"))
        );
    }

    #[test]
    fn batches_build_in_any_order_and_the_bundle_comes_out_whole() {
        let mut batch = Batch::create(OPTIONS).unwrap();
        let mut helper = Batch::create(OPTIONS).unwrap();
        for b in [&mut batch, &mut helper] {
            let checked: serde_json::Value =
                serde_json::from_str(&b.input("patients.xlsx", &sample("patients.xlsx")).unwrap())
                    .unwrap();
            assert_eq!(checked["records"], 12);
        }
        assert_eq!(batch.start().unwrap(), 12);
        assert_eq!(helper.start().unwrap(), 12);
        // Odd packets built by the helper, out of order; recorded in order.
        let mut zips: Vec<Option<Vec<u8>>> = vec![None; 12];
        for k in (0..12).rev() {
            zips[k] = Some(if k % 2 == 1 {
                let zip = helper.run.build(k).unwrap();
                helper.run.forget(k);
                zip
            } else {
                batch.run.build(k).unwrap()
            });
        }
        assert!(
            batch.run.record(1, zips[1].as_deref()).is_err(),
            "in order only"
        );
        let mut bundle = Vec::new();
        for (k, zip) in zips.iter().enumerate() {
            bundle.extend(batch.run.record(k, zip.as_deref()).unwrap());
        }
        bundle.extend(batch.run.finish().unwrap());
        let report = String::from_utf8(batch.run.plan().report_csv()).unwrap();
        assert_eq!(report.lines().count(), 13, "{report}");
        assert_eq!(report.matches(",built,").count(), 12);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
        assert_eq!(archive.len(), 13);
        assert_eq!(archive.by_index(12).unwrap().name().unwrap(), "report.csv");
        let mut first = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_index(0).unwrap(), &mut first).unwrap();
        assert_eq!(Some(first), zips[0]);
        assert!(batch.run.build(0).is_err(), "nothing held");

        // In parts: each a whole ZIP, the report in the last.
        let mut batch = Batch::create(OPTIONS).unwrap();
        batch
            .input("patients.xlsx", &sample("patients.xlsx"))
            .unwrap();
        batch.start().unwrap();
        let mut parts = vec![Vec::new()];
        for k in 0..12 {
            let zip = batch.run.build(k).unwrap();
            parts
                .last_mut()
                .unwrap()
                .extend(batch.run.record(k, Some(&zip)).unwrap());
            if k == 4 {
                parts.last_mut().unwrap().extend(batch.run.cut().unwrap());
                parts.push(Vec::new());
            }
        }
        parts
            .last_mut()
            .unwrap()
            .extend(batch.run.finish().unwrap());
        let lens: Vec<usize> = parts
            .into_iter()
            .map(|p| zip::ZipArchive::new(std::io::Cursor::new(p)).unwrap().len())
            .collect();
        assert_eq!(lens, [5, 8], "five packets, then seven and the report");
    }

    /// The page refuses to start when `words.js` lacks words for a code
    /// `fields()` lists; this checks the same from the text of `words.js`:
    /// every code has an entry with English and Spanish words, and every
    /// entry is a code.
    #[test]
    fn words_js_words_every_problem_code_in_every_language() {
        let table: serde_json::Value = serde_json::from_str(&fields_json()).unwrap();
        let codes: Vec<&str> = table["problem_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let expected: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, expected);
        let words = include_str!("../../../web/src/words.js");
        let start = words
            .find("export const PROBLEM_WORDS = {\n")
            .expect("words.js has PROBLEM_WORDS");
        let section = &words[start..];
        let section = &section[..section.find("\n};\n").expect("PROBLEM_WORDS ends")];
        // Entries are `  code: {` at two spaces, languages `    en: {` at four;
        // comments (`  // file-level errors`) group them.
        let mut entries: Vec<(&str, &str)> = Vec::new();
        let mut rest = section;
        while let Some(i) = rest.find("\n  ") {
            rest = &rest[i + 3..];
            if rest.starts_with(' ') || rest.starts_with('}') || rest.starts_with("//") {
                continue;
            }
            let name = &rest[..rest.find(':').unwrap_or(0)];
            let end = rest.find("\n  },").unwrap_or(rest.len());
            entries.push((name, &rest[..end]));
        }
        for code in &codes {
            let Some((_, body)) = entries.iter().find(|(name, _)| name == code) else {
                panic!("words.js has no words for the problem code {code}");
            };
            for lang in LANGUAGES {
                assert!(
                    body.contains(&format!("\n    {lang}: {{")),
                    "words.js has no {lang} words for {code}"
                );
            }
        }
        for (name, _) in &entries {
            assert!(
                codes.contains(name),
                "words.js words {name}, which is no code"
            );
        }
    }

    #[test]
    fn problems_reach_the_page_with_code_params_and_column() {
        // The form (JSON): a code and params, no column, no value.
        let intake =
            r#"{"patient_name":"Zed Q","date_of_birth":"1937-02-30","current_doctor":"Dr. A"}"#;
        let checked: serde_json::Value =
            serde_json::from_str(&check_intake_json(intake, OPTIONS).unwrap()).unwrap();
        let problem = &checked["problems"][0];
        assert_eq!(problem["code"], "not_a_real_date");
        assert_eq!(problem["params"], serde_json::json!({"order": "iso"}));
        assert!(problem.get("column").is_none());
        assert!(!checked.to_string().contains("1937"));
        // A CSV row: the column's letter and header too.
        let mut batch = Batch::create(OPTIONS).unwrap();
        let csv = "patient_name,Date of Birth,current_doctor\nZed Q,1937-02-30,Dr. A\n";
        let checked: serde_json::Value =
            serde_json::from_str(&batch.input("intake.csv", csv.as_bytes()).unwrap()).unwrap();
        let problem = &checked["problems"][0];
        assert_eq!(problem["code"], "not_a_real_date");
        assert_eq!(problem["params"]["order"], "month_first");
        assert_eq!(problem["column"], "B");
        assert_eq!(problem["header"], "Date of Birth");
        assert_eq!(problem["place"], "row 2");
        assert!(!checked.to_string().contains("1937"), "{checked}");
    }

    #[test]
    fn record_warnings_reach_the_page_coded() {
        let intake = r#"{"patient_name":"Zed Q","date_of_birth":"1970-01-02","current_doctor":"Dr. A","second_opinion_doctor":"Dr. ZZSECRET"}"#;
        let checked: serde_json::Value =
            serde_json::from_str(&check_intake_json(intake, OPTIONS).unwrap()).unwrap();
        assert_eq!(checked["good"], 1);
        assert_eq!(checked["warnings"], serde_json::json!([]));
        let warning = &checked["record_warnings"][0];
        assert_eq!(warning["code"], "doctor_without_address_or_fax");
        assert_eq!(
            warning["fields"],
            serde_json::json!(["second_opinion_address", "second_opinion_fax"])
        );
        assert_eq!(warning["place"], "record 1");
        assert!(!checked.to_string().contains("ZZSECRET"));
        // Past the listed ones, one more entry counts the rest.
        let many = format!("[{}]", vec![intake; record::MAX_LISTED + 2].join(","));
        let checked: serde_json::Value =
            serde_json::from_str(&check_intake_json(&many, OPTIONS).unwrap()).unwrap();
        let warnings = checked["record_warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), record::MAX_LISTED + 1);
        assert_eq!(warnings[record::MAX_LISTED]["code"], "more_record_warnings");
        assert_eq!(warnings[record::MAX_LISTED]["params"]["count"], 2);
    }

    #[test]
    fn an_unreadable_file_adds_nothing_to_the_batch() {
        let mut batch = Batch::create(OPTIONS).unwrap();
        let err = batch
            .input("broken.json", b"[{\"patient_name\": ")
            .unwrap_err()
            .json();
        assert!(err.contains("broken.json"), "{err}");
        assert!(batch.run.plan().outcomes().is_empty());
        assert!(batch.run.build(0).is_err());
    }

    /// The coded error the page gets for a failure (`{"error": {...}}`).
    fn error_of(failure: Failure) -> serde_json::Value {
        let json: serde_json::Value = serde_json::from_str(&failure.json()).unwrap();
        json["error"].clone()
    }

    /// A file-level error reaches the page as a code with parameters and
    /// the file's name, never as English to show, and never a value.
    #[test]
    fn file_errors_reach_the_page_coded() {
        // A sheet without a required column.
        let mut batch = Batch::create(OPTIONS).unwrap();
        let csv = "patient_name,current_doctor\nZed QQSECRET,Dr. A\n";
        let e = error_of(batch.input("intake.csv", csv.as_bytes()).unwrap_err());
        assert_eq!(e["file"], "intake.csv");
        assert_eq!(e["code"], "missing_columns");
        assert_eq!(
            e["params"],
            serde_json::json!({"row": 1, "fields": ["date_of_birth"], "duplicated": []})
        );
        assert!(e.get("details").is_none());
        // A damaged workbook.
        let mut xlsx = sample("patients.xlsx");
        xlsx.truncate(xlsx.len() / 2);
        let e = error_of(batch.input("patients.xlsx", &xlsx).unwrap_err());
        assert_eq!(e["code"], "workbook_incomplete", "{e}");
        // A patient's file that is not JSON, with where it breaks.
        let e = error_of(
            check_file_json(
                "my answers.json",
                b"{\"patient_name\": \"Zed QQSECRET\"\n \"date_of_birth\": 1}",
                OPTIONS,
            )
            .unwrap_err(),
        );
        assert_eq!(e["file"], "my answers.json");
        assert_eq!(e["code"], "json_syntax");
        assert_eq!(
            e["params"],
            serde_json::json!({"problem": "comma_or_brace", "line": 2, "column": 2})
        );
        assert!(!e.to_string().contains("QQSECRET"), "{e}");
        // A clinic profile, and a setting the page sent.
        let e = error_of(batch.clinic(b"{\"name\": \"\"}").unwrap_err());
        assert_eq!(
            (&e["file"], &e["code"]),
            (&"clinic.json".into(), &"clinic_name_empty".into())
        );
        let e = error_of(Batch::create(r#"{"date":"2026-02-30"}"#).err().unwrap());
        assert_eq!(e["code"], "bad_option");
        assert_eq!(e["params"]["option"], "date");
        // A templates ZIP that is no ZIP, and a call out of turn.
        let e = error_of(batch.templates_zip(b"not a zip").unwrap_err());
        assert_eq!(e["code"], "templates_zip_unreadable");
        let e = error_of(batch.run.finish().map_err(Failure::from).unwrap_err());
        assert_eq!(e["code"], "internal");
    }

    /// A template that does not compile: its code, its file, and Typst's
    /// diagnostics as the details for the template's author.
    #[test]
    fn a_broken_template_reaches_the_page_coded_with_its_details() {
        let mut batch = Batch::create(OPTIONS).unwrap();
        batch
            .input("patients.xlsx", &sample("patients.xlsx"))
            .unwrap();
        batch
            .template_files
            .push(("en/extra.typ".into(), b"#let x = (".to_vec()));
        let e = error_of(batch.start().unwrap_err());
        assert_eq!(e["code"], "template_failed", "{e}");
        assert_eq!(e["file"], "templates/en/extra.typ");
        assert!(e["details"].as_str().is_some_and(|d| !d.is_empty()), "{e}");
    }

    /// What a reader noticed about a file reaches the page coded, with
    /// the headers that may be printed and the columns' letters.
    #[test]
    fn reader_warnings_reach_the_page_coded() {
        let mut batch = Batch::create(OPTIONS).unwrap();
        let csv = "patient_name,date_of_birth,current_doctor,notes,Ann QQSECRET Lee Smith Jones Brown Wilson Taylor Moore\nZed Q,1970-01-02,Dr. A,x,y\n";
        let checked: serde_json::Value =
            serde_json::from_str(&batch.input("in.csv", csv.as_bytes()).unwrap()).unwrap();
        let w = &checked["warnings"][0];
        assert_eq!(w["file"], "in.csv");
        assert_eq!(w["code"], "ignored_columns");
        assert_eq!(
            w["params"],
            serde_json::json!({"count": 2, "columns": ["D", "E"], "names": ["notes"]})
        );
        assert!(!checked.to_string().contains("QQSECRET"), "{checked}");
    }
}
