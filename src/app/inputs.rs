//! Loading the inputs and deciding for whom and as of when: the first half of every command.

use std::path::Path;
use std::process::ExitCode;
use std::sync::LazyLock;

use chrono::NaiveDate;

use super::env::gitlab_url;
use super::status::{print_input_errors, EXIT_INPUT};
use crate::cli::RunArgs;
use crate::config::{Config, RepositoryPath, RosterSource};
use crate::dashboard::{self, Spec};
use crate::desired::{self, Desired, Renderer};
use crate::error::{InputError, InputErrors, Location};
use crate::gitlab::{ApiError, Gitlab, Token};
use crate::input::parse_date;
use crate::plan::{Proofs, Settings};
use crate::progress::overrides::Commands;
use crate::roster::{self, Person, Rejected, Roster};
use crate::seal::Seal;
use crate::selection::{self, Selection, Shard};
use crate::template::TemplateSet;
use crate::training::Evidence;

/// Everything read from disk, validated.
pub struct Inputs {
    pub config: Config,
    pub roster: Roster,
    pub templates: TemplateSet,
    /// Problems that stop every command: templates, a roster or shadow file that does not parse.
    /// (One person's bad entry is in `roster.rejected` and fails that person only.)
    pub fatal: InputErrors,
    /// Whether the templates loaded cleanly, so people's issues may be rendered.
    pub renderable: bool,
}

impl Inputs {
    /// Every input problem known without rendering: what stops the run, then each person's.
    pub fn all_errors(&self) -> InputErrors {
        let mut all = self.fatal.clone();
        all.0.extend(self.roster.rejected.iter().flat_map(|r| r.errors.iter().cloned()));
        all
    }
}

/// Load the config, roster and templates, reporting every problem found. Only a config that
/// cannot be used is an `Err`: the rest is in `Inputs::fatal` and the roster's rejected entries.
pub fn load(config_path: &Path) -> Result<Inputs, InputErrors> {
    let config = Config::load(config_path)?;
    let mut fatal = InputErrors::default();
    let mut incomplete = InputErrors::default();
    let (team, shadow, rejected) = read_rosters(&config, &mut fatal, &mut incomplete);
    tracing::info!(
        "read {}: roster {}: {} people, {} entries with errors; shadow program: {}",
        config.file.display(),
        source_name(&config.roster),
        team.len(),
        rejected.len(),
        config.shadow.as_ref().map_or("none".to_string(), |s| format!(
            "{}: {} participants",
            source_name(&s.roster),
            shadow.len()
        ))
    );
    let mut template_errors = InputErrors::default();
    let templates = TemplateSet::load(&config.templates, &mut template_errors);
    // A template the guard refused (a partial that includes itself) must never be rendered.
    let renderable = template_errors.is_empty();
    if renderable {
        // A template error in a branch nobody in today's roster reaches is still an error.
        template_errors.0.extend(desired::rehearse(&templates).0);
    }
    fatal.0.extend(template_errors.0);
    if team.is_empty() && rejected.is_empty() && fatal.is_empty() {
        let at = match &config.roster {
            RosterSource::Local(p) => Location::file_start(p),
            RosterSource::Repository(r) => r.at.clone(),
        };
        fatal.push(InputError::new(at, "the roster has nobody in it"));
    }
    tracing::info!(
        "read {} templates from {}: {}",
        templates.templates.len(),
        config.templates.display(),
        templates.templates.iter().map(|t| t.key.as_str()).collect::<Vec<_>>().join(", ")
    );
    let mut roster = roster::assemble(team, shadow, rejected);
    roster.incomplete = incomplete.0;
    Ok(Inputs { config, roster, templates, fatal, renderable })
}

/// Where a roster is read from, in words.
fn source_name(source: &RosterSource) -> String {
    match source {
        RosterSource::Local(p) => p.display().to_string(),
        RosterSource::Repository(r) => {
            format!("{:?} of {} at {}", r.path, r.project, r.git_ref.as_deref().unwrap_or("the default branch"))
        }
    }
}

/// The team and the shadow participants, from disk or, for a roster kept in a GitLab repository,
/// through the API (with the token, before anything is planned; a listing that may be missing
/// people goes to `incomplete`).
fn read_rosters(
    config: &Config,
    fatal: &mut InputErrors,
    incomplete: &mut InputErrors,
) -> (Vec<Person>, Vec<Person>, Vec<Rejected>) {
    let shadow = config.shadow.as_ref().map(|s| &s.roster);
    let remote = std::iter::once(&config.roster).chain(shadow).find_map(|s| match s {
        RosterSource::Repository(r) => Some(r),
        RosterSource::Local(_) => None,
    });
    let remote = remote.and_then(|r| match connect_for(config, r) {
        Ok(c) => Some(c),
        Err(e) => {
            fatal.push(e);
            None
        }
    });
    let mut read = |source: &RosterSource, team: bool| match (source, &remote) {
        (RosterSource::Local(p), _) if team => roster::read_team(p, fatal),
        (RosterSource::Local(p), _) => roster::read_shadow(p, fatal),
        (RosterSource::Repository(r), Some((rt, gl))) if team => {
            rt.block_on(roster::source::read_team(gl, r, fatal, incomplete))
        }
        (RosterSource::Repository(r), Some((rt, gl))) => rt.block_on(roster::source::read_shadow(gl, r, fatal)),
        (RosterSource::Repository(_), None) => (Vec::new(), Vec::new()),
    };
    let (team, mut rejected) = read(&config.roster, true);
    let (shadow, r) = shadow.map_or_else(Default::default, |s| read(s, false));
    rejected.extend(r);
    (team, shadow, rejected)
}

/// A connection for reading a roster from a repository; every command needs the token for it.
fn connect_for(config: &Config, r: &RepositoryPath) -> Result<(tokio::runtime::Runtime, Gitlab), InputError> {
    let refuse = |why: String| InputError::new(r.at.clone(), format!("the roster in {} {why}", r.project));
    let url = gitlab_url(config).ok_or_else(|| {
        refuse(format!("is read through the API: set GITLAB_URL or gitlab.url in {}", config.file.display()))
    })?;
    // read_api, not read_repository: the API's `GET /user` accepts read_user, read_api or api
    // (lib/api/users.rb), and the repository tree registers no scope of its own, so only api and
    // read_api reach it (lib/api/repositories.rb; `API::API` adds them to every route).
    let token = match std::env::var("GITLAB_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Token::new(t.trim().to_string()),
        _ => {
            return Err(refuse(
                "is read through the API, which needs a token: set GITLAB_TOKEN (the read_api scope is enough for check and plan; read_repository is not)"
                    .into(),
            ))
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    let gl = rt
        .block_on(Gitlab::connect(&url, &token, config.gitlab.accept_invalid_certs, &config.sync.client))
        .map_err(|e| match e {
            ApiError::Forbidden(m) if m.starts_with("insufficient_scope") => refuse(format!(
                "cannot be read: the token's scope is not enough (GitLab answered 403 {m}); reading a roster from a \
                 repository needs the read_api scope (or api): read_repository alone cannot use the API"
            )),
            e => refuse(format!("cannot be read: cannot use GitLab at {url}: {e}")),
        })?;
    Ok((rt, gl))
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
        // Someone whose entry has errors is still someone: the run fails them, by name.
        let known = roster.people.iter().any(|p| p.username.eq_ignore_ascii_case(u))
            || roster.rejected.iter().any(|r| r.username.eq_ignore_ascii_case(u));
        if !known {
            let hint = match selection::closest(u, roster.people.iter().map(|p| p.username.as_str())) {
                Some(near) => format!("; did you mean {near:?}?"),
                None => String::new(),
            };
            return Err(format!("--only {u:?}: nobody in the roster has that GitLab username{hint}"));
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

/// Warnings about people onboarder acts for; a veteran's odd entry is not this tool's business.
pub(super) fn print_warnings(roster: &Roster, desired: &Desired, selected: &dyn Fn(&str) -> bool) {
    for w in roster.warnings.iter().filter(|w| selected(&w.username)) {
        if desired.standing.get(&w.username.to_lowercase()).is_some_and(|s| *s != desired::Standing::OutOfScope) {
            eprintln!("warning: {}", w.message);
        }
    }
}

/// Roster listings that may be missing people: the run goes ahead for those it holds and closes
/// nobody's issue for being missing.
pub(super) fn print_incomplete(roster: &Roster) {
    for e in &roster.incomplete {
        eprintln!("warning: {e}");
    }
}

/// The people whose roster entry has errors: each is skipped, and everyone else goes ahead.
fn print_failed_entries(desired: &Desired, selected: &dyn Fn(&str) -> bool) {
    let failed: Vec<_> = desired.failed.iter().filter(|(u, _)| selected(u)).collect();
    for e in failed.iter().flat_map(|(_, errors)| errors.iter()) {
        eprintln!("error: {e}");
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|(u, _)| u.as_str()).collect();
        eprintln!(
            "onboarder: roster entries with errors for {}: nothing is done for them and their issues are left as they are; everyone else goes ahead",
            names.join(", ")
        );
    }
}

/// The inputs of one plan or sync: what is desired, for whom, as of when.
pub struct Prepared {
    pub today: NaiveDate,
    pub selection: Selection,
    pub desired: Desired,
    /// The dashboards the roster calls for.
    pub boards: Vec<Spec>,
}

pub(super) fn prepare(inputs: &Inputs, args: &RunArgs) -> Result<Prepared, ExitCode> {
    let today = today(args.today.as_deref()).map_err(|e| {
        eprintln!("onboarder: {e}");
        ExitCode::from(EXIT_INPUT)
    })?;
    let selection = selection(args, &inputs.roster).map_err(|e| {
        eprintln!("onboarder: {e}");
        ExitCode::from(EXIT_INPUT)
    })?;
    let selected = |u: &str| selection.contains(u);
    let desired =
        desired::compute(&inputs.config, &inputs.roster, (&inputs.templates, desired::Bodies::Later), today, &selected)
            .map_err(|e| print_input_errors(&e))?;
    print_warnings(&inputs.roster, &desired, &selected);
    print_incomplete(&inputs.roster);
    print_failed_entries(&desired, &selected);
    let unserved = unserved(inputs, &selection, &desired);
    if !unserved.is_empty() {
        for (username, why) in &unserved {
            eprintln!("onboarder: --only {username}: no issue for them: {why}");
        }
        eprintln!("onboarder: nothing was written");
        return Err(ExitCode::from(EXIT_INPUT));
    }
    let boards = dashboard::specs(&inputs.config, &inputs.roster, &desired.standing, &inputs.templates);
    Ok(Prepared { today, selection, desired, boards })
}

/// The people named with `--only` who would get no issue from this run, and why: a manager who
/// runs the new-hire job must not see a green job that did nothing.
fn unserved(inputs: &Inputs, selection: &Selection, desired: &Desired) -> Vec<(String, String)> {
    let paused = |u: &str| desired.standing.get(u) == Some(&desired::Standing::Paused);
    inputs
        .roster
        .people
        .iter()
        .filter(|p| selection.only.contains(&p.username.to_lowercase()))
        .filter_map(|p| {
            let key = p.username.to_lowercase();
            let standing = desired.standing.get(&key)?;
            let has_issue = !paused(&key) && desired.issues.iter().any(|d| d.username.eq_ignore_ascii_case(&key));
            let why = selection::why_no_issue(p, standing, inputs.config.started_after, selection.shard, has_issue)?;
            Some((p.username.clone(), why))
        })
        .collect()
}

/// Renders bodies again, from the inputs, the run's date and the module issues read.
pub(super) fn renderer<'a>(inputs: &'a Inputs, today: NaiveDate, evidence: &'a Evidence) -> Renderer<'a> {
    Renderer::new(&inputs.config, &inputs.roster, &inputs.templates, today, evidence)
}

/// Settings for the planner, borrowed from the config: no commands, no seal, no bots, no proofs
/// until the run knows them.
pub fn settings<'a>(
    config: &'a Config,
    words: &'a crate::template::TemplateSet,
    selected: &'a dyn Fn(&str) -> bool,
    shard: Option<Shard>,
    today: NaiveDate,
) -> Settings<'a> {
    static NO_COMMANDS: Commands = Commands { apply: Vec::new() };
    static UNCHECKED: Seal = Seal::unchecked();
    static NO_PROOFS: LazyLock<Proofs> = LazyLock::new(Proofs::default);
    Settings {
        marker_label: &config.marker_label,
        stage_label_prefix: &config.stage_label_prefix,
        pace_label_prefix: &config.progress.pace_label_prefix,
        close_completed: config.sync.close_completed,
        today,
        rules: crate::progress::Rules { share: config.progress.stage_share, grace_days: config.progress.grace_days },
        selected,
        others: &dashboard::is_key,
        shard,
        commands: &NO_COMMANDS,
        seal: &UNCHECKED,
        bots: &[],
        proofs: &NO_PROOFS,
        words,
        memo: None,
        shortcut: std::env::var_os(PLAN_IN_FULL_VAR).is_none(),
        preview: None,
    }
}

/// Set (to anything), every issue is planned in full, none from its memo: what the shortcut is
/// tested against, and a way out should a memo ever be suspected.
pub const PLAN_IN_FULL_VAR: &str = "ONBOARDER_PLAN_IN_FULL";
