//! The imperative shell: load inputs, decide, talk to GitLab, print. `main` only calls `run`.
//! `inputs` loads and selects, `env` reads the environment, `online` talks to GitLab, `output`
//! writes reports, `status` says how a run ends, `training` reads module issues and templates.

mod bar;
mod env;
mod inputs;
mod online;
mod output;
mod status;
mod training;

use std::process::ExitCode;

pub use inputs::{load, settings, Inputs, Prepared};
pub use output::{print_report, Previews};
pub use status::{EXIT_FAILURES, EXIT_INPUT};

use env::{token, Mode, READ_TOKEN_VAR};
use inputs::{prepare, print_warnings, renderer};
use output::write_reports;
use status::print_input_errors;

use crate::cli::{Cli, Command, RunArgs};
use crate::plan::{self, Action, Planned, Settings};
use crate::report::Summary;
use crate::roster::Program;
use crate::sync::Outcome;
use crate::{dashboard, desired, isolation};

/// Run the command line; the exit status says how it went.
pub fn run(cli: Cli) -> ExitCode {
    if let Err(message) = config_exists(&cli.config) {
        eprintln!("onboarder: {message}");
        return ExitCode::from(EXIT_INPUT);
    }
    let inputs = match load(&cli.config) {
        Ok(i) => i,
        Err(e) => return print_input_errors(&e),
    };
    if !matches!(cli.command, Command::Check) && !inputs.fatal.is_empty() {
        return print_input_errors(&inputs.all_errors());
    }
    match cli.command {
        Command::Check => check(&inputs),
        Command::Plan(args) => plan_command(&inputs, &args),
        Command::Sync { run, dry_run, allow_mass_close } => sync_command(&inputs, &run, dry_run, allow_mass_close),
    }
}

/// A missing config is the first mistake of a new setup: say where onboarder looked and how to
/// point it elsewhere, rather than a parse error at line 1 of a file that does not exist.
fn config_exists(path: &std::path::Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let looked = match std::env::current_dir() {
                Ok(dir) if path.is_relative() => format!(" (looked in {})", dir.display()),
                _ => String::new(),
            };
            Err(format!(
                "no config file at {}{looked}; run onboarder in the directory that holds onboarder.yaml, \
                 or pass its path: onboarder --config path/to/onboarder.yaml check",
                path.display()
            ))
        }
        _ => Ok(()),
    }
}

/// Every problem of every file in one run: what stops everything, and each person's.
fn check(inputs: &Inputs) -> ExitCode {
    let everyone = |_: &str| true;
    // Rendering does not depend on the date (only the checked items do), so today serves.
    let today = chrono::Utc::now().date_naive();
    let mut errors = inputs.fatal.clone();
    // `check` never says ok about people it may not have read.
    errors.0.extend(inputs.roster.incomplete.iter().cloned());
    let desired = if inputs.renderable {
        match desired::compute(
            &inputs.config,
            &inputs.roster,
            (&inputs.templates, desired::Bodies::Now),
            today,
            &everyone,
        ) {
            Ok(d) => {
                errors.0.extend(d.failed.values().flatten().cloned());
                Some(d)
            }
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        }
    } else {
        errors.0.extend(inputs.all_errors().0.into_iter().skip(inputs.fatal.0.len()));
        None
    };
    let mut seen = std::collections::BTreeSet::new();
    errors.0.retain(|e| seen.insert((e.at.to_string(), e.message.clone())));
    if !errors.is_empty() {
        return print_input_errors(&errors);
    }
    let Some(d) = desired else { return print_input_errors(&errors) };
    print_warnings(&inputs.roster, &d, &everyone);
    training::check_names(inputs);
    // The same issues `plan` counts: each person's, and the dashboards.
    let boards = dashboard::specs(&inputs.config, &inputs.roster, &d.standing, &inputs.templates);
    let boards = boards.iter().filter(|b| !b.reports.is_empty()).count();
    let shadow = inputs.roster.people.iter().filter(|p| p.program == Program::Shadow).count();
    let n = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
    println!(
        "ok: {} and {}, {}, {} rendered ({} for people, {}; and every template for sample people of each role and \
         region)",
        n(inputs.roster.people.len() - shadow, "person", "people"),
        n(shadow, "shadow-program participant", "shadow-program participants"),
        n(inputs.templates.templates.len(), "template", "templates"),
        n(d.issues.len() + boards, "issue", "issues"),
        d.issues.len(),
        n(boards, "dashboard", "dashboards"),
    );
    ExitCode::SUCCESS
}

fn plan_command(inputs: &Inputs, args: &RunArgs) -> ExitCode {
    let mut prepared = match prepare(inputs, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let selected = |u: &str| prepared.selection.contains(u);
    if token(Mode::Plan).is_some() {
        return online::online(inputs, args, &mut prepared, Mode::Plan, false);
    }
    let previews = Previews::new(args.preview_dir.as_deref());
    let preview = |d: &crate::desired::DesiredIssue, text: &str| previews.write(d, text);
    let settings = Settings {
        preview: previews.wanted().then_some(&preview as plan::Preview),
        ..settings(&inputs.config, &inputs.templates, &selected, prepared.selection.shard, prepared.today)
    };
    eprintln!(
        "onboarder: no GITLAB_TOKEN or {READ_TOKEN_VAR} set: planning offline, as if the projects had no issues yet"
    );
    // Offline, no module issue is read: module items are as the roster says, without links.
    let no_evidence = crate::training::Evidence::none();
    let renderer = renderer(inputs, prepared.today, &no_evidence);
    let render = |d: &desired::DesiredIssue, due, want| renderer.body_with_due(d, due, want);
    let desired = &prepared.desired;
    let actions = plan::plan(desired, &[], &mut Planned::default(), &settings, &render);
    if let Some(errors) = output::render_errors(&actions) {
        return print_input_errors(&errors);
    }
    let boards = dashboard::plan(&prepared.boards, desired, &[], &actions, &[], &settings);
    if let Err(e) = previews.finish(&actions, &boards) {
        eprintln!("onboarder: {e:#}");
        return ExitCode::from(EXIT_INPUT);
    }
    let mut rows: Vec<(Action, Option<Outcome>)> =
        actions.into_iter().chain(boards.into_iter().map(|p| p.action)).map(|a| (a, None)).collect();
    rows.sort_by(|(a, _), (b, _)| (&a.username, &a.template, a.iid).cmp(&(&b.username, &b.template, b.iid)));
    rows.extend(isolation::rows(&prepared.desired, &selected));
    let mut summary = Summary { today: prepared.today.to_string(), offline: true, ..Summary::default() };
    summary.count(&rows);
    summary.without_issue = isolation::without_issue(desired, &selected, &rows);
    tracing::info!("planned offline for {}, as if the projects had no issues: {}", prepared.today, summary.planned());
    print_report(args.format, &rows, &summary, false);
    if let Err(e) = write_reports(args, &rows, &summary) {
        eprintln!("onboarder: {e:#}");
    }
    if summary.failed > 0 {
        return ExitCode::from(EXIT_FAILURES);
    }
    ExitCode::SUCCESS
}

fn sync_command(inputs: &Inputs, args: &RunArgs, dry_run: bool, allow_mass_close: bool) -> ExitCode {
    let mut prepared = match prepare(inputs, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mode = if dry_run { Mode::DryRun } else { Mode::Sync };
    online::online(inputs, args, &mut prepared, mode, allow_mass_close)
}
