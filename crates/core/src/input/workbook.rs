//! Workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine.
//!
//! A sheet is read as a stream of filled cells in row order — never
//! calamine's dense range for xlsx/xlsb, whose declared size can be the whole
//! 16,384 × 1,048,576 grid — into a [`Table`], which applies the table rules
//! CSV shares. Only one row is held at a time (.xls and .ods excepted:
//! calamine unpacks those whole).
//!
//! calamine is shielded with `catch_unwind`, and its error texts (which can
//! quote cell contents) are never shown.

use std::io::{Cursor, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;

use calamine::{
    Data, DataRef, Ods, OdsError, Reader, SheetType, SheetVisible, Xls, XlsError, Xlsb, XlsbError,
    Xlsx, XlsxError,
};

use super::convert::error_description;
use super::detect::password_protected;
use super::table::{Limits, Source, Table, Value, sheet_list};
use super::{Entry, FileWarning, InputOptions};
use crate::error::{Code, Error};
use crate::intake::{Sheet, safe_name};

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
}

fn damaged(path: &Path, format: Workbook) -> Error {
    Error::input(
        Code::WorkbookDamaged,
        path,
        format!(
            "could not read the workbook (.{}); it may be damaged",
            format.extension()
        ),
        "open it in Excel or LibreOffice and save a new copy, or save the sheet as CSV UTF-8",
    )
    .with("format", format.extension())
}

// -------------------------------------------------------------- reading

/// Reads a workbook of a known format, handing each entry to `sink` as soon
/// as its row is complete; returns the file's warnings.
pub(super) fn read_each(
    path: &Path,
    bytes: &[u8],
    format: Workbook,
    options: &InputOptions,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<FileWarning>, Error> {
    read_each_with(path, bytes, format, options, Limits::DEFAULT, sink)
}

#[cfg(test)]
pub(super) fn read_with(
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
) -> Result<Vec<FileWarning>, Error> {
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
) -> Result<Vec<FileWarning>, Error> {
    let cursor = Cursor::new(bytes);
    let fail = |password: bool| {
        if password {
            password_protected(path)
        } else {
            damaged(path, format)
        }
    };
    let source = |sheet: &Sheet, all_sheets: Vec<String>, is_1904: bool| Source {
        sheet: Some(sheet.clone()),
        all_sheets,
        unit: "row",
        is_1904,
    };
    match format {
        Workbook::Xlsx => {
            let mut book: Xlsx<_> =
                Xlsx::new(cursor).map_err(|e| fail(matches!(e, XlsxError::Password)))?;
            let (sheet, all) = choose_sheet(path, &book, options)?;
            let is_1904 = book.has_1904_epoch();
            let mut cells = match book.worksheet_cells_reader(&sheet.name) {
                Ok(cells) => cells,
                Err(XlsxError::NotAWorksheet(_)) => return Err(not_a_table(path, &sheet)),
                Err(e) => return Err(fail(matches!(e, XlsxError::Password))),
            };
            let mut table = Table::new(path, source(&sheet, all, is_1904), options, limits, sink);
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
            let (sheet, all) = choose_sheet(path, &book, options)?;
            let is_1904 = book.has_1904_epoch();
            let mut cells = book
                .worksheet_cells_reader(&sheet.name)
                .map_err(|e| fail(matches!(e, XlsbError::Password)))?;
            let mut table = Table::new(path, source(&sheet, all, is_1904), options, limits, sink);
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
            let (sheet, all) = choose_sheet(path, &book, options)?;
            let is_1904 = book.has_1904_epoch();
            let range = book
                .worksheet_range(&sheet.name)
                .map_err(|e| fail(matches!(e, XlsError::Password)))?;
            let mut table = Table::new(path, source(&sheet, all, is_1904), options, limits, sink);
            push_range(&mut table, &range)?;
            table.finish()
        }
        Workbook::Ods => {
            if ods_grid(bytes) > limits.cells as u64 {
                return Err(Error::input(
                    Code::CellsRepeated,
                    path,
                    format!(
                        "the spreadsheet repeats its cells to more than {} cells, more than an intake file should hold",
                        limits.cells
                    ),
                    "delete the rows and columns beyond the intake table, or copy the table alone into a new file",
                )
                .with("max", limits.cells));
            }
            let mut book: Ods<_> =
                Ods::new(cursor).map_err(|e| fail(matches!(e, OdsError::Password)))?;
            let (sheet, all) = choose_sheet(path, &book, options)?;
            let range = book
                .worksheet_range(&sheet.name)
                .map_err(|e| fail(matches!(e, OdsError::Password)))?;
            let mut table = Table::new(path, source(&sheet, all, false), options, limits, sink);
            push_range(&mut table, &range)?;
            table.finish()
        }
    }
}

/// The grid calamine would expand an ODS file's content to (see
/// `ods_check`); a file without readable content is left to calamine.
fn ods_grid(bytes: &[u8]) -> u64 {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return 0;
    };
    match archive.by_name("content.xml") {
        Ok(content) => super::ods_check::largest_grid(content),
        Err(_) => 0,
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

/// Picks the sheet to read: the one named with `--sheet` (exact name, else
/// ignoring case, else its position: `--sheet 3`, as messages name a sheet
/// whose name may be data), or the first visible worksheet.
fn choose_sheet<RS: Read + Seek, R: Reader<RS>>(
    path: &Path,
    book: &R,
    options: &InputOptions,
) -> Result<(Sheet, Vec<String>), Error> {
    let sheets = book.sheets_metadata();
    let all: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let listed = || sheet_list(&all);
    let chosen = |index: usize| Sheet {
        number: index + 1,
        name: sheets[index].name.clone(),
    };
    if let Some(wanted) = &options.sheet {
        let found = sheets
            .iter()
            .position(|s| s.name == *wanted)
            .or_else(|| {
                let mut matches = sheets
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.name.trim().to_lowercase() == wanted.trim().to_lowercase());
                match (matches.next(), matches.next()) {
                    (Some((one, _)), None) => Some(one),
                    _ => None,
                }
            })
            .or_else(|| {
                let number: usize = wanted.trim().parse().ok()?;
                (1..=sheets.len()).contains(&number).then(|| number - 1)
            });
        return match found {
            Some(index) => Ok((chosen(index), all)),
            None => Err(Error::input(
                Code::NoSuchSheet,
                path,
                format!("the workbook has no sheet named \"{}\"", safe_name(wanted)),
                format!(
                    "choose one of its sheets with --sheet, by name or number: {}",
                    listed()
                ),
            )
            .with("sheets", all.len())),
        };
    }
    match sheets
        .iter()
        .position(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
    {
        Some(index) => Ok((chosen(index), all)),
        None if sheets.is_empty() => Err(Error::input(
            Code::NoSheets,
            path,
            "the workbook has no sheets",
            "open it in Excel or LibreOffice and save a new copy",
        )),
        None => Err(Error::input(
            Code::NoVisibleSheet,
            path,
            "the workbook has no visible worksheet",
            format!(
                "choose a sheet with --sheet (the workbook has: {}), or unhide one",
                listed()
            ),
        )
        .with("sheets", all.len())),
    }
}

fn not_a_table(path: &Path, sheet: &Sheet) -> Error {
    Error::input(
        Code::SheetNotATable,
        path,
        format!(
            "the {} is a chart or macro sheet, not a table",
            sheet.label()
        ),
        "choose the sheet holding the patients with --sheet",
    )
}

#[cfg(test)]
mod tests;
