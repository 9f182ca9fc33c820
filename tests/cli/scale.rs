//! Past one machine (issue 13): `build --shard K/N` builds one slice of a
//! batch into a folder the shards share, `report merge` combines their
//! reports, and a real single-node Slurm cluster, started by the test, runs
//! the shards as a job array.
//!
//! The promise checked throughout: the shards together write exactly the
//! packets (names and bytes) and, merged, exactly the report of one run.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    BIN, Case, DATE, Run, SCHEDULER_VARS, find, listing, minimal, require, sample_file,
};

/// Twelve rows: one invalid (row 5, no date of birth), and the same name
/// three times (two spellings), valid records 1, 5 and 9, which fall in
/// shards 2, 3 and 1 of 3: their `-2`, `-3` names are only right if every
/// shard counts the others' records.
fn intake() -> String {
    let names = [
        "Ann Lee",
        "Maria Garcia",
        "Bo Chan",
        "",
        "Cy Diaz",
        "Di Evans",
        "MARIA GARCIA",
        "Ed Fox",
        "Flo Gray",
        "Gus Hill",
        "Maria Garcia",
        "Ivy Jones",
    ];
    let mut text = String::from("patient_name,date_of_birth,current_doctor\n");
    for name in names {
        if name.is_empty() {
            text.push_str("Hal Ito,,Dr. Lee\n");
        } else {
            text.push_str(&format!("{name},1970-02-03,Dr. Lee\n"));
        }
    }
    text
}

/// `build INPUT --out OUT --date DATE --quiet EXTRA...`, no scheduler.
fn build(case: &Case, input: &str, out: &str, extra: &[&str]) -> Run {
    let mut args = vec!["build", input, "--out", out, "--date", DATE, "--quiet"];
    args.extend_from_slice(extra);
    case.run(&args)
}

/// Every packet in a folder: name → bytes.
fn packets(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .map(|n| {
            let bytes = fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// A report's rows, each as its seven columns.
fn rows(report: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(report).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The packets a shard's report says it built.
fn built_by(report: &Path) -> Vec<String> {
    rows(report)
        .into_iter()
        .filter(|r| r[3] == "built")
        .map(|r| r[2].clone())
        .collect()
}

/// Checks that the shards' packets in `shared` are the single run's in
/// `whole`, name for name and byte for byte, each built by one shard only,
/// and that the merged report is the single run's.
fn assert_same_as_one_run(shared: &Path, whole: &Path, shards: usize) {
    let mut seen = BTreeSet::new();
    for k in 1..=shards {
        for name in built_by(&shared.join(format!("report-{k}-of-{shards}.csv"))) {
            assert!(seen.insert(name.clone()), "{name} built by two shards");
        }
    }
    let (theirs, ours) = (packets(shared), packets(whole));
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "the same packet names"
    );
    assert_eq!(
        seen,
        ours.keys().cloned().collect(),
        "every packet reported"
    );
    for (name, bytes) in &ours {
        assert!(
            theirs[name] == *bytes,
            "{name} differs from the single run's"
        );
    }
    assert_eq!(
        fs::read_to_string(shared.join("report.csv")).unwrap(),
        fs::read_to_string(whole.join("report.csv")).unwrap(),
        "the merged report is the single run's"
    );
}

#[test]
fn shards_build_one_runs_packets_and_merge_into_its_report() {
    let case = Case::new();
    let input = case.write("intake.csv", &intake());
    let input = input.to_str().unwrap();
    build(&case, input, "whole", &[]).assert_code(1);
    let whole = packets(&case.path("whole"));
    assert_eq!(whole.len(), 11);
    for name in [
        "Maria-Garcia.zip",
        "MARIA-GARCIA-2.zip",
        "Maria-Garcia-3.zip",
    ] {
        assert!(whole.contains_key(name), "{name}: {:?}", whole.keys());
    }

    for k in 1..=3 {
        let slice = format!("{k}/3");
        let run = build(&case, input, "shared", &["--shard", &slice]);
        // Every shard lists the invalid record, so each exits 1.
        run.assert_code(1);
        let stderr = run.stderr();
        assert!(
            stderr.contains(&format!("packets of shard {k} of 3 in ")),
            "{stderr}"
        );
        assert!(stderr.contains("report-"), "{stderr}");
        assert!(stderr.contains("row 5:"), "the invalid row: {stderr}");
        assert!(stderr.contains("report merge"), "{stderr}");
        assert!(!stderr.contains("Hal Ito"), "no values: {stderr}");
        let report = case.path(&format!("shared/report-{k}-of-3.csv"));
        let rows = rows(&report);
        assert_eq!(rows.len(), 12, "every record, in every shard's report");
        let others: Vec<_> = rows.iter().filter(|r| r[3] == "other-shard").collect();
        assert_eq!(others.len(), 11 - built_by(&report).len());
        for row in others {
            assert!(row[2].ends_with(".zip"), "the planned packet: {row:?}");
            assert!(row[5].starts_with("built by shard "), "{row:?}");
            assert!(!row[5].contains(&format!("shard {k} ")), "{row:?}");
        }
    }
    assert!(!case.path("shared/report.csv").exists());
    // Valid records 0..11 dealt round robin: 4, 4 and 3 packets.
    for (k, count) in [(1, 4), (2, 4), (3, 3)] {
        let report = case.path(&format!("shared/report-{k}-of-3.csv"));
        assert_eq!(built_by(&report).len(), count, "shard {k}");
    }

    let merged = case.run(&["report", "merge", "shared"]);
    merged.assert_code(1);
    let stderr = merged.stderr();
    assert!(
        stderr.contains("Merged the reports of 3 of 3 shards into ")
            && stderr.contains(": 11 built, 1 failed, 0 missing."),
        "{stderr}"
    );
    assert!(stderr.contains("intake.csv, row 5:"), "{stderr}");
    assert_same_as_one_run(&case.path("shared"), &case.path("whole"), 3);
    // Merging holds the folder to itself, so it clears the shards' locks.
    for name in listing(&case.path("shared")) {
        assert!(
            name.ends_with(".zip") || name.ends_with(".csv"),
            "left behind: {name}"
        );
    }
    // Merging again gives the same report (the earlier merge's is ours).
    let before = fs::read(case.path("shared/report.csv")).unwrap();
    case.run(&["report", "merge", "shared"]).assert_code(1);
    assert_eq!(fs::read(case.path("shared/report.csv")).unwrap(), before);
}

#[test]
fn a_shard_that_left_no_report_is_named_with_the_command_that_rebuilds_it() {
    let case = Case::new();
    let input = case.write("intake.csv", &intake());
    let input = input.to_str().unwrap();
    build(&case, input, "shared", &["--shard", "1/3"]).assert_code(1);
    build(&case, input, "shared", &["--shard", "3/3"]).assert_code(1);

    let run = case.run(&["report", "merge", "shared", "--out", "merged.csv"]);
    run.assert_code(1);
    let stderr = run.stderr();
    assert!(
        stderr.contains("Merged the reports of 2 of 3 shards into ")
            && stderr.contains(": 7 built, 1 failed, 4 missing."),
        "{stderr}"
    );
    assert!(
        stderr.contains("Shard 2 of 3 left no report: its 4 records are missing."),
        "{stderr}"
    );
    assert!(
        stderr.contains("second-opinion build ... --shard 2/3 --force"),
        "{stderr}"
    );
    let merged = rows(&case.path("merged.csv"));
    assert_eq!(merged.len(), 12);
    let missing: Vec<_> = merged
        .iter()
        .filter(|r| r[5] == "missing: shard 2 of 3 left no report")
        .collect();
    assert_eq!(missing.len(), 4, "{merged:?}");
    for row in &missing {
        assert_eq!(row[3], "failed");
        assert!(row[2].ends_with(".zip"), "the planned packet: {row:?}");
        assert!(
            row[6].starts_with("rerun that shard alone: second-opinion build ... --shard 2/3"),
            "{row:?}"
        );
    }
    // The positions of shard 2's records: valid records 1, 4, 7 and 10.
    let positions: Vec<&str> = missing.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(positions, ["row 3", "row 7", "row 10", "row 13"]);

    // Once shard 2 has run, nothing is missing.
    build(&case, input, "shared", &["--shard", "2/3"]).assert_code(1);
    let run = case.run(&["report", "merge", "shared"]);
    run.assert_code(1);
    run.assert_stderr_has(": 11 built, 1 failed, 0 missing.");
    assert!(
        !fs::read_to_string(case.path("shared/report.csv"))
            .unwrap()
            .contains("missing:")
    );
}

#[test]
fn shard_options_are_checked_and_auto_reads_only_the_scheduler_asked_for() {
    let case = Case::new();
    let input = case.write("p.json", &minimal("Ann Lee"));
    let input = input.to_str().unwrap();
    for (slice, says) in [
        ("0/3", "numbered from 1"),
        ("4/3", "there is no shard 4 of 3"),
        ("1/0", "at least 1"),
        ("1/10001", "at most 10000"),
        ("half", "K/N"),
    ] {
        let run = build(&case, input, "out", &["--shard", slice]);
        run.assert_code(2);
        assert!(run.stderr().contains(says), "{slice}: {}", run.stderr());
    }
    let run = build(&case, input, "out", &["--shard", "1/2", "--bundle"]);
    run.assert_code(2);
    run.assert_stderr_has("--bundle cannot be used with --shard");
    let run = build(&case, input, "out", &["--shard", "auto"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("SLURM_ARRAY_TASK_ID") && run.stderr().contains("hint: "),
        "{}",
        run.stderr()
    );
    let auto = [
        "build", input, "--out", "out", "--date", DATE, "--shard", "auto",
    ];
    let run = case.run_env(
        &auto,
        &[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ],
    );
    run.assert_code(2);
    run.assert_stderr_has("SLURM_ARRAY_TASK_STEP");
    let run = case.run_env(&auto, &[("JOB_COMPLETION_INDEX", "1")]);
    run.assert_code(2);
    run.assert_stderr_has("SECOND_OPINION_SHARD_COUNT is not");
    assert!(!case.path("out").exists(), "nothing written");

    // Inside a Kubernetes Indexed Job: index 1 of 2 is shard 2 of 2, which
    // has no record of the one here: it exits 0 having built nothing.
    let k8s = [
        ("JOB_COMPLETION_INDEX", "1"),
        ("SECOND_OPINION_SHARD_COUNT", "2"),
    ];
    case.run_env(&auto, &k8s).assert_code(0);
    // Its lock file stays, hidden, until a run with the folder to itself.
    assert_eq!(
        listing(&case.path("out")),
        [".second-opinion-shard-2-of-2.lock", "report-2-of-2.csv"]
    );
    // Without --shard, the scheduler's variables change nothing.
    let plain = ["build", input, "--out", "plain", "--date", DATE];
    case.run_env(&plain, &k8s).assert_code(0);
    assert_eq!(listing(&case.path("plain")), ["Ann-Lee.zip", "report.csv"]);
}

#[test]
fn shards_share_a_folder_but_each_runs_once_and_a_whole_run_waits() {
    let case = Case::new();
    let records = serde_json::json!([
        {"patient_name": "Ann Lee", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"},
        {"patient_name": "Bo Chan", "date_of_birth": "1950-01-31", "current_doctor": "Dr. Lee"}
    ]);
    let input = case.write("two.json", &records.to_string());
    let input = input.to_str().unwrap();
    let shared = case.path("shared");
    fs::create_dir(&shared).unwrap();

    // Another copy of shard 2 of 2 holds its lock: shard 2 is refused,
    // shard 1 runs beside it.
    let lock = fs::File::create(shared.join(".second-opinion-shard-2-of-2.lock")).unwrap();
    lock.lock().unwrap();
    let run = build(&case, input, "shared", &["--shard", "2/2"]);
    run.assert_code(2);
    run.assert_stderr_has("another second-opinion run is building shard 2 of 2 in this folder");
    // A running shard holds the folder shared: a whole run and a merge wait.
    let folder = fs::File::open(&shared).unwrap();
    folder.lock_shared().unwrap();
    build(&case, input, "shared", &["--shard", "1/2"]).assert_code(0);
    let run = build(&case, input, "shared", &[]);
    run.assert_code(2);
    run.assert_stderr_has("another second-opinion run is using this folder");
    let run = case.run(&["report", "merge", "shared"]);
    run.assert_code(2);
    run.assert_stderr_has("wait until every shard has finished");
    drop((lock, folder));
    build(&case, input, "shared", &["--shard", "2/2"]).assert_code(0);
    let run = case.run(&["report", "merge", "shared"]);
    run.assert_code(0);
    run.assert_stdout_has(": 2 built, 0 failed, 0 missing.");
    assert_eq!(
        listing(&shared),
        [
            "Ann-Lee.zip",
            "Bo-Chan.zip",
            "report-1-of-2.csv",
            "report-2-of-2.csv",
            "report.csv"
        ]
    );
}

#[test]
fn merge_refuses_what_is_not_one_sharded_run_and_never_replaces_a_file_it_did_not_write() {
    let case = Case::new();
    let input = case.write("p.json", &minimal("Ann Lee"));
    let input = input.to_str().unwrap();

    // A folder of a run without --shard.
    build(&case, input, "whole", &[]).assert_code(0);
    let run = case.run(&["report", "merge", "whole"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("no shard report") && run.stderr().contains("a run without --shard"),
        "{}",
        run.stderr()
    );
    // A folder that does not exist is not created.
    let run = case.run(&["report", "merge", "nowhere"]);
    run.assert_code(2);
    run.assert_stderr_has("it does not exist");
    assert!(!case.path("nowhere").exists());

    // Shards of two different splits: a build refuses to add one to the
    // other's folder, before any work; a report copied in is left to merge.
    build(&case, input, "mixed", &["--shard", "1/2"]).assert_code(0);
    let run = build(&case, input, "mixed", &["--shard", "1/3", "--force"]);
    run.assert_code(2);
    run.assert_stderr_has("split into 2 shards (report-1-of-2.csv)");
    assert!(!case.path("mixed/report-1-of-3.csv").exists());
    build(&case, input, "other", &["--shard", "1/3"]).assert_code(0);
    fs::copy(
        case.path("other/report-1-of-3.csv"),
        case.path("mixed/report-1-of-3.csv"),
    )
    .unwrap();
    let run = case.run(&["report", "merge", "mixed"]);
    run.assert_code(2);
    run.assert_stderr_has("split differently");

    // The same shard's report in two folders.
    build(&case, input, "a", &["--shard", "1/1"]).assert_code(0);
    fs::create_dir(case.path("b")).unwrap();
    fs::copy(
        case.path("a/report-1-of-1.csv"),
        case.path("b/report-1-of-1.csv"),
    )
    .unwrap();
    let run = case.run(&["report", "merge", "a", "b"]);
    run.assert_code(2);
    run.assert_stderr_has("two reports of shard 1 of 1");
    // Naming one folder twice is reading it once.
    case.run(&["report", "merge", "a", "a"]).assert_code(0);

    // A report that is not one.
    fs::write(case.path("b/report-1-of-1.csv"), "name,dob\nAnn,1950\n").unwrap();
    let run = case.run(&["report", "merge", "b"]);
    run.assert_code(2);
    run.assert_stderr_has("not the report's header");

    // A file the merge did not write is kept without --force, and the
    // reports it reads are never written over.
    let theirs = case.write("a/mine.csv", "patient_name\nAnn Lee\n");
    let run = case.run(&["report", "merge", "a", "--out", "a/mine.csv"]);
    run.assert_code(2);
    run.assert_stderr_has("--force");
    assert_eq!(
        fs::read_to_string(&theirs).unwrap(),
        "patient_name\nAnn Lee\n"
    );
    case.run(&["report", "merge", "a", "--out", "a/mine.csv", "--force"])
        .assert_code(0);
    assert!(
        fs::read_to_string(&theirs)
            .unwrap()
            .starts_with("source_file,position,packet,status")
    );
    let run = case.run(&[
        "report",
        "merge",
        "a",
        "--out",
        "a/report-1-of-1.csv",
        "--force",
    ]);
    run.assert_code(2);
    run.assert_stderr_has("is never replaced");
    // A shard's report is protected like report.csv: someone's file of that
    // name stops the shard before any work.
    fs::create_dir(case.path("c")).unwrap();
    fs::write(case.path("c/report-1-of-2.csv"), "keep me\n").unwrap();
    let run = build(&case, input, "c", &["--shard", "1/2"]);
    run.assert_code(2);
    run.assert_stderr_has(
        "report-1-of-2.csv in the output folder was not written by second-opinion",
    );
    assert_eq!(
        fs::read_to_string(case.path("c/report-1-of-2.csv")).unwrap(),
        "keep me\n"
    );
}

// ------------------------------------------------------------- Slurm

/// A daemon the test started, stopped when the test ends, pass or fail.
struct Daemon {
    name: &'static str,
    child: Child,
}

/// Every daemon of the test's cluster, stopped in reverse order on drop,
/// after its jobs are cancelled (a job's step would outlive slurmd).
#[derive(Default)]
struct Cluster {
    daemons: Vec<Daemon>,
    /// The cluster's slurm.conf, once slurmctld runs.
    conf: Option<PathBuf>,
}

impl Cluster {
    fn start(&mut self, name: &'static str, command: &mut Command) {
        use std::os::unix::process::CommandExt;
        // Should the test process itself be killed (a harness's time
        // limit), the daemons go with it instead of running on.
        // SAFETY: prctl is async-signal-safe and touches no memory.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{name} could not be started: {e}"));
        self.daemons.push(Daemon { name, child });
    }

    /// Fails the test if a daemon has already stopped, with its log.
    fn check_running(&mut self, logs: &Path) {
        for daemon in &mut self.daemons {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!("{} stopped ({status}):\n{}", daemon.name, read_logs(logs));
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(conf) = &self.conf {
            let _ = slurm("scancel", conf)
                .args(["--user=root", "--full"])
                .stderr(Stdio::null())
                .status();
            let cancelling = Instant::now();
            while cancelling.elapsed() < Duration::from_secs(5) {
                let queue = slurm("squeue", conf).args(["-h", "-o", "%i"]).output();
                if queue.map_or(true, |q| q.stdout.is_empty()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        while let Some(mut daemon) = self.daemons.pop() {
            let pid = daemon.child.id() as libc::pid_t;
            // SIGTERM first, so that munged removes its socket.
            // SAFETY: signalling a child process this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let stopping = Instant::now();
            while stopping.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = daemon.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = daemon.child.kill();
            let _ = daemon.child.wait();
        }
    }
}

/// The daemons' and tasks' logs, for a failure message.
fn read_logs(dir: &Path) -> String {
    let mut text = String::new();
    for name in listing(dir) {
        if name.ends_with(".log") || name.ends_with(".out") {
            let body = fs::read_to_string(dir.join(&name)).unwrap_or_default();
            let tail: Vec<&str> = body.lines().rev().take(30).collect();
            text.push_str(&format!("--- {name}\n"));
            for line in tail.iter().rev() {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    text
}

/// The short host name, as Slurm names the node.
fn short_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    assert!(ok, "the host has a name");
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).into_owned();
    name.split('.').next().unwrap_or(&name).to_string()
}

/// A TCP port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The user and group id of a system user, from `/etc/passwd`.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&name) && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

/// Whether a munged answers on the default socket.
fn munge_answers() -> bool {
    Command::new("munge")
        .arg("-n")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure a munged runs: the one already running, or one this test
/// starts as the munge user (with a key made now if the machine has none).
fn start_munge(cluster: &mut Cluster, logs: &Path) {
    if munge_answers() {
        return;
    }
    use std::os::unix::fs::{PermissionsExt, chown};
    use std::os::unix::process::CommandExt;
    let (uid, gid) = user_ids("munge").expect("the munge user exists (apt-get install munge)");
    let key = Path::new("/etc/munge/munge.key");
    if !key.exists() {
        fs::create_dir_all("/etc/munge").unwrap();
        let mut bytes = [0u8; 1024];
        fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut bytes))
            .expect("1 KB from /dev/urandom");
        fs::write(key, bytes).expect("a munge key could be written");
        chown(key, Some(uid), Some(gid)).unwrap();
        fs::set_permissions(key, fs::Permissions::from_mode(0o400)).unwrap();
    }
    for dir in ["/run/munge", "/var/lib/munge", "/var/log/munge"] {
        fs::create_dir_all(dir).unwrap();
        chown(dir, Some(uid), Some(gid)).unwrap();
    }
    fs::set_permissions("/run/munge", fs::Permissions::from_mode(0o755)).unwrap();
    let log = fs::File::create(logs.join("munged.out")).unwrap();
    cluster.start(
        "munged",
        Command::new(find("munged").expect("munged is installed (apt-get install munge)"))
            .arg("--foreground")
            .uid(uid)
            .gid(gid)
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    );
    let started = Instant::now();
    while !munge_answers() {
        cluster.check_running(logs);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "munged did not answer:\n{}",
            read_logs(logs)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Writes a single-node cluster's slurm.conf and cgroup.conf into `dir`.
fn write_slurm_conf(dir: &Path) -> PathBuf {
    let host = short_hostname();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let at = |name: &str| dir.join(name).display().to_string();
    for sub in ["state", "spool"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let conf = format!(
        "ClusterName=sotest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={state}
SlurmdSpoolDir={spool}
SlurmctldPidFile={ctld_pid}
SlurmdPidFile={d_pid}
SlurmctldLogFile={ctld_log}
SlurmdLogFile={d_log}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=10
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
",
        ctld_port = free_port(),
        d_port = free_port(),
        state = at("state"),
        spool = at("spool"),
        ctld_pid = at("slurmctld.pid"),
        d_pid = at("slurmd.pid"),
        ctld_log = at("slurmctld.log"),
        d_log = at("slurmd.log"),
    );
    let path = dir.join("slurm.conf");
    fs::write(&path, conf).unwrap();
    // Slurm 22.05 knows no CgroupPlugin=disabled; with linuxproc and
    // task/none nothing uses cgroups, and systemd is not asked.
    fs::write(
        dir.join("cgroup.conf"),
        "CgroupPlugin=autodetect\nIgnoreSystemd=yes\n",
    )
    .unwrap();
    path
}

/// A Slurm client (`sinfo`, `sbatch`) against the test's cluster.
fn slurm(name: &str, conf: &Path) -> Command {
    let mut command = Command::new(find(name).unwrap_or_else(|| name.into()));
    command.env("SLURM_CONF", conf);
    for var in SCHEDULER_VARS {
        command.env_remove(var);
    }
    command
}

/// Starts a one-node Slurm cluster (munged, slurmctld, slurmd) on this
/// machine, runs the sample workbook's build as a job array of four shards
/// into one folder, merges their reports, and compares with a single run.
#[test]
fn a_slurm_job_array_builds_the_shards_on_a_real_cluster() {
    // Root, to start slurmd and munged.
    require!(
        "root",
        "sbatch",
        "sinfo",
        "squeue",
        "scancel",
        "slurmctld",
        "slurmd",
        "munge",
        "munged"
    );
    let started = Instant::now();
    let case = Case::new();
    let logs = case.path("cluster");
    fs::create_dir(&logs).unwrap();
    let mut cluster = Cluster::default();
    start_munge(&mut cluster, &logs);
    let conf = write_slurm_conf(&logs);
    cluster.conf = Some(conf.clone());
    for daemon in ["slurmctld", "slurmd"] {
        let out = fs::File::create(logs.join(format!("{daemon}.out"))).unwrap();
        cluster.start(
            daemon,
            Command::new(find(daemon).unwrap())
                .arg("-D")
                .arg("-f")
                .arg(&conf)
                .env("SLURM_CONF", &conf)
                .stdout(out.try_clone().unwrap())
                .stderr(out),
        );
    }
    loop {
        cluster.check_running(&logs);
        let state = slurm("sinfo", &conf)
            .args(["-h", "-o", "%T"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        if state == "idle" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the node did not become idle (state {state:?}):\n{}",
            read_logs(&logs)
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let sample = sample_file("patients.xlsx");
    let shared = case.path("shared");
    let script = case.write(
        "shard.sh",
        &format!(
            "#!/bin/sh\nexec '{}' build '{sample}' --out '{}' --shard auto --date {DATE} --quiet\n",
            BIN,
            shared.display()
        ),
    );
    let mut sbatch = slurm("sbatch", &conf)
        .args([
            "--wait",
            "--array=1-4",
            "--time=5",
            "--job-name=second-opinion",
        ])
        .arg(format!("--output={}/task-%a.out", logs.display()))
        .arg(format!("--chdir={}", case.dir.path().display()))
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let submitted = Instant::now();
    let status = loop {
        if let Some(status) = sbatch.try_wait().unwrap() {
            break status;
        }
        if submitted.elapsed() > Duration::from_secs(90) {
            let _ = sbatch.kill();
            panic!(
                "the job array did not finish in 90 s:\n{}",
                read_logs(&logs)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let waited = submitted.elapsed();
    let output = sbatch.wait_with_output().unwrap();
    assert!(
        status.success(),
        "sbatch: {status}\n{}{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        read_logs(&logs)
    );

    let merged = case.run(&["report", "merge", "shared"]);
    merged.assert_code(0);
    assert!(
        merged
            .stdout()
            .contains("Merged the reports of 4 of 4 shards")
            && merged.stdout().contains(": 12 built, 0 failed, 0 missing."),
        "{}",
        merged.stdout()
    );
    build(&case, &sample, "whole", &[]).assert_code(0);
    assert_same_as_one_run(&shared, &case.path("whole"), 4);
    for k in 1..=4 {
        let built = built_by(&shared.join(format!("report-{k}-of-4.csv")));
        assert_eq!(built.len(), 3, "shard {k} built its three packets");
    }
    drop(cluster);
    eprintln!(
        "slurm test: {:.1} s in all, the job array {:.1} s",
        started.elapsed().as_secs_f64(),
        waited.as_secs_f64()
    );
}
