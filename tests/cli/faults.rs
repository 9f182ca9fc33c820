//! Faults: output folders that cannot be used, a run killed half-way,
//! packets that already exist (a full disk is a unit test in
//! `src/output/tests.rs`); a workbook found by fuzzing that took all memory;
//! and memory that stays flat as the sheet grows.

use std::fs;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Case, DATE, fixture, listing, patient, report_rows, require, tool};

fn is_temp(name: &str) -> bool {
    name.starts_with(".second-opinion-") && name.ends_with(".tmp")
}

// ---------------------------------------------------------------- faults

#[test]
fn unusable_output_folders_stop_the_run_with_a_clear_message() {
    let case = Case::new();
    let input = case.write("p.json", &patient("Ann Lee").to_string());
    let input = input.to_str().unwrap();

    // Missing, several levels deep: created.
    case.build(input, "a/b/c", &["--quiet"]).assert_code(0);
    assert_eq!(listing(&case.path("a/b/c")), ["Ann-Lee.zip", "report.csv"]);

    // A file where the folder should be: refused, the file untouched.
    case.write("packets", "not a folder");
    let run = case.build(input, "packets", &[]);
    run.assert_code(2);
    assert!(
        run.stderr().starts_with(
            "error: packets: cannot use this as the output folder: it is a file\nhint: name a folder with --out"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read_to_string(case.path("packets")).unwrap(),
        "not a folder"
    );

    // A folder inside a file.
    let run = case.build(input, "packets/sub", &[]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .starts_with("error: packets/sub: could not write: not a directory\nhint: "),
        "{}",
        run.stderr()
    );
    assert_eq!(
        listing(case.dir.path()),
        ["a", "p.json", "packets"],
        "nothing else was written"
    );
}

#[test]
fn a_folder_in_place_of_a_packet_fails_that_record_only() {
    let case = Case::new();
    let records = serde_json::json!([patient("Ann Lee"), patient("Bo Chan")]);
    let input = case.write("p.json", &records.to_string());
    let input = input.to_str().unwrap();
    fs::create_dir_all(case.path("out/Ann-Lee.zip")).unwrap();
    let run = case.build(input, "out", &[]);
    run.assert_code(1);
    assert!(
        run.stderr().contains("p.json, record 1:\n    - a folder with this packet's file name is in the output folder (hint: rename or move that folder"),
        "{}",
        run.stderr()
    );
    let run = case.build(input, "out", &["--force"]);
    run.assert_code(1);
    assert!(
        run.stderr().contains(
            "p.json, record 1:\n    - a folder with this packet's file name is in the output folder"
        ),
        "{}",
        run.stderr()
    );
    assert!(case.path("out/Ann-Lee.zip").is_dir());
    assert!(case.path("out/Bo-Chan.zip").is_file());
    assert_eq!(
        report_rows(&case.path("out/report.csv")),
        [
            "p.json,record 1,,failed",
            "p.json,record 2,Bo-Chan.zip,built"
        ]
    );
    assert!(listing(&case.path("out")).iter().all(|n| !is_temp(n)));
}

/// Kills a run after its first packet, then checks that every packet under
/// its final name is whole, that a second run keeps them (without --force)
/// and a third replaces them all and cleans up.
#[test]
fn a_run_killed_half_way_leaves_only_whole_packets() {
    require!("unzip");
    const PATIENTS: usize = 40;
    let case = Case::new();
    let records: Vec<serde_json::Value> = (0..PATIENTS)
        .map(|i| {
            let mut p = patient(&format!("Patient {i:02}"));
            p["diagnosis"] = serde_json::json!("Example condition");
            p
        })
        .collect();
    let input = case.write("batch.json", &serde_json::Value::Array(records).to_string());
    let input = input.to_str().unwrap();
    let out = case.path("out");

    let mut child = case
        .command(&[
            "build", input, "--out", "out", "--date", DATE, "--jobs", "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let zips = |dir: &Path| -> Vec<String> {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".zip"))
                    .collect()
            })
            .unwrap_or_default()
    };
    while zips(&out).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no packet appeared"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().ok();
    child.wait().unwrap();

    let names = listing(&out);
    let done = zips(&out);
    assert!(!done.is_empty());
    for name in &names {
        assert!(
            name.ends_with(".zip") || is_temp(name) || name == "report.csv",
            "unexpected file {name}"
        );
    }
    let mut kept = Vec::new();
    for name in &done {
        tool("unzip", &["-tq"], &out.join(name));
        kept.push((name.clone(), fs::read(out.join(name)).unwrap()));
    }

    // Without --force the packets already there are kept, each reported.
    let run = case.build(input, "out", &["--jobs", "2", "--quiet"]);
    if done.len() < PATIENTS {
        run.assert_code(1);
    } else {
        run.assert_code(2);
    }
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "{} record{} could not be built:",
            done.len(),
            if done.len() == 1 { "" } else { "s" }
        )),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("a packet with this file name already exists in the output folder (hint: add --force to replace it")
            .count(),
        done.len(),
        "{stderr}"
    );
    for (name, bytes) in &kept {
        assert_eq!(&fs::read(out.join(name)).unwrap(), bytes, "{name} kept");
    }
    assert!(
        listing(&out).iter().all(|n| !is_temp(n)),
        "temp files removed"
    );

    // With --force every packet is built again, and nothing else is left.
    let run = case.build(input, "out", &["--force", "--jobs", "2", "--quiet"]);
    run.assert_code(0);
    let rows = report_rows(&out.join("report.csv"));
    assert_eq!(rows.len(), PATIENTS);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row,
            &format!("batch.json,record {},Patient-{i:02}.zip,built", i + 1)
        );
    }
    let names = listing(&out);
    assert_eq!(names.len(), PATIENTS + 1, "{names:?}");
    assert!(names.iter().all(|n| !is_temp(n)));
    for name in names.iter().filter(|n| n.ends_with(".zip")) {
        tool("unzip", &["-tq"], &out.join(name));
    }
}

// ----------------------------------------------------- fuzz regressions

/// Found by `cargo fuzz run workbook`: a 5.7 KB .xls whose sector table
/// makes a sector point to itself. calamine's compound-file reader follows
/// the chain without end, growing one buffer until memory runs out (23.8 GB
/// resident after 76 s on a 24 GB machine); no `catch_unwind` can stop that.
/// Run here under a 3 GB address-space limit so the test cannot take the
/// machine down: today the process aborts ("memory allocation failed").
#[test]
fn an_xls_whose_sector_chain_loops_is_a_damaged_workbook() {
    let case = Case::new();
    let input = fixture("fuzz/xls_sector_chain_cycle.xls");
    let mut command = case.command(&["validate", &input, "--date", DATE]);
    // 3,000,000 KB of address space, as `ulimit -v 3000000` sets it.
    // SAFETY: setrlimit is async-signal-safe and reads only `limit`.
    unsafe {
        command.pre_exec(|| {
            let bytes = 3_000_000 * 1024;
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("could not read the workbook (.xls); it may be damaged"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------- load

/// The peak resident memory, in MB, of one run of the binary, read from the
/// kernel for that child alone (`wait4`), so tests running beside it do not
/// count. Asserts the run succeeded.
// The child is reaped by `wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn peak_mb(case: &Case, args: &[&str]) -> f64 {
    let child = case
        .command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, which `child` never waits for.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{args:?} failed with status {status}"
    );
    usage.ru_maxrss as f64 / 1024.0
}

/// A CSV intake of `rows` patients with the required fields and a diagnosis.
fn many_rows(case: &Case, name: &str, rows: usize) -> String {
    let mut text = String::from("patient_name,date_of_birth,current_doctor,diagnosis\n");
    for i in 0..rows {
        text.push_str(&format!(
            "Patient {i},1960-01-{:02},Dr. Doctor {},Condition number {i}\n",
            1 + i % 28,
            i % 97
        ));
    }
    case.write(name, &text);
    name.to_string()
}

/// Memory does not grow with the length of the sheet: records are read,
/// checked and handed on one at a time, never all held at once (`build`
/// reads with the same two passes `validate` makes). Holding every record,
/// as the first design did, cost about 3 KB a row: 100 MB more at 40,000
/// rows than at 1,000. What may still grow is the file's own bytes (here
/// under 3 MB). The full-scale build (50,000 rows) is `bench/load.py`.
#[test]
fn memory_stays_flat_as_the_sheet_grows() {
    let case = Case::new();
    let small = many_rows(&case, "small.csv", 1_000);
    let large = many_rows(&case, "large.csv", 40_000);
    let small_mb = peak_mb(&case, &["validate", &small, "--date", DATE]);
    let large_mb = peak_mb(&case, &["validate", &large, "--date", DATE]);
    eprintln!("validate peak: 1,000 rows {small_mb:.1} MB, 40,000 rows {large_mb:.1} MB");
    assert!(
        large_mb - small_mb < 10.0,
        "40,000 rows took {large_mb:.0} MB, 1,000 rows {small_mb:.0} MB"
    );
}
