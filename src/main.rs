//! The `second-opinion` command: parses arguments, calls the library, prints
//! the outcome, and turns it into an exit code. Everything else lives in the
//! library so it can be tested without a process.

use std::process::ExitCode;

use clap::Parser;
use second_opinion::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Build(args) => second_opinion::app::build(&args),
        Command::Validate(args) => second_opinion::app::validate(&args),
        Command::Init(args) => second_opinion::app::init(&args),
        Command::Templates(command) => second_opinion::app::templates(&command),
    };
    ExitCode::from(outcome.code())
}
