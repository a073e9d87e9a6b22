//! Start-up configuration of a fake server: latency, plan, rate limits, pagination threshold,
//! release, and the order of an issue's assignees.

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

/// The order in which an issue's `assignees` (and `assignee`, the first) are answered.
///
/// GitLab orders nothing there: `has_many :assignees, through: :issue_assignees`
/// (app/models/issue.rb) has no `order`, so the rows come in whatever order the database reads
/// them, and GitLab itself compares assignee ids as sets (`ids_changing?` in
/// app/services/issuable_base_service.rb sorts both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssigneeOrder {
    /// In the order they were set (the order of `assignee_ids` as sent): the fake's first model.
    #[default]
    AsSent,
    /// By user id: the order of a read through the unique index on `(issue_id, user_id)`
    /// (`index_issue_assignees_on_issue_id_and_user_id`, db/structure.sql), whatever order the
    /// ids were sent in.
    ById,
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
    /// The order of an issue's assignees in answers (`AssigneeOrder::AsSent` by default).
    pub assignee_order: AssigneeOrder,
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
            assignee_order: AssigneeOrder::AsSent,
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
