//! What a directory on disk cannot hold of a git repository: submodules (gitlinks) and the
//! Git LFS objects that pointer files stand for.

use std::collections::{BTreeMap, HashMap};

use crate::FakeGitlab;

/// Submodules per project and ref, and LFS objects per project.
#[derive(Default)]
pub(crate) struct GitObjects {
    /// (project id, ref) -> path -> commit id.
    submodules: HashMap<(u64, String), BTreeMap<String, String>>,
    /// Project id -> oid -> content (`LfsObject`, linked to the project).
    lfs: HashMap<u64, HashMap<String, Vec<u8>>>,
}

impl GitObjects {
    /// The submodules of a ref, by path.
    pub fn submodules(&self, project_id: u64, git_ref: &str) -> Option<&BTreeMap<String, String>> {
        self.submodules.get(&(project_id, git_ref.to_string()))
    }

    /// An LFS object the project may read.
    pub fn lfs_object(&self, project_id: u64, oid: &str) -> Option<&[u8]> {
        self.lfs.get(&project_id)?.get(oid).map(Vec::as_slice)
    }
}

/// The text of a Git LFS pointer file for an object (the spec's three keys, in order).
pub fn lfs_pointer(oid: &str, size: usize) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n")
}

/// The oid of a blob that is an LFS pointer, as `Gitlab::Git::Blob#lfs_pointer?` decides: at
/// most 200 bytes (`LFS_POINTER_MAX_SIZE`), starting with the spec's version line, with a
/// `sha256:` oid of 64 hex digits and a size (lib/gitlab/git/blob.rb).
pub(crate) fn lfs_oid(data: &[u8]) -> Option<String> {
    if data.len() > 200 {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    if !text.starts_with("version https://git-lfs.github.com/spec") {
        return None;
    }
    let oid = text.split("sha256:").nth(1)?.get(..64)?;
    let has_size = text.split("size ").nth(1).is_some_and(|s| s.starts_with(|c: char| c.is_ascii_digit()));
    (oid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) && has_size).then(|| oid.to_string())
}

impl FakeGitlab {
    /// Adds a submodule at `path` of branch `git_ref` pointing at commit `commit_id`: the tree
    /// lists it as `type: "commit"`, `mode: "160000"`, `id` the commit; it has no raw file, and
    /// a directory at that path on disk is not listed.
    pub fn add_submodule(&self, project: &str, git_ref: &str, path: &str, commit_id: &str) {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        let path = path.trim_matches('/').to_string();
        st.git.submodules.entry((pid, git_ref.to_string())).or_default().insert(path, commit_id.to_string());
    }

    /// Stores a Git LFS object for the project. A file whose content is `lfs_pointer(oid, ..)`
    /// is served as that pointer by `/repository/files/:path/raw`, and as `content` with
    /// `lfs=true`.
    pub fn add_lfs_object(&self, project: &str, oid: &str, content: impl Into<Vec<u8>>) {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        st.git.lfs.entry(pid).or_default().insert(oid.to_string(), content.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_recognised_as_gitlab_does() {
        let oid = "a".repeat(64);
        assert_eq!(lfs_oid(lfs_pointer(&oid, 12).as_bytes()), Some(oid.clone()));
        assert_eq!(lfs_oid(b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n"), None);
        assert_eq!(lfs_oid(format!("{}\n{}", "x".repeat(300), lfs_pointer(&oid, 1)).as_bytes()), None);
        assert_eq!(lfs_oid(b"plain text"), None);
    }
}
