//! `report merge` from shard reports written as `build --shard` writes
//! them, and from reports edited, planted or of other runs.

use super::*;
use second_opinion_core::error::{Code, Problem};
use second_opinion_core::input::{Origin, Place};
use second_opinion_core::report::{RecordOutcome, Status, shard_report_file, to_csv};
use std::collections::BTreeMap;

/// A run's records: `Some(packet)` for a valid one, `None` for an
/// invalid one, one per row of `intake.csv`.
const RUN: [Option<&str>; 7] = [
    Some("Ann.zip"),
    None,
    Some("Bo.zip"),
    Some("Cy.zip"),
    Some("Ann-2.zip"),
    None,
    Some("Di.zip"),
];

fn origin(i: usize) -> Origin {
    Origin {
        file: "intake.csv".into(),
        place: Place::Row {
            sheet: None,
            row: i + 2,
        },
    }
}

fn invalid() -> Status {
    Status::Failed(vec![
        Problem::field(
            Code::Required,
            "date_of_birth",
            "is missing",
            "add the date of birth",
        ),
        Problem::field(
            Code::Required,
            "current_doctor",
            "is missing",
            "add the doctor",
        ),
    ])
}

/// The outcomes a run writes: the whole run (`None`) or one shard's.
fn outcomes(shard: Option<(usize, usize)>) -> Vec<RecordOutcome> {
    let mut valid = 0;
    RUN.iter()
        .enumerate()
        .map(|(i, packet)| {
            let Some(name) = packet else {
                return RecordOutcome {
                    origin: origin(i),
                    packet: None,
                    status: invalid(),
                };
            };
            let owner = shard.map(|(_, n)| Shard::owner(n, valid));
            valid += 1;
            let status = match (shard, owner) {
                (Some((k, n)), Some(owner)) if owner != k => Status::OtherShard {
                    shard: owner,
                    of: n,
                },
                _ => Status::Built(name.to_string()),
            };
            RecordOutcome {
                origin: origin(i),
                packet: Some(name.to_string()),
                status,
            }
        })
        .collect()
}

/// Writes the reports of the shards `present` of `n` into a folder.
fn shared(present: &[usize], n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for &k in present {
        fs::write(
            dir.path().join(shard_report_file(k, n)),
            to_csv(&outcomes(Some((k, n)))),
        )
        .unwrap();
    }
    dir
}

fn config(dirs: &[&Path]) -> MergeConfig {
    MergeConfig {
        dirs: dirs.iter().map(|d| d.to_path_buf()).collect(),
        out_dir: dirs[0].to_path_buf(),
        out_name: REPORT_FILE.to_string(),
        force: false,
    }
}

#[test]
fn every_shard_merged_is_the_single_runs_report() {
    for n in [1, 2, 3, 5, 9] {
        let dir = shared(&(1..=n).collect::<Vec<_>>(), n);
        let summary = merge(&config(&[dir.path()])).unwrap();
        let merged = fs::read(dir.path().join(REPORT_FILE)).unwrap();
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            String::from_utf8(to_csv(&outcomes(None))).unwrap(),
            "{n} shards"
        );
        assert_eq!((summary.built, summary.failed), (5, 2), "{n} shards");
        assert_eq!(summary.failures.len(), 2);
        assert_eq!(summary.failures[0].position, "row 3");
        assert_eq!(summary.failures[0].problems.len(), 2);
        assert_eq!(summary.missing_records(), 0);
        assert!(summary.conflicts.is_empty());
        // Shards beyond the valid records had nothing to build.
        assert!(summary.missing.is_empty(), "{n} shards");
    }
}

#[test]
fn a_missing_shards_records_are_failed_with_the_command_to_rebuild_them() {
    let dir = shared(&[1, 3], 3);
    let summary = merge(&config(&[dir.path()])).unwrap();
    // Valid records 1 and 4 (Bo, Di) are shard 2's.
    assert_eq!(summary.missing, BTreeMap::from([(2, 2)]));
    assert_eq!((summary.built, summary.failed), (3, 2));
    let text = fs::read_to_string(dir.path().join(REPORT_FILE)).unwrap();
    let missing: Vec<&str> = text.lines().filter(|l| l.contains("missing:")).collect();
    assert_eq!(
        missing,
        [
            "intake.csv,row 4,Bo.zip,failed,,missing: shard 2 of 3 left no report,\
             rerun that shard alone: second-opinion build ... --shard 2/3 \
             (the shards' command with this slice; add --force to replace packets it wrote before it stopped)",
            "intake.csv,row 8,Di.zip,failed,,missing: shard 2 of 3 left no report,\
             rerun that shard alone: second-opinion build ... --shard 2/3 \
             (the shards' command with this slice; add --force to replace packets it wrote before it stopped)",
        ]
    );
    let words = crate::summary::merge_summary(&summary);
    assert!(
        words.contains("Shard 2 of 3 left no report: its 2 records are missing."),
        "{words}"
    );
    assert!(words.contains("--shard 2/3 --force"), "{words}");
    assert!(words.contains(": 3 built, 2 failed, 2 missing."), "{words}");
    // A missing shard with nothing to build is named, but not missed.
    let dir = shared(&[1, 2, 3, 4, 5, 6], 7);
    let summary = merge(&config(&[dir.path()])).unwrap();
    assert_eq!(summary.missing, BTreeMap::from([(7, 0)]));
    assert_eq!(summary.missing_records(), 0);
    let words = crate::summary::merge_summary(&summary);
    assert!(
        words.contains("Shard 7 of 7 left no report, but had no record to build."),
        "{words}"
    );
}

#[test]
fn reports_may_sit_in_several_folders() {
    let (one, two) = (shared(&[1], 2), shared(&[2], 2));
    let summary = merge(&config(&[one.path(), two.path()])).unwrap();
    assert_eq!(summary.found, [1, 2]);
    assert_eq!(
        fs::read(one.path().join(REPORT_FILE)).unwrap(),
        to_csv(&outcomes(None))
    );
    assert!(!two.path().join(REPORT_FILE).exists());
}

#[test]
fn a_record_two_shards_built_is_an_error_in_the_summary() {
    let dir = shared(&[1], 2);
    // Shard 2's report claims shard 1's first record as built too.
    let mut theirs = outcomes(Some((2, 2)));
    theirs[0].status = Status::Built("Ann.zip".into());
    fs::write(dir.path().join("report-2-of-2.csv"), to_csv(&theirs)).unwrap();
    let summary = merge(&config(&[dir.path()])).unwrap();
    assert_eq!(summary.conflicts.len(), 1);
    assert_eq!(summary.conflicts[0].position, "row 2");
    assert_eq!(summary.conflicts[0].built_by, [1, 2]);
    let words = crate::summary::merge_summary(&summary);
    assert!(
        words.contains("error: intake.csv, row 2: reported built by shards 1 and 2 of 2"),
        "{words}"
    );
    // A shard building what the others say is another's, too.
    let dir = shared(&[1, 2], 3);
    let mut theirs = outcomes(Some((3, 3)));
    theirs[0].status = Status::Built("Ann.zip".into());
    fs::write(dir.path().join("report-3-of-3.csv"), to_csv(&theirs)).unwrap();
    let summary = merge(&config(&[dir.path()])).unwrap();
    assert_eq!(summary.conflicts.len(), 1, "{:?}", summary.conflicts);
    assert_eq!(summary.conflicts[0].owner, Some(1));
}

#[test]
fn reports_of_different_runs_are_refused() {
    // Different records.
    let dir = shared(&[1], 2);
    let mut theirs = outcomes(Some((2, 2)));
    theirs.pop();
    fs::write(dir.path().join("report-2-of-2.csv"), to_csv(&theirs)).unwrap();
    let err = merge(&config(&[dir.path()])).unwrap_err();
    assert_eq!(err.code(), Code::ReportsDiffer);
    let err = err.to_string();
    assert!(err.contains("does not list the same records"), "{err}");
    // Different packet names for one record.
    let dir = shared(&[1], 2);
    let mut theirs = outcomes(Some((2, 2)));
    theirs[0].packet = Some("Zed.zip".into());
    fs::write(dir.path().join("report-2-of-2.csv"), to_csv(&theirs)).unwrap();
    let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
    assert!(err.contains("first differ at intake.csv, row 2"), "{err}");
    assert!(!err.contains("Zed"), "no packet names: {err}");
    // Different owners for one record.
    let dir = shared(&[1, 2], 3);
    let mut theirs = outcomes(Some((3, 3)));
    theirs[2].status = Status::OtherShard { shard: 1, of: 3 };
    fs::write(dir.path().join("report-3-of-3.csv"), to_csv(&theirs)).unwrap();
    let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
    assert!(err.contains("first differ at intake.csv, row 4"), "{err}");
    // Splits that differ.
    let dir = shared(&[1], 2);
    fs::write(
        dir.path().join("report-1-of-3.csv"),
        to_csv(&outcomes(Some((1, 3)))),
    )
    .unwrap();
    let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
    assert!(err.contains("split differently"), "{err}");
    for name in ["report-2-of-2.csv", "report-1-of-3.csv"] {
        assert!(!dir.path().join(REPORT_FILE).exists(), "{name}");
    }
}

#[test]
fn only_reports_this_program_wrote_are_merged() {
    let dir = shared(&[1], 2);
    let path = dir.path().join("report-2-of-2.csv");
    for (text, says) in [
        (
            "patient_name,date_of_birth\nAnn,1950-01-31\n",
            "line 1 is not the report's header",
        ),
        (
            &format!("{REPORT_HEADER}\nintake.csv,row 2,Ann.zip,done,,,\n") as &str,
            "line 2 has a status",
        ),
        (
            &format!(
                "{REPORT_HEADER}\nintake.csv,row 2,Ann.zip,other-shard,,built by shard 2 of 2,\n"
            ),
            "line 2 names no other shard",
        ),
        (
            &format!("{REPORT_HEADER}\nintake.csv,row 2\n"),
            "not CSV as this program writes it",
        ),
    ] {
        fs::write(&path, text).unwrap();
        let err = merge(&config(&[dir.path()])).unwrap_err();
        assert_eq!(err.code(), Code::ReportUnusable);
        assert_eq!(
            err.params().get("reason"),
            Some(&second_opinion_core::error::Param::from("line"))
        );
        let err = err.to_string();
        assert!(err.contains(says), "{text}: {err}");
        assert!(err.contains("report-2-of-2.csv"), "{err}");
    }
    // A folder of a whole run has nothing to merge, and says so.
    let whole = tempfile::tempdir().unwrap();
    fs::write(whole.path().join(REPORT_FILE), to_csv(&outcomes(None))).unwrap();
    let err = merge(&config(&[whole.path()])).unwrap_err().to_string();
    assert!(err.contains("no shard report"), "{err}");
    assert!(err.contains("a run without --shard"), "{err}");
    // A shard number past the count is not a shard's report.
    let odd = shared(&[1], 2);
    fs::write(odd.path().join("report-3-of-2.csv"), b"").unwrap();
    let err = merge(&config(&[odd.path()])).unwrap_err();
    assert_eq!(err.code(), Code::ReportUnusable);
    let err = err.to_string();
    assert!(err.contains("there is no shard 3 of 2"), "{err}");
}

#[test]
fn the_combined_report_never_replaces_what_it_did_not_write() {
    let dir = shared(&[1, 2], 2);
    fs::write(dir.path().join(REPORT_FILE), "patient_name\nAnn\n").unwrap();
    let err = merge(&config(&[dir.path()])).unwrap_err().to_string();
    assert!(err.contains("was not written by second-opinion"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.path().join(REPORT_FILE)).unwrap(),
        "patient_name\nAnn\n"
    );
    let forced = MergeConfig {
        force: true,
        ..config(&[dir.path()])
    };
    merge(&forced).unwrap();
    // The reports merged are inputs: never written over.
    let onto_input = MergeConfig {
        out_name: "report-1-of-2.csv".into(),
        ..forced
    };
    let err = merge(&onto_input).unwrap_err().to_string();
    assert!(err.contains("is never replaced"), "{err}");
    assert_eq!(
        fs::read(dir.path().join("report-1-of-2.csv")).unwrap(),
        to_csv(&outcomes(Some((1, 2))))
    );
}
