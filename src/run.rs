//! Wires the stages together: read → check → render → bundle → write.
//!
//! Functions here return what happened ([`BuildSummary`], [`CheckSummary`]);
//! they never print. Progress is reported through a callback so the command
//! line can draw it and tests can ignore it.

use std::io::{Cursor, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::{BuildConfig, CheckConfig};
use crate::error::{Error, Problem};
use crate::input::{self, Origin};
use crate::output::{Namer, OutputDir};
use crate::record::{self, Patient};
use crate::render::Renderer;
use crate::report;

/// What became of one input record.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The packet was written under this file name.
    Built(String),
    /// The record could not be built; nothing was written for it.
    Failed(Vec<Problem>),
}

/// One input record and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// Where the record came from.
    pub origin: Origin,
    /// The packet file name planned for it, if it got that far.
    pub packet: Option<String>,
    /// What happened.
    pub status: Status,
}

/// The result of checking records (`validate`, and the first half of `build`).
#[derive(Debug, Default)]
pub struct CheckSummary {
    /// The records that passed, in input order.
    pub patients: Vec<Patient>,
    /// The records that failed, with their problems.
    pub failures: Vec<(Origin, Vec<Problem>)>,
    /// Warnings about the input files.
    pub warnings: Vec<String>,
    /// How many records were read in all.
    pub total: usize,
}

/// The result of `build`.
#[derive(Debug)]
pub struct BuildSummary {
    /// Every record, in input order.
    pub outcomes: Vec<RecordOutcome>,
    /// Warnings about the input files.
    pub warnings: Vec<String>,
    /// The output folder.
    pub out_dir: PathBuf,
    /// Where the report was written.
    pub report: PathBuf,
    /// Where the bundle of all packets was written, with `--bundle`.
    pub bundle: Option<PathBuf>,
}

impl BuildSummary {
    /// How many packets were built.
    pub fn built(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Built(_)))
            .count()
    }

    /// How many records failed.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.built()
    }
}

/// Progress events for the command line.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Rendering starts: this many packets to build.
    Start(usize),
    /// One more packet is finished (built or failed).
    Done,
}

/// Reads and checks every input file.
pub fn check(config: &CheckConfig) -> Result<CheckSummary, Error> {
    let mut summary = CheckSummary::default();
    for path in &config.inputs {
        let file = input::read(path, &config.input)?;
        summary.warnings.extend(file.warnings);
        for entry in file.entries {
            summary.total += 1;
            match entry.and_then(|raw| record::from_raw(raw, config.today)) {
                Ok(patient) => {
                    let unprintable = crate::render::unprintable_fields(&patient);
                    if unprintable.is_empty() {
                        summary.patients.push(patient);
                    } else {
                        summary.failures.push((patient.origin, unprintable));
                    }
                }
                Err(failure) => summary.failures.push(failure),
            }
        }
    }
    Ok(summary)
}

/// Builds one packet per valid record and writes the report.
pub fn build(
    config: &BuildConfig,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary, Error> {
    let checked = check(&config.check)?;
    let mut languages: std::collections::BTreeSet<String> = checked
        .patients
        .iter()
        .map(|p| {
            p.language
                .clone()
                .unwrap_or_else(|| config.render.language.clone())
        })
        .collect();
    languages.insert(config.render.language.clone());
    let renderer = Renderer::new(config.render.clone(), &languages)?;
    let out = OutputDir::prepare(&config.out, config.force)?;
    if config.bundle {
        out.check_free(BUNDLE_FILE)
            .map_err(|e| bundle_error(out.target(BUNDLE_FILE), e))?;
    }

    // Names are handed out in input order, before any parallel work, so the
    // same input always gives the same file names.
    let mut namer = Namer::reserving(&[report::REPORT_FILE, BUNDLE_FILE]);
    let planned: Vec<(Patient, String)> = checked
        .patients
        .into_iter()
        .map(|p| {
            let name = namer.packet_name(&p);
            (p, name)
        })
        .collect();

    release_freed_memory();
    progress(Progress::Start(planned.len()));
    let built = build_all(&renderer, &out, config, &planned, progress);

    let mut outcomes: Vec<RecordOutcome> = planned
        .into_iter()
        .zip(built)
        .map(|((patient, name), status)| RecordOutcome {
            origin: patient.origin,
            packet: Some(name),
            status,
        })
        .collect();
    outcomes.extend(
        checked
            .failures
            .into_iter()
            .map(|(origin, problems)| RecordOutcome {
                origin,
                packet: None,
                status: Status::Failed(problems),
            }),
    );
    outcomes.sort_by(|a, b| a.origin.cmp(&b.origin));
    // Inputs keep the order given on the command line, not name order.
    outcomes.sort_by_key(|o| config.check.inputs.iter().position(|p| *p == o.origin.file));

    let report = report::write(&out, &outcomes)
        .map_err(|e| Error::io_write(&out.path().join(report::REPORT_FILE), &e))?;
    let bundle = match config.bundle {
        true => Some(write_bundle(&out, config, &outcomes, &report)?),
        false => None,
    };
    Ok(BuildSummary {
        outcomes,
        warnings: checked.warnings,
        out_dir: out.path().to_path_buf(),
        report,
        bundle,
    })
}

/// Hands memory freed after reading the intake back to the system.
///
/// Reading a large sheet allocates on the main thread; rendering allocates
/// on worker threads, which glibc serves from other arenas, so without this
/// the memory of reading would stay counted for the whole run on top of the
/// memory of rendering.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system; it is
    // thread-safe and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The file name of the bundle written with `--bundle`.
pub const BUNDLE_FILE: &str = "all-packets.zip";

/// Writes every built packet and the report into one ZIP, atomically.
fn write_bundle(
    out: &OutputDir,
    config: &BuildConfig,
    outcomes: &[RecordOutcome],
    report: &std::path::Path,
) -> Result<PathBuf, Error> {
    let mut files: Vec<(String, PathBuf)> = outcomes
        .iter()
        .filter_map(|o| match &o.status {
            Status::Built(name) => Some((name.clone(), out.target(name))),
            Status::Failed(_) => None,
        })
        .collect();
    files.push((report::REPORT_FILE.to_string(), report.to_path_buf()));
    out.write_with(BUNDLE_FILE, config.force, |file| {
        crate::bundle::zip_files(&files, config.render.today, std::io::BufWriter::new(file))?
            .flush()
    })
    .map_err(|e| bundle_error(out.target(BUNDLE_FILE), e))
}

/// The run-stopping error for a bundle that cannot be written.
fn bundle_error(path: PathBuf, error: crate::output::WriteError) -> Error {
    use crate::output::WriteError;
    let (message, hint) = match error {
        WriteError::Io(e) => return Error::io_write(&path, &e),
        WriteError::Exists => (
            format!("{BUNDLE_FILE} already exists in the output folder"),
            "add --force to replace it, or choose another folder with --out",
        ),
        WriteError::Folder => (
            format!("a folder named {BUNDLE_FILE} is in the output folder"),
            "rename or move that folder, or choose another output folder with --out",
        ),
    };
    Error::Usage {
        message,
        hint: hint.into(),
    }
}

/// Renders and writes the planned packets on `config.jobs` threads.
///
/// Plain threads with large stacks pull the next index from a counter
/// (TYPST.md: compiles inside rayon tasks overflow the stack); each packet is
/// written as soon as it is built, so memory does not grow with the batch.
fn build_all(
    renderer: &Renderer,
    out: &OutputDir,
    config: &BuildConfig,
    planned: &[(Patient, String)],
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<Status> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Status>>> = Mutex::new(vec![None; planned.len()]);
    let workers = config.jobs.clamp(1, planned.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let worker = || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((patient, name)) = planned.get(i) else {
                        break;
                    };
                    let status = build_one(renderer, out, config, patient, name);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(status);
                    progress(Progress::Done);
                }
            };
            std::thread::Builder::new()
                .stack_size(16 * 1024 * 1024)
                .spawn_scoped(scope, worker)
                .expect("the system can start a worker thread");
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|s| {
            s.unwrap_or_else(|| Status::Failed(vec![Problem::record("was not built", "run again")]))
        })
        .collect()
}

/// Renders, zips, verifies and writes one packet. Never panics: a panic in
/// any step becomes this record's failure.
fn build_one(
    renderer: &Renderer,
    out: &OutputDir,
    config: &BuildConfig,
    patient: &Patient,
    name: &str,
) -> Status {
    if let Err(taken) = out.check_free(name) {
        let (message, hint) = taken.describe();
        return Status::Failed(vec![Problem::record(message, hint)]);
    }
    let attempt = catch_unwind(AssertUnwindSafe(|| -> Result<String, Problem> {
        let pdfs = renderer.render(patient)?;
        let zip = crate::bundle::zip(&pdfs, config.render.today).map_err(|_| {
            Problem::record(
                "could not put the documents into a ZIP",
                "run again; if it happens again, report it",
            )
        })?;
        verify_zip(&zip, pdfs.len())?;
        out.write(name, &zip).map_err(|e| {
            let (message, hint) = e.describe();
            Problem::record(message, hint)
        })?;
        Ok(name.to_string())
    }));
    match attempt {
        Ok(Ok(name)) => Status::Built(name),
        Ok(Err(problem)) => Status::Failed(vec![problem]),
        Err(_) => Status::Failed(vec![Problem::record(
            "building this packet stopped unexpectedly",
            "the other packets were built; report this record's row number (not its data)",
        )]),
    }
}

/// Reads the finished ZIP back, checking every entry's CRC, before it gets
/// its final name.
fn verify_zip(bytes: &[u8], expected_entries: usize) -> Result<(), Problem> {
    let failed = || {
        Problem::record(
            "the finished ZIP did not read back correctly",
            "run again; if it happens again, report it",
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| failed())?;
    if archive.len() != expected_entries {
        return Err(failed());
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| failed())?;
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(|_| failed())?;
    }
    Ok(())
}
