//! The team dashboard's numbers: the median days to reach each stage, over everyone whose issue
//! records when they reached it (people who finished included). Pure: no IO.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::spec::is_key;
use crate::issue::Observed;
use crate::plan::{is_ours, Action, IssueState, Settings};

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The median of some whole numbers (the mean of the middle two when there is an even count).
pub fn median(mut values: Vec<u32>) -> Option<u32> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// Days from the start of the path to each stage reached, from one issue's record.
fn days(reached: &BTreeMap<String, String>, since: Option<&str>) -> Vec<(String, u32)> {
    let Some(since) = since.and_then(day) else { return Vec::new() };
    reached
        .iter()
        .filter_map(|(stage, d)| {
            let n = (day(d)? - since).num_days().max(0);
            Some((stage.clone(), u32::try_from(n).ok()?))
        })
        .collect()
}

/// Per path (template key), per stage id: the median days to reach it. This run's plan wins over
/// what the listing showed, so the numbers are the ones the people's issues hold after the run.
pub fn medians(observed: &[Observed], actions: &[Action], s: &Settings) -> BTreeMap<String, BTreeMap<String, u32>> {
    let mut records: BTreeMap<String, (BTreeMap<String, String>, Option<String>)> = BTreeMap::new();
    for o in observed.iter().filter(|o| is_ours(o, s)) {
        let Some(key) = o.key() else { continue };
        let Some(state) = IssueState::proven(o, &key, s.seal) else { continue };
        if !state.reached.is_empty() && !is_key(&state.key) {
            records.insert(state.key.clone(), (state.reached, state.since));
        }
    }
    for a in actions {
        if let Some(f) = a.facts.as_ref().filter(|f| !f.reached.is_empty()) {
            records.insert(a.key.clone(), (f.reached.clone(), f.since.clone()));
        }
    }
    let mut all: BTreeMap<String, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for (key, (reached, since)) in &records {
        let path = key.rsplit_once(':').map_or(key.as_str(), |(t, _)| t);
        for (stage, n) in days(reached, since.as_deref()) {
            all.entry(path.to_string()).or_default().entry(stage).or_default().push(n);
        }
    }
    all.into_iter()
        .map(|(path, stages)| (path, stages.into_iter().filter_map(|(s, v)| Some((s, median(v)?))).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_days() {
        let table: &[(&[u32], Option<u32>)] =
            &[(&[], None), (&[7], Some(7)), (&[9, 1, 5], Some(5)), (&[1, 2, 10, 20], Some(6)), (&[3, 3], Some(3))];
        for (values, want) in table {
            assert_eq!(median(values.to_vec()), *want, "{values:?}");
        }
    }

    #[test]
    fn days_from_the_record_never_negative() {
        let reached: BTreeMap<String, String> =
            [("a", "2026-10-01"), ("b", "2026-10-15"), ("c", "bad")].map(|(k, v)| (k.into(), v.into())).into();
        assert_eq!(days(&reached, Some("2026-10-05")), vec![("a".into(), 0), ("b".into(), 10)]);
        assert!(days(&reached, None).is_empty());
    }
}
