//! onboarder's entry point: parse the command line, set up logging, and hand over to `app`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = onboarder::cli::Cli::parse();
    cli.init_logging();
    onboarder::app::run(cli)
}
