use super::*;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../samples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn settings() -> Settings {
    Settings::parse("2026-11-23", Some("en"), None, false).unwrap()
}

/// Three patients: two good (one asking for Spanish, both named alike),
/// and one whose date of birth is no date.
fn three() -> Vec<u8> {
    let mut good: serde_json::Value = serde_json::from_slice(&sample("patient.json")).unwrap();
    good.as_object_mut().unwrap().remove("packet_id");
    good["patient_name"] = "Ada Same".into();
    let mut spanish = good.clone();
    spanish["language"] = "es".into();
    let mut bad = good.clone();
    bad["date_of_birth"] = "0000-00-00".into();
    serde_json::to_vec(&serde_json::json!([good, bad, spanish])).unwrap()
}

#[test]
fn run_dates_are_iso_and_within_the_years() {
    assert_eq!(parse_run_date("2026-11-23"), Ok(day("2026-11-23")));
    assert_eq!(parse_run_date("11/23/2026"), Err(BadSetting::Date));
    assert_eq!(parse_run_date("2026-02-30"), Err(BadSetting::Date));
    assert_eq!(parse_run_date("0999-01-01"), Err(BadSetting::DateYears));
    assert_eq!(in_years(day("1900-01-01")), Ok(day("1900-01-01")));
    assert_eq!(in_years(day("1899-12-31")), Err(BadSetting::DateYears));
}

#[test]
fn languages_and_papers_come_from_one_list_each() {
    for code in LANGUAGES {
        assert_eq!(parse_language(code), Ok(*code));
        assert_eq!(
            parse_language(&format!(" {} ", code.to_uppercase())),
            Ok(*code)
        );
    }
    assert_eq!(parse_language(""), Ok(DEFAULT_LANGUAGE));
    assert_eq!(parse_language("xx"), Err(BadSetting::Language));
    let s = Settings::parse("2026-11-23", Some("ES"), Some("A4"), true).unwrap();
    assert_eq!(
        s,
        Settings {
            today: day("2026-11-23"),
            language: "es".into(),
            large_print: true,
            paper: Some(Paper::A4),
        }
    );
    assert_eq!(
        Settings::parse("2026-11-23", None, Some("a5"), false),
        Err(BadSetting::Paper)
    );
    assert_eq!(
        Settings::parse("", None, None, false),
        Err(BadSetting::Date)
    );
    // Missing and empty are the defaults; the clinic's paper comes next.
    let plain = Settings::parse("2026-11-23", None, Some(""), false).unwrap();
    assert_eq!((plain.language.as_str(), plain.paper), ("en", None));
    let options = plain.render_options(None, TemplateSet::built_in());
    assert_eq!(options.paper, Paper::Letter);
}

#[test]
fn a_plan_names_passing_records_in_input_order_and_keeps_every_outcome() {
    let mut plan = Plan::new(day("2026-11-23"), "en", InputOptions::default());
    let mut kept = Vec::new();
    let read = plan
        .read(Path::new("three.json"), &three(), &mut |p| {
            kept.push((p.index, p.number, p.name));
            None
        })
        .unwrap();
    assert_eq!((read.first, read.records, read.passed), (0, 3, 2));
    assert_eq!(
        kept,
        [
            (0, 0, "Ada-Same.zip".to_string()),
            (2, 1, "Ada-Same-2.zip".to_string())
        ]
    );
    assert_eq!(plan.passed(), 2);
    assert_eq!(
        plan.languages()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["en", "es"]
    );
    let failures: Vec<_> = plan.failures_from(0).collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0.place_label(), "record 2");
    assert_eq!(failures[0].1[0].field.as_deref(), Some("date_of_birth"));
    // A second file goes on where the first stopped: names stay unique.
    let read = plan
        .read(Path::new("again.json"), &three(), &mut |p| {
            kept.push((p.index, p.number, p.name));
            None
        })
        .unwrap();
    assert_eq!(read.first, 3);
    assert_eq!(kept[3], (5, 3, "Ada-Same-4.zip".to_string()));
    assert_eq!(plan.failures_from(3).count(), 1);
    // The report lists every record, failures among the others.
    let report = String::from_utf8(plan.report_csv()).unwrap();
    assert_eq!(report.lines().count(), 7, "{report}");
    assert_eq!(report.matches("not built").count(), 4, "{report}");
}

#[test]
fn a_status_given_at_once_is_kept_and_its_warnings_are_not() {
    let mut record: serde_json::Value = serde_json::from_slice(&sample("patient.json")).unwrap();
    // Sent to the second doctor, who has neither address nor fax: a warning.
    record["records_delivery"] = "second_opinion_doctor".into();
    let object = record.as_object_mut().unwrap();
    object.remove("second_opinion_address");
    object.remove("second_opinion_fax");
    let bytes = serde_json::to_vec(&serde_json::json!([record, record])).unwrap();
    let mut plan = Plan::new(day("2026-11-23"), "en", InputOptions::default());
    let read = plan
        .read(Path::new("two.json"), &bytes, &mut |p| {
            (p.number == 1).then(|| Status::Built("elsewhere".into()))
        })
        .unwrap();
    let (listed, more) = read.record_warnings.into_parts();
    assert_eq!((listed.len(), more), (1, 0));
    assert_eq!(listed[0].0.place_label(), "record 1");
    assert_eq!(plan.outcomes()[1].status, Status::Built("elsewhere".into()));
    assert_eq!(plan.outcomes()[0].status, report::not_built());
}

#[test]
fn a_file_that_cannot_be_read_adds_nothing_to_a_whole_read() {
    let mut plan = Plan::new(day("2026-11-23"), "en", InputOptions::default());
    plan.read(Path::new("three.json"), &three(), &mut |_| None)
        .unwrap();
    let before = (
        plan.outcomes().len(),
        plan.passed(),
        plan.languages().clone(),
    );
    // Records, then a syntax error: the first record reached `keep`.
    let mut broken = three();
    broken.truncate(broken.len() - 2);
    let mut reached = 0;
    assert!(
        plan.read_whole(Path::new("broken.json"), &broken, &mut |_| {
            reached += 1;
            None
        })
        .is_err()
    );
    assert_eq!(
        (
            plan.outcomes().len(),
            plan.passed(),
            plan.languages().clone()
        ),
        before
    );
    // The names handed out for the dropped records are free again.
    let mut names = Vec::new();
    plan.read(Path::new("three.json"), &three(), &mut |p| {
        names.push(p.name);
        None
    })
    .unwrap();
    assert_eq!(names, ["Ada-Same-3.zip", "Ada-Same-4.zip"]);
    // `read` keeps what came before the error: the good record `keep`
    // saw, and the failed one after it.
    assert_eq!(reached, 1);
    let kept = plan.outcomes().len();
    assert!(
        plan.read(Path::new("broken.json"), &broken, &mut |_| None)
            .is_err()
    );
    assert_eq!(plan.outcomes().len(), kept + 2);
}

#[test]
fn a_run_builds_by_number_and_records_in_order_into_one_bundle() {
    let mut run = Run::new(&settings());
    let read = run.read("three.json", &three()).unwrap();
    assert_eq!(read.passed, 2);
    assert!(matches!(run.build(0), Err(StepError::OutOfTurn(_))));
    let mut helper = Run::new(&settings());
    helper.read("three.json", &three()).unwrap();
    let options = || settings().render_options(None, TemplateSet::built_in());
    assert_eq!(run.start(options()).unwrap(), 2);
    assert_eq!(helper.start(options()).unwrap(), 2);
    assert!(matches!(
        run.read("late.json", &three()),
        Err(StepError::OutOfTurn(_))
    ));
    // Packet 1 by the helper, first; recorded in order by the run.
    let second = helper.build(1).unwrap();
    helper.forget(1);
    assert!(matches!(helper.build(1), Err(StepError::OutOfTurn(_))));
    let first = run.build(0).unwrap();
    assert!(matches!(
        run.record(1, Some(&second)),
        Err(StepError::OutOfTurn(_))
    ));
    assert!(matches!(run.finish(), Err(StepError::OutOfTurn(_))));
    let mut bundle = run.record(0, Some(&first)).unwrap();
    bundle.extend(run.record(1, Some(&second)).unwrap());
    bundle.extend(run.finish().unwrap());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    assert_eq!(names, ["Ada-Same.zip", "Ada-Same-2.zip", "report.csv"]);
    let mut report = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("report.csv").unwrap(), &mut report)
        .unwrap();
    assert_eq!(report.as_bytes(), run.plan().report_csv());
    assert_eq!(report.matches(",built,").count(), 2, "{report}");
    assert_eq!(report.matches(",failed,").count(), 1, "{report}");
    // The same packet from either copy is the same bytes.
    assert_eq!(helper.build(0).unwrap(), first);
}
