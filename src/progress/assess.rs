//! The stage a person has reached on a path (from evidence only), the stage the calendar
//! expects, and the pace between them. Pure: no IO, no clock (today is passed in).

use chrono::NaiveDate;

use crate::calendar::{due_date, expected_stage, Calendar};
use crate::desired::Path;
use serde::Serialize;

use crate::checklist::Mark;

/// How a person's progress compares with the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pace {
    /// Past the due date and the path is not complete.
    Overdue,
    /// The stage reached is behind the stage the calendar expected a grace period ago.
    Behind,
    OnTrack,
    /// On leave with no end date: the pace clock is stopped.
    Paused,
    /// Every item is ticked or skipped.
    Complete,
}

impl Pace {
    /// The value of the pace label (`<prefix>::<id>`).
    pub fn id(self) -> &'static str {
        match self {
            Pace::Overdue => "overdue",
            Pace::Behind => "behind",
            Pace::OnTrack => "on-track",
            Pace::Paused => "paused",
            Pace::Complete => "complete",
        }
    }
}

/// The stage reached from evidence: the furthest stage all of whose earlier stages are done (every
/// item ticked or skipped), and never before the stage the manager states. `items` are the path's
/// items as (stage index, mark); a path of `stages` stages.
pub fn stage_reached(stages: usize, items: &[(usize, Mark)], stated: Option<usize>) -> usize {
    let last = stages.saturating_sub(1);
    let first_open = items.iter().filter(|(_, m)| *m == Mark::Open).map(|(s, _)| *s).min();
    let by_ticks = first_open.unwrap_or(last).min(last);
    by_ticks.max(stated.unwrap_or(0).min(last))
}

/// Every item ticked or skipped (a path with no items is not complete: there is nothing to review).
pub fn complete(items: &[(usize, Mark)]) -> bool {
    !items.is_empty() && items.iter().all(|(_, m)| *m != Mark::Open)
}

/// What decides the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceInput {
    pub reached: usize,
    pub complete: bool,
    pub paused: bool,
    pub due: Option<NaiveDate>,
    pub today: NaiveDate,
    /// The stage expected `grace` days ago (`None` when that was before the path started).
    pub expected_before_grace: Option<usize>,
}

/// On track, behind, overdue, paused or complete.
pub fn pace(p: PaceInput) -> Pace {
    if p.complete {
        Pace::Complete
    } else if p.paused {
        Pace::Paused
    } else if p.due.is_some_and(|d| d < p.today) {
        Pace::Overdue
    } else if p.expected_before_grace.is_some_and(|e| p.reached < e) {
        Pace::Behind
    } else {
        Pace::OnTrack
    }
}

/// Where a person stands on one path on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub reached: usize,
    pub expected: Option<usize>,
    pub pace: Pace,
    pub due: Option<NaiveDate>,
    pub complete: bool,
}

/// Assess a path from its items' marks, the calendar and the day. `paused`: on open-ended leave.
pub fn assess(
    path: &Path,
    cal: &Calendar,
    items: &[(usize, Mark)],
    paused: bool,
    today: NaiveDate,
    grace: u32,
) -> Assessment {
    let reached = stage_reached(path.weeks.len(), items, path.stated);
    let complete = complete(items);
    let days = cal.working_days(today);
    let expected = expected_stage(&path.weeks, days);
    let due = due_date(path.start, path.due_days, cal);
    let expected_before_grace = expected_stage(&path.weeks, days - i64::from(grace));
    let pace = pace(PaceInput { reached, complete, paused, due, today, expected_before_grace });
    Assessment { reached, expected, pace, due, complete }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Mark::{Done, Open, Skipped};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// (case, items as (stage, mark), the manager's stage, the stage reached)
    type Row<'a> = (&'a str, &'a [(usize, Mark)], Option<usize>, usize);

    #[test]
    fn stage_reached_from_evidence() {
        let table: &[Row] = &[
            ("nothing ticked: the first stage", &[(0, Open), (1, Open), (2, Open)], None, 0),
            ("the first stage done moves to the second", &[(0, Done), (0, Skipped), (1, Open)], None, 1),
            ("a tick ahead does not skip an open item", &[(0, Open), (1, Done), (2, Done)], None, 0),
            ("everything done: the last stage", &[(0, Done), (1, Done), (2, Done)], None, 2),
            ("the manager's word is a floor", &[(0, Open), (1, Open), (2, Open)], Some(2), 2),
            ("ticks beyond the manager's word count", &[(0, Done), (1, Done), (2, Open)], Some(1), 2),
            ("a stage with no items is passed through", &[(0, Done), (2, Open)], None, 2),
            ("a stated stage past the end is the last", &[(0, Open)], Some(9), 2),
        ];
        for (name, items, stated, want) in table {
            assert_eq!(stage_reached(3, items, *stated), *want, "{name}");
        }
    }

    #[test]
    fn pace_table() {
        let base = PaceInput {
            reached: 1,
            complete: false,
            paused: false,
            due: Some(d("2026-04-05")),
            today: d("2026-02-01"),
            expected_before_grace: Some(1),
        };
        let table = [
            ("at the expected stage", base, Pace::OnTrack),
            (
                "behind the stage expected a grace ago",
                PaceInput { expected_before_grace: Some(2), ..base },
                Pace::Behind,
            ),
            ("nothing expected yet", PaceInput { expected_before_grace: None, ..base }, Pace::OnTrack),
            ("past the due date", PaceInput { today: d("2026-04-06"), ..base }, Pace::Overdue),
            ("on the due date", PaceInput { today: d("2026-04-05"), ..base }, Pace::OnTrack),
            (
                "paused wins over behind",
                PaceInput { paused: true, expected_before_grace: Some(5), ..base },
                Pace::Paused,
            ),
            (
                "complete wins over overdue",
                PaceInput { complete: true, today: d("2027-01-01"), ..base },
                Pace::Complete,
            ),
        ];
        for (name, input, want) in table {
            assert_eq!(pace(input), want, "{name}");
        }
    }
}
