//! `report merge` against hostile or hand-edited reports (issue 25).
//!
//! Most reports here are written by hand, as the shards of a two-row run
//! write them, then planted or edited; the full-size cases (a 300 MB cell,
//! two million rows, `/dev/zero`) are measured by `bench/merge_hostile.sh`
//! (bench/hostile.md).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Case, Run, minimal, mkfifo, mknod_null};

const HEADER: &str = "source_file,position,packet,status,field,problem,how_to_fix";

/// The row of a record another shard builds, as `build` writes it.
fn other(row: usize, packet: &str, shard: usize) -> String {
    format!(
        "intake.csv,row {row},{packet},other-shard,,built by shard {shard} of 2,\
         see report-{shard}-of-2.csv; second-opinion report merge combines the shards' reports"
    )
}

/// The two shards' reports of a run of two valid rows (Ann Lee, row 2,
/// shard 1; Bo Chan, row 3, shard 2), as `build --shard K/2` writes them.
fn reports() -> [String; 2] {
    [
        format!(
            "{HEADER}\nintake.csv,row 2,Ann-Lee.zip,built,,,\n{}\n",
            other(3, "Bo-Chan.zip", 2)
        ),
        format!(
            "{HEADER}\n{}\nintake.csv,row 3,Bo-Chan.zip,built,,,\n",
            other(2, "Ann-Lee.zip", 1)
        ),
    ]
}

/// A folder `dir` in the case holding the two reports, shard 1's as given.
fn folder(case: &Case, dir: &str, first: &str) -> std::path::PathBuf {
    let path = case.path(dir);
    fs::create_dir_all(&path).unwrap();
    fs::write(path.join("report-1-of-2.csv"), first).unwrap();
    fs::write(path.join("report-2-of-2.csv"), &reports()[1]).unwrap();
    path
}

/// Runs `report merge ARGS`, killing it after 90 s (a merge that hangs
/// fails the test instead of hanging the suite). A guard against hanging,
/// not a speed test: the debug binary reads the 1,000,002-row report in
/// 6–16 s on 2 cores, and a build beside it once took it past 20 s.
fn merge(case: &Case, args: &[&str]) -> Run {
    let mut all = vec!["report", "merge"];
    all.extend_from_slice(args);
    case.run_within(&all, &[], Duration::from_secs(90))
}

/// Checks a refusal: exit 2, the report file and line named, no combined
/// report written, and none of `secret` (a cell's text) anywhere printed.
fn assert_refused(run: &Run, dir: &Path, says: &str, secret: &str) {
    run.assert_code(2);
    run.assert_stderr_has("report-1-of-2.csv");
    run.assert_stderr_has(says);
    let printed = format!("{}{}", run.stdout(), run.stderr());
    assert!(!printed.contains(secret), "a cell was echoed: {printed}");
    assert!(
        !printed.chars().any(|c| c.is_control() && c != '\n'),
        "a control character was printed: {printed:?}"
    );
    assert!(!dir.join("report.csv").exists(), "a report was written");
}

#[test]
fn a_fifo_named_as_a_report_is_refused_at_once() {
    let case = Case::new();
    let dir = case.path("shared");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("report-2-of-2.csv"), &reports()[1]).unwrap();
    mkfifo(&dir.join("report-1-of-2.csv"));
    let start = Instant::now();
    let run = merge(&case, &["shared"]);
    assert_refused(&run, &dir, "a device, a pipe or a folder", "\u{0}");
    assert!(start.elapsed() < Duration::from_secs(10));
    // The folder's lock was let go: a shard can build into it again.
    fs::remove_file(dir.join("report-1-of-2.csv")).unwrap();
    fs::write(dir.join("report-1-of-2.csv"), &reports()[0]).unwrap();
    merge(&case, &["shared"]).assert_code(0);
}

#[test]
fn a_link_to_dev_zero_as_a_report_is_refused_before_reading() {
    let case = Case::new();
    let dir = case.path("shared");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("report-2-of-2.csv"), &reports()[1]).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("report-1-of-2.csv")).unwrap();
    let run = merge(&case, &["shared"]);
    assert_refused(&run, &dir, "a device, a pipe or a folder", "\u{0}");
}

#[test]
fn a_huge_cell_is_refused_by_its_line_and_never_echoed() {
    let case = Case::new();
    let cell = "Q".repeat(1 << 20);
    let text = format!(
        "{HEADER}\nintake.csv,row 2,,failed,,{cell},fix it\n{}\n",
        other(3, "Bo-Chan.zip", 2)
    );
    let dir = folder(&case, "shared", &text);
    let run = merge(&case, &["shared"]);
    assert_refused(&run, &dir, "line 2 is longer than any line", &cell[..64]);
    // Just under the line limit, a cell is still longer than any text of
    // this program's.
    let cell = "Q".repeat(10_000);
    let text = format!(
        "{HEADER}\nintake.csv,row 2,,failed,,{cell},fix it\n{}\n",
        other(3, "Bo-Chan.zip", 2)
    );
    let dir = folder(&case, "shared", &text);
    let run = merge(&case, &["shared"]);
    assert_refused(&run, &dir, "line 2 has a cell longer than", &cell[..64]);
}

#[test]
fn a_report_of_more_rows_than_any_run_is_refused() {
    let case = Case::new();
    // One more row than ten input files of 100,000 records would give.
    let mut text = String::with_capacity(40_000_000);
    text.push_str(HEADER);
    text.push('\n');
    for row in 2..=1_000_002 {
        text.push_str(&format!(
            "intake.csv,row {row},,failed,,is missing,add it\n"
        ));
    }
    let dir = folder(&case, "shared", &text);
    drop(text);
    let run = merge(&case, &["shared"]);
    assert_refused(&run, &dir, "more than 1000000 rows", "is missing");
}

#[test]
fn formula_cells_in_a_report_are_refused() {
    let case = Case::new();
    let [ours, _] = reports();
    let formulas = [
        ("=HYPERLINK(\"http://example.test/\",\"open me\")", 5),
        ("@SUM(A1:A9)", 4),
        ("+cmd|' /C calc'!A0", 6),
        ("-2+3+cmd|' /C calc'!A0", 6),
        ("\tTABBED", 5),
        ("\rRETURN", 6),
    ];
    for (formula, column) in formulas {
        let mut cells: Vec<String> = "intake.csv,row 2,,failed,,is missing,add it"
            .split(',')
            .map(str::to_string)
            .collect();
        cells[column] = format!("\"{}\"", formula.replace('"', "\"\""));
        let text = ours.replace("intake.csv,row 2,Ann-Lee.zip,built,,,", &cells.join(","));
        let dir = folder(&case, "shared", &text);
        let run = merge(&case, &["shared"]);
        let secret = formula.trim_start_matches(['\t', '\r']);
        assert_refused(
            &run,
            &dir,
            "line 2 has a cell that starts like a spreadsheet formula",
            secret,
        );
    }
    // A file name or position of another form than the tool's.
    for (edited, says) in [
        (
            "=1+1.json,row 2,Ann-Lee.zip,built,,,",
            "line 2 has a cell that starts like",
        ),
        (
            "../x/intake.csv,row 2,Ann-Lee.zip,built,,,",
            "line 2 has a source_file",
        ),
        (
            "intake.csv,row 02,Ann-Lee.zip,built,,,",
            "line 2 has a position",
        ),
        (
            "intake.csv,line 2,Ann-Lee.zip,built,,,",
            "line 2 has a position",
        ),
        (
            "intake.csv,row 2,../Ann-Lee.zip,built,,,",
            "line 2 has texts this program does not write",
        ),
        (
            "intake.csv,row 2,Ann-Lee.zip,built,,note,",
            "line 2 has texts this program does not write",
        ),
        (
            "intake.csv,row 2,Ann-Lee.zip,Built,,,",
            "line 2 has a status",
        ),
    ] {
        let text = ours.replace("intake.csv,row 2,Ann-Lee.zip,built,,,", edited);
        let dir = folder(&case, "shared", &text);
        let run = merge(&case, &["shared"]);
        assert_refused(&run, &dir, says, "\u{0}");
    }
}

#[test]
fn escape_sequences_are_refused_in_reports_and_printed_visibly_in_names() {
    let case = Case::new();
    let [ours, _] = reports();
    for sequence in [
        "\u{1b}]0;owned\u{7}",
        "\u{1b}[2J\u{1b}[H",
        "a\u{9b}31m",
        "b\u{202e}fdp.exe",
    ] {
        let row = format!("intake.csv,row 2,,failed,,is missing{sequence},add it");
        let text = ours.replace("intake.csv,row 2,Ann-Lee.zip,built,,,", &row);
        let dir = folder(&case, "shared", &text);
        let run = merge(&case, &["shared"]);
        assert_refused(&run, &dir, "holds a control character", sequence);
    }
    // A folder named with an escape sequence is named visibly.
    let odd = "odd\u{1b}[31m";
    fs::create_dir(case.path(odd)).unwrap();
    let run = merge(&case, &[odd]);
    run.assert_code(2);
    run.assert_stderr_has("odd\\u{1b}[31m");
    assert!(!run.stderr().contains('\u{1b}'), "{:?}", run.stderr());
    // So is an input file, in build's summary.
    let input = "bad\u{1b}[31m.json";
    case.write(input, "{\"patient_name\": \"Ann Lee\"}");
    let run = case.build(input, "out", &["--quiet"]);
    run.assert_code(2);
    let printed = format!("{}{}", run.stdout(), run.stderr());
    assert!(printed.contains("bad\\u{1b}[31m.json"), "{printed}");
    assert!(!printed.contains('\u{1b}'), "{printed:?}");
}

#[test]
fn an_input_named_like_a_formula_is_no_formula_in_the_report() {
    let case = Case::new();
    case.write("=1+1.json", &minimal("Ann Lee"));
    case.write("@SUM(A1).json", "{\"patient_name\": \"Bo Chan\"}");
    let run = case.build("=1+1.json", "out", &["--quiet", "--shard", "1/1"]);
    run.assert_code(0);
    let text = fs::read_to_string(case.path("out/report-1-of-1.csv")).unwrap();
    assert!(
        text.contains("\n./=1+1.json,record 1,Ann-Lee.zip,built,,,\n"),
        "{text}"
    );
    // The merge takes the names as the build writes them.
    let run = merge(&case, &["out"]);
    run.assert_code(0);
    let merged = fs::read_to_string(case.path("out/report.csv")).unwrap();
    assert_eq!(merged, text);
    // A failed record's file, too; no cell starts a formula.
    let run = case.build("@SUM(A1).json", "bad", &["--quiet"]);
    run.assert_code(2);
    let text = fs::read_to_string(case.path("bad/report.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for row in reader.records() {
        let row = row.unwrap();
        assert_eq!(&row[0], "./@SUM(A1).json");
        for cell in &row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }
}

#[test]
fn force_replaces_a_report_never_a_device_a_fifo_a_folder_or_a_link() {
    let case = Case::new();
    let [ours, _] = reports();
    folder(&case, "shared", &ours);
    fs::create_dir(case.path("out")).unwrap();
    let elsewhere = case.write("elsewhere.csv", "kept\n");
    std::os::unix::fs::symlink(&elsewhere, case.path("out/link.csv")).unwrap();
    // A folder named --out is where report.csv goes: a folder of that name
    // in it stands in the way.
    fs::create_dir_all(case.path("out/folder.csv/report.csv")).unwrap();
    mkfifo(&case.path("out/fifo.csv"));
    let mut names = vec![
        ("link.csv", "is a link"),
        ("folder.csv", "is a folder"),
        ("fifo.csv", "is a device, a pipe or a socket"),
    ];
    // As root (a container, a cluster node), a device node of /dev/null's
    // numbers stands in for /dev/null itself.
    let device = mknod_null(&case.path("out/null.csv"));
    if device {
        names.push(("null.csv", "is a device, a pipe or a socket"));
    }
    for (name, says) in names {
        let target = format!("out/{name}");
        let inside = match name {
            "folder.csv" => format!("{target}/report.csv"),
            _ => target.clone(),
        };
        let before = fs::symlink_metadata(case.path(&inside))
            .unwrap()
            .file_type();
        for force in [true, false] {
            let mut args = vec!["shared", "--out", target.as_str()];
            if force {
                args.push("--force");
            }
            let run = merge(&case, &args);
            run.assert_code(2);
            run.assert_stderr_has(says);
            run.assert_stderr_has("--out");
            let after = fs::symlink_metadata(case.path(&inside))
                .unwrap()
                .file_type();
            assert_eq!(before, after, "{name} was replaced");
        }
    }
    assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "kept\n");
    // A report (a regular file) is what --force replaces.
    case.write("out/mine.csv", "not ours\n");
    merge(&case, &["shared", "--out", "out/mine.csv", "--force"]).assert_code(0);
    assert!(
        fs::read_to_string(case.path("out/mine.csv"))
            .unwrap()
            .starts_with(HEADER)
    );
}

#[test]
fn two_empty_reports_merge_into_nothing_with_exit_2() {
    let case = Case::new();
    let dir = case.path("shared");
    fs::create_dir(&dir).unwrap();
    for k in [1, 2] {
        fs::write(
            dir.join(format!("report-{k}-of-2.csv")),
            format!("{HEADER}\n"),
        )
        .unwrap();
    }
    let run = merge(&case, &["shared"]);
    assert_refused(&run, &dir, "lists no record", "\u{0}");
    // Every record failed: nothing built, exit 2, as build exits.
    let failed = format!("{HEADER}\nintake.csv,row 2,,failed,date_of_birth,is missing,add it\n");
    fs::write(dir.join("report-1-of-2.csv"), &failed).unwrap();
    fs::write(dir.join("report-2-of-2.csv"), &failed).unwrap();
    let run = merge(&case, &["shared"]);
    run.assert_code(2);
    run.assert_stderr_has(": 0 built, 1 failed, 0 missing.");
}

#[test]
fn duplicate_positions_are_refused_and_a_record_two_shards_claim_counts_once() {
    let case = Case::new();
    let [ours, theirs] = reports();
    // The same record twice in one report; a failed record's problems, then
    // the same record built.
    for before in [
        "intake.csv,row 2,Ann-Lee.zip,built,,,\n",
        "intake.csv,row 2,,failed,,is missing,add it\n",
    ] {
        let text = ours.replace(
            "intake.csv,row 2,Ann-Lee.zip,built,,,\n",
            &format!("{before}intake.csv,row 2,Ann-Lee.zip,built,,,\n"),
        );
        let dir = folder(&case, "shared", &text);
        let run = merge(&case, &["shared"]);
        assert_refused(
            &run,
            &dir,
            "line 3 lists the record of line 2 again",
            "\u{0}",
        );
    }
    // Both reports claim row 2: one conflict, not two packets built.
    let claimed = theirs.replace(
        &other(2, "Ann-Lee.zip", 1),
        "intake.csv,row 2,Ann-Lee.zip,built,,,",
    );
    let dir = folder(&case, "shared", &ours);
    fs::write(dir.join("report-2-of-2.csv"), claimed).unwrap();
    let run = merge(&case, &["shared"]);
    run.assert_code(1);
    run.assert_stderr_has(": 1 built, 0 failed, 0 missing, 1 in conflict.");
    run.assert_stderr_has("intake.csv, row 2: reported built by shards 1 and 2 of 2");
}

#[test]
fn reports_saved_with_windows_line_endings_and_a_bom_merge() {
    let case = Case::new();
    let [ours, theirs] = reports();
    folder(&case, "plain", &ours);
    merge(&case, &["plain"]).assert_code(0);
    let expected = fs::read(case.path("plain/report.csv")).unwrap();
    let dir = case.path("saved");
    fs::create_dir(&dir).unwrap();
    for (k, text) in [(1, &ours), (2, &theirs)] {
        let saved = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        fs::write(dir.join(format!("report-{k}-of-2.csv")), saved).unwrap();
    }
    let run = merge(&case, &["saved"]);
    run.assert_code(0);
    run.assert_stdout_has(": 2 built, 0 failed, 0 missing.");
    assert_eq!(fs::read(dir.join("report.csv")).unwrap(), expected);
}
