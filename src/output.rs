//! Output stage: safe, unique file names and atomic writes.
//!
//! Packets are named after `packet_id` when the intake gives one, else after
//! the patient's name, so that clinic staff can find them. This is a
//! deliberate choice (documented in the README): names appear in the output
//! folder's listing, never inside the ZIPs or in messages.
//!
//! Every file is written to a hidden temporary file in the output folder,
//! flushed to disk, and only then renamed to its final name: a packet under
//! its final name is always complete. A run that is killed leaves only
//! temporary files, which the next run removes.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, io_reason};
use crate::record::Patient;

/// Prefix of temporary files; anything with it in the output folder is ours.
pub const TEMP_PREFIX: &str = ".second-opinion-";
/// Suffix of temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";
/// Longest stem (name without `.zip`) we produce.
pub const MAX_STEM_CHARS: usize = 60;

/// Names Windows reserves for devices, whatever the extension.
const DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "conin$",
    "conout$",
];

/// Turns any text into a safe file stem: ASCII letters and digits (accents
/// transliterated: "José Núñez" → "Jose-Nunez"), runs of anything else as
/// one `-`, at most [`MAX_STEM_CHARS`], never empty, never a device name.
pub fn safe_stem(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut stem = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.len() >= MAX_STEM_CHARS {
            break;
        }
    }
    let stem = stem.trim_matches('-').to_string();
    if stem.is_empty() {
        return "patient".to_string();
    }
    let base = stem.split('.').next().unwrap_or(&stem).to_ascii_lowercase();
    if DEVICE_NAMES.contains(&base.as_str()) {
        format!("{stem}-packet")
    } else {
        stem
    }
}

/// Hands out unique file names within one run, ignoring case (Windows and
/// macOS folders do): the second "Maria Garcia" becomes `Maria-Garcia-2.zip`.
#[derive(Debug, Default)]
pub struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// A namer that also avoids names already taken (such as `report.csv`).
    pub fn reserving(names: &[&str]) -> Self {
        Namer {
            used: names.iter().map(|n| n.to_ascii_lowercase()).collect(),
        }
    }

    /// The next unique `stem.ext` for this stem.
    pub fn unique(&mut self, stem: &str, ext: &str) -> String {
        let mut n = 1;
        loop {
            let name = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            if self.used.insert(name.to_ascii_lowercase()) {
                return name;
            }
            n += 1;
        }
    }

    /// The packet file name for a patient.
    pub fn packet_name(&mut self, patient: &Patient) -> String {
        let source = patient
            .packet_id
            .as_deref()
            .unwrap_or(&patient.patient_name);
        self.unique(&safe_stem(source), "zip")
    }
}

/// The output folder of a run.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
    force: bool,
}

impl OutputDir {
    /// Creates the folder if needed, checks it is writable, and removes
    /// temporary files an interrupted earlier run left behind.
    pub fn prepare(path: &Path, force: bool) -> Result<Self, Error> {
        if path.exists() && !path.is_dir() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                action: "cannot use this as the output folder".into(),
                reason: "it is a file".into(),
                hint: "name a folder with --out (it is created if it does not exist)".into(),
            });
        }
        fs::create_dir_all(path).map_err(|e| Error::io_write(path, &e))?;
        let dir = OutputDir {
            path: path.to_path_buf(),
            force,
        };
        dir.remove_stale_temp_files();
        // Fail now, before any work, if the folder is not writable.
        let probe = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(path);
        probe.map_err(|e| Error::io_write(path, &e))?;
        Ok(dir)
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

    /// Whether one of the program's own files (the report), which is always
    /// replaced, can be written: only a folder of that name is in the way.
    pub fn check_replaceable(&self, name: &str) -> Result<(), WriteError> {
        self.check(name, true)
    }

    fn check(&self, name: &str, overwrite: bool) -> Result<(), WriteError> {
        let target = self.target(name);
        if target.is_dir() {
            Err(WriteError::Folder)
        } else if !overwrite && target.exists() {
            Err(WriteError::Exists)
        } else {
            Ok(())
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
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&self.path)
            .map_err(WriteError::Io)?;
        fill(tmp.as_file_mut()).map_err(WriteError::Io)?;
        tmp.as_file().sync_all().map_err(WriteError::Io)?;
        let persisted = if overwrite {
            tmp.persist(&target)
        } else {
            tmp.persist_noclobber(&target)
        };
        match persisted {
            Ok(_) => Ok(target),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(WriteError::Exists)
            }
            Err(e) => Err(WriteError::Io(e.error)),
        }
    }

    /// Removes temporary files left by a run that was killed.
    fn remove_stale_temp_files(&self) {
        let Ok(entries) = fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Why a file could not be written.
#[derive(Debug)]
pub enum WriteError {
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
        let forced = OutputDir::prepare(dir.path(), true).unwrap();
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
        let forced = OutputDir::prepare(dir.path(), true).unwrap();
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
        let forced = OutputDir::prepare(dir.path(), true).unwrap();
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
