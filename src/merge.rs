//! `report merge`: the reports of a sharded run, one per shard, become the
//! one `report.csv` a single run would have written.
//!
//! Every shard's report (`report-K-of-N.csv`) lists every record of the
//! input in input order: the shard's own records with what became of them,
//! the invalid records as failed (every shard checks every record), and the
//! other shards' records as `other-shard`, naming the shard that builds
//! each. So the reports alone say which records a shard that left no report
//! should have built, and merging never reads the input again. When every
//! shard ran, the combined report is byte for byte the single run's.
//!
//! Like every report, it names files, rows and problems, never a value.
//!
//! A report is a file anyone may have edited, replaced or planted, so it is
//! read as `build` reads its inputs: only a regular file (opened without
//! blocking, so a named pipe cannot hang the merge while it holds the
//! folders), at most [`MAX_REPORT_BYTES`]; then the core's reader
//! ([`second_opinion_core::report::read`], the other half of `to_csv`)
//! takes lines of bounded length, a bounded number of rows, and each cell
//! only as this program writes it: a status of its fixed set, a position of its
//! own forms, no control character, nothing that starts a spreadsheet
//! formula, texts of bounded length. Anything else is refused (exit 2),
//! naming the report and the line, never the cell. A merge holds, per
//! record, its file, position and planned packet name, and the problems of
//! failed records (each distinct text once), so its memory follows the
//! number of records, not the reports' bytes.
//!
//! Within one report a record's position is never listed twice in a row
//! (the rows of one failed record, one per problem, excepted). The same
//! file name and position may come back later in a report: two input files
//! of one name in different folders (`a/intake.csv b/intake.csv`) give that,
//! so it cannot be told from a copied row.
//!
//! Near the top of the crate, beside `run`: it holds folders
//! ([`crate::lock`]), writes through [`crate::output`], fills in a
//! [`MergeSummary`] for `app` to print; what the reports' rows say, it
//! merges from the records the core's reader hands it.

use std::collections::HashSet;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use second_opinion_core::error::{Code, Error, shown};
use second_opinion_core::report::{
    BUILT, FAILED, REPORT_FILE, REPORT_HEADER, parse_shard_report_file, write_row,
};

use crate::config::MergeConfig;
use crate::files::FileKey;
use crate::lock::{FolderLock, hold};
use crate::output::{OutputDir, WriteError};
use crate::shard::Shard;
use crate::summary::{Conflict, Failure, LISTED_FAILURES, MergeSummary};

#[cfg(test)]
mod tests;

use second_opinion_core::report::read::{
    Entry, Kind, MAX_REPORT_BYTES, Position, Problem, Text, Texts, too_large,
};

/// How many columns a report row has.
const COLUMNS: usize = 7;

/// One report row: the columns of [`REPORT_HEADER`].
pub(crate) type Row = [String; COLUMNS];

/// Merges the shards' reports found in `config.dirs` into one report.
///
/// Fails (exit 2) when there is nothing to merge or the reports cannot be
/// from the shards of one run: no shard report, a folder of a run without
/// `--shard`, shard counts that differ, two reports of one shard, reports
/// that list different records or no record at all, a report that is not a
/// regular file or not as this program writes one; or when the combined
/// report's name is taken by anything but a report (a link, a device, a
/// pipe, a folder), even with `--force`. Records that are missing or in
/// conflict are in the summary (exit 1), not errors.
pub(crate) fn merge(config: &MergeConfig) -> Result<MergeSummary, Error> {
    // Before anything is locked or created: `--out /dev/null --force` must
    // not even leave a probe file in /dev.
    only_a_report_in_the_way(&config.out_dir, &config.out_name)?;
    // A shard still running is named as such (held and let go at once),
    // before the output folder's own lock would call it just another run;
    // `hold` also refuses a name that is not a folder.
    for dir in &config.dirs {
        drop(hold(dir)?);
    }
    // The folder written to is held like a run's output folder; every other
    // folder is held without writing, so that no shard is still running.
    // Each folder is read once, however often it is named.
    let mut out = OutputDir::prepare(&config.out_dir, config.force)?;
    let out_key = FileKey::of(&config.out_dir);
    let mut seen: HashSet<FileKey> = HashSet::new();
    let mut holds: Vec<FolderLock> = Vec::new();
    let mut dirs: Vec<&Path> = Vec::new();
    for dir in &config.dirs {
        let key = FileKey::of(dir);
        if key.is_some_and(|k| !seen.insert(k)) {
            continue;
        }
        if key.is_none() || key != out_key {
            holds.push(hold(dir)?);
        }
        dirs.push(dir);
    }

    let reports = find_reports(&dirs)?;
    let shards = reports[0].0.count();
    out.protect(reports.iter().map(|(_, path)| path));
    out.check_report(&config.out_name)
        .map_err(|e| out_file_error(&out, &config.out_name, e))?;

    let mut texts = Texts::default();
    let (first, rest) = reports.split_first().expect("find_reports found one");
    let mut records: Vec<Merged> = Vec::new();
    read_report(&first.1, first.0, &mut texts, &mut |entry, _| {
        records.push(Merged::new(first.0.index(), entry));
        Ok(())
    })?;
    if records.is_empty() {
        return Err(Error::input(
            Code::ReportUnusable,
            &first.1,
            "this report lists no record, so there is nothing to merge: every run of second-opinion reports at least one",
            "build the shards again from the intake files, or move this report away",
        )
        .with("reason", "no_record"));
    }
    for (shard, path) in rest {
        let mut next = 0;
        read_report(path, *shard, &mut texts, &mut |entry, _| {
            let record = records
                .get_mut(next)
                .ok_or_else(|| different_records(path, &first.1, None))?;
            next += 1;
            record.absorb(*shard, entry, path, &first.1)
        })?;
        if next != records.len() {
            return Err(different_records(path, &first.1, None));
        }
    }

    let found: Vec<usize> = reports.iter().map(|(s, _)| s.index()).collect();
    let present: HashSet<usize> = found.iter().copied().collect();
    let mut summary = MergeSummary {
        report: out.target(&config.out_name),
        shards,
        found: found.clone(),
        built: 0,
        failed: 0,
        failures: Vec::new(),
        missing: (1..=shards)
            .filter(|k| !present.contains(k))
            .map(|k| (k, 0))
            .collect(),
        conflicted: 0,
        conflicts: Vec::new(),
    };
    // Streamed into the temporary file: the combined report is never held
    // whole. Checked again at the end, just before the rename, since the
    // name may have been taken meanwhile.
    let mut refused: Option<Error> = None;
    let written = out.write_with(&config.out_name, true, |file| {
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        writer.write_record(REPORT_HEADER.split(','))?;
        for record in &records {
            for row in record.resolve(shards, &mut summary) {
                write_row(&mut writer, row.each_ref().map(String::as_str))?;
            }
        }
        writer.flush()?;
        if let Err(e) = only_a_report_in_the_way(&config.out_dir, &config.out_name) {
            refused = Some(e);
            return Err(std::io::Error::other("refused"));
        }
        Ok(())
    });
    summary.report = match (written, refused) {
        (_, Some(error)) => return Err(error),
        (Ok(path), None) => path,
        (Err(e), None) => return Err(out_file_error(&out, &config.out_name, e)),
    };
    drop(holds);
    Ok(summary)
}

/// Refuses to write the combined report as `name` in `dir` when something
/// other than a report, a regular file, has that name: a link (never
/// written through, nor replaced), a device (`--out /dev/null --force`
/// would replace the system's), a named pipe, a socket, a folder. `--force`
/// replaces someone's report, nothing else.
fn only_a_report_in_the_way(dir: &Path, name: &str) -> Result<(), Error> {
    let target = dir.join(name);
    let Ok(meta) = fs::symlink_metadata(&target) else {
        return Ok(());
    };
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_symlink() {
        "a link"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "a device, a pipe or a socket"
    };
    Err(Error::Usage {
        message: format!(
            "{} is {what}, not a report: the combined report replaces only a file (with --force, one second-opinion did not write), never {what}",
            shown(&target)
        ),
        hint: "write the combined report elsewhere with --out, like --out merged/report.csv".into(),
    })
}

/// The shard reports in `dirs`, in shard order, all of one run.
fn find_reports(dirs: &[&Path]) -> Result<Vec<(Shard, PathBuf)>, Error> {
    let mut reports: Vec<(Shard, PathBuf)> = Vec::new();
    for dir in dirs {
        let entries = fs::read_dir(dir).map_err(|e| Error::io_read(dir, &e))?;
        let mut here = 0;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io_read(dir, &e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((index, count)) = parse_shard_report_file(name) else {
                continue;
            };
            let shard = Shard::new(index, count).map_err(|reason| {
                Error::input(
                    Code::ReportUnusable,
                    entry.path(),
                    format!("this is not the report of a shard: {reason}"),
                    "move this file out of the folder; shard reports are named report-K-of-N.csv with K from 1 to N",
                )
                .with("reason", "not_a_shard")
            })?;
            reports.push((shard, entry.path()));
            here += 1;
        }
        if here == 0 {
            let hint = if dir.join(REPORT_FILE).exists() {
                "this folder holds the report.csv of a run without --shard, which needs no merging; name the folder the shards wrote into"
            } else {
                "name the folder the shards of a --shard run wrote into"
            };
            return Err(Error::Io {
                path: dir.to_path_buf(),
                action: "nothing to merge here".into(),
                reason: "the folder holds no shard report (report-K-of-N.csv)".into(),
                hint: hint.into(),
            });
        }
    }
    reports.sort_by_key(|(shard, path)| (shard.count(), shard.index(), path.clone()));
    let (first, last) = (&reports[0], &reports[reports.len() - 1]);
    if first.0.count() != last.0.count() {
        return Err(Error::Usage {
            message: format!(
                "the reports are of runs split differently: {} and {}",
                shown(&first.1),
                shown(&last.1)
            ),
            hint: "merge the reports of one run only (its shards all have the same N); move the others away".into(),
        });
    }
    for pair in reports.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Error::Usage {
                message: format!(
                    "two reports of {}: {} and {}",
                    pair[0].0,
                    shown(&pair[0].1),
                    shown(&pair[1].1)
                ),
                hint: "keep the report of that shard's latest run and move the other away".into(),
            });
        }
    }
    Ok(reports)
}

/// The error of reports that do not list the same records.
fn different_records(path: &Path, first: &Path, at: Option<(&str, Position)>) -> Error {
    let place = at
        .map(|(file, position)| format!(" (they first differ at {file}, {position})"))
        .unwrap_or_default();
    Error::input(
        Code::ReportsDiffer,
        path,
        format!(
            "this report does not list the same records as {}{place}: the two come from different runs or input files",
            shown(first)
        ),
        "build every shard again from the same input, or move the reports of the other run away",
    )
}

/// One record as all the reports together tell it.
#[derive(Debug)]
struct Merged {
    file: Text,
    position: Position,
    /// The shard the other shards name as its builder.
    owner: Option<usize>,
    /// Its packet name, as the other shards plan it or its shard built it.
    planned: Option<Box<str>>,
    /// What the shards that call it their own (or invalid) say: a failure
    /// told alike by several shards (an invalid record) is kept once.
    views: Vec<View>,
    /// How many reports have been read.
    reports: usize,
}

/// One shard's own account of a record.
#[derive(Debug)]
struct View {
    shards: Vec<usize>,
    built: bool,
    /// A failed record's problems.
    problems: Vec<Problem>,
}

impl Merged {
    /// The record as the first report read tells it.
    fn new(shard: usize, entry: Entry) -> Self {
        let mut merged = Merged {
            file: entry.file.clone(),
            position: entry.position,
            owner: None,
            planned: None,
            views: Vec::new(),
            reports: 0,
        };
        merged.take(shard, entry);
        merged
    }

    /// Adds a later report's entry for this record, after checking it is
    /// the same record with the same owner and packet name.
    fn absorb(
        &mut self,
        shard: Shard,
        entry: Entry,
        path: &Path,
        first: &Path,
    ) -> Result<(), Error> {
        let differ = || different_records(path, first, Some((&*self.file, self.position)));
        if entry.file != self.file || entry.position != self.position {
            return Err(differ());
        }
        let disagrees = match &entry.kind {
            Kind::Other { shard: k, packet } => {
                self.owner.is_some_and(|o| o != *k)
                    || self.planned.as_ref().is_some_and(|p| p != packet)
            }
            Kind::Built(packet) => self.planned.as_ref().is_some_and(|p| p != packet),
            Kind::Failed => false,
        };
        if disagrees {
            return Err(differ());
        }
        self.take(shard.index(), entry);
        Ok(())
    }

    fn take(&mut self, shard: usize, entry: Entry) {
        self.reports += 1;
        match entry.kind {
            Kind::Other { shard: k, packet } => {
                self.owner = Some(k);
                self.planned.get_or_insert(packet);
            }
            Kind::Built(packet) => {
                self.planned.get_or_insert(packet);
                self.views.push(View {
                    shards: vec![shard],
                    built: true,
                    problems: Vec::new(),
                });
            }
            Kind::Failed => match self
                .views
                .iter_mut()
                .find(|v| !v.built && v.problems == entry.problems)
            {
                Some(view) => view.shards.push(shard),
                None => self.views.push(View {
                    shards: vec![shard],
                    built: false,
                    problems: entry.problems,
                }),
            },
        }
    }

    /// The rows a view of this record stands for in the report.
    fn rows(&self, view: &View) -> Vec<Row> {
        let (file, position) = (self.file.to_string(), self.position.to_string());
        if view.built {
            let packet = self.planned.as_deref().unwrap_or_default().to_string();
            return vec![[
                file,
                position,
                packet,
                BUILT.into(),
                String::new(),
                String::new(),
                String::new(),
            ]];
        }
        view.problems
            .iter()
            .map(|[field, problem, hint]| {
                [
                    file.clone(),
                    position.clone(),
                    String::new(),
                    FAILED.into(),
                    field.to_string(),
                    problem.to_string(),
                    hint.to_string(),
                ]
            })
            .collect()
    }

    /// The record's rows in the combined report, counted into `summary`.
    fn resolve(&self, shards: usize, summary: &mut MergeSummary) -> Vec<Row> {
        let built_by: Vec<usize> = self
            .views
            .iter()
            .filter(|v| v.built)
            .flat_map(|v| v.shards.iter().copied())
            .collect();
        let foreign = self
            .owner
            .is_some_and(|k| self.views.iter().any(|v| v.shards.iter().any(|&s| s != k)));
        // With two reports or more, the shards that do not build a valid
        // record name the one that does; a built record nobody names is one
        // that two shards both call their own.
        let unnamed = self.owner.is_none() && self.reports > 1 && !built_by.is_empty();
        let conflict = built_by.len() > 1 || foreign || unnamed;
        if conflict {
            summary.conflicted += 1;
            if summary.conflicts.len() < LISTED_FAILURES {
                summary.conflicts.push(Conflict {
                    file: self.file.to_string(),
                    position: self.position.to_string(),
                    built_by: built_by.clone(),
                    owner: self.owner,
                });
            }
        }
        // The owner's account, else the one account of an invalid record.
        let view = match self.owner {
            Some(k) => self.views.iter().find(|v| v.shards.contains(&k)),
            None => self.views.first(),
        };
        match (view, self.owner) {
            (Some(view), _) => {
                let rows = self.rows(view);
                // A record in conflict is counted there only.
                match (conflict, view.built) {
                    (true, _) => {}
                    (false, true) => summary.built += 1,
                    (false, false) => self.count_failure(&rows, summary),
                }
                rows
            }
            (None, Some(k)) if self.views.is_empty() => {
                *summary.missing.entry(k).or_default() += 1;
                vec![[
                    self.file.to_string(),
                    self.position.to_string(),
                    self.planned.as_deref().unwrap_or_default().to_string(),
                    FAILED.to_string(),
                    String::new(),
                    format!("missing: shard {k} of {shards} left no report"),
                    format!(
                        "rerun that shard alone: second-opinion build ... --shard {k}/{shards} (the shards' command with this slice; add --force to replace packets it wrote before it stopped)"
                    ),
                ]]
            }
            // Accounts only from shards that are not the owner: already a
            // conflict, counted there; the first account stands.
            (None, _) => self.views.first().map(|v| self.rows(v)).unwrap_or_default(),
        }
    }

    fn count_failure(&self, rows: &[Row], summary: &mut MergeSummary) {
        summary.failed += 1;
        if summary.failures.len() < LISTED_FAILURES {
            summary.failures.push(Failure {
                file: self.file.to_string(),
                position: self.position.to_string(),
                problems: rows
                    .iter()
                    .map(|r| (r[4].clone(), r[5].clone(), r[6].clone()))
                    .collect(),
            });
        }
    }
}

/// The run-stopping error for the combined report's file.
fn out_file_error(out: &OutputDir, name: &str, error: WriteError) -> Error {
    let (message, hint) = match error {
        WriteError::Io(e) => return Error::io_write(&out.target(name), &e),
        WriteError::Input => (
            format!("{name} is one of the shard reports this merge reads; it is never replaced"),
            "write the combined report elsewhere with --out, like --out report.csv",
        ),
        WriteError::Exists => (
            format!(
                "{name} in {} was not written by second-opinion",
                shown(out.path())
            ),
            "move or rename that file, add --force to replace it, or write elsewhere with --out",
        ),
        WriteError::Folder => (
            format!("a folder named {name} is in {}", shown(out.path())),
            "rename or move that folder, or write elsewhere with --out",
        ),
    };
    Error::Usage {
        message,
        hint: hint.into(),
    }
}

/// Reads one shard's report from its file ([`open_report`]) with the
/// core's reader, which checks every row.
fn read_report(
    path: &Path,
    shard: Shard,
    texts: &mut Texts,
    sink: &mut dyn FnMut(Entry, u64) -> Result<(), Error>,
) -> Result<(), Error> {
    let file = open_report(path)?;
    second_opinion_core::report::read::read_report(
        path,
        file,
        (shard.index(), shard.count()),
        texts,
        sink,
    )
}

/// Opens a report for reading, as `build` opens its inputs: without
/// blocking (a named pipe with no writer would otherwise hang the merge
/// while it holds the folders), then refusing what is not a regular file
/// (a device such as `/dev/zero`, a pipe, a folder, whatever a link points
/// to) and a file over [`MAX_REPORT_BYTES`].
fn open_report(path: &Path) -> Result<fs::File, Error> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| Error::io_read(path, &e))?;
    let meta = file.metadata().map_err(|e| Error::io_read(path, &e))?;
    if !meta.is_file() {
        return Err(Error::input(
            Code::NotARegularFile,
            path,
            "this is a device, a pipe or a folder, not a report second-opinion wrote",
            "move it out of the folder; a shard's report is the file its build wrote",
        )
        .with("role", "report"));
    }
    if meta.len() > MAX_REPORT_BYTES {
        return Err(too_large(path));
    }
    Ok(file)
}
