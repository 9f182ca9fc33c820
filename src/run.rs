//! Wires the stages together: read → check → render → bundle → write.
//!
//! Functions here return what happened (`BuildSummary`, `CheckSummary`);
//! they never print. Progress is reported through a callback so the command
//! line can draw it and tests can ignore it.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Mutex;

use second_opinion_core::error::{Code, Error, Problem};
use second_opinion_core::record::{self, Patient};
use second_opinion_core::render::Renderer;
use second_opinion_core::report::{BUNDLE_FILE, REPORT_FILE, RecordOutcome, Status};
use second_opinion_core::run::{self, Checked, Plan, Planned};

use crate::config::{BuildConfig, CheckConfig};
use crate::output::{OutputDir, WriteError};
use crate::report;
use crate::summary::{BuildSummary, CheckSummary};

/// Progress events for the command line.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Rendering starts: this many packets to build.
    Start(usize),
    /// One more packet is finished (built or failed).
    Done,
}

/// Reads every input file in command-line order and hands each record, once
/// checked, to `sink`; returns the files' warnings. The reading and checks
/// are the core's ([`run::read_records`]); this adds the files.
///
/// Records are read and checked one at a time, so nothing here grows with
/// the number of rows. A file-level error (a missing column, a damaged
/// workbook) may come after some records of that file were handed over.
pub fn each_record(
    config: &CheckConfig,
    sink: &mut dyn FnMut(Checked),
) -> Result<Vec<String>, Error> {
    let mut warnings = Vec::new();
    for path in &config.inputs {
        let file_warnings = crate::intake_file::with_bytes(path, |name, bytes| {
            run::read_records(name, bytes, &config.input, config.today, sink)
        })?;
        warnings.extend(file_warnings.iter().map(ToString::to_string));
    }
    Ok(warnings)
}

/// Reads and checks every input file, keeping only what went wrong.
pub fn check(config: &CheckConfig) -> Result<CheckSummary, Error> {
    let mut summary = CheckSummary::default();
    // Records that pass but miss something the patient needs (issue 26).
    let mut records = record::RecordWarnings::default();
    let warnings = each_record(config, &mut |checked| match checked {
        Ok(patient) => {
            records.add(&patient);
            summary.passed += 1
        }
        Err(failure) => summary.failures.push(failure),
    })?;
    summary.warnings = [warnings, records.into_lines()].concat();
    Ok(summary)
}

/// Builds one packet per valid record and writes the report.
///
/// An older report under this run's report name (`report.csv`, or a
/// shard's) is removed before the first packet is built, once the run is
/// sure to go ahead: a report always describes the packets of the run that
/// wrote it, and a run that is killed, or whose report cannot be written (a
/// full disk), leaves no report rather than the older run's. The new one is
/// written as every file is (temporary file, then rename). When it cannot
/// be written, the packets built are still whole: the summary says so,
/// lists their records, and says where they are (exit 1).
///
/// The input is read twice. The first pass only counts the records that
/// pass and the languages they ask for, so a file that cannot be read stops
/// the run before anything is written, and the progress bar knows the total.
/// The second pass hands the records one at a time to the worker threads
/// through a short queue, so memory stays flat however long the sheet is.
pub fn build(
    config: &BuildConfig,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary, Error> {
    // A shard counts only its own packets, but checks the templates in
    // every language of the run, so all shards of a run fail alike.
    let (mut valid, mut passed) = (0, 0);
    let mut languages = BTreeSet::from([config.render.language.clone()]);
    // Records that pass but miss something the patient needs (issue 26),
    // each warned about by the shard that builds it.
    let mut records = record::RecordWarnings::default();
    let warnings = each_record(&config.check, &mut |checked| {
        if let Ok(patient) = checked {
            let own = config.shard.is_none_or(|s| s.owns(valid));
            if own {
                records.add(&patient);
            }
            passed += usize::from(own);
            valid += 1;
            languages.extend(patient.language);
        }
    })?;
    let warnings = [warnings, records.into_lines()].concat();
    let renderer = crate::check::renderer(config.render.clone(), &languages, config.check_time)?;
    let mut out = OutputDir::prepare_for(&config.out, config.force, config.shard)?;
    out.protect(config.read_files());
    let report_file = config.report_file();
    // A link, pipe or device under the report's name is refused, even with
    // --force: the report is the tool's own file.
    crate::output::refuse_special(&out.target(&report_file), "cannot write the report here")?;
    out.check_report(&report_file)
        .map_err(|e| own_file_error(&out, &report_file, e))?;
    if config.bundle {
        out.check_free(BUNDLE_FILE)
            .map_err(|e| own_file_error(&out, BUNDLE_FILE, e))?;
    }
    // The run goes ahead: an older report must not outlive it (see above).
    out.discard(&report_file)
        .map_err(|e| own_file_error(&out, &report_file, e))?;

    progress(Progress::Start(passed));
    let (outcomes, second_read) = build_all(&renderer, &out, config, passed, progress);

    let mut warnings = warnings;
    let (report, report_error) = match report::write(&out, &report_file, &outcomes) {
        Ok(path) => (path, None),
        Err(e) => (
            out.target(&report_file),
            Some(report_error(&out, &report_file, e)),
        ),
    };
    // A file that changed between the two passes can fail in the second:
    // the packets built so far are whole and in the report; the run stops.
    // Without a report, the summary (which then lists the packets built)
    // matters more, and the second pass's error goes with it as a warning.
    match (second_read, &report_error) {
        (Err(e), Some(_)) => warnings.push(e.to_string()),
        (second_read, _) => second_read?,
    }
    let (bundle, bundle_error) = match config.bundle {
        true if report_error.is_some() => (
            None,
            Some(Error::Usage {
                message: format!(
                    "{BUNDLE_FILE} was not made: it holds the report, which could not be written"
                ),
                hint: "make room, then run the same command again with --force".into(),
            }),
        ),
        true => match write_bundle(
            &out,
            config.force,
            config.render.today,
            &outcomes,
            &report,
            |file| Box::new(file),
        ) {
            Ok(path) => (Some(path), None),
            Err(e) => (None, Some(e)),
        },
        false => (None, None),
    };
    Ok(BuildSummary {
        outcomes,
        warnings,
        out_dir: out.path().to_path_buf(),
        report,
        report_error,
        bundle,
        bundle_error,
        shard: config.shard,
    })
}

/// The error for a report that could not be written after the packets
/// were: what happened, where the packets are, and how to get both.
fn report_error(out: &OutputDir, name: &str, error: WriteError) -> Error {
    let WriteError::Io(e) = error else {
        return own_file_error(out, name, error);
    };
    let fix = match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "free some disk space"
        }
        _ => "check that the output folder is writable and the disk has free space",
    };
    Error::Io {
        path: out.target(name),
        action: "could not write the report".into(),
        reason: second_opinion_core::error::io_reason(&e),
        hint: format!(
            "the packets built (their records are listed here) are whole, in {}; {fix}, then run the same command again with --force to build them again with their report",
            out.path().display()
        ),
    }
}

/// Writes every built packet and the report into one ZIP, atomically.
/// `sink` wraps the temporary file (tests put a full disk in between).
fn write_bundle(
    out: &OutputDir,
    force: bool,
    today: chrono::NaiveDate,
    outcomes: &[RecordOutcome],
    report: &std::path::Path,
    sink: impl FnOnce(&mut std::fs::File) -> Box<dyn WriteSeek + '_>,
) -> Result<PathBuf, Error> {
    let mut files: Vec<(String, PathBuf)> = outcomes
        .iter()
        .filter_map(|o| match &o.status {
            Status::Built(name) => Some((name.clone(), out.target(name))),
            Status::Failed(_) | Status::OtherShard { .. } => None,
        })
        .collect();
    files.push((REPORT_FILE.to_string(), report.to_path_buf()));
    out.write_with(BUNDLE_FILE, force, |file| {
        let first = std::rc::Rc::new(std::cell::Cell::new(None));
        let latch = Latch::new(sink(file), first.clone());
        let entries = files
            .iter()
            .map(|(name, path)| open_built(path).map(|f| (name.clone(), f)));
        let written =
            second_opinion_core::bundle::zip_stored(entries, today, std::io::BufWriter::new(latch))
                .and_then(|mut w| w.flush());
        match (written, first.get()) {
            (Err(_), Some((_, Some(code)))) => Err(std::io::Error::from_raw_os_error(code)),
            (Err(_), Some((kind, None))) => Err(std::io::Error::from(kind)),
            (result, _) => result,
        }
    })
    .map_err(|e| own_file_error(out, BUNDLE_FILE, e))
}

/// Opens a packet or report this run wrote, for the bundle: never through a
/// link (or a pipe) put in its place since.
fn open_built(path: &std::path::Path) -> std::io::Result<fs::File> {
    crate::files::open_own(path, fs::OpenOptions::new().read(true)).map_err(|e| match e {
        crate::files::OpenError::Io(e) => e,
        crate::files::OpenError::NotAFile(_) => std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it was replaced by something that is not a file",
        ),
    })
}

/// Where a [`Latch`] keeps the first error's kind and OS code.
type FirstError = std::rc::Rc<std::cell::Cell<Option<(std::io::ErrorKind, Option<i32>)>>>;

/// A writer that, after its first error, quietly accepts and drops
/// everything: the first error is what the run reports, and the ZIP
/// writer's own attempt to finish the archive when dropped (which prints
/// the zip crate's text to the terminal when it fails) then has nothing to
/// say. The temporary file is removed either way.
struct Latch<W> {
    inner: W,
    failed: bool,
    /// The first error, as the system gave it: the ZIP writer wraps errors
    /// into its own ("i/o error: ..."), which would lose the disk-full hint.
    first: FirstError,
    /// The position and length the writer has seen, kept up after a
    /// failure so the ZIP writer's arithmetic stays consistent.
    pos: u64,
    len: u64,
}

impl<W> Latch<W> {
    fn new(inner: W, first: FirstError) -> Self {
        Latch {
            inner,
            failed: false,
            first,
            pos: 0,
            len: 0,
        }
    }

    /// Notes a failure and passes the error on.
    fn fail(&mut self, e: std::io::Error) -> std::io::Error {
        self.failed = true;
        self.first.set(Some((e.kind(), e.raw_os_error())));
        e
    }

    fn advance(&mut self, n: usize) -> usize {
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        n
    }
}

impl<W: Write> Write for Latch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.failed {
            return Ok(self.advance(buf.len()));
        }
        match self.inner.write(buf) {
            Ok(n) => Ok(self.advance(n)),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.inner.flush().map_err(|e| self.fail(e))
    }
}

impl<W: std::io::Seek> std::io::Seek for Latch<W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        if !self.failed {
            match self.inner.seek(pos) {
                Ok(at) => {
                    self.pos = at;
                    self.len = self.len.max(at);
                    return Ok(at);
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
        let at = match pos {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        self.pos = at.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// Where the bundle is written: a file, or in tests a disk that fills up.
pub trait WriteSeek: Write + std::io::Seek {}
impl<T: Write + std::io::Seek> WriteSeek for T {}

/// The run-stopping error for one of the run's own files (the report, the
/// bundle) that cannot be written.
fn own_file_error(out: &OutputDir, name: &str, error: WriteError) -> Error {
    let (message, hint) = match error {
        WriteError::Io(e) => return Error::io_write(&out.target(name), &e),
        WriteError::Input => (
            format!(
                "{name} in the output folder is one of the files this run reads; it is never replaced"
            ),
            "choose another output folder with --out, or move that file out of the output folder",
        ),
        WriteError::Exists if report::is_report_file(name) => (
            format!("{name} in the output folder was not written by second-opinion"),
            "move or rename that file, add --force to replace it, or choose another folder with --out",
        ),
        WriteError::Exists => (
            format!("{name} already exists in the output folder"),
            "add --force to replace it, or choose another folder with --out",
        ),
        WriteError::Folder => (
            format!("a folder named {name} is in the output folder"),
            "rename or move that folder, or choose another output folder with --out",
        ),
    };
    Error::Usage {
        message,
        hint: hint.into(),
    }
}

/// Reads the records again and builds them on `config.render.workers` threads;
/// returns every record's outcome in input order, and how reading ended.
///
/// This thread reads, checks and names the records in input order (so the
/// same input always gives the same file names) and queues them. Each
/// worker is a thread that is the only thread of its own rayon pool (large
/// stack), so the parallel pieces Typst hands to rayon (page runs, PDF
/// streams) run on the worker itself, in turn: `--jobs 1` is one core, and
/// workers never compete with a second set of threads for the cores, nor
/// run each other's compiles nested on their stacks (docs/typst.md,
/// bench/PROFILE.md). The queue holds at most two records per worker.
///
/// Writing is a stage of its own: a worker hands each finished packet to
/// one of as many writer threads and goes on to the next record, so the
/// waits for the disk (every packet is flushed to disk, and so is the
/// folder after its rename) never leave a core idle (bench/PROFILE.md,
/// change 10). The hand-over holds at most one packet per worker, and a
/// packet is written as soon as a writer is free, so memory does not grow
/// with the batch; the packet's outcome is what its write made of it.
fn build_all(
    renderer: &Renderer,
    out: &OutputDir,
    config: &BuildConfig,
    packets: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> (Vec<RecordOutcome>, Result<(), Error>) {
    // No more workers than packets the first pass found to build.
    let workers = config.render.workers.clamp(1, packets.max(1));
    let (to_workers, queue) =
        std::sync::mpsc::sync_channel::<(usize, Patient, String)>(2 * workers);
    let queue = Mutex::new(queue);
    let (to_main, results) = std::sync::mpsc::channel::<(usize, Status)>();
    let (to_writers, finished) = std::sync::mpsc::sync_channel::<(usize, String, Vec<u8>)>(workers);
    let finished = Mutex::new(finished);
    let mut plan = Plan::new(
        config.render.today,
        &config.render.language,
        config.check.input.clone(),
    );
    let read = std::thread::scope(|scope| {
        for i in 0..workers {
            let sender = to_main.clone();
            let finished = &finished;
            // A writer spends its time waiting for the disk, not on a core.
            let writer = move || {
                loop {
                    // The lock is held only while waiting for the next packet.
                    let next = finished.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((index, name, packet)) = next else {
                        break;
                    };
                    let status = write_one(out, &name, &packet);
                    drop(packet);
                    // The receiver lives until every writer has finished.
                    let _ = sender.send((index, status));
                    progress(Progress::Done);
                }
            };
            std::thread::Builder::new()
                .name(format!("packet-writer-{i}"))
                .spawn_scoped(scope, writer)
                .expect("the system can start a thread");
        }
        for i in 0..workers {
            let sender = to_main.clone();
            let to_writers = to_writers.clone();
            let queue = &queue;
            // Each worker is the one thread of its own rayon pool, so
            // Typst's parallel pieces run on it in turn (bench/PROFILE.md).
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .stack_size(WORKER_STACK)
                .thread_name(move |_| format!("packet-worker-{i}"))
                .build()
                .expect("the system can start the worker threads");
            let worker = move || {
                pool.install(|| {
                    loop {
                        // The lock is held only while waiting for the next record.
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((index, patient, name)) = next else {
                            break;
                        };
                        let built = build_one(renderer, out, &patient, &name);
                        drop(patient);
                        match built {
                            // The writers' receiver lives until every
                            // worker has finished, and writers never stop
                            // early (`write_one` catches every panic).
                            Ok(packet) => {
                                let _ = to_writers.send((index, name, packet));
                            }
                            Err(status) => {
                                // The receiver lives until every worker has finished.
                                let _ = sender.send((index, status));
                                progress(Progress::Done);
                            }
                        }
                    }
                });
            };
            std::thread::Builder::new()
                .spawn_scoped(scope, worker)
                .expect("the system can start a thread");
        }
        // The writers stop once every worker has dropped its sender.
        drop(to_writers);
        drop(to_main);
        // The core's plan reads, checks and names the records in input
        // order. Every shard names every valid record, so names match a
        // single run's; it queues only its own and lists the others as
        // theirs.
        let read = config.check.inputs.iter().try_for_each(|path| {
            crate::intake_file::with_bytes(path, |name, bytes| {
                plan.read(name, bytes, &mut |planned: Planned| {
                    if let Some(status) = config.shard.and_then(|s| s.elsewhere(planned.number)) {
                        return Some(status);
                    }
                    // The queue's receiver lives (in its mutex) until the
                    // end of the run, so this never fails; and it never
                    // blocks for good, since `build_one` catches every
                    // panic and so the workers keep taking records until
                    // the queue is closed.
                    let _ = to_workers.send((planned.index, planned.patient, planned.name));
                    None
                })
            })
            .map(drop)
        });
        drop(to_workers);
        read
    });
    for (index, status) in results {
        plan.set_status(index, status);
    }
    (plan.into_outcomes(), read)
}

/// The stack of each worker thread: Typst's layout recurses deeply, and
/// a worker waiting for its own parallel layout may run another worker's
/// layout piece on top of its stack.
const WORKER_STACK: usize = 32 * 1024 * 1024;

/// Renders, zips and verifies one packet, for [`write_one`]. Never panics:
/// a panic in any step becomes this record's failure.
fn build_one(
    renderer: &Renderer,
    out: &OutputDir,
    patient: &Patient,
    name: &str,
) -> Result<Vec<u8>, Status> {
    let attempt = catch_unwind(AssertUnwindSafe(|| -> Result<Vec<u8>, Problem> {
        // Checked before the work of rendering.
        out.check_free(name).map_err(write_problem)?;
        second_opinion_core::packet::zip(renderer, patient)
    }));
    match attempt {
        Ok(Ok(packet)) => Ok(packet),
        Ok(Err(problem)) => Err(Status::Failed(vec![problem])),
        Err(_) => Err(stopped()),
    }
}

/// Writes one finished packet under its name. Never panics: a panic while
/// writing becomes this record's failure.
fn write_one(out: &OutputDir, name: &str, packet: &[u8]) -> Status {
    match catch_unwind(AssertUnwindSafe(|| out.write(name, packet))) {
        Ok(Ok(_)) => Status::Built(name.to_string()),
        Ok(Err(e)) => Status::Failed(vec![write_problem(e)]),
        Err(_) => stopped(),
    }
}

/// A packet's write error, as this record's problem.
fn write_problem(e: WriteError) -> Problem {
    let (message, hint) = e.describe();
    Problem::record(Code::WriteFailed, message, hint)
}

/// A record whose packet stopped with a panic.
fn stopped() -> Status {
    Status::Failed(vec![Problem::record(
        Code::BuildStopped,
        "building this packet stopped unexpectedly",
        "the other packets were built; report this record's row number (not its data)",
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use second_opinion_core::input::{Origin, Place};
    use std::io::Seek;

    /// A file on a disk that is full after `room` bytes.
    struct FullDisk<'a> {
        file: &'a mut std::fs::File,
        room: usize,
    }

    impl Write for FullDisk<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
            }
            self.room -= buf.len();
            self.file.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }

    impl Seek for FullDisk<'_> {
        fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
            self.file.seek(pos)
        }
    }

    #[test]
    fn a_full_disk_during_the_bundle_keeps_the_packets_and_reports_them() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        out.write("Ann.zip", &vec![b'p'; 20_000]).unwrap();
        let report = out.replace(REPORT_FILE, b"report").unwrap();
        let outcomes = vec![RecordOutcome {
            origin: Origin {
                file: "intake.csv".into(),
                place: Place::Row {
                    sheet: None,
                    row: 2,
                },
            },
            packet: Some("Ann.zip".into()),
            status: Status::Built("Ann.zip".into()),
        }];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        for room in [0, 100, 10_000] {
            let error = write_bundle(&out, false, today, &outcomes, &report, |file| {
                Box::new(FullDisk { file, room })
            })
            .unwrap_err();
            let text = error.to_string();
            assert!(text.contains(BUNDLE_FILE), "{text}");
            assert!(text.contains("the disk is full"), "{text}");
            assert!(!dir.path().join(BUNDLE_FILE).exists());
            let summary = BuildSummary {
                outcomes: outcomes.clone(),
                warnings: Vec::new(),
                out_dir: dir.path().to_path_buf(),
                report: report.clone(),
                report_error: None,
                bundle: None,
                bundle_error: Some(error),
                shard: None,
            };
            let text = crate::summary::build_summary(&summary);
            assert!(text.starts_with("Built 1 packet in "), "{text}");
            assert!(text.contains("could not be written"), "{text}");
            assert!(
                !text.to_lowercase().contains("i/o error") && !text.contains("Zip"),
                "no zip crate text: {text}"
            );
        }
        assert_eq!(fs::read(dir.path().join("Ann.zip")).unwrap().len(), 20_000);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temp file left: {names:?}");
        // The same call with room to spare writes the bundle.
        write_bundle(&out, false, today, &outcomes, &report, |file| {
            Box::new(file)
        })
        .unwrap();
    }
}
