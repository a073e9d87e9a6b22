//! Desired issues against observed issues, to the actions that bring GitLab in line. Pure: no IO.
//!
//! The same functions decide for `plan`, `sync --dry-run` and `sync` (which calls `reconcile`
//! again on a fresh copy of the issue right before writing it).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::checklist::Mark;
use crate::description::{self, Live, LiveItem, State};
use crate::desired::{key_username, Body, Desired, DesiredIssue, Standing};
use crate::error::InputError;
use crate::merge::merge;

/// An issue as GitLab has it, converted at the GitLab boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub project: String,
    pub iid: u64,
    pub title: String,
    pub description: String,
    pub open: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due_date: Option<NaiveDate>,
    pub web_url: String,
}

/// Settings the planner needs from the config.
pub struct Settings<'a> {
    pub marker_label: &'a str,
    pub stage_label_prefix: &'a str,
    pub close_completed: bool,
    /// Usernames this run may touch (`--only`, `--shard`).
    pub selected: &'a dyn Fn(&str) -> bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Create,
    Update,
    Close,
    Unchanged,
    Skip,
    Conflict,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Close => "close",
            Kind::Unchanged => "unchanged",
            Kind::Skip => "skip",
            Kind::Conflict => "conflict",
        }
    }
}

/// The fields of an existing issue to change; only what differs is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    pub assignees: Option<Vec<String>>,
    pub due_date: Option<Option<NaiveDate>>,
    pub close: bool,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        *self == Edit::default()
    }
}

/// A new issue to create (its description is written when it is sent: `initial_description`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssue {
    pub title: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due_date: Option<NaiveDate>,
}

/// One checkbox that a write changes, for `--dry-run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub id: String,
    pub text: String,
    pub from: Option<char>,
    pub to: Option<char>,
}

/// What to do about one issue (or one missing issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: Kind,
    pub key: String,
    pub username: String,
    pub template: String,
    pub project: String,
    pub iid: Option<u64>,
    pub web_url: Option<String>,
    pub title: String,
    pub stage: Option<String>,
    pub checked: usize,
    pub total: usize,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due_date: Option<NaiveDate>,
    pub create: Option<NewIssue>,
    pub edit: Option<Edit>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub changes: Vec<ItemChange>,
}

impl Action {
    fn for_desired(kind: Kind, d: &DesiredIssue) -> Action {
        let mut labels = d.labels.clone();
        labels.extend(d.stage_label.clone());
        Action {
            kind,
            key: d.key.clone(),
            username: d.username.clone(),
            template: d.template.clone(),
            project: d.project.clone(),
            iid: None,
            web_url: None,
            title: d.title.clone(),
            stage: d.stage.as_ref().map(|s| s.id.clone()),
            checked: d.checked,
            total: d.total,
            labels,
            assignees: d.assignees.clone(),
            due_date: d.due_date,
            create: None,
            edit: None,
            note: None,
            reason: None,
            changes: Vec::new(),
        }
    }

    fn for_observed(kind: Kind, key: &str, o: &Observed) -> Action {
        let marks = description::parse(&o.description).items;
        Action {
            kind,
            key: key.to_string(),
            username: key_username(key).to_string(),
            template: key.rsplit_once(':').map_or("", |(t, _)| t).to_string(),
            project: o.project.clone(),
            iid: Some(o.iid),
            web_url: Some(o.web_url.clone()),
            title: o.title.clone(),
            stage: None,
            checked: marks.iter().filter(|i| i.mark == Mark::Done).count(),
            total: marks.len(),
            labels: o.labels.clone(),
            assignees: o.assignees.clone(),
            due_date: o.due_date,
            create: None,
            edit: None,
            note: None,
            reason: None,
            changes: Vec::new(),
        }
    }

    fn observed(mut self, o: &Observed) -> Action {
        self.iid = Some(o.iid);
        self.web_url = Some(o.web_url.clone());
        self
    }

    fn because(mut self, reason: impl Into<String>) -> Action {
        self.reason = Some(reason.into());
        self
    }

    /// Does carrying out this action write to GitLab?
    pub fn writes(&self) -> bool {
        matches!(self.kind, Kind::Create | Kind::Update | Kind::Close)
    }
}

fn state_for(d: &DesiredIssue, asserted: &BTreeMap<String, Mark>, closed: bool) -> State {
    State {
        v: 1,
        key: d.key.clone(),
        stage: d.stage.as_ref().map(|s| s.id.clone()),
        title: Some(d.title.clone()),
        due: d.due_date.map(|d| d.to_string()),
        assignees: d.assignees.iter().map(|a| a.to_lowercase()).collect(),
        items: asserted.iter().map(|(k, m)| (k.clone(), m.as_char())).collect(),
        closed,
    }
}

/// The description a brand-new issue gets.
pub fn initial_description(d: &DesiredIssue, body: &Body) -> String {
    description::region(&d.key, &body.lines, &body.marks, &[], &state_for(d, &body.marks, false))
}

/// The action for a person's issue that does not exist yet.
pub fn create(d: &DesiredIssue) -> Action {
    let mut a = Action::for_desired(Kind::Create, d);
    a.create = Some(NewIssue {
        title: d.title.clone(),
        labels: a.labels.clone(),
        assignees: d.assignees.clone(),
        due_date: d.due_date,
    });
    a
}

/// Bring one existing issue in line with its desired state (three-way merge of the checklist).
pub fn reconcile(d: &DesiredIssue, body: &Body, o: &Observed, s: &Settings) -> Action {
    let live = description::parse(&o.description);
    let base = Action::for_desired(Kind::Unchanged, d).observed(o);
    if !o.open {
        let by_us = live.state.as_ref().is_some_and(|st| st.closed);
        return if by_us {
            base
        } else {
            Action { kind: Kind::Skip, ..base }.because("closed by a person; left closed")
        };
    }
    let asserted = live.state.as_ref().map(State::asserted_marks);
    let current: Vec<(String, Mark)> = live.items.iter().map(|i| (i.id.clone(), i.mark)).collect();
    let merged = merge(&body.marks, asserted.as_ref(), &current);
    let kept: Vec<LiveItem> = merged
        .kept
        .iter()
        .filter_map(|(id, m)| live.items.iter().find(|i| &i.id == id).map(|i| LiveItem { mark: *m, ..i.clone() }))
        .collect();
    let old = live.state.clone();
    let reopened_by_person = old.as_ref().is_some_and(|st| st.closed);
    let complete = s.close_completed
        && !merged.marks.is_empty()
        && merged.marks.values().all(|m| *m != Mark::Open)
        && kept.iter().all(|i| i.mark != Mark::Open);
    let close = complete && !reopened_by_person;
    let state = state_for(d, &merged.asserted, reopened_by_person || close);
    let region = description::region(&d.key, &body.lines, &merged.marks, &kept, &state);
    let new_description = description::compose(live.before, &region, live.after);

    let mut edit = Edit::default();
    // Byte-equal is the common case (nothing changed) and costs one comparison.
    if new_description != o.description
        && description::normal_form(&new_description) != description::normal_form(&o.description)
    {
        // Quick actions a template holds ran when the issue was created; never send them again.
        edit.description = Some(description::without_quick_actions(&new_description));
    }
    // Title, due date and assignees follow the roster when the roster changed them, and are
    // otherwise the person's to change.
    if let Some(old) = &old {
        if old.title.as_deref().is_some_and(|t| t != d.title) && o.title != d.title {
            edit.title = Some(d.title.clone());
        }
        let due = d.due_date.map(|x| x.to_string());
        if old.due != due && o.due_date != d.due_date {
            edit.due_date = Some(d.due_date);
        }
        if old.assignees != state.assignees {
            edit.assignees = Some(d.assignees.clone());
        }
    }
    let mut wanted: Vec<String> = d.labels.clone();
    wanted.extend(d.stage_label.clone());
    edit.add_labels = wanted.iter().filter(|l| !o.labels.contains(l)).cloned().collect();
    let scope = format!("{}::", s.stage_label_prefix);
    edit.remove_labels =
        o.labels.iter().filter(|l| l.starts_with(&scope) && Some(*l) != d.stage_label.as_ref()).cloned().collect();
    edit.close = close;

    let mut action = base;
    action.changes = item_changes(body, &live, &merged.marks, &kept);
    action.checked = merged.marks.values().filter(|m| **m == Mark::Done).count();
    if edit.is_empty() {
        return action;
    }
    action.kind = if close { Kind::Close } else { Kind::Update };
    action.note = if close {
        Some("Every item on this checklist is checked, so onboarder is closing this issue. Reopen it if there is more to do; onboarder will leave it open.".into())
    } else {
        stage_note(d, old.as_ref())
    };
    if close {
        action.reason = Some("path complete".into());
    }
    action.edit = Some(edit);
    action
}

/// One note when the person's stage moves forward; none on creation or when it stays or goes back.
fn stage_note(d: &DesiredIssue, old: Option<&State>) -> Option<String> {
    let new = d.stage.as_ref()?;
    let old = old?;
    let was = old.stage.as_ref().and_then(|id| d.stage_ids.iter().position(|s| s == id));
    if was.is_some_and(|w| w >= new.index) {
        return None;
    }
    let mentions: Vec<String> = d.notify.iter().map(|u| format!("@{u}")).collect();
    Some(format!(
        "{} New stage reached: **{}** (stage {} of {}). The items of the earlier stages are checked; tick the rest as you go.",
        mentions.join(" "),
        new.title,
        new.index + 1,
        d.stage_ids.len()
    ))
}

fn item_changes(body: &Body, live: &Live, marks: &BTreeMap<String, Mark>, kept: &[LiveItem]) -> Vec<ItemChange> {
    let now: BTreeMap<&str, Mark> = live.items.iter().map(|i| (i.id.as_str(), i.mark)).collect();
    let mut out: Vec<ItemChange> = body
        .lines
        .iter()
        .filter_map(|l| match l {
            crate::template::BodyLine::Item(i) => Some(i),
            crate::template::BodyLine::Text(_) => None,
        })
        .filter_map(|i| {
            let to = marks.get(&i.id).copied()?;
            let from = now.get(i.id.as_str()).copied();
            (from != Some(to)).then(|| ItemChange {
                id: i.id.clone(),
                text: i.text.clone(),
                from: from.map(Mark::as_char),
                to: Some(to.as_char()),
            })
        })
        .collect();
    let kept_ids: BTreeSet<&str> = kept.iter().map(|i| i.id.as_str()).collect();
    out.extend(
        live.items
            .iter()
            .filter(|i| !marks.contains_key(&i.id) && !kept_ids.contains(i.id.as_str()))
            .map(|i| ItemChange { id: i.id.clone(), text: i.text.clone(), from: Some(i.mark.as_char()), to: None }),
    );
    out
}

/// Why the issue of someone missing from the roster is closed.
pub const NOT_IN_ROSTER: &str = "this person is no longer in the roster";

/// The row of a person whose roster entry cannot be used: nothing is planned for them.
pub fn unusable(username: &str, reason: String) -> Action {
    Action {
        kind: Kind::Skip,
        key: String::new(),
        username: username.to_string(),
        template: "roster entry".into(),
        project: String::new(),
        iid: None,
        web_url: None,
        title: String::new(),
        stage: None,
        checked: 0,
        total: 0,
        labels: Vec::new(),
        assignees: Vec::new(),
        due_date: None,
        create: None,
        edit: None,
        note: None,
        reason: Some(reason),
        changes: Vec::new(),
    }
}

/// Close the issue of someone who left (or whose program ended), once; a person's reopen stands.
pub fn retire(key: &str, o: &Observed, reason: &str) -> Action {
    let live = description::parse(&o.description);
    let base = Action::for_observed(Kind::Unchanged, key, o);
    let closed_before = live.state.as_ref().is_some_and(|s| s.closed);
    if !o.open {
        return base.because("already closed");
    }
    if closed_before {
        return Action { kind: Kind::Skip, ..base }.because("reopened by a person; left open");
    }
    let mut edit = Edit { close: true, ..Edit::default() };
    if let Some(mut state) = live.state.clone() {
        state.closed = true;
        edit.description = Some(description::with_state(&o.description, &state));
    }
    Action {
        kind: Kind::Close,
        edit: Some(edit),
        note: Some(format!(
            "Closing this issue: {reason}. onboarder will not reopen it; reopen it yourself if it is still needed."
        )),
        ..base
    }
    .because(reason)
}

/// Renders a desired issue's body when a decision needs it.
pub type Render<'a> = &'a dyn Fn(&DesiredIssue) -> Result<Body, InputError>;

/// Observed issues sorted out: those of each selected desired issue, and the rest by key.
struct Matches<'o> {
    /// Index into `desired.issues`, and the issues found for it.
    found: Vec<(usize, Vec<&'o Observed>)>,
    others: BTreeMap<String, Vec<&'o Observed>>,
}

/// The issue found for each desired issue, by key (or, when markers and state block are both
/// gone, by exact title in the right project).
fn matched<'o>(desired: &Desired, observed: &'o [Observed], s: &Settings) -> Matches<'o> {
    let mut by_key: BTreeMap<String, Vec<&Observed>> = BTreeMap::new();
    let mut unkeyed: Vec<&Observed> = Vec::new();
    for o in observed {
        match description::key_of(&o.description) {
            Some(k) => by_key.entry(k).or_default().push(o),
            None if o.labels.iter().any(|l| l == s.marker_label) => unkeyed.push(o),
            None => {}
        }
    }
    let mut found = Vec::new();
    for (i, d) in desired.issues.iter().enumerate() {
        if !(s.selected)(&d.username) {
            continue;
        }
        let list = match by_key.remove(&d.key) {
            Some(list) => list,
            None => unkeyed.iter().filter(|o| o.project == d.project && o.title == d.title).copied().collect(),
        };
        found.push((i, list));
    }
    Matches { found, others: by_key }
}

/// The projects where an issue is about to be created (missing, and its person not paused).
pub fn projects_missing_issues(desired: &Desired, observed: &[Observed], s: &Settings) -> BTreeSet<String> {
    matched(desired, observed, s)
        .found
        .into_iter()
        .filter(|(i, list)| list.is_empty() && !is_paused(desired, &desired.issues[*i]))
        .map(|(i, _)| desired.issues[i].project.clone())
        .collect()
}

fn is_paused(desired: &Desired, d: &DesiredIssue) -> bool {
    desired.standing.get(&d.username.to_lowercase()) == Some(&Standing::Paused)
}

/// The whole plan: an action per desired issue and per managed issue nobody should have.
pub fn plan(desired: &Desired, observed: &[Observed], s: &Settings, render: Render) -> Vec<Action> {
    let Matches { found, others } = matched(desired, observed, s);
    let mut actions = Vec::new();
    for (i, found) in found {
        let d = &desired.issues[i];
        let paused = is_paused(desired, d);
        let action = match found.as_slice() {
            [] if paused => Action::for_desired(Kind::Skip, d).because("paused; no issue created"),
            [] => create(d),
            [o] if paused => Action::for_desired(Kind::Skip, d).observed(o).because("paused; left as it is"),
            [o] => match render(d) {
                Ok(body) => reconcile(d, &body, o, s),
                Err(e) => Action::for_desired(Kind::Skip, d).observed(o).because(format!("cannot render: {e}")),
            },
            many => conflict(&d.key, many),
        };
        actions.push(action);
    }
    for (key, list) in &others {
        let username = key_username(key);
        // Keys of selected desired issues were taken out by `matched`; these belong to nobody's.
        if !(s.selected)(username) {
            continue;
        }
        let standing = desired.standing.get(username);
        let action = match (standing, list.as_slice()) {
            (_, [_, _, ..]) => conflict(key, list),
            // Closing needs the person's roster file to be really gone, not unreadable.
            (_, [o]) if desired.failed.contains_key(username) => Action::for_observed(Kind::Skip, key, o)
                .because("the roster entry has errors; left as it is until it is fixed"),
            (None, [o]) if !desired.unidentified.is_empty() => {
                Action::for_observed(Kind::Skip, key, o).because(format!(
                    "not closed: the roster file {} cannot be read, and it may be this person's",
                    desired.unidentified[0].file.display()
                ))
            }
            (None, [o]) => retire(key, o, NOT_IN_ROSTER),
            (Some(Standing::Closing(reason)), [o]) => retire(key, o, reason),
            (Some(Standing::Paused), [o]) => Action::for_observed(Kind::Skip, key, o).because("paused; left as it is"),
            (Some(Standing::OutOfScope), [o]) => Action::for_observed(Kind::Skip, key, o)
                .because("person is out of scope (started before started_after)"),
            (Some(Standing::Active), [o]) => {
                Action::for_observed(Kind::Skip, key, o).because("not one of this person's paths any more; left alone")
            }
            (_, []) => continue,
        };
        actions.push(action);
    }
    actions.sort_by(|a, b| (&a.username, &a.template, a.iid).cmp(&(&b.username, &b.template, b.iid)));
    actions
}

fn conflict(key: &str, list: &[&Observed]) -> Action {
    let first = list[0];
    let mut a = Action::for_observed(Kind::Conflict, key, first);
    a.reason = Some(format!(
        "issues {} share this key; all left alone",
        list.iter().map(|o| format!("{}#{}", o.project, o.iid)).collect::<Vec<_>>().join(", ")
    ));
    a
}
