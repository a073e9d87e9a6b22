//! Carries out a plan in GitLab: bounded concurrency, a fresh read right before every write,
//! and one person's failure never stops the others.
//!
//! `write` creates and updates one issue; `creates` settles creates whose answer was lost;
//! `duplicates` resolves two issues with one key; `lock` keeps two runs from creating at once;
//! `assignees` turns usernames into ids.

mod assignees;
mod creates;
mod duplicates;
mod lock;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::Utc;
use futures::stream::{self, StreamExt};

pub use lock::Lock;

use crate::config::Config;
use crate::desired::{Desired, DesiredIssue, Renderer};
use crate::gitlab::{ApiError, Gitlab, Listing};
use crate::plan::{self, Action, Kind, Observed, Settings};
use crate::report::Outcome;
use crate::selection::Shard;
use assignees::Users;
use write::Writer;

/// Every project onboarder may have issues in for this run, as the config and templates spell them.
pub fn projects(config: &Config, desired: &Desired) -> BTreeSet<String> {
    let mut p: BTreeSet<String> = desired.issues.iter().map(|d| d.project.clone()).collect();
    p.insert(config.gitlab.project.clone());
    if let Some(s) = &config.shadow {
        p.insert(s.project.clone());
    }
    p.extend(desired.dashboards.iter().map(|b| b.project.clone()));
    p
}

/// Read the managed issues of the reachable `projects` (GitLab's own paths, one per project):
/// one listing of the OPEN issues with the marker label each (a sharded run: those of its shard
/// and those of no shard, `list_shard`), so a run's cost follows the people in scope and not the
/// project's history; then, only where a desired issue is not among them,
/// the closed managed issues created since the earliest such person's start (less a year), so a
/// person's close is respected, a moved issue followed and nothing re-created; then, only if some
/// issue is still about to be created, in a sharded run the other shards' open issues, and the
/// token user's issues that lost the label (so a person removing a label never causes a duplicate).
///
/// Each open issue goes through `prepare` as its page arrives (see `plan::Preparer`), so the
/// planning of one page overlaps the reading of the next and descriptions are not all kept.
pub async fn observe(
    gl: &Gitlab,
    config: &Config,
    projects: &BTreeSet<String>,
    desired: &Desired,
    s: &Settings<'_>,
    prepare: &dyn Fn(Observed) -> Observed,
) -> Result<Vec<Observed>, ApiError> {
    let listing = Listing { label: Some(&config.marker_label), state: Some("opened"), ..Listing::default() };
    let mut observed = match listed_shard(desired, s) {
        None => list_all(gl, projects, &listing, prepare).await?,
        Some(shard) => list_shard(gl, projects, &listing, shard, prepare).await?,
    };
    let missing: Vec<&DesiredIssue> =
        plan::missing_issues(desired, &observed, s).into_iter().filter(|d| projects.contains(&d.project)).collect();
    if let Some(since) = missing.iter().map(|d| d.calendar.since).min() {
        let in_projects: BTreeSet<String> = missing.iter().map(|d| d.project.clone()).collect();
        let closed = Listing {
            label: Some(&config.marker_label),
            state: Some("closed"),
            created_after: Some(closed_since(since)),
            ..Listing::default()
        };
        let found = list_all(gl, &in_projects, &closed, &|o| o).await?;
        add_new(&mut observed, found);
    }
    let creating_in = |observed: &[Observed]| -> BTreeSet<String> {
        plan::projects_missing_issues(desired, observed, s).into_iter().filter(|p| projects.contains(p)).collect()
    };
    let mut creating = creating_in(&observed);
    if !creating.is_empty() && listed_shard(desired, s).is_some() {
        // An issue carrying another shard's label (its person's username changed) was not listed:
        // the rest of the project, once, before anything is created.
        add_new(&mut observed, list_all(gl, &creating, &listing, prepare).await?);
        creating = creating_in(&observed);
    }
    if !creating.is_empty() {
        let me = gl.me().id;
        let marker = std::slice::from_ref(&config.marker_label);
        let unlabeled = Listing { not_labels: marker, author_id: Some(me), ..Listing::default() };
        let found = list_all(gl, &creating, &unlabeled, &|o| o).await?;
        // A GitLab that ignores `not[labels]` returns labeled issues again: keep one copy.
        add_new(&mut observed, found);
    }
    Ok(observed)
}

/// Read again, whole, each listed issue whose description was dropped while planning (see
/// `plan::Preparer`) but that a ticked dashboard command names (`keys`): deciding the command
/// reads its record, and carrying it out changes its plan.
pub async fn restore(gl: &Gitlab, observed: &mut [Observed], keys: &BTreeSet<String>) -> Result<(), ApiError> {
    for o in observed.iter_mut() {
        if o.slim.as_ref().is_some_and(|s| keys.contains(&s.key)) {
            *o = gl.issue(&o.project, o.iid).await?;
        }
    }
    Ok(())
}

/// The shard whose issues alone a run lists: none when the run is not sharded, or when it keeps a
/// team dashboard, whose medians are over everyone's issues.
fn listed_shard(desired: &Desired, s: &Settings) -> Option<Shard> {
    s.shard.filter(|_| !desired.dashboards.iter().any(|b| b.manager.is_none()))
}

/// The open managed issues of a shard: those with its label, and those with no shard label of its
/// N (new to sharding, labeled under another N, or dashboards, which carry none). Once every
/// issue is labeled the second listing is one empty page per project.
async fn list_shard(
    gl: &Gitlab,
    projects: &BTreeSet<String>,
    open: &Listing<'_>,
    shard: Shard,
    prepare: &dyn Fn(Observed) -> Observed,
) -> Result<Vec<Observed>, ApiError> {
    let label = shard.label();
    let every_shard = shard.all_labels();
    let own = Listing { also_label: Some(&label), ..open.clone() };
    let unsharded = Listing { not_labels: &every_shard, ..open.clone() };
    let (mut observed, found) =
        futures::try_join!(list_all(gl, projects, &own, prepare), list_all(gl, projects, &unsharded, prepare))?;
    // A GitLab that ignores `not[labels]` returns this shard's issues again: keep one copy.
    add_new(&mut observed, found);
    Ok(observed)
}

/// How far back closed issues are looked for: a person's issue may be created before their start
/// date (a roster entry added ahead of time), so a year before the earliest start searched for.
const CLOSED_LOOKBACK_DAYS: i64 = 365;

fn closed_since(start: chrono::NaiveDate) -> chrono::DateTime<Utc> {
    let day = start - chrono::Duration::days(CLOSED_LOOKBACK_DAYS);
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// Add the issues not listed yet (an issue closed between two listings appears in both).
fn add_new(observed: &mut Vec<Observed>, found: Vec<Observed>) {
    let known: BTreeSet<(String, u64)> = observed.iter().map(|o| (o.project.clone(), o.iid)).collect();
    observed.extend(found.into_iter().filter(|o| !known.contains(&(o.project.clone(), o.iid))));
}

async fn list_all(
    gl: &Gitlab,
    projects: &BTreeSet<String>,
    listing: &Listing<'_>,
    each: &dyn Fn(Observed) -> Observed,
) -> Result<Vec<Observed>, ApiError> {
    let lists: Vec<Result<Vec<Observed>, ApiError>> = stream::iter(projects.iter())
        .map(|p| gl.list_issues_each(p, listing, each))
        .buffered(projects.len().max(1))
        .collect()
        .await;
    let mut all = Vec::new();
    for l in lists {
        all.extend(l?);
    }
    Ok(all)
}

/// What the run did, action by action.
pub struct Done {
    pub rows: Vec<(Action, Option<Outcome>)>,
    /// A token or project problem that stopped the run.
    pub fatal: Option<ApiError>,
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Api(ApiError),
    #[error("{0}")]
    Other(String),
    /// A create whose answer never came: settled by one listing per batch.
    #[error("no answer to the create: {0}")]
    Unknown(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

fn done() -> Outcome {
    Outcome { status: "done", error: None }
}

fn failed(e: impl ToString) -> Outcome {
    Outcome { status: "failed", error: Some(e.to_string()) }
}

/// Carry out every writing action and resolve conflicts; the rest are reported as they are.
/// Dashboards go last: they link the issues created meanwhile, and a command whose person's
/// write failed stays ticked.
pub async fn execute(
    gl: &Gitlab,
    desired: &Desired,
    render: &Renderer<'_>,
    actions: Vec<Action>,
    observed: &[Observed],
    settings: &Settings<'_>,
    progress: &dyn Fn(&Action, &Outcome),
) -> Done {
    let config = render.config;
    let w = Writer {
        gl,
        config,
        desired,
        render,
        by_key: desired.issues.iter().map(|d| (d.key.as_str(), d)).collect(),
        users: Users::new(gl),
        settings,
        dropping: Mutex::new(BTreeSet::new()),
        first_writes: Mutex::new(BTreeMap::new()),
    };
    w.note_low_roles();
    let started = Utc::now() - chrono::Duration::minutes(5);
    let fatal: Mutex<Option<ApiError>> = Mutex::new(None);
    let (boards, actions): (Vec<Action>, Vec<Action>) = actions.into_iter().partition(|a| a.board.is_some());
    let batch = Batch { w: &w, observed, fatal: &fatal, progress, started };
    let mut rows = batch.run(actions).await;
    let boards = crate::dashboard::settle(boards, &rows);
    rows.extend(batch.run(boards).await);
    Done { rows, fatal: fatal.into_inner().expect("fatal lock") }
}

/// One batch of actions carried out together, with their lost creates settled at its end.
struct Batch<'a> {
    w: &'a Writer<'a>,
    observed: &'a [Observed],
    fatal: &'a Mutex<Option<ApiError>>,
    progress: &'a dyn Fn(&Action, &Outcome),
    started: chrono::DateTime<Utc>,
}

impl Batch<'_> {
    async fn run(&self, actions: Vec<Action>) -> Vec<(Action, Option<Outcome>)> {
        let (w, observed, fatal, progress) = (self.w, self.observed, self.fatal, self.progress);
        let rows: Vec<Row> = stream::iter(actions)
            .map(|a| async move {
                if !a.writes() && a.kind != Kind::Conflict {
                    return Row::Finished(a, None);
                }
                if fatal.lock().expect("fatal lock").is_some() {
                    return Row::Finished(a, Some(failed("not attempted: the run stopped")));
                }
                let result = match a.kind {
                    Kind::Conflict => duplicates::resolve(w, &a, observed).await,
                    _ => w.carry_out(&a).await,
                };
                let (a, outcome) = match result {
                    Ok(a) => (a, done()),
                    Err(Failure::Unknown(e)) => return Row::Pending(a, e),
                    Err(e) => {
                        if let Failure::Api(err) = &e {
                            if err.is_fatal() {
                                *fatal.lock().expect("fatal lock") = Some(err.clone());
                            }
                        }
                        (a, failed(e))
                    }
                };
                progress(&a, &outcome);
                Row::Finished(a, Some(outcome))
            })
            // Unordered: a write whose answer never comes (until the timeout) must not keep the
            // next ones from starting; the rows are sorted for the report anyway.
            .buffer_unordered(w.config.sync.concurrency.max(1))
            .collect()
            .await;

        // Creates whose answer was lost are settled together: one listing per project.
        let pending: Vec<&Action> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Pending(a, _) => Some(a),
                Row::Finished(..) => None,
            })
            .collect();
        let mut settled: BTreeMap<String, Result<Action, String>> = creates::settle(w, &pending, self.started).await;
        rows.into_iter()
            .map(|r| match r {
                Row::Finished(a, o) => (a, o),
                Row::Pending(a, e) => {
                    let (a, outcome) = match settled.remove(&a.key) {
                        Some(Ok(created)) => (created, done()),
                        Some(Err(why)) => (a, failed(why)),
                        None => (
                            a,
                            failed(format!(
                                "{e}; the create's outcome is unknown; the next run finds the issue by its key"
                            )),
                        ),
                    };
                    progress(&a, &outcome);
                    (a, Some(outcome))
                }
            })
            .collect()
    }
}

enum Row {
    Finished(Action, Option<Outcome>),
    Pending(Action, ApiError),
}
