//! A dashboard issue's text (the table, the command boxes, its record) and the action that brings
//! the issue in line: created, or its region rewritten with people's text around it kept and no
//! write when nothing changed. Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use super::board::{Board, BoardState, Planned, Record, Row};
use super::command::ticked;
use super::spec::{Report, KIND};
use super::table;
use crate::desired::DesiredIssue;
use crate::issue::{Edit, NewIssue, Observed};
use crate::plan::{Action, Kind};
use crate::progress::overrides::{CommandId, Verb, Verdict};
use crate::region::{self, Live};
use crate::seal::{Place, Seal};

/// Lines of "what the commands did" a dashboard keeps.
const LOG_LINES: usize = 10;

pub(super) fn row(a: &Action, d: &DesiredIssue, report: &Report) -> Row {
    let title = |id: &Option<String>| {
        id.as_ref().and_then(|id| d.stage_ids.iter().position(|x| x == id)).and_then(|i| d.stage_titles.get(i)).cloned()
    };
    let facts = a.facts.clone().unwrap_or_default();
    Row {
        key: a.key.clone(),
        user: d.username.clone(),
        name: report.name.clone(),
        manager: report.manager.clone(),
        url: a.web_url.clone(),
        path: d.template.clone(),
        stage: title(&a.stage),
        expected: title(&a.expected_stage),
        pace: a.pace,
        checked: a.checked,
        total: a.total,
        due: a.due_date.map(|d| d.to_string()),
        ticked: None,
        own: facts.own_marks,
        serial: facts.serial,
        paused_here: facts.paused_here,
    }
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
/// kept; the day of each person's last change carried forward or set to today.
pub(super) fn record(b: &Board, old: Option<&Record>) -> Record {
    let old_rows: BTreeMap<&str, &Row> =
        old.map(|r| r.rows.iter().map(|x| (x.key.as_str(), x)).collect()).unwrap_or_default();
    let mut rows: Vec<Row> = b
        .rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.ticked = match old_rows.get(r.key.as_str()) {
                Some(prev) if prev.own == r.own => prev.ticked.clone(),
                Some(_) => Some(b.today.to_string()),
                None => None,
            };
            r
        })
        .collect();
    if let Some(old) = old {
        rows.extend(
            old.rows
                .iter()
                .filter(|r| {
                    let user = r.user.to_lowercase();
                    !b.covered.contains(&user) && b.spec.reports.contains_key(&user)
                })
                .cloned(),
        );
    }
    table::sort(&mut rows);
    let mut log = old.map(|r| r.log.clone()).unwrap_or_default();
    log.extend(b.decided.iter().filter_map(|c| table::log_line(c, b.today)));
    let drop = log.len().saturating_sub(LOG_LINES);
    log.drain(..drop);
    Record { rows, log }
}

/// Where a dashboard is, for its seal.
#[derive(Clone, Copy)]
pub(super) struct At<'a, 'l> {
    pub seal: &'a Seal,
    pub project_id: u64,
    pub iid: u64,
    pub live: Option<&'a Live<'l>>,
}

/// The managed region of a dashboard: the table, the commands, the record (sealed at `at`).
pub(super) fn region(b: &Board, record: &Record, ticked: &BTreeSet<CommandId>, at: At) -> String {
    let waiting: BTreeSet<&CommandId> =
        b.decided.iter().filter(|c| c.verdict == Verdict::Wait).map(|c| &c.id).collect();
    // A box ticked after this run read the dashboard was not decided: it stays ticked for the next
    // run, under its row's serial now (a command carried out meanwhile moves the serial on).
    let fresh: BTreeSet<(Verb, &str)> = ticked
        .iter()
        .filter(|id| !b.decided.iter().any(|c| &c.id == *id))
        .map(|id| (id.verb, id.issue.as_str()))
        .collect();
    let keep_ticked = |id: &CommandId| waiting.contains(id) || fresh.contains(&(id.verb, id.issue.as_str()));
    let lines = if b.spec.manager.is_some() {
        table::manager_lines(record, &keep_ticked)
    } else {
        table::team_lines(&b.spec, record, &b.medians)
    };
    let state = BoardState {
        v: 1,
        key: b.spec.key.clone(),
        title: Some(b.spec.title.clone()),
        board: Some(record.clone()),
        ..BoardState::default()
    };
    let place = Place { project_id: at.project_id, iid: at.iid, key: &b.spec.key };
    let block = state.block(at.seal, &place, at.live);
    let body = |out: &mut String| {
        for l in &lines {
            out.push_str(l);
            out.push('\n');
        }
    };
    region::region(&b.spec.key, body, &[], &block)
}

/// Whether a dashboard's record in `live` (the description of `o`, key `key`) is one onboarder sealed.
pub fn sealed(live: &Live, o: &Observed, key: &str, seal: &Seal) -> bool {
    BoardState::record(live, &Place { project_id: o.project_id, iid: o.iid, key }, seal).is_some()
}

/// The description a new dashboard gets in the project `project_id` (sealed before GitLab gives
/// it an iid: bound to the project and key).
pub fn initial_description(b: &Board, seal: &Seal, project_id: u64) -> String {
    region(b, &record(b, None), &BTreeSet::new(), At { seal, project_id, iid: 0, live: None })
}

pub(super) fn create(b: Board) -> Planned {
    let mut a = base(&b, Kind::Create);
    a.create = Some(NewIssue {
        title: b.spec.title.clone(),
        labels: b.spec.labels.clone(),
        assignees: b.spec.assignees.clone(),
        due_date: None,
    });
    Planned { action: a, board: Box::new(b) }
}

/// Bring an existing dashboard in line: its region rewritten, people's text around it kept, its
/// labels restored; no write when nothing changed.
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
    let at = At { seal, project_id: o.project_id, iid: o.iid, live: Some(&live) };
    let region = region(&b, &record, &ticked(&o.description), at);
    let new_description = region::compose(live.before, &region, live.after);
    let mut edit = Edit::default();
    if new_description != o.description && region::normal_form(&new_description) != region::normal_form(&o.description)
    {
        edit.description = Some(region::without_quick_actions(&new_description));
    }
    edit.add_labels = b.spec.labels.iter().filter(|l| !o.labels.contains(l)).cloned().collect();
    a.assignees = o.assignees.clone();
    if !edit.is_empty() {
        a.kind = Kind::Update;
        a.edit = Some(edit);
    }
    Planned { action: a, board: Box::new(b) }
}
