//! Carries out a plan in GitLab: bounded concurrency, a fresh read right before every write,
//! and one person's failure never stops the others.
//!
//! `read` lists what GitLab holds; `write` creates and updates one issue; `creates` settles
//! creates whose answer was lost; `duplicates` resolves two issues with one key; `lock` keeps
//! two runs from writing at once; `assignees` turns usernames into ids; `outcome` says how each
//! action went.

mod assignees;
mod creates;
mod duplicates;
mod lock;
mod outcome;
mod read;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::Utc;
use futures::stream::{self, StreamExt};

pub use assignees::report_unassigned;
pub use lock::{description as lock_description, Lock, LEASE_VAR};
pub use outcome::{Done, Outcome};
pub use read::{observe, projects, proofs, restore, who_ticked};

use crate::dashboard::{self, Planned};
use crate::desired::{Desired, Renderer};
use crate::gitlab::{ApiError, Gitlab};
use crate::issue::Observed;
use crate::plan::{Action, Kind, Settings};
use assignees::Users;
use outcome::{done, failed, Failure};
use write::{Job, Writer};

/// Carry out every writing action and resolve conflicts; the rest are reported as they are.
/// Dashboards go last: they link the issues created meanwhile, and a command whose person's
/// write failed stays ticked.
pub async fn execute(
    gl: &Gitlab,
    desired: &Desired,
    render: &Renderer<'_>,
    (actions, boards): (Vec<Action>, Vec<Planned>),
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
    let started = Utc::now() - chrono::Duration::minutes(5);
    let fatal: Mutex<Option<ApiError>> = Mutex::new(None);
    let batch = Batch { w: &w, observed, fatal: &fatal, progress, started };
    let mut rows = batch.run(actions.into_iter().map(|a| (a, None)).collect()).await;
    let created: BTreeMap<&str, &str> = rows
        .iter()
        .filter(|(a, o)| a.kind == Kind::Create && o.as_ref().is_some_and(|o| o.status == "done"))
        .filter_map(|(a, _)| Some((a.key.as_str(), a.web_url.as_deref()?)))
        .collect();
    let failed: BTreeSet<&str> = rows
        .iter()
        .filter(|(_, o)| o.as_ref().is_some_and(|o| o.status == "failed"))
        .map(|(a, _)| a.key.as_str())
        .collect();
    let boards = dashboard::settle(boards, &created, &failed);
    let board_rows = batch.run(boards.into_iter().map(|p| (p.action, Some(p.board))).collect()).await;
    rows.extend(board_rows);
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
    async fn run(&self, jobs: Vec<Job>) -> Vec<(Action, Option<Outcome>)> {
        let (w, observed, fatal, progress) = (self.w, self.observed, self.fatal, self.progress);
        let rows: Vec<Row> = stream::iter(jobs)
            .map(|(a, board)| async move {
                if !a.writes() && a.kind != Kind::Conflict {
                    return Row::Finished(a, None);
                }
                if fatal.lock().expect("fatal lock").is_some() {
                    return Row::Finished(a, Some(failed("not attempted: the run stopped")));
                }
                let result = match a.kind {
                    Kind::Conflict => duplicates::resolve(w, &a, observed).await,
                    _ => w.carry_out(&a, board.as_deref()).await,
                };
                let (a, outcome) = match result {
                    Ok(a) => (a, done()),
                    Err(Failure::Unknown(e)) => return Row::Pending((a, board), e),
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
            .buffer_unordered(w.config.sync.client.concurrency.max(1))
            .collect()
            .await;

        // Creates whose answer was lost are settled together: one listing per project.
        let pending: Vec<&Job> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Pending(job, _) => Some(job),
                Row::Finished(..) => None,
            })
            .collect();
        let mut settled: BTreeMap<String, Result<Action, String>> = creates::settle(w, &pending, self.started).await;
        rows.into_iter()
            .map(|r| match r {
                Row::Finished(a, o) => (a, o),
                Row::Pending((a, _), e) => {
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
    Pending(Job, ApiError),
}
