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
//! folders), at most [`MAX_REPORT_BYTES`], lines of at most
//! [`MAX_LINE_BYTES`], at most [`MAX_REPORT_ROWS`] rows, and each cell only
//! as this program writes it: a status of its fixed set, a position of its
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

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::config::MergeConfig;
use crate::error::{Code, Error, shown};
use crate::output::{FileKey, FolderLock, OutputDir, WriteError};
use crate::report::{BUILT, FAILED, OTHER_SHARD, REPORT_FILE, REPORT_HEADER};
use crate::shard::Shard;

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
    /// How many records are in conflict: two shards both report them as
    /// built, or the reports disagree on the shard that builds them. Each
    /// counts once, here, and neither as built nor as failed. Never happens
    /// to the shards of one run.
    pub conflicted: usize,
    /// The first of those records ([`crate::report::LISTED_FAILURES`]), for
    /// the summary.
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
/// that list different records or no record at all, a report that is not a
/// regular file or not as this program writes one; or when the combined
/// report's name is taken by anything but a report (a link, a device, a
/// pipe, a folder), even with `--force`. Records that are missing or in
/// conflict are in the summary (exit 1), not errors.
pub fn merge(config: &MergeConfig) -> Result<MergeSummary, Error> {
    // Before anything is locked or created: `--out /dev/null --force` must
    // not even leave a probe file in /dev.
    only_a_report_in_the_way(&config.out_dir, &config.out_name)?;
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
                crate::report::write_row(&mut writer, row.each_ref().map(String::as_str))?;
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
            let Some((index, count)) = crate::report::parse_shard_report_file(name) else {
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

/// A text read from a report, shared: the same problem, fix or file name
/// on many rows and in every report is held once.
type Text = Rc<str>;

/// The texts read so far, each once.
#[derive(Default)]
struct Texts(HashSet<Text>);

impl Texts {
    fn get(&mut self, text: &str) -> Text {
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
enum Position {
    Record(u32),
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
type Problem = [Text; 3];

/// What one shard's report says about one record.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// The input file's name.
    file: Text,
    /// The record's position.
    position: Position,
    /// What the shard says.
    kind: Kind,
    /// A failed record's problems, one per row.
    problems: Vec<Problem>,
}

/// What a shard says about a record.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// It built the packet of this name.
    Built(Box<str>),
    /// It could not build the record, or the record is invalid.
    Failed,
    /// Another shard builds it, under this planned packet name.
    Other { shard: usize, packet: Box<str> },
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

fn too_large(path: &Path) -> Error {
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

/// Reads one shard's report, row by row, handing each record to `sink`
/// with the line it starts on: a built or other-shard row is a record, and
/// the rows of a failed record (one per problem) follow each other with the
/// same file and position. Every cell is checked to be one this program
/// could have written for `shard`.
fn read_report(
    path: &Path,
    shard: Shard,
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
    let file = open_report(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(Capped::new(BufReader::new(file)));
    let other_hint = crate::report::other_shard_hint;
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
            OTHER_SHARD => match crate::report::parse_other_shard(problem) {
                Some((k, n))
                    if n == shard.count() && k != shard.index() && (1..=n).contains(&k) =>
                {
                    Kind::Other {
                        shard: k,
                        packet: packet.into(),
                    }
                }
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
                is_packet_cell(packet) && field.is_empty() && hint == other_hint(*k, shard.count())
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
/// program writes never do ([`crate::report::safe_cell`]).
fn odd_cell(record: &csv::StringRecord) -> Option<&'static str> {
    for cell in record {
        if cell.len() > MAX_FILE_CELL.max(MAX_TEXT_CELL) {
            return Some("has a cell longer than any this program writes");
        }
        if crate::report::safe_cell(cell) != cell {
            return Some(
                "has a cell that starts like a spreadsheet formula or holds a control character, which this program never writes",
            );
        }
    }
    None
}

/// Whether a `source_file` cell is a file name as the report writes one:
/// no folder in it, except the `./` before a name that would start a
/// formula ([`crate::report::safe_file_cell`]).
fn is_file_cell(cell: &str) -> bool {
    let name = match cell.strip_prefix("./") {
        Some(name) if crate::report::starts_formula(name) => name,
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
            if summary.conflicts.len() < crate::report::LISTED_FAILURES {
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
        if summary.failures.len() < crate::report::LISTED_FAILURES {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Code, Problem};
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
            Problem::field(
                Code::Required,
                "date_of_birth",
                "is missing",
                "add the date of birth",
            ),
            Problem::field(
                Code::Required,
                "current_doctor",
                "is missing",
                "add the doctor",
            ),
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
        let err = merge(&config(&[dir.path()])).unwrap_err();
        assert_eq!(err.code(), Code::ReportsDiffer);
        let err = err.to_string();
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
            let err = merge(&config(&[dir.path()])).unwrap_err();
            assert_eq!(err.code(), Code::ReportUnusable);
            assert_eq!(
                err.params().get("reason"),
                Some(&crate::error::Param::from("line"))
            );
            let err = err.to_string();
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
        let err = merge(&config(&[odd.path()])).unwrap_err();
        assert_eq!(err.code(), Code::ReportUnusable);
        let err = err.to_string();
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
