//! People missing from the roster: their issues are closed, but never many at once by mistake.
//!
//! A roster that lost many files at once (a bad merge, a wrong path, a half-finished checkout) is
//! far likelier than a wave of departures, and every close notifies people. Above the cap a run
//! closes none of them and says why; `sync --allow-mass-close` lets a real wave through.

use crate::plan::{Action, Kind, NOT_IN_ROSTER};

/// The cap never goes below this many closes, however few issues there are.
pub const MIN_CLOSE_CAP: usize = 3;

/// How many issues of people missing from the roster one run may close.
pub fn close_cap(open_issues: usize, share: f64) -> usize {
    ((open_issues as f64 * share).floor() as usize).max(MIN_CLOSE_CAP)
}

/// Hold back every close of a missing person's issue when there are more than the cap allows.
/// Returns why, when it held any back.
pub fn hold_mass_close(actions: &mut [Action], open_issues: usize, share: f64, allowed: bool) -> Option<String> {
    let closing: Vec<usize> = actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == Kind::Close && a.reason.as_deref() == Some(NOT_IN_ROSTER))
        .map(|(i, _)| i)
        .collect();
    let cap = close_cap(open_issues, share);
    if allowed || closing.len() <= cap {
        return None;
    }
    let why = format!(
        "{} issues of people missing from the roster would be closed, over the limit of {cap} \
         (max_close_share {share} of {open_issues} open issues, at least {MIN_CLOSE_CAP}); none was closed. \
         If the roster is right and they all left, run sync --allow-mass-close",
        closing.len()
    );
    for i in closing {
        let a = &mut actions[i];
        a.kind = Kind::Skip;
        a.edit = None;
        a.note = None;
        a.reason = Some("not closed: too many people missing from the roster at once".into());
    }
    Some(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_a_share_of_open_issues_and_at_least_three() {
        let table = [(0, 0.1, 3), (10, 0.1, 3), (40, 0.1, 4), (1000, 0.1, 100), (1000, 0.0, 3), (50, 1.0, 50)];
        for (open, share, cap) in table {
            assert_eq!(close_cap(open, share), cap, "{open} open, share {share}");
        }
    }

    fn closing(n: usize) -> Vec<Action> {
        (0..n)
            .map(|i| {
                let mut a = crate::plan::unusable(&format!("u{i}"), NOT_IN_ROSTER.into());
                a.kind = Kind::Close;
                a
            })
            .collect()
    }

    #[test]
    fn over_the_cap_nothing_is_closed_unless_allowed() {
        let table = [
            // (closes, open issues, allowed, held back)
            (3, 10, false, false),
            (4, 10, false, true),
            (4, 10, true, false),
            (10, 100, false, false),
            (11, 100, false, true),
        ];
        for (n, open, allowed, held) in table {
            let mut actions = closing(n);
            let why = hold_mass_close(&mut actions, open, 0.1, allowed);
            assert_eq!(why.is_some(), held, "{n} closes of {open}, allowed {allowed}");
            let closes = actions.iter().filter(|a| a.kind == Kind::Close).count();
            assert_eq!(closes, if held { 0 } else { n });
        }
    }

    #[test]
    fn other_closes_do_not_count_and_are_never_held() {
        let mut actions = closing(5);
        for a in &mut actions[..3] {
            a.reason = Some("this person has left the team".into());
        }
        assert_eq!(hold_mass_close(&mut actions, 10, 0.1, false), None);
        assert!(actions.iter().all(|a| a.kind == Kind::Close));
    }
}
