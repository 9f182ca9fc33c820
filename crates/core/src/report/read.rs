//! Reading a report back: the other half of [`super::to_csv`], for
//! `report merge`, which puts the shards' reports of one run together.
//! A report is read as an intake file is: within [`MAX_REPORT_BYTES`],
//! lines of at most [`MAX_LINE_BYTES`], at most [`MAX_REPORT_ROWS`] rows,
//! and each cell only as this program writes it, since a report in a
//! shared folder may have been edited, planted or cut short. What the rows
//! say is handed on record by record; putting the reports together is the
//! front end's (the command line's `merge`), over these records alone.

use std::collections::HashSet;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use crate::error::{Code, Error};

use super::{
    BUILT, FAILED, OTHER_SHARD, REPORT_HEADER, other_shard_hint, parse_other_shard, safe_cell,
    starts_formula,
};

/// The largest shard report read: as large as an intake file may be
/// ([`crate::input::MAX_INPUT_BYTES`]), far more than the report of the
/// largest run (a few hundred bytes per record).
pub const MAX_REPORT_BYTES: u64 = crate::input::MAX_INPUT_BYTES;

/// The most rows a shard report may have: ten input files of the most
/// records one file may hold ([`crate::input::json::MAX_RECORDS`]), or
/// fewer records with several problems each. A report of more is not one a
/// run of this program wrote, and reading it would only cost memory.
pub const MAX_REPORT_ROWS: usize = 10 * crate::input::json::MAX_RECORDS;

/// The longest line of a report: seven cells within their limits, quoted.
/// Checked while reading, before the CSV reader holds the line, so a
/// 300 MB cell costs no more than this.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// The longest `source_file`: a file name (255 bytes on every common file
/// system) with its control characters written out.
const MAX_FILE_CELL: usize = 2048;
/// The longest `packet`: a file name.
const MAX_PACKET_CELL: usize = 255;
/// The longest `field`: a field name, or a column as written (capped at 40
/// characters when printed).
const MAX_FIELD_CELL: usize = 256;
/// The longest `problem` or `how_to_fix`: a sentence or two of this
/// program's own words.
const MAX_TEXT_CELL: usize = 2048;

/// A text read from a report, shared: the same problem, fix or file name
/// on many rows and in every report is held once.
pub type Text = Rc<str>;

/// The texts read so far, each once.
#[derive(Default)]
pub struct Texts(HashSet<Text>);

impl Texts {
    /// The shared copy of `text`, made on its first use.
    pub fn get(&mut self, text: &str) -> Text {
        if let Some(known) = self.0.get(text) {
            return known.clone();
        }
        let text: Text = Rc::from(text);
        self.0.insert(text.clone());
        text
    }
}

/// A record's position, in the report's two forms: `record 3` (JSON),
/// `row 12` (spreadsheets, CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// `record N`: the N-th record of a JSON file.
    Record(u32),
    /// `row N`: a spreadsheet's or CSV file's row N.
    Row(u32),
}

impl Position {
    /// The position a cell gives, if it is one this program writes.
    fn parse(cell: &str) -> Option<Self> {
        let number = |text: &str| -> Option<u32> {
            let plain = !text.is_empty()
                && text.len() <= 10
                && text.bytes().all(|b| b.is_ascii_digit())
                && !text.starts_with('0');
            plain.then(|| text.parse().ok()).flatten()
        };
        if let Some(n) = cell.strip_prefix("record ") {
            number(n).map(Position::Record)
        } else {
            number(cell.strip_prefix("row ")?).map(Position::Row)
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Record(n) => write!(f, "record {n}"),
            Position::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// One failed record's problem: field (may be empty), what is wrong, how
/// to fix it.
pub type Problem = [Text; 3];

/// What one shard's report says about one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The input file's name.
    pub file: Text,
    /// The record's position.
    pub position: Position,
    /// What the shard says.
    pub kind: Kind,
    /// A failed record's problems, one per row.
    pub problems: Vec<Problem>,
}

/// What a shard says about a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// It built the packet of this name.
    Built(Box<str>),
    /// It could not build the record, or the record is invalid.
    Failed,
    /// Another shard builds it, under this planned packet name.
    Other {
        /// The shard that builds it, from 1.
        shard: usize,
        /// The packet's planned file name.
        packet: Box<str>,
    },
}

/// Counts the lines and bytes of a report as they are read, and stops at
/// a line longer than [`MAX_LINE_BYTES`] or a file past
/// [`MAX_REPORT_BYTES`] (one that grew after its size was checked), before
/// the CSV reader would hold more. Line ends saved as CR LF (by a
/// spreadsheet program on Windows) are read as LF, so that lines are
/// counted alike in both; a carriage return anywhere else is kept, and
/// refused as a control character.
struct Capped<R> {
    inner: R,
    /// Lines completed so far.
    lines: u64,
    /// Bytes of the current line so far.
    line_bytes: usize,
    /// Bytes read in all.
    total: u64,
    /// A carriage return read but not yet passed on: dropped if a line
    /// feed follows.
    cr: bool,
    /// Why reading stopped, if it did here.
    stop: Option<Stop>,
}

/// Why [`Capped`] stopped reading.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// This line (from 1) is too long.
    LongLine(u64),
    /// The file is over the size limit.
    TooLarge,
}

impl<R: std::io::BufRead> Capped<R> {
    fn new(inner: R) -> Self {
        Capped {
            inner,
            lines: 0,
            line_bytes: 0,
            total: 0,
            cr: false,
            stop: None,
        }
    }
}

impl<R: std::io::BufRead> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n == 0 && !buf.is_empty() {
            let data = self.inner.fill_buf()?;
            if data.is_empty() {
                if std::mem::take(&mut self.cr) {
                    buf[0] = b'\r';
                    n = 1;
                }
                break;
            }
            let mut used = 0;
            while used < data.len() && n < buf.len() {
                let byte = data[used];
                if std::mem::take(&mut self.cr) && byte != b'\n' {
                    // A lone carriage return: passed on, and the byte after
                    // it looked at again.
                    buf[n] = b'\r';
                    n += 1;
                    continue;
                }
                used += 1;
                if byte == b'\r' {
                    self.cr = true;
                } else {
                    buf[n] = byte;
                    n += 1;
                }
            }
            self.total += used as u64;
            self.inner.consume(used);
        }
        if self.total > MAX_REPORT_BYTES {
            self.stop = Some(Stop::TooLarge);
            return Err(std::io::Error::other("the report is too large"));
        }
        for &byte in &buf[..n] {
            if byte == b'\n' {
                self.lines += 1;
                self.line_bytes = 0;
            } else {
                self.line_bytes += 1;
                if self.line_bytes > MAX_LINE_BYTES {
                    self.stop = Some(Stop::LongLine(self.lines + 1));
                    return Err(std::io::Error::other("a line is too long"));
                }
            }
        }
        Ok(n)
    }
}

/// The error for a report over [`MAX_REPORT_BYTES`]: refused before it
/// is read when its size says so, or when it grows while read.
pub fn too_large(path: &Path) -> Error {
    let max_mb = (MAX_REPORT_BYTES / 1024 / 1024) as usize;
    Error::input(
        Code::ReportUnusable,
        path,
        format!("the file is larger than {max_mb} MB, more than any report second-opinion writes"),
        "build that shard again to write a new report, or move this file away",
    )
    .with("reason", "too_large")
    .with("max_mb", max_mb)
}

/// Reads the report of shard `shard` of `of` (from 1), row by row, from
/// `bytes` (`path` names it in errors), handing each record to `sink` with
/// the line it starts on: a built or other-shard row is a record, and the
/// rows of a failed record (one per problem) follow each other with the
/// same file and position. Every cell is checked to be one this program
/// could have written for that shard.
pub fn read_report(
    path: &Path,
    bytes: impl Read,
    (shard, of): (usize, usize),
    texts: &mut Texts,
    sink: &mut dyn FnMut(Entry, u64) -> Result<(), Error>,
) -> Result<(), Error> {
    let unusable = |line: u64, what: &str| {
        Error::input(
            Code::ReportUnusable,
            path,
            format!("line {line} {what}, so this is not a report second-opinion wrote"),
            "build that shard again to write a new report, or move this file away",
        )
        .with("reason", "line")
        .with("line", usize::try_from(line).unwrap_or(usize::MAX))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(Capped::new(BufReader::new(bytes)));
    let other_hint = other_shard_hint;
    let mut pending: Option<(Entry, u64)> = None;
    let mut record = csv::StringRecord::new();
    let mut line = 0;
    let mut rows = 0;
    let mut header_read = false;
    loop {
        line += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(match (reader.get_ref().stop, e.kind()) {
                    (Some(Stop::TooLarge), _) => too_large(path),
                    (Some(Stop::LongLine(at)), _) => {
                        unusable(at, "is longer than any line this program writes")
                    }
                    (None, csv::ErrorKind::Io(io)) => Error::io_read(path, io),
                    (None, csv::ErrorKind::Utf8 { .. }) => {
                        unusable(line, "is not text as this program writes it (UTF-8)")
                    }
                    _ => unusable(line, "is not CSV as this program writes it"),
                });
            }
        }
        // The line the record starts on (a quoted field may hold breaks).
        line = record.position().map_or(line, |p| p.line());
        if !std::mem::replace(&mut header_read, true) {
            // A spreadsheet program may save the file with a byte-order mark.
            let mut cells = record.iter();
            let first = cells
                .next()
                .map(|c| c.strip_prefix('\u{feff}').unwrap_or(c));
            if !first.into_iter().chain(cells).eq(REPORT_HEADER.split(',')) {
                return Err(unusable(line, "is not the report's header"));
            }
            continue;
        }
        rows += 1;
        if rows > MAX_REPORT_ROWS {
            return Err(Error::input(
                Code::ReportUnusable,
                path,
                format!(
                    "the report has more than {MAX_REPORT_ROWS} rows, more than any run of second-opinion reports"
                ),
                "build that shard again to write a new report, or move this file away",
            )
            .with("reason", "too_many_rows")
            .with("max", MAX_REPORT_ROWS));
        }
        let [file, position, packet, status, field, problem, hint] =
            match record.iter().collect::<Vec<_>>().as_slice() {
                &[a, b, c, d, e, f, g] => [a, b, c, d, e, f, g],
                _ => return Err(unusable(line, "does not have the report's 7 columns")),
            };
        let kind = match status {
            BUILT => Kind::Built(packet.into()),
            FAILED => Kind::Failed,
            OTHER_SHARD => match parse_other_shard(problem) {
                Some((k, n)) if n == of && k != shard && (1..=n).contains(&k) => Kind::Other {
                    shard: k,
                    packet: packet.into(),
                },
                _ => return Err(unusable(line, "names no other shard of this run")),
            },
            _ => return Err(unusable(line, "has a status this program does not write")),
        };
        if let Some(what) = odd_cell(&record) {
            return Err(unusable(line, what));
        }
        if !is_file_cell(file) {
            return Err(unusable(
                line,
                "has a source_file this program does not write",
            ));
        }
        let Some(position) = Position::parse(position) else {
            return Err(unusable(line, "has a position this program does not write"));
        };
        let fits = match &kind {
            Kind::Built(_) => is_packet_cell(packet) && [field, problem, hint] == ["", "", ""],
            Kind::Other { shard: k, .. } => {
                is_packet_cell(packet) && field.is_empty() && hint == other_hint(*k, of)
            }
            Kind::Failed => {
                packet.is_empty()
                    && field.len() <= MAX_FIELD_CELL
                    && !problem.is_empty()
                    && problem.len() <= MAX_TEXT_CELL
                    && hint.len() <= MAX_TEXT_CELL
            }
        };
        if !fits {
            return Err(unusable(
                line,
                &format!("has texts this program does not write for a record that is {status}"),
            ));
        }
        if let Some((last, _)) = pending.as_mut()
            && kind == Kind::Failed
            && last.kind == Kind::Failed
            && *last.file == *file
            && last.position == position
        {
            last.problems
                .push([field, problem, hint].map(|t| texts.get(t)));
            continue;
        }
        if let Some((last, at)) = &pending
            && *last.file == *file
            && last.position == position
        {
            return Err(unusable(
                line,
                &format!("lists the record of line {at} again (the same source_file and position)"),
            ));
        }
        let problems = match kind {
            Kind::Failed => vec![[field, problem, hint].map(|t| texts.get(t))],
            _ => Vec::new(),
        };
        let entry = Entry {
            file: texts.get(file),
            position,
            kind,
            problems,
        };
        if let Some((last, at)) = pending.replace((entry, line)) {
            sink(last, at)?;
        }
    }
    if let Some((last, at)) = pending {
        sink(last, at)?;
    }
    Ok(())
}

/// What is wrong with a row's cells as a whole, if anything: a cell too
/// long, holding a control character, or starting a formula. Cells this
/// program writes never do (`crate::report::safe_cell`).
fn odd_cell(record: &csv::StringRecord) -> Option<&'static str> {
    for cell in record {
        if cell.len() > MAX_FILE_CELL.max(MAX_TEXT_CELL) {
            return Some("has a cell longer than any this program writes");
        }
        if safe_cell(cell) != cell {
            return Some(
                "has a cell that starts like a spreadsheet formula or holds a control character, which this program never writes",
            );
        }
    }
    None
}

/// Whether a `source_file` cell is a file name as the report writes one:
/// no folder in it, except the `./` before a name that would start a
/// formula (`crate::report::safe_file_cell`).
fn is_file_cell(cell: &str) -> bool {
    let name = match cell.strip_prefix("./") {
        Some(name) if starts_formula(name) => name,
        Some(_) => return false,
        None => cell,
    };
    !name.is_empty() && name.len() <= MAX_FILE_CELL && !name.contains('/') && name != ".."
}

/// Whether a `packet` cell is a packet's file name as this program makes
/// one (letters, digits, `-`, `_`, ending in `.zip`).
fn is_packet_cell(cell: &str) -> bool {
    cell.len() <= MAX_PACKET_CELL
        && cell.ends_with(".zip")
        && crate::bundle::is_safe_entry_name(cell)
        && cell.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem as RecordProblem;
    use crate::input::{Origin, Place};
    use crate::report::{RecordOutcome, Status, to_csv};

    fn outcome(row: usize, packet: Option<&str>, status: Status) -> RecordOutcome {
        RecordOutcome {
            origin: Origin {
                file: "patients.csv".into(),
                place: Place::Row { sheet: None, row },
            },
            packet: packet.map(str::to_string),
            status,
        }
    }

    fn read(bytes: &[u8], shard: (usize, usize)) -> Result<Vec<(Entry, u64)>, Error> {
        let mut entries = Vec::new();
        read_report(
            Path::new("report-1-of-2.csv"),
            bytes,
            shard,
            &mut Texts::default(),
            &mut |entry, line| {
                entries.push((entry, line));
                Ok(())
            },
        )?;
        Ok(entries)
    }

    /// What `to_csv` writes, `read_report` reads back, record by record.
    #[test]
    fn a_report_reads_back_as_written() {
        let problem = |field: &str| {
            RecordProblem::field(Code::Required, field, "is required but empty", "fill it in")
        };
        let report = to_csv(&[
            outcome(2, Some("Ada.zip"), Status::Built("Ada.zip".into())),
            outcome(
                3,
                None,
                Status::Failed(vec![problem("patient_name"), problem("date_of_birth")]),
            ),
            outcome(4, Some("Bo.zip"), Status::OtherShard { shard: 2, of: 2 }),
        ]);
        let entries = read(&report, (1, 2)).unwrap();
        let summary: Vec<_> = entries
            .iter()
            .map(|(e, line)| {
                (
                    &*e.file,
                    e.position,
                    e.kind.clone(),
                    e.problems.len(),
                    *line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "patients.csv",
                    Position::Row(2),
                    Kind::Built("Ada.zip".into()),
                    0,
                    2
                ),
                ("patients.csv", Position::Row(3), Kind::Failed, 2, 3),
                (
                    "patients.csv",
                    Position::Row(4),
                    Kind::Other {
                        shard: 2,
                        packet: "Bo.zip".into()
                    },
                    0,
                    5
                ),
            ]
        );
        assert_eq!(&*entries[1].0.problems[1][0], "date_of_birth");
        // The same report is no other shard's: shard 2 does not list
        // itself as another.
        assert_eq!(
            read(&report, (2, 2)).unwrap_err().code(),
            Code::ReportUnusable
        );
        // Cut inside a row, or with a formula planted, it is refused.
        let cut = &report[..report.len() - 3];
        assert!(read(cut, (1, 2)).is_err());
        let planted = String::from_utf8(report.clone())
            .unwrap()
            .replace("Ada.zip,built", "=HYPERLINK(1),built");
        assert!(read(planted.as_bytes(), (1, 2)).is_err());
    }
}
