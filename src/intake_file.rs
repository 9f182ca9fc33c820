//! Intake files on disk and standard input: read here, through the size
//! limit and only as regular files, then handed to the core's readers as
//! bytes ([`second_opinion_core::input::read_bytes_each`]).

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use second_opinion_core::error::{Code, Error};
use second_opinion_core::input::{
    Entry, FileWarning, InputFile, InputOptions, MAX_INPUT_BYTES, read_bytes, read_bytes_each,
};

/// Reads one input file whole, choosing the reader by content and extension.
///
/// Holds every entry of the file at once; [`read_each`] does not.
pub fn read(path: &Path, options: &InputOptions) -> Result<InputFile, Error> {
    let bytes = load(path)?;
    read_bytes(shown(path), &bytes, options)
}

/// Reads one input file and hands each entry to `sink` in file order, as
/// soon as it is complete, returning the file's warnings.
///
/// This is how `build` reads: a run of 50,000 rows must not hold 50,000
/// records at once. For CSV, xlsx, xlsm, xlsb and JSON, what is held while
/// reading does not grow with the number of rows beyond the file's bytes (and
/// a CSV file's decoded text): the row being read and the header row. (.xls
/// and .ods files are unpacked whole by calamine first, then handed over row
/// by row in the same way.)
///
/// Every file-level problem that [`read`] reports is also reported here, with
/// the same words, but a problem found late in the file (too many rows, data
/// too far right, no patient rows under the header, broken JSON syntax near
/// the end, …) arrives after some entries were already handed over. So
/// `build` checks every file with a first pass before acting on any entry.
///
/// Rows are expected in row order, as every spreadsheet program writes them;
/// a workbook whose rows are stored out of order is refused as damaged (see
/// `table::Table`).
pub fn read_each(
    path: &Path,
    options: &InputOptions,
    sink: &mut dyn FnMut(Entry),
) -> Result<Vec<FileWarning>, Error> {
    with_bytes(path, |name, bytes| {
        read_bytes_each(name, bytes, options, sink)
    })
}

/// Loads one input file (through the size limit, only a regular file)
/// and hands its bytes to `read` with the name messages give it: how the
/// run hands files to the core's readers
/// ([`second_opinion_core::run::read_records`], `Plan::read`).
pub fn with_bytes<T>(
    path: &Path,
    read: impl FnOnce(&Path, &[u8]) -> Result<T, Error>,
) -> Result<T, Error> {
    let bytes = load(path)?;
    read(shown(path), &bytes)
}

/// The name a file goes by in messages and records.
fn shown(path: &Path) -> &Path {
    if is_stdin(path) {
        Path::new(STDIN_NAME)
    } else {
        path
    }
}

/// Whether the input names standard input: `-`, or `/dev/stdin`.
fn is_stdin(path: &Path) -> bool {
    path == Path::new("-") || path == Path::new("/dev/stdin")
}

/// How standard input is named in messages and records.
const STDIN_NAME: &str = "standard input";

/// Standard input, read once per process: `build` reads its input twice
/// (a checking pass, then the real one) and a pipe can be read only once, so
/// both passes must see the same buffered bytes.
static STDIN: OnceLock<Result<Vec<u8>, LoadFailure>> = OnceLock::new();

/// Why reading failed, kept so that the second read of standard input fails
/// the same way as the first.
#[derive(Debug, Clone, Copy)]
enum LoadFailure {
    TooLarge,
    Io(std::io::ErrorKind),
}

impl LoadFailure {
    fn into_error(self, path: &Path) -> Error {
        match self {
            LoadFailure::TooLarge => {
                let max_mb = (MAX_INPUT_BYTES / 1024 / 1024) as usize;
                Error::input(
                    Code::FileTooLarge,
                    path,
                    format!(
                        "the file is larger than {max_mb} MB, more than an intake file should be"
                    ),
                    "split it into several smaller files",
                )
                .with("max_mb", max_mb)
            }
            LoadFailure::Io(kind) => Error::io_read(path, &std::io::Error::from(kind)),
        }
    }
}

/// Reads at most [`MAX_INPUT_BYTES`] from `reader`: the limit applies while
/// reading, so a pipe or device that never ends costs no more than that.
///
/// The buffer is reserved at its final size up front (`expected`, or the
/// limit): untouched reserved memory costs nothing, while growing by doubling
/// would copy a 256 MB buffer into a 512 MB one.
fn read_limited(reader: impl Read, expected: u64) -> Result<Vec<u8>, LoadFailure> {
    let mut bytes = Vec::with_capacity(expected.min(MAX_INPUT_BYTES) as usize + 1);
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadFailure::Io(e.kind()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(LoadFailure::TooLarge);
    }
    Ok(bytes)
}

/// A file's bytes, after checking that it is a regular file of a sane size,
/// or standard input (buffered once, see [`STDIN`]).
fn load(path: &Path) -> Result<Cow<'static, [u8]>, Error> {
    if is_stdin(path) {
        let shown = Path::new(STDIN_NAME);
        return match STDIN.get_or_init(|| read_limited(std::io::stdin().lock(), MAX_INPUT_BYTES)) {
            Ok(bytes) => Ok(Cow::Borrowed(bytes.as_slice())),
            Err(failure) => Err(failure.into_error(shown)),
        };
    }
    // `metadata` never blocks, unlike opening a FIFO; what is not a regular
    // file (a folder, a device such as /dev/zero, a pipe) is refused before
    // it is opened.
    let meta = std::fs::metadata(path).map_err(|e| Error::io_read(path, &e))?;
    if meta.is_dir() {
        return Err(Error::input(
            Code::NotARegularFile,
            path,
            "this is a folder, not an intake file",
            "name the intake file itself, for example samples/patient.json",
        )
        .with("role", "intake"));
    }
    if !meta.is_file() {
        return Err(Error::input(
            Code::NotARegularFile,
            path,
            "this is a device or a pipe, not an intake file",
            "name a saved intake file; to read from a pipe, give - as the file name",
        )
        .with("role", "intake"));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(LoadFailure::TooLarge.into_error(path));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io_read(path, &e))?;
    // The file may grow between the size check and the read.
    read_limited(file, meta.len())
        .map(Cow::Owned)
        .map_err(|failure| failure.into_error(path))
}
