//! second-opinion: turns a patient's intake data into a printable second
//! medical opinion packet.
//!
//! The pipeline has one module per stage, each returning values and never
//! printing:
//!
//! - [`input`]: JSON, spreadsheets and CSV → [`input::RawRecord`]s with their
//!   file and row;
//! - [`record`]: raw records → checked [`record::Patient`]s (the intake contract);
//! - [`render`]: a patient → the packet's PDFs, through embedded Typst templates;
//! - [`bundle`]: PDFs → one deterministic ZIP;
//! - [`output`]: safe, unique file names and atomic writes in the output folder;
//! - [`report`]: what was built and what failed, without any field value.
//!
//! [`run`] wires the stages together for the command line.

pub mod app;
pub mod bundle;
pub mod cli;
pub mod clinic;
pub mod config;
pub mod error;
pub mod input;
pub mod output;
pub mod record;
pub mod render;
pub mod report;
pub mod run;
pub mod starter;
