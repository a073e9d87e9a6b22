//! GitLab users: the token's own, usernames to ids (blocked accounts count as unknown), and a
//! user by id (to tell why an assignee was refused).

use gitlab::api;

use super::client::{Gitlab, User};
use super::errors::ApiError;
use super::transport::Class;

impl Gitlab {
    /// The token's user, read when connecting.
    pub fn me(&self) -> &User {
        self.inner.me.get().expect("the token's user is read (`identify`) before anything uses it")
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

    /// The user with this id, blocked ones included with their state; `None` when no user has
    /// it (`404 User Not Found`, lib/api/users.rb `get ":id"`: any signed-in user may read another).
    pub async fn user_by_id(&self, id: u64) -> Result<Option<User>, ApiError> {
        let ep = api::users::User::builder().user(id).build().map_err(|e| ApiError::Config(e.to_string()))?;
        match self.json::<User>(&self.inner.transport.call(&ep, &[], &[], Class::Read)?).await {
            Ok((_, user)) => Ok(Some(user)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
