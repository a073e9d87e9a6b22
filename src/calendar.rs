//! Days on a path: when its clock started, the leave and pauses that stop it, the extensions
//! that move its due date, and the stage its weeks expect. Pure date arithmetic: no IO, no clock.

use chrono::{Days, NaiveDate};

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

/// The due date of a path of `due_days` days begun on `start`, moved by every day away and every
/// extension.
pub fn due_date(start: NaiveDate, due_days: Option<u32>, cal: &Calendar) -> Option<NaiveDate> {
    due_days.and_then(|n| start.checked_add_days(Days::new(u64::from(n) + cal.due_shift())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
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
}
