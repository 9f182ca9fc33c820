//! Workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine, and the table
//! rules every tabular input shares with CSV ([`super::delimited`]).
//!
//! A sheet is read as a stream of filled cells in row order — never
//! calamine's dense range for xlsx/xlsb, whose declared size can be the whole
//! 16,384 × 1,048,576 grid — into a `Table`, which checks the caps on
//! columns, rows and cells as cells arrive, finds the header row among the
//! first filled rows (title rows above it are skipped), maps headers to intake
//! fields, and turns each later row into a [`RawRecord`] as soon as the row is
//! complete. Cells are converted by the field's kind: numbers in
//! record-number columns come out as the digits typed, numbers in date columns
//! as Excel serial dates, spreadsheet errors as [`Cell::Invalid`]. Only one row
//! is held at a time (.xls and .ods excepted: calamine unpacks those whole).
//!
//! calamine is shielded with `catch_unwind`, and its error texts (which can
//! quote cell contents) are never shown.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;

use calamine::{
    Data, DataRef, ExcelDateTime, ExcelDateTimeType, Ods, OdsError, Reader, SheetType,
    SheetVisible, Xls, XlsError, Xlsb, XlsbError, Xlsx, XlsxError,
};
use chrono::{Datelike, NaiveDate};

use super::{Cell, Entry, InputOptions, Origin, Place, RawRecord, TextDates};
use crate::error::{Error, Problem};
use crate::record::fields::{self, FieldSpec, Kind};
use crate::record::safe_name;

/// Most patient rows read from one sheet or CSV file.
pub const MAX_DATA_ROWS: usize = 100_000;
/// Most columns an intake table may use; data further right is refused.
pub const MAX_COLUMNS: usize = 1_000;
/// Most filled cells read from one sheet, whatever their layout.
pub const MAX_CELLS: usize = 5_000_000;
/// How many filled rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 20;
/// The most a workbook may unpack to (the sum of its ZIP entries).
pub const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;

/// The workbook formats calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workbook {
    /// Office Open XML: .xlsx, .xlsm.
    Xlsx,
    /// Excel binary workbook: .xlsb.
    Xlsb,
    /// Excel 97-2003: .xls.
    Xls,
    /// OpenDocument spreadsheet: .ods.
    Ods,
}

impl Workbook {
    /// The usual file extension, for messages.
    pub fn extension(self) -> &'static str {
        match self {
            Workbook::Xlsx => "xlsx",
            Workbook::Xlsb => "xlsb",
            Workbook::Xls => "xls",
            Workbook::Ods => "ods",
        }
    }
}

/// Caps on what one table may hold (tests lower them).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub rows: usize,
    pub columns: usize,
    pub cells: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        rows: MAX_DATA_ROWS,
        columns: MAX_COLUMNS,
        cells: MAX_CELLS,
    };
}

// ------------------------------------------------------------------ grid

/// One filled cell's value, before its column's field is known.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    /// Text as typed (CSV fields are always text).
    Text(String),
    /// A whole number stored as such (xls, xlsb).
    Int(i64),
    /// A number.
    Float(f64),
    /// TRUE / FALSE.
    Bool(bool),
    /// A cell formatted as a date or time.
    DateTime(ExcelDateTime),
    /// An ISO 8601 date or date-time (ODS date cells, xlsx `t="d"`).
    DateIso(String),
    /// A duration (ODS time cells).
    Duration,
    /// An error value such as `#N/A`, described.
    Error(&'static str),
    /// A formula whose result was never saved in the file.
    UncachedFormula,
}

impl Value {
    fn from_data(data: Data) -> Option<Value> {
        Some(match data {
            Data::Empty => return None,
            Data::Int(i) => Value::Int(i),
            Data::Float(f) => Value::Float(f),
            Data::String(s) => Value::Text(s),
            Data::Bool(b) => Value::Bool(b),
            Data::DateTime(d) => Value::DateTime(d),
            Data::DateTimeIso(s) => Value::DateIso(s),
            Data::DurationIso(_) => Value::Duration,
            Data::Error(e) => Value::Error(error_description(&e.to_string())),
        })
    }

    fn from_ref(data: DataRef<'_>) -> Option<Value> {
        Some(match data {
            DataRef::SharedString(s) => Value::Text(s.to_string()),
            DataRef::Empty => return None,
            DataRef::Int(i) => Value::Int(i),
            DataRef::Float(f) => Value::Float(f),
            DataRef::String(s) => Value::Text(s),
            DataRef::Bool(b) => Value::Bool(b),
            DataRef::DateTime(d) => Value::DateTime(d),
            DataRef::DateTimeIso(s) => Value::DateIso(s),
            DataRef::DurationIso(_) => Value::Duration,
            DataRef::Error(e) => Value::Error(error_description(&e.to_string())),
        })
    }

    /// Empty text and white space count as nothing.
    fn is_blank(&self) -> bool {
        matches!(self, Value::Text(t) if t.trim().is_empty())
    }
}

/// One row of a table that has at least one filled cell.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GridRow {
    /// The row number the user sees (spreadsheet row, or CSV line).
    pub number: usize,
    /// Filled cells as (0-based column, value), sorted by column.
    pub cells: Vec<(usize, Value)>,
    /// For CSV: how many fields the line had (to find ragged rows).
    pub fields: Option<usize>,
}

impl GridRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, v)| v.is_blank())
    }

    fn get(&self, col: usize) -> Option<&Value> {
        self.cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &self.cells[i].1)
    }
}

/// Where a table comes from, for messages and origins.
#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    /// Every sheet of the workbook, for hints.
    pub all_sheets: Vec<String>,
    /// "row" for sheets, "line" for CSV.
    pub unit: &'static str,
    /// Whether plain numbers in date columns count from 1904 (Mac Excel).
    pub is_1904: bool,
}

impl Source {
    /// `sheet "Intake", row 4` / `line 4`.
    fn at(&self, number: usize) -> String {
        match &self.sheet {
            Some(sheet) => format!("sheet \"{}\", {} {number}", safe_name(sheet), self.unit),
            None => format!("{} {number}", self.unit),
        }
    }
}

fn too_many_rows(path: &Path, limits: Limits) -> Error {
    Error::Input {
        file: path.to_path_buf(),
        message: format!("the table has more than {} rows of patients", limits.rows),
        hint: format!(
            "split it into several files of at most {} patients",
            limits.rows
        ),
    }
}

/// The spreadsheet column name of a 0-based column: A, B, …, Z, AA, …
pub fn column_name(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

// ------------------------------------------------------------ detection

/// Tells a ZIP-based workbook apart by its contents, and refuses ZIP files
/// that are not workbooks, are damaged, or unpack to too much.
pub fn zip_format(path: &Path, bytes: &[u8]) -> Result<Workbook, Error> {
    let damaged = || {
        Error::Input {
        file: path.to_path_buf(),
        message: "the file is an incomplete or damaged ZIP-based workbook (it may have been cut off while copying or downloading)".into(),
        hint: "copy or download it again; if it still fails, open it in Excel or LibreOffice and save a new copy".into(),
    }
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| damaged())?;
        total = total.saturating_add(entry.size());
        names.push(entry.name().map_err(|_| damaged())?.to_ascii_lowercase());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: format!(
                "the workbook unpacks to more than {} MB, more than an intake file should",
                MAX_UNPACKED_BYTES / 1024 / 1024
            ),
            hint: "split it into several smaller workbooks".into(),
        });
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("mimetype") {
        let mut mimetype = String::new();
        if let Ok(file) = archive.by_name("mimetype") {
            let _ = file.take(200).read_to_string(&mut mimetype);
        }
        if mimetype.contains("opendocument.spreadsheet") {
            return Ok(Workbook::Ods);
        }
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: "the file is an OpenDocument file, but not a spreadsheet".into(),
            hint: supported_formats_hint().into(),
        });
    }
    if has("xl/workbook.bin") {
        return Ok(Workbook::Xlsb);
    }
    if has("xl/workbook.xml") {
        return Ok(Workbook::Xlsx);
    }
    let what = if has("word/document.xml") {
        "a Word document"
    } else if has("ppt/presentation.xml") {
        "a PowerPoint presentation"
    } else {
        "a ZIP archive"
    };
    Err(Error::Input {
        file: path.to_path_buf(),
        message: format!("the file is {what}, not a workbook"),
        hint: supported_formats_hint().into(),
    })
}

/// Whether an OLE (compound) file is an encrypted Office Open XML workbook:
/// Excel stores a password-protected .xlsx as an OLE file holding the
/// streams "EncryptionInfo" and "EncryptedPackage".
pub fn is_encrypted_ole(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// The error for a password-protected workbook.
pub fn password_protected(path: &Path) -> Error {
    Error::Input {
        file: path.to_path_buf(),
        message: "the file is password-protected".into(),
        hint: "open it with its password and save an unprotected copy (in Excel: File › Info › Protect Workbook › Encrypt with Password, then clear the password)".into(),
    }
}

/// The hint listing what can be read.
pub fn supported_formats_hint() -> &'static str {
    "use an Excel workbook (.xlsx, .xlsm, .xlsb, .xls), a LibreOffice spreadsheet (.ods), CSV (.csv, .tsv, .txt) or JSON (.json)"
}

fn damaged(path: &Path, format: Workbook) -> Error {
    Error::Input {
        file: path.to_path_buf(),
        message: format!(
            "could not read the workbook (.{}); it may be damaged",
            format.extension()
        ),
        hint: "open it in Excel or LibreOffice and save a new copy, or save the sheet as CSV UTF-8"
            .into(),
    }
}

// -------------------------------------------------------------- reading

/// Reads a workbook of a known format, handing each entry to `sink` as soon
/// as its row is complete; returns the file's warnings.
pub fn read_each(
    path: &Path,
    bytes: &[u8],
    format: Workbook,
    options: &InputOptions,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<String>, Error> {
    read_each_with(path, bytes, format, options, Limits::DEFAULT, sink)
}

#[cfg(test)]
fn read_with(
    path: &Path,
    bytes: &[u8],
    format: Workbook,
    options: &InputOptions,
    limits: Limits,
) -> Result<super::InputFile, Error> {
    super::InputFile::collect(|sink| read_each_with(path, bytes, format, options, limits, sink))
}

pub(super) fn read_each_with(
    path: &Path,
    bytes: &[u8],
    format: Workbook,
    options: &InputOptions,
    limits: Limits,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<String>, Error> {
    // Every call into calamine, and the conversions after it, are shielded:
    // a malformed file must end in a message, never a crash. A panic inside
    // the sink is the caller's own, not a damaged file: it goes on unwinding.
    let in_sink = std::cell::Cell::new(false);
    let mut guarded = |entry: Entry| {
        in_sink.set(true);
        sink(entry);
        in_sink.set(false);
    };
    match catch_unwind(AssertUnwindSafe(|| {
        stream(path, bytes, format, options, limits, &mut guarded)
    })) {
        Ok(result) => result,
        Err(payload) if in_sink.get() => resume_unwind(payload),
        Err(_) => Err(damaged(path, format)),
    }
}

/// Opens the workbook, chooses the sheet and feeds its cells to a [`Table`].
fn stream(
    path: &Path,
    bytes: &[u8],
    format: Workbook,
    options: &InputOptions,
    limits: Limits,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<String>, Error> {
    let cursor = Cursor::new(bytes);
    let fail = |password: bool| {
        if password {
            password_protected(path)
        } else {
            damaged(path, format)
        }
    };
    let source = |sheet: &str, all_sheets: Vec<String>, is_1904: bool| Source {
        sheet: Some(sheet.to_string()),
        all_sheets,
        unit: "row",
        is_1904,
    };
    match format {
        Workbook::Xlsx => {
            let mut book: Xlsx<_> =
                Xlsx::new(cursor).map_err(|e| fail(matches!(e, XlsxError::Password)))?;
            let (name, all) = choose_sheet(path, &book, options)?;
            let is_1904 = book.has_1904_epoch();
            let mut cells = match book.worksheet_cells_reader(&name) {
                Ok(cells) => cells,
                Err(XlsxError::NotAWorksheet(_)) => return Err(not_a_table(path, &name)),
                Err(e) => return Err(fail(matches!(e, XlsxError::Password))),
            };
            let mut table = Table::new(path, source(&name, all, is_1904), options, limits, sink);
            while let Some(cell) = cells
                .next_cell_with_formula_metadata()
                .map_err(|_| fail(false))?
            {
                let value = match cell.value {
                    DataRef::Empty if cell.formula.is_some() => Some(Value::UncachedFormula),
                    other => Value::from_ref(other),
                };
                if let Some(value) = value {
                    table.push(cell.pos.0 as usize + 1, cell.pos.1 as usize, value)?;
                }
            }
            table.finish()
        }
        Workbook::Xlsb => {
            let mut book: Xlsb<_> =
                Xlsb::new(cursor).map_err(|e| fail(matches!(e, XlsbError::Password)))?;
            let (name, all) = choose_sheet(path, &book, options)?;
            let is_1904 = book.has_1904_epoch();
            let mut cells = book
                .worksheet_cells_reader(&name)
                .map_err(|e| fail(matches!(e, XlsbError::Password)))?;
            let mut table = Table::new(path, source(&name, all, is_1904), options, limits, sink);
            while let Some(cell) = cells.next_cell().map_err(|_| fail(false))? {
                let (row, col) = cell.get_position();
                if let Some(value) = Value::from_ref(cell.get_value().clone()) {
                    table.push(row as usize + 1, col as usize, value)?;
                }
            }
            table.finish()
        }
        Workbook::Xls => {
            if !super::cfb_check::chains_are_sound(bytes) {
                return Err(fail(false));
            }
            let mut book: Xls<_> =
                Xls::new(cursor).map_err(|e| fail(matches!(e, XlsError::Password)))?;
            let (name, all) = choose_sheet(path, &book, options)?;
            let is_1904 = book.has_1904_epoch();
            let range = book
                .worksheet_range(&name)
                .map_err(|e| fail(matches!(e, XlsError::Password)))?;
            let mut table = Table::new(path, source(&name, all, is_1904), options, limits, sink);
            push_range(&mut table, &range)?;
            table.finish()
        }
        Workbook::Ods => {
            let mut book: Ods<_> =
                Ods::new(cursor).map_err(|e| fail(matches!(e, OdsError::Password)))?;
            let (name, all) = choose_sheet(path, &book, options)?;
            let range = book
                .worksheet_range(&name)
                .map_err(|e| fail(matches!(e, OdsError::Password)))?;
            let mut table = Table::new(path, source(&name, all, false), options, limits, sink);
            push_range(&mut table, &range)?;
            table.finish()
        }
    }
}

/// Feeds the filled cells of a calamine range to the table, row by row, with
/// row numbers counted from A1 whatever cell the range starts at.
fn push_range(table: &mut Table<'_>, range: &calamine::Range<Data>) -> Result<(), Error> {
    let Some((row0, col0)) = range.start() else {
        return Ok(());
    };
    for (r, c, data) in range.used_cells() {
        if let Some(value) = Value::from_data(data.clone()) {
            table.push(row0 as usize + r + 1, col0 as usize + c, value)?;
        }
    }
    Ok(())
}

/// A workbook's sheet names for a hint: the first few, then how many more.
/// Some clinics keep one tab per patient, so the list never runs on.
fn sheet_list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut list = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("\"{}\"", safe_name(n)))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    list
}

/// Picks the sheet to read: the one named with `--sheet` (exact name, else
/// ignoring case), or the first visible worksheet.
fn choose_sheet<RS: Read + Seek, R: Reader<RS>>(
    path: &Path,
    book: &R,
    options: &InputOptions,
) -> Result<(String, Vec<String>), Error> {
    let sheets = book.sheets_metadata();
    let all: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let listed = || sheet_list(&all);
    if let Some(wanted) = &options.sheet {
        let found = sheets.iter().find(|s| s.name == *wanted).or_else(|| {
            let mut matches = sheets
                .iter()
                .filter(|s| s.name.trim().to_lowercase() == wanted.trim().to_lowercase());
            match (matches.next(), matches.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        });
        return match found {
            Some(sheet) => Ok((sheet.name.clone(), all)),
            None => Err(Error::Input {
                file: path.to_path_buf(),
                message: format!("the workbook has no sheet named \"{}\"", safe_name(wanted)),
                hint: format!("choose one of its sheets with --sheet: {}", listed()),
            }),
        };
    }
    match sheets
        .iter()
        .find(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
    {
        Some(sheet) => Ok((sheet.name.clone(), all)),
        None if sheets.is_empty() => Err(Error::Input {
            file: path.to_path_buf(),
            message: "the workbook has no sheets".into(),
            hint: "open it in Excel or LibreOffice and save a new copy".into(),
        }),
        None => Err(Error::Input {
            file: path.to_path_buf(),
            message: "the workbook has no visible worksheet".into(),
            hint: format!(
                "choose a sheet with --sheet (the workbook has: {}), or unhide one",
                listed()
            ),
        }),
    }
}

fn not_a_table(path: &Path, sheet: &str) -> Error {
    Error::Input {
        file: path.to_path_buf(),
        message: format!(
            "the sheet \"{}\" is a chart or macro sheet, not a table",
            safe_name(sheet)
        ),
        hint: "choose the sheet holding the patients with --sheet".into(),
    }
}

// ------------------------------------------------------------ the table

/// A header row, mapped.
#[derive(Debug)]
struct Header {
    /// The header row's number.
    number: usize,
    /// How many fields the header line had (CSV only).
    fields: Option<usize>,
    /// Mapped columns, in column order.
    columns: Vec<(usize, &'static FieldSpec)>,
    /// Every column with something in the header row, mapped or not.
    headed: Vec<usize>,
}

/// How many distinct fields a row's cells name as headers.
pub(super) fn header_score(row: &GridRow) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for (_, value) in &row.cells {
        if let Some(spec) = header_text(value).and_then(|t| fields::by_header(&t))
            && !seen.contains(&spec.name)
        {
            seen.push(spec.name);
        }
    }
    seen.len()
}

/// The header row: the first of the first [`HEADER_SEARCH_ROWS`] filled rows
/// in which at least two cells name intake fields. Title rows (one cell, or
/// text that names no field) are skipped.
pub(super) fn find_header(rows: &[GridRow]) -> Option<usize> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .take(HEADER_SEARCH_ROWS)
        .find(|(_, r)| header_score(r) >= 2)
        .map(|(i, _)| i)
}

fn header_text(value: &Value) -> Option<String> {
    match value {
        Value::Text(t) => Some(t.trim().to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// One table (a sheet, a CSV file) read as a stream of filled cells: rows are
/// assembled from the cells, the header row is found among the first filled
/// rows, and every later row becomes an [`Entry`] handed to the sink as soon
/// as the row is complete. The caps ([`Limits`]) are checked as cells arrive,
/// so that a hostile file is refused before it costs much time.
///
/// What is held does not grow with the rows: the row being filled, the
/// header, and per-column notes (at most [`MAX_COLUMNS`] of them) for the
/// "ignored columns" warning. Title rows above the header need not be kept:
/// the header is the first of them that names two fields.
///
/// Cells must arrive in row order, as every spreadsheet program stores them
/// (calamine streams them in file order). Within a row any order is fine, and
/// of two cells at the same place the first is kept. A cell for a row above
/// the one being filled means the rows are stored out of order — a damaged
/// or hand-made file — and is refused rather than sorted, which would mean
/// holding every row.
pub(super) struct Table<'a> {
    path: &'a Path,
    source: Source,
    text_dates: TextDates,
    limits: Limits,
    sink: &'a mut dyn FnMut(Entry),
    /// The row being filled.
    row: Option<GridRow>,
    /// The number of the last row started.
    last_row: Option<usize>,
    /// Rows started so far (filled rows, blank ones included).
    rows: usize,
    /// Filled cells so far.
    cells: usize,
    /// Non-blank rows searched for the header so far.
    searched: usize,
    header: Option<Header>,
    /// Columns of the header row not read, as (column, description).
    ignored: Vec<(usize, String)>,
    /// Columns with data below the header but no header.
    unheaded: BTreeSet<usize>,
    /// Entries handed to the sink.
    entries: usize,
}

impl<'a> Table<'a> {
    /// A table from `source`, handing entries to `sink`.
    pub fn new(
        path: &'a Path,
        source: Source,
        options: &InputOptions,
        limits: Limits,
        sink: &'a mut dyn FnMut(Entry),
    ) -> Self {
        Table {
            path,
            source,
            text_dates: options.sheet_dates,
            limits,
            sink,
            row: None,
            last_row: None,
            rows: 0,
            cells: 0,
            searched: 0,
            header: None,
            ignored: Vec::new(),
            unheaded: BTreeSet::new(),
            entries: 0,
        }
    }

    /// Adds one filled cell at a 1-based row number and 0-based column. A
    /// cell in a later row than the one being filled completes that row.
    pub fn push(&mut self, row: usize, col: usize, value: Value) -> Result<(), Error> {
        if col >= self.limits.columns {
            return Err(Error::Input {
                file: self.path.to_path_buf(),
                message: format!(
                    "there is data in column {} ({} {row}), beyond the {} columns an intake table may use",
                    column_name(col),
                    self.source.unit,
                    self.limits.columns
                ),
                hint: "delete the columns to the right of the intake table, or copy the table alone into a new file".into(),
            });
        }
        self.cells += 1;
        if self.cells > self.limits.cells {
            return Err(Error::Input {
                file: self.path.to_path_buf(),
                message: format!(
                    "the table holds more than {} filled cells, more than an intake file should",
                    self.limits.cells
                ),
                hint: "split it into several smaller files".into(),
            });
        }
        if self.row.as_ref().is_none_or(|r| r.number != row) {
            if let Some(last) = self.last_row.filter(|&last| row <= last) {
                return Err(self.out_of_order(row, last));
            }
            self.end_row()?;
            if self.rows > self.limits.rows + HEADER_SEARCH_ROWS {
                return Err(too_many_rows(self.path, self.limits));
            }
            self.rows += 1;
            self.last_row = Some(row);
            self.row = Some(GridRow {
                number: row,
                cells: Vec::new(),
                fields: None,
            });
        }
        if let Some(current) = &mut self.row {
            current.cells.push((col, value));
        }
        Ok(())
    }

    /// Records how many fields the CSV line being filled had (to find ragged
    /// lines).
    pub fn set_fields(&mut self, fields: usize) {
        if let Some(row) = &mut self.row {
            row.fields = Some(fields);
        }
    }

    /// Completes the row being filled: it is searched for the header, or
    /// becomes an entry.
    pub fn end_row(&mut self) -> Result<(), Error> {
        let Some(mut row) = self.row.take() else {
            return Ok(());
        };
        row.cells.sort_by_key(|(c, _)| *c);
        row.cells.dedup_by_key(|(c, _)| *c);
        if self.header.is_some() {
            return self.data_row(row);
        }
        if row.is_blank() {
            return Ok(());
        }
        self.searched += 1;
        if header_score(&row) >= 2 {
            let (header, ignored) = read_header(self.path, &self.source, &row)?;
            self.header = Some(header);
            self.ignored = ignored;
        } else if self.searched == HEADER_SEARCH_ROWS {
            return Err(self.no_header());
        }
        Ok(())
    }

    /// A row below the header: an entry, unless it holds nothing to read.
    fn data_row(&mut self, row: GridRow) -> Result<(), Error> {
        let Some(header) = &self.header else {
            return Ok(());
        };
        // Columns with data below but no header at all (for CSV, only within
        // the header line's width: fields beyond it make the row ragged).
        let width = header.fields.unwrap_or(usize::MAX);
        for (col, value) in &row.cells {
            if *col < width && !value.is_blank() && !header.headed.contains(col) {
                self.unheaded.insert(*col);
            }
        }
        let origin = Origin {
            file: self.path.to_path_buf(),
            place: Place::Row {
                sheet: self.source.sheet.clone(),
                row: row.number,
            },
        };
        let entry = if let Some(problem) = ragged(header, &row) {
            Err((origin, vec![problem]))
        } else {
            let cells: Vec<(String, Cell)> = header
                .columns
                .iter()
                .map(|(col, spec)| {
                    let cell = row
                        .get(*col)
                        .map_or(Cell::Empty, |v| convert(spec, v, self.source.is_1904));
                    (spec.name.to_string(), cell)
                })
                .collect();
            if cells.iter().all(|(_, c)| *c == Cell::Empty) {
                // A blank row, or one with data only in ignored columns.
                return Ok(());
            }
            Ok(RawRecord {
                origin,
                cells,
                text_dates: self.text_dates,
            })
        };
        if self.entries == self.limits.rows {
            return Err(too_many_rows(self.path, self.limits));
        }
        self.entries += 1;
        (self.sink)(entry);
        Ok(())
    }

    /// Ends the table: the problems only its end can show, and the warnings.
    pub fn finish(mut self) -> Result<Vec<String>, Error> {
        self.end_row()?;
        let Some(header) = &self.header else {
            if self.searched == 0 {
                return Err(self.input_error(
                    format!("{} is empty", self.where_()),
                    format!(
                        "fill in one row of column names and one row per patient{}",
                        self.other_sheets()
                    ),
                ));
            }
            return Err(self.no_header());
        };
        if self.entries == 0 {
            return Err(self.input_error(
                format!(
                    "{} has a header row ({}) but no patient rows below it",
                    self.where_(),
                    self.source.at(header.number)
                ),
                "add one row per patient under the column names".into(),
            ));
        }
        let mut ignored = std::mem::take(&mut self.ignored);
        ignored.extend(
            self.unheaded
                .iter()
                .map(|&col| (col, format!("column {} (no header)", column_name(col)))),
        );
        ignored.sort_by_key(|(c, _)| *c);
        let mut warnings = Vec::new();
        if !ignored.is_empty() {
            const SHOWN: usize = 12;
            let mut list = ignored
                .iter()
                .take(SHOWN)
                .map(|(_, label)| label.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if ignored.len() > SHOWN {
                list.push_str(&format!(" and {} more", ignored.len() - SHOWN));
            }
            let in_sheet = match &self.source.sheet {
                Some(sheet) => format!(" on sheet \"{}\"", safe_name(sheet)),
                None => String::new(),
            };
            warnings.push(format!(
                "{}: ignored {} column{}{in_sheet} that {}: {list}; if one should be read, rename its header (docs/intake.md lists the accepted names)",
                self.path.display(),
                ignored.len(),
                if ignored.len() == 1 { "" } else { "s" },
                if ignored.len() == 1 {
                    "is not an intake field"
                } else {
                    "are not intake fields"
                },
            ));
        }
        Ok(warnings)
    }

    fn input_error(&self, message: String, hint: String) -> Error {
        Error::Input {
            file: self.path.to_path_buf(),
            message,
            hint,
        }
    }

    /// "the sheet \"Intake\"" / "the file".
    fn where_(&self) -> String {
        match &self.source.sheet {
            Some(sheet) => format!("the sheet \"{}\"", safe_name(sheet)),
            None => "the file".to_string(),
        }
    }

    /// The end of a hint naming the workbook's other sheets, if it has any.
    fn other_sheets(&self) -> String {
        if self.source.all_sheets.len() > 1 {
            format!(
                "; or choose another sheet with --sheet (the workbook has: {})",
                sheet_list(&self.source.all_sheets)
            )
        } else {
            String::new()
        }
    }

    fn no_header(&self) -> Error {
        self.input_error(
            format!(
                "found no header row in {}: none of its first {HEADER_SEARCH_ROWS} filled rows names two or more intake fields",
                self.where_()
            ),
            format!(
                "put the column names (patient_name, date_of_birth, current_doctor, …) in one row above the patients; docs/intake.md lists the accepted names{}",
                self.other_sheets()
            ),
        )
    }

    fn out_of_order(&self, row: usize, last: usize) -> Error {
        self.input_error(
            format!(
                "the rows are stored out of order ({} comes after {} {last}), so the workbook is damaged or was written by a faulty program",
                self.source.at(row),
                self.source.unit
            ),
            "open it in Excel or LibreOffice and save a new copy, or save the sheet as CSV UTF-8"
                .into(),
        )
    }
}

/// Maps the header row to fields; refuses missing required and duplicate
/// columns. Returns the header and its ignored columns, as (column,
/// description).
fn read_header(
    path: &Path,
    source: &Source,
    row: &GridRow,
) -> Result<(Header, Vec<(usize, String)>), Error> {
    let mut columns: Vec<(usize, &'static FieldSpec)> = Vec::new();
    let mut labels: BTreeMap<usize, String> = BTreeMap::new();
    let mut ignored: Vec<(usize, String)> = Vec::new();
    for (col, value) in &row.cells {
        if value.is_blank() {
            continue;
        }
        match header_text(value) {
            Some(text) => {
                let label = format!("\"{}\" (column {})", safe_name(&text), column_name(*col));
                match fields::by_header(&text) {
                    Some(spec) => {
                        columns.push((*col, spec));
                        labels.insert(*col, label);
                    }
                    None => ignored.push((*col, label)),
                }
            }
            None => ignored.push((
                *col,
                format!("column {} (its header is not text)", column_name(*col)),
            )),
        }
    }
    let headed: Vec<usize> = row
        .cells
        .iter()
        .filter(|(_, v)| !v.is_blank())
        .map(|(c, _)| *c)
        .collect();

    let mut problems = Vec::new();
    let mut hints = Vec::new();
    for spec in fields::FIELDS {
        let same: Vec<&String> = columns
            .iter()
            .filter(|(_, s)| s.name == spec.name)
            .map(|(c, _)| &labels[c])
            .collect();
        if same.len() > 1 {
            problems.push(format!(
                "{} columns stand for {}: {}",
                same.len(),
                spec.name,
                join_and(&same)
            ));
        }
    }
    if !problems.is_empty() {
        hints.push("keep one column per field and delete or rename the others".to_string());
    }
    let missing: Vec<&str> = fields::FIELDS
        .iter()
        .filter(|f| f.required && !columns.iter().any(|(_, s)| s.name == f.name))
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "there is no column for the required field{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
        hints.push(format!(
            "add {} headed {} (docs/intake.md lists other accepted headers)",
            if missing.len() == 1 {
                "a column"
            } else {
                "columns"
            },
            missing.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Input {
            file: path.to_path_buf(),
            message: format!(
                "in the header row ({}), {}",
                source.at(row.number),
                problems.join("; ")
            ),
            hint: hints.join("; "),
        });
    }
    Ok((
        Header {
            number: row.number,
            fields: row.fields,
            columns,
            headed,
        },
        ignored,
    ))
}

fn join_and(items: &[&String]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).clone(),
        [init @ .., last] => format!(
            "{} and {last}",
            init.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A CSV line whose field count differs from the header's: fewer fields, or
/// more fields with something in them (Excel pads lines with empty fields).
fn ragged(header: &Header, row: &GridRow) -> Option<Problem> {
    let (Some(expected), Some(found)) = (header.fields, row.fields) else {
        return None;
    };
    let extra_filled = row
        .cells
        .iter()
        .any(|(c, v)| *c >= expected && !v.is_blank());
    if found < expected || extra_filled {
        Some(Problem::record(
            format!("has {found} fields but the header line has {expected}"),
            "check this line's quotes and separators: a value containing the separator or a line break must be in double quotes",
        ))
    } else {
        None
    }
}

// ----------------------------------------------------------- conversion

/// Converts one filled cell by its field's kind.
pub(super) fn convert(spec: &FieldSpec, value: &Value, is_1904: bool) -> Cell {
    match value {
        Value::Text(text) => text_cell(spec, text),
        Value::Int(i) => {
            if spec.kind == Kind::Date {
                serial_date(*i as f64, is_1904)
            } else if i.unsigned_abs() < 1_000_000_000_000_000 {
                Cell::Text(i.to_string())
            } else {
                Cell::Invalid(TOO_LONG)
            }
        }
        Value::Float(f) => number_cell(spec, *f, is_1904),
        Value::Bool(b) => Cell::Bool(*b),
        Value::DateTime(dt) => {
            if dt.is_duration() {
                Cell::Invalid("a length of time")
            } else {
                excel_date(*dt).map_or(Cell::Invalid("a date outside the calendar"), Cell::Date)
            }
        }
        Value::DateIso(text) => match iso_date(text) {
            Some(date) => Cell::Date(date),
            None => Cell::Invalid("a date and time in a form we cannot read"),
        },
        Value::Duration => Cell::Invalid("a length of time"),
        Value::Error(what) => Cell::Invalid(what),
        Value::UncachedFormula => Cell::Invalid(
            "a formula whose result was not saved (open the file in Excel or LibreOffice and save it again)",
        ),
    }
}

const TOO_LONG: &str =
    "a number too long to be stored exactly (format the column as Text and retype it)";

fn text_cell(spec: &FieldSpec, text: &str) -> Cell {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Cell::Empty;
    }
    if trimmed.starts_with('#') {
        let what = error_description(trimmed);
        if what != UNKNOWN_ERROR {
            return Cell::Invalid(what);
        }
    }
    if spec.kind == Kind::Code && is_scientific(trimmed) {
        return Cell::Invalid(
            "a number shortened to scientific notation such as 1.2E+15 (format the column as Text and retype it)",
        );
    }
    Cell::Text(text.to_string())
}

fn number_cell(spec: &FieldSpec, value: f64, is_1904: bool) -> Cell {
    if spec.kind == Kind::Date {
        return serial_date(value, is_1904);
    }
    if !value.is_finite() {
        return Cell::Invalid("a number that is not finite");
    }
    if value.fract() != 0.0 {
        return Cell::Invalid("a number with decimals");
    }
    if value.abs() >= 1e15 {
        return Cell::Invalid(TOO_LONG);
    }
    Cell::Text(format!("{}", value as i64))
}

/// The earliest year a plain number in a date column may stand for: lower
/// serials are small numbers (a typed year such as 1970 would be 1905).
const SERIAL_FIRST_YEAR: i32 = 1910;
/// The latest year a plain number in a date column may stand for.
const SERIAL_LAST_YEAR: i32 = 2200;
/// Excel's last serial date (9999-12-31) + 1.
const EXCEL_SERIAL_END: f64 = 2_958_466.0;

/// A plain number in a date column read as an Excel serial date, when it
/// falls in a sane range.
fn serial_date(value: f64, is_1904: bool) -> Cell {
    let date = (value.is_finite() && (1.0..EXCEL_SERIAL_END).contains(&value))
        .then(|| {
            excel_date(ExcelDateTime::new(
                value,
                ExcelDateTimeType::DateTime,
                is_1904,
            ))
        })
        .flatten()
        .filter(|d| (SERIAL_FIRST_YEAR..=SERIAL_LAST_YEAR).contains(&d.year()));
    match date {
        Some(date) => Cell::Date(date),
        None => Cell::Invalid("a plain number"),
    }
}

/// calamine's own conversion (both date systems, Excel's 1900 leap-year bug),
/// guarded against values chrono cannot hold.
fn excel_date(dt: ExcelDateTime) -> Option<NaiveDate> {
    let v = dt.as_f64();
    if !v.is_finite() || !(-1.0..EXCEL_SERIAL_END).contains(&v) {
        return None;
    }
    dt.as_datetime().map(|d| d.date())
}

/// The date part of an ISO date or date-time ("1970-02-03T00:00:00").
fn iso_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let date = text.get(..10)?;
    let rest = &text[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    crate::record::parse_date(date, super::TextDates::IsoOnly)
}

const UNKNOWN_ERROR: &str = "a spreadsheet error";

/// Words for a spreadsheet error code; the codes are Excel's, not data.
fn error_description(code: &str) -> &'static str {
    match code.to_ascii_uppercase().as_str() {
        "#N/A" => "a spreadsheet error (#N/A)",
        "#REF!" => "a spreadsheet error (#REF!)",
        "#DIV/0!" => "a spreadsheet error (#DIV/0!)",
        "#VALUE!" => "a spreadsheet error (#VALUE!)",
        "#NAME?" => "a spreadsheet error (#NAME?)",
        "#NUM!" => "a spreadsheet error (#NUM!)",
        "#NULL!" => "a spreadsheet error (#NULL!)",
        "#DATA!" | "#GETTING_DATA" => "a spreadsheet error (#GETTING_DATA)",
        "#SPILL!" => "a spreadsheet error (#SPILL!)",
        "#CALC!" => "a spreadsheet error (#CALC!)",
        _ => UNKNOWN_ERROR,
    }
}

/// `1.23457E+14`: how Excel shows (and exports to CSV) a long number.
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    !int.is_empty()
        && !exponent.is_empty()
        && [int, frac, exponent]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Format, InputFile, TextDates, detect};
    use std::path::PathBuf;

    pub(crate) fn fixture(name: &str) -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("tests/fixtures")
            .join(name)
    }

    fn read_opts(name: &str, options: &InputOptions) -> Result<InputFile, Error> {
        crate::input::read(&fixture(name), options)
    }

    fn read_ok(name: &str) -> InputFile {
        read_opts(name, &InputOptions::default()).expect(name)
    }

    fn read_err(name: &str) -> String {
        match read_opts(name, &InputOptions::default()) {
            Ok(_) => panic!("{name} should not be readable"),
            Err(e) => e.to_string(),
        }
    }

    fn records(file: &InputFile) -> Vec<&RawRecord> {
        file.entries
            .iter()
            .map(|e| e.as_ref().expect("a readable row"))
            .collect()
    }

    fn cell<'a>(rec: &'a RawRecord, field: &str) -> &'a Cell {
        let found: Vec<&Cell> = rec
            .cells
            .iter()
            .filter(|(n, _)| n == field)
            .map(|(_, c)| c)
            .collect();
        assert_eq!(found.len(), 1, "{field} in {:?}", rec.cells);
        found[0]
    }

    fn row_of(rec: &RawRecord) -> (Option<&str>, usize) {
        match &rec.origin.place {
            Place::Row { sheet, row } => (sheet.as_deref(), *row),
            other => panic!("not a row: {other:?}"),
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn date(y: i32, m: u32, d: u32) -> Cell {
        Cell::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn clean_workbook_reads_every_patient_with_typed_cells() {
        let file = read_ok("clean.xlsx");
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
        let recs = records(&file);
        assert_eq!(recs.len(), 5);
        let rows: Vec<_> = recs.iter().map(|r| row_of(r)).collect();
        assert_eq!(
            rows,
            (2..=6).map(|r| (Some("Patients"), r)).collect::<Vec<_>>()
        );
        let ana = recs[0];
        let names: Vec<&str> = ana.cells.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "patient_name",
                "date_of_birth",
                "current_doctor",
                "medical_record_number",
                "reasons",
                "my_questions",
                "patient_address",
                "appointment_date"
            ]
        );
        assert_eq!(cell(ana, "patient_name"), &text("Ana Example"));
        assert_eq!(cell(ana, "date_of_birth"), &date(1970, 2, 3));
        assert_eq!(cell(ana, "medical_record_number"), &text("00482913"));
        assert_eq!(
            cell(ana, "reasons"),
            &text("surgery_recommended; explore_options")
        );
        assert_eq!(
            cell(ana, "my_questions"),
            &text("Is surgery urgent?\nWhat if I wait?")
        );
        assert_eq!(cell(ana, "appointment_date"), &date(2026, 12, 10));
        assert_eq!(ana.text_dates, TextDates::MonthFirst);
        assert_eq!(cell(recs[1], "patient_address"), &Cell::Empty);
        assert_eq!(cell(recs[3], "patient_name"), &text("Đặng Văn Ví Dụ"));
    }

    #[test]
    fn format_is_found_by_content_and_lower_cased_extension() {
        assert_eq!(read_ok("PATIENTS.XLSX").entries.len(), 5);
        let file = read_ok("workbook_named.csv");
        assert_eq!(file.entries.len(), 5);
        assert!(file.warnings[0].contains("named .csv but is a workbook"));

        let file = read_ok("csv_named.xlsx");
        let recs = records(&file);
        assert_eq!(recs.len(), 1);
        assert_eq!(row_of(recs[0]), (None, 2));
        assert!(file.warnings[0].contains("holds CSV text"));

        let file = read_ok("json_named.xlsx");
        assert_eq!(records(&file)[0].origin.place, Place::Record(1));

        let err = read_err("not_really.xlsx");
        assert!(err.contains("named .xlsx but is not a workbook"), "{err}");
        assert!(err.contains("found no header row"), "{err}");
        assert!(!err.contains("renamed by mistake"), "{err}");
        let err = read_err("truncated.xlsx");
        assert!(err.contains("incomplete or damaged"), "{err}");
        let err = read_err("encrypted.xlsx");
        assert!(err.contains("password-protected"), "{err}");
        assert!(err.contains("save an unprotected copy"), "{err}");
    }

    #[test]
    fn detection_covers_every_signature() {
        let p = |n: &str| PathBuf::from(n);
        assert_eq!(
            detect(&p("a.xlsx"), &std::fs::read(fixture("clean.xlsx")).unwrap()).unwrap(),
            Format::Workbook(Workbook::Xlsx)
        );
        assert_eq!(
            detect(&p("a"), &std::fs::read(fixture("clean.xls")).unwrap()).unwrap(),
            Format::Workbook(Workbook::Xls)
        );
        assert_eq!(
            detect(&p("a.txt"), &std::fs::read(fixture("clean.ods")).unwrap()).unwrap(),
            Format::Workbook(Workbook::Ods)
        );
        assert_eq!(
            detect(&p("a.DAT"), b"\xEF\xBB\xBF \n [{}]").unwrap(),
            Format::Json
        );
        assert_eq!(detect(&p("a.json"), b"oops").unwrap(), Format::Json);
        // A CSV whose title row starts with a bracket is still a CSV; a .txt
        // holding JSON is JSON.
        assert_eq!(
            detect(&p("a.csv"), b"[Clinic export]\nname,dob\n").unwrap(),
            Format::Delimited
        );
        assert_eq!(detect(&p("a.txt"), b"[{}]").unwrap(), Format::Json);
        assert_eq!(detect(&p("a.TSV"), b"a\tb").unwrap(), Format::Delimited);
        assert_eq!(
            detect(&p("a.xls"), b"a,b\n").unwrap(),
            Format::TextNamedAsWorkbook
        );
        let err = detect(&p("a.pdf"), b"%PDF-1.7").unwrap_err().to_string();
        assert!(
            err.contains(".pdf cannot be read") && err.contains(".xlsx"),
            "{err}"
        );
        let err = detect(&p("a.xlsx"), b"\x00\x01\x02\xFF")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a workbook"), "{err}");
        let err = detect(&p("a.xls"), b"\n<html><table>")
            .unwrap_err()
            .to_string();
        assert!(err.contains("web page (HTML)"), "{err}");
        let err = detect(&p("a.csv"), b" \n\r\n").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");

        // ZIP contents decide between xlsx, xlsb, ods and other documents.
        let zip_with = |entries: &[(&str, &str)]| {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for (name, body) in entries {
                w.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(body.as_bytes()).unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        let xlsb = zip_with(&[("[Content_Types].xml", ""), ("xl/workbook.bin", "")]);
        assert_eq!(
            detect(&p("a.xlsx"), &xlsb).unwrap(),
            Format::Workbook(Workbook::Xlsb)
        );
        let err = read_with(
            &p("a.xlsb"),
            &xlsb,
            Workbook::Xlsb,
            &InputOptions::default(),
            Limits::DEFAULT,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("could not read the workbook (.xlsb)"), "{err}");
        let odt = zip_with(&[("mimetype", "application/vnd.oasis.opendocument.text")]);
        let err = detect(&p("a.ods"), &odt).unwrap_err().to_string();
        assert!(err.contains("not a spreadsheet"), "{err}");
        let docx = zip_with(&[("word/document.xml", "")]);
        let err = detect(&p("a.xlsx"), &docx).unwrap_err().to_string();
        assert!(err.contains("a Word document"), "{err}");
    }

    #[test]
    fn title_rows_aliases_numbers_and_unknown_columns() {
        let file = read_ok("title_rows.xlsx");
        let recs = records(&file);
        let rows: Vec<usize> = recs.iter().map(|r| row_of(r).1).collect();
        // Header in row 4; row 6 is blank, row 9 white space only, row 10 has
        // data only in an ignored column.
        assert_eq!(rows, [5, 7, 8, 11]);
        let names: Vec<&str> = recs[0].cells.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "patient_name",
                "date_of_birth",
                "medical_record_number",
                "member_id",
                "current_doctor",
                "patient_phone"
            ]
        );
        let (ana, ben, cy, dee) = (recs[0], recs[1], recs[2], recs[3]);
        assert_eq!(cell(ana, "medical_record_number"), &text("482913"));
        assert_eq!(cell(ana, "member_id"), &text("123456789012345"));
        assert_eq!(cell(ana, "patient_phone"), &text("2175550142"));
        assert_eq!(cell(ana, "date_of_birth"), &date(1970, 2, 3));
        assert_eq!(cell(ben, "medical_record_number"), &text("00482914"));
        assert_eq!(cell(ben, "member_id"), &Cell::Invalid(TOO_LONG));
        assert_eq!(cell(cy, "date_of_birth"), &text("04/09/1968"));
        assert_eq!(
            cell(cy, "medical_record_number"),
            &Cell::Invalid("a number with decimals")
        );
        assert_eq!(cell(cy, "member_id"), &text("99887766"));
        assert_eq!(cell(dee, "medical_record_number"), &Cell::Empty);

        assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
        let w = &file.warnings[0];
        assert!(
            w.contains(
                "ignored 3 columns on sheet \"Intake\" that are not intake fields: \"Favourite colour\" (column G), column I (no header), \"Notes\" (column J)"
            ),
            "{w}"
        );
        for value in ["teal", "stray", "mornings", "footnote", "Ana"] {
            assert!(!w.contains(value), "{w}");
        }
    }

    #[test]
    fn dates_in_a_1900_workbook() {
        let file = read_ok("dates.xlsx");
        let recs = records(&file);
        let dob: Vec<&Cell> = recs.iter().map(|r| cell(r, "date_of_birth")).collect();
        assert_eq!(
            dob,
            [
                &date(1968, 4, 9),
                &date(1968, 4, 9),
                &text("04/09/1968"),
                &text("31/31/1999"),
                &Cell::Invalid("a plain number"),
                &text("1968-04-09"),
                &Cell::Invalid("a plain number"),
            ]
        );
        assert_eq!(cell(recs[0], "appointment_date"), &date(2026, 12, 10));
        let rows: Vec<usize> = recs.iter().map(|r| row_of(r).1).collect();
        assert_eq!(rows, [2, 3, 4, 5, 6, 7, 8]);

        let options = InputOptions {
            sheet_dates: TextDates::DayFirst,
            ..InputOptions::default()
        };
        let file = read_opts("dates.xlsx", &options).unwrap();
        assert!(
            records(&file)
                .iter()
                .all(|r| r.text_dates == TextDates::DayFirst)
        );
    }

    #[test]
    fn dates_in_a_1904_workbook() {
        let file = read_ok("dates_1904.xlsx");
        let recs = records(&file);
        assert_eq!(cell(recs[0], "date_of_birth"), &date(1968, 4, 9));
        assert_eq!(cell(recs[1], "date_of_birth"), &date(1968, 4, 9));
    }

    #[test]
    fn missing_and_duplicate_columns_stop_the_file() {
        let err = read_err("missing_columns.xlsx");
        assert!(
            err.contains(
                "in the header row (sheet \"Sheet1\", row 2), there is no column for the required fields date_of_birth, current_doctor"
            ),
            "{err}"
        );
        assert!(!err.contains("Ana"), "{err}");
        let err = read_err("duplicate_columns.xlsx");
        assert!(
            err.contains(
                "(sheet \"Sheet1\", row 1), 2 columns stand for date_of_birth: \"DOB\" (column B) and \"Date of Birth\" (column D)"
            ),
            "{err}"
        );
    }

    #[test]
    fn sheets_are_chosen_by_visibility_or_name() {
        let first = |opts: &InputOptions| {
            let file = read_opts("hidden_first.xlsx", opts).unwrap();
            let rec = records(&file)[0].clone();
            (
                row_of(&rec).0.map(str::to_string),
                cell(&rec, "patient_name").clone(),
            )
        };
        let named = |name: &str| InputOptions {
            sheet: Some(name.into()),
            ..InputOptions::default()
        };
        assert_eq!(
            first(&InputOptions::default()),
            (Some("Intake".into()), text("Visible Example"))
        );
        assert_eq!(
            first(&named("Old")),
            (Some("Old".into()), text("Old Example"))
        );
        assert_eq!(
            first(&named(" intake ")),
            (Some("Intake".into()), text("Visible Example"))
        );
        let err = read_opts("hidden_first.xlsx", &named("Nope"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no sheet named \"Nope\""), "{err}");
        assert!(err.contains("\"Old\", \"Intake\", \"Spare\""), "{err}");
        let err = read_opts("hidden_first.xlsx", &named("Spare"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("found no header row in the sheet \"Spare\""),
            "{err}"
        );
        assert!(err.contains("--sheet"), "{err}");
    }

    #[test]
    fn error_cells_formulas_and_booleans() {
        let file = read_ok("errors.xlsx");
        let recs = records(&file);
        assert_eq!(
            cell(recs[0], "date_of_birth"),
            &Cell::Invalid("a spreadsheet error (#N/A)")
        );
        assert_eq!(
            cell(recs[0], "medical_record_number"),
            &Cell::Invalid("a spreadsheet error (#REF!)")
        );
        assert_eq!(
            cell(recs[0], "diagnosis"),
            &Cell::Invalid("a spreadsheet error (#DIV/0!)")
        );
        assert!(matches!(
            cell(recs[1], "date_of_birth"),
            Cell::Invalid(w) if w.starts_with("a formula whose result was not saved")
        ));
        assert_eq!(cell(recs[1], "medical_record_number"), &text("00123"));
        assert_eq!(cell(recs[1], "diagnosis"), &Cell::Bool(true));
        assert_eq!(cell(recs[2], "date_of_birth"), &date(1970, 1, 2));
        assert_eq!(
            cell(recs[2], "medical_record_number"),
            &Cell::Invalid("a spreadsheet error (#N/A)")
        );
        // The record stage names row and column, and never prints "#N/A" as data.
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (origin, problems) = crate::record::from_raw(recs[0].clone(), today).unwrap_err();
        assert_eq!(
            origin.to_string(),
            format!(
                "{}, sheet \"Errors\", row 2",
                fixture("errors.xlsx").display()
            )
        );
        assert!(
            problems
                .iter()
                .any(|p| p.field.as_deref() == Some("date_of_birth"))
        );
    }

    #[test]
    fn huge_declared_dimensions_cost_nothing() {
        let file = read_ok("huge_dimensions.xlsx");
        let rows: Vec<usize> = records(&file).iter().map(|r| row_of(r).1).collect();
        assert_eq!(rows, [2, 3]);
    }

    #[test]
    fn caps_on_columns_rows_and_cells() {
        let err = read_err("wide.xlsx");
        assert!(
            err.contains("there is data in column ALM (row 1), beyond the 1000 columns"),
            "{err}"
        );
        let bytes = std::fs::read(fixture("clean.xlsx")).unwrap();
        let read = |limits| {
            read_with(
                Path::new("clean.xlsx"),
                &bytes,
                Workbook::Xlsx,
                &InputOptions::default(),
                limits,
            )
        };
        let err = read(Limits {
            rows: 4,
            ..Limits::DEFAULT
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("more than 4 rows of patients"), "{err}");
        assert!(
            read(Limits {
                rows: 5,
                ..Limits::DEFAULT
            })
            .is_ok()
        );
        let err = read(Limits {
            cells: 10,
            ..Limits::DEFAULT
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("more than 10 filled cells"), "{err}");
    }

    #[test]
    fn old_excel_and_libreoffice_workbooks() {
        let file = read_ok("clean.xls");
        let recs = records(&file);
        assert_eq!(
            recs.iter().map(|r| row_of(r)).collect::<Vec<_>>(),
            [(Some("Patients"), 4), (Some("Patients"), 5)]
        );
        assert_eq!(cell(recs[0], "date_of_birth"), &date(1970, 2, 3));
        assert_eq!(cell(recs[0], "medical_record_number"), &text("482913"));
        assert_eq!(cell(recs[0], "appointment_date"), &date(2026, 12, 10));
        assert_eq!(cell(recs[1], "date_of_birth"), &text("11/30/1985"));
        assert_eq!(cell(recs[1], "medical_record_number"), &text("00123"));

        // The ODS ends in a million repeated empty rows, as LibreOffice writes.
        let file = read_ok("clean.ods");
        let recs = records(&file);
        assert_eq!(
            recs.iter().map(|r| row_of(r)).collect::<Vec<_>>(),
            [(Some("Patients"), 3), (Some("Patients"), 4)]
        );
        assert_eq!(cell(recs[0], "date_of_birth"), &date(1970, 2, 3));
        assert_eq!(cell(recs[0], "medical_record_number"), &text("482913"));
        assert_eq!(cell(recs[0], "appointment_date"), &date(2026, 12, 10));
        assert_eq!(cell(recs[1], "date_of_birth"), &text("11/30/1985"));
        assert_eq!(cell(recs[1], "appointment_date"), &Cell::Empty);
    }

    #[test]
    fn samples_and_the_starter_spreadsheet_are_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let samples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("samples");
        for name in ["patients.xlsx", "patients.csv"] {
            let file = crate::input::read(&samples.join(name), &InputOptions::default()).unwrap();
            assert!(file.warnings.is_empty(), "{name}: {:?}", file.warnings);
            assert_eq!(file.entries.len(), 12, "{name}");
            for entry in file.entries {
                let raw = entry.unwrap();
                assert_eq!(raw.cells.len(), fields::FIELDS.len());
                if let Err((origin, problems)) = crate::record::from_raw(raw, today) {
                    panic!("{origin}: {problems:?}");
                }
            }
        }
        // The starter spreadsheet `init --spreadsheet` writes is checked in
        // the command line's src/starter.rs, where it is made.
    }

    #[test]
    fn conversions_by_field_kind() {
        let spec = |name| fields::by_name(name).unwrap();
        let mrn = spec("medical_record_number");
        let dob = spec("date_of_birth");
        let name = spec("patient_name");
        assert_eq!(convert(mrn, &Value::Int(-42), false), text("-42"));
        assert_eq!(
            convert(mrn, &Value::Int(999_999_999_999_999), false),
            text("999999999999999")
        );
        assert_eq!(
            convert(mrn, &Value::Int(1_000_000_000_000_000), false),
            Cell::Invalid(TOO_LONG)
        );
        assert_eq!(
            convert(mrn, &Value::Float(1e15), false),
            Cell::Invalid(TOO_LONG)
        );
        assert_eq!(convert(mrn, &Value::Float(7.0), false), text("7"));
        assert!(matches!(
            convert(mrn, &Value::Float(f64::NAN), false),
            Cell::Invalid(_)
        ));
        assert!(matches!(
            convert(mrn, &Value::Text(" 1.23457E+14 ".into()), false),
            Cell::Invalid(w) if w.contains("scientific")
        ));
        // Only record-number columns treat "1E5" as a mangled number.
        assert_eq!(
            convert(name, &Value::Text("1E5".into()), false),
            text("1E5")
        );
        assert_eq!(
            convert(name, &Value::Text("#n/a".into()), false),
            Cell::Invalid("a spreadsheet error (#N/A)")
        );
        assert_eq!(
            convert(name, &Value::Text("#1 priority".into()), false),
            text("#1 priority")
        );
        assert_eq!(
            convert(name, &Value::Text(" \t".into()), false),
            Cell::Empty
        );
        // Serial dates: the sane range only, in both date systems.
        assert_eq!(
            convert(dob, &Value::Float(25303.0), false),
            date(1969, 4, 10)
        );
        assert_eq!(convert(dob, &Value::Int(23841), true), date(1969, 4, 10));
        assert_eq!(
            convert(dob, &Value::Float(25303.75), false),
            date(1969, 4, 10)
        );
        for bad in [0.0, -5.0, 1970.0, 1e300, f64::INFINITY, f64::NAN, 120_000.0] {
            assert_eq!(
                convert(dob, &Value::Float(bad), false),
                Cell::Invalid("a plain number"),
                "{bad}"
            );
        }
        let huge = ExcelDateTime::new(1e300, ExcelDateTimeType::DateTime, false);
        assert!(matches!(
            convert(dob, &Value::DateTime(huge), false),
            Cell::Invalid(_)
        ));
        let span = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(
            convert(dob, &Value::DateTime(span), false),
            Cell::Invalid("a length of time")
        );
        assert_eq!(
            convert(dob, &Value::DateIso("1970-02-03T00:00:00".into()), false),
            date(1970, 2, 3)
        );
        assert!(matches!(
            convert(dob, &Value::DateIso("1970-02-30".into()), false),
            Cell::Invalid(_)
        ));
    }

    #[test]
    fn column_names() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702, 16383]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(
            names,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]
        );
    }

    /// Reads a workbook's bytes entry by entry under `limits`: the row numbers
    /// handed over, and the result.
    fn stream_rows(bytes: &[u8], limits: Limits) -> (Vec<usize>, Result<Vec<String>, Error>) {
        let mut rows = Vec::new();
        let result = read_each_with(
            Path::new("t.xlsx"),
            bytes,
            Workbook::Xlsx,
            &InputOptions::default(),
            limits,
            &mut |entry| rows.push(row_of(&entry.expect("a readable row")).1),
        );
        (rows, result)
    }

    #[test]
    fn rows_are_handed_over_before_the_sheet_is_read_to_its_end() {
        let bytes = std::fs::read(fixture("clean.xlsx")).unwrap();
        // The error is found at row 5, when rows 2 to 4 are already out.
        let (rows, result) = stream_rows(
            &bytes,
            Limits {
                rows: 3,
                ..Limits::DEFAULT
            },
        );
        assert_eq!(rows, [2, 3, 4]);
        let err = result.unwrap_err().to_string();
        assert!(err.contains("more than 3 rows of patients"), "{err}");
        // The cell cap counts as cells arrive: 8 columns a row, so the 21st
        // cell is in row 3, after row 2 was handed over.
        let (rows, result) = stream_rows(
            &bytes,
            Limits {
                cells: 20,
                ..Limits::DEFAULT
            },
        );
        assert_eq!(rows, [2]);
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("more than 20 filled cells")
        );
        let (rows, result) = stream_rows(&bytes, Limits::DEFAULT);
        assert_eq!(rows, [2, 3, 4, 5, 6]);
        assert!(result.unwrap().is_empty());
    }

    /// A minimal .xlsx whose sheet holds `rows`, each (row number, texts).
    fn xlsx_with_rows(rows: &[(usize, [&str; 3])]) -> Vec<u8> {
        use std::io::Write;
        let mut sheet = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for (number, texts) in rows {
            sheet.push_str(&format!(r#"<row r="{number}">"#));
            for (col, text) in ["A", "B", "C"].iter().zip(texts) {
                sheet.push_str(&format!(
                    r#"<c r="{col}{number}" t="inlineStr"><is><t>{text}</t></is></c>"#
                ));
            }
            sheet.push_str("</row>");
        }
        sheet.push_str("</sheetData></worksheet>");
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
            ),
            ("xl/worksheets/sheet1.xml", sheet),
        ];
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in parts {
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn rows_stored_out_of_order_are_refused_not_sorted() {
        let header = (1, ["Name", "DOB", "Doctor"]);
        let (a, b) = ((2, ["A", "x", "y"]), (3, ["B", "x", "y"]));
        let (rows, result) = stream_rows(&xlsx_with_rows(&[header, a, b]), Limits::DEFAULT);
        assert_eq!(rows, [2, 3]);
        result.unwrap();
        let (rows, result) = stream_rows(&xlsx_with_rows(&[header, b, a]), Limits::DEFAULT);
        assert!(rows.is_empty(), "{rows:?}");
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("the rows are stored out of order (sheet \"S\", row 2 comes after row 3)"),
            "{err}"
        );
        assert!(err.contains("save a new copy"), "{err}");
        // The same row twice, apart: also out of order.
        let (rows, result) = stream_rows(&xlsx_with_rows(&[header, a, b, a]), Limits::DEFAULT);
        assert_eq!(rows, [2]);
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("row 2 comes after row 3")
        );
    }

    #[test]
    fn a_panic_in_the_sink_is_not_a_damaged_workbook() {
        let bytes = std::fs::read(fixture("clean.xlsx")).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            read_each(
                Path::new("t.xlsx"),
                &bytes,
                Workbook::Xlsx,
                &InputOptions::default(),
                &mut |_| panic!("the caller's own bug"),
            )
        });
        let payload = outcome.expect_err("the panic goes on unwinding");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"the caller's own bug")
        );
    }

    /// Found by `cargo fuzz run workbook`: a damaged .xls on which calamine's
    /// compound-file reader panics (a slice index past the end of a sector).
    /// The panic is caught and reported as a damaged workbook.
    #[test]
    fn a_reader_panic_is_a_damaged_workbook() {
        let err = read_err("fuzz/xls_calamine_panic.xls");
        assert!(
            err.contains("could not read the workbook (.xls); it may be damaged"),
            "{err}"
        );
        assert!(err.contains("save a new copy"), "{err}");
    }
}
