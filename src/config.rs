//! The validated configuration of a run: clap's arguments are checked once
//! here, and no stage ever reads clap types.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::{BuildArgs, DateOrder, InputArgs};
use crate::clinic::Clinic;
use crate::error::Error;
use crate::input::{InputOptions, TextDates};
use crate::render::{Paper, RenderOptions, TemplateSet};

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
    /// Worker threads.
    pub jobs: usize,
    /// Rendering settings.
    pub render: RenderOptions,
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
            crate::input::delimited::encoding_for_label(label)?;
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
    /// Checks the `build` arguments.
    pub fn from_args(
        args: &BuildArgs,
        source_date_epoch: Option<&str>,
        clock_today: NaiveDate,
    ) -> Result<Self, Error> {
        let check = CheckConfig::from_args(&args.input, source_date_epoch, clock_today)?;
        let jobs = match args.jobs {
            Some(0) => {
                return Err(Error::Usage {
                    message: "--jobs must be at least 1".into(),
                    hint: "leave --jobs out to use every processor core".into(),
                });
            }
            Some(n) => n,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        };
        let clinic = args.clinic.as_deref().map(Clinic::load).transpose()?;
        let paper: Paper = args
            .paper
            .map(Paper::from)
            .or(clinic.as_ref().and_then(|c| c.paper))
            .unwrap_or_default();
        let language = match &args.language {
            None => "en".to_string(),
            Some(code) => {
                let code = code.trim().to_ascii_lowercase();
                if !crate::render::LANGUAGES.contains(&code.as_str()) {
                    return Err(Error::Usage {
                        message: "--language names a language without templates".into(),
                        hint: format!("use one of: {}", crate::render::LANGUAGES.join(", ")),
                    });
                }
                code
            }
        };
        let templates = match &args.templates {
            Some(dir) => TemplateSet::with_dir(dir)?,
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
            },
            check,
            out: args.out.clone(),
            force: args.force,
            bundle: args.bundle,
            jobs,
        })
    }
}

/// The run date: `--date`, else `SOURCE_DATE_EPOCH` (UTC), else the clock.
pub fn run_date(
    flag: Option<&str>,
    source_date_epoch: Option<&str>,
    clock_today: NaiveDate,
) -> Result<NaiveDate, Error> {
    if let Some(text) = flag {
        return crate::record::parse_date(text, crate::input::TextDates::IsoOnly).ok_or_else(
            || Error::Usage {
                message: "--date is not a real date written YYYY-MM-DD".into(),
                hint: "write it like --date 2026-11-23".into(),
            },
        );
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
}
