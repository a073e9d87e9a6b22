//! Fixed, aligned windows for GitLab's application limits and its Rack::Attack throttle.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use crate::options::Limit;
use crate::reply::Reply;

/// What is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    IssueCreate,
    NoteCreate,
    Throttle,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub count: u32,
    pub over: bool,
    pub window_end_ms: u64,
}

/// Per bucket and user: the current window's index and count. Like GitLab's
/// ApplicationRateLimiter and Rack::Attack, windows are aligned on `now / period`.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    windows: HashMap<(Bucket, u64), (u64, u32)>,
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn window_ms(limit: &Limit) -> u64 {
    (limit.window.as_millis() as u64).max(1)
}

impl Counters {
    /// Counts a request (rejected ones count too, as in GitLab) and says whether it is over.
    pub fn hit(&mut self, bucket: Bucket, user: u64, limit: &Limit, now_ms: u64) -> Hit {
        let window = window_ms(limit);
        let index = now_ms / window;
        let entry = self.windows.entry((bucket, user)).or_insert((index, 0));
        if entry.0 != index {
            *entry = (index, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        Hit { count: entry.1, over: entry.1 > limit.max, window_end_ms: (index + 1) * window }
    }
}

fn http_date(unix_secs: u64) -> String {
    DateTime::<Utc>::from_timestamp(unix_secs as i64, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// RateLimit-* headers as GitLab.com sends them (the limit is normalised to a minute).
pub(crate) fn headers(limit: &Limit, hit: &Hit) -> Vec<(String, String)> {
    let per_minute = (u64::from(limit.max) * 60_000).div_ceil(window_ms(limit));
    let reset = hit.window_end_ms.div_ceil(1000);
    vec![
        ("RateLimit-Name".into(), "throttle_authenticated_api".into()),
        ("RateLimit-Limit".into(), per_minute.to_string()),
        ("RateLimit-Observed".into(), hit.count.to_string()),
        ("RateLimit-Remaining".into(), limit.max.saturating_sub(hit.count).to_string()),
        ("RateLimit-Reset".into(), reset.to_string()),
        ("RateLimit-ResetTime".into(), http_date(reset)),
    ]
}

/// Rack::Attack's 429: plain text `Retry later` with Retry-After and RateLimit-* headers.
pub(crate) fn throttled(limit: &Limit, hit: &Hit, now_ms: u64) -> Reply {
    let retry_after = hit.window_end_ms.saturating_sub(now_ms).div_ceil(1000).max(1);
    Reply::text(429, "text/plain", "Retry later\n")
        .with_header("Retry-After", retry_after.to_string())
        .with_headers(headers(limit, hit))
}

/// An injected throttle answer with a given Retry-After.
pub(crate) fn injected_throttle(limit: Option<Limit>, retry_after_secs: u64, now_ms: u64) -> Reply {
    let limit = limit.unwrap_or(Limit::per_minute(2_000));
    let hit = Hit { count: limit.max.saturating_add(1), over: true, window_end_ms: now_ms + retry_after_secs * 1000 };
    Reply::text(429, "text/plain", "Retry later\n")
        .with_header("Retry-After", retry_after_secs.to_string())
        .with_headers(headers(&limit, &hit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn windows_are_fixed_and_aligned() {
        let limit = Limit::new(2, Duration::from_secs(10));
        let mut c = Counters::default();
        let t = 1_000_000_005_000;
        assert!(!c.hit(Bucket::Throttle, 1, &limit, t).over);
        assert!(!c.hit(Bucket::Throttle, 1, &limit, t + 1).over);
        let third = c.hit(Bucket::Throttle, 1, &limit, t + 2);
        assert!(third.over);
        assert_eq!(third.window_end_ms, 1_000_000_010_000);
        assert!(!c.hit(Bucket::Throttle, 2, &limit, t + 3).over);
        assert!(!c.hit(Bucket::Throttle, 1, &limit, 1_000_000_010_000).over);
    }

    #[test]
    fn throttled_reply_has_headers() {
        let limit = Limit::new(2, Duration::from_secs(10));
        let hit = Hit { count: 3, over: true, window_end_ms: 20_500 };
        let r = throttled(&limit, &hit, 18_000);
        let get = |n: &str| r.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(r.status, 429);
        assert_eq!(get("Retry-After").as_deref(), Some("3"));
        assert_eq!(get("RateLimit-Limit").as_deref(), Some("12"));
        assert_eq!(get("RateLimit-Remaining").as_deref(), Some("0"));
        assert_eq!(get("RateLimit-Reset").as_deref(), Some("21"));
        assert_eq!(get("RateLimit-ResetTime").as_deref(), Some("Thu, 01 Jan 1970 00:00:21 GMT"));
    }
}
