//! What the plan decides for one issue: an `Action` (create, update, close, leave it), with the
//! fields a report shows and a write needs. Plain data and its constructors: no decisions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::labels::wanted_labels;
use super::record::IssueState;
use super::settings::Settings;
use crate::checklist::Mark;
use crate::desired::{key_username, DesiredIssue};
use crate::issue::{Edit, NewIssue, Observed};
use crate::progress::comments::Comment;
use crate::progress::{Assessment, Pace};
use crate::region;

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
    /// Why the issue's body could not be rendered: a template error, which stops the run
    /// before anything is written.
    pub error: Option<crate::error::InputError>,
    /// Wanted assignees the roster gives an id for that the issue lacks and this action does not
    /// send again, as (username, id): GitLab refused them (an id of nobody, a blocked account) or
    /// a person took them off. The shell asks GitLab which (`sync::diagnose_unassigned`).
    pub unassigned: Vec<(String, u64)>,
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
    /// The first open items holding the person back (at most `HELD_ON_A_DASHBOARD`), and how
    /// many there are.
    pub holding: Vec<String>,
    pub open: usize,
    /// The issue is closed, since this day when GitLab says.
    pub closed: Option<Option<NaiveDate>>,
}

/// Open items a dashboard row names at most.
pub const HELD_ON_A_DASHBOARD: usize = 3;

impl Facts {
    pub(super) fn of(state: &IssueState, own_marks: u64) -> Facts {
        let ov = state.overrides.clone().unwrap_or_default();
        Facts {
            own_marks,
            serial: ov.serial(),
            paused_here: ov.paused_by_dashboard.is_some(),
            reached: state.reached.clone(),
            since: state.since.clone(),
            ..Facts::default()
        }
    }
}

/// FNV-1a over the items whose mark a person set (it differs from what onboarder decided); 0 when
/// there is none, as for a new issue.
pub(super) fn own_marks(marks: &BTreeMap<String, Mark>, asserted: &BTreeMap<String, Mark>) -> u64 {
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
            error: None,
            unassigned: Vec::new(),
        }
    }

    /// An action for `d` as assessed by `a`.
    pub(super) fn for_desired(kind: Kind, d: &DesiredIssue, a: &Assessment, s: &Settings) -> Action {
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

    /// An action for an issue no desired issue plans; `planned` is the action planned while it
    /// was listed, when its description was dropped then (the counts come from it).
    pub(super) fn for_observed(kind: Kind, key: &str, o: &Observed, planned: Option<&Action>) -> Action {
        let (checked, total) = match planned {
            Some(p) => (p.checked, p.total),
            None => {
                let marks = region::parse(&o.description).items;
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

    pub(super) fn observed(mut self, o: &Observed) -> Action {
        // Where the issue is (it may have moved to another managed project), not where it would be made.
        self.project = o.project.clone();
        self.iid = Some(o.iid);
        self.web_url = Some(o.web_url.clone());
        self
    }

    pub(super) fn because(mut self, reason: impl Into<String>) -> Action {
        self.reason = Some(reason.into());
        self
    }

    pub(super) fn cannot_render(mut self, e: crate::error::InputError) -> Action {
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
