//! The imperative shell: load inputs, decide, talk to GitLab, print. `main` only calls `run`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::cli::{Cli, Command, Format, RunArgs};
use crate::config::Config;
use crate::desired::{self, Desired, Renderer};
use crate::error::{InputError, InputErrors, Location};
use crate::gitlab::{Gitlab, Token};
use crate::input::parse_date;
use crate::plan::{self, Action, Settings};
use crate::report::{self, Outcome, Summary};
use crate::roster::{self, Roster};
use crate::selection::{Selection, Shard};
use crate::sync;
use crate::template::TemplateSet;
use crate::{ci, progress};

/// Exit statuses: 0 all done, 1 some people or issues failed, 2 invalid input or no access.
pub const EXIT_FAILURES: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

/// Everything read from disk, validated.
pub struct Inputs {
    pub config: Config,
    pub roster: Roster,
    pub templates: TemplateSet,
}

/// Load the config, roster and templates, reporting every problem found.
pub fn load(config_path: &Path) -> Result<Inputs, InputErrors> {
    let config = Config::load(config_path)?;
    let mut errors = InputErrors::default();
    let team = roster::load_team(&config.roster, &mut errors);
    let shadow = match &config.shadow {
        Some(s) => roster::load_shadow(&s.roster, &mut errors),
        None => Vec::new(),
    };
    let templates = TemplateSet::load(&config.templates, &mut errors);
    if errors.is_empty() {
        // A template error in a branch nobody in today's roster reaches is still an error.
        errors.0.extend(desired::rehearse(&templates).0);
    }
    if team.is_empty() && errors.is_empty() {
        errors.push(InputError::new(Location::file_start(&config.roster), "the roster has nobody in it"));
    }
    let roster = roster::assemble(team, shadow, &mut errors);
    errors.into_result(Inputs { config, roster, templates })
}

fn today(arg: Option<&str>) -> Result<NaiveDate, String> {
    match arg {
        Some(t) => parse_date(t).map_err(|e| format!("--today: {e}")),
        None => Ok(chrono::Utc::now().date_naive()),
    }
}

fn selection(args: &RunArgs, roster: &Roster) -> Result<Selection, String> {
    let mut sel = Selection::default();
    for u in &args.only {
        if !roster.people.iter().any(|p| p.username.eq_ignore_ascii_case(u)) {
            return Err(format!("--only {u:?}: nobody in the roster has that GitLab username"));
        }
        sel.only.insert(u.to_lowercase());
    }
    let from_ci = match (std::env::var("CI_NODE_INDEX"), std::env::var("CI_NODE_TOTAL")) {
        (Ok(k), Ok(n)) if !k.is_empty() && !n.is_empty() => Some(format!("{k}/{n}")),
        _ => None,
    };
    if let Some(s) = args.shard.clone().or(from_ci) {
        sel.shard = Some(Shard::parse(&s).map_err(|e| format!("--shard: {e}"))?);
    }
    Ok(sel)
}

fn print_input_errors(errors: &InputErrors) -> ExitCode {
    eprintln!("{errors}");
    let n = errors.0.len();
    eprintln!("onboarder: {n} input error{}; nothing was written", if n == 1 { "" } else { "s" });
    ExitCode::from(EXIT_INPUT)
}

/// Warnings about people onboarder acts for; a veteran's odd entry is not this tool's business.
fn print_warnings(roster: &Roster, desired: &Desired, selected: &dyn Fn(&str) -> bool) {
    for w in roster.warnings.iter().filter(|w| selected(&w.username)) {
        if desired.standing.get(&w.username.to_lowercase()).is_some_and(|s| *s != desired::Standing::OutOfScope) {
            eprintln!("warning: {}", w.message);
        }
    }
}

/// Run the command line; the exit status says how it went.
pub fn run(cli: Cli) -> ExitCode {
    let inputs = match load(&cli.config) {
        Ok(i) => i,
        Err(e) => return print_input_errors(&e),
    };
    match cli.command {
        Command::Check => check(&inputs),
        Command::Plan(args) => plan_command(&inputs, &args),
        Command::Sync { run, dry_run } => sync_command(&inputs, &run, dry_run),
    }
}

fn check(inputs: &Inputs) -> ExitCode {
    let everyone = |_: &str| true;
    // Rendering does not depend on the date (only the checked items do), so today serves.
    let today = chrono::Utc::now().date_naive();
    match desired::compute(&inputs.config, &inputs.roster, &inputs.templates, today, &everyone) {
        Ok(d) => {
            print_warnings(&inputs.roster, &d, &everyone);
            println!(
                "ok: {} people, {} templates, {} issues rendered (and every template for sample people of each role and region)",
                inputs.roster.people.len(),
                inputs.templates.templates.len(),
                d.issues.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => print_input_errors(&e),
    }
}

/// Settings for the planner, borrowed from the config.
pub fn settings<'a>(config: &'a Config, selected: &'a dyn Fn(&str) -> bool) -> Settings<'a> {
    Settings {
        marker_label: &config.marker_label,
        stage_label_prefix: &config.stage_label_prefix,
        close_completed: config.sync.close_completed,
        selected,
    }
}

/// The inputs of one plan or sync: what is desired, for whom, as of when.
pub struct Prepared {
    pub today: NaiveDate,
    pub selection: Selection,
    pub desired: Desired,
}

fn prepare(inputs: &Inputs, args: &RunArgs) -> Result<Prepared, ExitCode> {
    let today = today(args.today.as_deref()).map_err(|e| {
        eprintln!("onboarder: {e}");
        ExitCode::from(EXIT_INPUT)
    })?;
    let selection = selection(args, &inputs.roster).map_err(|e| {
        eprintln!("onboarder: {e}");
        ExitCode::from(EXIT_INPUT)
    })?;
    let selected = |u: &str| selection.contains(u);
    let desired = desired::compute(&inputs.config, &inputs.roster, &inputs.templates, today, &selected)
        .map_err(|e| print_input_errors(&e))?;
    print_warnings(&inputs.roster, &desired, &selected);
    Ok(Prepared { today, selection, desired })
}

fn plan_command(inputs: &Inputs, args: &RunArgs) -> ExitCode {
    let prepared = match prepare(inputs, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let selected = |u: &str| prepared.selection.contains(u);
    let settings = settings(&inputs.config, &selected);
    let offline = std::env::var("GITLAB_TOKEN").map_or(true, |t| t.is_empty());
    if !offline {
        return crate::app::online_plan(inputs, args, &prepared);
    }
    eprintln!("onboarder: no GITLAB_TOKEN set: planning offline, as if the projects had no issues yet");
    let renderer = renderer(inputs, prepared.today);
    let actions = plan::plan(&prepared.desired, &[], &settings, &|d| renderer.body(d));
    if let Err(e) = write_previews(args, &actions, &prepared.desired, &renderer) {
        eprintln!("onboarder: {e:#}");
        return ExitCode::from(EXIT_INPUT);
    }
    let rows: Vec<(Action, Option<Outcome>)> = actions.into_iter().map(|a| (a, None)).collect();
    let mut summary = Summary { today: prepared.today.to_string(), offline: true, ..Summary::default() };
    summary.count(&rows);
    print_report(args.format, &rows, &summary, false);
    if let Err(e) = write_reports(args, &rows, &summary) {
        eprintln!("onboarder: {e:#}");
    }
    ExitCode::SUCCESS
}

/// Print the plan or the sync result in the requested format.
pub fn print_report(format: Format, rows: &[(Action, Option<Outcome>)], summary: &Summary, diff: bool) {
    match format {
        Format::Json => println!("{}", report::json(rows, summary)),
        Format::Text => print!("{}", report::text(rows, summary, diff)),
    }
}

/// Renders bodies again, from the inputs and the run's date.
fn renderer(inputs: &Inputs, today: NaiveDate) -> Renderer<'_> {
    Renderer { config: &inputs.config, roster: &inputs.roster, templates: &inputs.templates, today }
}

/// Write each issue as it would be after this run, for a manager to read.
pub fn write_previews(args: &RunArgs, actions: &[Action], desired: &Desired, render: &Renderer) -> anyhow::Result<()> {
    let Some(dir) = &args.preview_dir else { return Ok(()) };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create preview directory {}", dir.display()))?;
    for a in actions {
        let text = match &a.edit {
            Some(edit) if edit.description.is_some() => edit.description.clone().unwrap_or_default(),
            _ => match desired.issues.iter().find(|d| d.key == a.key) {
                Some(d) => plan::initial_description(d, &render.body(d)?),
                None => continue,
            },
        };
        let path = dir.join(format!("{}--{}.md", a.username, a.template));
        std::fs::write(&path, format!("# {}\n\n{text}\n", a.title))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// How far a run against GitLab goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plan,
    DryRun,
    Sync,
}

fn online_plan(inputs: &Inputs, args: &RunArgs, prepared: &Prepared) -> ExitCode {
    online(inputs, args, prepared, Mode::Plan)
}

fn sync_command(inputs: &Inputs, args: &RunArgs, dry_run: bool) -> ExitCode {
    let prepared = match prepare(inputs, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    online(inputs, args, &prepared, if dry_run { Mode::DryRun } else { Mode::Sync })
}

/// GitLab's address: `GITLAB_URL`, else `CI_SERVER_URL`, else the config's `gitlab.url`.
fn gitlab_url(config: &Config) -> Option<String> {
    ["GITLAB_URL", "CI_SERVER_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .or_else(|| config.gitlab.url.clone())
}

fn online(inputs: &Inputs, args: &RunArgs, prepared: &Prepared, mode: Mode) -> ExitCode {
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
    let settings = settings(config, &selected);
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
    let renderer = renderer(inputs, prepared.today);
    let actions = plan::plan(&prepared.desired, &observed, &settings, &|d| renderer.body(d));
    if let Err(e) = write_previews(args, &actions, &prepared.desired, &renderer) {
        eprintln!("onboarder: {e:#}");
        return ExitCode::from(EXIT_INPUT);
    }
    let mut summary = Summary { today: prepared.today.to_string(), dry_run: mode != Mode::Sync, ..Summary::default() };
    let (rows, fatal) = if mode == Mode::Sync {
        let section = ci::Section::start("write", "Writing to GitLab");
        let writes = actions.iter().filter(|a| a.writes()).count() as u64;
        let bar = progress::Bar::new(writes);
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

fn write_reports(args: &RunArgs, rows: &[(Action, Option<Outcome>)], summary: &Summary) -> anyhow::Result<()> {
    if let Some(path) = &args.junit {
        std::fs::write(path, report::junit(rows, summary)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.summary_md {
        std::fs::write(path, report::markdown(rows, summary))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
