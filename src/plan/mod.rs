//! Desired issues against observed issues, to the actions that bring GitLab in line. Pure: no IO.
//!
//! The same functions decide for `plan`, `sync --dry-run` and `sync` (which calls `reconcile`
//! again on a fresh copy of the issue right before writing it).
//!
//! `issue` decides for one issue; `prepare` plans each issue as its page is listed; this module
//! matches desired issues to observed ones and decides for the rest (people no longer in the
//! roster, conflicts).

mod issue;
mod prepare;

use issue::wanted_labels;

pub use prepare::Preparer;

pub use issue::{create, initial_description, reconcile, retire, supersede, unsay, unusable, Render, NOT_IN_ROSTER};

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::checklist::Mark;
use crate::comments::Comment;
use crate::dashboard::{self, Board, Commands};
use crate::description::{self, State};
use crate::desired::{key_username, Desired, DesiredIssue, Standing};
use crate::progress::Pace;
use crate::selection::Shard;

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
    /// Planned as soon as it was listed, its description dropped (see `Preparer`).
    pub slim: Option<Box<Slim>>,
}

/// An issue planned while the listing was still being read: its key and its action. Its
/// description is dropped, so a run holds one action per issue instead of every description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slim {
    pub key: String,
    pub action: Action,
}

impl Observed {
    /// The issue's key: from its description, or kept when the description was dropped.
    pub fn key(&self) -> Option<String> {
        match &self.slim {
            Some(s) => Some(s.key.clone()),
            None => description::key_of(&self.description),
        }
    }
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
    /// The run's shard: its people's issues carry its label (`Shard::label`); `None` (not
    /// sharded) wants no shard label on any issue.
    pub shard: Option<Shard>,
    /// The commands ticked on the dashboards, decided (see `dashboard::commands`).
    pub commands: &'a Commands,
    /// Where each planned issue's new description goes when previews are asked for
    /// (`--preview-dir`): handed over as it is made, so that no run holds them all.
    pub preview: Option<Preview<'a>>,
}

/// Takes a planned issue's new description (see `Settings::preview`).
pub type Preview<'a> = &'a dyn Fn(&DesiredIssue, &str);

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
    /// What a dashboard shows of a person's issue beyond the fields above.
    pub facts: Option<Facts>,
    /// The dashboard this action writes, when it is one.
    pub board: Option<Box<Board>>,
    /// Why the issue's body could not be rendered: a template error, which stops the run
    /// before anything is written.
    pub error: Option<crate::error::InputError>,
}

/// What the dashboards read of a person's issue after this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// A digest of the person's own marks (those that differ from what onboarder decided): it
    /// changes when they tick, untick or skip something, and only then.
    pub own_marks: u64,
    /// Dashboard commands carried out on the issue so far.
    pub serial: u32,
    /// Paused from a dashboard.
    pub paused_here: bool,
    /// The day each stage was first reached, and the day the path began.
    pub reached: BTreeMap<String, String>,
    pub since: Option<String>,
}

impl Facts {
    fn of(state: &State, own_marks: u64) -> Facts {
        let ov = state.overrides.clone().unwrap_or_default();
        Facts {
            own_marks,
            serial: ov.serial(),
            paused_here: ov.paused_by_dashboard.is_some(),
            reached: state.reached.clone(),
            since: state.since.clone(),
        }
    }
}

/// FNV-1a over the items whose mark a person set (it differs from what onboarder decided); 0 when
/// there is none, as for a new issue.
fn own_marks(marks: &BTreeMap<String, Mark>, asserted: &BTreeMap<String, Mark>) -> u64 {
    let mut own = marks.iter().filter(|(id, m)| asserted.get(*id) != Some(*m)).peekable();
    if own.peek().is_none() {
        return 0;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (id, m) in own {
        for b in id.bytes().chain([0, m.as_char() as u8]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Action {
    /// An action with only its identity set; the constructors below fill in the rest.
    pub fn blank(kind: Kind, key: &str, project: &str, title: &str) -> Action {
        Action {
            kind,
            key: key.to_string(),
            username: String::new(),
            template: String::new(),
            project: project.to_string(),
            iid: None,
            web_url: None,
            title: title.to_string(),
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
            reason: None,
            link: None,
            changes: Vec::new(),
            facts: None,
            board: None,
            error: None,
        }
    }

    fn for_desired(kind: Kind, d: &DesiredIssue, s: &Settings) -> Action {
        let a = &d.assessment;
        Action {
            username: d.username.clone(),
            template: d.template.clone(),
            stage: d.stage_ids.get(a.reached).cloned(),
            expected_stage: a.expected.and_then(|e| d.stage_ids.get(e).cloned()),
            pace: Some(a.pace),
            checked: d.checked,
            total: d.total,
            labels: wanted_labels(d, a, s),
            assignees: d.assignees.clone(),
            due_date: d.due_date,
            ..Action::blank(kind, &d.key, &d.project, &d.title)
        }
    }

    fn for_observed(kind: Kind, key: &str, o: &Observed) -> Action {
        let (checked, total) = match &o.slim {
            // Its description was dropped: the counts it was planned with.
            Some(s) => (s.action.checked, s.action.total),
            None => {
                let marks = description::parse(&o.description).items;
                (marks.iter().filter(|i| i.mark == Mark::Done).count(), marks.len())
            }
        };
        Action {
            username: key_username(key).to_string(),
            template: key.rsplit_once(':').map_or("", |(t, _)| t).to_string(),
            iid: Some(o.iid),
            web_url: Some(o.web_url.clone()),
            checked,
            total,
            labels: o.labels.clone(),
            assignees: o.assignees.clone(),
            due_date: o.due_date,
            ..Action::blank(kind, key, &o.project, &o.title)
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

    fn cannot_render(mut self, e: crate::error::InputError) -> Action {
        self.kind = Kind::Skip;
        self.reason = Some(format!("cannot render: {e}"));
        self.error = Some(e);
        self
    }

    /// Does carrying out this action write to GitLab?
    pub fn writes(&self) -> bool {
        matches!(self.kind, Kind::Create | Kind::Update | Kind::Close)
    }
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
        .chain(dashboard::missing_projects(desired, observed, s))
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
            [] if paused => match render(d, d.due_date, crate::desired::Want::Marks) {
                Ok(body) => Action::for_desired(Kind::Skip, &issue::with_body(d, &body, s), s)
                    .because("paused; no issue created"),
                Err(e) => Action::for_desired(Kind::Skip, d, s).cannot_render(e),
            },
            [] => create(d, s, render),
            [o] => {
                current.entry(d.username.to_lowercase()).or_insert(o);
                match &o.slim {
                    Some(slim) if s.commands.to_apply(&d.key).is_empty() => slim.action.clone(),
                    // The shell reads such an issue again before planning (`Preparer` never drops
                    // one a command applies to, and commands are read from the same listing).
                    Some(_) => Action::for_desired(Kind::Skip, d, s)
                        .observed(o)
                        .because("a dashboard command applies: the issue must be read again first"),
                    None => match reconcile(d, o, s, render) {
                        Ok(a) => a,
                        Err(e) => Action::for_desired(Kind::Skip, d, s).observed(o).cannot_render(e),
                    },
                }
            }
            many => conflict(&d.key, many),
        };
        actions.push(action);
    }
    for (key, list) in &others {
        // Dashboards are planned from everyone's actions, below.
        if dashboard::is_key(key) {
            continue;
        }
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
    let boards = dashboard::plan(desired, observed, &actions, s);
    actions.extend(boards);
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
