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
    /// A valid record that another shard of a sharded run builds (the
    /// command line's `--shard`): listed so that every shard's report names
    /// every record, and `report merge` can name the records of a shard that
    /// left no report without reading the input again.
    OtherShard {
        /// The shard that builds it, from 1.
        shard: usize,
        /// How many shards the run has.
        of: usize,
    },
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

/// The `status` column of a record whose packet was written.
pub const BUILT: &str = "built";
/// The `status` column of a record that could not be built.
pub const FAILED: &str = "failed";
/// The `status` column of a record another shard builds.
pub const OTHER_SHARD: &str = "other-shard";

/// The report's file name of shard `shard` of `of` (`report-2-of-4.csv`):
/// the shards of a run share one folder, so each writes its own.
pub fn shard_report_file(shard: usize, of: usize) -> String {
    format!("report-{shard}-of-{of}.csv")
}

/// The `problem` column of an [`Status::OtherShard`] record, which
/// `report merge` reads back with [`parse_other_shard`].
pub fn other_shard_problem(shard: usize, of: usize) -> String {
    format!("built by shard {shard} of {of}")
}

/// The shard and shard count an [`other_shard_problem`] text names.
pub fn parse_other_shard(problem: &str) -> Option<(usize, usize)> {
    let (shard, of) = problem
        .strip_prefix("built by shard ")?
        .split_once(" of ")?;
    Some((whole_number(shard)?, whole_number(of)?))
}

/// A number written as this program writes one: digits only, no leading
/// zero, so each number has one spelling (`report-02-of-4.csv` is not ours).
fn whole_number(text: &str) -> Option<usize> {
    let plain = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    plain.then(|| text.parse().ok()).flatten()
}

/// The shard and shard count of a shard report's file name
/// ([`shard_report_file`]), if `name` is one.
pub fn parse_shard_report_file(name: &str) -> Option<(usize, usize)> {
    let (shard, of) = name
        .strip_prefix("report-")?
        .strip_suffix(".csv")?
        .split_once("-of-")?;
    Some((whole_number(shard)?, whole_number(of)?))
}

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
            Status::Built(name) => row(&mut writer, [&file, &place, name, BUILT, "", "", ""]),
            Status::OtherShard { shard, of } => row(
                &mut writer,
                [
                    &file,
                    &place,
                    outcome.packet.as_deref().unwrap_or(""),
                    OTHER_SHARD,
                    "",
                    &other_shard_problem(*shard, *of),
                    &format!(
                        "see {}; second-opinion report merge combines the shards' reports",
                        shard_report_file(*shard, *of)
                    ),
                ],
            ),
            Status::Failed(problems) => {
                for p in problems {
                    row(
                        &mut writer,
                        [
                            &file,
                            &place,
                            "",
                            FAILED,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::Place;

    #[test]
    fn other_shard_rows_name_the_shard_and_read_back() {
        let outcomes = [RecordOutcome {
            origin: Origin {
                file: "in/intake.csv".into(),
                place: Place::Row {
                    sheet: None,
                    row: 3,
                },
            },
            packet: Some("Ann-Lee.zip".into()),
            status: Status::OtherShard { shard: 2, of: 4 },
        }];
        let text = String::from_utf8(to_csv(&outcomes)).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "intake.csv,row 3,Ann-Lee.zip,other-shard,,built by shard 2 of 4,\
             see report-2-of-4.csv; second-opinion report merge combines the shards' reports"
        );
        assert_eq!(parse_other_shard(&other_shard_problem(2, 4)), Some((2, 4)));
        assert_eq!(parse_other_shard("built by shard 2 of four"), None);
        assert_eq!(parse_other_shard("built by shard 02 of 4"), None);
    }

    #[test]
    fn shard_report_names_have_one_spelling() {
        assert_eq!(shard_report_file(3, 12), "report-3-of-12.csv");
        assert_eq!(parse_shard_report_file("report-3-of-12.csv"), Some((3, 12)));
        for not_ours in [
            "report.csv",
            "report-03-of-12.csv",
            "report-3-of-12.csv.bak",
            "report-3-of-.csv",
            "report-+3-of-12.csv",
            "Report-3-of-12.csv",
        ] {
            assert_eq!(parse_shard_report_file(not_ours), None, "{not_ours}");
        }
    }
}
