//! An issue as GitLab has it, and the changes onboarder asks of it: the one shape the GitLab
//! module converts its answers to and its requests from. Plain data: no IO, no decisions.

use chrono::NaiveDate;

use crate::region;

/// An issue as GitLab has it, converted at the GitLab boundary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub project: String,
    /// The project's numeric id (what a seal is bound to: paths change, ids do not).
    pub project_id: u64,
    pub iid: u64,
    pub title: String,
    pub description: String,
    pub open: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due_date: Option<NaiveDate>,
    pub web_url: String,
    /// In the order GitLab lists them, matching `assignees`.
    pub assignee_ids: Vec<u64>,
    /// Set on an issue moved to another project (it stays here, closed).
    pub moved_to_id: Option<u64>,
    /// Comments by people (system notes not counted).
    pub user_notes_count: u64,
    /// Who opened the issue: only issues onboarder's own account opened are onboarder's.
    pub author_id: Option<u64>,
    pub author_username: Option<String>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was closed, if it is.
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Visible only to members who may see confidential issues, its author and its assignees.
    pub confidential: bool,
    /// Set when the description was dropped to save memory, once the issue had been planned as it
    /// was listed: the key it carried.
    pub key_kept: Option<String>,
}

impl Observed {
    /// The issue's key: from its description, or kept when the description was dropped.
    pub fn key(&self) -> Option<String> {
        match &self.key_kept {
            Some(k) => Some(k.clone()),
            None => region::key_of(&self.description),
        }
    }

    /// The description was dropped after planning (see `key_kept`).
    pub fn dropped(&self) -> bool {
        self.key_kept.is_some()
    }
}

/// A comment or system note on an issue, as GitLab lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub author_id: u64,
    /// The author's username, as GitLab gives it with the note.
    pub author_username: Option<String>,
    pub body: String,
    /// Written by GitLab itself for an action (a ticked box, a changed description), not a comment.
    pub system: bool,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The fields of an existing issue to change; only what differs is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    pub assignees: Option<Vec<String>>,
    pub due_date: Option<Option<NaiveDate>>,
    pub close: bool,
    /// Make the issue confidential (or visible to everyone).
    pub confidential: Option<bool>,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        *self == Edit::default()
    }
}

/// A new issue to create (its description is written when it is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssue {
    pub title: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub due_date: Option<NaiveDate>,
    /// Created confidential: seen only by members who may see confidential issues, its author
    /// and its assignees.
    pub confidential: bool,
}
