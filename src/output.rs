//! Output stage: atomic writes into the output folder, under the safe,
//! unique names the core gives (`second_opinion_core::naming`).
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
//! `crate::shard`); then it looks for other counts' finished reports. The
//! locks themselves are `crate::lock`'s.
//!
//! Nothing the tool keeps in the output folder is ever opened through a
//! link, nor waited on: lock files and a report read back are opened with
//! `O_NOFOLLOW | O_NONBLOCK` and checked to be regular files once open
//! (`files::open_own`), so a link planted under a lock file's name cannot make a
//! run create a file elsewhere (as root, `/etc/nologin`), and a named pipe
//! or device planted there is refused, not waited on. Temporary files are
//! created with `O_CREAT | O_EXCL` under random names (the `tempfile`
//! crate), which never follows a link either, and files reach their final
//! names by `rename`, which replaces a link rather than writing through it.
//! The report and the lock files refuse, with the fix (remove it), a link, a
//! pipe, a device or a socket under their names ([`refuse_special`]). The
//! names and the opening are `crate::files`'s, shared with the locks.
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

use second_opinion_core::error::{Error, io_reason};
use second_opinion_core::report::REPORT_HEADER;

use crate::files::{FileKey, SpecialKind, TEMP_PREFIX, TEMP_SUFFIX, open_own, special_error};
use crate::lock::{FolderLock, lock_folder, same_split};
use crate::shard::Shard;

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
            second_opinion_core::bundle::is_safe_entry_name(name),
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

/// Flushes a folder's entries to disk, so a rename into it is durable.
fn sync_folder(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    fs::File::open(path)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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
mod tests;
