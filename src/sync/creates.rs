//! Creates whose answer was lost (a timeout, a 5xx, a dropped connection) may have landed.
//! They are settled together: ONE listing per project of the issues the token's user created
//! since the run began, matched by key; only those not found are created again (once).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};

use super::outcome::Failure;
use super::write::{Job, Writer};
use crate::gitlab::Listing;
use crate::issue::Observed;
use crate::plan::Action;
use crate::region;

/// The outcome of each pending create, by key: created (found or made again) or why not.
pub(super) async fn settle(
    w: &Writer<'_>,
    pending: &[&Job],
    since: DateTime<Utc>,
) -> BTreeMap<String, Result<Action, String>> {
    let mut out = BTreeMap::new();
    let mut todo: Vec<Job> = pending.iter().map(|j| (*j).clone()).collect();
    for round in 0..2 {
        if todo.is_empty() {
            break;
        }
        let projects: BTreeSet<String> = todo.iter().map(|(a, _)| a.project.clone()).collect();
        let mut found: BTreeMap<String, Observed> = BTreeMap::new();
        for p in &projects {
            // No label filter: a token whose labels are dropped still finds its issues.
            let listing = Listing { author_id: Some(w.gl.me().id), created_after: Some(since), ..Listing::default() };
            match w.gl.list_issues(p, &listing).await {
                Ok(list) => {
                    for o in list {
                        if let Some(k) = region::key_of(&o.description) {
                            // The first one created is the one to keep, should there be two.
                            if found.get(&k).is_none_or(|f| f.iid > o.iid) {
                                found.insert(k, o);
                            }
                        }
                    }
                }
                Err(e) => {
                    for (a, _) in todo.iter().filter(|(a, _)| &a.project == p) {
                        out.insert(a.key.clone(), Err(format!("the create's outcome is unknown and {p} cannot be listed: {e}; the next run finds the issue by its key")));
                    }
                }
            }
        }
        let (known, unknown): (Vec<Job>, Vec<Job>) =
            todo.into_iter().filter(|(a, _)| !out.contains_key(&a.key)).partition(|(a, _)| found.contains_key(&a.key));
        for (a, _) in known {
            let o = &found[&a.key];
            let created = Action { iid: Some(o.iid), web_url: Some(o.web_url.clone()), ..a };
            out.insert(created.key.clone(), Ok(created));
        }
        if round == 1 {
            for (a, _) in unknown {
                out.insert(
                    a.key.clone(),
                    Err("no answer to the create, twice; the next run finds the issue by its key if it landed".into()),
                );
            }
            break;
        }
        let retried: Vec<(Job, Result<Action, Failure>)> = stream::iter(unknown)
            .map(|job| async move {
                let r = w.create(&job.0, job.1.as_deref()).await;
                (job, r)
            })
            .buffered(w.config.sync.client.concurrency.max(1))
            .collect()
            .await;
        todo = Vec::new();
        for (job, r) in retried {
            match r {
                Ok(created) => {
                    out.insert(job.0.key.clone(), Ok(created));
                }
                Err(Failure::Unknown(_)) => todo.push(job),
                Err(e) => {
                    out.insert(job.0.key.clone(), Err(e.to_string()));
                }
            }
        }
    }
    out
}
