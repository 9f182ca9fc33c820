//! The report of a run: one line per input record (one per problem for
//! failed records), readable in any spreadsheet program, as `report.csv`.
//!
//! It names files, rows, fields and problems, never a field's value.
//!
//! No cell of it starts a formula. A clerk opens the report in a
//! spreadsheet program, which runs a cell starting with `=`, `+`, `-` or
//! `@` as a formula (OWASP's "CSV injection"), and file names are whatever
//! their creator typed (`=HYPERLINK(…).json`). So every cell passes
//! through [`safe_cell`]: control characters are written out visibly
//! (`\u{1b}`), and a cell starting like a formula gets a leading
//! apostrophe, which spreadsheet programs show as text. A file name gets
//! `./` instead (`./=1+1.json`): that is still the same file's name, one a
//! clerk can type to find it, where an apostrophe would not be.

use std::borrow::Cow;

use crate::error::{Code, Problem, printable};
use crate::intake::Origin;

pub mod read;

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
        Code::NotBuilt,
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

/// The `how_to_fix` column of an [`Status::OtherShard`] record: where its
/// outcome will be, and how the reports come together. `report merge`
/// accepts only this text there.
pub fn other_shard_hint(shard: usize, of: usize) -> String {
    format!(
        "see {}; second-opinion report merge combines the shards' reports",
        shard_report_file(shard, of)
    )
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

/// The characters that make a spreadsheet program read a cell as a
/// formula when they start it (OWASP's list: tab and carriage return too).
pub const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell's text would start a formula in a spreadsheet program.
pub fn starts_formula(text: &str) -> bool {
    text.starts_with(FORMULA_START)
}

/// A cell as the report writes it: control characters written out
/// visibly, and an apostrophe before a text that would start a formula.
/// Writing a cell twice changes nothing more, so `report merge` may pass
/// the cells it read through it again.
pub fn safe_cell(text: &str) -> Cow<'_, str> {
    let text = printable(text);
    if starts_formula(&text) {
        Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

/// The `source_file` cell: [`safe_cell`], but a file name that would start
/// a formula is written `./=1+1.json`, still its name in its folder.
pub fn safe_file_cell(name: &str) -> Cow<'_, str> {
    let name = printable(name);
    if starts_formula(&name) {
        Cow::Owned(format!("./{name}"))
    } else {
        name
    }
}

/// Writes one report row, each cell made safe ([`safe_cell`],
/// [`safe_file_cell`] for the first): the one way rows are written, by
/// `build` and by `report merge`.
pub fn write_row<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    fields: [&str; 7],
) -> csv::Result<()> {
    let [file, rest @ ..] = fields;
    writer.write_field(safe_file_cell(file).as_bytes())?;
    for field in rest {
        writer.write_field(safe_cell(field).as_bytes())?;
    }
    writer.write_record(None::<&[u8]>)
}

/// The report as CSV bytes.
pub fn to_csv(outcomes: &[RecordOutcome]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, fields: [&str; 7]| {
        write_row(w, fields).expect("writing to memory cannot fail")
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
                    &other_shard_hint(*shard, *of),
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
    fn no_cell_starts_a_formula_or_carries_a_control_character() {
        let outcome = |file: &str, field: &str| RecordOutcome {
            origin: Origin {
                file: file.into(),
                place: Place::Record(1),
            },
            packet: None,
            status: Status::Failed(vec![Problem::field(
                Code::Required,
                field,
                "is missing",
                "add it",
            )]),
        };
        let text = String::from_utf8(to_csv(&[
            outcome("in/=1+1.json", "-name"),
            outcome("@SUM(A1).json", "+x"),
            outcome("a\u{1b}[2Jb.json", "\tfield"),
        ]))
        .unwrap();
        let cells: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(cells[0][0], "./=1+1.json");
        assert_eq!(cells[0][4], "'-name");
        assert_eq!(cells[1][0], "./@SUM(A1).json");
        assert_eq!(cells[1][4], "'+x");
        assert_eq!(cells[2][0], "a\\u{1b}[2Jb.json");
        assert_eq!(cells[2][4], "\\tfield");
        for cell in cells.iter().flatten() {
            assert!(!starts_formula(cell), "{cell}");
            assert!(!cell.chars().any(char::is_control), "{cell}");
            // Written again, a safe cell stays as it is.
            assert_eq!(safe_cell(cell), cell.as_str());
            assert_eq!(safe_file_cell(cell), cell.as_str());
        }
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
