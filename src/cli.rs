//! Command-line definitions. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use second_opinion_core::paper::Paper;

use crate::shard::ShardArg;

/// Builds second medical opinion packets from patient intake data.
///
/// Each packet is a ZIP of printable PDFs: a cover checklist, a records
/// request letter, an insurance call script, questions for the appointment,
/// a first-vs-second opinion comparison table, and all of them in one file.
#[derive(Debug, Parser)]
#[command(name = "second-opinion", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build one packet (a ZIP of PDFs) per patient.
    Build(BuildArgs),
    /// Check intake files and list every problem, without writing anything.
    Validate(ValidateArgs),
    /// Write an empty intake form for a patient to fill in.
    Init(InitArgs),
    /// Work with the document templates.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Work with the reports of runs.
    #[command(subcommand)]
    Report(ReportCommand),
}

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine the reports of a sharded run (report-K-of-N.csv, one per
    /// `build --shard K/N`) into one report.csv, naming the records of
    /// any shard that left no report and the command that rebuilds them.
    Merge(MergeArgs),
}

/// `report merge` options.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The folders the shards wrote into (usually one shared folder).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Where to write the combined report (default: report.csv in the
    /// first DIR). A folder means report.csv in it.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Replace a file of that name that second-opinion did not write.
    #[arg(long)]
    pub force: bool,
}

/// `templates` subcommands.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Write the built-in templates (and a README on the data they receive)
    /// into DIR, to customise and use with `build --templates DIR`.
    Export {
        /// The folder to write into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Replace files that already exist.
        #[arg(long)]
        force: bool,
    },
}

/// Options for reading intake files, shared by `build` and `validate`.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Intake files: JSON (one patient, a list, or {"patients": [...]}),
    /// spreadsheets (xlsx, xlsm, xlsb, xls, ods) or CSV, one row per patient.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// The sheet to read in workbooks, by name or by position (`--sheet 2`;
    /// messages name a sheet whose name may be a patient's by its position).
    /// Default: the first visible sheet.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// How dates typed as text with slashes are read in spreadsheets and CSV:
    /// mdy = MM/DD/YYYY (US, default), dmy = DD/MM/YYYY. ISO YYYY-MM-DD and
    /// real date cells are always understood.
    #[arg(long, value_enum, default_value_t = DateOrder::Mdy)]
    pub date_order: DateOrder,

    /// The text encoding of CSV files saved without a byte order mark, such
    /// as windows-1252 or latin1 (default: UTF-8). Characters are never
    /// replaced silently: a file that does not fit the encoding is an error.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,

    /// The CSV field separator: comma, semicolon, tab or pipe (default:
    /// detected from the header line).
    #[arg(long, value_enum)]
    pub delimiter: Option<Delimiter>,

    /// The run date, YYYY-MM-DD: printed on the documents and the only date
    /// the output depends on. Defaults to SOURCE_DATE_EPOCH, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

/// How text dates with slashes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrder {
    /// MM/DD/YYYY, as US spreadsheets write dates.
    Mdy,
    /// DD/MM/YYYY, as most other countries write dates.
    Dmy,
}

/// CSV field separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;` (common where the decimal mark is a comma)
    Semicolon,
    /// a tab character
    Tab,
    /// `|`
    Pipe,
}

impl Delimiter {
    /// The separator byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
            Delimiter::Pipe => b'|',
        }
    }
}

/// `build` options.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The intake files and how to read them.
    #[command(flatten)]
    pub input: InputArgs,

    /// The folder the packets are written to (created if missing).
    #[arg(long, short, value_name = "DIR", default_value = "packets")]
    pub out: PathBuf,

    /// Paper size of the documents (default: the clinic profile's, else letter).
    #[arg(long, value_parser = paper_parser())]
    pub paper: Option<Paper>,

    /// The language of every packet whose record has no `language` field:
    /// en (English, default) or es (Spanish).
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,

    /// Large print: body text of at least 16 pt, the same content.
    #[arg(long)]
    pub large_print: bool,

    /// A clinic profile (JSON) whose name, contact details and logo appear on
    /// the cover page and question sheet. `init --clinic` writes a starter.
    #[arg(long, value_name = "FILE")]
    pub clinic: Option<PathBuf>,

    /// A folder of templates replacing built-in ones of the same name, or
    /// adding documents to every packet (`templates export` writes a start).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Replace packets that already exist in the output folder.
    #[arg(long)]
    pub force: bool,

    /// Also write all-packets.zip: every packet of the run and the report in
    /// one file, for handing over in one go.
    #[arg(long)]
    pub bundle: bool,

    /// How many packets to build at once (default: one per processor core).
    /// At most one per core and at most 8: more only use more memory.
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,

    /// Print only problems and the final summary.
    #[arg(long, short)]
    pub quiet: bool,

    /// Build only slice K of N, for one batch on many machines sharing one
    /// output folder: valid record i (from 0, in input order) is shard
    /// i % N + 1, and packet names are those of a single run. `auto` takes
    /// K and N from a Slurm job array or a Kubernetes Indexed Job (with
    /// SECOND_OPINION_SHARD_COUNT). Writes report-K-of-N.csv; `report
    /// merge` combines them. See docs/scale.md.
    #[arg(long, value_name = "K/N|auto", value_parser = crate::shard::parse_arg)]
    pub shard: Option<ShardArg>,
}

/// `validate` options.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The intake files and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `init` options.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write the form.
    #[arg(default_value = "intake.json", value_name = "FILE")]
    pub file: PathBuf,

    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,

    /// Fill the form with a fictional example patient instead of blanks.
    #[arg(long)]
    pub example: bool,

    /// Write an intake spreadsheet (.xlsx) for clinics instead of a JSON form:
    /// one column per field and a second sheet explaining each column.
    #[arg(long, value_name = "FILE.xlsx", conflicts_with = "file")]
    pub spreadsheet: Option<PathBuf>,

    /// Write a starter clinic profile (JSON) for `build --clinic` instead.
    #[arg(long, value_name = "FILE.json", conflicts_with_all = ["file", "spreadsheet"])]
    pub clinic: Option<PathBuf>,
}

/// `--paper`: the core's papers by their names ([`Paper::NAMES`], read by
/// its `FromStr`), so the command line and the page offer one list.
fn paper_parser() -> impl clap::builder::TypedValueParser<Value = Paper> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        Paper::ALL.map(|p| PossibleValue::new(p.name()).help(p.description())),
    )
    .map(|name| {
        name.parse::<Paper>()
            .expect("clap accepts only the listed names")
    })
}
