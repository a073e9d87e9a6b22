//! Every request to GitLab goes through here: the token only to the configured origin (no
//! redirect is ever followed), a timeout, pacing under GitLab's limits, bounded concurrency, and
//! retries only where a retry cannot do harm.
//!
//! GET is retried on 429, 5xx, timeouts and connection errors. POST is retried only when GitLab
//! cannot have acted (a 429, or a connection never made): a create that timed out may exist. PUT
//! is never retried here: its body was built from a read that a retry would make stale, so the
//! caller re-reads and re-merges first (GitLab has no optimistic locking, gitlab-org/gitlab#465150).

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use gitlab::api::{self, Endpoint};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::{HeaderMap, Method, StatusCode};
use tokio::sync::Semaphore;
use url::Url;

use super::errors::{chain, classify, error_message, ApiError};
use super::settings::{ClientSettings, RateLimits, RequestCounts};

/// The most a response's Content-Length may make onboarder allocate before any byte arrives.
const PRESIZE_LIMIT: u64 = 16 * 1024 * 1024;

/// An API token. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(s: String) -> Token {
        Token(s)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The REST base (`https://host/path/api/v4/`) of a GitLab URL, refusing plain http except to
/// this machine.
pub(super) fn api_base(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("GitLab URL {url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().ok_or_else(|| format!("GitLab URL {url:?} has no host"))?;
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let bare = host.trim_matches(['[', ']']);
            let loopback = host == "localhost" || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(format!("GitLab URL {url:?} uses plain http, which is allowed only for this machine (127.0.0.1, localhost); use https"));
            }
        }
        other => return Err(format!("GitLab URL {url:?} has scheme {other:?}; use https")),
    }
    let path = parsed.path().trim_end_matches('/');
    let mut base = parsed.clone();
    base.set_query(None);
    base.set_fragment(None);
    base.set_path(&format!("{path}/api/v4/"));
    Ok(base)
}

/// The crate's endpoints build their URLs against this; requests are sent by `Transport`.
pub(super) struct Rest {
    base: Url,
}

impl api::RestClient for Rest {
    type Error = std::convert::Infallible;

    fn rest_endpoint(&self, endpoint: &str) -> Result<Url, api::ApiError<Self::Error>> {
        Ok(self.base.join(endpoint)?)
    }
}

/// Which limits a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Read,
    Edit,
    CreateIssue,
    CreateNote,
}

#[derive(Default)]
struct Stats {
    get: AtomicU64,
    post: AtomicU64,
    put: AtomicU64,
    delete: AtomicU64,
    other: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
}

/// Pacing: stay under each limit instead of running into it.
struct Pacing {
    requests: DefaultDirectRateLimiter,
    creates: DefaultDirectRateLimiter,
    notes: DefaultDirectRateLimiter,
    window: Duration,
}

impl Pacing {
    /// GitLab counts in fixed windows. A limiter allowing `burst` at once and refilling at `rate`
    /// sends at most `burst + rate x window` in any window; keep that at or under the limit.
    fn new(l: &RateLimits) -> Pacing {
        let quota = |limit: u32, burst: u32| {
            let limit = limit.max(2);
            let burst = burst.clamp(1, limit - 1);
            let period = l.window.div_f64(f64::from(limit - burst));
            Quota::with_period(period.max(Duration::from_nanos(1)))
                .expect("period is positive")
                .allow_burst(NonZeroU32::new(burst).expect("burst is at least 1"))
        };
        Pacing {
            requests: RateLimiter::direct(quota(l.requests, l.requests / 10)),
            creates: RateLimiter::direct(quota(l.issue_creates, 1)),
            notes: RateLimiter::direct(quota(l.notes, 1)),
            window: l.window,
        }
    }

    async fn wait(&self, class: Class) {
        match class {
            Class::CreateIssue => self.creates.until_ready().await,
            Class::CreateNote => self.notes.until_ready().await,
            Class::Read | Class::Edit => {}
        }
        self.requests.until_ready().await;
    }
}

/// One request, ready to send (and to send again where that is safe).
pub(super) struct Call {
    method: Method,
    url: Url,
    body: Option<(&'static str, Vec<u8>)>,
    class: Class,
    /// The most bytes of an answer read; more is an error, found while reading.
    max_body: Option<u64>,
}

impl Call {
    /// Read at most `bytes` of the answer: a larger one fails without being read further.
    pub(super) fn limit_body(mut self, bytes: u64) -> Call {
        self.max_body = Some(bytes);
        self
    }
}

/// The HTTP client, its limits and its counters.
pub(super) struct Transport {
    http: reqwest::Client,
    rest: Rest,
    origin: String,
    token: Token,
    timeout: Duration,
    max_retries: u32,
    pacing: Pacing,
    slots: Semaphore,
    stats: Stats,
    pub(super) concurrency: usize,
    /// Answer buffers given back once read (`recycle`), at most `concurrency`: a listing page is
    /// megabytes, and a fresh buffer for each is faulted in page by page and unmapped again.
    spare: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl Transport {
    pub(super) fn new(
        url: &str,
        token: &Token,
        accept_invalid_certs: bool,
        s: &ClientSettings,
    ) -> Result<Self, ApiError> {
        let base = api_base(url).map_err(ApiError::Config)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("onboarder/", env!("CARGO_PKG_VERSION")))
            .tls_danger_accept_invalid_certs(accept_invalid_certs)
            .build()
            .map_err(|e| ApiError::Config(format!("cannot set up the HTTP client: {}", chain(&e))))?;
        Ok(Transport {
            http,
            origin: base.origin().ascii_serialization(),
            rest: Rest { base },
            token: token.clone(),
            timeout: s.request_timeout,
            max_retries: s.max_retries,
            pacing: Pacing::new(&s.limits),
            slots: Semaphore::new(s.concurrency.max(1)),
            stats: Stats::default(),
            concurrency: s.concurrency.max(1),
            spare: std::sync::Mutex::default(),
        })
    }

    /// Requests made so far.
    pub(super) fn counts(&self) -> RequestCounts {
        let s = &self.stats;
        let (get, post, put, delete, other) = (
            s.get.load(Ordering::Relaxed),
            s.post.load(Ordering::Relaxed),
            s.put.load(Ordering::Relaxed),
            s.delete.load(Ordering::Relaxed),
            s.other.load(Ordering::Relaxed),
        );
        RequestCounts {
            total: get + post + put + delete + other,
            get,
            post,
            put,
            delete,
            other,
            retries: s.retries.load(Ordering::Relaxed),
            rate_limited: s.rate_limited.load(Ordering::Relaxed),
        }
    }

    /// A request for one of the crate's endpoints, with extra query pairs and extra form pairs
    /// (the crate's builders sort `assignee_ids`; GitLab Free keeps only the first, so onboarder
    /// sends them itself, in its own order).
    pub(super) fn call<E: Endpoint>(
        &self,
        ep: &E,
        query: &[(&str, String)],
        form: &[(&str, String)],
        class: Class,
    ) -> Result<Call, ApiError> {
        let mut url =
            ep.url_base().endpoint_for(&self.rest, &ep.endpoint()).map_err(|e| ApiError::Config(e.to_string()))?;
        ep.parameters().add_to_url(&mut url);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        // A GET carries its parameters in the URL; some of the crate's GET endpoints build a form body.
        let mut body =
            if ep.method() == Method::GET { None } else { ep.body().map_err(|e| ApiError::Config(e.to_string()))? };
        if !form.is_empty() {
            let (mime, mut data) = body.unwrap_or(("application/x-www-form-urlencoded", Vec::new()));
            let extra = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            if !data.is_empty() {
                data.push(b'&');
            }
            data.extend_from_slice(extra.as_bytes());
            body = Some((mime, data));
        }
        Ok(Call { method: ep.method(), url, body, class, max_body: None })
    }

    /// Send one request through pacing, the timeout and the retry policy.
    pub(super) async fn send(&self, call: &Call) -> Result<(HeaderMap, Bytes), ApiError> {
        let method = &call.method;
        let mut failures = 0u32;
        let mut throttled = 0u32;
        loop {
            self.pacing.wait(call.class).await;
            let result = {
                let _slot = self.slots.acquire().await.map_err(|e| ApiError::Transport(e.to_string()))?;
                self.count(method);
                tracing::debug!(%method, url = %call.url, "request");
                tokio::time::timeout(self.timeout, self.once(call)).await
            };
            let err = match result {
                Err(_) => ApiError::Timeout(self.timeout),
                Ok(Err(e)) => {
                    let never_sent = e.is_connect();
                    let err = ApiError::Transport(chain(&e));
                    if never_sent && *method != Method::PUT && failures < self.max_retries {
                        // Never reached GitLab: safe to try again.
                        failures += 1;
                        self.retry_after(backoff(failures), &err).await;
                        continue;
                    }
                    err
                }
                Ok(Ok((status, headers, body))) => {
                    if let Some(limit) = call.max_body.filter(|l| body.len() as u64 > *l) {
                        return Err(ApiError::TooLarge(limit));
                    }
                    if status.is_success() {
                        return Ok((headers, body));
                    }
                    if status.is_redirection() {
                        return Err(self.redirect(status, &headers, &call.url));
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                        throttled += 1;
                        let wait = told_to_wait(&headers).unwrap_or_else(|| own_backoff(self.pacing.window, throttled));
                        let message = error_message(status, &body);
                        if *method == Method::PUT {
                            return Err(ApiError::Throttled { wait, message });
                        }
                        if throttled <= self.max_retries + 4 {
                            // A 429 did nothing on the server: retrying a GET or POST is safe.
                            self.retry_after(wait, &ApiError::Throttled { wait, message }).await;
                            continue;
                        }
                        return Err(ApiError::RateLimited(message));
                    }
                    classify(status, &body)
                }
            };
            let transient = matches!(err, ApiError::Server { .. } | ApiError::Timeout(_) | ApiError::Transport(_));
            if transient && *method == Method::GET && failures < self.max_retries {
                failures += 1;
                self.retry_after(backoff(failures), &err).await;
                continue;
            }
            return Err(err);
        }
    }

    async fn once(&self, call: &Call) -> Result<(StatusCode, HeaderMap, Bytes), reqwest::Error> {
        let mut req =
            self.http.request(call.method.clone(), call.url.clone()).header("PRIVATE-TOKEN", self.token.0.as_str());
        if let Some((mime, data)) = &call.body {
            req = req.header(http::header::CONTENT_TYPE, *mime).body(data.clone());
        }
        let mut rsp = req.send().await?;
        let status = rsp.status();
        let headers = rsp.headers().clone();
        // Chunks are copied into one buffer as they arrive and dropped, so a page of issues is
        // held once, not once in the connection's buffers and again when joined: a run reads
        // `concurrency` pages at a time. Content-Length only sizes the buffer (up to a bound).
        let limit = call.max_body.unwrap_or(u64::MAX);
        let expected = rsp.content_length().unwrap_or(0).min(limit.saturating_add(1)).min(PRESIZE_LIMIT);
        let mut body = self.buffer(usize::try_from(expected).unwrap_or(0));
        while let Some(chunk) = rsp.chunk().await? {
            body.extend_from_slice(&chunk);
            // The limit holds while reading, whatever Content-Length claims: stop one byte past it.
            if body.len() as u64 > limit {
                break;
            }
        }
        Ok((status, headers, Bytes::from(body)))
    }

    /// An empty buffer for an answer of `expected` bytes: a spare one when there is one.
    fn buffer(&self, expected: usize) -> Vec<u8> {
        let spare = self.spare.lock().expect("spare buffers lock").pop();
        let mut body = spare.unwrap_or_default();
        body.reserve(expected);
        body
    }

    /// Takes back an answer's buffer once its caller is done with it, to read the next answer
    /// into; one still shared elsewhere, or larger than any answer is presized to, is dropped.
    pub(super) fn recycle(&self, body: Bytes) {
        let Ok(body) = body.try_into_mut() else { return };
        let mut body = Vec::from(body);
        if body.capacity() as u64 > PRESIZE_LIMIT {
            return;
        }
        let mut spare = self.spare.lock().expect("spare buffers lock");
        if spare.len() < self.concurrency {
            body.clear();
            spare.push(body);
        }
    }

    /// A 3xx is an error naming where it pointed (without credentials or query).
    fn redirect(&self, status: StatusCode, headers: &HeaderMap, from: &Url) -> ApiError {
        let raw = headers.get(http::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let location = match from.join(raw) {
            Ok(mut u) if !raw.is_empty() => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.set_query(None);
                u.to_string()
            }
            _ => "(no Location given)".to_string(),
        };
        ApiError::Redirect { status: status.as_u16(), location, origin: self.origin.clone() }
    }

    fn count(&self, method: &Method) {
        let s = &self.stats;
        let counter = match *method {
            Method::GET => &s.get,
            Method::POST => &s.post,
            Method::PUT => &s.put,
            Method::DELETE => &s.delete,
            _ => &s.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) async fn retry_after(&self, wait: Duration, why: &ApiError) {
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        tracing::info!(?wait, "retrying after: {why}");
        tokio::time::sleep(wait).await;
    }
}

pub(super) fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `Retry-After` (seconds), else `RateLimit-Reset` (unix time): GitLab's throttle says how long.
fn told_to_wait(h: &HeaderMap) -> Option<Duration> {
    if let Some(s) = header_u64(h, "retry-after") {
        return Some(Duration::from_secs(s.clamp(1, 300)));
    }
    let reset = header_u64(h, "ratelimit-reset")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now).clamp(1, 300)))
}

/// The application limits send no headers: wait a growing share of their window.
fn own_backoff(window: Duration, attempt: u32) -> Duration {
    let base = window.div_f64(4.0).mul_f64(f64::from(1u32 << attempt.min(4).saturating_sub(1)));
    jitter(base.min(window))
}

/// Exponential backoff for failures, with jitter so parallel runs do not retry in step.
pub(super) fn backoff(attempt: u32) -> Duration {
    jitter(Duration::from_millis(100).mul_f64(f64::from(1u32 << attempt.min(7))).min(Duration::from_secs(10)))
}

fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// The page after this one: GitLab's `X-Next-Page` (empty on the last page), else the `Link`
/// header's `rel="next"` (a proxy may strip the `X-` headers). Only the page number is taken
/// from the link: the request still goes to the configured origin.
pub(super) fn next_page(h: &HeaderMap) -> Option<u64> {
    if h.contains_key("x-next-page") {
        return header_u64(h, "x-next-page");
    }
    let link = h.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let rel_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        if !rel_next {
            return None;
        }
        let target = target.trim().trim_start_matches('<').trim_end_matches('>');
        let url = url::Url::parse(target).ok()?;
        let page = url.query_pairs().find(|(k, _)| k == "page")?.1.parse().ok()?;
        Some(page)
    })
}

/// Headers from name and value pairs, for the tests of the answers' readers.
#[cfg(test)]
pub(super) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, v.parse().unwrap());
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_from_either_header() {
        assert_eq!(next_page(&headers(&[("x-next-page", "3")])), Some(3));
        assert_eq!(next_page(&headers(&[("x-next-page", ""), ("link", "<http://x/?page=9>; rel=\"next\"")])), None);
        let link = "<https://gl/api/v4/projects/1/issues?page=1&per_page=100>; rel=\"first\", \
                    <https://gl/api/v4/projects/1/issues?page=2&per_page=100>; rel=\"next\"";
        assert_eq!(next_page(&headers(&[("link", link)])), Some(2));
        assert_eq!(next_page(&headers(&[("link", "<https://gl/?page=1>; rel=\"first\"")])), None);
        assert_eq!(next_page(&HeaderMap::new()), None);
    }

    #[test]
    fn plain_http_only_for_this_machine() {
        let base = |u: &str| api_base(u).map(|b| b.to_string());
        assert_eq!(base("https://gitlab.com"), Ok("https://gitlab.com/api/v4/".into()));
        assert_eq!(base("https://example.com/gitlab/"), Ok("https://example.com/gitlab/api/v4/".into()));
        assert_eq!(base("http://127.0.0.1:8080"), Ok("http://127.0.0.1:8080/api/v4/".into()));
        assert_eq!(base("http://localhost:1"), Ok("http://localhost:1/api/v4/".into()));
        assert_eq!(base("http://[::1]:1"), Ok("http://[::1]:1/api/v4/".into()));
        assert!(api_base("http://gitlab.example.com").unwrap_err().contains("plain http"));
        assert!(api_base("ftp://x").is_err());
    }

    #[test]
    fn a_token_never_prints() {
        let t = Token::new("glpat-secret".into());
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn waits_as_told() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(told_to_wait(&h), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        h.insert("ratelimit-reset", (now + 5).to_string().parse().unwrap());
        let w = told_to_wait(&h).unwrap();
        assert!(w >= Duration::from_secs(4) && w <= Duration::from_secs(5), "{w:?}");
        assert_eq!(told_to_wait(&HeaderMap::new()), None);
    }
}
