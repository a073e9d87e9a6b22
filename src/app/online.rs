//! The part of `plan` and `sync` that talks to GitLab: connect, read the managed issues, write.

use std::process::ExitCode;

use super::bar;
use super::inputs::{renderer, Inputs, Prepared};
use super::output::{print_report, write_previews, write_reports};
use super::{settings, EXIT_FAILURES, EXIT_INPUT};
use crate::cli::RunArgs;
use crate::config::Config;
use crate::dashboard::{self, Commands};
use crate::gitlab::{Gitlab, Token};
use crate::plan::{self, Settings};
use crate::report::Summary;
use crate::{ci, sync};

/// How far a run against GitLab goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Plan,
    DryRun,
    Sync,
}

/// GitLab's address: `GITLAB_URL`, else `CI_SERVER_URL`, else the config's `gitlab.url`.
fn gitlab_url(config: &Config) -> Option<String> {
    ["GITLAB_URL", "CI_SERVER_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .or_else(|| config.gitlab.url.clone())
}

pub(super) fn online(inputs: &Inputs, args: &RunArgs, prepared: &Prepared, mode: Mode) -> ExitCode {
    let Some(url) = gitlab_url(&inputs.config) else {
        eprintln!("onboarder: no GitLab URL: set GITLAB_URL or gitlab.url in {}", inputs.config.file.display());
        return ExitCode::from(EXIT_INPUT);
    };
    let token = match std::env::var("GITLAB_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Token::new(t.trim().to_string()),
        _ => {
            eprintln!("onboarder: GITLAB_TOKEN is not set; sync needs a project access token with the api scope");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("onboarder: cannot start: {e}");
            return ExitCode::from(EXIT_FAILURES);
        }
    };
    runtime.block_on(online_async(inputs, args, prepared, mode, &url, &token))
}

async fn online_async(
    inputs: &Inputs,
    args: &RunArgs,
    prepared: &Prepared,
    mode: Mode,
    url: &str,
    token: &Token,
) -> ExitCode {
    let config = &inputs.config;
    let selected = |u: &str| prepared.selection.contains(u);
    let no_commands = Commands::default();
    let settings = settings(config, &selected, prepared.today, &no_commands);
    let section = ci::Section::start("read", "Reading the managed issues from GitLab");
    let gl = match Gitlab::connect(url, token, config.gitlab.accept_invalid_certs, &config.sync).await {
        Ok(gl) => gl,
        Err(e) => {
            eprintln!("onboarder: cannot use GitLab at {url}: {e}; nothing was written");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let observed = match sync::observe(&gl, config, &prepared.desired, &settings).await {
        Ok(o) => o,
        Err(e) => {
            eprintln!("onboarder: cannot read the issues: {e}; nothing was written");
            return ExitCode::from(if e.is_fatal() { EXIT_INPUT } else { EXIT_FAILURES });
        }
    };
    drop(section);
    // The commands ticked on the dashboards, decided once: the plan and the writes both follow them.
    let commands = dashboard::commands(&prepared.desired, &observed, &settings);
    let settings = Settings { commands: &commands, ..settings };
    let renderer = renderer(inputs, prepared.today);
    let actions = plan::plan(&prepared.desired, &observed, &settings, &|d, due| renderer.body_with_due(d, due));
    if let Err(e) = write_previews(args, &actions, &prepared.desired, &renderer, prepared.today) {
        eprintln!("onboarder: {e:#}");
        return ExitCode::from(EXIT_INPUT);
    }
    let mut summary = Summary { today: prepared.today.to_string(), dry_run: mode != Mode::Sync, ..Summary::default() };
    let (rows, fatal) = if mode == Mode::Sync {
        let section = ci::Section::start("write", "Writing to GitLab");
        let writes = actions.iter().filter(|a| a.writes()).count() as u64;
        let bar = bar::Bar::new(writes);
        let done = sync::execute(&gl, &prepared.desired, &renderer, actions, &settings, &|a, o| bar.step(a, o)).await;
        bar.finish();
        drop(section);
        (done.rows, done.fatal)
    } else {
        (actions.into_iter().map(|a| (a, None)).collect(), None)
    };
    summary.requests = Some(gl.counts());
    summary.count(&rows);
    print_report(args.format, &rows, &summary, mode == Mode::DryRun);
    if let Err(e) = write_reports(args, &rows, &summary) {
        eprintln!("onboarder: {e:#}");
    }
    if let Some(e) = fatal {
        eprintln!("onboarder: stopped: {e}");
        return ExitCode::from(EXIT_INPUT);
    }
    if summary.failed > 0 {
        eprintln!("onboarder: {} issue(s) failed; everyone else is done; the next run retries them", summary.failed);
        return ExitCode::from(EXIT_FAILURES);
    }
    ExitCode::SUCCESS
}
