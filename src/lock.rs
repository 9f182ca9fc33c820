//! The output folder's advisory locks: a run holds its folder for as long
//! as it lives, so a second run into the same folder stops at once instead
//! of deleting the first run's temporary files; the shards of one run
//! share it, each holding its own slice's lock file (the order that makes
//! this free of races is explained in [`crate::shard`]); and `report merge`
//! holds every folder it reads ([`hold`]).
//!
//! Below `output`, which takes these locks when it prepares a folder, and
//! `merge`, which only holds folders: it knows
//! the shards' lock file names ([`Shard::lock_file`]) and nothing of what
//! is written.

use std::fs;
use std::path::{Path, PathBuf};

use second_opinion_core::error::Error;

#[cfg(not(unix))]
use crate::files::LOCK_FILE;
use crate::files::{OpenError, open_own, special_error};
use crate::shard::Shard;

/// The advisory locks a run holds on a folder, released when dropped: the
/// folder's own (exclusive, or shared by the shards of a run), and a shard's
/// lock file.
#[derive(Debug)]
pub(crate) struct FolderLock {
    _folder: fs::File,
    _shard: Option<fs::File>,
}

/// Takes the advisory locks of an output folder, or says another run has
/// them. On Unix the folder itself is locked (`flock` on the folder), so no
/// lock file is left behind; elsewhere a hidden lock file in it is. A run
/// of the whole input locks the folder exclusively; a shard locks it shared
/// (with its fellow shards) and its own lock file exclusively. The shards'
/// lock files stay behind, hidden, until a run with the folder to itself
/// (`report merge`, say) removes them: removing one while another copy of
/// that shard may be opening it would let two copies run.
pub(crate) fn lock_folder(path: &Path, shard: Option<Shard>) -> Result<FolderLock, Error> {
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
pub(crate) fn hold(path: &Path) -> Result<FolderLock, Error> {
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
pub(crate) fn same_split(path: &Path, shard: Shard) -> Result<(), Error> {
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
