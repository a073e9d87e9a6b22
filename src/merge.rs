//! The three-way checkbox merge: what the template wants, what onboarder last asserted, what the
//! issue holds now. Pure: no IO. A person's change always wins.
//!
//! `asserted` is, per item, the mark onboarder last decided on its own. An item whose current
//! mark differs from it was changed by a person, and stays as the person left it, on this run
//! and every later one (the assertion is not moved to the person's mark, or the next run would
//! take the person's mark for onboarder's and undo it when the roster moves).

use std::collections::BTreeMap;

use crate::checklist::Mark;

/// The result of merging one issue's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Merged {
    /// The mark to write for each item the template has now.
    pub marks: BTreeMap<String, Mark>,
    /// Items the template no longer has (or a person added) that must stay, in their current order.
    pub kept: Vec<(String, Mark)>,
    /// What to record as onboarder's own decision, for the next merge.
    pub asserted: BTreeMap<String, Mark>,
}

/// Merge checkbox state.
/// - `desired`: every item the template renders now, with the mark the roster implies;
/// - `asserted`: the state block's record, `None` when the block is missing or unreadable;
/// - `current`: the items in the issue now, in order.
pub fn merge(
    desired: &BTreeMap<String, Mark>,
    asserted: Option<&BTreeMap<String, Mark>>,
    current: &[(String, Mark)],
) -> Merged {
    let now: BTreeMap<&str, Mark> = current.iter().map(|(id, m)| (id.as_str(), *m)).collect();
    let mut out = Merged::default();
    for (id, &want) in desired {
        let before = asserted.and_then(|a| a.get(id)).copied();
        let mark = match (now.get(id.as_str()).copied(), before) {
            // Nobody touched it since onboarder set it: follow the roster.
            (Some(cur), Some(prev)) if cur == prev => want,
            // A person ticked, unticked or skipped it: theirs.
            (Some(cur), Some(_)) => {
                out.asserted.insert(id.clone(), before.unwrap_or(want));
                out.marks.insert(id.clone(), cur);
                continue;
            }
            // No record of what onboarder set: keep any mark a person made, else the roster's.
            (Some(cur), None) if cur != Mark::Open => cur,
            (Some(_), None) | (None, _) => want,
        };
        out.marks.insert(id.clone(), mark);
        out.asserted.insert(id.clone(), want);
    }
    for (id, cur) in current {
        if desired.contains_key(id) || out.kept.iter().any(|(k, _)| k == id) {
            continue;
        }
        let keep = match asserted {
            // Onboarder wrote this item; keep it only if a person marked it since.
            Some(a) => match a.get(id) {
                Some(prev) => cur != prev && *cur != Mark::Open,
                // Not onboarder's: a person added it.
                None => true,
            },
            // Unknown history: keep what a person may have marked.
            None => *cur != Mark::Open,
        };
        if keep {
            out.kept.push((id.clone(), *cur));
            if let Some(prev) = asserted.and_then(|a| a.get(id)) {
                out.asserted.insert(id.clone(), *prev);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Mark::{Done, Open, Skipped};

    fn map(items: &[(&str, Mark)]) -> BTreeMap<String, Mark> {
        items.iter().map(|(k, m)| (k.to_string(), *m)).collect()
    }
    fn list(items: &[(&str, Mark)]) -> Vec<(String, Mark)> {
        items.iter().map(|(k, m)| (k.to_string(), *m)).collect()
    }

    struct Case {
        name: &'static str,
        desired: &'static [(&'static str, Mark)],
        asserted: Option<&'static [(&'static str, Mark)]>,
        current: &'static [(&'static str, Mark)],
        marks: &'static [(&'static str, Mark)],
        kept: &'static [(&'static str, Mark)],
    }

    const CASES: &[Case] = &[
        Case {
            name: "untouched item follows the roster forward",
            desired: &[("a", Done)],
            asserted: Some(&[("a", Open)]),
            current: &[("a", Open)],
            marks: &[("a", Done)],
            kept: &[],
        },
        Case {
            name: "untouched item follows the roster back",
            desired: &[("a", Open)],
            asserted: Some(&[("a", Done)]),
            current: &[("a", Done)],
            marks: &[("a", Open)],
            kept: &[],
        },
        Case {
            name: "a person's tick stays when the roster says open",
            desired: &[("a", Open)],
            asserted: Some(&[("a", Open)]),
            current: &[("a", Done)],
            marks: &[("a", Done)],
            kept: &[],
        },
        Case {
            name: "a person's untick stays when the roster says done",
            desired: &[("a", Done)],
            asserted: Some(&[("a", Done)]),
            current: &[("a", Open)],
            marks: &[("a", Open)],
            kept: &[],
        },
        Case {
            name: "a person's skip [~] stays",
            desired: &[("a", Done)],
            asserted: Some(&[("a", Open)]),
            current: &[("a", Skipped)],
            marks: &[("a", Skipped)],
            kept: &[],
        },
        Case {
            name: "a new template item appears with the roster's mark",
            desired: &[("a", Open), ("b", Done)],
            asserted: Some(&[("a", Open)]),
            current: &[("a", Open)],
            marks: &[("a", Open), ("b", Done)],
            kept: &[],
        },
        Case {
            name: "a removed item nobody ticked disappears",
            desired: &[("a", Open)],
            asserted: Some(&[("a", Open), ("old", Open)]),
            current: &[("a", Open), ("old", Open)],
            marks: &[("a", Open)],
            kept: &[],
        },
        Case {
            name: "a removed item onboarder ticked disappears",
            desired: &[("a", Open)],
            asserted: Some(&[("a", Open), ("old", Done)]),
            current: &[("a", Open), ("old", Done)],
            marks: &[("a", Open)],
            kept: &[],
        },
        Case {
            name: "a removed item a person ticked stays",
            desired: &[("a", Open)],
            asserted: Some(&[("a", Open), ("old", Open)]),
            current: &[("a", Open), ("old", Done)],
            marks: &[("a", Open)],
            kept: &[("old", Done)],
        },
        Case {
            name: "an item a person added stays, ticked or not",
            desired: &[("a", Open)],
            asserted: Some(&[("a", Open)]),
            current: &[("mine", Open), ("a", Open)],
            marks: &[("a", Open)],
            kept: &[("mine", Open)],
        },
        Case {
            name: "lost state block: ticks are kept",
            desired: &[("a", Open), ("b", Done)],
            asserted: None,
            current: &[("a", Done), ("b", Open)],
            marks: &[("a", Done), ("b", Done)],
            kept: &[],
        },
        Case {
            name: "lost state block: a ticked unknown item is kept, an open one dropped",
            desired: &[("a", Open)],
            asserted: None,
            current: &[("x", Done), ("y", Open), ("a", Open)],
            marks: &[("a", Open)],
            kept: &[("x", Done)],
        },
        Case {
            name: "item missing from the issue comes back",
            desired: &[("a", Done)],
            asserted: Some(&[("a", Done)]),
            current: &[],
            marks: &[("a", Done)],
            kept: &[],
        },
        Case {
            name: "an item the record does not know follows the roster",
            desired: &[("a", Done)],
            asserted: Some(&[]),
            current: &[("a", Open)],
            marks: &[("a", Done)],
            kept: &[],
        },
    ];

    #[test]
    fn merge_table() {
        for c in CASES {
            let asserted = c.asserted.map(map);
            let got = merge(&map(c.desired), asserted.as_ref(), &list(c.current));
            assert_eq!(got.marks, map(c.marks), "{}", c.name);
            assert_eq!(got.kept, list(c.kept), "{}", c.name);
        }
    }

    #[test]
    fn merging_the_result_again_changes_nothing() {
        for c in CASES {
            let asserted = c.asserted.map(map);
            let first = merge(&map(c.desired), asserted.as_ref(), &list(c.current));
            let written: Vec<(String, Mark)> =
                first.marks.iter().map(|(k, m)| (k.clone(), *m)).chain(first.kept.iter().cloned()).collect();
            let second = merge(&map(c.desired), Some(&first.asserted), &written);
            assert_eq!(second.marks, first.marks, "{}", c.name);
            assert_eq!(second.kept, first.kept, "{}", c.name);
            assert_eq!(second.asserted, first.asserted, "{}", c.name);
        }
    }

    #[test]
    fn a_persons_tick_survives_the_roster_moving_back_and_forth() {
        // Regression guard: recording the person's mark as onboarder's would undo it next time.
        let a = |m| map(&[("a", m)]);
        let first = merge(&a(Open), Some(&a(Open)), &list(&[("a", Done)]));
        assert_eq!(first.marks, a(Done));
        let second = merge(&a(Done), Some(&first.asserted), &list(&[("a", Done)]));
        let third = merge(&a(Open), Some(&second.asserted), &list(&[("a", Done)]));
        assert_eq!(third.marks, a(Done), "the person's tick was undone");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn mark() -> impl Strategy<Value = Mark> {
        prop_oneof![Just(Mark::Open), Just(Mark::Done), Just(Mark::Skipped)]
    }

    fn marks() -> impl Strategy<Value = BTreeMap<String, Mark>> {
        proptest::collection::btree_map("[a-f]", mark(), 0..6)
    }

    proptest! {
        #[test]
        fn a_persons_change_always_wins(desired in marks(), asserted in marks(), current in marks()) {
            let list: Vec<(String, Mark)> = current.iter().map(|(k, m)| (k.clone(), *m)).collect();
            let got = merge(&desired, Some(&asserted), &list);
            for (id, cur) in &current {
                let touched = asserted.get(id).is_some_and(|a| a != cur);
                if touched && desired.contains_key(id) {
                    // A person checked it: never unchecked. A person unchecked it: never checked.
                    prop_assert_eq!(got.marks.get(id), Some(cur), "item {}", id);
                }
                if touched && *cur != Mark::Open && !desired.contains_key(id) {
                    prop_assert!(got.kept.iter().any(|(k, m)| k == id && m == cur), "ticked item {} dropped", id);
                }
            }
        }

        #[test]
        fn merging_twice_changes_nothing(desired in marks(), asserted in proptest::option::of(marks()), current in marks()) {
            let list: Vec<(String, Mark)> = current.iter().map(|(k, m)| (k.clone(), *m)).collect();
            let first = merge(&desired, asserted.as_ref(), &list);
            let written: Vec<(String, Mark)> =
                first.marks.iter().map(|(k, m)| (k.clone(), *m)).chain(first.kept.iter().cloned()).collect();
            let second = merge(&desired, Some(&first.asserted), &written);
            prop_assert_eq!(&second.marks, &first.marks);
            prop_assert_eq!(&second.kept, &first.kept);
            prop_assert_eq!(&second.asserted, &first.asserted);
        }
    }
}
