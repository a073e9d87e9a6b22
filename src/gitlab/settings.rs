//! How the client talks to GitLab: requests at once, timeouts, retries, the limits it paces
//! itself under, and the count of what it sent.

use std::time::Duration;

use serde::Serialize;

/// Request pacing under GitLab's limits (GitLab.com values by default).
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    pub window: Duration,
    pub requests: u32,
    pub issue_creates: u32,
    pub notes: u32,
}

impl RateLimits {
    /// This run's share when `shards` runs share one token (GitLab counts per user): each limit
    /// divided by the shard count, rounded down, never below one.
    pub fn shared_by(&self, shards: u32) -> RateLimits {
        let part = |l: u32| (l / shards.max(1)).max(1);
        RateLimits {
            window: self.window,
            requests: part(self.requests),
            issue_creates: part(self.issue_creates),
            notes: part(self.notes),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { window: Duration::from_secs(60), requests: 2000, issue_creates: 200, notes: 60 }
    }
}

/// How the client talks to GitLab (from the config).
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub concurrency: usize,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub limits: RateLimits,
}

/// API requests made by a run: `total` is the sum of the methods' counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    pub total: u64,
    pub get: u64,
    pub post: u64,
    pub put: u64,
    /// The run lock's label is let go with a DELETE.
    pub delete: u64,
    /// Any other method (none today).
    pub other: u64,
    pub retries: u64,
    pub rate_limited: u64,
}
