//! GitLab users: the token's own, and usernames to ids (blocked accounts count as unknown).

use gitlab::api;

use super::client::{Gitlab, User};
use super::errors::ApiError;
use super::transport::Class;

impl Gitlab {
    /// The token's user, read when connecting.
    pub fn me(&self) -> &User {
        &self.inner.me
    }

    /// The id of an active GitLab user, `None` if there is none by that name. GitLab leaves
    /// blocked and banned users out of this lookup for tokens without admin rights; an admin
    /// token sees them, with their state, and they count as unknown too.
    pub async fn user_id(&self, username: &str) -> Result<Option<u64>, ApiError> {
        let ep =
            api::users::Users::builder().username(username).build().map_err(|e| ApiError::Config(e.to_string()))?;
        let (_, users): (_, Vec<User>) = self.json(&self.inner.transport.call(&ep, &[], &[], Class::Read)?).await?;
        Ok(users
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(username) && u.state.as_deref().is_none_or(|s| s == "active"))
            .map(|u| u.id))
    }
}
