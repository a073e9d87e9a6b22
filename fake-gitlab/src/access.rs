//! Who may do what: member roles, project access tokens, blocked users and token expiry.

use chrono::NaiveDate;

use crate::FakeGitlab;

/// A member's role in a project, lowest first. A user without a role set may do everything the
/// fake models (as a Maintainer would).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Creates and edits issues, but GitLab silently drops labels, assignees, due date and
    /// milestone from its requests (no `admin_issue`).
    Guest,
    /// GitLab 17.7+: may set issue metadata, like a Reporter.
    Planner,
    Reporter,
    Developer,
    Maintainer,
    Owner,
}

impl FakeGitlab {
    /// Gives `user_id` this role in `project`; `Role::Guest` makes metadata writes vanish
    /// silently (answered 200/201), as GitLab does for members below Reporter.
    pub fn set_role(&self, user_id: u64, project: &str, role: Role) {
        self.lock().project_mut_by_path(project).roles.insert(user_id, role);
    }

    /// Makes `token` a project access token of `project`: every other project answers
    /// `404 {"message":"404 Project Not Found"}` to it, as if it did not exist.
    pub fn limit_token_to_project(&self, token: &str, project: &str) {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        let t = st.tokens.get_mut(token).unwrap_or_else(|| panic!("fake-gitlab: no token {token:?}; add_token first"));
        t.project = Some(pid);
    }

    /// Blocks the user: left out of `GET /users?username=` (non-admin callers), never
    /// assignable (dropped like an unknown id), shown with `state: "blocked"`.
    pub fn block_user(&self, username: &str) {
        self.set_user_state(username, "blocked");
    }

    /// Bans the user: treated like a blocked user, shown with `state: "banned"`.
    pub fn ban_user(&self, username: &str) {
        self.set_user_state(username, "banned");
    }

    /// Makes a blocked or banned user active again.
    pub fn unblock_user(&self, username: &str) {
        self.set_user_state(username, "active");
    }

    fn set_user_state(&self, username: &str, state: &'static str) {
        let mut st = self.lock();
        let id =
            st.user_by_username(username).map(|u| u.id).unwrap_or_else(|| panic!("fake-gitlab: no user {username:?}"));
        if let Some(u) = st.users.get_mut(&id) {
            u.state = state;
        }
    }

    /// Sets the date `GET /personal_access_tokens/self` reports as `expires_at` (`None`: never).
    /// From that day on the token answers 401, as an expired token does.
    pub fn set_token_expiry(&self, token: &str, expires_at: Option<NaiveDate>) {
        let mut st = self.lock();
        let t = st.tokens.get_mut(token).unwrap_or_else(|| panic!("fake-gitlab: no token {token:?}; add_token first"));
        t.expires_at = expires_at;
    }
}
