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
