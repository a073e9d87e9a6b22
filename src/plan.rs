//! Desired issues against observed issues, to the actions that bring GitLab in line. Pure: no IO.
//!
//! The same functions decide for `plan`, `sync --dry-run` and `sync` (which calls `reconcile`
//! again on a fresh copy of the issue right before writing it).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::checklist::Mark;
use crate::comments::{self, Comment, Subject};
use crate::description::{self, Live, LiveItem, State};
use crate::desired::{key_username, Body, Desired, DesiredIssue, Standing};
use crate::error::InputError;
use crate::merge::merge;
use crate::progress::{self, Assessment, Calendar, Pace};

/// An issue as GitLab has it, converted at the GitLab boundary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// In the order GitLab lists them, matching `assignees`.
    pub assignee_ids: Vec<u64>,
    /// Set on an issue moved to another project (it stays here, closed).
    pub moved_to_id: Option<u64>,
    /// Comments by people (system notes not counted).
    pub user_notes_count: u64,
    pub author_id: Option<u64>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Settings the planner needs from the config.
pub struct Settings<'a> {
    pub marker_label: &'a str,
    pub stage_label_prefix: &'a str,
    pub pace_label_prefix: &'a str,
    pub close_completed: bool,
    /// The day the run plans for.
    pub today: NaiveDate,
    /// Days behind the calendar before a person counts as behind.
    pub grace_days: u32,
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
    /// The stage reached, from evidence.
    pub stage: Option<String>,
    /// The stage the calendar expects.
    pub expected_stage: Option<String>,
    pub pace: Option<Pace>,
    pub checked: usize,
    pub total: usize,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due_date: Option<NaiveDate>,
    pub create: Option<NewIssue>,
    pub edit: Option<Edit>,
    /// A comment owed: posted before the edit, which records it as said.
    pub note: Option<Comment>,
    pub reason: Option<String>,
    /// The issue a comment on this one links to (a person's new path).
    pub link: Option<String>,
    pub changes: Vec<ItemChange>,
}

impl Action {
    fn for_desired(kind: Kind, d: &DesiredIssue, s: &Settings) -> Action {
        let a = &d.assessment;
        Action {
            kind,
            key: d.key.clone(),
            username: d.username.clone(),
            template: d.template.clone(),
            project: d.project.clone(),
            iid: None,
            web_url: None,
            title: d.title.clone(),
            stage: d.stage_ids.get(a.reached).cloned(),
            expected_stage: a.expected.and_then(|e| d.stage_ids.get(e).cloned()),
            pace: Some(a.pace),
            checked: d.checked,
            total: d.total,
            labels: wanted_labels(d, a, s),
            assignees: d.assignees.clone(),
            due_date: d.due_date,
            create: None,
            edit: None,
            note: None,
            reason: None,
            link: None,
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
            expected_stage: None,
            pace: None,
            checked: marks.iter().filter(|i| i.mark == Mark::Done).count(),
            total: marks.len(),
            labels: o.labels.clone(),
            assignees: o.assignees.clone(),
            due_date: o.due_date,
            create: None,
            edit: None,
            note: None,
            reason: None,
            link: None,
            changes: Vec::new(),
        }
    }

    fn observed(mut self, o: &Observed) -> Action {
        // Where the issue is (it may have moved to another managed project), not where it would be made.
        self.project = o.project.clone();
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

/// The labels an issue of `d` should carry: the marker, the template's, the stage and the pace.
fn wanted_labels(d: &DesiredIssue, a: &Assessment, s: &Settings) -> Vec<String> {
    let mut labels = d.labels.clone();
    labels.extend(d.stage_ids.get(a.reached).map(|id| format!("{}::{id}", s.stage_label_prefix)));
    labels.push(format!("{}::{}", s.pace_label_prefix, a.pace.id()));
    labels
}

/// What the state block records besides the marks.
struct Record {
    said: BTreeMap<String, String>,
    paused_since: Option<NaiveDate>,
    paused_days: u32,
}

fn state_for(d: &DesiredIssue, asserted: &BTreeMap<String, Mark>, closed: bool, a: &Assessment, r: Record) -> State {
    State {
        v: 1,
        key: d.key.clone(),
        stage: d.stage_ids.get(a.reached).cloned(),
        title: Some(d.title.clone()),
        due: a.due.map(|d| d.to_string()),
        assignees: d.assignees.iter().map(|a| a.to_lowercase()).collect(),
        items: asserted.iter().map(|(k, m)| (k.clone(), m.as_char())).collect(),
        closed,
        uid: d.user_id,
        manager: d.manager.as_ref().map(|m| m.to_lowercase()),
        said: r.said,
        paused_since: r.paused_since.map(|p| p.to_string()),
        paused_days: r.paused_days,
    }
}

fn subject<'a>(d: &'a DesiredIssue, a: Assessment, old: Option<&'a State>, today: NaiveDate) -> Subject<'a> {
    Subject {
        person: &d.username,
        buddy: d.notify.get(1).map(String::as_str),
        manager: d.manager.as_deref(),
        previous_manager: old.and_then(|o| o.manager.as_deref()),
        stage_ids: &d.stage_ids,
        stage_titles: &d.stage_titles,
        assessment: a,
        today,
        closing: false,
    }
}

/// Everything the situation calls for now, recorded as said: a new issue, or one whose record was
/// lost, owes no comment for what was already so.
fn already_so(d: &DesiredIssue, a: Assessment, today: NaiveDate) -> BTreeMap<String, String> {
    comments::due_keys(&subject(d, a, None, today)).into_iter().map(|k| (k, today.to_string())).collect()
}

/// The description a brand-new issue gets.
pub fn initial_description(d: &DesiredIssue, body: &Body, today: NaiveDate) -> String {
    let a = d.assessment;
    let record = Record { said: already_so(d, a, today), paused_since: d.paused.then_some(today), paused_days: 0 };
    description::region(&d.key, &body.lines, &body.marks, &[], &state_for(d, &body.marks, false, &a, record))
}

/// The action for a person's issue that does not exist yet.
pub fn create(d: &DesiredIssue, s: &Settings) -> Action {
    let mut a = Action::for_desired(Kind::Create, d, s);
    a.create = Some(NewIssue {
        title: d.title.clone(),
        labels: a.labels.clone(),
        assignees: d.assignees.clone(),
        due_date: d.assessment.due,
    });
    a
}

/// The pause record after today: an open-ended pause starts its clock the first day a run sees
/// it, and when it ends its days are added up (they move the due date).
fn pause_record(paused: bool, old: Option<&State>, today: NaiveDate) -> (Option<NaiveDate>, u32) {
    let since = old.and_then(|o| o.paused_since.as_deref()).and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok());
    let days = old.map_or(0, |o| o.paused_days);
    match (paused, since) {
        (true, Some(since)) => (Some(since), days),
        (true, None) => (Some(today), days),
        (false, Some(since)) => {
            (None, days.saturating_add(u32::try_from((today - since).num_days().max(0)).unwrap_or(0)))
        }
        (false, None) => (None, days),
    }
}

/// Renders a desired issue's body showing a given due date, when a decision needs it.
pub type Render<'a> = &'a dyn Fn(&DesiredIssue, Option<NaiveDate>) -> Result<Body, InputError>;

/// The items of a body with their marks, as (stage index, mark), for progress.
fn staged(body: &Body, marks: &BTreeMap<String, Mark>) -> Vec<(usize, Mark)> {
    body.lines
        .iter()
        .filter_map(|l| match l {
            crate::template::BodyLine::Item(i) => Some((i.stage, marks.get(&i.id).copied().unwrap_or(Mark::Open))),
            crate::template::BodyLine::Text(_) => None,
        })
        .collect()
}

/// Did a person change the assignees since onboarder set `recorded`? GitLab Free keeping only
/// the first one is not a person's change; someone new, or nobody at all, is.
fn assignees_changed_by_person(recorded: &[String], now: &[String]) -> bool {
    let recorded: BTreeSet<String> = recorded.iter().map(|a| a.to_lowercase()).collect();
    (now.is_empty() && !recorded.is_empty()) || now.iter().any(|a| !recorded.contains(&a.to_lowercase()))
}

/// Bring one existing issue in line with its desired state: the three-way merge of the checklist,
/// the stage reached from the marks, the pace from the calendar, and the comments owed.
pub fn reconcile(d: &DesiredIssue, o: &Observed, s: &Settings, render: Render) -> Result<Action, InputError> {
    let live = description::parse(&o.description);
    let base = Action::for_desired(Kind::Unchanged, d, s).observed(o);
    if !o.open {
        let by_us = live.state.as_ref().is_some_and(|st| st.closed);
        return Ok(if by_us {
            base
        } else {
            Action { kind: Kind::Skip, ..base }.because("closed by a person; left closed")
        });
    }
    let old = live.state.clone();
    let (paused_since, paused_days) = pause_record(d.paused, old.as_ref(), s.today);
    let calendar = Calendar { paused_since, paused_days, ..d.calendar.clone() };
    let due = progress::assess(&d.path, &calendar, &[], d.paused, s.today, s.grace_days).due;
    let body = render(d, due)?;
    let asserted = old.as_ref().map(State::asserted_marks);
    let current: Vec<(String, Mark)> = live.items.iter().map(|i| (i.id.clone(), i.mark)).collect();
    let merged = merge(&body.marks, asserted.as_ref(), &current);
    let kept: Vec<LiveItem> = merged
        .kept
        .iter()
        .filter_map(|(id, m)| live.items.iter().find(|i| &i.id == id).map(|i| LiveItem { mark: *m, ..i.clone() }))
        .collect();
    let items = staged(&body, &merged.marks);
    let a = progress::assess(&d.path, &calendar, &items, d.paused, s.today, s.grace_days);
    let reopened_by_person = old.as_ref().is_some_and(|st| st.closed);
    let close = s.close_completed && a.complete && kept.iter().all(|i| i.mark != Mark::Open) && !reopened_by_person;

    let mut said = old.as_ref().map(|o| o.said.clone()).unwrap_or_default();
    let subject = Subject { closing: close, ..subject(d, a, old.as_ref(), s.today) };
    let note = match &old {
        Some(_) => comments::owed(&subject, &said),
        // No record of what was said (a lost state block): owe nothing for what was already so.
        None => {
            said.extend(already_so(d, a, s.today));
            None
        }
    };
    if let Some(c) = &note {
        for k in comments::settled_keys(&subject, c) {
            said.entry(k).or_insert_with(|| s.today.to_string());
        }
    }
    let record = Record { said, paused_since, paused_days };
    let state = state_for(d, &merged.asserted, reopened_by_person || close, &a, record);
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
        if old.due != state.due && o.due_date != a.due {
            edit.due_date = Some(a.due);
        }
        if old.assignees != state.assignees && !assignees_changed_by_person(&old.assignees, &o.assignees) {
            edit.assignees = Some(d.assignees.clone());
        }
    }
    let wanted = wanted_labels(d, &a, s);
    edit.add_labels = wanted.iter().filter(|l| !o.labels.contains(l)).cloned().collect();
    let scopes = [format!("{}::", s.stage_label_prefix), format!("{}::", s.pace_label_prefix)];
    edit.remove_labels = o
        .labels
        .iter()
        .filter(|l| scopes.iter().any(|sc| l.starts_with(sc.as_str())) && !wanted.contains(l))
        .cloned()
        .collect();
    edit.close = close;

    let mut action = base;
    action.stage = d.stage_ids.get(a.reached).cloned();
    action.expected_stage = a.expected.and_then(|e| d.stage_ids.get(e).cloned());
    action.pace = Some(a.pace);
    action.labels = wanted;
    action.due_date = a.due;
    action.changes = item_changes(&body, &live, &merged.marks, &kept);
    action.checked = merged.marks.values().filter(|m| **m == Mark::Done).count();
    if edit.is_empty() {
        return Ok(action);
    }
    action.kind = if close { Kind::Close } else { Kind::Update };
    action.note = note;
    if close {
        action.reason = Some("path complete".into());
    }
    action.edit = Some(edit);
    Ok(action)
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
        expected_stage: None,
        pace: None,
        checked: 0,
        total: 0,
        labels: Vec::new(),
        assignees: Vec::new(),
        due_date: None,
        create: None,
        edit: None,
        note: None,
        reason: Some(reason),
        link: None,
        changes: Vec::new(),
    }
}

/// Close the issue of someone who left (or whose program ended), once; a person's reopen stands.
pub fn retire(key: &str, o: &Observed, reason: &str, today: NaiveDate) -> Action {
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
    let mut note = Comment::join(vec![(
        "closed".into(),
        format!(
            "Closing this issue: {reason}. onboarder will not reopen it; reopen it yourself if it is still needed."
        ),
    )]);
    if let Some(mut state) = live.state.clone() {
        state.closed = true;
        if state.said.contains_key("closed") {
            // Said on an earlier run whose close did not land: close without saying it again.
            note = None;
        }
        state.said.entry("closed".into()).or_insert_with(|| today.to_string());
        edit.description = Some(description::with_state(&o.description, &state));
    }
    Action { kind: Kind::Close, edit: Some(edit), note, ..base }.because(reason)
}

/// The description with `keys` taken out of its record of comments said (their comment could not
/// be posted, so it stays owed).
pub fn unsay(description: &str, keys: &[String]) -> String {
    match description::parse(description).state {
        Some(mut state) => {
            state.said.retain(|k, _| !keys.contains(k));
            description::with_state(description, &state)
        }
        None => description.to_string(),
    }
}

/// The issue of a path that is no longer the person's (their role or paths changed): left to
/// the people, with one comment linking the issue of their new path once it exists.
pub fn supersede(key: &str, o: &Observed, new_url: Option<&str>, today: NaiveDate) -> Action {
    let base = Action::for_observed(Kind::Skip, key, o).because("not one of this person's paths any more; left alone");
    let Some(mut state) = description::parse(&o.description).state else { return base };
    let (Some(new_url), true) = (new_url, o.open) else { return base };
    if state.said.contains_key("superseded") {
        return base;
    }
    state.said.insert("superseded".into(), today.to_string());
    let note = Comment::join(vec![(
        "superseded".into(),
        format!(
            "This path is no longer on this person's roster entry (their role or paths changed). Their new path is {new_url}; onboarder leaves this issue as it is, for you to close when it suits."
        ),
    )]);
    let edit = Edit { description: Some(description::with_state(&o.description, &state)), ..Edit::default() };
    Action { kind: Kind::Update, edit: Some(edit), note, link: Some(new_url.to_string()), ..base }
}

/// Observed issues sorted out: those of each selected desired issue, and the rest by key.
struct Matches<'o> {
    /// Index into `desired.issues`, and the issues found for it.
    found: Vec<(usize, Vec<&'o Observed>)>,
    others: BTreeMap<String, Vec<&'o Observed>>,
    /// Keys whose only issue was moved to a project onboarder does not read.
    moved: BTreeMap<String, &'o Observed>,
}

/// The issue found for each desired issue, by key (or, when markers and state block are both
/// gone, by exact title in the right project).
fn matched<'o>(desired: &Desired, observed: &'o [Observed], s: &Settings) -> Matches<'o> {
    let mut by_key: BTreeMap<String, Vec<&Observed>> = BTreeMap::new();
    let mut unkeyed: Vec<&Observed> = Vec::new();
    let mut moved: BTreeMap<String, &Observed> = BTreeMap::new();
    for o in observed {
        // A moved issue stays behind, closed: its new home is found by key where it went.
        if o.moved_to_id.is_some() {
            if let Some(k) = description::key_of(&o.description) {
                moved.insert(k, o);
            }
            continue;
        }
        match description::key_of(&o.description) {
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
            if let Some(uid) = list.first().and_then(|o| description::parse(&o.description).state).and_then(|st| st.uid)
            {
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
    Matches { found, others: by_key, moved }
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

fn is_paused(desired: &Desired, d: &DesiredIssue) -> bool {
    desired.standing.get(&d.username.to_lowercase()) == Some(&Standing::Paused)
}

/// The whole plan: an action per desired issue and per managed issue nobody should have.
pub fn plan(desired: &Desired, observed: &[Observed], s: &Settings, render: Render) -> Vec<Action> {
    let Matches { found, others, moved } = matched(desired, observed, s);
    // Each person's open issues of their current paths, for a comment on a path they left.
    let mut current: BTreeMap<String, &Observed> = BTreeMap::new();
    let mut actions = Vec::new();
    for (i, found) in found {
        let d = &desired.issues[i];
        let paused = is_paused(desired, d);
        let action = match found.as_slice() {
            [] if moved.contains_key(&d.key) => {
                let o = moved[&d.key];
                Action::for_observed(Kind::Skip, &d.key, o)
                    .because("moved to a project onboarder does not manage; follow it there, never re-created")
            }
            [] if paused => Action::for_desired(Kind::Skip, d, s).because("paused; no issue created"),
            [] => create(d, s),
            [o] => {
                current.entry(d.username.to_lowercase()).or_insert(o);
                match reconcile(d, o, s, render) {
                    Ok(a) => a,
                    Err(e) => Action::for_desired(Kind::Skip, d, s).observed(o).because(format!("cannot render: {e}")),
                }
            }
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
            (None, [o]) => retire(key, o, NOT_IN_ROSTER, s.today),
            (Some(Standing::Closing(reason)), [o]) => retire(key, o, reason, s.today),
            (Some(Standing::Paused), [o]) => Action::for_observed(Kind::Skip, key, o).because("paused; left as it is"),
            (Some(Standing::OutOfScope), [o]) => Action::for_observed(Kind::Skip, key, o)
                .because("person is out of scope (started before started_after)"),
            (Some(Standing::Active), [o]) => {
                supersede(key, o, current.get(username).map(|n| n.web_url.as_str()), s.today)
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
