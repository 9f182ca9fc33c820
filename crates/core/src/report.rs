//! The report of a run: one line per input record (one per problem for
//! failed records), readable in any spreadsheet program, as `report.csv`.
//!
//! It names files, rows, fields and problems, never a field's value.

use crate::error::Problem;
use crate::intake::Origin;

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

/// The status of a record whose packet never came back from a worker (or
/// whose run stopped before reaching it).
pub fn not_built() -> Status {
    Status::Failed(vec![Problem::record(
        "was not built: building stopped before reaching this record",
        "run again with the same files; packets already built are kept",
    )])
}

/// The file name of the bundle of every packet and the report.
pub const BUNDLE_FILE: &str = "all-packets.zip";

/// The report's first line. A later run knows a `report.csv` that starts
/// with exactly this line is one this program wrote, and may replace it.
pub const REPORT_HEADER: &str = "source_file,position,packet,status,field,problem,how_to_fix";

/// The report's file name in the output folder.
pub const REPORT_FILE: &str = "report.csv";

/// The report as CSV bytes.
pub fn to_csv(outcomes: &[RecordOutcome]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, fields: [&str; 7]| {
        w.write_record(fields)
            .expect("writing to memory cannot fail")
    };
    // The header is how a later run knows this report.csv is ours.
    let header: Vec<&str> = REPORT_HEADER.split(',').collect();
    writer
        .write_record(&header)
        .expect("writing to memory cannot fail");
    for outcome in outcomes {
        let file = outcome.origin.file_name();
        let place = outcome.origin.place_label();
        match &outcome.status {
            Status::Built(name) => row(&mut writer, [&file, &place, name, "built", "", "", ""]),
            Status::Failed(problems) => {
                for p in problems {
                    row(
                        &mut writer,
                        [
                            &file,
                            &place,
                            "",
                            "failed",
                            p.field.as_deref().unwrap_or(""),
                            &p.message,
                            &p.hint,
                        ],
                    );
                }
            }
        }
    }
    writer.into_inner().expect("writing to memory cannot fail")
}
