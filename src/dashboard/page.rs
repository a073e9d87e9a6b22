//! A dashboard issue's text (the table, the command boxes, its record) and the action that brings
//! the issue in line: created, or its region rewritten with people's text around it kept and no
//! write when nothing changed. Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::board::{Board, BoardState, Flag, Planned, Record, Row};
use super::budget;
use super::command::ticked;
use super::sections::{manager_lines, team_lines, View};
use super::spec::{Report, Spec, KIND};
use super::table;
use crate::desired::DesiredIssue;
use crate::error::truncate;
use crate::issue::{Edit, NewIssue, Observed};
use crate::plan::{Action, Kind};
use crate::progress::overrides::{CommandId, Verdict};
use crate::progress::Pace;
use crate::region::{self, Live};
use crate::seal::{Place, Seal};

/// Lines of "what the commands did" a dashboard keeps.
const LOG_LINES: usize = 10;

/// A report's row, from the plan's action for their issue and what the roster says of them.
pub(super) fn row(a: &Action, d: &DesiredIssue, report: &Report, spec: &Spec, today: NaiveDate) -> Row {
    let facts = a.facts.clone().unwrap_or_default();
    let since = d.calendar.since;
    let week = (today >= since).then(|| u32::try_from((today - since).num_days() / 7 + 1).unwrap_or(u32::MAX));
    let separate = spec.path(&d.template).is_some_and(|p| p.separate);
    let mut flags = Vec::new();
    if let Some(l) = d.calendar.leave.iter().find(|l| l.from <= today && today <= l.to) {
        flags.push(Flag::Leave(l.to.to_string()));
    }
    if d.paused || facts.paused_here {
        flags.push(Flag::Paused);
    }
    if d.notify.len() < 2 && !separate {
        flags.push(Flag::NoBuddy);
    }
    let finished = match facts.closed {
        Some(day) => Some(day.map_or_else(|| "-".to_string(), |d| d.to_string())),
        None => (a.pace == Some(Pace::Complete)).then(|| today.to_string()),
    };
    let mut r = Row {
        key: a.key.clone(),
        user: d.username.clone(),
        name: report.name.clone(),
        // Only the team's dashboard groups by manager.
        manager: report.manager.clone().filter(|_| spec.manager.is_none()),
        url: a.web_url.clone(),
        path: d.template.clone(),
        week,
        stage: a.stage.clone(),
        expected: a.expected_stage.clone(),
        pace: a.pace,
        holding: facts.holding.iter().map(|t| truncate(t, table::SHORT_ITEM)).collect(),
        open: facts.open,
        flags,
        due: a.due_date.map(|d| d.to_string()),
        ticked: None,
        own: facts.own_marks,
        serial: facts.serial,
        paused_here: facts.paused_here,
        finished,
    };
    if r.finished.is_some() {
        // The finished are listed by name and day: what a closed issue's plan guessed from the
        // roster alone (its pace, its items) would read as a problem.
        (r.week, r.pace, r.holding, r.open, r.flags, r.due) = (None, None, Vec::new(), 0, Vec::new(), None);
    }
    r
}

pub(super) fn base(b: &Board, kind: Kind) -> Action {
    let spec = &b.spec;
    let mut a = Action::blank(kind, &spec.key, &spec.project, &spec.title);
    a.username = spec.manager.clone().unwrap_or_else(|| "team".into());
    a.template = KIND.into();
    a.labels = spec.labels.clone();
    a.assignees = spec.assignees.clone();
    a.reason = Some(format!("dashboard of {} report(s)", spec.reports.len()));
    a
}

/// The record after this run: rows of the reports this run covers from the plan, the others'
/// kept (shown or counted); the day of each person's last change, and the day they finished,
/// carried forward or set to today.
pub(super) fn record(b: &Board, old: Option<&Record>) -> Record {
    let old_rows: BTreeMap<&str, &Row> =
        old.map(|r| r.rows.iter().map(|x| (x.key.as_str(), x)).collect()).unwrap_or_default();
    let mut rows: Vec<Row> = b
        .rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let prev = old_rows.get(r.key.as_str());
            r.ticked = match prev {
                Some(prev) if prev.own == r.own => prev.ticked.clone(),
                Some(_) => Some(b.today.to_string()),
                None => None,
            };
            if r.finished.is_some() {
                r.finished = prev.and_then(|p| p.finished.clone()).or(r.finished);
            }
            r
        })
        .collect();
    let kept = |user: &str| {
        let user = user.to_lowercase();
        !b.covered.contains(&user) && b.spec.reports.contains_key(&user)
    };
    let mut hidden = Vec::new();
    if let Some(old) = old {
        rows.extend(old.rows.iter().filter(|r| kept(&r.user)).cloned());
        hidden = old.hidden().into_iter().filter(|h| kept(&h.user)).collect();
    }
    table::sort(&mut rows);
    let mut log = old.map(|r| r.log.clone()).unwrap_or_default();
    log.extend(b.decided.iter().filter_map(|c| table::log_line(&b.spec, c, b.today)));
    let drop = log.len().saturating_sub(LOG_LINES);
    log.drain(..drop);
    let private = old.is_some_and(|o| o.private) || b.spec.confidential;
    let mut out = Record { rows, log, private, ..Record::default() };
    out.hide(hidden);
    out
}

/// Where a dashboard is, for its seal, and how much room its region has.
#[derive(Clone, Copy)]
pub(super) struct At<'a, 'l> {
    pub seal: &'a Seal,
    pub project_id: u64,
    pub iid: u64,
    pub live: Option<&'a Live<'l>>,
    /// Bytes the region may take (see `budget`).
    pub room: usize,
    /// A preview for people to read (see `sections::View::preview`).
    pub preview: bool,
}

impl<'a> At<'a, '_> {
    pub fn new(seal: &'a Seal, project_id: u64, iid: u64) -> Self {
        At { seal, project_id, iid, live: None, room: budget::REGION_BUDGET, preview: false }
    }
}

/// The managed region of a dashboard: the chart, the tables, the commands, the record (sealed at
/// `at`), within its room; and the record as written.
pub(super) fn region(b: &Board, record: &Record, ticked: &BTreeSet<CommandId>, at: At) -> (String, Record) {
    // Boxes ticked and not decided stay ticked under the ids they were ticked with: those of
    // people this run leaves for another, and those ticked after this run read the dashboard
    // (GitLab's note of who ticked them names that id).
    let waiting = b.decided.iter().filter(|c| c.verdict == Verdict::Wait).map(|c| c.id.clone());
    let fresh = ticked.iter().filter(|id| !b.decided.iter().any(|c| &c.id == *id)).cloned();
    let kept: BTreeSet<CommandId> = waiting.chain(fresh).collect();
    let place = Place { project_id: at.project_id, iid: at.iid, key: &b.spec.key };
    let render = |record: &Record| {
        let view = View { spec: &b.spec, record, kept: &kept, preview: at.preview, medians: &b.medians };
        let lines = if b.spec.manager.is_some() { manager_lines(&view) } else { team_lines(&view) };
        let state = BoardState {
            v: 1,
            key: b.spec.key.clone(),
            title: Some(b.spec.title.clone()),
            board: Some(record.clone()),
            ..BoardState::default()
        };
        let block = state.block(at.seal, &place, at.live);
        let body = |out: &mut String| {
            for l in &lines {
                out.push_str(l);
                out.push('\n');
            }
        };
        region::region(&b.spec.key, body, &[], &block)
    };
    let (record, text) = budget::fit(record, at.room, &kept, &render);
    (text, record)
}

/// Whether a dashboard's record in `live` (the description of `o`, key `key`) is one onboarder sealed.
pub fn sealed(live: &Live, o: &Observed, key: &str, seal: &Seal) -> bool {
    BoardState::record(live, &Place { project_id: o.project_id, iid: o.iid, key }, seal).is_some()
}

/// The description a new dashboard gets in the project `project_id` (sealed before GitLab gives
/// it an iid: bound to the project and key).
pub fn initial_description(b: &Board, seal: &Seal, project_id: u64) -> String {
    region(b, &record(b, None), &BTreeSet::new(), At::new(seal, project_id, 0)).0
}

/// A dashboard as a preview shows it: as a run writes it once the issues it plans exist, with
/// their command boxes. It carries no seal: it is for people to read.
pub fn preview(b: &Board) -> String {
    let seal = Seal::unchecked();
    let at = At { preview: true, ..At::new(&seal, 0, 0) };
    region(b, &record(b, None), &BTreeSet::new(), at).0
}

pub(super) fn create(b: Board) -> Planned {
    let mut a = base(&b, Kind::Create);
    a.create = Some(NewIssue {
        title: b.spec.title.clone(),
        labels: b.spec.labels.clone(),
        assignees: b.spec.assignees.clone(),
        due_date: None,
        confidential: b.spec.confidential,
    });
    Planned { action: a, board: Box::new(b) }
}

/// Bring an existing dashboard in line: its region rewritten, people's text around it kept, its
/// labels restored, made confidential once; no write when nothing changed.
pub fn reconcile(b: Board, o: &Observed, seal: &Seal) -> Planned {
    let mut a = base(&b, Kind::Unchanged);
    a.iid = Some(o.iid);
    a.web_url = Some(o.web_url.clone());
    if !o.open {
        a.kind = Kind::Skip;
        a.reason = Some("closed by a person; left closed".into());
        return Planned { action: a, board: Box::new(b) };
    }
    let live = region::parse(&o.description);
    let old = BoardState::record(&live, &Place { project_id: o.project_id, iid: o.iid, key: &b.spec.key }, seal);
    let record = record(&b, old.as_ref());
    // The people's text around the region counts against GitLab's limit too.
    let around = live.before.len() + live.after.len() + 2;
    let room = budget::REGION_BUDGET.min(budget::DESCRIPTION_LIMIT.saturating_sub(around));
    let at = At { live: Some(&live), room, ..At::new(seal, o.project_id, o.iid) };
    let (region, _) = region(&b, &record, &ticked(&o.description), at);
    let new_description = region::compose(live.before, &region, live.after);
    let mut edit = Edit::default();
    if new_description != o.description && region::normal_form(&new_description) != region::normal_form(&o.description)
    {
        edit.description = Some(region::without_quick_actions(&new_description));
    }
    edit.add_labels = b.spec.labels.iter().filter(|l| !o.labels.contains(l)).cloned().collect();
    // Once: a dashboard a person made visible again stays so (its record says it was done).
    if b.spec.confidential && !o.confidential && !old.is_some_and(|r| r.private) {
        edit.confidential = Some(true);
    }
    a.assignees = o.assignees.clone();
    if !edit.is_empty() {
        a.kind = Kind::Update;
        a.edit = Some(edit);
    }
    Planned { action: a, board: Box::new(b) }
}
