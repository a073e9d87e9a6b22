//! Dashboards: one managed issue per manager showing where each report stands, whose checkboxes
//! are commands, and an opt-in one for the whole team. Pure: no IO.
//!
//! Dashboards are planned after the people's issues, from that plan's actions, and never inside
//! it: a manager's commands are read from the dashboards first (`command`) and handed to the plan
//! as progress's commands. A dashboard is a managed issue like any other: found by its key
//! (`manager-dashboard:<username>`, `team-dashboard`), its region rewritten in place from a
//! desired state, people's text around it kept. Its rows come from the plan's own assessments of
//! each report, so it costs no extra read; the rows of people a run does not cover (`--only`,
//! shards) are kept from its state block.
//!
//! `spec` says who gets one, `board` is what one holds, `page` writes its text and action,
//! `sections` its parts, `table` the rows, `chart` its picture, `budget` keeps it within GitLab's
//! limit, `command` reads the boxes back, asks who ticked them and decides, `team` the medians.

mod board;
mod budget;
mod chart;
pub mod command;
mod page;
mod sections;
mod spec;
mod table;
mod team;

use std::collections::{BTreeMap, BTreeSet};

pub use board::{Board, Planned};
pub use command::{awaiting, commanded, commands, orders, tickers, Decided, Ticker, Tickers};
pub use page::{initial_description, preview, reconcile, sealed};
pub use spec::{is_key, specs, Spec, KIND};

use crate::desired::{key_username, Desired, DesiredIssue};
use crate::issue::Observed;
use crate::plan::{is_ours, Action, Kind, Settings};
use crate::progress::overrides::Verdict;

/// The dashboards' actions, from the plan of everyone's issues (`actions`) and the commands
/// seen ticked on them (`decided`).
pub fn plan(
    specs: &[Spec],
    desired: &Desired,
    observed: &[Observed],
    actions: &[Action],
    decided: &[Decided],
    s: &Settings,
) -> Vec<Planned> {
    if specs.is_empty() {
        return Vec::new();
    }
    let mut found: BTreeMap<String, Vec<&Observed>> = BTreeMap::new();
    // Only onboarder's own dashboards: one someone else opened with a dashboard's key is left alone.
    for o in observed.iter().filter(|o| is_ours(o, s)) {
        if let Some(k) = o.key().filter(|k| is_key(k)) {
            found.entry(k).or_default().push(o);
        }
    }
    let by_key: BTreeMap<&str, &DesiredIssue> = desired.issues.iter().map(|d| (d.key.as_str(), d)).collect();
    // The plan indexed once, by person: each dashboard reads its reports' actions only.
    let mut by_user: BTreeMap<String, Vec<&Action>> = BTreeMap::new();
    for a in actions.iter().filter(|a| a.kind != Kind::Conflict) {
        by_user.entry(a.username.to_lowercase()).or_default().push(a);
    }
    let mut decided_on: BTreeMap<&str, Vec<Decided>> = BTreeMap::new();
    for c in decided {
        decided_on.entry(c.board.as_str()).or_default().push(c.clone());
    }
    let medians =
        if specs.iter().any(|b| b.manager.is_none()) { team::medians(observed, actions, s) } else { BTreeMap::new() };
    let mut out = Vec::new();
    for spec in specs {
        let covered: BTreeSet<String> = spec.reports.keys().filter(|u| (s.selected)(u)).cloned().collect();
        if covered.is_empty() {
            continue;
        }
        let rows = covered
            .iter()
            .flat_map(|u| by_user.get(u).into_iter().flatten().map(move |a| (u, a)))
            .filter_map(|(u, a)| Some(page::row(a, by_key.get(a.key.as_str())?, &spec.reports[u], spec, s.today)))
            .collect();
        let decided = decided_on.remove(spec.key.as_str()).unwrap_or_default();
        let board = Board {
            spec: spec.clone(),
            rows,
            covered,
            decided,
            medians: if spec.manager.is_none() { medians.clone() } else { BTreeMap::new() },
            today: s.today,
        };
        let planned = match found.get(&spec.key).map(Vec::as_slice) {
            None | Some([]) => page::create(board),
            Some([o]) => page::reconcile(board, o, s.seal),
            Some(many) => {
                let mut a = page::base(&board, Kind::Conflict);
                a.reason = Some(format!(
                    "issues {} share this key; all left alone",
                    many.iter().map(|o| format!("{}#{}", o.project, o.iid)).collect::<Vec<_>>().join(", ")
                ));
                Planned { action: a, board: Box::new(board) }
            }
        };
        out.push(planned);
    }
    out
}

/// The projects where a dashboard is about to be created.
pub fn missing_projects(specs: &[Spec], observed: &[Observed], s: &Settings) -> BTreeSet<String> {
    if specs.is_empty() {
        return BTreeSet::new();
    }
    let keys: BTreeSet<String> =
        observed.iter().filter(|o| is_ours(o, s)).filter_map(Observed::key).filter(|k| is_key(k)).collect();
    specs
        .iter()
        .filter(|b| !keys.contains(&b.key) && b.reports.keys().any(|u| (s.selected)(u)))
        .map(|b| b.project.clone())
        .collect()
}

/// After the people's issues are written: a dashboard links the issues `created` meanwhile (key
/// to web address), and a command whose person's write `failed` (by key) stays ticked for the
/// next run.
pub fn settle(boards: Vec<Planned>, created: &BTreeMap<&str, &str>, failed: &BTreeSet<&str>) -> Vec<Planned> {
    boards
        .into_iter()
        .map(|mut p| {
            {
                let b = &mut p.board;
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
                        let user = key_username(&c.id.issue).to_lowercase();
                        b.rows.retain(|r| r.user.to_lowercase() != user);
                        b.covered.remove(&user);
                    }
                }
            }
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::board::Record;
    use super::spec::Report;
    use super::table::tests::{row, spec};
    use super::*;
    use crate::progress::overrides::{CommandId, Verb};
    use crate::progress::Pace;

    #[test]
    fn settling_links_new_issues_and_keeps_a_failed_command_ticked() {
        let mut spec = spec();
        spec.reports = [("priya".to_string(), Report { name: "Priya".into(), manager: Some("Dana".into()) })].into();
        let id = CommandId { verb: Verb::Pause, issue: "p:priya".into(), serial: 0, stage: None };
        let decided =
            vec![Decided { board: spec.key.clone(), id: id.clone(), who: "Priya".into(), verdict: Verdict::Apply }];
        let mut new_row = row("Priya", Some(Pace::Behind), "2027-01-03");
        (new_row.url, new_row.serial, new_row.paused_here) = (None, 1, true);
        let board = Board {
            spec,
            rows: vec![new_row],
            covered: ["priya".to_string()].into(),
            decided,
            medians: BTreeMap::new(),
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        };
        let dashboard =
            Planned { action: Action::blank(Kind::Update, &board.spec.key, "g/p", "t"), board: Box::new(board) };
        let url = "https://gitlab.example/g/p/-/issues/8";
        let linked = settle(vec![dashboard.clone()], &[("p:priya", url)].into(), &BTreeSet::new());
        let b = &linked[0].board;
        assert_eq!(b.rows[0].url.as_deref(), Some(url));
        assert_eq!(b.decided[0].verdict, Verdict::Apply);

        // Her write failed: the row stays as the dashboard had it and the box stays ticked.
        let settled = settle(vec![dashboard], &BTreeMap::new(), &["p:priya"].into());
        let b = &settled[0].board;
        assert_eq!(b.decided[0].verdict, Verdict::Wait);
        let old = Record { rows: vec![row("Priya", Some(Pace::Behind), "2027-01-03")], ..Record::default() };
        let rec = page::record(b, Some(&old));
        assert_eq!(rec.rows, old.rows);
        assert!(rec.log.is_empty(), "nothing done, nothing said");
        let seal = crate::seal::Seal::unchecked();
        let (text, _) = page::region(b, &rec, &[id].into(), page::At::new(&seal, 1, 8));
        assert!(text.contains("- [x] Pause"), "{text}");
    }
}
