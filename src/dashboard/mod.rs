//! Dashboards: one managed issue per manager showing where each report stands, whose checkboxes
//! are commands, and an opt-in one for the whole team. Pure: no IO.
//!
//! A dashboard is a managed issue like any other: found by its key (`manager-dashboard:<username>`,
//! `team-dashboard`), its region rewritten in place from a desired state, people's text around it
//! kept. Its rows come from the plan's own assessments of each report, so it costs no extra read;
//! the rows of people a run does not cover (`--only`, shards) are kept from its state block.

pub mod command;
mod spec;
mod table;
mod team;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::description::{self, State};
use crate::desired::{Desired, DesiredIssue};
use crate::plan::{Action, Edit, Kind, NewIssue, Observed, Settings};
use crate::progress::Pace;
use crate::template::BodyLine;

pub use command::{commanded, commands, CommandId, Commands, Decided, Overrides, Verdict};
pub use spec::{specs, PathStages, Report, Spec};

const MANAGER_PREFIX: &str = "manager-dashboard:";
const TEAM_KEY: &str = "team-dashboard";
/// The `template` a dashboard's action shows in reports and preview file names.
pub const KIND: &str = "dashboard";
/// Lines of "what the commands did" a dashboard keeps.
const LOG_LINES: usize = 10;

/// Is this the key of a dashboard (not of a person's issue)?
pub fn is_key(key: &str) -> bool {
    key.starts_with(MANAGER_PREFIX) || key == TEAM_KEY
}

/// One row: a report's issue as the plan assessed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The issue's key.
    pub key: String,
    pub user: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace: Option<Pace>,
    pub checked: usize,
    pub total: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// The day the person's own marks last changed, as far as this dashboard saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticked: Option<String>,
    /// A digest of the person's own marks (see `plan::Facts`), to notice the next change.
    #[serde(default)]
    pub own: u64,
    /// Commands carried out on the issue so far: the serial of the next one.
    #[serde(default)]
    pub serial: u32,
    /// Paused from the dashboard (the box offered is "resume").
    #[serde(default)]
    pub paused_here: bool,
}

/// A dashboard's own record, in its state block: its rows and what its commands did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub rows: Vec<Row>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
}

/// A dashboard as this run wants it: the spec, the rows this run decides, and its commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub spec: Spec,
    /// Rows of the reports this run covers; the others' rows are kept from the issue.
    pub rows: Vec<Row>,
    /// Usernames this run covers.
    pub covered: BTreeSet<String>,
    /// The commands seen ticked on this dashboard, with their verdicts.
    pub decided: Vec<Decided>,
    /// The team dashboard's medians: per path, per stage id, days to reach it.
    pub medians: BTreeMap<String, BTreeMap<String, u32>>,
    pub today: NaiveDate,
}

/// The dashboards' actions, from the plan of everyone's issues.
pub fn plan(desired: &Desired, observed: &[Observed], actions: &[Action], s: &Settings) -> Vec<Action> {
    if desired.dashboards.is_empty() {
        return Vec::new();
    }
    let mut found: BTreeMap<String, Vec<&Observed>> = BTreeMap::new();
    for o in observed {
        if let Some(k) = o.key().filter(|k| is_key(k)) {
            found.entry(k).or_default().push(o);
        }
    }
    let by_key: BTreeMap<&str, &DesiredIssue> = desired.issues.iter().map(|d| (d.key.as_str(), d)).collect();
    let medians = if desired.dashboards.iter().any(|b| b.manager.is_none()) {
        team::medians(observed, actions)
    } else {
        BTreeMap::new()
    };
    let mut out = Vec::new();
    for spec in &desired.dashboards {
        let covered: BTreeSet<String> = spec.reports.keys().filter(|u| (s.selected)(u)).cloned().collect();
        if covered.is_empty() {
            continue;
        }
        let rows = actions
            .iter()
            .filter(|a| a.kind != Kind::Conflict && covered.contains(&a.username.to_lowercase()))
            .filter_map(|a| Some(row(a, by_key.get(a.key.as_str())?, &spec.reports[&a.username.to_lowercase()])))
            .collect();
        let decided = s.commands.decided.iter().filter(|c| c.board == spec.key).cloned().collect();
        let board = Board {
            spec: spec.clone(),
            rows,
            covered,
            decided,
            medians: if spec.manager.is_none() { medians.clone() } else { BTreeMap::new() },
            today: s.today,
        };
        let action = match found.get(&spec.key).map(Vec::as_slice) {
            None | Some([]) => create(board),
            Some([o]) => reconcile(board, o),
            Some(many) => {
                let mut a = base(&board, Kind::Conflict);
                a.reason = Some(format!(
                    "issues {} share this key; all left alone",
                    many.iter().map(|o| format!("{}#{}", o.project, o.iid)).collect::<Vec<_>>().join(", ")
                ));
                a
            }
        };
        out.push(action);
    }
    out
}

/// The projects where a dashboard is about to be created.
pub fn missing_projects(desired: &Desired, observed: &[Observed], s: &Settings) -> BTreeSet<String> {
    if desired.dashboards.is_empty() {
        return BTreeSet::new();
    }
    let keys: BTreeSet<String> = observed.iter().filter_map(Observed::key).filter(|k| is_key(k)).collect();
    desired
        .dashboards
        .iter()
        .filter(|b| !keys.contains(&b.key) && b.reports.keys().any(|u| (s.selected)(u)))
        .map(|b| b.project.clone())
        .collect()
}

fn row(a: &Action, d: &DesiredIssue, report: &Report) -> Row {
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

fn base(b: &Board, kind: Kind) -> Action {
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
fn record(b: &Board, old: Option<&Record>) -> Record {
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

/// The managed region of a dashboard: the table, the commands, the record.
fn region(b: &Board, record: &Record, ticked: &BTreeSet<CommandId>) -> String {
    let waiting: BTreeSet<&CommandId> =
        b.decided.iter().filter(|c| c.verdict == Verdict::Wait).map(|c| &c.id).collect();
    let keep_ticked =
        |id: &CommandId| waiting.contains(id) || (ticked.contains(id) && !b.decided.iter().any(|c| &c.id == id));
    let lines = if b.spec.manager.is_some() {
        table::manager_lines(record, &keep_ticked)
    } else {
        table::team_lines(&b.spec, record, &b.medians)
    };
    let body: Vec<BodyLine> = lines.into_iter().map(BodyLine::Text).collect();
    let state = State {
        v: 1,
        key: b.spec.key.clone(),
        title: Some(b.spec.title.clone()),
        board: Some(record.clone()),
        ..State::default()
    };
    description::region(&b.spec.key, &body, &BTreeMap::new(), &[], &state)
}

/// The description a new dashboard gets.
pub fn initial_description(b: &Board) -> String {
    region(b, &record(b, None), &BTreeSet::new())
}

fn create(b: Board) -> Action {
    let mut a = base(&b, Kind::Create);
    a.create = Some(NewIssue {
        title: b.spec.title.clone(),
        labels: b.spec.labels.clone(),
        assignees: b.spec.assignees.clone(),
        due_date: None,
    });
    a.board = Some(Box::new(b));
    a
}

/// Bring an existing dashboard in line: its region rewritten, people's text around it kept, its
/// labels restored; no write when nothing changed.
pub fn reconcile(b: Board, o: &Observed) -> Action {
    let mut a = base(&b, Kind::Unchanged);
    a.iid = Some(o.iid);
    a.web_url = Some(o.web_url.clone());
    if !o.open {
        a.kind = Kind::Skip;
        a.reason = Some("closed by a person; left closed".into());
        return a;
    }
    let live = description::parse(&o.description);
    let old = live.state.as_ref().and_then(|s| s.board.as_ref());
    let record = record(&b, old);
    let region = region(&b, &record, &command::ticked(&o.description));
    let new_description = description::compose(live.before, &region, live.after);
    let mut edit = Edit::default();
    if new_description != o.description
        && description::normal_form(&new_description) != description::normal_form(&o.description)
    {
        edit.description = Some(description::without_quick_actions(&new_description));
    }
    edit.add_labels = b.spec.labels.iter().filter(|l| !o.labels.contains(l)).cloned().collect();
    a.assignees = o.assignees.clone();
    if !edit.is_empty() {
        a.kind = Kind::Update;
        a.edit = Some(edit);
    }
    a.board = Some(Box::new(b));
    a
}

/// After the people's issues are written: a dashboard links the issues created meanwhile, and a
/// command whose person's write failed stays ticked for the next run.
pub fn settle(boards: Vec<Action>, done: &[(Action, Option<crate::report::Outcome>)]) -> Vec<Action> {
    let created: BTreeMap<&str, &str> = done
        .iter()
        .filter(|(a, o)| a.kind == Kind::Create && o.as_ref().is_some_and(|o| o.status == "done"))
        .filter_map(|(a, _)| Some((a.key.as_str(), a.web_url.as_deref()?)))
        .collect();
    let failed: BTreeSet<&str> = done
        .iter()
        .filter(|(_, o)| o.as_ref().is_some_and(|o| o.status == "failed"))
        .map(|(a, _)| a.key.as_str())
        .collect();
    boards
        .into_iter()
        .map(|mut a| {
            if let Some(b) = a.board.as_mut() {
                for r in &mut b.rows {
                    if let Some(url) = created.get(r.key.as_str()) {
                        r.url = Some((*url).to_string());
                    }
                }
                for c in &mut b.decided {
                    if c.verdict == Verdict::Apply && failed.contains(c.id.issue.as_str()) {
                        // Not carried out: the person's rows stay as the dashboard had them, with
                        // the box still ticked, for the next run.
                        c.verdict = Verdict::Wait;
                        let user = crate::desired::key_username(&c.id.issue).to_lowercase();
                        b.rows.retain(|r| r.user.to_lowercase() != user);
                        b.covered.remove(&user);
                    }
                }
            }
            a
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;

    fn spec() -> Spec {
        let report = Report { name: "Priya Raman".into(), manager: Some("Dana".into()) };
        Spec {
            key: "manager-dashboard:dana".into(),
            project: "g/p".into(),
            title: "Onboarding dashboard: Dana".into(),
            labels: vec!["onboarder".into(), "onboarding-dashboard".into()],
            assignees: vec!["dana".into()],
            known_user_ids: BTreeMap::new(),
            manager: Some("dana".into()),
            reports: [("praman".to_string(), report)].into(),
            paths: Vec::new(),
        }
    }

    fn row(serial: u32, url: Option<&str>) -> Row {
        Row {
            key: "path:praman".into(),
            user: "praman".into(),
            name: "Priya Raman".into(),
            manager: None,
            url: url.map(str::to_string),
            path: "path".into(),
            stage: Some("One".into()),
            expected: Some("Two".into()),
            pace: Some(Pace::Behind),
            checked: 1,
            total: 9,
            due: Some("2027-01-03".into()),
            ticked: None,
            own: 0,
            serial,
            paused_here: serial > 0,
        }
    }

    #[test]
    fn settling_links_new_issues_and_keeps_a_failed_command_ticked() {
        let id = CommandId { verb: command::Verb::Pause, issue: "path:praman".into(), serial: 0 };
        let decided =
            vec![Decided { board: spec().key, id: id.clone(), who: "Priya Raman".into(), verdict: Verdict::Apply }];
        let board = Board {
            spec: spec(),
            rows: vec![row(1, None)],
            covered: ["praman".to_string()].into(),
            decided,
            medians: BTreeMap::new(),
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        };
        let mut dashboard = Action::blank(Kind::Update, &board.spec.key, "g/p", "t");
        dashboard.board = Some(Box::new(board));
        let mut created = Action::blank(Kind::Create, "path:praman", "g/p", "t");
        created.web_url = Some("https://gitlab.example/g/p/-/issues/8".into());
        let done = Outcome { status: "done", error: None };
        let linked = settle(vec![dashboard.clone()], &[(created.clone(), Some(done))]);
        let b = linked[0].board.as_deref().unwrap();
        assert_eq!(b.rows[0].url.as_deref(), Some("https://gitlab.example/g/p/-/issues/8"));
        assert_eq!(b.decided[0].verdict, Verdict::Apply);

        // Her write failed: the row stays as the dashboard had it and the box stays ticked.
        let failed = Outcome { status: "failed", error: Some("boom".into()) };
        let settled = settle(vec![dashboard], &[(Action { kind: Kind::Update, ..created }, Some(failed))]);
        let b = settled[0].board.as_deref().unwrap();
        assert_eq!(b.decided[0].verdict, Verdict::Wait);
        let old = Record { rows: vec![row(0, Some("https://gitlab.example/g/p/-/issues/8"))], log: Vec::new() };
        let rec = record(b, Some(&old));
        assert_eq!(rec.rows, old.rows);
        assert!(rec.log.is_empty(), "nothing done, nothing said");
        let text = region(b, &rec, &[id].into());
        assert!(text.contains("- [x] Pause"), "{text}");
    }
}
