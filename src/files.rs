//! The files the tool keeps or reads besides the intake, and their names:
//! the names of its temporary and lock files, a file's identity on disk,
//! opening its own files without following a link or waiting on a pipe,
//! and reading a small regular file up to a limit.
//!
//! A leaf: it imports nothing of this crate (only the core's error), so that
//! the output folder (`output`), its locks (`lock`), the shards' file names
//! (`shard`) and the readers of the clinic profile and templates
//! all share one spelling of these names and one way to open a file.

use std::fs;
use std::io::Read;
use std::path::Path;

use second_opinion_core::error::Error;

/// Prefix of temporary files; anything with it in the output folder is ours.
pub(crate) const TEMP_PREFIX: &str = ".second-opinion-";
/// Suffix of temporary files.
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// The name of the lock file where a folder itself cannot be locked.
#[cfg(not(unix))]
pub const LOCK_FILE: &str = ".second-opinion.lock";

/// A file's identity on disk: the same file, however its path is spelled
/// and through any hard link, has the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FileKey {
    dev: u64,
    ino: u64,
}

impl FileKey {
    /// The key of the file at `path` (links followed), if it exists.
    pub(crate) fn of(path: &Path) -> Option<Self> {
        fs::metadata(path).ok().map(|m| Self::from_metadata(&m))
    }

    /// The key of the entry at `path` itself (a link is not followed): what
    /// a rename onto `path` would replace.
    pub(crate) fn of_entry(path: &Path) -> Option<Self> {
        fs::symlink_metadata(path)
            .ok()
            .map(|m| Self::from_metadata(&m))
    }

    #[cfg(unix)]
    fn from_metadata(m: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        FileKey {
            dev: m.dev(),
            ino: m.ino(),
        }
    }

    #[cfg(not(unix))]
    fn from_metadata(m: &fs::Metadata) -> Self {
        // Without inodes, size and modification time stand in; the files a
        // run reads are compared by canonical path as well (see `protect`).
        FileKey {
            dev: m.len(),
            ino: m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as u64),
        }
    }
}

/// Opens a file the tool keeps in the output folder (a lock file, a report
/// it reads back) with `options`, never through a link and never waiting:
/// on Unix with `O_NOFOLLOW` (a link at `path` fails to open, so nothing is
/// created or opened where it points) and `O_NONBLOCK` (a named pipe opens
/// at once instead of waiting for a writer), and checked once open to be a
/// regular file, so a pipe or device planted under the name is refused. The
/// check is on the open file itself, so the name cannot be swapped between
/// check and use. Public so that every command opens its own files alike.
pub(crate) fn open_own(path: &Path, options: &fs::OpenOptions) -> Result<fs::File, OpenError> {
    let mut options = options.clone();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY,
    );
    let file = match options.open(path) {
        Ok(file) => file,
        // ELOOP is what Linux and POSIX give for a link under O_NOFOLLOW;
        // FreeBSD gives EMLINK.
        #[cfg(unix)]
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::EMLINK)) => {
            return Err(OpenError::NotAFile(SpecialKind::Link));
        }
        Err(e) => return Err(OpenError::Io(e)),
    };
    let kind = file.metadata().map_err(OpenError::Io)?.file_type();
    match SpecialKind::of(kind) {
        None => Ok(file),
        Some(kind) => Err(OpenError::NotAFile(kind)),
    }
}

/// Why [`open_own`] could not open a file.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// Under the name is a link, a pipe, a device, a socket or a folder.
    NotAFile(SpecialKind),
    /// The operating system refused.
    Io(std::io::Error),
}

/// What stands under a name where the tool expects a regular file of its
/// own, so that the message can say what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecialKind {
    /// A symbolic link.
    Link,
    /// A folder.
    Folder,
    /// A named pipe (FIFO).
    Pipe,
    /// A device, character or block.
    Device,
    /// A socket, or anything else that is not a regular file.
    Other,
}

impl SpecialKind {
    /// What `kind` is, or `None` for a regular file.
    pub(crate) fn of(kind: fs::FileType) -> Option<Self> {
        #[cfg(unix)]
        use std::os::unix::fs::FileTypeExt;
        if kind.is_file() {
            return None;
        }
        if kind.is_symlink() {
            return Some(SpecialKind::Link);
        }
        if kind.is_dir() {
            return Some(SpecialKind::Folder);
        }
        #[cfg(unix)]
        if kind.is_fifo() {
            return Some(SpecialKind::Pipe);
        }
        #[cfg(unix)]
        if kind.is_char_device() || kind.is_block_device() {
            return Some(SpecialKind::Device);
        }
        Some(SpecialKind::Other)
    }

    /// In words, for the message.
    fn describe(self) -> &'static str {
        match self {
            SpecialKind::Link => "it is a link to another place, not a file second-opinion made",
            SpecialKind::Folder => "it is a folder",
            SpecialKind::Pipe => "it is a named pipe, not a file",
            SpecialKind::Device => "it is a device, not a file",
            SpecialKind::Other => "it is not a regular file",
        }
    }
}

/// The run-stopping error for a name in the output folder where the tool
/// keeps a file of its own but finds something else: what it is, and the
/// fix (remove it; a folder is moved instead).
pub(crate) fn special_error(path: &Path, action: &str, kind: SpecialKind) -> Error {
    let hint = match kind {
        SpecialKind::Folder => {
            "move or rename that folder, or choose another output folder with --out"
        }
        _ => {
            "remove it and run again: second-opinion makes this file itself, and never writes through a link or into a pipe or device"
        }
    };
    Error::Io {
        path: path.to_path_buf(),
        action: action.into(),
        reason: kind.describe().into(),
        hint: hint.into(),
    }
}

/// Reads at most `max` bytes of a regular file, for files the run reads
/// besides the intake (clinic profile, logo, templates). A device such as
/// `/dev/zero`, a named pipe or a folder is refused before any read (the
/// file is opened without blocking, so a pipe with no writer cannot hang
/// the run), and a file growing past `max` is refused, not read to the end.
pub(crate) fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Why [`read_regular`] refused a file.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// A device, pipe, socket or folder.
    NotAFile,
    /// Over the size limit.
    TooLarge,
    /// The operating system refused.
    Io(std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_only_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("logo.png");
        fs::write(&small, b"12345").unwrap();
        assert_eq!(read_regular(&small, 5).unwrap(), b"12345");
        assert!(matches!(read_regular(&small, 4), Err(ReadError::TooLarge)));
        assert!(matches!(
            read_regular(dir.path(), 5),
            Err(ReadError::NotAFile)
        ));
        #[cfg(unix)]
        {
            assert!(matches!(
                read_regular(Path::new("/dev/zero"), 5),
                Err(ReadError::NotAFile)
            ));
            // A named pipe with no writer would block a plain open for ever.
            let fifo = dir.path().join("fifo.svg");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid, NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            assert!(matches!(read_regular(&fifo, 5), Err(ReadError::NotAFile)));
        }
        assert!(matches!(
            read_regular(&dir.path().join("missing"), 5),
            Err(ReadError::Io(_))
        ));
    }
}
