//! The run: the one order of work every front end follows, so the command
//! line and the page give the same names, outcomes, report and bundle by
//! construction rather than by a test that compares them.
//!
//! - [`Settings`]: the run's options, read from text ([`parse_run_date`],
//!   [`parse_language`], [`Paper`]'s `FromStr`) against one list of values
//!   each ([`YEARS`], [`LANGUAGES`], [`Paper::NAMES`]);
//! - [`read_records`]: one intake file, as a name and its bytes, read and
//!   every record checked, in order;
//! - [`Plan`]: the records of every file in input order, each passing one
//!   named in that order, every record's outcome, the languages the
//!   templates must cover, and the report ([`Plan::report_csv`]);
//! - [`Run`]: a plan that holds its records, for a front end that builds
//!   packet *k* on request and streams the bundle (the page).
//!
//! The command line adds only what it alone has: files, threads, the
//! output folder's lock and shards (`src/run.rs`). `crates/web` translates
//! a [`Run`] for JavaScript.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::bundle;
use crate::clinic::Clinic;
use crate::error::{Error, Problem};
use crate::input::{self, FileWarning, InputOptions, Origin, TextDates};
use crate::naming::Namer;
use crate::packet;
use crate::paper::Paper;
use crate::record::{self, Patient, RecordWarnings};
use crate::render::{LANGUAGES, RenderOptions, Renderer, TemplateSet};
use crate::report::{self, RecordOutcome, Status};

/// One checked record: the patient, or where it is and what is wrong.
pub type Checked = Result<Patient, (Origin, Vec<Problem>)>;

/// The years a run date may fall in. Typst's dates and PDF timestamps need
/// a four-digit year, and a date outside this range is a mistake anyway.
pub const YEARS: RangeInclusive<i32> = 1900..=9999;

/// The language of records that name none, when the run names none.
pub const DEFAULT_LANGUAGE: &str = "en";

/// A run option that cannot work; each front end words it (an option on
/// the command line, a setting the page sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadSetting {
    /// Not a real date written `YYYY-MM-DD`.
    Date,
    /// A real date outside [`YEARS`].
    DateYears,
    /// A language without templates (not in [`LANGUAGES`]).
    Language,
    /// No paper of [`Paper::NAMES`].
    Paper,
}

/// Reads a run date: `YYYY-MM-DD` only (never a day-first or month-first
/// guess), in [`YEARS`].
pub fn parse_run_date(text: &str) -> Result<NaiveDate, BadSetting> {
    let date = record::parse_date(text, TextDates::IsoOnly).ok_or(BadSetting::Date)?;
    in_years(date)
}

/// Checks a run date from elsewhere (a clock, a timestamp) against [`YEARS`].
pub fn in_years(date: NaiveDate) -> Result<NaiveDate, BadSetting> {
    match YEARS.contains(&date.year()) {
        true => Ok(date),
        false => Err(BadSetting::DateYears),
    }
}

/// Reads a language code in any case, as one of [`LANGUAGES`]; empty text
/// is [`DEFAULT_LANGUAGE`].
pub fn parse_language(text: &str) -> Result<&'static str, BadSetting> {
    let code = text.trim();
    if code.is_empty() {
        return Ok(DEFAULT_LANGUAGE);
    }
    LANGUAGES
        .iter()
        .copied()
        .find(|l| l.eq_ignore_ascii_case(code))
        .ok_or(BadSetting::Language)
}

/// The options of a run, checked once, whichever front end read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The run date: the only date the output depends on.
    pub today: NaiveDate,
    /// The language of records that name none.
    pub language: String,
    /// Body text of at least 16 pt.
    pub large_print: bool,
    /// The paper asked for; `None` is the clinic's paper, else letter.
    pub paper: Option<Paper>,
}

impl Settings {
    /// Reads the options from text: the run date, the language and the
    /// paper (each empty or missing for its default, but the date).
    pub fn parse(
        date: &str,
        language: Option<&str>,
        paper: Option<&str>,
        large_print: bool,
    ) -> Result<Self, BadSetting> {
        let paper = match paper.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse().map_err(|_| BadSetting::Paper)?),
        };
        Ok(Settings {
            today: parse_run_date(date)?,
            language: parse_language(language.unwrap_or(""))?.to_string(),
            large_print,
            paper,
        })
    }

    /// The renderer's options: the paper asked for, else the clinic's,
    /// else letter.
    pub fn render_options(&self, clinic: Option<Clinic>, templates: TemplateSet) -> RenderOptions {
        let paper = self
            .paper
            .or(clinic.as_ref().and_then(|c| c.paper))
            .unwrap_or_default();
        let mut options = RenderOptions::new(self.today, paper);
        options.language = self.language.clone();
        options.large_print = self.large_print;
        options.clinic = clinic;
        options.templates = templates;
        options
    }
}

/// Reads one intake file (`name` is how messages name it) and hands each
/// record, once checked against the run date, to `sink`, in order; returns
/// what the file's reader noticed. Records come one at a time, so nothing
/// here grows with the number of rows. A file-level error (a missing
/// column, a damaged workbook) may come after some records were handed on.
pub fn read_records(
    name: &Path,
    bytes: &[u8],
    options: &InputOptions,
    today: NaiveDate,
    sink: &mut dyn FnMut(Checked),
) -> Result<Vec<FileWarning>, Error> {
    input::read_bytes_each(name, bytes, options, &mut |entry| {
        sink(entry.and_then(|raw| record::from_raw(raw, today)))
    })
}

/// A record that passed, named, for the front end to build or hand on.
#[derive(Debug)]
pub struct Planned {
    /// Its place among every record of the run (the report's order).
    pub index: usize,
    /// Its place among the records that passed: packet *k*, from 0.
    pub number: usize,
    /// Its packet's file name, unique in the run.
    pub name: String,
    /// The checked record.
    pub patient: Patient,
}

/// What reading one file found.
#[derive(Debug, Default)]
pub struct FileRead {
    /// Where the file's records begin in [`Plan::outcomes`].
    pub first: usize,
    /// How many records it holds.
    pub records: usize,
    /// How many of them passed.
    pub passed: usize,
    /// What the file's reader noticed (ignored columns and the like).
    pub warnings: Vec<FileWarning>,
    /// Records that pass but miss something the patient needs (issue 26),
    /// of those the front end keeps to build.
    pub record_warnings: RecordWarnings,
}

/// The records of a run in input order: each passing one named in that
/// order (so the same input always gives the same file names), every
/// record's outcome, and the languages its packets need.
#[derive(Debug, Clone)]
pub struct Plan {
    today: NaiveDate,
    input: InputOptions,
    namer: Namer,
    outcomes: Vec<RecordOutcome>,
    languages: BTreeSet<String>,
    passed: usize,
}

impl Plan {
    /// A plan for records read with `input` and checked against `today`;
    /// `language` is the run's, which the templates are checked in even
    /// when no record names it.
    pub fn new(today: NaiveDate, language: &str, input: InputOptions) -> Self {
        Plan {
            today,
            input,
            namer: Namer::for_run(),
            outcomes: Vec::new(),
            languages: BTreeSet::from([language.to_string()]),
            passed: 0,
        }
    }

    /// Reads one intake file: every record is checked, every passing one
    /// named and handed to `keep`, and every record's outcome kept (a
    /// failure, or "not built yet"). `keep` may instead give the record's
    /// final status at once (a shard's "built by another shard"); its
    /// record warnings then belong to the front end that builds it.
    ///
    /// A file that fails part-way keeps the records read before the error:
    /// a front end that built them reports them. See [`Plan::read_whole`].
    pub fn read(
        &mut self,
        name: &Path,
        bytes: &[u8],
        keep: &mut dyn FnMut(Planned) -> Option<Status>,
    ) -> Result<FileRead, Error> {
        let mut read = FileRead {
            first: self.outcomes.len(),
            ..FileRead::default()
        };
        let (today, input) = (self.today, self.input.clone());
        read.warnings = read_records(name, bytes, &input, today, &mut |checked| {
            read.records += 1;
            match checked {
                Ok(patient) => {
                    let name = self.namer.packet_name(&patient);
                    self.languages.extend(patient.language.clone());
                    self.outcomes.push(RecordOutcome {
                        origin: patient.origin.clone(),
                        packet: Some(name.clone()),
                        status: report::not_built(),
                    });
                    read.passed += 1;
                    let number = self.passed;
                    self.passed += 1;
                    let index = self.outcomes.len() - 1;
                    let warnings = patient.warnings();
                    let planned = Planned {
                        index,
                        number,
                        name,
                        patient,
                    };
                    match keep(planned) {
                        Some(status) => self.outcomes[index].status = status,
                        None => read
                            .record_warnings
                            .add_all(&self.outcomes[index].origin, warnings),
                    }
                }
                Err((origin, problems)) => self.outcomes.push(RecordOutcome {
                    origin,
                    packet: None,
                    status: Status::Failed(problems),
                }),
            }
        })?;
        Ok(read)
    }

    /// Reads one intake file whole or not at all: a file that cannot be
    /// read adds nothing to the plan (its records given to `keep` before
    /// the error are to be dropped by the caller), as a run stops before
    /// building anything when a file cannot be read.
    pub fn read_whole(
        &mut self,
        name: &Path,
        bytes: &[u8],
        keep: &mut dyn FnMut(Planned) -> Option<Status>,
    ) -> Result<FileRead, Error> {
        let before = (
            self.outcomes.len(),
            self.passed,
            self.namer.clone(),
            self.languages.clone(),
        );
        self.read(name, bytes, keep).inspect_err(|_| {
            let (outcomes, passed, namer, languages) = before;
            self.outcomes.truncate(outcomes);
            self.passed = passed;
            self.namer = namer;
            self.languages = languages;
        })
    }

    /// Every record read so far, in input order.
    pub fn outcomes(&self) -> &[RecordOutcome] {
        &self.outcomes
    }

    /// The records that failed their checks, from `first` on (one file's,
    /// with [`FileRead::first`]).
    pub fn failures_from(&self, first: usize) -> impl Iterator<Item = (&Origin, &[Problem])> {
        self.outcomes[first.min(self.outcomes.len())..]
            .iter()
            .filter_map(|o| match &o.status {
                Status::Failed(problems) if o.packet.is_none() => {
                    Some((&o.origin, problems.as_slice()))
                }
                _ => None,
            })
    }

    /// The outcomes, for the front end's summary.
    pub fn into_outcomes(self) -> Vec<RecordOutcome> {
        self.outcomes
    }

    /// Sets the outcome of the record at `index` (its packet was built,
    /// or failed).
    pub fn set_status(&mut self, index: usize, status: Status) {
        if let Some(outcome) = self.outcomes.get_mut(index) {
            outcome.status = status;
        }
    }

    /// Every language the run's packets are in: the run's own, and each one
    /// a record names. The templates are checked in all of them before the
    /// first packet, so a shard checks the same as the whole run.
    pub fn languages(&self) -> &BTreeSet<String> {
        &self.languages
    }

    /// How many records passed (packets to build, in the whole run).
    pub fn passed(&self) -> usize {
        self.passed
    }

    /// `report.csv`: one line per record, one per problem of a failed one.
    pub fn report_csv(&self) -> Vec<u8> {
        report::to_csv(&self.outcomes)
    }
}

/// Why a step of a [`Run`] did not do what was asked.
#[derive(Debug)]
pub enum StepError {
    /// A file, the templates or the run cannot go on.
    Error(Error),
    /// This record's packet could not be built: where the record is, and
    /// its problem.
    Problem(Box<(Origin, Problem)>),
    /// The bundle could not be written (out of memory, in practice).
    Bundle,
    /// The front end asked out of turn: a fault in the front end.
    OutOfTurn(String),
}

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        StepError::Error(e)
    }
}

fn out_of_turn(what: impl Into<String>) -> StepError {
    StepError::OutOfTurn(what.into())
}

/// A plan that holds its records, for a front end that builds packet *k*
/// when asked, perhaps in another copy of the run fed the same files, and
/// takes the packets back in order into a streamed bundle (the page's
/// clinic mode, one copy per worker).
///
/// The order is: [`Run::read`] every intake file, [`Run::start`] (the
/// templates are checked against the fictional patient in every language
/// the records need), [`Run::build`] packets by number, [`Run::record`]
/// each outcome in order (each returns the bundle's bytes that became
/// final), [`Run::finish`] (the report, the bundle's last bytes). Only the
/// outcomes and the records not yet built are held, so memory does not
/// grow with the bundle.
pub struct Run {
    plan: Plan,
    /// The records that passed, by number, with their index in the plan;
    /// each dropped once recorded (or forgotten).
    held: Vec<Option<(usize, Patient)>>,
    renderer: Option<Renderer>,
    /// The bundle being written, from `start` to `finish`.
    bundle: Option<bundle::Stream>,
    /// How many packets [`Run::record`] has taken.
    recorded: usize,
}

impl Run {
    /// A run with these settings; files are read with the default options
    /// (a page has no `--sheet` or `--encoding`).
    pub fn new(settings: &Settings) -> Self {
        Run {
            plan: Plan::new(settings.today, &settings.language, InputOptions::default()),
            held: Vec::new(),
            renderer: None,
            bundle: None,
            recorded: 0,
        }
    }

    /// Reads one intake file, whole or not at all: its records are checked
    /// now, and the ones that pass wait for [`Run::build`].
    pub fn read(&mut self, name: &str, bytes: &[u8]) -> Result<FileRead, StepError> {
        if self.renderer.is_some() {
            return Err(out_of_turn("add every intake file before building"));
        }
        let held = self.held.len();
        let read = self
            .plan
            .read_whole(Path::new(name), bytes, &mut |planned| {
                self.held.push(Some((planned.index, planned.patient)));
                None
            });
        if read.is_err() {
            self.held.truncate(held);
        }
        Ok(read?)
    }

    /// The plan: outcomes, names, languages.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Checks the templates in every language the records need and opens
    /// the bundle; returns how many packets to build.
    pub fn start(&mut self, options: RenderOptions) -> Result<usize, StepError> {
        let today = options.today;
        self.renderer = Some(Renderer::new(options, self.plan.languages())?);
        self.bundle = Some(bundle::Stream::new(today));
        Ok(self.held.len())
    }

    /// Packet `k`'s name.
    pub fn name(&self, k: usize) -> Result<&str, StepError> {
        let (index, _) = self.held(k)?;
        Ok(self.plan.outcomes[*index].packet.as_deref().unwrap_or(""))
    }

    /// The `k`-th record that passed, still held.
    fn held(&self, k: usize) -> Result<&(usize, Patient), StepError> {
        self.held
            .get(k)
            .and_then(Option::as_ref)
            .ok_or_else(|| out_of_turn(format!("there is no packet {k} to build")))
    }

    fn renderer(&self) -> Result<&Renderer, StepError> {
        self.renderer
            .as_ref()
            .ok_or_else(|| out_of_turn("start the run before building"))
    }

    /// Builds packet `k` (in input order, from 0): its ZIP, or the
    /// record's problem.
    pub fn build(&self, k: usize) -> Result<Vec<u8>, StepError> {
        let (_, patient) = self.held(k)?;
        packet::zip(self.renderer()?, patient)
            .map_err(|p| StepError::Problem(Box::new((patient.origin.clone(), p))))
    }

    /// Builds packet `k`: its ZIP and `packet.pdf` alone (one patient's
    /// packet, which the page shows as well as saves).
    pub fn build_with_pdf(&self, k: usize) -> Result<packet::Built, StepError> {
        let (_, patient) = self.held(k)?;
        packet::build(self.renderer()?, patient)
            .map_err(|p| StepError::Problem(Box::new((patient.origin.clone(), p))))
    }

    /// Drops record `k`, built here for another copy of the run to record.
    pub fn forget(&mut self, k: usize) {
        if let Some(slot) = self.held.get_mut(k) {
            *slot = None;
        }
    }

    /// Takes packet `k`'s outcome, in order: its ZIP, or `None` when it
    /// could not be built (the problem is then found again here, by
    /// building it once more: a rare case, and the same input gives the
    /// same problem). Returns the bundle's bytes that became final.
    pub fn record(&mut self, k: usize, zip: Option<&[u8]>) -> Result<Vec<u8>, StepError> {
        if k != self.recorded {
            return Err(out_of_turn(format!("packet {k} came out of order")));
        }
        let (index, _) = *self.held(k)?;
        let name = self.name(k)?.to_string();
        let bytes = match zip {
            Some(zip) => {
                let stream = self.bundle.as_mut().ok_or_else(not_open)?;
                let bytes = stream.add(&name, zip).map_err(|_| StepError::Bundle)?;
                self.plan.set_status(index, Status::Built(name));
                bytes
            }
            None => {
                let problem = match self.build(k) {
                    Err(StepError::Problem(failed)) => failed.1,
                    Err(e) => return Err(e),
                    Ok(_) => return Err(out_of_turn(format!("packet {k} was built here"))),
                };
                self.plan.set_status(index, Status::Failed(vec![problem]));
                Vec::new()
            }
        };
        self.forget(k);
        self.recorded += 1;
        Ok(bytes)
    }

    /// Closes the bundle's current part (its central directory: the part is
    /// a whole ZIP) and opens the next; returns the part's last bytes. A
    /// browser holds a download until it is saved, so a long run leaves in
    /// parts (issue 27).
    pub fn cut(&mut self) -> Result<Vec<u8>, StepError> {
        let part = self
            .bundle
            .replace(bundle::Stream::new(self.plan.today))
            .ok_or_else(not_open)?;
        part.finish().map_err(|_| StepError::Bundle)
    }

    /// Adds `report.csv` and closes the bundle: its last bytes. Every
    /// packet must have been recorded.
    pub fn finish(&mut self) -> Result<Vec<u8>, StepError> {
        if self.recorded != self.held.len() {
            return Err(out_of_turn("finish the packets before the bundle"));
        }
        let mut stream = self.bundle.take().ok_or_else(not_open)?;
        let report = self.plan.report_csv();
        let mut bytes = stream
            .add(report::REPORT_FILE, &report)
            .map_err(|_| StepError::Bundle)?;
        bytes.extend(stream.finish().map_err(|_| StepError::Bundle)?);
        Ok(bytes)
    }
}

/// The bundle was asked for before [`Run::start`] opened it.
fn not_open() -> StepError {
    out_of_turn("the bundle is not open")
}

#[cfg(test)]
mod tests;
