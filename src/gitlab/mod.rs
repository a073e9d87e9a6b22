//! The only module that talks to GitLab. `transport` sends every request (the token only to the
//! configured origin, timeouts, retries, pacing); `issues`, `users`, `projects`, `repository`
//! (roster files), `tokens` (the token's expiry), `labels` (the run lock) and `merge_requests`
//! (the plan's comment) are the endpoints onboarder uses, built with the `gitlab` crate's endpoint builders; `errors` reads GitLab's
//! answers when they are not a success.

mod errors;
mod issues;
mod labels;
mod merge_requests;
mod projects;
mod repository;
mod tokens;
mod transport;
mod users;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use gitlab::api;
use serde::Deserialize;

pub use errors::{error_message, ApiError};
pub use issues::{Asked, Listing};
pub use labels::Label;
pub use merge_requests::{MrNote, NoteAuthor};
pub use projects::{reach_advice, Project, PLANNER};
pub use repository::TreeEntry;
pub use transport::Token;
pub use users::User;

use crate::config::SyncSettings;
use crate::report::RequestCounts;
use transport::{Call, Class, Transport};

struct Inner {
    transport: Transport,
    me: User,
    /// Resolved projects by lowercase spelling (every spelling of one project maps to it).
    projects: Mutex<BTreeMap<String, Project>>,
}

/// A connection to one GitLab instance for one token.
#[derive(Clone)]
pub struct Gitlab {
    inner: Arc<Inner>,
}

impl Gitlab {
    /// Connect and check the token: one `GET /user`, retried like every other read (429 as
    /// told, 5xx, timeouts, refused connections).
    pub async fn connect(
        url: &str,
        token: &Token,
        accept_invalid_certs: bool,
        s: &SyncSettings,
    ) -> Result<Gitlab, ApiError> {
        let transport = Transport::new(url, token, accept_invalid_certs, s)?;
        let ep = api::users::CurrentUser::builder().build().map_err(|e| ApiError::Config(e.to_string()))?;
        let call = transport.call(&ep, &[], &[], Class::Read)?;
        let (_, body) = transport.send(&call).await?;
        let me: User = serde_json::from_slice(&body).map_err(|e| unexpected(&e))?;
        let inner = Inner { transport, me, projects: Mutex::new(BTreeMap::new()) };
        Ok(Gitlab { inner: Arc::new(inner) })
    }

    /// How many requests may be in flight at once (the config's `concurrency`).
    pub fn concurrency(&self) -> usize {
        self.inner.transport.concurrency
    }

    /// Requests made so far.
    pub fn counts(&self) -> RequestCounts {
        self.inner.transport.counts()
    }

    /// Wait before another attempt at a write that failed with `e` (as told by a 429).
    pub async fn pause_before_retry(&self, e: &ApiError, attempt: u32) {
        let wait = match e {
            ApiError::Throttled { wait, .. } => *wait,
            _ => transport::backoff(attempt),
        };
        self.inner.transport.retry_after(wait, e).await;
    }

    /// Every item of a paged listing: 100 a page, following the next-page headers to the end.
    async fn all_pages<T: for<'de> Deserialize<'de>, E: api::Endpoint>(&self, ep: &E) -> Result<Vec<T>, ApiError> {
        let mut all = Vec::new();
        let mut page = Some(1);
        while let Some(n) = page {
            let q = [("per_page", "100".to_string()), ("page", n.to_string())];
            let (headers, items): (_, Vec<T>) =
                self.json(&self.inner.transport.call(ep, &q, &[], Class::Read)?).await?;
            all.extend(items);
            page = issues::next_page(&headers);
        }
        Ok(all)
    }

    async fn json<T: for<'de> Deserialize<'de>>(&self, call: &Call) -> Result<(http::HeaderMap, T), ApiError> {
        let (headers, body) = self.inner.transport.send(call).await?;
        let value = serde_json::from_slice(&body).map_err(|e| unexpected(&e))?;
        Ok((headers, value))
    }
}

fn unexpected(e: &serde_json::Error) -> ApiError {
    ApiError::Server { status: 200, message: format!("unexpected answer from GitLab: {e}") }
}
