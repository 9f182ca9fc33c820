//! The second-opinion pipeline as a library that takes bytes and gives bytes.
//!
//! Intake files arrive as bytes with a file name; packets leave as PDF and
//! ZIP bytes. Nothing here touches the file system, starts a thread, reads
//! the clock or the environment: the command line (`second-opinion`) and the
//! browser edition (`crates/web`, WebAssembly) each supply those, and both
//! get the same records, messages, names and bytes from the same input and
//! run date.
//!
//! One module per stage, each returning values and never printing:
//!
//! - [`input`]: JSON, spreadsheets and CSV → [`input::RawRecord`]s with their
//!   file and row;
//! - [`record`]: raw records → checked [`record::Patient`]s (the intake contract);
//! - [`render`]: a patient → the packet's PDFs, through embedded Typst templates;
//! - [`bundle`]: PDFs → one deterministic ZIP; [`packet`] does all three
//!   for one patient, and [`naming`] gives its file name;
//! - [`report`]: what became of every record, as `report.csv` bytes;
//! - [`clinic`]: the clinic profile shown on the cover and question sheet;
//! - [`images`]: the logo's and template folders' images, checked by their
//!   headers before anything decodes them;
//! - [`error`]: the one error type, written for clinic staff.

pub mod bundle;
pub mod clinic;
pub mod error;
pub mod fonts;
pub mod images;
pub mod input;
pub mod intake;
pub mod naming;
pub mod packet;
pub mod paper;
pub mod record;
pub mod render;
pub mod report;
pub mod run;
