//! Safety of the run itself (issue 9, output side): no file given to read is
//! ever written over, two runs never share a folder, and no clinic file
//! (template, logo) or option can hang the run or exhaust the machine.
//!
//! Each case is small enough to run in seconds; the figures for the large
//! versions are in bench/PROFILE.md ("Run safety": a 20,000-page template)
//! and bench/hostile.md (a 400 MB pipe).

use std::fs;
use std::path::Path;
use std::time::Instant;

use crate::support::{Case, DATE, minimal, mkfifo, require};

/// A small valid SVG logo.
const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;

fn two_patients(case: &Case) {
    case.write(
        "intake.json",
        &format!("[{}, {}]", minimal("Ann Lee"), minimal("Bob Ray")),
    );
}

#[test]
fn an_intake_named_report_csv_in_the_output_folder_is_never_overwritten() {
    let case = Case::new();
    let intake = "patient_name,date_of_birth,current_doctor\nAnn Lee,1950-01-31,Dr. Lee\n";
    case.write("report.csv", intake);
    for extra in [&[][..], &["--force"][..]] {
        let run = case.build("report.csv", ".", extra);
        run.assert_code(2);
        assert!(
            run.stderr()
                .contains("report.csv in the output folder is one of the files this run reads"),
            "{}",
            run.stderr()
        );
        assert!(run.stderr().contains("hint: choose another output folder"));
        assert_eq!(fs::read_to_string(case.path("report.csv")).unwrap(), intake);
        assert!(
            !case.path("Ann-Lee.zip").exists(),
            "refused before any work"
        );
    }
    // Into another folder it builds.
    case.build("report.csv", "out", &[]).assert_code(0);
}

#[test]
fn a_report_csv_this_program_did_not_write_is_kept_without_force() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    fs::create_dir(case.path("out")).unwrap();
    let theirs = "clinic notes,kept here\n";
    case.write("out/report.csv", theirs);
    let run = case.build("ann.json", "out", &[]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("report.csv in the output folder was not written by second-opinion"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read_to_string(case.path("out/report.csv")).unwrap(),
        theirs
    );
    // With --force it is replaced; after that the report is ours, and the
    // next run replaces it without --force.
    case.build("ann.json", "out", &["--force"]).assert_code(0);
    case.build("ann.json", "out", &["--force"]).assert_code(0);
    fs::remove_file(case.path("out/Ann-Lee.zip")).unwrap();
    case.build("ann.json", "out", &[]).assert_code(0);
}

#[test]
fn a_packet_name_that_lands_on_an_input_fails_that_packet_only() {
    let case = Case::new();
    two_patients(&case);
    // The logo (an SVG by content) happens to have a packet's name.
    case.write("Ann-Lee.zip", SVG);
    case.write(
        "clinic.json",
        r#"{"name": "Clinic", "logo": "Ann-Lee.zip"}"#,
    );
    let run = case.build("intake.json", ".", &["--clinic", "clinic.json", "--force"]);
    run.assert_code(1);
    assert!(
        run.stderr().contains("a file the run reads"),
        "{}",
        run.stderr()
    );
    assert_eq!(fs::read_to_string(case.path("Ann-Lee.zip")).unwrap(), SVG);
    assert!(case.path("Bob-Ray.zip").is_file());
}

#[test]
fn a_second_run_into_a_busy_folder_stops_and_keeps_the_first_runs_files() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    let out = case.path("out");
    fs::create_dir(&out).unwrap();
    let live = out.join(".second-opinion-live.tmp");
    fs::write(&live, b"half a packet").unwrap();
    // Stand in for a live run: hold the folder's lock.
    let folder = fs::File::open(&out).unwrap();
    folder.try_lock().unwrap();
    let run = case.build("ann.json", "out", &[]);
    run.assert_code(2);
    assert!(
        run.stderr()
            .contains("another second-opinion run is using this folder"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("hint: wait for the other run"));
    assert!(live.exists(), "the live run's temp file is kept");
    drop(folder);
    case.build("ann.json", "out", &[]).assert_code(0);
    assert!(!live.exists(), "stale once no run holds the lock");
    let names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no lock file left: {names:?}");
}

#[test]
fn jobs_300_is_clamped_and_stays_under_500_mb() {
    require!("/usr/bin/time");
    let case = Case::new();
    two_patients(&case);
    let (code, mb, secs) = case.measured(
        &[
            "build",
            "intake.json",
            "--out",
            "out",
            "--date",
            DATE,
            "--jobs",
            "300",
        ],
        &[],
    );
    assert_eq!(code, 0);
    assert!(mb < 500.0, "{mb} MB");
    assert!(secs < 60.0, "{secs} s");
    let help = case.run(&["build", "--help"]).stdout();
    assert!(help.contains("at most 8"), "{help}");
}

#[test]
fn a_logo_that_is_a_device_or_a_pipe_is_refused_at_once() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    let fifo = case.path("logo.svg");
    mkfifo(&fifo);
    for logo in ["/dev/zero", "logo.svg"] {
        case.write(
            "clinic.json",
            &format!(r#"{{"name": "C", "logo": "{logo}"}}"#),
        );
        let started = Instant::now();
        let run = case.build("ann.json", "out", &["--clinic", "clinic.json"]);
        run.assert_code(2);
        assert!(
            run.stderr()
                .contains("the clinic logo is not a regular file"),
            "{logo}: {}",
            run.stderr()
        );
        assert!(started.elapsed().as_secs() < 30, "{logo}");
    }
    // The profile itself, too.
    let run = case.build("ann.json", "out", &["--clinic", "/dev/zero"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("not a regular file"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_bad_svg_logo_is_named_and_never_quoted() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    case.write(
        "bad.svg",
        r#"<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" QZXSVGTEXT</svg>"#,
    );
    case.write("clinic.json", r#"{"name": "C", "logo": "bad.svg"}"#);
    let run = case.build("ann.json", "out", &["--clinic", "clinic.json"]);
    run.assert_code(2);
    let err = run.stderr();
    assert!(
        err.contains("bad.svg: the clinic logo could not be read as an image"),
        "{err}"
    );
    assert!(!err.contains("built-in"), "{err}");
    assert!(
        !err.contains("QZXSVGTEXT") && !err.contains("<rect"),
        "{err}"
    );
}

/// A templates folder holding one added English document.
fn added_template(case: &Case, text: &str) {
    fs::create_dir_all(case.path("tpl/en")).unwrap();
    case.write("tpl/en/extra.typ", text);
}

#[test]
fn a_template_that_never_finishes_is_stopped_and_named() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    // Nested loops: each within Typst's own loop limit, never finishing.
    added_template(
        &case,
        "#let n = 0\n#for i in range(100000) { for j in range(100000) { n = n + 1 } }\n",
    );
    let started = Instant::now();
    let run = case.run_env(
        &[
            "build",
            "ann.json",
            "--out",
            "out",
            "--date",
            DATE,
            "--templates",
            "tpl",
        ],
        &[("SECOND_OPINION_CHECK_SECONDS", "3")],
    );
    run.assert_code(2);
    let err = run.stderr();
    assert!(err.contains("extra.typ"), "{err}");
    assert!(err.contains("took longer than 3 seconds"), "{err}");
    assert!(started.elapsed().as_secs() < 30);
    assert!(!case.path("out/Ann-Lee.zip").exists());
}

#[test]
fn a_template_that_eats_memory_is_stopped_under_500_mb() {
    require!("/usr/bin/time");
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    added_template(&case, "#let big = range(400000000)\n#big.len()\n");
    let args = [
        "build",
        "ann.json",
        "--out",
        "out",
        "--date",
        DATE,
        "--templates",
        "tpl",
    ];
    let (code, mb, secs) = case.measured(&args, &[]);
    assert_eq!(code, 2);
    assert!(mb < 500.0, "{mb} MB");
    assert!(secs < 60.0, "{secs} s");
    let err = case.run(&args).stderr();
    assert!(err.contains("needed more than 400 MB"), "{err}");
    assert!(err.contains("extra.typ"), "{err}");
}

#[test]
fn a_template_with_too_many_pages_is_named() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    added_template(
        &case,
        "#import \"/lib.typ\": *\n#let title(d) = \"Long\"\n#let summary(d) = [Long.]\n#let body(d) = for i in range(300) [Page #i #pagebreak()]\n",
    );
    let run = case.build("ann.json", "out", &["--templates", "tpl"]);
    run.assert_code(2);
    let err = run.stderr();
    assert!(err.contains("longer than 200 pages"), "{err}");
    assert!(err.contains("extra.typ"), "{err}");
}

#[test]
fn a_template_name_with_backslashes_is_a_clear_error() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    fs::create_dir_all(case.path("tpl/en")).unwrap();
    case.write("tpl/en/a\\..\\b.typ", "// x");
    let run = case.build("ann.json", "out", &["--templates", "tpl"]);
    run.assert_code(2);
    let err = run.stderr();
    assert!(err.contains("file name cannot be used"), "{err}");
    assert!(!err.contains("unexpectedly"), "{err}");
}

#[test]
fn a_far_past_source_date_epoch_is_a_usage_error() {
    let case = Case::new();
    case.write("ann.json", &minimal("Ann Lee"));
    let run = case.run_env(
        &["build", "ann.json", "--out", "out"],
        &[("SOURCE_DATE_EPOCH", "-99999999999")],
    );
    run.assert_code(2);
    let err = run.stderr();
    assert!(
        err.contains("SOURCE_DATE_EPOCH gives a run date outside the years"),
        "{err}"
    );
    assert!(!err.contains("template"), "{err}");
}

#[test]
fn many_failing_records_list_fifty_and_count_the_rest() {
    let case = Case::new();
    let mut text = String::from("patient_name,date_of_birth,current_doctor\n");
    for i in 0..120 {
        text.push_str(&format!("Patient {i},not a date,Dr. Lee\n"));
    }
    text.push_str("Ann Lee,1950-01-31,Dr. Lee\n");
    case.write("many.csv", &text);
    let run = case.build("many.csv", "out", &[]);
    run.assert_code(1);
    let err = run.stderr();
    assert_eq!(err.matches("  many.csv").count(), 50, "{err}");
    assert!(
        err.contains("and 70 more records failed; out/report.csv lists them all"),
        "{err}"
    );
    let report = fs::read_to_string(case.path("out/report.csv")).unwrap();
    assert_eq!(report.matches(",failed,").count(), 120);
    let run = case.run(&["validate", "many.csv", "--date", DATE]);
    run.assert_code(1);
    assert!(
        run.stderr().contains("and 70 more records failed"),
        "{}",
        run.stderr()
    );
}

#[cfg(unix)]
#[test]
fn templates_export_never_writes_through_a_link() {
    let case = Case::new();
    let outside = case.path("outside");
    fs::create_dir(&outside).unwrap();
    fs::create_dir(case.path("tpl")).unwrap();
    std::os::unix::fs::symlink(&outside, case.path("tpl/en")).unwrap();
    let run = case.run(&["templates", "export", "tpl", "--force"]);
    run.assert_code(2);
    assert!(
        run.stderr().contains("nothing is written through links"),
        "{}",
        run.stderr()
    );
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
    assert!(
        !Path::new(&case.path("tpl/README.md")).exists()
            || fs::symlink_metadata(case.path("tpl/README.md"))
                .unwrap()
                .is_file()
    );
}
