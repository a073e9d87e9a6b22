//! Start-up configuration of a fake server: latency, plan, rate limits and pagination threshold.

use std::time::Duration;

use crate::version::{TreePaging, Version};

/// A fixed-window limit: at most `max` requests per aligned window of length `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl Limit {
    pub fn new(max: u32, window: Duration) -> Self {
        Limit { max, window }
    }

    /// `max` requests per minute, GitLab's usual window.
    pub fn per_minute(max: u32) -> Self {
        Limit::new(max, Duration::from_secs(60))
    }
}

/// How the fake behaves. `Options::default()` turns every limit and fault off.
#[derive(Debug, Clone)]
pub struct Options {
    /// Added to every response, after the request has been handled.
    pub latency: Duration,
    /// GitLab Free/CE: an issue keeps only one assignee.
    pub free_mode: bool,
    /// Application limit on issue creation (no Retry-After or RateLimit headers).
    pub issue_create_limit: Option<Limit>,
    /// Application limit on note creation (no Retry-After or RateLimit headers).
    pub note_create_limit: Option<Limit>,
    /// Rack::Attack style throttle on every authenticated request (with headers).
    pub request_throttle: Option<Limit>,
    /// Above this many results, X-Total, X-Total-Pages and rel="last" are left out.
    pub max_counted_total: usize,
    /// Used in `web_url` and `Link`; `None` means `http://127.0.0.1:PORT`.
    pub base_url_override: Option<String>,
    /// Largest accepted issue description, in bytes (GitLab: `Issuable::DESCRIPTION_LENGTH_MAX`,
    /// 1 MiB).
    pub max_description_bytes: usize,
    /// The GitLab release answered as (`Version::NEWEST` by default).
    pub gitlab_version: Version,
    /// How the repository tree is ordered and paged (`TreePaging::Plain` by default).
    pub tree_paging: TreePaging,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            latency: Duration::ZERO,
            free_mode: false,
            issue_create_limit: None,
            note_create_limit: None,
            request_throttle: None,
            max_counted_total: 10_000,
            base_url_override: None,
            max_description_bytes: 1_048_576,
            gitlab_version: Version::NEWEST,
            tree_paging: TreePaging::Plain,
        }
    }
}

impl Options {
    /// The limits GitLab.com documents: 200 issues, 60 notes and 2,000 API requests a minute.
    pub fn gitlab_com() -> Self {
        Options {
            issue_create_limit: Some(Limit::per_minute(200)),
            note_create_limit: Some(Limit::per_minute(60)),
            request_throttle: Some(Limit::per_minute(2_000)),
            ..Options::default()
        }
    }
}
