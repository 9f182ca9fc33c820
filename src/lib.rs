//! second-opinion, the command line: a thin shell over the pipeline core
//! ([`second_opinion_core`]), which takes bytes and gives bytes. Every stage,
//! type and constant of the core is named by its own path there
//! (`second_opinion_core::report::Status`); this crate re-exports none.
//!
//! This crate adds what only a command line has: arguments ([`cli`]) checked
//! once into a configuration ([`config`]), files and folders ([`output`]:
//! temp-file-and-rename writes into a locked folder), worker threads and the
//! two reading passes ([`run`]), the intake files read ([`intake_file`]), and
//! the one place that prints ([`app`]). The other modules are private:
//! `files` (the names of the tool's own files, and how it opens them),
//! `shard` (one batch split over many machines), `lock` (the output folder's
//! locks), `report` (`report.csv` on disk), `summary` (what a run did, in
//! words), `merge` (`report merge`), `check`, `clinic_file`, `templates_dir`
//! and `starter` (`init`).
//!
//! The modules form no cycle; each imports only those below it:
//!
//! ```text
//! app → run, merge, summary, config, cli, starter, templates_dir
//! run → summary, report, output, files, config, check, intake_file
//! merge → summary, output, lock, config, shard, files
//! summary → shard
//! report → output
//! output → lock, shard, files
//! config → cli, check, clinic_file, templates_dir, shard
//! lock → shard, files
//! cli → shard
//! shard, clinic_file, templates_dir, starter → files
//! files, check, intake_file: nothing of this crate
//! ```

pub mod app;
mod check;
pub mod cli;
mod clinic_file;
pub mod config;
mod files;
pub mod intake_file;
mod lock;
mod merge;
pub mod output;
mod report;
pub mod run;
mod shard;
mod starter;
mod summary;
mod templates_dir;
