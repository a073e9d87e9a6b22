//! The command line. Doc comments here are the `--help` text; clap types stop at `app`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// What `--help` adds after the options: the environment, the exit statuses, examples.
const AFTER_HELP: &str = "\
Environment:
  GITLAB_URL          GitLab's address (else CI_SERVER_URL, else gitlab.url in the config)
  CI_SERVER_URL       set by GitLab CI: the instance the job runs on
  GITLAB_TOKEN        token for plan and sync: api scope, Reporter role on the target projects;
                      every command reads a roster kept in a GitLab repository with it (read_api
                      scope is enough for check and plan)
  GITLAB_READ_TOKEN   read_api token, used by plan only when GITLAB_TOKEN is not set (merge
                      request pipelines cannot see a protected GITLAB_TOKEN); sync never uses it
  GITLAB_MR_TOKEN     token that may comment on merge requests: in a merge request pipeline
                      (with CI_MERGE_REQUEST_IID and CI_MERGE_REQUEST_PROJECT_ID or
                      CI_MERGE_REQUEST_PROJECT_PATH, set by GitLab CI), plan keeps its summary
                      as one comment on the merge request
  CI_NODE_INDEX, CI_NODE_TOTAL
                      set by GitLab CI under `parallel: N`: the default for --shard K/N
  GITLAB_CI           set by GitLab CI: the log is grouped in collapsible sections
  RUST_LOG            log detail, for example RUST_LOG=onboarder=debug (also -v, -vv)
  ONBOARDER_STATE_KEY key (32 characters or more: openssl rand -hex 32) that seals what
                      onboarder records in each issue; sync refuses to run without it, and
                      plan without it reads the records unchecked and says so first
  ONBOARDER_STATE_KEY_PREVIOUS
                      during a key rotation, the key being replaced (still accepted)
  ONBOARDER_LOCK_WAIT_SECONDS
                      how long sync waits for another run's lock before failing its writes
                      (default 1200)
  ONBOARDER_LOCK_LEASE_SECONDS
                      the run lock's lease, renewed every third of it while sync writes
                      (default 600, at most 900)
  ONBOARDER_PLAN_IN_FULL
                      set: plan every issue in full, none known unchanged from its record
                      (the same results, slower)
Without GITLAB_TOKEN or GITLAB_READ_TOKEN, plan works offline and says so in every output.

Exit status:
  0  everything done
  1  some people or issues failed; everyone else was done; the next run retries them
  2  invalid input (config, roster, templates, --only), bad token, no access to a project,
     sync without ONBOARDER_STATE_KEY: nothing was written

Examples:
  onboarder check
  onboarder plan --only praman --preview-dir preview
  GITLAB_TOKEN=glpat-... onboarder --config team/onboarder.yaml sync --only praman --junit junit.xml";

/// Create and update onboarding issues in GitLab from the team roster and learning-path templates.
#[derive(Debug, Parser)]
#[command(name = "onboarder", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The configuration file (paths in it are relative to it).
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
    /// Validate the config, roster and templates and render every issue; writes nothing, and
    /// uses the network only to read a roster kept in a GitLab repository (with GITLAB_TOKEN).
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
    /// Only this person (GitLab username); repeat for several. Someone who would get no issue
    /// (not in the roster, out of scope, paused, left, in another shard) is an error, with the reason.
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

impl Cli {
    /// Log to stderr: `RUST_LOG` when set, else warnings, and more with each `-v`; colours only
    /// when stderr is a terminal.
    pub fn init_logging(&self) {
        let level = ["warn", "info", "debug", "trace"][usize::from(self.verbose.min(3))];
        // Warnings always show (onboarder's and its libraries'); `RUST_LOG` overrides the rest.
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("onboarder={level},warn")));
        // Colour only for a person at a terminal: a CI log or a file gets plain text.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .try_init();
    }
}
