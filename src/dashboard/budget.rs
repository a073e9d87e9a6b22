//! A dashboard never passes GitLab's limit on a description: past a size budget its tables keep
//! the people who most need attention, and the rest are counted (`Record::rest`). Pure: no IO.

use std::collections::BTreeSet;

use super::board::{Hidden, Record};
use super::table;
use crate::progress::overrides::CommandId;

/// GitLab's limit on a description, in bytes (`Issuable::DESCRIPTION_LENGTH_MAX`, 1 MiB; the
/// model validates the byte size: app/models/concerns/issuable.rb).
pub const DESCRIPTION_LIMIT: usize = 1_048_576;

/// What a dashboard's managed region may take: well under the limit, so that the people's own
/// text around it, and their later edits, still fit.
pub const REGION_BUDGET: usize = 600_000;

/// `record` with only its first `n` rows shown (those with a ticked box first, then by
/// attention), the others counted with the people already not shown.
fn shown(record: &Record, n: usize, pinned: &BTreeSet<&str>) -> Record {
    if n >= record.rows.len() {
        return record.clone();
    }
    let (mut first, mut rest): (Vec<_>, Vec<_>) =
        record.rows.iter().cloned().partition(|r| pinned.contains(r.key.as_str()));
    first.append(&mut rest);
    let hidden_rows = first.split_off(n);
    table::sort(&mut first);
    let mut hidden = record.hidden();
    hidden.extend(hidden_rows.iter().map(Hidden::of));
    let mut out = Record { rows: first, ..record.clone() };
    out.hide(hidden);
    out
}

/// The record to write and its region's text, within `room` bytes if showing fewer rows can make
/// it so. `render` writes the region of a record.
pub fn fit(
    record: &Record,
    room: usize,
    kept: &BTreeSet<CommandId>,
    render: &dyn Fn(&Record) -> String,
) -> (Record, String) {
    let whole = render(record);
    let all = record.rows.len();
    if whole.len() <= room || all == 0 {
        return (record.clone(), whole);
    }
    let pinned: BTreeSet<&str> = kept.iter().map(|k| k.issue.as_str()).collect();
    let none = shown(record, 0, &pinned);
    let base = render(&none);
    if base.len() >= room {
        return (none, base);
    }
    // Rows cost about the same: guess how many fit, then take a tenth fewer until they do.
    let per_row = (whole.len() - base.len()).div_ceil(all);
    let mut n = ((room - base.len()) / per_row).min(all - 1);
    loop {
        let r = shown(record, n, &pinned);
        let text = render(&r);
        if text.len() <= room || n == 0 {
            return (r, text);
        }
        n = n * 9 / 10;
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::tests::row;
    use super::*;
    use crate::progress::Pace;

    #[test]
    fn past_the_budget_the_rows_most_in_need_stay_and_the_rest_are_counted() {
        let mut rows: Vec<_> = (0..500)
            .map(|i| {
                let pace = if i % 5 == 0 { Pace::Behind } else { Pace::OnTrack };
                row(&format!("Person {i:03}"), Some(pace), "2026-12-01")
            })
            .collect();
        table::sort(&mut rows);
        let record = Record { rows, ..Record::default() };
        let render = |r: &Record| serde_json::to_string(r).unwrap();
        let (all, text) = fit(&record, usize::MAX, &BTreeSet::new(), &render);
        assert_eq!((all.rows.len(), text.len()), (500, render(&record).len()));
        let (fitted, text) = fit(&record, 40_000, &BTreeSet::new(), &render);
        assert!(text.len() <= 40_000 && fitted.rows.len() > 50, "{} rows in {}", fitted.rows.len(), text.len());
        assert!(fitted.rows.len() < 500);
        assert_eq!(fitted.rows.iter().filter(|r| r.pace == Some(Pace::Behind)).count(), 100, "the behind first");
        assert_eq!(fitted.rows.len() + fitted.hidden().len(), 500, "everyone is shown or counted");
        // A row with a ticked box stays, so the tick is not lost.
        let last = record.rows.last().unwrap().key.clone();
        let kept = BTreeSet::from([CommandId {
            verb: crate::progress::overrides::Verb::Pause,
            issue: last.clone(),
            serial: 0,
            stage: None,
        }]);
        let (fitted, _) = fit(&record, 40_000, &kept, &render);
        assert!(fitted.rows.iter().any(|r| r.key == last));
    }
}

#[cfg(test)]
mod scale {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::NaiveDate;

    use super::super::board::Board;
    use super::super::page::{record, region, At};
    use super::super::spec::Report;
    use super::super::table::tests::{row, spec};
    use super::*;
    use crate::progress::Pace;
    use crate::seal::Seal;

    /// A dashboard of `n` people as a run plans it, each row as full as rows get.
    fn board(n: usize, team: bool) -> Board {
        let mut spec = spec();
        if team {
            spec.manager = None;
        }
        let mut rows = Vec::new();
        for i in 0..n {
            let pace = [Pace::Overdue, Pace::Behind, Pace::OnTrack, Pace::Paused][i % 4];
            let mut r = row(&format!("Person Number {i:05}"), Some(pace), "2026-12-01");
            r.manager = team.then(|| format!("Manager {:04}", i / 10));
            r.holding = vec!["x".repeat(48), "y".repeat(48), "z".repeat(48)];
            (r.open, r.own, r.ticked) = (40, u64::MAX, Some("2026-11-20".into()));
            spec.reports.insert(r.user.clone(), Report { name: r.name.clone(), manager: r.manager.clone() });
            rows.push(r);
        }
        let covered: BTreeSet<String> = spec.reports.keys().cloned().collect();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        Board { spec, rows, covered, decided: Vec::new(), medians: BTreeMap::new(), today }
    }

    // Issue 22: the team dashboard of a large org, or a manager with 2,500 reports, was over
    // GitLab's 1 MB limit, refused on every run. (A 20,000-person run through the binary takes too
    // long for the test suite; tests/it/dashboard_size.rs runs 2,500 reports through it.)
    #[test]
    fn a_20000_person_team_dashboard_and_a_2500_report_one_fit_and_count_everyone() {
        let seal = Seal::unchecked();
        for (n, team) in [(20_000, true), (2_500, false)] {
            let b = board(n, team);
            let full = record(&b, None);
            let (text, written) = region(&b, &full, &BTreeSet::new(), At::new(&seal, 1, 1));
            assert!(text.len() <= REGION_BUDGET, "{n}: {} bytes", text.len());
            assert!(written.rows.len() > 100, "{n}: {} shown", written.rows.len());
            assert_eq!(written.rows.len() + written.hidden().len(), n, "everyone is shown or counted");
            let counted: usize = text
                .lines()
                .filter(|l| l.starts_with("    \"") && l.contains("\" : "))
                .map(|l| l.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
                .sum();
            assert_eq!(counted, n, "the chart counts everyone");
            // The next run reads its own record back and writes the same text.
            let again = record(&b, Some(&written));
            let (text2, _) = region(&b, &again, &BTreeSet::new(), At::new(&seal, 1, 1));
            assert_eq!(text2.len(), text.len());
        }
    }
}
