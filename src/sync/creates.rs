//! Creates whose answer was lost (a timeout, a 5xx, a dropped connection) may have landed.
//! They are settled together: ONE listing per project of the issues the token's user created
//! since the run began, matched by key; only those not found are created again (once).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};

use super::write::Writer;
use super::Failure;
use crate::description;
use crate::gitlab::Listing;
use crate::plan::{Action, Observed};

/// The outcome of each pending create, by key: created (found or made again) or why not.
pub(super) async fn settle(
    w: &Writer<'_>,
    pending: &[&Action],
    since: DateTime<Utc>,
) -> BTreeMap<String, Result<Action, String>> {
    let mut out = BTreeMap::new();
    let mut todo: Vec<Action> = pending.iter().map(|a| (*a).clone()).collect();
    for round in 0..2 {
        if todo.is_empty() {
            break;
        }
        let projects: BTreeSet<String> = todo.iter().map(|a| a.project.clone()).collect();
        let mut found: BTreeMap<String, Observed> = BTreeMap::new();
        for p in &projects {
            // No label filter: a token whose labels are dropped still finds its issues.
            let listing = Listing { author_id: Some(w.gl.me().id), created_after: Some(since), ..Listing::default() };
            match w.gl.list_issues(p, &listing).await {
                Ok(list) => {
                    for o in list {
                        if let Some(k) = description::key_of(&o.description) {
                            // The first one created is the one to keep, should there be two.
                            if found.get(&k).is_none_or(|f| f.iid > o.iid) {
                                found.insert(k, o);
                            }
                        }
                    }
                }
                Err(e) => {
                    for a in todo.iter().filter(|a| &a.project == p) {
                        out.insert(a.key.clone(), Err(format!("the create's outcome is unknown and {p} cannot be listed: {e}; the next run finds the issue by its key")));
                    }
                }
            }
        }
        let (known, unknown): (Vec<Action>, Vec<Action>) =
            todo.into_iter().filter(|a| !out.contains_key(&a.key)).partition(|a| found.contains_key(&a.key));
        for a in known {
            let o = &found[&a.key];
            let created = Action { iid: Some(o.iid), web_url: Some(o.web_url.clone()), ..a };
            out.insert(created.key.clone(), Ok(created));
        }
        if round == 1 {
            for a in unknown {
                out.insert(
                    a.key.clone(),
                    Err("no answer to the create, twice; the next run finds the issue by its key if it landed".into()),
                );
            }
            break;
        }
        let retried: Vec<(Action, Result<Action, Failure>)> = stream::iter(unknown)
            .map(|a| async move {
                let r = w.create(&a).await;
                (a, r)
            })
            .buffered(w.config.sync.concurrency.max(1))
            .collect()
            .await;
        todo = Vec::new();
        for (a, r) in retried {
            match r {
                Ok(created) => {
                    out.insert(a.key.clone(), Ok(created));
                }
                Err(Failure::Unknown(_)) => todo.push(a),
                Err(e) => {
                    out.insert(a.key.clone(), Err(e.to_string()));
                }
            }
        }
    }
    out
}
