//! Desired issues against observed issues, to the actions that bring GitLab in line. Pure: no IO.
//!
//! The same functions decide for `plan`, `sync --dry-run` and `sync` (which calls `reconcile`
//! again on a fresh copy of the issue right before writing it). Dashboards are planned after
//! this plan, from its actions (see `dashboard`); nothing here knows of them.
//!
//! `issue` decides for one person's issue, `retire` for issues no longer kept up to date,
//! `matching` sorts observed issues out, `prepare` plans each issue as its page is listed,
//! `record` is the state block, `memo` what lets an untouched issue skip its render, `labels`
//! the labels, `action` what is decided.

mod action;
mod issue;
mod labels;
mod matching;
mod memo;
mod prepare;
mod proof;
mod record;
mod retire;
mod settings;

use std::collections::BTreeMap;

pub use action::{Action, Facts, ItemChange, Kind};
pub use issue::{by_roster, create, initial_description, reconcile, with_body};
pub use matching::{is_ours, missing_issues, needing_proof, projects_missing_issues};
pub use prepare::{Planned, Preparer};
pub use proof::{Proof, Proofs};
pub use record::{place, IssueState, Trust};
pub use retire::{retire, supersede, unsay, unusable, NOT_IN_ROSTER};
pub use settings::{Preview, Render, Settings};

use crate::desired::{key_username, Desired, Standing, Want};
use crate::issue::Observed;
use matching::{is_paused, matched, Matches};

/// The whole plan: an action per desired issue and per managed issue nobody should have.
pub fn plan(
    desired: &Desired,
    observed: &[Observed],
    planned: &mut Planned,
    s: &Settings,
    render: Render,
) -> Vec<Action> {
    let Matches { found, others, moved, foreign } = matched(desired, observed, s);
    // Each person's open issues of their current paths, for a comment on a path they left.
    let mut current: BTreeMap<String, &Observed> = BTreeMap::new();
    let mut actions = Vec::new();
    for (i, found) in found {
        let d = &desired.issues[i];
        let paused = is_paused(desired, d);
        let action = match found.as_slice() {
            [] if moved.contains_key(&d.key) => {
                let o = moved[&d.key];
                Action::for_observed(Kind::Skip, &d.key, o, None)
                    .because("moved to a project onboarder does not manage; follow it there, never re-created")
            }
            [] if paused => match render(d, d.due_date, Want::Marks) {
                Ok(body) => {
                    let (d, a) = issue::with_body(d, &body, s);
                    Action::for_desired(Kind::Skip, &d, &a, s).because("paused; no issue created")
                }
                Err(e) => Action::for_desired(Kind::Skip, d, &by_roster(d, s), s).cannot_render(e),
            },
            [] => create(d, s, render),
            [o] => {
                current.entry(d.username.to_lowercase()).or_insert(o);
                match planned.take(o) {
                    Some(action) if s.commands.to_apply(&d.key).is_empty() => action,
                    // The shell reads such an issue again before planning (`Preparer` never drops
                    // one a command applies to, and commands are read from the same listing).
                    Some(_) => Action::for_desired(Kind::Skip, d, &by_roster(d, s), s)
                        .observed(o)
                        .because("a command applies: the issue must be read again first"),
                    None => match reconcile(d, o, s, render) {
                        Ok(a) => a,
                        Err(e) => Action::for_desired(Kind::Skip, d, &by_roster(d, s), s).observed(o).cannot_render(e),
                    },
                }
            }
            many => conflict(&d.key, many, planned),
        };
        actions.push(action);
    }
    for (key, list) in &others {
        // Another planner's issues (the dashboards, planned from this plan's actions).
        if (s.others)(key) {
            continue;
        }
        let username = key_username(key);
        // Keys of selected desired issues were taken out by `matched`; these belong to nobody's.
        if !(s.selected)(username) {
            continue;
        }
        let standing = desired.standing.get(username);
        let action = match (standing, list.as_slice()) {
            (_, [_, _, ..]) => conflict(key, list, planned),
            // Closing needs the person's roster file to be really gone, not unreadable.
            (_, [o]) if desired.failed.contains_key(username) => Action::for_observed(Kind::Skip, key, o, None)
                .because("the roster entry has errors; left as it is until it is fixed"),
            (None, [o]) if !desired.unidentified.is_empty() => {
                Action::for_observed(Kind::Skip, key, o, None).because(format!(
                "not closed: the roster entry or listing at {} could not be read whole, and this person may be in it",
                desired.unidentified[0].file.display()
            ))
            }
            (None, [o]) => retire(key, o, NOT_IN_ROSTER, s.today, s.seal),
            (Some(Standing::Closing(reason)), [o]) => retire(key, o, reason, s.today, s.seal),
            (Some(Standing::Paused), [o]) => {
                Action::for_observed(Kind::Skip, key, o, None).because("paused; left as it is")
            }
            (Some(Standing::OutOfScope), [o]) => Action::for_observed(Kind::Skip, key, o, None)
                .because("person is out of scope (started before started_after)"),
            (Some(Standing::Active), [o]) => {
                supersede(key, o, current.get(username).map(|n| n.web_url.as_str()), s.today, s.seal)
            }
            (_, []) => continue,
        };
        actions.push(action);
    }
    actions.extend(foreign.into_iter().map(not_ours));
    actions.sort_by(|a, b| (&a.username, &a.template, a.iid).cmp(&(&b.username, &b.template, b.iid)));
    actions
}

/// An issue carrying one of onboarder's keys that someone else opened: named in the report, and
/// never closed, filled or taken for a copy.
fn not_ours(o: &Observed) -> Action {
    let key = o.key().unwrap_or_default();
    let who = match (&o.author_username, o.author_id) {
        (Some(u), _) => format!("@{u}"),
        (None, Some(id)) => format!("user {id}"),
        (None, None) => "someone else".into(),
    };
    Action::for_observed(Kind::Skip, &key, o, None)
        .because(format!("carries onboarder's key but {who} opened it, not onboarder's account: left alone"))
}

fn conflict(key: &str, list: &[&Observed], planned: &mut Planned) -> Action {
    let first = list[0];
    let mut a = Action::for_observed(Kind::Conflict, key, first, planned.take(first).as_ref());
    a.reason = Some(format!(
        "issues {} share this key; all left alone",
        list.iter().map(|o| format!("{}#{}", o.project, o.iid)).collect::<Vec<_>>().join(", ")
    ));
    a
}
