//! Reading what GitLab holds for a run: the managed issues of its projects, as few pages as the
//! people in scope need, each planned as its page arrives.

use std::collections::BTreeSet;

use chrono::Utc;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::config::Config;
use crate::dashboard::{self, Spec, Tickers};
use crate::desired::{Desired, DesiredIssue};
use crate::gitlab::{ApiError, Gitlab, Listing};
use crate::issue::Observed;
use crate::plan::{self, Proof, Proofs, Settings};
use crate::progress::overrides::CommandId;
use crate::selection::Shard;

/// Every project onboarder may have issues in for this run, as the config and templates spell them.
pub fn projects(config: &Config, desired: &Desired, boards: &[Spec]) -> BTreeSet<String> {
    let mut p: BTreeSet<String> = desired.issues.iter().map(|d| d.project.clone()).collect();
    p.insert(config.gitlab.project.clone());
    if let Some(s) = &config.shadow {
        p.insert(s.project.clone());
    }
    p.extend(boards.iter().map(|b| b.project.clone()));
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
    (desired, boards): (&Desired, &[Spec]),
    s: &Settings<'_>,
    prepare: &dyn Fn(Observed) -> Observed,
) -> Result<Vec<Observed>, ApiError> {
    let listing = Listing { label: Some(&config.marker_label), state: Some("opened"), ..Listing::default() };
    let mut observed = match listed_shard(boards, s) {
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
        plan::projects_missing_issues(desired, observed, s)
            .into_iter()
            .chain(dashboard::missing_projects(boards, observed, s))
            .filter(|p| projects.contains(p))
            .collect()
    };
    let mut creating = creating_in(&observed);
    if !creating.is_empty() && listed_shard(boards, s).is_some() {
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

/// What onboarder's own notes prove on each of `issues` (one request each, `concurrency` at a
/// time): the issues whose state block it cannot vouch for (`plan::needing_proof`).
pub async fn proofs(gl: &Gitlab, issues: &[&Observed], bots: &[u64]) -> Result<Proofs, ApiError> {
    let read: Vec<((String, u64), Proof)> = stream::iter(issues)
        .map(|o| async move {
            let notes = gl.notes(&o.project, o.iid).await?;
            Ok::<_, ApiError>(((o.project.clone(), o.iid), Proof::from_notes(&notes, bots)))
        })
        .buffer_unordered(gl.concurrency())
        .try_collect()
        .await?;
    Ok(read.into_iter().collect())
}

/// Who ticked the boxes of the dashboards `awaiting` names (see `dashboard::awaiting`): each
/// one's notes, newest first, only as far back as needed (one request a dashboard, usually).
/// A run with nothing ticked reads no notes at all.
pub async fn who_ticked(
    gl: &Gitlab,
    awaiting: &[(String, &Observed, BTreeSet<CommandId>)],
) -> Result<Tickers, ApiError> {
    let read: Vec<(String, _)> = stream::iter(awaiting)
        .map(|(key, o, ids)| async move {
            let notes = gl.notes_until(&o.project, o.iid, &|n| dashboard::command::told(n, ids)).await?;
            Ok::<_, ApiError>((key.clone(), dashboard::command::tickers(&notes, ids)))
        })
        .buffer_unordered(gl.concurrency())
        .try_collect()
        .await?;
    Ok(read.into_iter().collect())
}

/// Read again, whole, each listed issue whose description was dropped while planning (see
/// `plan::Preparer`) but that a ticked dashboard command names (`keys`): deciding the command
/// reads its record, and carrying it out changes its plan.
pub async fn restore(gl: &Gitlab, observed: &mut [Observed], keys: &BTreeSet<String>) -> Result<(), ApiError> {
    for o in observed.iter_mut() {
        if o.key_kept.as_ref().is_some_and(|k| keys.contains(k)) {
            *o = gl.issue(&o.project, o.iid).await?;
        }
    }
    Ok(())
}

/// The shard whose issues alone a run lists: none when the run is not sharded, or when it keeps a
/// team dashboard, whose medians are over everyone's issues.
fn listed_shard(boards: &[Spec], s: &Settings) -> Option<Shard> {
    s.shard.filter(|_| !boards.iter().any(|b| b.manager.is_none()))
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
