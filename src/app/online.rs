//! The part of `plan` and `sync` that talks to GitLab: connect, read the managed issues, write.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use chrono::Utc;

use super::bar;
use super::env::{env_token, gitlab_url, token_and_source, Mode, READ_TOKEN_VAR};
use super::inputs::{renderer, settings, Inputs, Prepared};
use super::output::{print_report, render_errors, write_reports, Previews};
use super::status::{print_input_errors, EXIT_FAILURES, EXIT_INPUT};
use crate::cli::RunArgs;
use crate::config::Config;
use crate::dashboard::{self, Decided};
use crate::desired::DesiredIssue;
use crate::gitlab::{self, ApiError, ClientSettings, Gitlab, Token};
use crate::issue::Observed;
use crate::plan::{self, Action, Kind, Proofs, Settings};
use crate::progress::overrides::Commands;
use crate::report::{self, Summary};
use crate::seal::{Seal, HOW_TO_MAKE_ONE, KEY_VAR};
use crate::sync::Outcome;
use crate::{ci, departures, mr_comment, sync, token_expiry};

pub(super) fn online(
    inputs: &Inputs,
    args: &RunArgs,
    prepared: &mut Prepared,
    mode: Mode,
    allow_mass_close: bool,
) -> ExitCode {
    let Some(url) = gitlab_url(&inputs.config) else {
        eprintln!("onboarder: no GitLab URL: set GITLAB_URL or gitlab.url in {}", inputs.config.file.display());
        return ExitCode::from(EXIT_INPUT);
    };
    let Some((token, read_token)) = token_and_source(mode) else {
        let read_only = if env_token(READ_TOKEN_VAR).is_some() {
            format!(" ({READ_TOKEN_VAR} is read only and serves `plan`, never `sync`)")
        } else {
            String::new()
        };
        eprintln!(
            "onboarder: GITLAB_TOKEN is not set{read_only}; sync needs a project access token with the api scope; nothing was written"
        );
        return ExitCode::from(EXIT_INPUT);
    };
    // The key that seals onboarder's records: a sync refuses to run without it; a plan, which
    // writes nothing and runs where a protected variable is not given, reads them unverified.
    let seal = match (mode, Seal::from_env()) {
        (_, Err(e)) => {
            eprintln!("onboarder: {e}; nothing was written");
            return ExitCode::from(EXIT_INPUT);
        }
        (Mode::Sync | Mode::DryRun, Ok(None)) => {
            eprintln!(
                "onboarder: sync needs {KEY_VAR}, the key that seals onboarder's records in issues so that nobody \
                 else can write them: {HOW_TO_MAKE_ONE}; nothing was written"
            );
            return ExitCode::from(EXIT_INPUT);
        }
        (Mode::Plan, Ok(None)) => Seal::unchecked(),
        (_, Ok(Some(seal))) => seal,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("onboarder: cannot start: {e}");
            return ExitCode::from(EXIT_FAILURES);
        }
    };
    let run = Run { mode, allow_mass_close, url: &url, token: &token, seal: &seal, read_token };
    runtime.block_on(online_async(inputs, args, prepared, run))
}

/// What a run against GitLab was given besides its inputs.
struct Run<'a> {
    mode: Mode,
    allow_mass_close: bool,
    url: &'a str,
    token: &'a Token,
    seal: &'a Seal,
    /// The token is `GITLAB_READ_TOKEN`: another account than the one that writes.
    read_token: bool,
}

async fn online_async(inputs: &Inputs, args: &RunArgs, prepared: &mut Prepared, run: Run<'_>) -> ExitCode {
    let Run { mode, allow_mass_close, url, token, seal, read_token } = run;
    let config = &inputs.config;
    let section = ci::Section::start("read", "Reading the managed issues from GitLab");
    let pacing = pacing(config, prepared);
    let cannot_use = |e: ApiError| {
        eprintln!("onboarder: cannot use GitLab at {url}: {e}; nothing was written");
        ExitCode::from(EXIT_INPUT)
    };
    let gl = match Gitlab::new(url, token, config.gitlab.accept_invalid_certs, &pacing) {
        Ok(gl) => gl,
        Err(e) => return cannot_use(e),
    };
    // The reads before the listing go together, one round trip: who the token is, when it
    // expires (a token that can read its own details says), and each project's id.
    let (me, expires, reached) = tokio::join!(gl.identify(), gl.token_expiry(), reach_projects(&gl, config, prepared));
    if let Err(e) = me {
        return cannot_use(e);
    }
    let token_warning = expires.and_then(|expires| token_expiry::warning(expires, Utc::now().date_naive()));
    if let Some(w) = &token_warning {
        eprintln!("warning: {w}");
    }
    let projects = match reached {
        Ok(p) => p,
        Err(e) => {
            eprintln!("onboarder: cannot read the projects: {e}; nothing was written");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let selected = |u: &str| prepared.selection.contains(u);
    let previews = Previews::new(args.preview_dir.as_deref());
    let preview = |d: &DesiredIssue, text: &str| previews.write(d, text);
    // Issues and notes onboarder's account wrote, and those of accounts it ran as before. A plan
    // read with the read token (another account) cannot tell, and says it did not check.
    let bots: Vec<u64> = match read_token {
        true => Vec::new(),
        false => std::iter::once(gl.me().id).chain(config.gitlab.bot_ids.iter().copied()).collect(),
    };
    let mut settings = Settings {
        preview: previews.wanted().then_some(&preview as plan::Preview),
        seal,
        bots: &bots,
        ..settings(config, &inputs.templates, &selected, prepared.selection.shard, prepared.today)
    };
    let (desired, specs) = (&prepared.desired, &prepared.boards);
    // Module issues are evidence the planner needs for each issue as its page arrives: read first.
    let evidence = match super::training::evidence(&gl, url, inputs, desired, &bots).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "onboarder: cannot read the module issues in {}: {e}; nothing was written",
                config.modules.project
            );
            return ExitCode::from(if e.is_fatal() { EXIT_INPUT } else { EXIT_FAILURES });
        }
    };
    let renderer = renderer(inputs, prepared.today, &evidence);
    let render = |d: &DesiredIssue, due, want| renderer.body_with_due(d, due, want);
    let memo = |d: &DesiredIssue, due| renderer.inputs_digest(d, due);
    settings.memo = Some(&memo);
    let preparer = plan::Preparer::new(desired, &settings, &render);
    // Each issue is planned as its page arrives; one a dashboard command applies to is read again.
    let read = |at: &'static str| {
        let gl = &gl;
        let settings = &settings;
        let reachable = &projects.reachable;
        let preparer = &preparer;
        async move {
            let fail = |e: ApiError| {
                eprintln!("onboarder: cannot read the issues{at}: {e}; nothing was written");
                ExitCode::from(if e.is_fatal() { EXIT_INPUT } else { EXIT_FAILURES })
            };
            let mut observed =
                sync::observe(gl, config, reachable, (desired, specs), settings, &|o| preparer.prepare(o))
                    .await
                    .map_err(fail)?;
            let commanded = dashboard::commanded(&observed, settings.bots);
            sync::restore(gl, &mut observed, &commanded).await.map_err(fail)?;
            // Who ticked each box decides whether it is a command: GitLab's notes say, read only
            // when a box is ticked.
            let tickers = sync::who_ticked(gl, &dashboard::awaiting(&observed, settings)).await.map_err(fail)?;
            // The commands ticked on the dashboards, decided once: the plan and the writes both follow them.
            let decided = dashboard::commands(specs, desired, &observed, &tickers, settings);
            // Issues whose state block onboarder cannot vouch for: what its own notes prove.
            let proofs = sync::proofs(gl, &plan::needing_proof(desired, &observed, settings), settings.bots)
                .await
                .map_err(fail)?;
            Ok::<_, ExitCode>((observed, decided, proofs))
        }
    };
    // The people's issues first, then the dashboards from their actions.
    let plan_all = |observed: &[Observed], decided: &[Decided], commands: &Commands, proofs: &Proofs| {
        let s = Settings { commands, proofs, ..settings };
        let actions = plan::plan(desired, observed, &mut preparer.planned(), &s, &render);
        let boards = dashboard::plan(specs, desired, observed, &actions, decided, &s);
        (actions, boards)
    };
    let read_at = Utc::now();
    let (mut observed, mut decided, mut proofs) = match read("").await {
        Ok(o) => o,
        Err(code) => return code,
    };
    drop(section);
    let mut commands = dashboard::orders(&decided);
    let open = |observed: &[Observed]| observed.iter().filter(|o| o.open).count();
    let (mut actions, mut boards) = plan_all(&observed, &decided, &commands, &proofs);
    if tracing::enabled!(tracing::Level::INFO) {
        let mut planned = Summary::default();
        let rows: Vec<(Action, Option<Outcome>)> =
            actions.iter().chain(boards.iter().map(|p| &p.action)).map(|a| (a.clone(), None)).collect();
        planned.count(&rows);
        tracing::info!(
            "planned {} from {} listed, rendering {} bodies",
            planned.planned(),
            observed.len(),
            renderer.rendered.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    if let Some(errors) = render_errors(&actions) {
        return print_input_errors(&errors);
    }
    // A mass close held back is no write: decided before the run lock, which only writing runs take.
    let mut held =
        departures::hold_mass_close(&mut actions, open(&observed), config.sync.max_close_share, allow_mass_close);
    let mut lock = None;
    let mut lock_error = None;
    // Any run that writes takes the run lock, so two runs at once neither create an issue twice
    // nor post one stage note twice; a run with nothing to write takes none.
    let all = reachable_actions(&actions, &boards, &projects);
    let creating: Vec<&Action> = all.iter().copied().filter(|a| a.kind == Kind::Create).collect();
    let create_in: BTreeSet<String> = creating.iter().map(|a| a.project.clone()).collect();
    let writes = all.iter().any(|a| a.writes() || a.kind == Kind::Conflict);
    if mode == Mode::Sync && writes {
        let main = gl.canonical(&config.gitlab.project);
        let at = if projects.reachable.contains(&main) {
            main
        } else {
            all.first().map(|a| a.project.clone()).unwrap_or(main)
        };
        match sync::Lock::acquire(&gl, config, seal, &at, &create_in, read_at).await {
            Ok((ticket, reread)) => {
                lock = ticket;
                if reread {
                    // Another run wrote since the read: read again so nothing is created or posted twice.
                    (observed, decided, proofs) = match read(" again").await {
                        Ok(o) => o,
                        Err(code) => return code,
                    };
                    commands = dashboard::orders(&decided);
                    (actions, boards) = plan_all(&observed, &decided, &commands, &proofs);
                    if let Some(errors) = render_errors(&actions) {
                        if let Some(held) = lock {
                            held.release(&gl, seal).await;
                        }
                        return print_input_errors(&errors);
                    }
                    held = departures::hold_mass_close(
                        &mut actions,
                        open(&observed),
                        config.sync.max_close_share,
                        allow_mass_close,
                    );
                }
            }
            Err(e) => lock_error = Some(format!("could not take the run lock in {at}, so nothing is written: {e}")),
        }
    }
    // Writes re-plan each issue from a fresh read: no preview is written again then.
    let settings = Settings { commands: &commands, proofs: &proofs, preview: None, ..settings };
    if let Err(e) = previews.finish(&actions, &boards) {
        eprintln!("onboarder: {e:#}");
        return ExitCode::from(EXIT_INPUT);
    }
    // Issues in a project the token cannot see, and writes without the lock, fail here.
    let mut held_back = Vec::new();
    let mut hold = |a: &Action| {
        let why = match (projects.unreachable.get(&a.project), &lock_error) {
            (Some(why), _) => why.clone(),
            (None, Some(why)) if a.writes() || a.kind == Kind::Conflict => why.clone(),
            _ => return true,
        };
        held_back.push((a.clone(), Some(Outcome { status: "failed", error: Some(why) })));
        false
    };
    actions.retain(&mut hold);
    boards.retain(|p| hold(&p.action));
    let mut summary = Summary {
        today: prepared.today.to_string(),
        dry_run: mode != Mode::Sync,
        unverified: !seal.checks() || bots.is_empty(),
        token_warning,
        ..Summary::default()
    };
    let (mut rows, fatal) = if mode == Mode::Sync {
        let section = ci::Section::start("write", "Writing to GitLab");
        let writes = reachable_actions(&actions, &boards, &projects).iter().filter(|a| a.writes()).count() as u64;
        let bar = bar::Bar::new(writes);
        let jobs = (actions, boards);
        let step = |a: &Action, o: &Outcome| bar.step(a, o);
        let work = sync::execute(&gl, desired, &renderer, jobs, &observed, &settings, &step);
        // The lease is renewed while the writes go on: a long run never outlives its lock.
        let done = match lock.as_mut() {
            Some(held) => held.hold_while(&gl, seal, work).await,
            None => work.await,
        };
        bar.finish();
        if let Some(held) = lock {
            held.release(&gl, seal).await;
        }
        drop(section);
        (done.rows, done.fatal)
    } else {
        (actions.into_iter().chain(boards.into_iter().map(|p| p.action)).map(|a| (a, None)).collect(), None)
    };
    rows.extend(held_back);
    if let Err(e) = sync::report_unassigned(&gl, &mut rows).await {
        tracing::warn!("could not ask GitLab why assignees are missing: {e}");
    }
    rows.extend(crate::isolation::rows(desired, &selected));
    rows.sort_by(|(a, _), (b, _)| (&a.username, &a.template, a.iid).cmp(&(&b.username, &b.template, b.iid)));
    summary.requests = Some(gl.counts());
    summary.count(&rows);
    summary.without_issue = crate::isolation::without_issue(desired, &selected, &rows);
    print_report(args.format, &rows, &summary, mode == Mode::DryRun);
    if let Err(e) = write_reports(args, &rows, &summary) {
        eprintln!("onboarder: {e:#}");
    }
    if mode == Mode::Plan {
        let private = report::merge_request(&rows, &summary, config.plan_comment_shows_pace);
        comment_on_merge_request(url, config, &pacing, &private).await;
    }
    if let Some(e) = fatal {
        eprintln!("onboarder: stopped: {e}");
        return ExitCode::from(EXIT_INPUT);
    }
    if let Some(why) = held {
        eprintln!("onboarder: {why}");
        return ExitCode::from(EXIT_FAILURES);
    }
    if summary.failed > 0 {
        eprintln!("onboarder: {} issue(s) failed; everyone else is done; the next run retries them", summary.failed);
        return ExitCode::from(EXIT_FAILURES);
    }
    ExitCode::SUCCESS
}

/// In a merge request pipeline given `GITLAB_MR_TOKEN`, the plan's summary as one comment on the
/// merge request, edited in place on later runs. Failing to comment is a warning: the plan stands.
async fn comment_on_merge_request(url: &str, config: &Config, pacing: &ClientSettings, markdown: &str) {
    let Some((target, token)) = mr_comment::Target::from_env() else { return };
    let done = async {
        let gl = Gitlab::connect(url, &token, config.gitlab.accept_invalid_certs, pacing).await?;
        mr_comment::publish(&gl, &target, markdown).await
    };
    let mr = format!("merge request !{} of project {}", target.iid, target.project);
    match done.await {
        Ok(mr_comment::Step::Post) => eprintln!("onboarder: posted the plan on {mr}"),
        Ok(mr_comment::Step::Edit(_)) => eprintln!("onboarder: updated the plan's comment on {mr}"),
        Ok(mr_comment::Step::Nothing) => eprintln!("onboarder: the plan's comment on {mr} is up to date"),
        Err(e) => eprintln!("warning: could not comment the plan on {mr}: {e}"),
    }
}

/// The people's and the dashboards' actions in projects the token sees.
fn reachable_actions<'a>(actions: &'a [Action], boards: &'a [dashboard::Planned], projects: &Reach) -> Vec<&'a Action> {
    actions.iter().chain(boards.iter().map(|p| &p.action)).filter(|a| projects.reachable.contains(&a.project)).collect()
}

/// How this run paces itself: shards that share one token (`sharding.shared_token`) each take
/// their share of GitLab's per-user limits, so together they stay under them.
fn pacing(config: &Config, prepared: &Prepared) -> ClientSettings {
    let mut s = config.sync.client.clone();
    if let (true, Some(shard)) = (config.sync.shared_token, prepared.selection.shard) {
        s.limits = s.limits.shared_by(shard.total);
    }
    s
}

/// The projects of this run, resolved to ids.
struct Reach {
    /// GitLab's own path of each project the token sees (one per project, however spelt).
    reachable: BTreeSet<String>,
    /// Why each project the token cannot see is out of reach, by its spelling.
    unreachable: BTreeMap<String, String>,
}

/// Resolve every project once (`GET /projects/:path`); desired issues then name projects by
/// GitLab's own path, so two spellings of one project are one. A project the token cannot see
/// fails only the issues in it; a token or address problem stops the run.
async fn reach_projects(gl: &Gitlab, config: &Config, prepared: &mut Prepared) -> Result<Reach, ApiError> {
    let spellings = sync::projects(config, &prepared.desired, &prepared.boards);
    let mut reach = Reach { reachable: BTreeSet::new(), unreachable: BTreeMap::new() };
    for (spelling, found) in gl.resolve_projects(&spellings).await {
        match found {
            Ok(p) => {
                reach.reachable.insert(p.path);
            }
            Err(ApiError::NotFound(_)) => {
                let why = gitlab::reach_advice(&spelling);
                eprintln!("onboarder: {why}");
                reach.unreachable.insert(spelling, why);
            }
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => {
                let why = format!("cannot read project {spelling}: {e}");
                eprintln!("onboarder: {why}");
                reach.unreachable.insert(spelling, why);
            }
        }
    }
    for d in &mut prepared.desired.issues {
        d.project = gl.canonical(&d.project);
    }
    Ok(reach)
}
