//! One person's bad roster entry fails that person only: nothing is done for them, their issues
//! are left as they are (never closed), and the failure is reported with its file:line:column.
//! A roster listing that may be missing people fails the run the same way, once, whoever it is for.

use crate::desired::{Desired, Standing};
use crate::plan::{self, Action};
use crate::sync::Outcome;

/// A failed row per selected person whose roster entry has errors, and one per roster listing
/// that may be missing people, for the report and JUnit.
pub fn rows(desired: &Desired, selected: &dyn Fn(&str) -> bool) -> Vec<(Action, Option<Outcome>)> {
    desired
        .failed
        .iter()
        .filter(|(username, _)| selected(username))
        .map(|(username, errors)| {
            let places: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.at, e.message)).collect();
            let action = plan::unusable(
                username,
                "the roster entry has errors; nothing is done for this person until it is fixed".into(),
            );
            (action, Some(Outcome { status: "failed", error: Some(places.join("; ")) }))
        })
        .chain(desired.incomplete.iter().map(|e| {
            let shown = e.at.file.display().to_string();
            let why = "the roster may be missing people; nobody missing from it is closed".into();
            let action = Action { template: "roster listing".into(), ..plan::unusable(&shown, why) };
            (action, Some(Outcome { status: "failed", error: Some(format!("{}: {}", e.at, e.message)) }))
        }))
        .collect()
}

/// The selected people who get no issue and have none in the report, with why: the shadow
/// program ended, or they left. (Veterans, out of scope, are not news.)
pub fn without_issue(
    desired: &Desired,
    selected: &dyn Fn(&str) -> bool,
    rows: &[(Action, Option<Outcome>)],
) -> Vec<String> {
    // Looked up once, not scanned per person: a team of 20,000 has 40,000 rows.
    let in_report: std::collections::BTreeSet<String> = rows.iter().map(|(a, _)| a.username.to_lowercase()).collect();
    desired
        .standing
        .iter()
        .filter(|(username, _)| selected(username) && !in_report.contains(&username.to_lowercase()))
        .filter_map(|(username, standing)| match standing {
            Standing::Closing(why) => Some(format!("{username}: {why}")),
            Standing::Active | Standing::Paused | Standing::OutOfScope => None,
        })
        .collect()
}
