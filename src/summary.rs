//! What a run did, and its closing summary in words: [`CheckSummary`]
//! (`validate`, and the first pass of `build`), [`BuildSummary`] (`build`)
//! and [`MergeSummary`] (`report merge`), each worded for the terminal by
//! [`check_summary`], [`build_summary`] and [`merge_summary`], which `app`
//! prints. Like the report, they name files, rows, fields and problems,
//! never a field's value.
//!
//! The summaries are the values `run` and `merge` return, so this module
//! sits below both (they fill them in, and `merge` keeps only the first
//! [`LISTED_FAILURES`]) and above the report on disk: it imports nothing of
//! this crate but the shard a summary names.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use second_opinion_core::error::{Error, Problem, printable, shown};
use second_opinion_core::input::Origin;
use second_opinion_core::report::{RecordOutcome, Status};

use crate::shard::Shard;

/// The result of checking records (`validate`, and the first pass of `build`).
///
/// It keeps no patient: a sheet of 50,000 rows is checked in the memory of a
/// few rows, and only the failures are kept to be reported.
#[derive(Debug, Default)]
pub struct CheckSummary {
    /// How many records passed.
    pub passed: usize,
    /// The records that failed, with their problems, in input order.
    pub failures: Vec<(Origin, Vec<Problem>)>,
    /// Warnings about the input files.
    pub warnings: Vec<String>,
}

impl CheckSummary {
    /// How many records were read in all.
    pub fn total(&self) -> usize {
        self.passed + self.failures.len()
    }
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
    /// Where the report was written (or was to be, when `report_error`).
    pub report: PathBuf,
    /// Why the report could not be written after the packets were (a full
    /// disk, say). The packets are whole, so the summary still lists them
    /// (by record: the report that would have is missing) with the error,
    /// and the run exits 1, not as one that did nothing.
    pub report_error: Option<Error>,
    /// Where the bundle of all packets was written, with `--bundle`.
    pub bundle: Option<PathBuf>,
    /// Why the bundle could not be written (a full disk, say). The packets
    /// and the report are whole, so this is reported with them (exit 1),
    /// not as a run that did nothing.
    pub bundle_error: Option<Error>,
    /// The shard this run built, for `--shard`.
    pub shard: Option<Shard>,
}

impl BuildSummary {
    /// How many packets were built.
    pub fn built(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Built(_)))
            .count()
    }

    /// How many records failed: for a shard, its own and the invalid
    /// records (which every shard lists), not the other shards' records.
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Failed(_)))
            .count()
    }

    /// How many valid records other shards build.
    pub fn other_shards(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::OtherShard { .. }))
            .count()
    }

    /// How many packets this run had to build: the valid records that are
    /// its own (every valid record has a planned packet name).
    pub fn own_packets(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.packet.is_some() && !matches!(o.status, Status::OtherShard { .. }))
            .count()
    }
}

/// What `report merge` found and wrote.
#[derive(Debug)]
pub(crate) struct MergeSummary {
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
    /// How many records are in conflict: two shards both report them as
    /// built, or the reports disagree on the shard that builds them. Each
    /// counts once, here, and neither as built nor as failed. Never happens
    /// to the shards of one run.
    pub conflicted: usize,
    /// The first of those records ([`LISTED_FAILURES`]), for
    /// the summary.
    pub conflicts: Vec<Conflict>,
}

impl MergeSummary {
    /// How many records are missing: their shard left no report.
    pub(crate) fn missing_records(&self) -> usize {
        self.missing.values().sum()
    }
}

/// A failed record, for the closing summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The input file's name, as the report gives it.
    pub file: String,
    /// The record's position ("row 5").
    pub position: String,
    /// Each problem: field (may be empty), what is wrong, how to fix it.
    pub problems: Vec<(String, String, String)>,
}

/// A record the shards' reports disagree about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// The input file's name.
    pub file: String,
    /// The record's position.
    pub position: String,
    /// The shards that report it as built.
    pub built_by: Vec<usize>,
    /// The shard the other reports say builds it, if they say.
    pub owner: Option<usize>,
}

/// The closing summary of `build`, for the terminal: counts, where, and each
/// failed record with its problems (fields and problems, never values).
pub(crate) fn build_summary(summary: &BuildSummary) -> String {
    let mut text = String::new();
    let built = summary.built();
    let _ = write!(
        text,
        "Built {built} packet{}{} in {}",
        if built == 1 { "" } else { "s" },
        summary
            .shard
            .map(|s| format!(" of {s}"))
            .unwrap_or_default(),
        summary.out_dir.display(),
    );
    match &summary.report_error {
        None => _ = writeln!(text, " (details: {}).", summary.report.display()),
        Some(error) => unwritten_report(&mut text, summary, error),
    }
    if let Some(bundle) = &summary.bundle {
        let _ = writeln!(text, "All packets in one file: {}.", bundle.display());
    }
    if let Some(error) = &summary.bundle_error {
        let _ = writeln!(
            text,
            "The file of all packets could not be written (the packets above are whole):"
        );
        for line in error.to_string().lines() {
            let _ = writeln!(text, "  {line}");
        }
    }
    let failed = summary.failed();
    if failed > 0 {
        let _ = writeln!(
            text,
            "{failed} record{} could not be built:",
            if failed == 1 { "" } else { "s" }
        );
        text.push_str(&failures(
            summary.outcomes.iter().filter_map(|o| match &o.status {
                Status::Failed(problems) => Some((&o.origin, problems.as_slice())),
                Status::Built(_) | Status::OtherShard { .. } => None,
            }),
            &match summary.report_error {
                None => format!("; {} lists them all", summary.report.display()),
                Some(_) => String::new(),
            },
        ));
    }
    if summary.shard.is_some() {
        let others = summary.other_shards();
        if others > 0 {
            let _ = writeln!(
                text,
                "The other shards build the other {others} record{}.",
                if others == 1 { "" } else { "s" },
            );
        }
        let _ = writeln!(
            text,
            "When every shard has run, merge their reports into one: second-opinion report merge {}",
            summary.out_dir.display()
        );
    }
    text
}

/// The rest of the summary's first line when the report could not be
/// written: the error, then the records whose packets were built (file and
/// row, never a name), the first [`LISTED_FAILURES`] of them, since nothing
/// else now says which they are.
fn unwritten_report(text: &mut String, summary: &BuildSummary, error: &Error) {
    let _ = writeln!(text, ", but the report could not be written:");
    for line in error.to_string().lines() {
        let _ = writeln!(text, "  {line}");
    }
    let built: Vec<&Origin> = summary
        .outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Built(_)))
        .map(|o| &o.origin)
        .collect();
    if built.is_empty() {
        return;
    }
    let _ = writeln!(text, "The packets built are those of these records:");
    for origin in built.iter().take(LISTED_FAILURES) {
        let _ = writeln!(text, "  {origin}");
    }
    if let Some(left) = built.len().checked_sub(LISTED_FAILURES).filter(|&n| n > 0) {
        let _ = writeln!(
            text,
            "  and {left} more record{}.",
            if left == 1 { "" } else { "s" }
        );
    }
}

/// The closing summary of `report merge`: counts, each failed record (the
/// first [`LISTED_FAILURES`]), each shard that left no report with the
/// command that rebuilds its records, and any record two shards claim.
pub(crate) fn merge_summary(summary: &MergeSummary) -> String {
    let mut text = String::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let conflicted = match summary.conflicted {
        0 => String::new(),
        n => format!(", {n} in conflict"),
    };
    let _ = writeln!(
        text,
        "Merged the reports of {} of {} shard{} into {}: {} built, {} failed, {} missing{conflicted}.",
        summary.found.len(),
        summary.shards,
        plural(summary.shards),
        shown(&summary.report),
        summary.built,
        summary.failed,
        summary.missing_records()
    );
    if summary.failed > 0 {
        let _ = writeln!(
            text,
            "{} record{} could not be built:",
            summary.failed,
            plural(summary.failed)
        );
        for failure in &summary.failures {
            // The merge accepts no control character in a report, but
            // what reaches the terminal is made printable here all the same.
            let _ = writeln!(
                text,
                "  {}, {}:",
                printable(&failure.file),
                failure.position
            );
            for (field, problem, hint) in &failure.problems {
                let (field, problem, hint) =
                    (printable(field), printable(problem), printable(hint));
                match field.is_empty() {
                    true => writeln!(text, "    - {problem} (hint: {hint})"),
                    false => writeln!(text, "    - {field}: {problem} (hint: {hint})"),
                }
                .ok();
            }
        }
        let left = summary.failed - summary.failures.len();
        if left > 0 {
            let _ = writeln!(
                text,
                "  and {left} more record{} failed; {} lists them all.",
                plural(left),
                shown(&summary.report)
            );
        }
    }
    for (&shard, &records) in &summary.missing {
        if records == 0 {
            let _ = writeln!(
                text,
                "Shard {shard} of {} left no report, but had no record to build.",
                summary.shards
            );
            continue;
        }
        let _ = writeln!(
            text,
            "Shard {shard} of {} left no report: its {records} record{} {} missing. Rerun that shard alone, with the shards' command and this slice (--force replaces packets it wrote before it stopped), then merge again:\n  second-opinion build ... --shard {shard}/{} --force",
            summary.shards,
            plural(records),
            if records == 1 { "is" } else { "are" },
            summary.shards
        );
    }
    for conflict in &summary.conflicts {
        let built_by = match conflict.built_by.as_slice() {
            [] => "no shard".to_string(),
            [one] => format!("shard {one}"),
            shards => format!(
                "shards {}",
                shards
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        };
        let owner = conflict
            .owner
            .map(|k| format!("; the other reports name shard {k}"))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "error: {}, {}: reported built by {built_by} of {}{owner}. The shards of one run never do this: the reports may come from different runs; build the record's shard again",
            printable(&conflict.file),
            conflict.position,
            summary.shards
        );
    }
    let unlisted = summary.conflicted.saturating_sub(summary.conflicts.len());
    if unlisted > 0 {
        let _ = writeln!(
            text,
            "error: and {unlisted} more record{} in conflict.",
            plural(unlisted)
        );
    }
    text
}

/// The closing summary of `validate`.
pub(crate) fn check_summary(summary: &CheckSummary) -> String {
    let mut text = String::new();
    let good = summary.passed;
    let _ = writeln!(
        text,
        "{good} of {} record{} can be built.",
        summary.total(),
        if summary.total() == 1 { "" } else { "s" }
    );
    if !summary.failures.is_empty() {
        let n = summary.failures.len();
        let _ = writeln!(
            text,
            "{n} record{} need{} fixing:",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        );
        text.push_str(&failures(
            summary.failures.iter().map(|(o, p)| (o, p.as_slice())),
            "; fix these and run validate again to see them",
        ));
    }
    text
}

/// How many failed records the closing summary lists one by one. A file
/// of 10,000 bad rows would otherwise print 10,000 blocks that nobody reads;
/// the report lists every one.
pub(crate) const LISTED_FAILURES: usize = 50;

/// One block per failed record (the first [`LISTED_FAILURES`]): where, then
/// one line per problem; then how many more failed, and `more` on where to
/// see them.
fn failures<'a>(items: impl Iterator<Item = (&'a Origin, &'a [Problem])>, more: &str) -> String {
    let mut text = String::new();
    let mut left = 0;
    for (i, (origin, problems)) in items.enumerate() {
        if i >= LISTED_FAILURES {
            left += 1;
            continue;
        }
        let _ = writeln!(text, "  {}:", printable(&origin.to_string()));
        for p in problems {
            let _ = writeln!(text, "    - {p}");
        }
    }
    if left > 0 {
        let _ = writeln!(
            text,
            "  and {left} more record{} failed{more}.",
            if left == 1 { "" } else { "s" }
        );
    }
    text
}
