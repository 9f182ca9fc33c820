//! second-opinion, the command line: a thin shell over the pipeline core
//! ([`second_opinion_core`]), which takes bytes and gives bytes.
//!
//! This crate adds what only a command line has: arguments ([`cli`]) checked
//! once into a configuration ([`config`]), files and folders ([`output`]:
//! safe names, temp-file-and-rename writes), worker threads and the two
//! reading passes ([`run`]), the report on disk ([`report`]), starter forms
//! ([`starter`]), one batch split over many machines ([`shard`], and
//! [`merge`] for their reports), and the one place that prints ([`app`]).

pub use second_opinion_core::{bundle, clinic, error, input, naming, packet, record, render};

pub mod app;
pub mod check;
pub mod cli;
pub mod clinic_file;
pub mod config;
pub mod intake_file;
pub mod merge;
pub mod output;
pub mod report;
pub mod run;
pub mod shard;
pub mod starter;
pub mod templates_dir;
