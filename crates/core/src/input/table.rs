//! The table engine that workbooks ([`super::workbook`]) and CSV
//! ([`super::delimited`]) share: filled cells arrive in row order, the caps on
//! columns, rows and cells are checked as they arrive, the header row is
//! found among the first filled rows (title rows above it are skipped) and
//! mapped to intake fields, and every later row becomes a [`RawRecord`] as
//! soon as it is complete. Only one row is held at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use calamine::ExcelDateTime;

use super::convert::convert;
use super::{Cell, Entry, FileWarning, InputOptions, Origin, Place, RawRecord, TextDates};
use crate::error::{Code, Column, Error, Problem};
use crate::intake::fields::{self, FieldSpec};
use crate::intake::{Sheet, looks_like_a_field_name, looks_like_a_sheet_name, safe_name};

/// Most patient rows read from one sheet or CSV file.
pub(super) const MAX_DATA_ROWS: usize = 100_000;
/// Most columns an intake table may use; data further right is refused.
pub(super) const MAX_COLUMNS: usize = 1_000;
/// Most filled cells read from one sheet, whatever their layout.
pub(super) const MAX_CELLS: usize = 5_000_000;
/// How many filled rows from the top are searched for the header row.
pub(super) const HEADER_SEARCH_ROWS: usize = 20;

/// Caps on what one table may hold (tests lower them).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub rows: usize,
    pub columns: usize,
    pub cells: usize,
}

impl Limits {
    pub(super) const DEFAULT: Limits = Limits {
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
    /// Text longer than [`super::MAX_CELL_BYTES`], dropped as it arrived.
    TooLong,
}

impl Value {
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
    pub sheet: Option<Sheet>,
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
            Some(sheet) => format!("{}, {} {number}", sheet.label(), self.unit),
            None => format!("{} {number}", self.unit),
        }
    }
}

fn too_many_rows(path: &Path, limits: Limits) -> Error {
    Error::input(
        Code::TooManyPatients,
        path,
        format!("the table has more than {} rows of patients", limits.rows),
        format!(
            "split it into several files of at most {} patients",
            limits.rows
        ),
    )
    .with("max", limits.rows)
}

/// The spreadsheet column name of a 0-based column: A, B, …, Z, AA, …
pub(super) fn column_name(col: usize) -> String {
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

/// A workbook's sheets for a hint: the first few, then how many more. Some
/// clinics keep one tab per patient, so the list never runs on, and a name
/// that may be data is given as the sheet's number (see [`Sheet::label`]).
pub(super) fn sheet_list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut list = names
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, name)| {
            if looks_like_a_sheet_name(name) {
                format!("\"{}\"", safe_name(name))
            } else {
                format!("sheet {}", i + 1)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    list
}

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
    /// The mapped columns' letters and headers, shared by every row's
    /// record so that its problems can name their column.
    sources: std::sync::Arc<[Column]>,
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
    /// Columns of the header row not read.
    ignored: Vec<Ignored>,
    /// Columns with data below the header but no header.
    unheaded: BTreeSet<usize>,
    /// Entries handed to the sink.
    entries: usize,
}

impl<'a> Table<'a> {
    /// A table from `source`, handing entries to `sink`.
    pub(super) fn new(
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
    pub(super) fn push(&mut self, row: usize, col: usize, value: Value) -> Result<(), Error> {
        let value = match value {
            Value::Text(t) if t.len() > super::MAX_CELL_BYTES => Value::TooLong,
            other => other,
        };
        if col >= self.limits.columns {
            return Err(Error::input(
                Code::TooManyColumns,
                self.path,
                format!(
                    "there is data in column {} ({} {row}), beyond the {} columns an intake table may use",
                    column_name(col),
                    self.source.unit,
                    self.limits.columns
                ),
                "delete the columns to the right of the intake table, or copy the table alone into a new file",
            )
            .with("column", column_name(col))
            .with("row", row)
            .with("max", self.limits.columns));
        }
        self.cells += 1;
        if self.cells > self.limits.cells {
            return Err(Error::input(
                Code::TooManyCells,
                self.path,
                format!(
                    "the table holds more than {} filled cells, more than an intake file should",
                    self.limits.cells
                ),
                "split it into several smaller files",
            )
            .with("max", self.limits.cells));
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
    pub(super) fn set_fields(&mut self, fields: usize) {
        if let Some(row) = &mut self.row {
            row.fields = Some(fields);
        }
    }

    /// Completes the row being filled: it is searched for the header, or
    /// becomes an entry.
    pub(super) fn end_row(&mut self) -> Result<(), Error> {
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
                columns: header.sources.clone(),
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
    pub(super) fn finish(mut self) -> Result<Vec<FileWarning>, Error> {
        self.end_row()?;
        let Some(header) = &self.header else {
            if self.searched == 0 {
                return Err(self
                    .input_error(
                        Code::TableEmpty,
                        format!("{} is empty", self.where_()),
                        format!(
                            "fill in one row of column names and one row per patient{}",
                            self.other_sheets()
                        ),
                    )
                    .with("sheets", self.source.all_sheets.len()));
            }
            return Err(self.no_header());
        };
        if self.entries == 0 {
            return Err(self
                .input_error(
                    Code::NoPatientRows,
                    format!(
                        "{} has a header row ({}) but no patient rows below it",
                        self.where_(),
                        self.source.at(header.number)
                    ),
                    "add one row per patient under the column names".into(),
                )
                .with("row", header.number));
        }
        let mut ignored = std::mem::take(&mut self.ignored);
        ignored.extend(self.unheaded.iter().map(|&col| Ignored {
            col,
            label: format!("column {} (no header)", column_name(col)),
            name: None,
        }));
        ignored.sort_by_key(|i| i.col);
        let mut warnings = Vec::new();
        if !ignored.is_empty() {
            const SHOWN: usize = 12;
            let mut list = ignored
                .iter()
                .take(SHOWN)
                .map(|i| i.label.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if ignored.len() > SHOWN {
                list.push_str(&format!(" and {} more", ignored.len() - SHOWN));
            }
            let in_sheet = match &self.source.sheet {
                Some(sheet) => format!(" on {}", sheet.label()),
                None => String::new(),
            };
            let text = format!(
                "{}: ignored {} column{}{in_sheet} that {}: {list}; if one should be read, rename its header (docs/intake.md lists the accepted names)",
                self.path.display(),
                ignored.len(),
                if ignored.len() == 1 { "" } else { "s" },
                if ignored.len() == 1 {
                    "is not an intake field"
                } else {
                    "are not intake fields"
                },
            );
            let shown = || ignored.iter().take(SHOWN);
            warnings.push(
                FileWarning::new(Code::IgnoredColumns, text)
                    .with("count", ignored.len())
                    .with(
                        "columns",
                        shown().map(|i| column_name(i.col)).collect::<Vec<_>>(),
                    )
                    .with(
                        "names",
                        shown().filter_map(|i| i.name.clone()).collect::<Vec<_>>(),
                    ),
            );
        }
        Ok(warnings)
    }

    fn input_error(&self, code: Code, message: String, hint: String) -> Error {
        Error::input(code, self.path, message, hint)
    }

    /// "the sheet \"Intake\"" / "the file".
    fn where_(&self) -> String {
        match &self.source.sheet {
            Some(sheet) => format!("the {}", sheet.label()),
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
            Code::NoHeaderRow,
            format!(
                "found no header row in {}: none of its first {HEADER_SEARCH_ROWS} filled rows names two or more intake fields",
                self.where_()
            ),
            format!(
                "put the column names (patient_name, date_of_birth, current_doctor, …) in one row above the patients; docs/intake.md lists the accepted names{}",
                self.other_sheets()
            ),
        )
        .with("rows", HEADER_SEARCH_ROWS)
        .with("sheets", self.source.all_sheets.len())
    }

    fn out_of_order(&self, row: usize, last: usize) -> Error {
        self.input_error(
            Code::RowsOutOfOrder,
            format!(
                "the rows are stored out of order ({} comes after {} {last}), so the workbook is damaged or was written by a faulty program",
                self.source.at(row),
                self.source.unit
            ),
            "open it in Excel or LibreOffice and save a new copy, or save the sheet as CSV UTF-8"
                .into(),
        )
        .with("row", row)
        .with("after", last)
    }
}

/// A column of the header row that is not read.
#[derive(Debug)]
struct Ignored {
    col: usize,
    /// How the command line describes it.
    label: String,
    /// Its header, when it may be printed (it looks like a field name).
    name: Option<String>,
}

/// Maps the header row to fields; refuses missing required and duplicate
/// columns. Returns the header and its ignored columns.
fn read_header(
    path: &Path,
    source: &Source,
    row: &GridRow,
) -> Result<(Header, Vec<Ignored>), Error> {
    let mut columns: Vec<(usize, &'static FieldSpec)> = Vec::new();
    let mut sources: Vec<Column> = Vec::new();
    let mut labels: BTreeMap<usize, String> = BTreeMap::new();
    let mut ignored: Vec<Ignored> = Vec::new();
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
                        sources.push(Column {
                            field: spec.name,
                            letter: column_name(*col),
                            header: safe_name(&text),
                        });
                    }
                    // A header cell that is no field may be data (a patient's
                    // name typed above the table): the same rule as unknown
                    // JSON keys decides whether it is printed or described.
                    None if looks_like_a_field_name(&text) => ignored.push(Ignored {
                        col: *col,
                        label,
                        name: Some(safe_name(&text)),
                    }),
                    None => ignored.push(Ignored {
                        col: *col,
                        label: format!(
                            "column {} (its header does not look like a field name)",
                            column_name(*col)
                        ),
                        name: None,
                    }),
                }
            }
            None => ignored.push(Ignored {
                col: *col,
                label: format!("column {} (its header is not text)", column_name(*col)),
                name: None,
            }),
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
    // For the page: the fields with two columns, and those columns' letters.
    let mut duplicated: Vec<String> = Vec::new();
    let mut duplicate_columns: Vec<String> = Vec::new();
    for spec in fields::FIELDS {
        let same: Vec<(usize, &String)> = columns
            .iter()
            .filter(|(_, s)| s.name == spec.name)
            .map(|(c, _)| (*c, &labels[c]))
            .collect();
        if same.len() > 1 {
            let named: Vec<&String> = same.iter().map(|(_, label)| *label).collect();
            problems.push(format!(
                "{} columns stand for {}: {}",
                same.len(),
                spec.name,
                join_and(&named)
            ));
            duplicated.push(spec.name.to_string());
            duplicate_columns.extend(same.iter().map(|(c, _)| column_name(*c)));
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
        // One code for the page: the missing columns when there are any
        // (the duplicates then as a parameter), else the duplicates.
        let code = if missing.is_empty() {
            Code::DuplicateColumns
        } else {
            Code::MissingColumns
        };
        let error = Error::input(
            code,
            path,
            format!(
                "in the header row ({}), {}",
                source.at(row.number),
                problems.join("; ")
            ),
            hints.join("; "),
        )
        .with("row", row.number);
        return Err(if missing.is_empty() {
            error
                .with("fields", duplicated)
                .with("columns", duplicate_columns)
        } else {
            let missing: Vec<String> = missing.iter().map(|f| f.to_string()).collect();
            error.with("fields", missing).with("duplicated", duplicated)
        });
    }
    Ok((
        Header {
            number: row.number,
            fields: row.fields,
            columns,
            headed,
            sources: sources.into(),
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
            Code::RaggedLine,
            format!("has {found} fields but the header line has {expected}"),
            "check this line's quotes and separators: a value containing the separator or a line break must be in double quotes",
        )
        .with("found", found)
        .with("expected", expected))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
