//! Where a person stands on a path: the stage they have reached (from evidence only) and the
//! stage the calendar expects (the pace). Pure: no IO, no clock (today is passed in).
//!
//! Evidence is what the person did (their ticks and skips), the training modules the roster says
//! they completed, and the stage their manager states. The calendar never ticks anything unless
//! the config asks for it; it only says who is on track, behind or overdue.

use chrono::{Days, NaiveDate};
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

/// A period away (leave), both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Away {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Away {
    /// Days of this period that fall in `[start, end)`.
    fn days_within(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        let from = self.from.max(start);
        let until = (self.to + Days::new(1)).min(end);
        (until - from).num_days().max(0)
    }
}

/// The calendar of one person on one path: when the clock started and when it stood still.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Stage weeks count from here (the start date, or when a later path was given).
    pub since: NaiveDate,
    /// Leave periods from the roster.
    pub leave: Vec<Away>,
    /// Days of open-ended pauses that have ended (recorded in the state block).
    pub paused_days: u32,
    /// An open-ended pause under way since this day: the clock stands still from here.
    pub paused_since: Option<NaiveDate>,
    /// Days a manager added to the due date from their dashboard.
    pub extra_days: u32,
}

impl Calendar {
    pub fn new(since: NaiveDate) -> Calendar {
        Calendar { since, leave: Vec::new(), paused_days: 0, paused_since: None, extra_days: 0 }
    }

    /// Days on the path by `today`, not counting leave or pauses; negative before `since`.
    pub fn working_days(&self, today: NaiveDate) -> i64 {
        let end = self.paused_since.map_or(today, |p| p.min(today));
        let elapsed = (end - self.since).num_days();
        if elapsed < 0 {
            return elapsed;
        }
        let away: i64 = self.leave.iter().map(|a| a.days_within(self.since, end)).sum();
        elapsed - away - i64::from(self.paused_days)
    }

    /// Days the due date moves: every leave day from `since` on, and every ended pause.
    pub fn days_away(&self) -> u64 {
        let leave: i64 = self.leave.iter().map(|a| a.days_within(self.since, a.to + Days::new(1))).sum();
        u64::try_from(leave).unwrap_or(0) + u64::from(self.paused_days)
    }

    /// Days the due date moves: every day away, and every extension.
    pub fn due_shift(&self) -> u64 {
        self.days_away() + u64::from(self.extra_days)
    }
}

/// The stage the calendar expects after `working_days` on the path: the last stage whose week has
/// begun (week 1 is days 0 to 6). `None` before the path starts.
pub fn expected_stage(weeks: &[u32], working_days: i64) -> Option<usize> {
    if working_days < 0 {
        return None;
    }
    weeks.iter().rposition(|w| i64::from(w.saturating_sub(1)) * 7 <= working_days)
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

/// A path as progress sees it: its stage weeks, the stage the manager states, its due days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub weeks: Vec<u32>,
    pub stated: Option<usize>,
    pub start: NaiveDate,
    pub due_days: Option<u32>,
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
    let due = path.due_days.and_then(|n| path.start.checked_add_days(Days::new(u64::from(n) + cal.due_shift())));
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
    fn expected_stage_by_weeks() {
        let weeks = [1, 2, 3, 5];
        let table = [(-1, None), (0, Some(0)), (6, Some(0)), (7, Some(1)), (14, Some(2)), (27, Some(2)), (28, Some(3))];
        for (days, want) in table {
            assert_eq!(expected_stage(&weeks, days), want, "day {days}");
        }
    }

    #[test]
    fn leave_and_pauses_stop_the_clock() {
        let mut c = Calendar::new(d("2026-01-05"));
        assert_eq!(c.working_days(d("2026-01-05")), 0);
        assert_eq!(c.working_days(d("2026-01-04")), -1);
        assert_eq!(c.working_days(d("2026-02-02")), 28);
        // Two weeks of leave, one of them still ahead on the day asked.
        c.leave.push(Away { from: d("2026-01-19"), to: d("2026-02-01") });
        assert_eq!(c.working_days(d("2026-01-26")), 14);
        assert_eq!(c.working_days(d("2026-02-02")), 14);
        assert_eq!(c.days_away(), 14);
        // Leave before the path began does not count.
        c.leave.push(Away { from: d("2025-12-01"), to: d("2025-12-31") });
        assert_eq!(c.days_away(), 14);
        // An ended pause of 10 days, and one under way since 2026-02-10.
        c.paused_days = 10;
        c.paused_since = Some(d("2026-02-10"));
        assert_eq!(c.working_days(d("2026-03-30")), 36 - 14 - 10);
        assert_eq!(c.days_away(), 24);
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
