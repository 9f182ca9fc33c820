//! Lock, temporary and report files never opened through links; shards of
//! another count refused (issue 25).
//!
//! - a link planted in the output folder under a lock file's, a temporary
//!   file's or the report's name never makes a run create or open a file
//!   where it points (as root, `/etc/nologin`);
//! - a named pipe planted as a lock file is refused at once, not waited on;
//! - a shard of another count is refused while a shard of the run holds its
//!   lock (`--shard 2/3` beside a live `1/2`), before any work;
//! - `--shard auto` refuses Slurm variables that do not give the slice
//!   exactly (no `SLURM_ARRAY_TASK_MAX`, a gapped array);
//! - a disk that fills after the packets but before the report: the
//!   summary lists the packets built, the error says where they are, and
//!   the older run's report is gone (a tmpfs of the right size, mounted in a
//!   user namespace; skipped where user namespaces are not allowed).

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, Case, DATE, Run, listing, minimal, mkfifo, require, skip};

/// Runs the binary with `env` set, failing the test if it runs for more
/// than a minute (a run waiting on a pipe would otherwise hang the suite).
fn run_env(case: &Case, args: &[&str], env: &[(&str, &str)]) -> Run {
    case.run_within(args, env, Duration::from_secs(60))
}

/// `build INPUT --out OUT --date DATE --quiet EXTRA...`.
fn build(case: &Case, input: &str, out: &str, extra: &[&str]) -> Run {
    let mut args = vec!["build", input, "--out", out, "--date", DATE, "--quiet"];
    args.extend_from_slice(extra);
    run_env(case, &args, &[])
}

/// Two valid records, one per shard of two.
fn two_records(case: &Case) -> String {
    let records = serde_json::json!([
        {"patient_name": "Ann Lee", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "Bo Chan", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"}
    ]);
    let input = case.write("two.json", &records.to_string());
    input.to_str().unwrap().to_string()
}

/// Whether anything, even a dangling link, is at `path`.
fn anything_at(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

#[cfg(unix)]
#[test]
fn a_link_planted_as_a_lock_temp_or_report_file_is_never_followed() {
    use std::os::unix::fs::symlink;
    let case = Case::new();
    let input = two_records(&case);
    let outside = case.path("outside");
    fs::create_dir(&outside).unwrap();
    let shared = case.path("shared");
    fs::create_dir(&shared).unwrap();

    // A shard's lock file: a dangling link (the run would create its
    // target) and a link to an existing file (it would be locked, and
    // opened for writing). Both are refused, naming the file and the fix.
    let nologin = outside.join("nologin");
    let lock = shared.join(".second-opinion-shard-1-of-2.lock");
    symlink(&nologin, &lock).unwrap();
    for _ in 0..2 {
        let run = build(&case, &input, "shared", &["--shard", "1/2"]);
        run.assert_code(2)
            .assert_stderr_has(".second-opinion-shard-1-of-2.lock: cannot use this lock file")
            .assert_stderr_has("it is a link")
            .assert_stderr_has("hint: remove it");
        assert!(!anything_at(&nologin), "the link's target was created");
        assert!(!anything_at(&shared.join("Ann-Lee.zip")), "no work done");
    }
    fs::write(outside.join("kept"), "not theirs").unwrap();
    fs::remove_file(&lock).unwrap();
    symlink(outside.join("kept"), &lock).unwrap();
    build(&case, &input, "shared", &["--shard", "1/2"]).assert_code(2);
    assert_eq!(fs::read(outside.join("kept")).unwrap(), b"not theirs");
    fs::remove_file(&lock).unwrap();

    // Temporary files' names: the shard removes its own leftovers (the link
    // itself) and leaves the others; no target is ever created.
    let own_temp = shared.join(".second-opinion-shard-1-of-2-planted.tmp");
    let other_temp = shared.join(".second-opinion-planted.tmp");
    symlink(outside.join("temp-1"), &own_temp).unwrap();
    symlink(outside.join("temp-2"), &other_temp).unwrap();
    build(&case, &input, "shared", &["--shard", "1/2"]).assert_code(0);
    assert!(!anything_at(&own_temp), "a shard's own leftover is removed");
    assert!(anything_at(&other_temp), "another run's leftover is kept");
    assert_eq!(listing(&outside), ["kept"]);
    // The report's name: refused even with --force (the report is the
    // tool's own file), and the link's target is not created.
    let report = shared.join("report-2-of-2.csv");
    symlink(outside.join("report.csv"), &report).unwrap();
    for extra in [&["--shard", "2/2"][..], &["--shard", "2/2", "--force"]] {
        let run = build(&case, &input, "shared", extra);
        run.assert_code(2)
            .assert_stderr_has("report-2-of-2.csv: cannot write the report here")
            .assert_stderr_has("it is a link")
            .assert_stderr_has("hint: remove it");
        assert!(!anything_at(&shared.join("Bo-Chan.zip")), "no work done");
    }
    fs::remove_file(&report).unwrap();
    build(&case, &input, "shared", &["--shard", "2/2"]).assert_code(0);
    // A run with the folder to itself removes every leftover, links too.
    let whole = case.path("whole");
    fs::create_dir(&whole).unwrap();
    symlink(outside.join("temp-3"), whole.join(".second-opinion-x.tmp")).unwrap();
    symlink(outside.join("report.csv"), whole.join("report.csv")).unwrap();
    build(&case, &input, "whole", &[])
        .assert_code(2)
        .assert_stderr_has("report.csv: cannot write the report here");
    fs::remove_file(whole.join("report.csv")).unwrap();
    build(&case, &input, "whole", &[]).assert_code(0);
    assert_eq!(
        listing(&whole),
        ["Ann-Lee.zip", "Bo-Chan.zip", "report.csv"]
    );
    assert_eq!(listing(&outside), ["kept"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_planted_as_a_lock_file_is_refused_not_waited_on() {
    let case = Case::new();
    let input = two_records(&case);
    let shared = case.path("shared");
    fs::create_dir(&shared).unwrap();
    let lock = shared.join(".second-opinion-shard-2-of-2.lock");
    mkfifo(&lock);
    let start = Instant::now();
    let run = build(&case, &input, "shared", &["--shard", "2/2"]);
    run.assert_code(2)
        .assert_stderr_has(".second-opinion-shard-2-of-2.lock: cannot use this lock file")
        .assert_stderr_has("it is a named pipe")
        .assert_stderr_has("hint: remove it");
    assert!(start.elapsed() < Duration::from_secs(30));
    assert!(!anything_at(&shared.join("Bo-Chan.zip")));
    // A pipe under another count's lock name is no shard's lock: skipped.
    let other = shared.join(".second-opinion-shard-1-of-3.lock");
    mkfifo(&other);
    build(&case, &input, "shared", &["--shard", "1/2"]).assert_code(0);
}

#[test]
fn a_shard_of_another_count_is_refused_while_a_shard_of_the_run_holds_its_lock() {
    let case = Case::new();
    let input = two_records(&case);
    let shared = case.path("shared");
    fs::create_dir(&shared).unwrap();
    // Shard 1 of 2 is running: it holds the folder shared and its lock.
    let folder = fs::File::open(&shared).unwrap();
    folder.lock_shared().unwrap();
    let lock = fs::File::create(shared.join(".second-opinion-shard-1-of-2.lock")).unwrap();
    lock.lock().unwrap();
    for slice in ["2/3", "1/3", "1/1", "7/10"] {
        let run = build(&case, &input, "shared", &["--shard", slice]);
        run.assert_code(2)
            .assert_stderr_has("another second-opinion run is building shard 1 of 2 in it")
            .assert_stderr_has("--shard K/2");
        // Nothing written but the refused shard's own hidden lock file.
        let written: Vec<String> = listing(&shared)
            .into_iter()
            .filter(|n| !n.ends_with(".lock"))
            .collect();
        assert!(written.is_empty(), "{slice}: {written:?}");
    }
    // The run's other shard goes ahead beside it.
    build(&case, &input, "shared", &["--shard", "2/2"]).assert_code(0);
    drop((lock, folder));
    // Once shard 1 of 2 has finished, its lock file is free: the folder now
    // holds a finished report of count 2, which refuses another count too.
    build(&case, &input, "shared", &["--shard", "2/3"])
        .assert_code(2)
        .assert_stderr_has("it holds the report of a run split into 2 shards");
    // A lock file left by a shard that finished elsewhere is no live shard.
    let other = case.path("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join(".second-opinion-shard-1-of-2.lock"), "").unwrap();
    build(&case, &input, "other", &["--shard", "1/3"]).assert_code(0);
}

#[test]
fn slurm_variables_that_do_not_give_the_slice_exactly_are_refused() {
    let case = Case::new();
    let input = two_records(&case);
    let auto = [
        "build", &input, "--out", "out", "--date", DATE, "--shard", "auto",
    ];
    // `sbatch --array=1,3,5` on a Slurm that sets no MAX: task 3 used to
    // take shard 3 of 3 (task 5's slice).
    for id in ["1", "3", "5"] {
        let env = [
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        run_env(&case, &auto, &env)
            .assert_code(2)
            .assert_stderr_has("SLURM_ARRAY_TASK_MAX is not set")
            .assert_stderr_has("--shard K/N");
        // With MAX, the gap shows.
        let mut env = env.to_vec();
        env.push(("SLURM_ARRAY_TASK_MAX", "5"));
        run_env(&case, &auto, &env)
            .assert_code(2)
            .assert_stderr_has("not consecutive");
    }
    assert!(!case.path("out").exists(), "nothing written");
    // Consecutive and fully described: the slice.
    let env = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_MAX", "2"),
        ("SLURM_ARRAY_TASK_COUNT", "2"),
    ];
    run_env(&case, &auto, &env).assert_code(0);
    assert_eq!(
        listing(&case.path("out")),
        [
            ".second-opinion-shard-2-of-2.lock",
            "Bo-Chan.zip",
            "report-2-of-2.csv"
        ]
    );
}

/// Whether this machine lets an unprivileged process mount a tmpfs in a
/// user namespace of its own (`unshare -rm`).
fn user_namespaces() -> bool {
    Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount -t tmpfs tmpfs /tmp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_before_the_report_lists_the_packets_and_leaves_no_older_report() {
    require!("unshare", "sh");
    if !user_namespaces() {
        skip!("no user namespaces to mount a small tmpfs in (unshare -rm)");
    }
    let case = Case::new();
    let input = two_records(&case);
    // The packets' size, from a run with room: the tmpfs below is filled
    // so that exactly they fit, and not the report after them.
    build(&case, &input, "room", &[]).assert_code(0);
    let pages: u64 = ["Ann-Lee.zip", "Bo-Chan.zip"]
        .iter()
        .map(|n| {
            fs::metadata(case.path("room").join(n))
                .unwrap()
                .len()
                .div_ceil(4096)
        })
        .sum();
    // An older run's report: another record, in another run.
    let older = case.write("older.json", &minimal("Cy Diaz"));
    build(&case, older.to_str().unwrap(), "older", &[]).assert_code(0);
    fs::create_dir(case.path("mnt")).unwrap();
    fs::create_dir(case.path("got")).unwrap();
    // In a mount namespace that dies with the script: mount, put the older
    // report in place, fill the disk (the older report's page comes back
    // when the run removes it), run, and copy out what is left.
    let script = r#"
        set -e
        mount -t tmpfs -o size=16m tmpfs mnt
        mkdir -m 700 mnt/out
        cp older/report.csv mnt/out/report.csv
        free=$(stat -f -c %a mnt)
        dd if=/dev/zero of=mnt/filler bs=4096 count=$((free - PAGES + 1)) 2>/dev/null
        set +e
        "$BIN" build "$INPUT" --out mnt/out --date "$DATE" --quiet >stdout 2>stderr
        echo $? >code
        ls -A mnt/out >listing
        cp mnt/out/*.zip got/ 2>/dev/null
        cp mnt/out/report.csv got/ 2>/dev/null
        exit 0
    "#;
    let status = Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .current_dir(case.dir.path())
        .env("BIN", BIN)
        .env("INPUT", &input)
        .env("DATE", DATE)
        .env("PAGES", pages.to_string())
        .env_remove("SOURCE_DATE_EPOCH")
        .status()
        .expect("unshare runs");
    assert!(status.success());
    let read = |name: &str| fs::read_to_string(case.path(name)).unwrap();
    let (code, stderr) = (read("code"), read("stderr"));
    assert_eq!(code.trim(), "1", "stderr:\n{stderr}");
    // The packets were built and are whole: the same bytes as with room.
    assert_eq!(
        read("listing").lines().collect::<Vec<_>>(),
        ["Ann-Lee.zip", "Bo-Chan.zip"]
    );
    for name in ["Ann-Lee.zip", "Bo-Chan.zip"] {
        assert_eq!(
            fs::read(case.path("got").join(name)).unwrap(),
            fs::read(case.path("room").join(name)).unwrap(),
            "{name}"
        );
    }
    // No report, and above all not the older run's.
    assert!(!case.path("got/report.csv").exists());
    // The summary says the report could not be written, why, where the
    // packets are, and which records they are (never a name).
    for says in [
        "Built 2 packets in mnt/out, but the report could not be written:",
        "mnt/out/report.csv: could not write the report: no space left on device",
        "the packets built (their records are listed here) are whole, in mnt/out",
        "free some disk space",
        "--force",
        "The packets built are those of these records:",
        "two.json, record 1",
        "two.json, record 2",
    ] {
        assert!(stderr.contains(says), "stderr lacks {says:?}:\n{stderr}");
    }
    for name in ["Ann", "Bo", "Chan", "Cy Diaz"] {
        assert!(!stderr.contains(name), "{name} in:\n{stderr}");
    }
    assert!(read("stdout").is_empty());
}
