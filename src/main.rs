//! onboarder's entry point: parse the command line, set up logging, and hand over to `app`.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = onboarder::cli::Cli::parse();
    // Warnings always show; `-v` adds info, `-vv` debug; `RUST_LOG` overrides both.
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(format!("onboarder={level},warn")));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
    onboarder::app::run(cli)
}
