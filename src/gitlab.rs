//! The only module that talks to GitLab: the `gitlab` crate's async client, wrapped once with a
//! request timeout, retries with backoff and jitter, both kinds of 429, pacing under GitLab's
//! limits, and bounded concurrency. Wire types become `plan::Observed` here and nowhere else.
//!
//! Never retries a request that may have changed something (a POST that timed out or got a 5xx):
//! the caller checks whether it landed first.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use gitlab::api::projects::issues::notes::{CreateIssueNote, IssueNotes};
use gitlab::api::projects::issues::{CreateIssue, EditIssue, Issue, IssueStateEvent, Issues};
use gitlab::api::{self, AsyncClient, Endpoint};
use gitlab::{AsyncGitlab, GitlabBuilder};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::{HeaderMap, Method, StatusCode};
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::config::{RateLimits, SyncSettings};
use crate::plan::{Edit, NewIssue, Observed};
use crate::report::RequestCounts;

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

/// Why a request failed, with GitLab's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("GitLab refused the token (401): {0}; check GITLAB_TOKEN")]
    Unauthorized(String),
    #[error("access denied (403): {0}")]
    Forbidden(String),
    #[error("not found (404): {0}")]
    NotFound(String),
    #[error("GitLab rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("rate limited by GitLab and out of retries: {0}")]
    RateLimited(String),
    #[error("GitLab server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("cannot reach GitLab: {0}")]
    Transport(String),
    #[error("{0}")]
    Config(String),
    #[error("no answer from GitLab within {0:?}")]
    Timeout(Duration),
}

impl ApiError {
    /// The request may have been carried out although no success came back.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::Timeout(_) | ApiError::Server { .. } | ApiError::Transport(_))
    }

    /// A problem with the token or the project, which no retry and no other person can fix.
    pub fn is_fatal(&self) -> bool {
        match self {
            ApiError::Unauthorized(_) => true,
            ApiError::Forbidden(_) => true,
            ApiError::NotFound(m) => m.contains("Project Not Found"),
            _ => false,
        }
    }
}

/// A GitLab user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
}

#[derive(Deserialize)]
struct WireIssue {
    iid: u64,
    title: String,
    description: Option<String>,
    state: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    assignees: Vec<User>,
    due_date: Option<String>,
    #[serde(default)]
    web_url: String,
}

impl WireIssue {
    fn into_observed(self, project: &str) -> Observed {
        Observed {
            project: project.to_string(),
            iid: self.iid,
            title: self.title,
            description: self.description.unwrap_or_default(),
            open: self.state == "opened",
            labels: self.labels,
            assignees: self.assignees.into_iter().map(|u| u.username).collect(),
            due_date: self.due_date.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            web_url: self.web_url,
        }
    }
}

/// Which limits a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
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

struct Inner {
    client: AsyncGitlab,
    timeout: Duration,
    max_retries: u32,
    pacing: Pacing,
    slots: Semaphore,
    stats: Stats,
    concurrency: usize,
    me: tokio::sync::OnceCell<User>,
}

/// A connection to one GitLab instance for one token.
#[derive(Clone)]
pub struct Gitlab {
    inner: Arc<Inner>,
}

/// Turn a URL into the crate's host form, refusing plain http except to this machine.
fn host_of(url: &str) -> Result<(String, bool), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("GitLab URL {url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().ok_or_else(|| format!("GitLab URL {url:?} has no host"))?;
    let insecure = match parsed.scheme() {
        "https" => false,
        "http" => {
            let loopback = host == "localhost"
                || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
                || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(format!("GitLab URL {url:?} uses plain http, which is allowed only for this machine (127.0.0.1, localhost); use https"));
            }
            true
        }
        other => return Err(format!("GitLab URL {url:?} has scheme {other:?}; use https")),
    };
    let mut h = host.to_string();
    if let Some(port) = parsed.port() {
        h = format!("{h}:{port}");
    }
    let path = parsed.path().trim_end_matches('/');
    if !path.is_empty() {
        h.push_str(path);
    }
    Ok((h, insecure))
}

fn client_error(e: &dyn std::error::Error) -> String {
    // The chain says why (DNS, refused, TLS); the token is in a header and never in it.
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

impl Gitlab {
    /// Connect and check the token (the crate asks `GET /user` once, retried if GitLab is flaky).
    pub async fn connect(
        url: &str,
        token: &Token,
        accept_invalid_certs: bool,
        s: &SyncSettings,
    ) -> Result<Gitlab, ApiError> {
        let (host, insecure) = host_of(url).map_err(ApiError::Config)?;
        let mut builder = GitlabBuilder::new(host, token.0.clone());
        if insecure {
            builder.insecure();
        }
        if accept_invalid_certs {
            builder.cert_insecure();
        }
        builder.user_agent(concat!("onboarder/", env!("CARGO_PKG_VERSION")));
        let mut attempt = 0;
        let client = loop {
            let result = tokio::time::timeout(s.request_timeout, builder.build_async()).await;
            let err = match result {
                Ok(Ok(client)) => break client,
                Ok(Err(e)) => connect_error(&e),
                Err(_) => ApiError::Timeout(s.request_timeout),
            };
            let transient = matches!(err, ApiError::Server { .. } | ApiError::Timeout(_));
            if !transient || attempt >= s.max_retries {
                return Err(err);
            }
            attempt += 1;
            tokio::time::sleep(backoff(attempt)).await;
        };
        let inner = Inner {
            client,
            timeout: s.request_timeout,
            max_retries: s.max_retries,
            pacing: Pacing::new(&s.limits),
            slots: Semaphore::new(s.concurrency.max(1)),
            stats: Stats::default(),
            concurrency: s.concurrency.max(1),
            me: tokio::sync::OnceCell::new(),
        };
        // The crate's own check was one GET.
        inner.stats.get.fetch_add(1, Ordering::Relaxed);
        inner.stats.retries.fetch_add(u64::from(attempt), Ordering::Relaxed);
        Ok(Gitlab { inner: Arc::new(inner) })
    }

    /// Requests made so far.
    pub fn counts(&self) -> RequestCounts {
        let s = &self.inner.stats;
        let (get, post, put, other) = (
            s.get.load(Ordering::Relaxed),
            s.post.load(Ordering::Relaxed),
            s.put.load(Ordering::Relaxed),
            s.other.load(Ordering::Relaxed),
        );
        RequestCounts {
            total: get + post + put + other,
            get,
            post,
            put,
            retries: s.retries.load(Ordering::Relaxed),
            rate_limited: s.rate_limited.load(Ordering::Relaxed),
        }
    }

    /// Send one request through pacing, the timeout and the retry policy.
    async fn send<E: Endpoint + Sync>(
        &self,
        ep: &E,
        extra: &[(&str, String)],
        class: Class,
    ) -> Result<(HeaderMap, bytes::Bytes), ApiError> {
        let mut url = ep
            .url_base()
            .endpoint_for(&self.inner.client, &ep.endpoint())
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        ep.parameters().add_to_url(&mut url);
        if !extra.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in extra {
                pairs.append_pair(k, v);
            }
        }
        let body = ep.body().map_err(|e| ApiError::Transport(e.to_string()))?;
        let method = ep.method();
        let idempotent = method == Method::GET || method == Method::PUT;
        let mut failures = 0u32;
        let mut throttled = 0u32;
        loop {
            self.inner.pacing.wait(class).await;
            let result = {
                let _slot = self.inner.slots.acquire().await.map_err(|e| ApiError::Transport(e.to_string()))?;
                self.count(&method);
                let mut req = http::Request::builder().method(method.clone()).uri(url.as_str());
                let data = match &body {
                    Some((mime, data)) => {
                        req = req.header(http::header::CONTENT_TYPE, *mime);
                        data.clone()
                    }
                    None => Vec::new(),
                };
                tokio::time::timeout(self.inner.timeout, self.inner.client.rest_async(req, data)).await
            };
            let err = match result {
                Err(_) => ApiError::Timeout(self.inner.timeout),
                Ok(Err(e)) => {
                    let sent = !is_connect_error(&e);
                    let err = ApiError::Transport(client_error(&e));
                    if !sent && failures < self.inner.max_retries {
                        // Never reached GitLab: safe to try again, whatever the method.
                        failures += 1;
                        self.retry_after(backoff(failures)).await;
                        continue;
                    }
                    err
                }
                Ok(Ok(rsp)) => {
                    let status = rsp.status();
                    if status.is_success() {
                        return Ok((rsp.headers().clone(), rsp.into_body()));
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        self.inner.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                        throttled += 1;
                        if throttled <= self.inner.max_retries + 4 {
                            // A 429 did nothing on the server: retrying is always safe.
                            let wait = told_to_wait(rsp.headers())
                                .unwrap_or_else(|| own_backoff(self.inner.pacing.window, throttled));
                            self.retry_after(wait).await;
                            continue;
                        }
                        return Err(ApiError::RateLimited(error_message(status, rsp.body())));
                    }
                    classify(status, rsp.body())
                }
            };
            let transient = matches!(err, ApiError::Server { .. } | ApiError::Timeout(_) | ApiError::Transport(_));
            if transient && idempotent && failures < self.inner.max_retries {
                failures += 1;
                self.retry_after(backoff(failures)).await;
                continue;
            }
            return Err(err);
        }
    }

    fn count(&self, method: &Method) {
        let s = &self.inner.stats;
        let counter = match *method {
            Method::GET => &s.get,
            Method::POST => &s.post,
            Method::PUT => &s.put,
            _ => &s.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    async fn retry_after(&self, wait: Duration) {
        self.inner.stats.retries.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(?wait, "retrying");
        tokio::time::sleep(wait).await;
    }

    async fn json<T: for<'de> Deserialize<'de>, E: Endpoint + Sync>(
        &self,
        ep: &E,
        extra: &[(&str, String)],
        class: Class,
    ) -> Result<(HeaderMap, T), ApiError> {
        let (headers, body) = self.send(ep, extra, class).await?;
        let value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::Server { status: 200, message: format!("unexpected answer from GitLab: {e}") })?;
        Ok((headers, value))
    }

    /// The token's user (asked once per run, and only when needed).
    pub async fn me(&self) -> Result<&User, ApiError> {
        self.inner
            .me
            .get_or_try_init(|| async {
                let ep = api::users::CurrentUser::builder().build().expect("no required fields");
                self.json::<User, _>(&ep, &[], Class::Read).await.map(|(_, u)| u)
            })
            .await
    }

    /// Every issue in `project` matching the filter: pages of 100; the end is where GitLab's
    /// `X-Next-Page` is empty. When GitLab gives the page count, the pages after the first
    /// are fetched in parallel.
    pub async fn list_issues(&self, project: &str, filter: &Listing<'_>) -> Result<Vec<Observed>, ApiError> {
        let mut b = Issues::builder();
        b.project(project).issue_type(api::issues::IssueType::Issue);
        if let Some(label) = filter.label {
            b.labels(std::iter::once(label));
        }
        if let Some(author) = filter.author_id {
            b.author(author);
        }
        if let Some(after) = filter.created_after {
            b.created_after(after);
        }
        let ep = b.build().map_err(|e| ApiError::Transport(e.to_string()))?;
        let mut base: Vec<(&str, String)> = vec![("state", "all".into()), ("per_page", "100".into())];
        if let Some(not) = filter.not_label {
            base.push(("not[labels]", not.to_string()));
        }
        let page = |n: u64| {
            let mut q = base.clone();
            q.push(("page", n.to_string()));
            q
        };
        let (headers, first): (_, Vec<WireIssue>) = self.json(&ep, &page(1), Class::Read).await?;
        let mut issues: Vec<WireIssue> = first;
        let mut next = next_page(&headers);
        if let (Some(n), Some(total)) = (next, header_u64(&headers, "x-total-pages")) {
            if total >= n {
                let pages: Vec<(HeaderMap, Vec<WireIssue>)> = stream::iter(n..=total)
                    .map(|p| {
                        let q = page(p);
                        let ep = &ep;
                        async move { self.json::<Vec<WireIssue>, _>(ep, &q, Class::Read).await }
                    })
                    .buffered(self.inner.concurrency)
                    .try_collect()
                    .await?;
                next = pages.last().and_then(|(h, _)| next_page(h));
                issues.extend(pages.into_iter().flat_map(|(_, v)| v));
            }
        }
        while let Some(n) = next {
            let (headers, more): (_, Vec<WireIssue>) = self.json(&ep, &page(n), Class::Read).await?;
            next = next_page(&headers);
            issues.extend(more);
        }
        // An issue created while we page can shift another onto two pages.
        let mut seen = std::collections::BTreeSet::new();
        issues.retain(|i| seen.insert(i.iid));
        Ok(issues.into_iter().map(|i| i.into_observed(project)).collect())
    }

    /// One issue, fresh.
    pub async fn issue(&self, project: &str, iid: u64) -> Result<Observed, ApiError> {
        let ep =
            Issue::builder().project(project).issue(iid).build().map_err(|e| ApiError::Transport(e.to_string()))?;
        let (_, w): (_, WireIssue) = self.json(&ep, &[], Class::Read).await?;
        Ok(w.into_observed(project))
    }

    /// Create an issue. A timeout or 5xx here may still have created it: the caller must look.
    pub async fn create_issue(
        &self,
        project: &str,
        new: &NewIssue,
        description: &str,
        assignee_ids: &[u64],
    ) -> Result<Observed, ApiError> {
        let mut b = CreateIssue::builder();
        b.project(project)
            .title(new.title.as_str())
            .description(description)
            .labels(new.labels.iter().map(String::as_str));
        b.assignee_ids(assignee_ids.iter().copied());
        if let Some(d) = new.due_date {
            b.due_date(d);
        }
        let ep = b.build().map_err(|e| ApiError::Transport(e.to_string()))?;
        let (_, w): (_, WireIssue) = self.json(&ep, &[], Class::CreateIssue).await?;
        Ok(w.into_observed(project))
    }

    /// Change only the fields `edit` sets; labels by add/remove so people's labels stay.
    pub async fn edit_issue(
        &self,
        project: &str,
        iid: u64,
        edit: &Edit,
        assignee_ids: Option<&[u64]>,
    ) -> Result<Observed, ApiError> {
        let mut b = EditIssue::builder();
        b.project(project).issue(iid);
        if let Some(t) = &edit.title {
            b.title(t.as_str());
        }
        if let Some(d) = &edit.description {
            b.description(d.as_str());
        }
        if !edit.add_labels.is_empty() {
            for l in &edit.add_labels {
                b.add_label(l.as_str());
            }
        }
        if !edit.remove_labels.is_empty() {
            for l in &edit.remove_labels {
                b.remove_label(l.as_str());
            }
        }
        if let Some(ids) = assignee_ids {
            if ids.is_empty() {
                b.unassign();
            } else {
                b.assignee_ids(ids.iter().copied());
            }
        }
        if let Some(Some(d)) = edit.due_date {
            b.due_date(d);
        }
        if edit.close {
            b.state_event(IssueStateEvent::Close);
        }
        let ep = b.build().map_err(|e| ApiError::Transport(e.to_string()))?;
        let (_, w): (_, WireIssue) = self.json(&ep, &[], Class::Edit).await?;
        Ok(w.into_observed(project))
    }

    /// Post a comment. Not retried after a timeout: a second copy would be spam.
    pub async fn create_note(&self, project: &str, iid: u64, body: &str) -> Result<(), ApiError> {
        let ep = CreateIssueNote::builder()
            .project(project)
            .issue(iid)
            .body(body)
            .build()
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        self.send(&ep, &[], Class::CreateNote).await.map(|_| ())
    }

    /// The text of every note on an issue, newest first (to find a comment onboarder already posted).
    pub async fn note_bodies(&self, project: &str, iid: u64) -> Result<Vec<String>, ApiError> {
        #[derive(Deserialize)]
        struct WireNote {
            body: String,
        }
        let ep = IssueNotes::builder()
            .project(project)
            .issue(iid)
            .sort(api::common::SortOrder::Descending)
            .build()
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        let mut bodies = Vec::new();
        let mut page = Some(1);
        while let Some(n) = page {
            let q = [("per_page", "100".to_string()), ("page", n.to_string())];
            let (headers, notes): (_, Vec<WireNote>) = self.json(&ep, &q, Class::Read).await?;
            bodies.extend(notes.into_iter().map(|n| n.body));
            page = next_page(&headers);
        }
        Ok(bodies)
    }

    /// The id of a GitLab user, `None` if there is no such user.
    pub async fn user_id(&self, username: &str) -> Result<Option<u64>, ApiError> {
        let ep =
            api::users::Users::builder().username(username).build().map_err(|e| ApiError::Transport(e.to_string()))?;
        let (_, users): (_, Vec<User>) = self.json(&ep, &[], Class::Read).await?;
        Ok(users.into_iter().find(|u| u.username.eq_ignore_ascii_case(username)).map(|u| u.id))
    }
}

/// Filters for listing issues.
#[derive(Debug, Clone, Default)]
pub struct Listing<'a> {
    pub label: Option<&'a str>,
    pub not_label: Option<&'a str>,
    pub author_id: Option<u64>,
    pub created_after: Option<DateTime<Utc>>,
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// GitLab's `X-Next-Page`: empty on the last page.
fn next_page(h: &HeaderMap) -> Option<u64> {
    header_u64(h, "x-next-page")
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
fn backoff(attempt: u32) -> Duration {
    jitter(Duration::from_millis(100).mul_f64(f64::from(1u32 << attempt.min(7))).min(Duration::from_secs(10)))
}

fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.5 + fastrand::f64() * 0.5)
}

fn is_connect_error(e: &api::ApiError<gitlab::RestError>) -> bool {
    match e {
        api::ApiError::Client { source: gitlab::RestError::Communication { source } } => source.is_connect(),
        _ => false,
    }
}

/// Turn a non-success answer into an error carrying GitLab's message, from any of its shapes.
fn classify(status: StatusCode, body: &[u8]) -> ApiError {
    let message = error_message(status, body);
    match status.as_u16() {
        401 => ApiError::Unauthorized(message),
        403 => ApiError::Forbidden(message),
        404 => ApiError::NotFound(message),
        s if s >= 500 => ApiError::Server { status: s, message },
        s => ApiError::Rejected { status: s, message },
    }
}

/// GitLab's error bodies: `{"message": "..."}`, `{"message": {"field": ["..."]}}`,
/// `{"error": "...", "error_description": "..."}`, or HTML/text from a proxy.
pub fn error_message(status: StatusCode, body: &[u8]) -> String {
    let fallback = || {
        let text = String::from_utf8_lossy(body);
        let plain: String = strip_tags(&text).split_whitespace().collect::<Vec<_>>().join(" ");
        if plain.is_empty() {
            format!("HTTP {status}")
        } else {
            crate::error::truncate(&plain, 200)
        }
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else { return fallback() };
    match (&v["message"], &v["error"]) {
        (serde_json::Value::String(m), _) => m.clone(),
        (serde_json::Value::Object(fields), _) => fields
            .iter()
            .map(|(field, msgs)| {
                let msgs = match msgs {
                    serde_json::Value::Array(a) => a.iter().filter_map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if field == "error" || field == "base" {
                    msgs
                } else {
                    format!("{field} {msgs}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        (_, serde_json::Value::String(e)) => match v["error_description"].as_str() {
            Some(d) => format!("{e}: {d}"),
            None => e.clone(),
        },
        _ => fallback(),
    }
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn connect_error(e: &gitlab::GitlabError) -> ApiError {
    match e {
        gitlab::GitlabError::Api { source } => match source {
            api::ApiError::GitlabWithStatus { status, msg } => {
                classify(*status, serde_json::json!({ "message": msg }).to_string().as_bytes())
            }
            api::ApiError::GitlabObjectWithStatus { status, obj }
            | api::ApiError::GitlabUnrecognizedWithStatus { status, obj } => {
                classify(*status, obj.to_string().as_bytes())
            }
            api::ApiError::GitlabService { status, data } => classify(*status, data),
            other => ApiError::Transport(client_error(other)),
        },
        other => ApiError::Transport(client_error(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_error_shapes_read_as_one_message() {
        let table: [(u16, &str, &str); 8] = [
            (404, r#"{"message":"404 Project Not Found"}"#, "404 Project Not Found"),
            (404, r#"{"error":"404 Not Found"}"#, "404 Not Found"),
            (400, r#"{"message":{"title":["can't be blank"]}}"#, "title can't be blank"),
            (400, r#"{"error":"title is missing"}"#, "title is missing"),
            (
                401,
                r#"{"error":"invalid_token","error_description":"Token was revoked."}"#,
                "invalid_token: Token was revoked.",
            ),
            (
                429,
                r#"{"message":{"error":"This endpoint has been requested too many times."}}"#,
                "This endpoint has been requested too many times.",
            ),
            (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway"),
            (429, "Retry later\n", "Retry later"),
        ];
        for (status, body, want) in table {
            assert_eq!(error_message(StatusCode::from_u16(status).unwrap(), body.as_bytes()), want, "{body}");
        }
        assert!(classify(StatusCode::NOT_FOUND, br#"{"message":"404 Project Not Found"}"#).is_fatal());
        assert!(!classify(StatusCode::NOT_FOUND, br#"{"message":"404 Not found"}"#).is_fatal());
    }

    #[test]
    fn plain_http_only_for_this_machine() {
        assert_eq!(host_of("https://gitlab.com"), Ok(("gitlab.com".into(), false)));
        assert_eq!(host_of("https://example.com/gitlab/"), Ok(("example.com/gitlab".into(), false)));
        assert_eq!(host_of("http://127.0.0.1:8080"), Ok(("127.0.0.1:8080".into(), true)));
        assert_eq!(host_of("http://localhost:1"), Ok(("localhost:1".into(), true)));
        assert!(host_of("http://gitlab.example.com").unwrap_err().contains("plain http"));
        assert!(host_of("ftp://x").is_err());
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
