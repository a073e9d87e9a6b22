//! The records the fake exposes to tests: issues, notes, recorded requests, quick actions, mentions.

use chrono::{DateTime, Utc};

use crate::tasks;

/// An issue as stored (after quick actions were stripped from its description).
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Global id.
    pub id: u64,
    /// Per-project id, the one used in URLs.
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    /// Empty when there is none (rendered as `null`).
    pub description: String,
    /// `"opened"` or `"closed"`.
    pub state: String,
    /// Label names, kept sorted.
    pub labels: Vec<String>,
    pub assignee_ids: Vec<u64>,
    pub author_id: u64,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub confidential: bool,
    /// `issue`, `incident`, `test_case` or `task`.
    pub issue_type: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by_id: Option<u64>,
    /// Global id of the issue this one was moved to (it stays here, closed).
    pub moved_to_id: Option<u64>,
}

impl Issue {
    /// Ticks (or unticks) the first task item whose line contains `text_contains`.
    /// Returns false when no task item matches.
    pub fn set_task(&mut self, text_contains: &str, checked: bool) -> bool {
        tasks::set_task(&mut self.description, text_contains, checked)
    }

    /// `(count, completed)` as GitLab computes `task_completion_status`.
    pub fn task_status(&self) -> (usize, usize) {
        tasks::task_status(&self.description)
    }

    pub fn is_open(&self) -> bool {
        self.state == "opened"
    }
}

/// A project label (`ProjectLabel` in the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Global id.
    pub id: u64,
    pub name: String,
    /// `#rrggbb` or a CSS colour name, as given.
    pub color: String,
    pub description: Option<String>,
}

/// A comment on an issue or a merge request, or a system note GitLab wrote about a change.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: u64,
    pub body: String,
    /// Who wrote it; for a system note, who made the change it records.
    pub author_id: u64,
    /// `true` for GitLab's own notes ("marked the checklist item ...", "made the issue
    /// confidential"); `false` for comments people and clients post.
    pub system: bool,
    pub created_at: DateTime<Utc>,
    /// Moves on when its author edits the body.
    pub updated_at: DateTime<Utc>,
}

/// One HTTP request as the fake saw it, with the status it answered (0: no answer was sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Route template such as `/api/v4/projects/:id/issues/:iid`; empty when no route matched.
    pub route: String,
    /// Raw path, still percent-encoded.
    pub path: String,
    pub query: String,
    pub status: u16,
    /// The `PRIVATE-TOKEN` value (or the bearer token, or the `JOB-TOKEN`).
    pub auth: Option<String>,
    pub body: String,
    /// Every header but `PRIVATE-TOKEN`, `Authorization` and `JOB-TOKEN`.
    pub other_headers: Vec<(String, String)>,
}

/// A quick action the fake executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickActionRecord {
    /// Full path of the project.
    pub project: String,
    pub iid: u64,
    /// Lower-cased command word as written (`close`, `label`, ...).
    pub command: String,
    pub args: String,
    /// `"description"` or `"note"`.
    pub source: String,
}

/// A reference that would notify someone or cross-link an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionRecord {
    pub project: String,
    pub iid: u64,
    /// `"user"` for `@name` (including `@all` and `@group/sub`), `"issue"` for `#123`.
    pub kind: String,
    /// The reference as written, e.g. `@alice` or `#12`.
    pub text: String,
    /// `"title"`, `"description"` or `"note"`.
    pub source: String,
}
