//! The warning before the GitLab token expires, so a schedule does not turn red one morning.

use chrono::NaiveDate;

/// Warn from this many days before the token's expiry date.
pub const WARN_DAYS: i64 = 14;

/// What to say when a token expiring on `expires` is used on `today`, if anything. GitLab
/// accepts a token through its expiry date and refuses it from the day after.
pub fn warning(expires: NaiveDate, today: NaiveDate) -> Option<String> {
    let days = (expires - today).num_days();
    let when = match days {
        d if !(0..=WARN_DAYS).contains(&d) => return None,
        0 => "today (it stops working tomorrow)".to_string(),
        1 => "in 1 day".to_string(),
        d => format!("in {d} days"),
    };
    Some(format!(
        "the GitLab token expires on {expires}, {when}: create a new token and update GITLAB_TOKEN before then"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_from_fourteen_days_before() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let day = |n: i64| today + chrono::Duration::days(n);
        let table = [
            (30, None),
            (15, None),
            (14, Some("expires on 2026-12-10, in 14 days")),
            (10, Some("expires on 2026-12-06, in 10 days")),
            (1, Some("expires on 2026-11-27, in 1 day")),
            (0, Some("expires on 2026-11-26, today")),
            // Expired: GitLab answers 401 and the run says so; no warning is needed.
            (-1, None),
        ];
        for (n, expected) in table {
            let got = warning(day(n), today);
            match expected {
                None => assert_eq!(got, None, "{n} days"),
                Some(part) => assert!(got.as_deref().is_some_and(|w| w.contains(part)), "{n} days: {got:?}"),
            }
        }
    }
}
