//! The `second-opinion` command: parses arguments, calls the library, prints
//! the outcome, and turns it into an exit code. Everything else lives in the
//! library so it can be tested without a process.

use std::process::ExitCode;

use clap::Parser;
use second_opinion::cli::{Cli, Command};

/// mimalloc rather than the system allocator: Typst allocates and frees
/// small objects at a high rate from several threads, and with mimalloc a
/// bulk build runs about 14 % faster (`bench/run`; see bench/PROFILE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Build(args) => second_opinion::app::build(&args),
        Command::Validate(args) => second_opinion::app::validate(&args),
        Command::Init(args) => second_opinion::app::init(&args),
        Command::Templates(command) => second_opinion::app::templates(&command),
        Command::Report(command) => second_opinion::app::report(&command),
    };
    ExitCode::from(outcome.code())
}
