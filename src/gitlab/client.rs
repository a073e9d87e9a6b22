//! A connection to one GitLab instance for one token: who the token is, the projects resolved so
//! far, and the reading of answers every endpoint shares.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use gitlab::api;
use serde::Deserialize;

use super::errors::ApiError;
use super::settings::{ClientSettings, RequestCounts};
use super::transport::{self, next_page, Call, Class, Token, Transport};

/// A GitLab user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
    /// `active`, `blocked`, `banned`, ...; absent in some answers.
    #[serde(default)]
    pub state: Option<String>,
}

/// A project as GitLab names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: u64,
    /// GitLab's current `path_with_namespace`.
    pub path: String,
}

pub(super) struct Inner {
    pub transport: Transport,
    /// The token's user, once `identify` has read it.
    pub me: OnceLock<User>,
    /// Resolved projects by lowercase spelling (every spelling of one project maps to it).
    pub projects: Mutex<BTreeMap<String, Project>>,
}

/// A connection to one GitLab instance for one token.
#[derive(Clone)]
pub struct Gitlab {
    pub(super) inner: Arc<Inner>,
}

impl Gitlab {
    /// Connect and check the token: one `GET /user`, retried like every other read (429 as
    /// told, 5xx, timeouts, refused connections).
    pub async fn connect(
        url: &str,
        token: &Token,
        accept_invalid_certs: bool,
        s: &ClientSettings,
    ) -> Result<Gitlab, ApiError> {
        let gl = Gitlab::new(url, token, accept_invalid_certs, s)?;
        gl.identify().await?;
        Ok(gl)
    }

    /// A connection that has sent nothing yet: `identify` checks the token, alongside whatever
    /// else a run reads first (the token's expiry, the projects), so they cost one round trip.
    pub fn new(url: &str, token: &Token, accept_invalid_certs: bool, s: &ClientSettings) -> Result<Gitlab, ApiError> {
        let transport = Transport::new(url, token, accept_invalid_certs, s)?;
        let inner = Inner { transport, me: OnceLock::new(), projects: Mutex::new(BTreeMap::new()) };
        Ok(Gitlab { inner: Arc::new(inner) })
    }

    /// Check the token and learn its user: one `GET /user`.
    pub async fn identify(&self) -> Result<&User, ApiError> {
        let ep = api::users::CurrentUser::builder().build().map_err(|e| ApiError::Config(e.to_string()))?;
        let call = self.inner.transport.call(&ep, &[], &[], Class::Read)?;
        let (_, body) = self.inner.transport.send(&call).await?;
        let me: User = serde_json::from_slice(&body).map_err(|e| unexpected(&e))?;
        Ok(self.inner.me.get_or_init(|| me))
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
    pub(super) async fn all_pages<T: for<'de> Deserialize<'de>, E: api::Endpoint>(
        &self,
        ep: &E,
    ) -> Result<Vec<T>, ApiError> {
        self.pages_until(ep, &|t| t, &|_| false).await
    }

    /// The items of a paged listing, each turned by `map`, page after page until `enough` says
    /// the items so far are enough, or the last page.
    pub(super) async fn pages_until<W: for<'de> Deserialize<'de>, T, E: api::Endpoint>(
        &self,
        ep: &E,
        map: &dyn Fn(W) -> T,
        enough: &dyn Fn(&[T]) -> bool,
    ) -> Result<Vec<T>, ApiError> {
        let mut all = Vec::new();
        let mut page = Some(1);
        while let Some(n) = page {
            let q = [("per_page", "100".to_string()), ("page", n.to_string())];
            let (headers, items): (_, Vec<W>) =
                self.json(&self.inner.transport.call(ep, &q, &[], Class::Read)?).await?;
            all.extend(items.into_iter().map(map));
            page = next_page(&headers).filter(|_| !enough(&all));
        }
        Ok(all)
    }

    pub(super) async fn json<T: for<'de> Deserialize<'de>>(
        &self,
        call: &Call,
    ) -> Result<(http::HeaderMap, T), ApiError> {
        let (headers, body) = self.inner.transport.send(call).await?;
        let value = serde_json::from_slice(&body).map_err(|e| unexpected(&e));
        self.inner.transport.recycle(body);
        Ok((headers, value?))
    }
}

pub(super) fn unexpected(e: &serde_json::Error) -> ApiError {
    ApiError::Server { status: 200, message: format!("unexpected answer from GitLab: {e}") }
}
