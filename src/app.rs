//! The top layer: runs a subcommand from its arguments, prints what happened,
//! and returns the [`Outcome`] that becomes the exit code. This is the only
//! module that prints; every stage below it returns values.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{Local, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{BuildArgs, InitArgs, TemplatesCommand, ValidateArgs};
use crate::config::{BuildConfig, CheckConfig};
use crate::error::{Error, Outcome};
use crate::run::{self, Progress};

/// The environment variable that fixes the run date for reproducible builds.
const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

fn epoch() -> Option<String> {
    std::env::var(SOURCE_DATE_EPOCH).ok()
}

fn clock_today() -> NaiveDate {
    Local::now().date_naive()
}

/// Prints a run-stopping error the same way everywhere.
fn fatal(error: &Error) -> Outcome {
    eprintln!("error: {error}");
    Outcome::Fatal
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
    let config = match BuildConfig::from_args(args, epoch().as_deref(), clock_today()) {
        Ok(c) => c,
        Err(e) => return fatal(&e),
    };
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
                        eprintln!("{done} of {total} packets done");
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
    finish(
        &summary.warnings,
        &crate::report::build_summary(&summary),
        summary.built(),
        summary.failed(),
    )
}

/// Prints a run's warnings and closing summary (to stdout when all went
/// well, else to stderr) and picks the exit code from what passed.
fn finish(warnings: &[String], summary: &str, good: usize, failed: usize) -> Outcome {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    if failed == 0 {
        print!("{summary}");
        Outcome::AllGood
    } else {
        eprint!("{summary}");
        if good == 0 {
            Outcome::Fatal
        } else {
            Outcome::SomeFailed
        }
    }
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    if !bar.is_hidden() {
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} packets  {per_sec}  about {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
    } else {
        // A hidden bar still counts, for the plain lines above.
        bar.set_length(total);
    }
    bar
}

fn unexpected() -> Outcome {
    eprintln!(
        "error: second-opinion stopped unexpectedly. No patient data is shown here.\nhint: run again; if it happens again, report it with the command you ran"
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
        &crate::report::check_summary(&summary),
        summary.passed,
        summary.failures.len(),
    )
}

/// `second-opinion init`.
pub fn init(args: &InitArgs) -> Outcome {
    if let Some(path) = &args.clinic {
        return match crate::starter::write_clinic_profile(path, args.force) {
            Ok(()) => {
                println!(
                    "Wrote {}. Fill in the clinic's details (the logo path is relative to this file), then run:\n  second-opinion build INPUT --clinic {}",
                    path.display(),
                    path.display()
                );
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
            println!(
                "Wrote {}. Fill it in (every field is explained in docs/intake.md), then run:\n  second-opinion build {} --out packets",
                path.display(),
                path.display()
            );
            Outcome::AllGood
        }
        Err(e) => fatal(&e),
    }
}

/// `second-opinion templates export`.
pub fn templates(command: &TemplatesCommand) -> Outcome {
    match command {
        TemplatesCommand::Export { dir, force } => {
            match crate::render::templates::export(dir, *force) {
                Ok(files) => {
                    println!(
                        "Wrote {} files into {}. Edit them (README.md there says what data each template receives), then run:\n  second-opinion build INPUT --templates {}",
                        files.len(),
                        dir.display(),
                        dir.display()
                    );
                    Outcome::AllGood
                }
                Err(e) => fatal(&e),
            }
        }
    }
}
