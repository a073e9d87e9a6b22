//! The token's own details: when it expires, if it may say.

use chrono::NaiveDate;
use gitlab::api;
use serde::Deserialize;

use super::client::Gitlab;
use super::errors::ApiError;
use super::transport::Class;

#[derive(Deserialize)]
struct TokenDetails {
    expires_at: Option<NaiveDate>,
}

impl Gitlab {
    /// The day the token expires (`GET /personal_access_tokens/self`, one request). `None` when
    /// it never expires or cannot read its own details, which only says what kind of token it
    /// is or which GitLab answers, and is not an error: a token that is not a personal access
    /// token (an OAuth token) gets 400 (lib/api/personal_access_tokens/self_information_api.rb);
    /// a CI job token 401; GitLab 15.1 to 15.4 answers 401 (`self` taken for an id), 13.3 to 15.0
    /// 405 (only `DELETE /personal_access_tokens/:id` exists), older 404
    /// (doc/api/personal_access_tokens.md); 403 where a policy refuses it.
    pub async fn token_expiry(&self) -> Option<NaiveDate> {
        let ep = api::personal_access_tokens::PersonalAccessTokenSelf::builder().build().ok()?;
        let call = self.inner.transport.call(&ep, &[], &[], Class::Read).ok()?;
        match self.json::<TokenDetails>(&call).await {
            Ok((_, d)) => d.expires_at,
            Err(
                ApiError::Unauthorized(_)
                | ApiError::Forbidden(_)
                | ApiError::NotFound(_)
                | ApiError::Rejected { status: 400 | 405, .. },
            ) => None,
            Err(e) => {
                tracing::info!("cannot read the token's expiry date: {e}");
                None
            }
        }
    }
}
