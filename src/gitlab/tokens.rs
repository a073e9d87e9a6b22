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
    /// it never expires or cannot read its own details: a 401, 403 or 404 there only means the
    /// kind of token (a CI job token, an older GitLab) cannot, and is not an error.
    pub async fn token_expiry(&self) -> Option<NaiveDate> {
        let ep = api::personal_access_tokens::PersonalAccessTokenSelf::builder().build().ok()?;
        let call = self.inner.transport.call(&ep, &[], &[], Class::Read).ok()?;
        match self.json::<TokenDetails>(&call).await {
            Ok((_, d)) => d.expires_at,
            Err(ApiError::Unauthorized(_) | ApiError::Forbidden(_) | ApiError::NotFound(_)) => None,
            Err(e) => {
                tracing::info!("cannot read the token's expiry date: {e}");
                None
            }
        }
    }
}
