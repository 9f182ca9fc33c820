//! The top layer: runs a subcommand from its arguments, prints what happened,
//! and returns the [`Outcome`] that becomes the exit code. This is the only
//! module that prints; every stage below it returns values.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{Local, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{BuildArgs, InitArgs, ReportCommand, TemplatesCommand, ValidateArgs};
use crate::config::{BuildConfig, CheckConfig, MergeConfig};
use crate::run::{self, Progress};
use second_opinion_core::error::{Error, Outcome, printable_lines, shown};

/// The environment variable that fixes the run date for reproducible builds.
const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// The environment variable that sets how long the start-up check of the
/// templates may take, in seconds (default 20), for very slow computers.
const CHECK_SECONDS: &str = "SECOND_OPINION_CHECK_SECONDS";

/// The template check's time limit from [`CHECK_SECONDS`], if set.
fn check_time(value: Option<&str>) -> Result<Option<Duration>, Error> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<u64>() {
        Ok(seconds @ 1..=3600) => Ok(Some(Duration::from_secs(seconds))),
        _ => Err(Error::Usage {
            message: format!("{CHECK_SECONDS} is not a whole number of seconds from 1 to 3600"),
            hint: format!("unset it, or set it like {CHECK_SECONDS}=60"),
        }),
    }
}

fn epoch() -> Option<String> {
    std::env::var(SOURCE_DATE_EPOCH).ok()
}

fn clock_today() -> NaiveDate {
    Local::now().date_naive()
}

/// Prints a run-stopping error the same way everywhere.
fn fatal(error: &Error) -> Outcome {
    // Messages name files, and a file name may hold anything: nothing
    // printed may act on the terminal (see `printable_lines`).
    tell(&format!("error: {}\n", printable_lines(&error.to_string())));
    Outcome::Fatal
}

/// Writes to standard output. `print!` panics when standard output is full
/// or its reader has gone (`| head`, `>/dev/full`), which ended good runs
/// with exit 101 and no word; here the text is lost, the outcome is kept,
/// and standard error says what happened. Like everything printed, the
/// text has its control characters written out (`printable_lines`): the
/// paths `init` and `templates export` echo are whatever the user typed.
fn say(text: &str) {
    use std::io::Write as _;
    let text = printable_lines(text);
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        tell(
            "note: standard output is closed or full, so this message could not be printed there; the run's outcome is in its exit code (and report.csv for a build)\n",
        );
    }
}

/// Writes to standard error without ever panicking (`eprint!` does when
/// standard error is full): there is nowhere left to report a failure.
fn tell(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Replaces Rust's panic message (which could quote data) with a plain one.
/// Panics inside one packet are caught and reported as that record's
/// failure; this hook only speaks for anything else.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// `second-opinion build`.
pub fn build(args: &BuildArgs) -> Outcome {
    quiet_panics();
    let var = |name: &str| std::env::var(name).ok();
    let mut config = match BuildConfig::from_args(args, epoch().as_deref(), clock_today(), &var) {
        Ok(c) => c,
        Err(e) => return fatal(&e),
    };
    match check_time(std::env::var(CHECK_SECONDS).ok().as_deref()) {
        Ok(Some(limit)) => config.check_time = limit,
        Ok(None) => {}
        Err(e) => return fatal(&e),
    }
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    let show_progress = !args.quiet;
    let on_progress = |event: Progress| {
        if !show_progress {
            return;
        }
        let mut bar = bar.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Progress::Start(total) => *bar = Some(progress_bar(total as u64)),
            Progress::Done => {
                if let Some(b) = bar.as_ref() {
                    b.inc(1);
                    if !b.is_hidden() {
                        return;
                    }
                    // Not a terminal: a plain line every 10 % so logs stay short.
                    let (done, total) = (b.position(), b.length().unwrap_or(0));
                    let step = (total / 10).max(1);
                    if done % step == 0 || done == total {
                        tell(&format!("{done} of {total} packets done\n"));
                    }
                }
            }
        }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run::build(&config, &on_progress)
    }));
    if let Some(b) = bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
        b.finish_and_clear();
    }
    let summary = match result {
        Ok(Ok(summary)) => summary,
        Ok(Err(e)) => return fatal(&e),
        Err(_) => return unexpected(),
    };
    // A bundle or report that could not be written counts as something
    // that failed: the packets are there, the one file of all of them (or
    // the list of them) is not.
    let failed = summary.failed()
        + usize::from(summary.bundle_error.is_some())
        + usize::from(summary.report_error.is_some());
    let outcome = match outcome(summary.built(), failed) {
        // A shard with no packet of its own (more shards than records) had
        // nothing to build: its failures are the input's invalid records,
        // which every shard lists, so it exits 1, not 2.
        Outcome::Fatal if summary.shard.is_some() && summary.own_packets() == 0 => {
            Outcome::SomeFailed
        }
        other => other,
    };
    finish(
        &summary.warnings,
        &crate::summary::build_summary(&summary),
        outcome,
    )
}

/// `second-opinion report`.
pub fn report(command: &ReportCommand) -> Outcome {
    match command {
        ReportCommand::Merge(args) => {
            quiet_panics();
            let config = match MergeConfig::from_args(args) {
                Ok(c) => c,
                Err(e) => return fatal(&e),
            };
            let summary = match std::panic::catch_unwind(|| crate::merge::merge(&config)) {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return fatal(&e),
                Err(_) => return unexpected(),
            };
            // Missing records and conflicts count as failed, so the exit
            // code follows build's: 0 all built, 1 some not, 2 none.
            let failed = summary.failed + summary.missing_records() + summary.conflicted;
            finish(
                &[],
                &crate::summary::merge_summary(&summary),
                outcome(summary.built, failed),
            )
        }
    }
}

/// The exit code of a run from what passed and what failed: 0 when nothing
/// failed, 2 when nothing passed, else 1.
fn outcome(good: usize, failed: usize) -> Outcome {
    match (good, failed) {
        (_, 0) => Outcome::AllGood,
        (0, _) => Outcome::Fatal,
        _ => Outcome::SomeFailed,
    }
}

/// Prints a run's warnings and closing summary (to stdout when all went
/// well, else to stderr) and returns its outcome.
fn finish(warnings: &[String], summary: &str, outcome: Outcome) -> Outcome {
    for warning in warnings {
        tell(&format!("warning: {}\n", printable_lines(warning)));
    }
    let summary = printable_lines(summary);
    if matches!(outcome, Outcome::AllGood) {
        say(&summary);
    } else {
        tell(&summary);
    }
    outcome
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    if !bar.is_hidden() {
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} packets  {rate}  about {eta} left")
                .map(|style| {
                    style.with_key(
                        "rate",
                        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = w.write_str(&rate_text(state.per_sec()));
                        },
                    )
                })
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
    } else {
        // A hidden bar still counts, for the plain lines above.
        bar.set_length(total);
    }
    bar
}

/// Packets per second as people read a rate: whole numbers from 10 up, one
/// decimal below ("9.9708/s" is noise, "10/s" is not).
fn rate_text(per_second: f64) -> String {
    if !per_second.is_finite() || per_second <= 0.0 {
        "–/s".to_string()
    } else if per_second >= 9.95 {
        format!("{per_second:.0}/s")
    } else if per_second >= 0.05 {
        format!("{per_second:.1}/s")
    } else {
        "under 0.1/s".to_string()
    }
}

fn unexpected() -> Outcome {
    tell(
        "error: second-opinion stopped unexpectedly. No patient data is shown here.\nhint: run again; if it happens again, report it with the command you ran\n",
    );
    Outcome::Fatal
}

/// `second-opinion validate`.
pub fn validate(args: &ValidateArgs) -> Outcome {
    quiet_panics();
    let config = match CheckConfig::from_args(&args.input, epoch().as_deref(), clock_today()) {
        Ok(c) => c,
        Err(e) => return fatal(&e),
    };
    let summary = match std::panic::catch_unwind(|| run::check(&config)) {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return fatal(&e),
        Err(_) => return unexpected(),
    };
    finish(
        &summary.warnings,
        &crate::summary::check_summary(&summary),
        outcome(summary.passed, summary.failures.len()),
    )
}

/// `second-opinion init`.
pub fn init(args: &InitArgs) -> Outcome {
    if let Some(path) = &args.clinic {
        return match crate::starter::write_clinic_profile(path, args.force) {
            Ok(()) => {
                say(&format!(
                    "Wrote {}. Fill in the clinic's details (the logo path is relative to this file), then run:\n  second-opinion build INPUT --clinic {}\n",
                    shown(path),
                    shown(path)
                ));
                Outcome::AllGood
            }
            Err(e) => fatal(&e),
        };
    }
    let (path, written) = match &args.spreadsheet {
        Some(path) => (
            path,
            crate::starter::write_spreadsheet_form(path, args.force, args.example),
        ),
        None => (
            &args.file,
            crate::starter::write_json_form(&args.file, args.force, args.example),
        ),
    };
    match written {
        Ok(()) => {
            say(&format!(
                "Wrote {}. Fill it in (every field is explained in docs/intake.md), then run:\n  second-opinion build {} --out packets\n",
                shown(path),
                shown(path)
            ));
            Outcome::AllGood
        }
        Err(e) => fatal(&e),
    }
}

/// `second-opinion templates export`.
pub fn templates(command: &TemplatesCommand) -> Outcome {
    match command {
        TemplatesCommand::Export { dir, force } => {
            match crate::templates_dir::export(dir, *force) {
                Ok(files) => {
                    say(&format!(
                        "Wrote {} files into {}. Edit them (README.md there says what data each template receives), then run:\n  second-opinion build INPUT --templates {}\n",
                        files.len(),
                        shown(dir),
                        shown(dir)
                    ));
                    Outcome::AllGood
                }
                Err(e) => fatal(&e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_time_comes_from_the_environment_within_bounds() {
        assert_eq!(check_time(None).unwrap(), None);
        assert_eq!(check_time(Some(" ")).unwrap(), None);
        assert_eq!(
            check_time(Some("60")).unwrap(),
            Some(Duration::from_secs(60))
        );
        for bad in ["0", "-1", "soon", "99999"] {
            let err = check_time(Some(bad)).unwrap_err().to_string();
            assert!(err.contains(CHECK_SECONDS), "{err}");
        }
    }

    #[test]
    fn rates_are_rounded_as_people_read_them() {
        assert_eq!(rate_text(9.9708), "10/s");
        assert_eq!(rate_text(123.456), "123/s");
        assert_eq!(rate_text(2.345), "2.3/s");
        assert_eq!(rate_text(0.25), "0.2/s");
        assert_eq!(rate_text(0.01), "under 0.1/s");
        assert_eq!(rate_text(0.0), "–/s");
        assert_eq!(rate_text(f64::NAN), "–/s");
    }
}
