//! The validated configuration of a run: clap's arguments are checked once
//! here, and no stage ever reads clap types.
//!
//! Every subcommand's configuration lives here, `report merge`'s
//! ([`MergeConfig`]) too, and this module imports only what checks the
//! arguments (the CLI's types, the clinic profile, the templates, the
//! shard) and the core: never a stage that runs, so `run` and `merge`
//! import it and it never imports them.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::{BuildArgs, DateOrder, InputArgs, MergeArgs};
use crate::shard::{Shard, ShardArg};
use second_opinion_core::error::Error;
use second_opinion_core::input::{InputOptions, TextDates};
use second_opinion_core::render::{Paper, RenderOptions, TemplateSet};
use second_opinion_core::run;

/// What `build` and `validate` need to read and check records.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The intake files.
    pub inputs: Vec<PathBuf>,
    /// The run date.
    pub today: NaiveDate,
    /// How the files are read.
    pub input: InputOptions,
}

/// Everything `build` needs.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    /// Reading and checking.
    pub check: CheckConfig,
    /// The output folder.
    pub out: PathBuf,
    /// Replace existing packets.
    pub force: bool,
    /// Also write every packet into one bundle ZIP.
    pub bundle: bool,
    /// How long the start-up check of the templates may take.
    pub check_time: std::time::Duration,
    /// Rendering settings.
    pub render: RenderOptions,
    /// The slice of the records to build (`--shard`), or all of them.
    pub shard: Option<Shard>,
}

impl BuildConfig {
    /// Every file the run reads besides standard input: the intake files,
    /// the clinic profile and its logo, the clinic's templates. The output
    /// stage never writes over any of them.
    pub fn read_files(&self) -> Vec<PathBuf> {
        let clinic = self.render.clinic.iter().flat_map(|c| c.files.iter());
        self.check
            .inputs
            .iter()
            .chain(clinic)
            .chain(self.render.templates.files_read())
            .cloned()
            .collect()
    }

    /// The report's file name: `report.csv`, or for a shard its own, since
    /// the shards of a run share one folder.
    pub fn report_file(&self) -> String {
        self.shard.map_or_else(
            || second_opinion_core::report::REPORT_FILE.to_string(),
            Shard::report_file,
        )
    }
}

impl CheckConfig {
    /// Checks the input arguments. `source_date_epoch` is the environment
    /// variable's value, passed in so tests need not touch the environment.
    pub fn from_args(
        args: &InputArgs,
        source_date_epoch: Option<&str>,
        clock_today: NaiveDate,
    ) -> Result<Self, Error> {
        let today = run_date(args.date.as_deref(), source_date_epoch, clock_today)?;
        if let Some(label) = &args.encoding {
            second_opinion_core::input::delimited::encoding_for_label(label)?;
        }
        let input = InputOptions {
            sheet: args.sheet.clone(),
            sheet_dates: match args.date_order {
                DateOrder::Mdy => TextDates::MonthFirst,
                DateOrder::Dmy => TextDates::DayFirst,
            },
            encoding: args.encoding.clone(),
            delimiter: args.delimiter.map(|d| d.byte()),
        };
        Ok(CheckConfig {
            inputs: args.inputs.clone(),
            today,
            input,
        })
    }
}

impl BuildConfig {
    /// Checks the `build` arguments. `var` looks up an environment
    /// variable (for `--shard auto`), passed in so tests need not touch the
    /// environment.
    pub fn from_args(
        args: &BuildArgs,
        source_date_epoch: Option<&str>,
        clock_today: NaiveDate,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let check = CheckConfig::from_args(&args.input, source_date_epoch, clock_today)?;
        if args.bundle && args.shard.is_some() {
            return Err(Error::Usage {
                message: "--bundle cannot be used with --shard: a bundle holds every packet of a whole run, and a shard builds only some".into(),
                hint: "build the shards without --bundle; the folder they share holds every packet once all have run".into(),
            });
        }
        let shard = match args.shard {
            None => None,
            Some(ShardArg::Slice(shard)) => Some(shard),
            Some(ShardArg::Auto) => Some(Shard::from_scheduler(var)?),
        };
        let jobs = match args.jobs {
            Some(0) => {
                return Err(Error::Usage {
                    message: "--jobs must be at least 1".into(),
                    hint: "leave --jobs out to use every processor core".into(),
                });
            }
            Some(n) => n.min(max_jobs()),
            None => max_jobs(),
        };
        let clinic = args
            .clinic
            .as_deref()
            .map(crate::clinic_file::load)
            .transpose()?;
        let paper: Paper = args
            .paper
            .or(clinic.as_ref().and_then(|c| c.paper))
            .unwrap_or_default();
        let language = match args.language.as_deref() {
            None => run::DEFAULT_LANGUAGE.to_string(),
            // The core's list; an empty `--language` (an unset variable in
            // a script, say) is a mistake here, not the default.
            Some(code) => run::parse_language(code)
                .ok()
                .filter(|_| !code.trim().is_empty())
                .ok_or_else(|| Error::Usage {
                    message: "--language names a language without templates".into(),
                    hint: format!(
                        "use one of: {}",
                        second_opinion_core::render::LANGUAGES.join(", ")
                    ),
                })?
                .to_string(),
        };
        let templates = match &args.templates {
            Some(dir) => crate::templates_dir::with_dir(dir)?,
            None => TemplateSet::built_in(),
        };
        Ok(BuildConfig {
            render: RenderOptions {
                today: check.today,
                paper,
                language,
                large_print: args.large_print,
                clinic,
                templates,
                // The worker threads: the renderer keeps Typst's caches
                // for as many packets per worker whatever their count.
                workers: jobs,
            },
            check,
            out: args.out.clone(),
            force: args.force,
            bundle: args.bundle,
            check_time: crate::check::CHECK_TIME,
            shard,
        })
    }
}

/// Everything `report merge` needs.
#[derive(Debug, Clone)]
pub struct MergeConfig {
    /// The folders holding the shards' reports, in command-line order.
    pub dirs: Vec<PathBuf>,
    /// The folder the combined report is written into.
    pub out_dir: PathBuf,
    /// Its file name there.
    pub out_name: String,
    /// Replace a file of that name that second-opinion did not write.
    pub force: bool,
}

impl MergeConfig {
    /// Checks the `report merge` arguments.
    pub fn from_args(args: &MergeArgs) -> Result<Self, Error> {
        let first = args.dirs.first().cloned().unwrap_or_else(|| ".".into());
        let (out_dir, out_name) = match &args.out {
            None => (first, second_opinion_core::report::REPORT_FILE.to_string()),
            Some(folder) if folder.is_dir() => (
                folder.clone(),
                second_opinion_core::report::REPORT_FILE.to_string(),
            ),
            Some(file) => {
                let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if !second_opinion_core::bundle::is_safe_entry_name(name) {
                    return Err(Error::Usage {
                        message: "--out names a file this program does not write: a name of letters, digits, '.', '-' and '_', not starting with '.', is needed".into(),
                        hint: "name the combined report like --out merged/report.csv".into(),
                    });
                }
                let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
                (
                    parent.map_or_else(|| PathBuf::from("."), PathBuf::from),
                    name.to_string(),
                )
            }
        };
        Ok(MergeConfig {
            dirs: args.dirs.clone(),
            out_dir,
            out_name,
            force: args.force,
        })
    }
}

/// The most packets built at once, whatever `--jobs` asks: every worker
/// holds a compile's memory (some tens of MB), and more workers than cores
/// only add memory, not speed. `--jobs 300` would exhaust memory before the
/// first packet.
pub const MAX_JOBS: usize = 8;

/// The number of workers a run may use: one per core, at most [`MAX_JOBS`].
pub fn max_jobs() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_JOBS)
}

/// The run date: `--date`, else `SOURCE_DATE_EPOCH` (UTC), else the clock,
/// in the years 1900 to 9999 ([`run::YEARS`]).
pub fn run_date(
    flag: Option<&str>,
    source_date_epoch: Option<&str>,
    clock_today: NaiveDate,
) -> Result<NaiveDate, Error> {
    let date = any_run_date(flag, source_date_epoch, clock_today)?;
    if let Ok(date) = run::in_years(date) {
        return Ok(date);
    }
    let source = match (flag, source_date_epoch.filter(|s| !s.trim().is_empty())) {
        (Some(_), _) => "--date",
        (None, Some(_)) => "SOURCE_DATE_EPOCH",
        (None, None) => "the computer's clock",
    };
    Err(Error::Usage {
        message: format!(
            "{source} gives a run date outside the years {} to {}",
            run::YEARS.start(),
            run::YEARS.end()
        ),
        hint: match source {
            "--date" => "write the run date like --date 2026-11-23",
            "SOURCE_DATE_EPOCH" => "unset it, or set it to a Unix timestamp such as 1795400000",
            _ => "set the computer's date, or give the run date with --date YYYY-MM-DD",
        }
        .into(),
    })
}

/// The run date before its range is checked.
fn any_run_date(
    flag: Option<&str>,
    source_date_epoch: Option<&str>,
    clock_today: NaiveDate,
) -> Result<NaiveDate, Error> {
    if let Some(text) = flag {
        return second_opinion_core::record::parse_date(
            text,
            second_opinion_core::input::TextDates::IsoOnly,
        )
        .ok_or_else(|| Error::Usage {
            message: "--date is not a real date written YYYY-MM-DD".into(),
            hint: "write it like --date 2026-11-23".into(),
        });
    }
    if let Some(epoch) = source_date_epoch.filter(|s| !s.trim().is_empty()) {
        let seconds: i64 = epoch.trim().parse().map_err(|_| Error::Usage {
            message: "SOURCE_DATE_EPOCH is not a whole number of seconds".into(),
            hint: "unset it, or set it to a Unix timestamp such as 1795400000".into(),
        })?;
        return chrono::DateTime::from_timestamp(seconds, 0)
            .map(|t| t.date_naive())
            .ok_or_else(|| Error::Usage {
                message: "SOURCE_DATE_EPOCH is out of range".into(),
                hint: "unset it, or set it to a Unix timestamp such as 1795400000".into(),
            });
    }
    Ok(clock_today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()
    }

    #[test]
    fn date_flag_wins_then_epoch_then_clock() {
        assert_eq!(
            run_date(Some("2026-11-23"), Some("0"), clock()).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            run_date(None, Some("86400"), clock()).unwrap(),
            NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()
        );
        assert_eq!(run_date(None, None, clock()).unwrap(), clock());
        assert_eq!(run_date(None, Some(""), clock()).unwrap(), clock());
        assert!(run_date(Some("2026-02-30"), None, clock()).is_err());
        assert!(run_date(None, Some("soon"), clock()).is_err());
    }

    #[test]
    fn run_dates_far_in_the_past_or_future_are_usage_errors() {
        for (flag, epoch, names) in [
            (None, Some("-99999999999"), "SOURCE_DATE_EPOCH"),
            (None, Some("253402300800"), "SOURCE_DATE_EPOCH"),
            (Some("1776-07-04"), None, "--date"),
        ] {
            let err = run_date(flag, epoch, clock()).unwrap_err().to_string();
            assert!(err.starts_with(names), "{err}");
            assert!(err.contains("outside the years 1900 to 9999"), "{err}");
        }
        assert!(
            run_date(None, Some("-2208988800"), clock()).is_ok(),
            "1900-01-01"
        );
    }

    fn build_args(args: &[&str]) -> BuildArgs {
        use clap::Parser;
        let args = [&["second-opinion", "build", "in.json"], args].concat();
        match crate::cli::Cli::try_parse_from(args).unwrap().command {
            crate::cli::Command::Build(build) => build,
            _ => unreachable!("a build command"),
        }
    }

    #[test]
    fn shards_take_their_slice_and_refuse_a_bundle() {
        let no_env = |_: &str| None;
        let err = BuildConfig::from_args(
            &build_args(&["--bundle", "--shard", "1/2"]),
            None,
            clock(),
            &no_env,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("--bundle cannot be used with --shard"),
            "{err}"
        );
        assert!(
            err.contains("hint: build the shards without --bundle"),
            "{err}"
        );
        let config =
            BuildConfig::from_args(&build_args(&["--shard", "2/5"]), None, clock(), &no_env)
                .unwrap();
        assert_eq!(config.shard, Shard::new(2, 5).ok());
        assert_eq!(config.report_file(), "report-2-of-5.csv");
        let k8s = |name: &str| match name {
            "JOB_COMPLETION_INDEX" => Some("2".to_string()),
            "SECOND_OPINION_SHARD_COUNT" => Some("4".to_string()),
            _ => None,
        };
        let config =
            BuildConfig::from_args(&build_args(&["--shard", "auto"]), None, clock(), &k8s).unwrap();
        assert_eq!(config.shard, Shard::new(3, 4).ok());
        let err = BuildConfig::from_args(&build_args(&["--shard", "auto"]), None, clock(), &no_env)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--shard auto found no job array"), "{err}");
        // Without --shard the scheduler's variables are never read.
        let never = |name: &str| -> Option<String> { panic!("{name} was read") };
        let config = BuildConfig::from_args(&build_args(&[]), None, clock(), &never).unwrap();
        assert_eq!(config.shard, None);
        assert_eq!(config.report_file(), "report.csv");
    }

    #[test]
    fn merge_writes_report_csv_in_the_first_folder_unless_told() {
        let args = |out: Option<&str>| MergeArgs {
            dirs: vec!["shared".into(), "more".into()],
            out: out.map(PathBuf::from),
            force: false,
        };
        let config = MergeConfig::from_args(&args(None)).unwrap();
        assert_eq!(
            (config.out_dir, config.out_name),
            (PathBuf::from("shared"), "report.csv".to_string())
        );
        let config = MergeConfig::from_args(&args(Some("all/merged.csv"))).unwrap();
        assert_eq!(
            (config.out_dir, config.out_name),
            (PathBuf::from("all"), "merged.csv".to_string())
        );
        let config = MergeConfig::from_args(&args(Some("merged.csv"))).unwrap();
        assert_eq!(config.out_dir, PathBuf::from("."));
        let dir = tempfile::tempdir().unwrap();
        let config = MergeConfig::from_args(&args(Some(dir.path().to_str().unwrap()))).unwrap();
        assert_eq!(
            (config.out_dir.as_path(), config.out_name.as_str()),
            (dir.path(), "report.csv")
        );
        for bad in ["a/.hidden.csv", "a/my report.csv", "a/.."] {
            let err = MergeConfig::from_args(&args(Some(bad)))
                .unwrap_err()
                .to_string();
            assert!(err.contains("--out names a file"), "{bad}: {err}");
        }
    }

    #[test]
    fn jobs_are_clamped_to_the_cores_and_a_small_maximum() {
        assert!((1..=MAX_JOBS).contains(&max_jobs()));
    }
}
