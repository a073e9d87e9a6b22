//! Which observed issue is whose: each selected desired issue's issues by key (or, for a renamed
//! username, by the user id recorded; or, with every marker gone, by exact title), and the rest
//! by key. Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use super::record::{IssueState, Trust};
use super::settings::Settings;
use crate::desired::{Desired, DesiredIssue, Standing};
use crate::issue::Observed;
use crate::region;

/// Observed issues sorted out: those of each selected desired issue, and the rest by key.
pub(super) struct Matches<'o> {
    /// Index into `desired.issues`, and the issues found for it.
    pub found: Vec<(usize, Vec<&'o Observed>)>,
    pub others: BTreeMap<String, Vec<&'o Observed>>,
    /// Keys whose only issue was moved to a project onboarder does not read.
    pub moved: BTreeMap<String, &'o Observed>,
    /// Issues carrying one of onboarder's keys that someone else opened: never onboarder's.
    pub foreign: Vec<&'o Observed>,
}

/// Whether onboarder's own account (or a past one) opened the issue. With no accounts known (a
/// plan read with another account's token, which cannot tell), every issue counts: such a plan
/// says it did not check.
pub fn is_ours(o: &Observed, s: &Settings) -> bool {
    s.bots.is_empty() || o.author_id.is_some_and(|a| s.bots.contains(&a))
}

/// The issues whose notes a run reads before planning them: onboarder's own open issues of the
/// people in this run whose state block it cannot vouch for (lost, mangled, forged, or written
/// before blocks were sealed). One request each; an issue with a sealed block costs none.
pub fn needing_proof<'o>(desired: &Desired, observed: &'o [Observed], s: &Settings) -> Vec<&'o Observed> {
    let keys: BTreeSet<&str> =
        desired.issues.iter().filter(|d| (s.selected)(&d.username)).map(|d| d.key.as_str()).collect();
    observed
        .iter()
        .filter(|o| o.open && !o.dropped() && o.moved_to_id.is_none() && is_ours(o, s))
        .filter(|o| {
            let live = region::parse(&o.description);
            live.key.as_deref().is_some_and(|k| keys.contains(k))
                && !matches!(IssueState::trust(&live, o, live.key.as_deref().unwrap_or(""), s.seal), Trust::Proven(_))
        })
        .collect()
}

/// The issue found for each desired issue, by key (or, when markers and state block are both
/// gone, by exact title in the right project).
pub(super) fn matched<'o>(desired: &Desired, observed: &'o [Observed], s: &Settings) -> Matches<'o> {
    let mut by_key: BTreeMap<String, Vec<&Observed>> = BTreeMap::new();
    let mut unkeyed: Vec<&Observed> = Vec::new();
    let mut moved: BTreeMap<String, &Observed> = BTreeMap::new();
    let mut foreign = Vec::new();
    for o in observed {
        // Anyone who may label an issue may write a key into it: only onboarder's own are matched.
        if !is_ours(o, s) {
            if o.key().is_some() {
                foreign.push(o);
            }
            continue;
        }
        // A moved issue stays behind, closed: its new home is found by key where it went.
        if o.moved_to_id.is_some() {
            if let Some(k) = o.key() {
                moved.insert(k, o);
            }
            continue;
        }
        match o.key() {
            Some(k) => by_key.entry(k).or_default().push(o),
            None if o.labels.iter().any(|l| l == s.marker_label) => unkeyed.push(o),
            None => {}
        }
    }
    let mut found: Vec<(usize, Vec<&Observed>)> = desired
        .issues
        .iter()
        .enumerate()
        .filter(|(_, d)| (s.selected)(&d.username))
        .map(|(i, d)| (i, by_key.remove(&d.key).unwrap_or_default()))
        .collect();
    // A renamed GitLab username: the issue is the one recorded for the same user id.
    if found.iter().any(|(i, list)| list.is_empty() && desired.issues[*i].user_id.is_some()) {
        let mut by_uid: BTreeMap<(String, u64), String> = BTreeMap::new();
        for (key, list) in &by_key {
            let template = key.rsplit_once(':').map_or("", |(t, _)| t);
            let proven = list.first().and_then(|o| IssueState::proven(o, key, s.seal));
            if let Some(uid) = proven.and_then(|st| st.uid) {
                by_uid.insert((template.to_string(), uid), key.clone());
            }
        }
        for (i, list) in found.iter_mut().filter(|(_, list)| list.is_empty()) {
            let d = &desired.issues[*i];
            if let Some(key) = d.user_id.and_then(|uid| by_uid.get(&(d.template.clone(), uid))) {
                *list = by_key.remove(key).unwrap_or_default();
            }
        }
    }
    for (i, list) in found.iter_mut().filter(|(_, list)| list.is_empty()) {
        let d = &desired.issues[*i];
        *list = unkeyed.iter().filter(|o| o.project == d.project && o.title == d.title).copied().collect();
    }
    for (i, list) in &found {
        if !list.is_empty() {
            moved.remove(&desired.issues[*i].key);
        }
    }
    for k in by_key.keys() {
        moved.remove(k);
    }
    Matches { found, others: by_key, moved, foreign }
}

/// The projects where an issue is about to be created (missing, and its person not paused).
pub fn projects_missing_issues(desired: &Desired, observed: &[Observed], s: &Settings) -> BTreeSet<String> {
    let m = matched(desired, observed, s);
    m.found
        .iter()
        .filter(|(i, list)| list.is_empty() && !is_paused(desired, &desired.issues[*i]))
        .filter(|(i, _)| !m.moved.contains_key(&desired.issues[*i].key))
        .map(|(i, _)| desired.issues[*i].project.clone())
        .collect()
}

/// The selected desired issues (not paused) that no listed issue matches, moved ones included:
/// the ones a run must look for among closed issues before it may create them.
pub fn missing_issues<'d>(desired: &'d Desired, observed: &[Observed], s: &Settings) -> Vec<&'d DesiredIssue> {
    let m = matched(desired, observed, s);
    m.found
        .iter()
        .filter(|(i, list)| list.is_empty() && !is_paused(desired, &desired.issues[*i]))
        .filter(|(i, _)| !m.moved.contains_key(&desired.issues[*i].key))
        .map(|(i, _)| &desired.issues[*i])
        .collect()
}

pub(super) fn is_paused(desired: &Desired, d: &DesiredIssue) -> bool {
    desired.standing.get(&d.username.to_lowercase()) == Some(&Standing::Paused)
}
