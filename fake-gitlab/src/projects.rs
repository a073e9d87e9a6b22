//! What happens to projects and their issues behind the client's back: renames, moves, and a
//! repository served from a directory.

use std::path::Path;

use crate::model::Note;
use crate::FakeGitlab;

impl FakeGitlab {
    /// Renames (or transfers) a project: `new` is served from now on and `old` keeps resolving to
    /// the same project, case-insensitively, until another project takes it. GitLab keeps a
    /// RedirectRoute for the old path and the API looks projects up with
    /// `find_by_full_path(id, follow_redirects: true)` (lib/api/helpers.rb), so
    /// `/api/v4/projects/OLD%2FPATH/...` is answered directly, with no 301.
    pub fn rename_project(&self, old: &str, new: &str) {
        let mut st = self.lock();
        let project = st.project_mut_by_path(old);
        let id = project.id;
        let previous = std::mem::replace(&mut project.path, new.to_string());
        st.redirect_routes.remove(&new.to_lowercase());
        st.redirect_routes.insert(previous.to_lowercase(), id);
    }

    /// Moves an issue as GitLab's Issues::MoveService does (app/services/issues/move_service.rb):
    /// a copy is created in `to_project` with the next iid there, keeping title, description,
    /// labels, assignees, author, state and `created_at` (`serializable_hash` of the original),
    /// and copies of its notes; the original stays in `project`, closed, with `moved_to_id` set to
    /// the new issue's global id. Returns the new iid.
    pub fn move_issue(&self, project: &str, iid: u64, to_project: &str) -> u64 {
        let mut st = self.lock();
        let source = st.project_mut_by_path(project);
        let source_id = source.id;
        let original =
            source.issues.get(&iid).cloned().unwrap_or_else(|| panic!("fake-gitlab: no issue {project}#{iid}"));
        let notes = source.notes.get(&iid).cloned().unwrap_or_default();
        let target = st.project_mut_by_path(to_project).id;
        let now = st.now();
        let mut copy = original;
        copy.updated_at = now;
        copy.moved_to_id = None;
        let new_iid = st.insert_issue(target, copy);
        let new_id = st.issue(target, new_iid).map_or(0, |i| i.id);
        let copied: Vec<Note> = notes.into_iter().map(|n| Note { id: st.next_note_id(), ..n }).collect();
        if !copied.is_empty() {
            st.projects.get_mut(&target).expect("target exists").notes.insert(new_iid, copied);
        }
        let moved = st.issue_mut(source_id, iid).expect("original exists");
        moved.moved_to_id = Some(new_id);
        moved.updated_at = now;
        if moved.is_open() {
            moved.state = "closed".into();
            moved.closed_at = Some(now);
        }
        new_iid
    }

    /// Serves the files under `dir` as branch (or tag) `git_ref` of `project`, read from disk at
    /// each request: `GET /projects/:id/repository/tree` (paged, `recursive=true`) and
    /// `GET /projects/:id/repository/files/:path/raw?ref=` (404 File Not Found when missing).
    pub fn add_repository_dir(&self, project: &str, git_ref: &str, dir: impl AsRef<Path>) {
        let dir = dir.as_ref().to_path_buf();
        self.lock().project_mut_by_path(project).repositories.insert(git_ref.to_string(), dir);
    }
}
