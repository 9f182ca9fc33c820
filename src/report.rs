//! The report on disk: `report.csv` (or a shard's) written into the output
//! folder. Its rows and bytes are the core's (`second_opinion_core::report`);
//! what a run prints at the end is `summary`'s.
//!
//! Low in the graph, just above [`crate::output`], so that `run` writes the
//! report without knowing how its summary is worded.

use std::path::PathBuf;

use second_opinion_core::report::{REPORT_FILE, RecordOutcome, parse_shard_report_file, to_csv};

use crate::output::{OutputDir, WriteError};

/// Writes the report into the output folder under `name` (`report.csv`, or
/// a shard's), replacing an older one.
pub(crate) fn write(
    out: &OutputDir,
    name: &str,
    outcomes: &[RecordOutcome],
) -> Result<PathBuf, WriteError> {
    out.replace(name, &to_csv(outcomes))
}

/// Whether `name` is a report's file name: `report.csv` or a shard's.
pub(crate) fn is_report_file(name: &str) -> bool {
    name == REPORT_FILE || parse_shard_report_file(name).is_some()
}
