//! The output folder: atomic writes, its locks, stale files, the files
//! the run reads, the report's name and names reaching the file system.

use super::*;
use crate::files::OpenError;
use crate::lock::hold;

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
#[should_panic(expected = "output names come from safe_stem")]
fn unsafe_names_never_reach_the_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let out = OutputDir::prepare(dir.path(), false).unwrap();
    out.target("../escape.zip");
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use second_opinion_core::bundle::is_safe_entry_name;
    use second_opinion_core::naming::{MAX_STEM_CHARS, Namer, safe_stem};
    use std::path::Component;

    /// Names Windows treats as devices, whatever follows a dot.
    const WINDOWS_DEVICES: &[&str] = &[
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "conin$",
        "conout$",
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
