//! The command line. Doc comments here are the `--help` text; clap types stop at `app`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Create and update onboarding issues in GitLab from the team roster and learning-path templates.
#[derive(Debug, Parser)]
#[command(name = "onboarder", version)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true, default_value = "onboarder.yaml")]
    pub config: PathBuf,

    /// More detail in the log (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config, roster and templates and render every issue; never uses the network.
    Check,
    /// Show what each person's issues should be and what a sync would do; never writes.
    Plan(RunArgs),
    /// Bring the issues in GitLab in line with the roster.
    Sync {
        #[command(flatten)]
        run: RunArgs,
        /// Show what would change, with a checklist diff per issue, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Close the issues of everyone missing from the roster even when they are more than
        /// `max_close_share` of the open issues (by default a run closes none of them then).
        #[arg(long)]
        allow_mass_close: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Only this person (GitLab username); repeat for several.
    #[arg(long = "only", value_name = "USERNAME")]
    pub only: Vec<String>,

    /// The date to plan for, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Take only the people of shard K of N (default: CI_NODE_INDEX/CI_NODE_TOTAL when set).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Also write each issue as it would be to DIR/<username>--<template>.md.
    #[arg(long, value_name = "DIR")]
    pub preview_dir: Option<PathBuf>,

    /// Also write a JUnit report (one test case per person and template) for GitLab CI.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Also write a Markdown summary of the run.
    #[arg(long, value_name = "FILE")]
    pub summary_md: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
