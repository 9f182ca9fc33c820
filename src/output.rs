//! Output stage: safe, unique file names and atomic writes.
//!
//! Packets are named after `packet_id` when the intake gives one, else after
//! the patient's name, so that clinic staff can find them. This is a
//! deliberate choice (documented in the README): names appear in the output
//! folder's listing, never inside the ZIPs or in messages.
//!
//! Every file is written to a hidden temporary file in the output folder,
//! flushed to disk, and only then renamed to its final name (and the folder
//! synced, so the rename itself survives a power cut): a packet under its
//! final name is always complete. A run that is killed leaves only temporary
//! files, which the next run removes.
//!
//! A run holds an advisory lock on the output folder for as long as it
//! lives, so a second run into the same folder stops at once instead of
//! deleting the first run's temporary files. Only with the lock held are
//! leftover temporary files removed: no live run can own them.
//!
//! The shards of a sharded run (`--shard K/N`) share one folder, so each
//! takes the folder's lock shared, and its own slice's lock file
//! exclusively: the shards of a job run side by side, a second copy of one
//! shard is refused, and a run of the whole input (which needs the folder
//! to itself) waits for all of them. A shard's temporary files carry its
//! slice in their names, and a shard removes only its own leftovers; the
//! other shards' may be live.
//!
//! A shard of another count (`--shard 2/3` beside a running `1/2`) is
//! refused before any work: a shard takes its own lock file first, then
//! tries the lock files of the other counts in the folder, and stops if one
//! is held (the order that makes this free of races is explained in
//! [`crate::shard`]); then it looks for other counts' finished reports.
//!
//! Nothing the tool keeps in the output folder is ever opened through a
//! link, nor waited on: lock files and a report read back are opened with
//! `O_NOFOLLOW | O_NONBLOCK` and checked to be regular files once open
//! ([`open_own`]), so a link planted under a lock file's name cannot make a
//! run create a file elsewhere (as root, `/etc/nologin`), and a named pipe
//! or device planted there is refused, not waited on. Temporary files are
//! created with `O_CREAT | O_EXCL` under random names (the `tempfile`
//! crate), which never follows a link either, and files reach their final
//! names by `rename`, which replaces a link rather than writing through it.
//! The report and the lock files refuse, with the fix (remove it), a link, a
//! pipe, a device or a socket under their names ([`refuse_special`]).
//!
//! The files a run reads (intake files, the clinic profile and its logo,
//! template files) are never replaced, with or without `--force`: they are
//! recognised by device and inode, so a hard link or another spelling of the
//! path is caught too.

use std::collections::HashSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, io_reason};
use crate::shard::Shard;

/// Prefix of temporary files; anything with it in the output folder is ours.
pub const TEMP_PREFIX: &str = ".second-opinion-";
/// Suffix of temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";
pub use crate::naming::{MAX_STEM_CHARS, Namer, safe_stem};

/// A file's identity on disk: the same file, however its path is spelled
/// and through any hard link, has the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileKey {
    dev: u64,
    ino: u64,
}

impl FileKey {
    /// The key of the file at `path` (links followed), if it exists.
    pub fn of(path: &Path) -> Option<Self> {
        fs::metadata(path).ok().map(|m| Self::from_metadata(&m))
    }

    /// The key of the entry at `path` itself (a link is not followed): what
    /// a rename onto `path` would replace.
    fn of_entry(path: &Path) -> Option<Self> {
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

/// The name of the lock file where a folder itself cannot be locked.
#[cfg(not(unix))]
pub const LOCK_FILE: &str = ".second-opinion.lock";

/// The first line of every report this program writes. A `report.csv`
/// that starts with exactly this line is ours and is replaced by the next
/// run; any other `report.csv` is someone's file and is kept unless
/// `--force` (and never replaced if the run reads it).
pub use second_opinion_core::report::REPORT_HEADER;

/// The output folder of a run.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
    force: bool,
    /// The files the run reads; never replaced.
    protected: HashSet<FileKey>,
    /// The start of this run's temporary file names: [`TEMP_PREFIX`], or a
    /// shard's own ([`Shard::temp_prefix`]).
    temp_prefix: String,
    /// Held (locked) for as long as any copy of this value lives.
    _lock: Arc<FolderLock>,
}

/// The advisory locks a run holds on a folder, released when dropped: the
/// folder's own (exclusive, or shared by the shards of a run), and a shard's
/// lock file.
#[derive(Debug)]
pub struct FolderLock {
    _folder: fs::File,
    _shard: Option<fs::File>,
}

impl OutputDir {
    /// Creates the folder if needed (readable by its owner only, since file
    /// names are patient names), locks it against other runs, checks it is
    /// writable, and removes temporary files an interrupted earlier run left
    /// behind.
    pub fn prepare(path: &Path, force: bool) -> Result<Self, Error> {
        Self::prepare_for(path, force, None)
    }

    /// [`OutputDir::prepare`] for one shard of a sharded run, or (`None`)
    /// for a run of the whole input. A shard shares the folder with the
    /// other shards and removes only its own leftover temporary files.
    pub fn prepare_for(path: &Path, force: bool, shard: Option<Shard>) -> Result<Self, Error> {
        if path.exists() && !path.is_dir() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                action: "cannot use this as the output folder".into(),
                reason: "it is a file".into(),
                hint: "name a folder with --out (it is created if it does not exist)".into(),
            });
        }
        create_private_dir(path).map_err(|e| Error::io_write(path, &e))?;
        // Before the lock too, which leaves a lock file of this split
        // behind: the common case (a rerun with the wrong count) then leaves
        // nothing. The lock checks again, race-free.
        if let Some(shard) = shard {
            same_split(path, shard)?;
        }
        let lock = lock_folder(path, shard)?;
        let dir = OutputDir {
            path: path.to_path_buf(),
            force,
            protected: HashSet::new(),
            temp_prefix: shard.map_or_else(|| TEMP_PREFIX.to_string(), Shard::temp_prefix),
            _lock: Arc::new(lock),
        };
        dir.remove_stale_temp_files(shard.is_none());
        // Fail now, before any work, if the folder is not writable.
        let probe = tempfile::Builder::new()
            .prefix(&dir.temp_prefix)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(path);
        probe.map_err(|e| Error::io_write(path, &e))?;
        Ok(dir)
    }

    /// The same folder (and lock) with another `--force` setting.
    pub fn with_force(&self, force: bool) -> Self {
        OutputDir {
            force,
            ..self.clone()
        }
    }

    /// Marks files the run reads, so nothing is ever written over them.
    /// Paths that do not exist (standard input, say) are skipped.
    pub fn protect<P: AsRef<Path>>(&mut self, paths: impl IntoIterator<Item = P>) {
        self.protected
            .extend(paths.into_iter().filter_map(|p| FileKey::of(p.as_ref())));
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a file of this (already safe) name goes.
    pub fn target(&self, name: &str) -> PathBuf {
        assert!(
            crate::bundle::is_safe_entry_name(name),
            "output names come from safe_stem"
        );
        let target = self.path.join(name);
        debug_assert!(target.parent() == Some(self.path.as_path()));
        target
    }

    /// Whether `name` can be written: not a folder, and not an existing file
    /// unless `--force`. Checked before the work of building a packet.
    pub fn check_free(&self, name: &str) -> Result<(), WriteError> {
        self.check(name, self.force)
    }

    /// Whether the report can be written: a report an earlier run wrote
    /// (it starts with [`REPORT_HEADER`]) is replaced; any other file of
    /// that name only with `--force`, and never one the run reads.
    pub fn check_report(&self, name: &str) -> Result<(), WriteError> {
        let target = self.target(name);
        let ours = || {
            let mut head = Vec::new();
            open_own(&target, fs::OpenOptions::new().read(true))
                .ok()
                .and_then(|f| {
                    f.take(REPORT_HEADER.len() as u64 + 2)
                        .read_to_end(&mut head)
                        .ok()
                })
                .is_some()
                && head.starts_with(REPORT_HEADER.as_bytes())
                && matches!(&head[REPORT_HEADER.len()..], [b'\n', ..] | [b'\r', b'\n'])
        };
        let is_regular = fs::symlink_metadata(&target).is_ok_and(|m| m.is_file());
        let overwrite = self.force || !target.exists() || (is_regular && ours());
        self.check(name, overwrite)
    }

    fn check(&self, name: &str, overwrite: bool) -> Result<(), WriteError> {
        let target = self.target(name);
        if target.is_dir() {
            Err(WriteError::Folder)
        } else if self.is_protected(&target) {
            Err(WriteError::Input)
        } else if !overwrite && fs::symlink_metadata(&target).is_ok() {
            Err(WriteError::Exists)
        } else {
            Ok(())
        }
    }

    /// Whether writing to `target` would replace a file the run reads.
    fn is_protected(&self, target: &Path) -> bool {
        FileKey::of_entry(target).is_some_and(|k| self.protected.contains(&k))
    }

    /// Removes the file `name` (the entry itself: a link, not what it
    /// points to), if there is one, and makes the removal durable; for a run's
    /// own files, such as an older report, once [`OutputDir::check_report`]
    /// has allowed replacing it. Never a file the run reads, nor a folder.
    pub fn discard(&self, name: &str) -> Result<(), WriteError> {
        let target = self.target(name);
        if self.is_protected(&target) {
            return Err(WriteError::Input);
        }
        match fs::symlink_metadata(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(WriteError::Io(e)),
            Ok(m) if m.is_dir() => return Err(WriteError::Folder),
            Ok(_) => {}
        }
        match fs::remove_file(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(WriteError::Io(e)),
            _ => sync_folder(&self.path).map_err(WriteError::Io),
        }
    }

    /// Writes `bytes` under `name` atomically: temp file, flush to disk,
    /// rename. Without `--force` an existing file is never replaced.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, WriteError> {
        self.write_file(name, bytes, self.force)
    }

    /// Writes `bytes` under `name` atomically, replacing any older file
    /// (for the program's own files, such as the report).
    pub fn replace(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, WriteError> {
        self.write_file(name, bytes, true)
    }

    fn write_file(&self, name: &str, bytes: &[u8], overwrite: bool) -> Result<PathBuf, WriteError> {
        self.write_with(name, overwrite, |file| file.write_all(bytes))
    }

    /// Streams a file into place atomically: `fill` writes into a temporary
    /// file, which is flushed to disk and renamed to `name` only if `fill`
    /// succeeded. On any error the temporary file is removed.
    pub fn write_with(
        &self,
        name: &str,
        overwrite: bool,
        fill: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
    ) -> Result<PathBuf, WriteError> {
        let target = self.target(name);
        if target.is_dir() {
            return Err(WriteError::Folder);
        }
        if self.is_protected(&target) {
            return Err(WriteError::Input);
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(&self.temp_prefix)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&self.path)
            .map_err(WriteError::Io)?;
        fill(tmp.as_file_mut()).map_err(WriteError::Io)?;
        tmp.as_file().sync_all().map_err(WriteError::Io)?;
        // Checked again just before the rename: the work of filling may
        // have taken a while.
        if self.is_protected(&target) {
            return Err(WriteError::Input);
        }
        let persisted = if overwrite {
            tmp.persist(&target)
        } else {
            tmp.persist_noclobber(&target)
        };
        match persisted {
            Ok(_) => {
                sync_folder(&self.path).map_err(WriteError::Io)?;
                Ok(target)
            }
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(WriteError::Exists)
            }
            Err(e) => Err(WriteError::Io(e.error)),
        }
    }

    /// Removes temporary files left by a run that was killed: this run's
    /// own kind (a shard's leftovers, for a shard), or with the folder to
    /// itself (`whole`) every run's and every shard's, and the shards' lock
    /// files, since no shard can be running then.
    fn remove_stale_temp_files(&self, whole: bool) {
        let Ok(entries) = fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if is_stale(&name, &self.temp_prefix, whole) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Whether a leftover file of this name may be removed by a run whose
/// temporary files start with `prefix`; `whole`: by a run holding the folder
/// to itself, which may also remove other shards' files and lock files.
fn is_stale(name: &str, prefix: &str, whole: bool) -> bool {
    let temp = name.ends_with(TEMP_SUFFIX);
    if whole {
        let shard_lock = name.starts_with(SHARD_LOCK_PREFIX) && name.ends_with(".lock");
        name.starts_with(TEMP_PREFIX) && (temp || shard_lock)
    } else {
        name.starts_with(prefix) && temp
    }
}

/// The start of every shard's lock file name ([`Shard::lock_file`]).
const SHARD_LOCK_PREFIX: &str = ".second-opinion-shard-";

/// Creates `path` and any missing parents, each readable by its owner only
/// (0700): the listing of an output folder shows patients' names. Folders
/// that already exist keep their permissions.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Takes the advisory locks of an output folder, or says another run has
/// them. On Unix the folder itself is locked (`flock` on the folder), so no
/// lock file is left behind; elsewhere a hidden lock file in it is. A run
/// of the whole input locks the folder exclusively; a shard locks it shared
/// (with its fellow shards) and its own lock file exclusively. The shards'
/// lock files stay behind, hidden, until a run with the folder to itself
/// (`report merge`, say) removes them: removing one while another copy of
/// that shard may be opening it would let two copies run.
fn lock_folder(path: &Path, shard: Option<Shard>) -> Result<FolderLock, Error> {
    let folder = open_folder_lock(path)?;
    let taken = match shard {
        None => folder.try_lock(),
        Some(_) => folder.try_lock_shared(),
    };
    match taken {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Err(busy(path, shard)),
        Err(fs::TryLockError::Error(e)) => return Err(Error::io_write(path, &e)),
    }
    let Some(shard) = shard else {
        return Ok(FolderLock {
            _folder: folder,
            _shard: None,
        });
    };
    let lock_path = path.join(shard.lock_file());
    let mut options = fs::OpenOptions::new();
    // Read and write: NFS turns a `flock` into a byte-range lock on the
    // server, and an exclusive one needs the file open for writing.
    options.create(true).truncate(false).read(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = open_own(&lock_path, &options).map_err(|e| match e {
        OpenError::NotAFile(kind) => special_error(&lock_path, "cannot use this lock file", kind),
        OpenError::Io(e) => Error::io_write(&lock_path, &e),
    })?;
    lock_own(&file).map_err(|e| match e {
        fs::TryLockError::WouldBlock => Error::Io {
            path: path.to_path_buf(),
            action: "cannot use this output folder".into(),
            reason: format!("another second-opinion run is building {shard} in this folder"),
            hint: "wait for that run to finish: each shard is built by one run at a time (the other shards can run now)".into(),
        },
        fs::TryLockError::Error(e) => Error::io_write(&lock_path, &e),
    })?;
    // Only with its own lock held does a shard look for live shards of
    // another count (see `crate::shard` for why this order has no race),
    // and only then for their finished reports.
    no_live_shard_of_another_count(path, shard)?;
    same_split(path, shard)?;
    Ok(FolderLock {
        _folder: folder,
        _shard: Some(file),
    })
}

/// Takes a shard's own lock. Another shard trying this lock file (while
/// checking for shards of another count) holds it for an instant, so a lock
/// found taken is tried again for a moment before the run is refused.
fn lock_own(file: &fs::File) -> Result<(), fs::TryLockError> {
    const TRIES: u32 = 10;
    for _ in 1..TRIES {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            done => return done,
        }
    }
    file.try_lock()
}

/// Refuses a shard while a shard of another count holds its lock in the
/// folder: its slice would overlap this one's, both would write under each
/// other's names, and `report merge` would refuse the folder after the work.
/// Called with this shard's own lock held, so that of two such shards
/// starting together the later always sees the earlier. Lock files left by
/// shards that have finished are free and pass; anything under a lock
/// file's name that is not a regular file is no shard's lock and is skipped.
fn no_live_shard_of_another_count(path: &Path, shard: Shard) -> Result<(), Error> {
    let entries = fs::read_dir(path).map_err(|e| Error::io_read(path, &e))?;
    let mut others: Vec<(Shard, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let other = Shard::of_lock_file(e.file_name().to_str()?)?;
            (other.count() != shard.count()).then(|| (other, e.path()))
        })
        .collect();
    others.sort_by_key(|(s, _)| (s.count(), s.index()));
    for (other, lock_path) in others {
        // Read only: a shared probe, which a live shard's exclusive lock
        // refuses, needs no write access (and, on NFS, only a read lock).
        let file = match open_own(&lock_path, fs::OpenOptions::new().read(true)) {
            Ok(file) => file,
            Err(OpenError::NotAFile(_)) => continue,
            Err(OpenError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(OpenError::Io(e)) => return Err(Error::io_read(&lock_path, &e)),
        };
        match file.try_lock_shared() {
            Ok(()) => drop(file),
            Err(fs::TryLockError::WouldBlock) => {
                let count = other.count();
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    action: format!("cannot build {shard} in this folder"),
                    reason: format!(
                        "another second-opinion run is building {other} in it, a run split into {count} shards"
                    ),
                    hint: format!(
                        "give the slice as the rest of that run does, --shard K/{count} with K from 1 to {count}; or build this run into another folder with --out"
                    ),
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::io_read(&lock_path, &e)),
        }
    }
    Ok(())
}

/// Opens what [`lock_folder`] locks for the folder itself.
fn open_folder_lock(path: &Path) -> Result<fs::File, Error> {
    #[cfg(unix)]
    let file = fs::File::open(path);
    #[cfg(not(unix))]
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.join(LOCK_FILE));
    file.map_err(|e| Error::io_write(path, &e))
}

/// The error of a folder another run holds.
fn busy(path: &Path, shard: Option<Shard>) -> Error {
    let hint = match shard {
        None => {
            "wait for the other run (or every shard of a --shard run) to finish, or choose another folder with --out"
        }
        Some(_) => {
            "wait for the other run to finish: the shards of a --shard run share a folder only with each other"
        }
    };
    Error::Io {
        path: path.to_path_buf(),
        action: "cannot use this output folder".into(),
        reason: "another second-opinion run is using this folder".into(),
        hint: hint.into(),
    }
}

/// Holds `path` against every run, as a run's output folder is held, without
/// writing anything into it (not even a lock file on Unix): `report merge`
/// holds each folder it reads this way, so it never merges while a shard is
/// still building into one of them.
pub fn hold(path: &Path) -> Result<FolderLock, Error> {
    if !path.is_dir() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            action: "cannot read this folder".into(),
            reason: if path.exists() {
                "it is not a folder".into()
            } else {
                "it does not exist".into()
            },
            hint: "name the folder the shards wrote their packets and reports into".into(),
        });
    }
    #[cfg(unix)]
    let folder = fs::File::open(path).map_err(|e| Error::io_read(path, &e))?;
    #[cfg(not(unix))]
    let folder = open_folder_lock(path)?;
    match folder.try_lock() {
        Ok(()) => Ok(FolderLock {
            _folder: folder,
            _shard: None,
        }),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Io {
            path: path.to_path_buf(),
            action: "cannot merge the reports in this folder yet".into(),
            reason: "another second-opinion run is using this folder".into(),
            hint: "wait until every shard has finished, then merge".into(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(Error::io_read(path, &e)),
    }
}

/// Refuses a shard whose folder holds the reports of the same run split
/// another way (`report-1-of-4.csv` beside a `--shard 2/5`): its slice
/// would overlap theirs, and `report merge` would refuse the folder after
/// the work was done. Typically a rerun given the wrong count.
fn same_split(path: &Path, shard: Shard) -> Result<(), Error> {
    let Ok(entries) = fs::read_dir(path) else {
        return Ok(());
    };
    let mut others: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| Shard::of_report_file(name).is_some_and(|s| s.count() != shard.count()))
        .collect();
    others.sort();
    let Some(first) = others.first() else {
        return Ok(());
    };
    let count = Shard::of_report_file(first).map_or(0, Shard::count);
    Err(Error::Io {
        path: path.to_path_buf(),
        action: format!("cannot build {shard} in this folder"),
        reason: format!(
            "it holds the report of a run split into {count} shards ({first}{})",
            if others.len() > 1 { " and others" } else { "" }
        ),
        hint: format!(
            "give the slice as the rest of that run does, --shard K/{count} with K from 1 to {count}; to split the run anew, move its reports (report-*-of-{count}.csv) out of the folder first"
        ),
    })
}

/// Flushes a folder's entries to disk, so a rename into it is durable.
fn sync_folder(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    fs::File::open(path)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens a file the tool keeps in the output folder (a lock file, a report
/// it reads back) with `options`, never through a link and never waiting:
/// on Unix with `O_NOFOLLOW` (a link at `path` fails to open, so nothing is
/// created or opened where it points) and `O_NONBLOCK` (a named pipe opens
/// at once instead of waiting for a writer), and checked once open to be a
/// regular file, so a pipe or device planted under the name is refused. The
/// check is on the open file itself, so the name cannot be swapped between
/// check and use. Public so that every command opens its own files alike.
pub fn open_own(path: &Path, options: &fs::OpenOptions) -> Result<fs::File, OpenError> {
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
pub enum OpenError {
    /// Under the name is a link, a pipe, a device, a socket or a folder.
    NotAFile(SpecialKind),
    /// The operating system refused.
    Io(std::io::Error),
}

/// What stands under a name where the tool expects a regular file of its
/// own, so that the message can say what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKind {
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
    fn of(kind: fs::FileType) -> Option<Self> {
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
pub fn special_error(path: &Path, action: &str, kind: SpecialKind) -> Error {
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

/// Refuses a link, a named pipe, a device or a socket at `path` (the entry
/// itself, a link not followed): for a file the tool is about to replace by
/// rename, like a report, where such a thing under the name is someone's
/// trap or mistake, which `--force` does not make right. A regular file, a
/// folder (which the callers' own checks name) or nothing passes. `action`
/// says what could not be done ("cannot write the report here").
pub fn refuse_special(path: &Path, action: &str) -> Result<(), Error> {
    match fs::symlink_metadata(path).map(|m| SpecialKind::of(m.file_type())) {
        Ok(Some(SpecialKind::Folder)) | Ok(None) | Err(_) => Ok(()),
        Ok(Some(kind)) => Err(special_error(path, action, kind)),
    }
}

/// Reads at most `max` bytes of a regular file, for files the run reads
/// besides the intake (clinic profile, logo, templates). A device such as
/// `/dev/zero`, a named pipe or a folder is refused before any read (the
/// file is opened without blocking, so a pipe with no writer cannot hang
/// the run), and a file growing past `max` is refused, not read to the end.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
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
pub enum ReadError {
    /// A device, pipe, socket or folder.
    NotAFile,
    /// Over the size limit.
    TooLarge,
    /// The operating system refused.
    Io(std::io::Error),
}

/// Why a file could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The file in the way is one the run reads (an intake file, the clinic
    /// profile or logo, a template); even `--force` never replaces it.
    Input,
    /// A file of that name exists and `--force` was not given.
    Exists,
    /// A folder has that name; even `--force` does not replace folders.
    Folder,
    /// The operating system refused.
    Io(std::io::Error),
}

impl WriteError {
    /// Words for the report and the summary.
    pub fn describe(&self) -> (String, String) {
        match self {
            WriteError::Input => (
                "this packet's file name is that of a file the run reads (an intake file, the clinic profile or logo, or a template)".into(),
                "write the packets into another folder with --out, or move that file out of the output folder".into(),
            ),
            WriteError::Exists => (
                "a packet with this file name already exists in the output folder".into(),
                "add --force to replace it, or choose another folder with --out".into(),
            ),
            WriteError::Folder => (
                "a folder with this packet's file name is in the output folder".into(),
                "rename or move that folder, or choose another output folder with --out".into(),
            ),
            WriteError::Io(e) => (
                format!("the packet could not be written: {}", io_reason(e)),
                "check the free disk space and that the output folder is writable, then run again"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe() {
        assert_eq!(safe_stem("José Núñez"), "Jose-Nunez");
        assert_eq!(safe_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_stem("/"), "patient");
        assert_eq!(safe_stem(""), "patient");
        assert_eq!(safe_stem("CON"), "CON-packet");
        assert_eq!(safe_stem("lpt1"), "lpt1-packet");
        assert_eq!(safe_stem("Nguyễn Thị Minh Khai"), "Nguyen-Thi-Minh-Khai");
        assert_eq!(safe_stem("Ελένη"), "Elene");
        assert_eq!(safe_stem("王小明"), "Wang-Xiao-Ming");
        assert!(safe_stem(&"x".repeat(500)).len() <= MAX_STEM_CHARS);
        assert_eq!(safe_stem("*Ann* #import \"x\" $y$"), "Ann-import-x-y");
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut namer = Namer::reserving(&["report.csv"]);
        assert_eq!(namer.unique("Maria-Garcia", "zip"), "Maria-Garcia.zip");
        assert_eq!(namer.unique("maria-garcia", "zip"), "maria-garcia-2.zip");
        assert_eq!(namer.unique("Maria-Garcia", "zip"), "Maria-Garcia-3.zip");
        assert_eq!(namer.unique("report", "csv"), "report-2.csv");
    }

    #[test]
    fn writes_are_atomic_and_do_not_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        out.write("a.zip", b"one").unwrap();
        assert!(matches!(
            out.write("a.zip", b"two"),
            Err(WriteError::Exists)
        ));
        assert_eq!(fs::read(dir.path().join("a.zip")).unwrap(), b"one");
        let forced = out.with_force(true);
        forced.write("a.zip", b"two").unwrap();
        assert_eq!(fs::read(dir.path().join("a.zip")).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn stale_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!("{TEMP_PREFIX}abc{TEMP_SUFFIX}"));
        fs::write(&stale, b"partial").unwrap();
        OutputDir::prepare(dir.path(), false).unwrap();
        assert!(!stale.exists());
    }

    /// Every file in a folder whose name marks it as one of our temporary files.
    fn temp_files(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect()
    }

    #[test]
    fn a_full_disk_leaves_neither_the_file_nor_a_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        for written in [0usize, 1, 4096, 300_000] {
            let result = out.write_with("full.zip", false, |file| {
                file.write_all(&vec![b'x'; written])?;
                Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
            });
            match result {
                Err(WriteError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::StorageFull),
                other => panic!("{written} bytes: {other:?}"),
            }
            assert!(!dir.path().join("full.zip").exists(), "{written} bytes");
            assert!(temp_files(dir.path()).is_empty(), "{written} bytes");
        }
        // The message for the report says what happened and what to do.
        let (message, hint) =
            WriteError::Io(std::io::Error::from(std::io::ErrorKind::StorageFull)).describe();
        assert!(
            message.starts_with("the packet could not be written: "),
            "{message}"
        );
        assert!(hint.contains("free disk space"), "{hint}");
        // A full disk while replacing keeps the older file whole.
        out.write("kept.zip", b"old packet").unwrap();
        let forced = out.with_force(true);
        let result = forced.write_with("kept.zip", true, |file| {
            file.write_all(b"half a new pac")?;
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        });
        assert!(matches!(result, Err(WriteError::Io(_))));
        assert_eq!(
            fs::read(dir.path().join("kept.zip")).unwrap(),
            b"old packet"
        );
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_panic_while_writing_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            out.write_with("p.zip", false, |file| {
                file.write_all(b"partial")?;
                panic!("the writer stops half-way");
            })
        }));
        assert!(result.is_err());
        assert!(!dir.path().join("p.zip").exists());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_folder_in_place_of_the_packet_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("taken.zip")).unwrap();
        fs::write(dir.path().join("taken.zip/inside"), b"keep").unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        assert!(out.check_free("taken.zip").is_err());
        assert!(matches!(
            out.write("taken.zip", b"new"),
            Err(WriteError::Folder)
        ));
        // --force replaces files, never folders.
        let forced = out.with_force(true);
        assert!(forced.check_free("taken.zip").is_err());
        assert!(matches!(
            forced.write("taken.zip", b"new"),
            Err(WriteError::Folder)
        ));
        assert_eq!(
            fs::read(dir.path().join("taken.zip/inside")).unwrap(),
            b"keep"
        );
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn unusable_output_folders_are_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("packets");
        fs::write(&file, b"a file, not a folder").unwrap();
        let err = OutputDir::prepare(&file, false).unwrap_err().to_string();
        assert!(
            err.contains("cannot use this as the output folder: it is a file"),
            "{err}"
        );
        assert!(err.contains("--out"), "{err}");
        // A folder inside a file cannot be created either.
        let err = OutputDir::prepare(&file.join("sub"), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("could not write"), "{err}");
        assert_eq!(fs::read(&file).unwrap(), b"a file, not a folder");
        // A missing folder, several levels deep, is created.
        let deep = dir.path().join("a/b/c");
        OutputDir::prepare(&deep, false).unwrap();
        assert!(deep.is_dir());
        assert!(temp_files(&deep).is_empty(), "the write probe is removed");
    }

    #[test]
    fn a_second_run_into_a_locked_folder_is_refused_and_its_temp_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputDir::prepare(dir.path(), false).unwrap();
        let live = dir.path().join(format!("{TEMP_PREFIX}live{TEMP_SUFFIX}"));
        fs::write(&live, b"a packet being written").unwrap();
        let err = OutputDir::prepare(dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another second-opinion run is using this folder"),
            "{err}"
        );
        assert!(err.contains("hint: wait for the other run"), "{err}");
        assert!(live.exists(), "the live run's temp file is kept");
        // Copies share the lock; when the last one goes, the folder is free.
        let copy = first.with_force(true);
        drop(first);
        assert!(OutputDir::prepare(dir.path(), false).is_err());
        drop(copy);
        OutputDir::prepare(dir.path(), false).unwrap();
        assert!(!live.exists(), "stale once no run holds the lock");
        #[cfg(unix)]
        assert!(
            fs::read_dir(dir.path()).unwrap().next().is_none(),
            "no lock file is left behind"
        );
    }

    fn shard(index: usize, count: usize) -> Option<Shard> {
        Some(Shard::new(index, count).unwrap())
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_shard_of_another_split_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("report-1-of-4.csv"), "").unwrap();
        fs::write(dir.path().join("report-3-of-4.csv"), "").unwrap();
        // The same split, and a run without --shard, are welcome.
        OutputDir::prepare_for(dir.path(), false, shard(2, 4)).unwrap();
        OutputDir::prepare_for(dir.path(), false, None).unwrap();
        let Err(err) = OutputDir::prepare_for(dir.path(), true, shard(2, 5)) else {
            panic!("another split is refused, --force or not");
        };
        let err = err.to_string();
        assert!(
            err.contains("cannot build shard 2 of 5 in this folder"),
            "{err}"
        );
        assert!(
            err.contains("split into 4 shards (report-1-of-4.csv and others)"),
            "{err}"
        );
        assert!(err.contains("--shard K/4"), "{err}");
        // Nothing was left behind by the refused shard.
        assert!(
            !listing(dir.path()).iter().any(|n| n.contains("of-5")),
            "{:?}",
            listing(dir.path())
        );
    }

    #[test]
    fn shards_of_a_run_share_the_folder_and_each_runs_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputDir::prepare_for(dir.path(), false, shard(1, 3)).unwrap();
        let second = OutputDir::prepare_for(dir.path(), false, shard(2, 3)).unwrap();
        // A second copy of a running shard is refused, naming the shard.
        let err = OutputDir::prepare_for(dir.path(), false, shard(2, 3))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another second-opinion run is building shard 2 of 3 in this folder"),
            "{err}"
        );
        assert!(err.contains("hint: wait for that run"), "{err}");
        // A run of the whole input, or a merge, waits for every shard.
        let err = OutputDir::prepare(dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another second-opinion run is using this folder"),
            "{err}"
        );
        assert!(err.contains("every shard"), "{err}");
        let err = hold(dir.path()).unwrap_err().to_string();
        assert!(err.contains("wait until every shard has finished"), "{err}");
        drop(first);
        assert!(
            OutputDir::prepare(dir.path(), false).is_err(),
            "shard 2 runs"
        );
        // The shard that finished can run again beside the one still running.
        let again = OutputDir::prepare_for(dir.path(), false, shard(1, 3)).unwrap();
        drop((again, second));
        let whole = OutputDir::prepare(dir.path(), false).unwrap();
        // ... and while it runs, no shard starts.
        let err = OutputDir::prepare_for(dir.path(), false, shard(3, 3))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another second-opinion run is using this folder"),
            "{err}"
        );
        assert!(err.contains("share a folder only with each other"), "{err}");
        drop(whole);
        hold(dir.path()).unwrap();
    }

    #[test]
    fn a_shard_removes_only_its_own_stale_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let names = [
            format!("{TEMP_PREFIX}abc123{TEMP_SUFFIX}"),
            format!("{TEMP_PREFIX}shard-1-of-3-abc123{TEMP_SUFFIX}"),
            format!("{TEMP_PREFIX}shard-2-of-3-abc123{TEMP_SUFFIX}"),
            format!("{TEMP_PREFIX}shard-1-of-30-abc123{TEMP_SUFFIX}"),
            "Ann.zip".to_string(),
            "report-2-of-3.csv".to_string(),
        ];
        for name in &names {
            fs::write(path(name), b"x").unwrap();
        }
        let one = OutputDir::prepare_for(dir.path(), false, shard(1, 3)).unwrap();
        assert!(!path(&names[1]).exists(), "shard 1's leftover is removed");
        for kept in [&names[0], &names[2], &names[3], &names[4], &names[5]] {
            assert!(path(kept).exists(), "{kept} may be another run's");
        }
        // Its own temporary files carry its slice, and are removed after use.
        one.write("Bo.zip", b"packet").unwrap();
        let tmp = one
            .write_with("Cy.zip", false, |file| {
                let live: Vec<String> = listing(dir.path())
                    .into_iter()
                    .filter(|n| n.ends_with(TEMP_SUFFIX) && !names.contains(n))
                    .collect();
                assert_eq!(live.len(), 1, "{live:?}");
                assert!(
                    live[0].starts_with(".second-opinion-shard-1-of-3-"),
                    "{live:?}"
                );
                file.write_all(b"packet")
            })
            .unwrap();
        assert!(tmp.ends_with("Cy.zip"));
        drop(one);
        // With the folder to itself, a run removes every leftover and the
        // shards' lock files.
        assert!(path(".second-opinion-shard-1-of-3.lock").exists());
        OutputDir::prepare(dir.path(), false).unwrap();
        assert_eq!(
            listing(dir.path()),
            ["Ann.zip", "Bo.zip", "Cy.zip", "report-2-of-3.csv"]
        );
    }

    #[test]
    fn only_a_run_with_the_folder_to_itself_removes_lock_files() {
        for (name, prefix, whole, stale) in [
            (".second-opinion-abc.tmp", TEMP_PREFIX, true, true),
            (
                ".second-opinion-shard-2-of-4-abc.tmp",
                TEMP_PREFIX,
                true,
                true,
            ),
            (".second-opinion-shard-2-of-4.lock", TEMP_PREFIX, true, true),
            (".second-opinion.lock", TEMP_PREFIX, true, false),
            ("Ann.zip", TEMP_PREFIX, true, false),
            (
                ".second-opinion-shard-2-of-4.lock",
                ".second-opinion-shard-2-of-4-",
                false,
                false,
            ),
            (
                ".second-opinion-shard-2-of-4-abc.tmp",
                ".second-opinion-shard-2-of-4-",
                false,
                true,
            ),
            (
                ".second-opinion-shard-3-of-4-abc.tmp",
                ".second-opinion-shard-2-of-4-",
                false,
                false,
            ),
            (
                ".second-opinion-abc.tmp",
                ".second-opinion-shard-2-of-4-",
                false,
                false,
            ),
        ] {
            assert_eq!(
                is_stale(name, prefix, whole),
                stale,
                "{name} {prefix} {whole}"
            );
        }
    }

    #[test]
    fn holding_a_folder_to_merge_writes_nothing_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let held = hold(dir.path()).unwrap();
        assert!(OutputDir::prepare_for(dir.path(), false, shard(1, 2)).is_err());
        assert!(OutputDir::prepare(dir.path(), false).is_err());
        drop(held);
        #[cfg(unix)]
        assert!(listing(dir.path()).is_empty());
        let err = hold(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(err.contains("it does not exist"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn new_output_folders_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        OutputDir::prepare(&deep, false).unwrap();
        for folder in [dir.path().join("a"), deep] {
            let mode = fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", folder.display());
        }
    }

    #[test]
    fn files_the_run_reads_are_never_replaced_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("report.csv");
        fs::write(&input, "patient_name\nAnn\n").unwrap();
        // Another spelling of the path, and a hard link, are the same file.
        let linked = dir.path().join("Ann.zip");
        fs::hard_link(&input, &linked).unwrap();
        let mut out = OutputDir::prepare(dir.path(), true).unwrap();
        out.protect([dir.path().join("./report.csv")]);
        assert!(matches!(
            out.check_report("report.csv"),
            Err(WriteError::Input)
        ));
        assert!(matches!(
            out.replace("report.csv", b"x"),
            Err(WriteError::Input)
        ));
        assert!(matches!(out.check_free("Ann.zip"), Err(WriteError::Input)));
        assert!(matches!(out.write("Ann.zip", b"x"), Err(WriteError::Input)));
        assert_eq!(fs::read(&input).unwrap(), b"patient_name\nAnn\n");
        assert!(temp_files(dir.path()).is_empty());
        let (message, hint) = WriteError::Input.describe();
        assert!(message.contains("a file the run reads"), "{message}");
        assert!(hint.contains("--out"), "{hint}");
    }

    #[test]
    fn only_a_report_this_program_wrote_is_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        out.check_report("report.csv").unwrap();
        fs::write(dir.path().join("report.csv"), format!("{REPORT_HEADER}\n")).unwrap();
        out.check_report("report.csv").unwrap();
        fs::write(
            dir.path().join("report.csv"),
            format!("{REPORT_HEADER}\r\nx"),
        )
        .unwrap();
        out.check_report("report.csv").unwrap();
        for theirs in [
            "patient_name,date_of_birth\n".to_string(),
            format!("{REPORT_HEADER},extra\n"),
            String::new(),
        ] {
            fs::write(dir.path().join("report.csv"), &theirs).unwrap();
            assert!(
                matches!(out.check_report("report.csv"), Err(WriteError::Exists)),
                "{theirs}"
            );
            out.with_force(true).check_report("report.csv").unwrap();
        }
    }

    #[test]
    fn a_shard_of_another_count_is_refused_while_one_holds_its_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputDir::prepare_for(dir.path(), false, shard(1, 2)).unwrap();
        for other in [shard(2, 3), shard(1, 1), shard(4, 4)] {
            let err = OutputDir::prepare_for(dir.path(), false, other)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("another second-opinion run is building shard 1 of 2 in it"),
                "{err}"
            );
            assert!(err.contains("--shard K/2 with K from 1 to 2"), "{err}");
        }
        // The same count runs beside it; once it has finished, its lock file
        // is free and another count may use the folder (no report of it).
        let second = OutputDir::prepare_for(dir.path(), false, shard(2, 2)).unwrap();
        drop((first, second));
        let third = OutputDir::prepare_for(dir.path(), false, shard(2, 3)).unwrap();
        // ... and now it is count 2 that is refused.
        let err = OutputDir::prepare_for(dir.path(), false, shard(1, 2))
            .unwrap_err()
            .to_string();
        assert!(err.contains("building shard 2 of 3"), "{err}");
        drop(third);
    }

    #[cfg(unix)]
    #[test]
    fn own_files_are_never_opened_through_a_link_nor_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("nologin");
        let lock = dir.path().join(".second-opinion-shard-1-of-2.lock");
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        let err = OutputDir::prepare_for(dir.path(), false, shard(1, 2))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cannot use this lock file: it is a link"),
            "{err}"
        );
        assert!(err.contains("hint: remove it"), "{err}");
        assert!(fs::symlink_metadata(&target).is_err(), "nothing created");
        // A named pipe opens at once and is refused.
        fs::remove_file(&lock).unwrap();
        let c = std::ffi::CString::new(lock.to_str().unwrap()).unwrap();
        // SAFETY: a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = OutputDir::prepare_for(dir.path(), false, shard(1, 2))
            .unwrap_err()
            .to_string();
        assert!(err.contains("it is a named pipe"), "{err}");
        for (path, kind) in [
            (lock.as_path(), SpecialKind::Pipe),
            (Path::new("/dev/null"), SpecialKind::Device),
            (dir.path(), SpecialKind::Folder),
        ] {
            assert!(
                matches!(
                    open_own(path, fs::OpenOptions::new().read(true)),
                    Err(OpenError::NotAFile(k)) if k == kind
                ),
                "{}",
                path.display()
            );
        }
        // The report's name: a link or pipe refused, a folder left to
        // check_report, a file or nothing passes; discard removes the link
        // itself, never its target.
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        let report = out.target("report.csv");
        refuse_special(&report, "x").unwrap();
        fs::write(&target, "kept").unwrap();
        std::os::unix::fs::symlink(&target, &report).unwrap();
        let err = refuse_special(&report, "cannot write the report here")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("report.csv: cannot write the report here: it is a link"),
            "{err}"
        );
        out.discard("report.csv").unwrap();
        assert!(fs::symlink_metadata(&report).is_err());
        assert_eq!(fs::read(&target).unwrap(), b"kept");
        fs::create_dir(&report).unwrap();
        refuse_special(&report, "x").unwrap();
        assert!(matches!(out.discard("report.csv"), Err(WriteError::Folder)));
    }

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

    #[test]
    #[should_panic(expected = "output names come from safe_stem")]
    fn unsafe_names_never_reach_the_file_system() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(dir.path(), false).unwrap();
        out.target("../escape.zip");
    }

    mod properties {
        use super::*;
        use crate::bundle::is_safe_entry_name;
        use proptest::prelude::*;
        use std::path::Component;

        /// Names Windows treats as devices, whatever follows a dot.
        const WINDOWS_DEVICES: &[&str] = &[
            "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
            "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
            "conin$", "conout$",
        ];

        /// Text as clinics and attackers type it: anything, path tricks,
        /// device names in every case, and very long text.
        fn any_text() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                "[a-zA-Z0-9 ._/\\\\:*?\"<>|-]{0,80}",
                "(?i)(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\\$|conout\\$)[ .]{0,2}[a-z]{0,3}",
                "(\\.\\./|/|\\\\|[A-Z]:){0,3}[a-zA-Z. ]{0,20}",
                "\\PC{0,300}",
                "[ÀÉÎÕÜàéîõüçñßøłđĐẞẠẶệỹΑΩαωЖЯжя王小明 -]{0,70}",
            ]
        }

        fn stem_is_safe(stem: &str) -> Result<(), TestCaseError> {
            prop_assert!(!stem.is_empty());
            prop_assert!(stem.len() <= MAX_STEM_CHARS, "{stem}");
            prop_assert!(is_safe_entry_name(&format!("{stem}.zip")), "{stem}");
            prop_assert!(
                stem.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{stem}"
            );
            prop_assert!(!stem.starts_with('-') && !stem.ends_with('-'), "{stem}");
            let base = stem.split('.').next().unwrap().to_ascii_lowercase();
            prop_assert!(!WINDOWS_DEVICES.contains(&base.as_str()), "{stem}");
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn every_stem_is_a_safe_bounded_file_name(text in any_text()) {
                let stem = safe_stem(&text);
                stem_is_safe(&stem)?;
                prop_assert_eq!(safe_stem(&text), stem.clone(), "deterministic");
                prop_assert_eq!(safe_stem(&stem), stem, "already safe stems are kept");
            }

            #[test]
            fn packet_names_are_unique_ignoring_case_and_stay_in_the_folder(
                texts in prop::collection::vec(
                    prop_oneof![
                        any_text(),
                        prop::sample::select(vec![
                            "Maria Garcia", "MARIA GARCIA", "maria-garcia", "Maria-Garcia-2",
                            "María García", "report", "REPORT", "all packets", "ALL-PACKETS",
                            "con", "CON-packet", "", "///",
                        ]).prop_map(String::from),
                    ],
                    1..40,
                )
            ) {
                let dir = tempfile::tempdir().unwrap();
                let out = OutputDir::prepare(dir.path(), false).unwrap();
                let mut namer = Namer::reserving(&["report.csv", "all-packets.zip"]);
                let mut seen = HashSet::new();
                seen.insert("report.csv".to_string());
                seen.insert("all-packets.zip".to_string());
                for text in &texts {
                    let name = namer.unique(&safe_stem(text), "zip");
                    prop_assert!(is_safe_entry_name(&name), "{name}");
                    prop_assert!(name.ends_with(".zip"));
                    prop_assert!(name.len() <= MAX_STEM_CHARS + ".zip".len() + 4, "{name}");
                    let base = name.split('.').next().unwrap().to_ascii_lowercase();
                    prop_assert!(!WINDOWS_DEVICES.contains(&base.as_str()), "{name}");
                    prop_assert!(seen.insert(name.to_ascii_lowercase()), "{name} given twice");
                    let target = out.target(&name);
                    prop_assert_eq!(target.parent(), Some(dir.path()));
                    prop_assert!(matches!(
                        target.components().next_back(),
                        Some(Component::Normal(n)) if n == name.as_str()
                    ));
                    prop_assert_eq!(
                        target.components().count(),
                        dir.path().components().count() + 1
                    );
                }
            }

            #[test]
            fn only_allow_listed_names_get_a_target(name in any_text()) {
                let dir = tempfile::tempdir().unwrap();
                let out = OutputDir::prepare(dir.path(), false).unwrap();
                let target = std::panic::catch_unwind(|| out.target(&name));
                match target {
                    Ok(path) => {
                        prop_assert!(is_safe_entry_name(&name));
                        prop_assert_eq!(path.parent(), Some(dir.path()));
                    }
                    Err(_) => prop_assert!(!is_safe_entry_name(&name)),
                }
            }
        }
    }
}
