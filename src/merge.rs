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

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::config::MergeConfig;
use crate::error::Error;
use crate::output::{FileKey, FolderLock, OutputDir, WriteError};
use crate::report::{BUILT, FAILED, OTHER_SHARD, REPORT_FILE, REPORT_HEADER};
use crate::shard::Shard;

/// How many columns a report row has.
const COLUMNS: usize = 7;

/// One report row: the columns of [`REPORT_HEADER`].
pub type Row = [String; COLUMNS];

/// What `report merge` found and wrote.
#[derive(Debug)]
pub struct MergeSummary {
    /// Where the combined report was written.
    pub report: PathBuf,
    /// How many shards the run had (the N of `--shard K/N`).
    pub shards: usize,
    /// The shards whose reports were merged, in order.
    pub found: Vec<usize>,
    /// How many records were built.
    pub built: usize,
    /// How many records failed (invalid, or their shard could not build them).
    pub failed: usize,
    /// The first failed records, for the summary: where, and each problem's
    /// field, text and fix.
    pub failures: Vec<Failure>,
    /// For each shard that left no report, how many records it should have
    /// built (none, when there are more shards than valid records).
    pub missing: BTreeMap<usize, usize>,
    /// Records that two shards both report as built, or whose reports
    /// disagree on the shard that builds them. Never happens to the shards
    /// of one run.
    pub conflicts: Vec<Conflict>,
}

impl MergeSummary {
    /// How many records are missing: their shard left no report.
    pub fn missing_records(&self) -> usize {
        self.missing.values().sum()
    }
}

/// A failed record, for the closing summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The input file's name, as the report gives it.
    pub file: String,
    /// The record's position ("row 5").
    pub position: String,
    /// Each problem: field (may be empty), what is wrong, how to fix it.
    pub problems: Vec<(String, String, String)>,
}

/// A record the shards' reports disagree about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The input file's name.
    pub file: String,
    /// The record's position.
    pub position: String,
    /// The shards that report it as built.
    pub built_by: Vec<usize>,
    /// The shard the other reports say builds it, if they say.
    pub owner: Option<usize>,
}

/// Merges the shards' reports found in `config.dirs` into one report.
///
/// Fails (exit 2) when there is nothing to merge or the reports cannot be
/// from the shards of one run: no shard report, a folder of a run without
/// `--shard`, shard counts that differ, two reports of one shard, reports
/// that list different records. Records that are missing or in conflict are
/// in the summary (exit 1), not errors.
pub fn merge(config: &MergeConfig) -> Result<MergeSummary, Error> {
    // A shard still running is named as such (held and let go at once),
    // before the output folder's own lock would call it just another run;
    // `hold` also refuses a name that is not a folder.
    for dir in &config.dirs {
        drop(crate::output::hold(dir)?);
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
            holds.push(crate::output::hold(dir)?);
        }
        dirs.push(dir);
    }

    let reports = find_reports(&dirs)?;
    let shards = reports[0].0.count();
    out.protect(reports.iter().map(|(_, path)| path));
    out.check_report(&config.out_name)
        .map_err(|e| out_file_error(&out, &config.out_name, e))?;

    let (first, rest) = reports.split_first().expect("find_reports found one");
    let mut records: Vec<Merged> = read_report(&first.1, first.0)?
        .into_iter()
        .map(|entry| Merged::new(first.0.index(), entry))
        .collect();
    for (shard, path) in rest {
        let entries = read_report(path, *shard)?;
        if entries.len() != records.len() {
            return Err(different_records(path, &first.1, None));
        }
        for (record, entry) in records.iter_mut().zip(entries) {
            record.absorb(*shard, entry, path, &first.1)?;
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
        conflicts: Vec::new(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(REPORT_HEADER.split(','))
        .expect("writing to memory cannot fail");
    for record in &records {
        let rows = record.resolve(shards, &mut summary);
        for row in &rows {
            writer
                .write_record(row)
                .expect("writing to memory cannot fail");
        }
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    summary.report = out
        .replace(&config.out_name, &bytes)
        .map_err(|e| out_file_error(&out, &config.out_name, e))?;
    drop(holds);
    Ok(summary)
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
            let Some((index, count)) = crate::report::parse_shard_report_file(name) else {
                continue;
            };
            let shard = Shard::new(index, count).map_err(|reason| Error::Input {
                file: entry.path(),
                message: format!("this is not the report of a shard: {reason}"),
                hint: "move this file out of the folder; shard reports are named report-K-of-N.csv with K from 1 to N".into(),
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
                first.1.display(),
                last.1.display()
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
                    pair[0].1.display(),
                    pair[1].1.display()
                ),
                hint: "keep the report of that shard's latest run and move the other away".into(),
            });
        }
    }
    Ok(reports)
}

/// What one shard's report says about one record.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// The input file's name.
    file: String,
    /// The record's position.
    position: String,
    /// What the shard says.
    kind: Kind,
    /// The record's rows in the report: one, or one per problem.
    rows: Vec<Row>,
}

/// What a shard says about a record.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// It built the packet of this name.
    Built(String),
    /// It could not build the record, or the record is invalid.
    Failed,
    /// Another shard builds it, under this planned packet name.
    Other { shard: usize, packet: String },
}

/// Reads one shard's report, grouping its rows into records: a built or
/// other-shard row is a record, and the rows of a failed record (one per
/// problem) follow each other with the same file and position.
fn read_report(path: &Path, shard: Shard) -> Result<Vec<Entry>, Error> {
    let unusable = |line: u64, what: &str| Error::Input {
        file: path.to_path_buf(),
        message: format!("line {line} {what}, so this is not a report second-opinion wrote"),
        hint: "build that shard again to write a new report, or move this file away".into(),
    };
    let file = fs::File::open(path).map_err(|e| Error::io_read(path, &e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(std::io::BufReader::new(file));
    let mut entries: Vec<Entry> = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut line = 0;
    loop {
        line += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(match e.kind() {
                    csv::ErrorKind::Io(io) => Error::io_read(path, io),
                    _ => unusable(line, "is not CSV as this program writes it"),
                });
            }
        }
        // The line the record starts on (a quoted field may hold breaks).
        line = record.position().map_or(line, |p| p.line());
        if line == 1 {
            if !record.iter().eq(REPORT_HEADER.split(',')) {
                return Err(unusable(1, "is not the report's header"));
            }
            continue;
        }
        let row: Row = match record.iter().collect::<Vec<_>>().as_slice() {
            [a, b, c, d, e, f, g] => [a, b, c, d, e, f, g].map(|s| s.to_string()),
            _ => return Err(unusable(line, "does not have the report's 7 columns")),
        };
        let [file, position, packet, status, _, problem, _] = &row;
        let kind = match status.as_str() {
            BUILT if !packet.is_empty() => Kind::Built(packet.clone()),
            FAILED => Kind::Failed,
            OTHER_SHARD => match crate::report::parse_other_shard(problem) {
                Some((k, n))
                    if n == shard.count() && k != shard.index() && (1..=n).contains(&k) =>
                {
                    Kind::Other {
                        shard: k,
                        packet: packet.clone(),
                    }
                }
                _ => return Err(unusable(line, "names no other shard of this run")),
            },
            _ => return Err(unusable(line, "has a status this program does not write")),
        };
        if let Some(last) = entries.last_mut()
            && kind == Kind::Failed
            && last.kind == Kind::Failed
            && last.file == *file
            && last.position == *position
        {
            last.rows.push(row);
            continue;
        }
        entries.push(Entry {
            file: file.clone(),
            position: position.clone(),
            kind,
            rows: vec![row],
        });
    }
    Ok(entries)
}

/// The error of reports that do not list the same records.
fn different_records(path: &Path, first: &Path, at: Option<(&str, &str)>) -> Error {
    let place = at
        .map(|(file, position)| format!(" (they first differ at {file}, {position})"))
        .unwrap_or_default();
    Error::Input {
        file: path.to_path_buf(),
        message: format!(
            "this report does not list the same records as {}{place}: the two come from different runs or input files",
            first.display()
        ),
        hint:
            "build every shard again from the same input, or move the reports of the other run away"
                .into(),
    }
}

/// One record as all the reports together tell it.
#[derive(Debug)]
struct Merged {
    file: String,
    position: String,
    /// The shard the other shards name as its builder.
    owner: Option<usize>,
    /// Its planned packet name, as the other shards give it.
    planned: Option<String>,
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
    rows: Vec<Row>,
}

impl Merged {
    /// The record as the first report read tells it.
    fn new(shard: usize, entry: Entry) -> Self {
        let mut merged = Merged {
            file: entry.file.clone(),
            position: entry.position.clone(),
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
        if entry.file != self.file || entry.position != self.position {
            return Err(different_records(
                path,
                first,
                Some((&self.file, &self.position)),
            ));
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
            return Err(different_records(
                path,
                first,
                Some((&self.file, &self.position)),
            ));
        }
        self.take(shard.index(), entry);
        Ok(())
    }

    fn take(&mut self, shard: usize, entry: Entry) {
        self.reports += 1;
        match entry.kind {
            Kind::Other { shard: k, packet } => {
                self.owner = Some(k);
                self.planned = Some(packet);
            }
            Kind::Built(packet) => {
                self.planned.get_or_insert(packet);
                self.views.push(View {
                    shards: vec![shard],
                    built: true,
                    rows: entry.rows,
                });
            }
            Kind::Failed => match self
                .views
                .iter_mut()
                .find(|v| !v.built && v.rows == entry.rows)
            {
                Some(view) => view.shards.push(shard),
                None => self.views.push(View {
                    shards: vec![shard],
                    built: false,
                    rows: entry.rows,
                }),
            },
        }
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
        if built_by.len() > 1 || foreign || unnamed {
            summary.conflicts.push(Conflict {
                file: self.file.clone(),
                position: self.position.clone(),
                built_by: built_by.clone(),
                owner: self.owner,
            });
        }
        // The owner's account, else the one account of an invalid record.
        let view = match self.owner {
            Some(k) => self.views.iter().find(|v| v.shards.contains(&k)),
            None => self.views.first(),
        };
        match (view, self.owner) {
            (Some(view), _) => {
                if view.built {
                    summary.built += 1;
                } else {
                    self.count_failure(&view.rows, summary);
                }
                view.rows.clone()
            }
            (None, Some(k)) if self.views.is_empty() => {
                *summary.missing.entry(k).or_default() += 1;
                vec![[
                    self.file.clone(),
                    self.position.clone(),
                    self.planned.clone().unwrap_or_default(),
                    FAILED.to_string(),
                    String::new(),
                    format!("missing: shard {k} of {shards} left no report"),
                    format!(
                        "rerun that shard alone: second-opinion build ... --shard {k}/{shards} (the shards' command with this slice; add --force to replace packets it wrote before it stopped)"
                    ),
                ]]
            }
            // Accounts only from shards that are not the owner: already a
            // conflict; the first account stands.
            (None, _) => {
                let rows = self
                    .views
                    .first()
                    .map(|v| v.rows.clone())
                    .unwrap_or_default();
                if self.views.first().is_some_and(|v| v.built) {
                    summary.built += 1;
                } else {
                    self.count_failure(&rows, summary);
                }
                rows
            }
        }
    }

    fn count_failure(&self, rows: &[Row], summary: &mut MergeSummary) {
        summary.failed += 1;
        if summary.failures.len() < crate::report::LISTED_FAILURES {
            summary.failures.push(Failure {
                file: self.file.clone(),
                position: self.position.clone(),
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
                out.path().display()
            ),
            "move or rename that file, add --force to replace it, or write elsewhere with --out",
        ),
        WriteError::Folder => (
            format!("a folder named {name} is in {}", out.path().display()),
            "rename or move that folder, or write elsewhere with --out",
        ),
    };
    Error::Usage {
        message,
        hint: hint.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem;
    use crate::input::{Origin, Place};
    use crate::report::{RecordOutcome, Status, to_csv};

    /// A run's records: `Some(packet)` for a valid one, `None` for an
    /// invalid one, one per row of `intake.csv`.
    const RUN: [Option<&str>; 7] = [
        Some("Ann.zip"),
        None,
        Some("Bo.zip"),
        Some("Cy.zip"),
        Some("Ann-2.zip"),
        None,
        Some("Di.zip"),
    ];

    fn origin(i: usize) -> Origin {
        Origin {
            file: "intake.csv".into(),
            place: Place::Row {
                sheet: None,
                row: i + 2,
            },
        }
    }

    fn invalid() -> Status {
        Status::Failed(vec![
            Problem::field("date_of_birth", "is missing", "add the date of birth"),
            Problem::field("current_doctor", "is missing", "add the doctor"),
        ])
    }

    /// The outcomes a run writes: the whole run (`None`) or one shard's.
    fn outcomes(shard: Option<(usize, usize)>) -> Vec<RecordOutcome> {
        let mut valid = 0;
        RUN.iter()
            .enumerate()
            .map(|(i, packet)| {
                let Some(name) = packet else {
                    return RecordOutcome {
                        origin: origin(i),
                        packet: None,
                        status: invalid(),
                    };
                };
                let owner = shard.map(|(_, n)| Shard::owner(n, valid));
                valid += 1;
                let status = match (shard, owner) {
                    (Some((k, n)), Some(owner)) if owner != k => Status::OtherShard {
                        shard: owner,
                        of: n,
                    },
                    _ => Status::Built(name.to_string()),
                };
                RecordOutcome {
                    origin: origin(i),
                    packet: Some(name.to_string()),
                    status,
                }
            })
            .collect()
    }

    /// Writes the reports of the shards `present` of `n` into a folder.
    fn shared(present: &[usize], n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for &k in present {
            fs::write(
                dir.path().join(crate::report::shard_report_file(k, n)),
                to_csv(&outcomes(Some((k, n)))),
            )
            .unwrap();
        }
        dir
    }

    fn config(dirs: &[&Path]) -> MergeConfig {
        MergeConfig {
            dirs: dirs.iter().map(|d| d.to_path_buf()).collect(),
            out_dir: dirs[0].to_path_buf(),
            out_name: REPORT_FILE.to_string(),
            force: false,
        }
    }

    #[test]
    fn every_shard_merged_is_the_single_runs_report() {
        for n in [1, 2, 3, 5, 9] {
            let dir = shared(&(1..=n).collect::<Vec<_>>(), n);
            let summary = merge(&config(&[dir.path()])).unwrap();
            let merged = fs::read(dir.path().join(REPORT_FILE)).unwrap();
            assert_eq!(
                String::from_utf8(merged).unwrap(),
                String::from_utf8(to_csv(&outcomes(None))).unwrap(),
                "{n} shards"
            );
            assert_eq!((summary.built, summary.failed), (5, 2), "{n} shards");
            assert_eq!(summary.failures.len(), 2);
            assert_eq!(summary.failures[0].position, "row 3");
            assert_eq!(summary.failures[0].problems.len(), 2);
            assert_eq!(summary.missing_records(), 0);
            assert!(summary.conflicts.is_empty());
            // Shards beyond the valid records had nothing to build.
            assert!(summary.missing.is_empty(), "{n} shards");
        }
    }

    #[test]
    fn a_missing_shards_records_are_failed_with_the_command_to_rebuild_them() {
        let dir = shared(&[1, 3], 3);
        let summary = merge(&config(&[dir.path()])).unwrap();
        // Valid records 1 and 4 (Bo, Di) are shard 2's.
        assert_eq!(summary.missing, BTreeMap::from([(2, 2)]));
        assert_eq!((summary.built, summary.failed), (3, 2));
        let text = fs::read_to_string(dir.path().join(REPORT_FILE)).unwrap();
        let missing: Vec<&str> = text.lines().filter(|l| l.contains("missing:")).collect();
        assert_eq!(
            missing,
            [
                "intake.csv,row 4,Bo.zip,failed,,missing: shard 2 of 3 left no report,\
                 rerun that shard alone: second-opinion build ... --shard 2/3 \
                 (the shards' command with this slice; add --force to replace packets it wrote before it stopped)",
                "intake.csv,row 8,Di.zip,failed,,missing: shard 2 of 3 left no report,\
                 rerun that shard alone: second-opinion build ... --shard 2/3 \
                 (the shards' command with this slice; add --force to replace packets it wrote before it stopped)",
            ]
        );
        let words = crate::report::merge_summary(&summary);
        assert!(
            words.contains("Shard 2 of 3 left no report: its 2 records are missing."),
            "{words}"
        );
        assert!(words.contains("--shard 2/3 --force"), "{words}");
        assert!(words.contains(": 3 built, 2 failed, 2 missing."), "{words}");
        // A missing shard with nothing to build is named, but not missed.
        let dir = shared(&[1, 2, 3, 4, 5, 6], 7);
        let summary = merge(&config(&[dir.path()])).unwrap();
        assert_eq!(summary.missing, BTreeMap::from([(7, 0)]));
        assert_eq!(summary.missing_records(), 0);
        let words = crate::report::merge_summary(&summary);
        assert!(
            words.contains("Shard 7 of 7 left no report, but had no record to build."),
            "{words}"
        );
    }

    #[test]
    fn reports_may_sit_in_several_folders() {
        let (one, two) = (shared(&[1], 2), shared(&[2], 2));
        let summary = merge(&config(&[one.path(), two.path()])).unwrap();
        assert_eq!(summary.found, [1, 2]);
        assert_eq!(
            fs::read(one.path().join(REPORT_FILE)).unwrap(),
            to_csv(&outcomes(None))
        );
        assert!(!two.path().join(REPORT_FILE).exists());
    }

    #[test]
    fn a_record_two_shards_built_is_an_error_in_the_summary() {
        let dir = shared(&[1], 2);
        // Shard 2's report claims shard 1's first record as built too.
        let mut theirs = outcomes(Some((2, 2)));
        theirs[0].status = Status::Built("Ann.zip".into());
        fs::write(dir.path().join("report-2-of-2.csv"), to_csv(&theirs)).unwrap();
        let summary = merge(&config(&[dir.path()])).unwrap();
        assert_eq!(summary.conflicts.len(), 1);
        assert_eq!(summary.conflicts[0].position, "row 2");
        assert_eq!(summary.conflicts[0].built_by, [1, 2]);
        let words = crate::report::merge_summary(&summary);
        assert!(
            words.contains("error: intake.csv, row 2: reported built by shards 1 and 2 of 2"),
            "{words}"
        );
        // A shard building what the others say is another's, too.
        let dir = shared(&[1, 2], 3);
        let mut theirs = outcomes(Some((3, 3)));
        theirs[0].status = Status::Built("Ann.zip".into());
        fs::write(dir.path().join("report-3-of-3.csv"), to_csv(&theirs)).unwrap();
        let summary = merge(&config(&[dir.path()])).unwrap();
        assert_eq!(summary.conflicts.len(), 1, "{:?}", summary.conflicts);
        assert_eq!(summary.conflicts[0].owner, Some(1));
    }

    #[test]
    fn reports_of_different_runs_are_refused() {
        // Different records.
        let dir = shared(&[1], 2);
        let mut theirs = outcomes(Some((2, 2)));
        theirs.pop();
        fs::write(dir.path().join("report-2-of-2.csv"), to_csv(&theirs)).unwrap();
        let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
        assert!(err.contains("does not list the same records"), "{err}");
        // Different packet names for one record.
        let dir = shared(&[1], 2);
        let mut theirs = outcomes(Some((2, 2)));
        theirs[0].packet = Some("Zed.zip".into());
        fs::write(dir.path().join("report-2-of-2.csv"), to_csv(&theirs)).unwrap();
        let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
        assert!(err.contains("first differ at intake.csv, row 2"), "{err}");
        assert!(!err.contains("Zed"), "no packet names: {err}");
        // Different owners for one record.
        let dir = shared(&[1, 2], 3);
        let mut theirs = outcomes(Some((3, 3)));
        theirs[2].status = Status::OtherShard { shard: 1, of: 3 };
        fs::write(dir.path().join("report-3-of-3.csv"), to_csv(&theirs)).unwrap();
        let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
        assert!(err.contains("first differ at intake.csv, row 4"), "{err}");
        // Splits that differ.
        let dir = shared(&[1], 2);
        fs::write(
            dir.path().join("report-1-of-3.csv"),
            to_csv(&outcomes(Some((1, 3)))),
        )
        .unwrap();
        let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
        assert!(err.contains("split differently"), "{err}");
        for name in ["report-2-of-2.csv", "report-1-of-3.csv"] {
            assert!(!dir.path().join(REPORT_FILE).exists(), "{name}");
        }
    }

    #[test]
    fn only_reports_this_program_wrote_are_merged() {
        let dir = shared(&[1], 2);
        let path = dir.path().join("report-2-of-2.csv");
        for (text, says) in [
            (
                "patient_name,date_of_birth\nAnn,1950-01-31\n",
                "line 1 is not the report's header",
            ),
            (
                &format!("{REPORT_HEADER}\nintake.csv,row 2,Ann.zip,done,,,\n") as &str,
                "line 2 has a status",
            ),
            (
                &format!(
                    "{REPORT_HEADER}\nintake.csv,row 2,Ann.zip,other-shard,,built by shard 2 of 2,\n"
                ),
                "line 2 names no other shard",
            ),
            (
                &format!("{REPORT_HEADER}\nintake.csv,row 2\n"),
                "not CSV as this program writes it",
            ),
        ] {
            fs::write(&path, text).unwrap();
            let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
            assert!(err.contains(says), "{text}: {err}");
            assert!(err.contains("report-2-of-2.csv"), "{err}");
        }
        // A folder of a whole run has nothing to merge, and says so.
        let whole = tempfile::tempdir().unwrap();
        fs::write(whole.path().join(REPORT_FILE), to_csv(&outcomes(None))).unwrap();
        let err = merge(&config(&[whole.path()])).unwrap_err().to_string();
        assert!(err.contains("no shard report"), "{err}");
        assert!(err.contains("a run without --shard"), "{err}");
        // A shard number past the count is not a shard's report.
        let odd = shared(&[1], 2);
        fs::write(odd.path().join("report-3-of-2.csv"), b"").unwrap();
        let err = merge(&config(&[odd.path()])).unwrap_err().to_string();
        assert!(err.contains("there is no shard 3 of 2"), "{err}");
    }

    #[test]
    fn the_combined_report_never_replaces_what_it_did_not_write() {
        let dir = shared(&[1, 2], 2);
        fs::write(dir.path().join(REPORT_FILE), "patient_name\nAnn\n").unwrap();
        let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
        assert!(err.contains("was not written by second-opinion"), "{err}");
        assert!(err.contains("--force"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join(REPORT_FILE)).unwrap(),
            "patient_name\nAnn\n"
        );
        let forced = MergeConfig {
            force: true,
            ..config(&[dir.path()])
        };
        merge(&forced).unwrap();
        // The reports merged are inputs: never written over.
        let onto_input = MergeConfig {
            out_name: "report-1-of-2.csv".into(),
            ..forced
        };
        let err = merge(&onto_input).unwrap_err().to_string();
        assert!(err.contains("is never replaced"), "{err}");
        assert_eq!(
            fs::read(dir.path().join("report-1-of-2.csv")).unwrap(),
            to_csv(&outcomes(Some((1, 2))))
        );
    }
}
