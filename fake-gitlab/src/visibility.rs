//! Who may see a confidential issue: members with Planner or Reporter access and up, its author
//! and its assignees. Everyone else gets 404 for it and does not find it in lists.
//!
//! GitLab: app/policies/issue_policy.rb (`can_read_confidential`: `planner_or_reporter_access? ||
//! assignee_or_author?`; `confidential & ~can_read_confidential` prevents `read_issue` and
//! `update_issue`), app/finders/issues_finder.rb (`with_confidentiality_access_check`).

use crate::model::Issue;
use crate::state::State;

/// Whether `user` may read `issue` of project `project_id` (the project itself is visible).
pub(crate) fn can_read(st: &State, project_id: u64, user: u64, issue: &Issue) -> bool {
    !issue.confidential
        || st.may_set_metadata(project_id, user)
        || issue.author_id == user
        || issue.assignee_ids.contains(&user)
}
