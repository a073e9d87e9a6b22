//! Acting as a person in GitLab's UI: editing an issue as a given user, so that GitLab's system
//! notes about the change (ticked boxes, a changed description, confidentiality) name that user.

use crate::model::{Issue, Note};
use crate::state::normalize_labels;
use crate::system_notes;
use crate::FakeGitlab;

impl FakeGitlab {
    /// Changes an issue as user `editor` would in the UI. Like `human_edit`, and GitLab's system
    /// notes for the change are written with `editor` as their author: one per task item ticked
    /// or unticked, else "changed the description" when the description changed, and "made the
    /// issue confidential" / "made the issue visible to everyone".
    pub fn human_edit_by(&self, editor: u64, project: &str, iid: u64, f: impl FnOnce(&mut Issue)) {
        self.edit_as(Some(editor), project, iid, f);
    }

    /// Opens an issue as user `author` would in the UI (a module issue a person opened from the
    /// module's template, say), assigned to `assignees`; when `closed`, then closes it as the
    /// author (`closed_at` and `closed_by_id` set, as `Issues::CloseService` does). Returns its iid.
    pub fn human_open_issue(&self, project: &str, author: u64, title: &str, assignees: &[u64], closed: bool) -> u64 {
        let iid = self.human_create_issue(project, author, title, "", &[]);
        self.edit_as(Some(author), project, iid, |i| {
            i.assignee_ids = assignees.to_vec();
            if closed {
                i.state = "closed".into();
                i.closed_by_id = Some(author);
            }
        });
        iid
    }

    /// Posts a comment on an issue as user `author` would in the UI (no quick action runs, no
    /// mention is recorded: only the note itself, as that user's).
    pub fn human_comment(&self, project: &str, iid: u64, author: u64, body: &str) {
        let mut st = self.lock();
        let now = st.now();
        let project_id = st.project_mut_by_path(project).id;
        let id = st.next_note_id();
        let note =
            Note { id, body: body.to_string(), author_id: author, system: false, created_at: now, updated_at: now };
        let p = st.projects.get_mut(&project_id).expect("project exists");
        assert!(p.issues.contains_key(&iid), "fake-gitlab: no issue {project}#{iid}");
        p.notes.entry(iid).or_default().push(note);
    }

    /// The issue's comments only, oldest first: what `notes` returns without GitLab's system
    /// notes (`activity_filter=only_comments` in the API).
    pub fn user_notes(&self, project: &str, iid: u64) -> Vec<Note> {
        self.notes(project, iid).into_iter().filter(|n| !n.system).collect()
    }

    /// The edit behind `human_edit` and `human_edit_by`. Without an editor, the issue's first
    /// assignee edits (the person the issue is for, who ticks its boxes), or its author when it
    /// has no assignee.
    pub(crate) fn edit_as(&self, editor: Option<u64>, project: &str, iid: u64, f: impl FnOnce(&mut Issue)) {
        let mut st = self.lock();
        let now = st.now();
        let project_id = st.project_mut_by_path(project).id;
        let issue = st.issue_mut(project_id, iid).unwrap_or_else(|| panic!("fake-gitlab: no issue {project}#{iid}"));
        let before = issue.clone();
        f(issue);
        if issue.updated_at == before.updated_at {
            issue.updated_at = now;
        }
        if issue.is_open() {
            issue.closed_at = None;
            issue.closed_by_id = None;
        } else if issue.closed_at.is_none() {
            issue.closed_at = Some(now);
        }
        normalize_labels(&mut issue.labels);
        let editor = editor.unwrap_or_else(|| before.assignee_ids.first().copied().unwrap_or(before.author_id));
        system_notes::record_update(&mut st, project_id, iid, editor, &before);
    }
}
