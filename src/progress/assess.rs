//! The stage a person has reached on a path (from evidence only), the stage the calendar
//! expects, and the pace between them. Pure: no IO, no clock (today is passed in).
//!
//! Progress is the share of the work done, not the first open box: the handbook calls its
//! checkpoints "a guide only, progress is not linear". A stage is reached once the required items
//! of the stages before it are mostly done (`Rules::share`, 80% by default; ticked or `[~]`); an
//! optional item never holds anything back. The pace compares all the required work done, in any
//! stage, with the work of the stages the calendar expected a grace period ago.

use chrono::NaiveDate;

use crate::calendar::{due_date, expected_stage, Calendar};
use crate::checklist::{Mark, StagedItem};
use crate::desired::Path;
use serde::Serialize;

/// How progress is judged: the config's `progress.stage_share` and `progress.grace_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Percent of the required items before a stage that counts as the stage reached.
    pub share: u32,
    /// Days the calendar's expectation lags before a person counts as behind.
    pub grace_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { share: 80, grace_days: 14 }
    }
}

/// How a person's progress compares with the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pace {
    /// Past the due date and the work is not mostly done.
    Overdue,
    /// Less of the work is done than the calendar expected a grace period ago.
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

/// The required items of each stage, and how many of them are done (ticked or skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Work {
    required: Vec<usize>,
    done: Vec<usize>,
}

impl Work {
    fn of(stages: usize, items: &[StagedItem]) -> Work {
        let last = stages.saturating_sub(1);
        let mut w = Work { required: vec![0; stages.max(1)], done: vec![0; stages.max(1)] };
        for i in items.iter().filter(|i| !i.optional) {
            let s = i.stage.min(last);
            w.required[s] += 1;
            if i.mark != Mark::Open {
                w.done[s] += 1;
            }
        }
        w
    }

    /// Required items of the stages before `stage`.
    fn required_before(&self, stage: usize) -> usize {
        self.required.iter().take(stage).sum()
    }

    fn done_before(&self, stage: usize) -> usize {
        self.done.iter().take(stage).sum()
    }

    fn done_in_all(&self) -> usize {
        self.done.iter().sum()
    }
}

/// Is `done` of `required` at least `share` percent? Nothing required is always enough.
fn enough(done: usize, required: usize, share: u32) -> bool {
    done * 100 >= required * share as usize
}

/// The stage reached from evidence: the furthest stage whose earlier stages' required items are
/// at least `share` percent done, and never before the stage the manager states.
pub fn stage_reached(stages: usize, items: &[StagedItem], stated: Option<usize>, share: u32) -> usize {
    let last = stages.saturating_sub(1);
    let work = Work::of(stages, items);
    let by_work = (1..=last).rev().find(|&s| enough(work.done_before(s), work.required_before(s), share)).unwrap_or(0);
    by_work.max(stated.unwrap_or(0).min(last))
}

/// Every item ticked or skipped (a path with no items is not complete: there is nothing to review).
pub fn complete(items: &[StagedItem]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.mark != Mark::Open)
}

/// What decides the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceInput {
    pub complete: bool,
    /// The required work, in any stage, is at least the rules' share done.
    pub mostly_done: bool,
    /// The required work done is at least the share of what the calendar expected a grace ago.
    pub at_pace: bool,
    pub paused: bool,
    /// The path has a timeline (`pace: false` in its template says it has none).
    pub paced: bool,
    pub due: Option<NaiveDate>,
    pub today: NaiveDate,
}

/// On track, behind, overdue, paused or complete.
pub fn pace(p: PaceInput) -> Pace {
    if p.complete {
        Pace::Complete
    } else if p.paused {
        Pace::Paused
    } else if !p.paced {
        Pace::OnTrack
    } else if p.due.is_some_and(|d| d < p.today) && !p.mostly_done {
        Pace::Overdue
    } else if !p.at_pace {
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
    /// The stage the calendar expected a grace period ago: its earlier stages' work is what
    /// the pace is judged on, and what a nudge names.
    pub expected_by_grace: Option<usize>,
    pub pace: Pace,
    pub due: Option<NaiveDate>,
    pub complete: bool,
}

/// Assess a path from its items' marks, the calendar and the day. `paused`: on open-ended leave.
pub fn assess(
    path: &Path,
    cal: &Calendar,
    items: &[StagedItem],
    paused: bool,
    today: NaiveDate,
    rules: Rules,
) -> Assessment {
    let stages = path.weeks.len();
    let reached = stage_reached(stages, items, path.stated, rules.share);
    let complete = complete(items);
    let days = cal.working_days(today);
    let expected = expected_stage(&path.weeks, days);
    let due = due_date(path.start, path.due_days, cal);
    let expected_by_grace = expected_stage(&path.weeks, days - i64::from(rules.grace_days));
    let work = Work::of(stages, items);
    let done = work.done_in_all();
    let mostly_done = enough(done, work.required_before(stages), rules.share);
    // The manager's stated stage vouches for the work before it.
    let at_pace = match expected_by_grace {
        None => true,
        Some(e) => reached >= e || enough(done, work.required_before(e), rules.share),
    };
    let pace = pace(PaceInput { complete, mostly_done, at_pace, paused, paced: path.paced, due, today });
    Assessment { reached, expected, expected_by_grace, pace, due, complete }
}

/// The open required items that hold a person back (those of the stages the calendar expected
/// a grace ago), as indexes into `items`, in order, at most `max`.
pub fn holding_back(items: &[StagedItem], a: &Assessment, max: usize) -> Vec<usize> {
    let Some(e) = a.expected_by_grace else { return Vec::new() };
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.optional && i.mark == Mark::Open && i.stage < e)
        .map(|(n, _)| n)
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Mark::{Done, Open, Skipped};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn req(stage: usize, mark: Mark) -> StagedItem {
        StagedItem::required(stage, mark)
    }

    fn opt(stage: usize, mark: Mark) -> StagedItem {
        StagedItem { stage, mark, optional: true }
    }

    /// Ten required items in `stage`, `done` of them ticked.
    fn ten(stage: usize, done: usize) -> Vec<StagedItem> {
        (0..10).map(|n| req(stage, if n < done { Done } else { Open })).collect()
    }

    #[test]
    fn stage_reached_from_the_share_of_the_work() {
        let cat = |parts: &[Vec<StagedItem>]| parts.concat();
        let table: &[(&str, Vec<StagedItem>, Option<usize>, usize)] = &[
            ("nothing ticked: the first stage", cat(&[ten(0, 0), ten(1, 0), ten(2, 0)]), None, 0),
            ("one open box of ten does not hold the stage back", cat(&[ten(0, 9), ten(1, 0), ten(2, 0)]), None, 1),
            ("eight of ten is the default share", cat(&[ten(0, 8), ten(1, 0), ten(2, 0)]), None, 1),
            ("seven of ten is not", cat(&[ten(0, 7), ten(1, 0), ten(2, 0)]), None, 0),
            ("the share counts every stage before", cat(&[ten(0, 10), ten(1, 6), ten(2, 0)]), None, 2),
            ("ticks ahead count as work done", cat(&[ten(0, 6), ten(1, 10), ten(2, 0)]), None, 2),
            ("everything done: the last stage", cat(&[ten(0, 10), ten(1, 10), ten(2, 10)]), None, 2),
            ("skipped counts as done", vec![req(0, Skipped), req(0, Done), req(1, Open)], None, 1),
            (
                "optional items never hold a stage back",
                vec![req(0, Done), opt(0, Open), opt(0, Open), opt(0, Open), req(1, Open)],
                None,
                1,
            ),
            ("the manager's word is a floor", cat(&[ten(0, 0), ten(1, 0), ten(2, 0)]), Some(2), 2),
            ("a stage with no items is passed through", cat(&[ten(0, 10), ten(2, 0)]), None, 2),
            ("a stated stage past the end is the last", ten(0, 0), Some(9), 2),
        ];
        for (name, items, stated, want) in table {
            assert_eq!(stage_reached(3, items, *stated, 80), *want, "{name}");
        }
        assert_eq!(stage_reached(3, &cat(&[ten(0, 9), ten(1, 0)]), None, 100), 0, "a share of 100% wants every item");
    }

    #[test]
    fn pace_table() {
        let base = PaceInput {
            complete: false,
            mostly_done: false,
            at_pace: true,
            paused: false,
            paced: true,
            due: Some(d("2026-04-05")),
            today: d("2026-02-01"),
        };
        let table = [
            ("at pace", base, Pace::OnTrack),
            ("less done than expected a grace ago", PaceInput { at_pace: false, ..base }, Pace::Behind),
            ("past the due date", PaceInput { today: d("2026-04-06"), ..base }, Pace::Overdue),
            (
                "past the due date, mostly done",
                PaceInput { today: d("2026-04-06"), mostly_done: true, ..base },
                Pace::OnTrack,
            ),
            ("on the due date", PaceInput { today: d("2026-04-05"), ..base }, Pace::OnTrack),
            ("paused wins over behind", PaceInput { paused: true, at_pace: false, ..base }, Pace::Paused),
            (
                "complete wins over overdue",
                PaceInput { complete: true, today: d("2027-01-01"), ..base },
                Pace::Complete,
            ),
            (
                "a path with no timeline is never behind or overdue",
                PaceInput { paced: false, at_pace: false, today: d("2027-01-01"), ..base },
                Pace::OnTrack,
            ),
        ];
        for (name, input, want) in table {
            assert_eq!(pace(input), want, "{name}");
        }
    }

    /// Weeks 1, 2, 3, 5 for four stages of ten required items each, a 14-day grace.
    fn path() -> (Path, Calendar) {
        let start = d("2026-01-05");
        let path = Path { weeks: vec![1, 2, 3, 5], stated: None, start, due_days: Some(60), paced: true };
        (path, Calendar::new(start))
    }

    #[test]
    fn a_diligent_person_is_on_track_and_one_who_stalls_is_behind_after_the_grace() {
        let (path, cal) = path();
        let rules = Rules::default();
        let on = |days: u64, items: &[StagedItem]| {
            assess(&path, &cal, items, false, path.start + chrono::Days::new(days), rules).pace
        };
        // Nine of ten of each stage by that stage's week.
        let diligent = |weeks_done: usize| -> Vec<StagedItem> {
            (0..4).flat_map(|s| ten(s, if s < weeks_done { 9 } else { 0 })).collect()
        };
        assert_eq!(on(6, &diligent(1)), Pace::OnTrack);
        assert_eq!(on(20, &diligent(3)), Pace::OnTrack);
        assert_eq!(on(34, &diligent(4)), Pace::OnTrack);
        assert_eq!(on(61, &diligent(4)), Pace::OnTrack, "past the due date with 90% done is not overdue");
        // Nine of the first stage, then nothing.
        let stalled = diligent(1);
        assert_eq!(on(20, &stalled), Pace::OnTrack, "within the grace");
        assert_eq!(on(28, &stalled), Pace::Behind);
        assert_eq!(on(61, &stalled), Pace::Overdue);
    }

    #[test]
    fn holding_back_names_open_required_items_of_the_expected_stages() {
        let (path, cal) = path();
        let mut items = ten(0, 9);
        items.push(opt(0, Open));
        items.extend(ten(1, 2));
        items.extend(ten(2, 0));
        let a = assess(&path, &cal, &items, false, path.start + chrono::Days::new(28), Rules::default());
        assert_eq!(a.pace, Pace::Behind);
        let held = holding_back(&items, &a, 5);
        assert_eq!(held, [9, 13, 14, 15, 16], "the first stage's open item, then the second's; never the optional one");
    }
}
