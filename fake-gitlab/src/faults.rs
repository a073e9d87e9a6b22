//! Injected faults: request matchers, queued faults and seeded random failures.

use std::time::Duration;

/// Selects requests; every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matcher {
    /// HTTP method, case-insensitive.
    pub method: Option<String>,
    /// Exact route template, e.g. `/api/v4/projects/:id/issues/:iid`.
    pub route: Option<String>,
    /// Substring of the raw path, or of `path?query`.
    pub path_contains: Option<String>,
}

impl Matcher {
    /// Matches every request.
    pub fn any() -> Self {
        Matcher::default()
    }

    /// `Matcher::route("PUT", "/api/v4/projects/:id/issues/:iid")`.
    pub fn route(method: &str, route: &str) -> Self {
        Matcher { method: Some(method.to_string()), route: Some(route.to_string()), path_contains: None }
    }

    pub fn method(method: &str) -> Self {
        Matcher { method: Some(method.to_string()), ..Matcher::default() }
    }

    pub fn path_contains(fragment: &str) -> Self {
        Matcher { path_contains: Some(fragment.to_string()), ..Matcher::default() }
    }

    /// Adds a path condition to this matcher.
    pub fn and_path_contains(mut self, fragment: &str) -> Self {
        self.path_contains = Some(fragment.to_string());
        self
    }

    pub fn matches(&self, method: &str, route: &str, path: &str, query: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.route.as_deref().is_none_or(|r| r == route)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|f| path.contains(f) || (!query.is_empty() && format!("{path}?{query}").contains(f)))
    }
}

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status with GitLab's body for it; no side effect.
    Status(u16),
    /// Rack::Attack 429: plain text, Retry-After and RateLimit-* headers; no side effect.
    Throttle { retry_after_secs: u64 },
    /// Application-limit 429: JSON, no headers; no side effect.
    ApplicationLimit,
    /// Wait this long, then handle the request normally.
    Latency(Duration),
    /// Perform the request (the side effect happens), then never answer.
    LandThenHang,
    /// Never answer; no side effect.
    HangBeforeHandling,
    /// Drop the connection without an answer; no side effect.
    CloseConnection,
    /// Perform the request (the side effect happens), then answer this status with GitLab's
    /// body for it instead of the real answer: a write that landed although it was answered
    /// 5xx or 429.
    LandThenStatus(u16),
    /// Answer a redirect (301, 302, 307 or 308) to `location` before any side effect, as a proxy
    /// or a moved route does.
    Redirect { status: u16, location: String },
    /// Handle the request normally, then remove the `X-Page`, `X-Per-Page`, `X-Next-Page`,
    /// `X-Prev-Page`, `X-Total` and `X-Total-Pages` headers but keep `Link`, as some proxies do.
    StripPaginationHeaders,
    /// Handle the request normally, then remove every paging header, `Link` included, as a proxy
    /// that passes only the headers it knows does: the answer no longer says whether a next
    /// page exists.
    StripAllPaginationHeaders,
}

/// A fault that applies to the next `times` requests matching `matcher`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub matcher: Matcher,
    pub times: usize,
    pub kind: FaultKind,
}

impl Fault {
    /// A fault for the next matching request only.
    pub fn new(matcher: Matcher, kind: FaultKind) -> Self {
        Fault { matcher, times: 1, kind }
    }

    /// Applies to the next `times` matching requests instead.
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }
}

/// The queue of injected faults and the random-failure generator.
#[derive(Default)]
pub(crate) struct Faults {
    queue: Vec<Fault>,
    random: Option<(f64, fastrand::Rng)>,
}

impl Faults {
    pub fn push(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.queue.push(fault);
        }
    }

    pub fn set_random(&mut self, rate: f64, seed: u64) {
        self.random = (rate > 0.0).then(|| (rate, fastrand::Rng::with_seed(seed)));
    }

    pub fn clear(&mut self) {
        self.queue.clear();
        self.random = None;
    }

    /// The first queued fault matching this request, used up once.
    pub fn take(&mut self, method: &str, route: &str, path: &str, query: &str) -> Option<FaultKind> {
        let index = self.queue.iter().position(|f| f.matcher.matches(method, route, path, query))?;
        let fault = &mut self.queue[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.queue.remove(index);
        }
        Some(kind)
    }

    /// A 500, 502 or 503 for this request, drawn from the seeded generator.
    pub fn random_status(&mut self) -> Option<u16> {
        let (rate, rng) = self.random.as_mut()?;
        if rng.f64() < *rate {
            Some([500, 502, 503][rng.usize(0..3)])
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_fields_combine() {
        let m = Matcher::route("put", "/r/:id").and_path_contains("page=2");
        assert!(m.matches("PUT", "/r/:id", "/r/1", "page=2"));
        assert!(!m.matches("GET", "/r/:id", "/r/1", "page=2"));
        assert!(!m.matches("PUT", "/r/:id", "/r/1", "page=3"));
        assert!(Matcher::any().matches("GET", "", "/x", ""));
    }

    #[test]
    fn faults_are_used_up_and_random_is_seeded() {
        let mut f = Faults::default();
        f.push(Fault::new(Matcher::method("GET"), FaultKind::Status(500)).times(2));
        assert_eq!(f.take("GET", "", "/", ""), Some(FaultKind::Status(500)));
        assert_eq!(f.take("POST", "", "/", ""), None);
        assert_eq!(f.take("GET", "", "/", ""), Some(FaultKind::Status(500)));
        assert_eq!(f.take("GET", "", "/", ""), None);

        let draw = |seed| {
            let mut f = Faults::default();
            f.set_random(0.5, seed);
            (0..50).map(|_| f.random_status()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert!(draw(7).iter().any(Option::is_some));
        assert!(draw(7).iter().any(Option::is_none));
    }
}
