//! Files in a project's repository: the entries of a directory (every page) and a file's bytes,
//! read within a size limit.

use std::collections::BTreeSet;

use bytes::Bytes;
use gitlab::api;
use serde::Deserialize;

use super::client::Gitlab;
use super::errors::ApiError;
use super::transport::{next_page, Class};

/// One entry of a repository tree.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TreeEntry {
    pub name: String,
    /// From the repository's root.
    pub path: String,
    /// `blob` (a file), `tree` (a directory) or `commit` (a submodule).
    #[serde(rename = "type")]
    pub kind: String,
    /// Git's file mode: `100644`, `100755`, `120000` (a symlink), `040000`.
    pub mode: String,
}

impl TreeEntry {
    /// A file git stores as is (not a symlink, a directory or a submodule).
    pub fn is_regular_file(&self) -> bool {
        self.kind == "blob" && self.mode != "120000"
    }
}

impl Gitlab {
    /// The entries directly in `path` at `git_ref` (`None`: the default branch), following every
    /// page of 100. A path or ref that does not exist is GitLab's 404 "Tree Not Found".
    pub async fn tree(&self, project: &str, path: &str, git_ref: Option<&str>) -> Result<Vec<TreeEntry>, ApiError> {
        let ep = api::projects::repository::Tree::builder()
            .project(self.project_ref(project))
            .build()
            .map_err(|e| ApiError::Config(e.to_string()))?;
        let t = &self.inner.transport;
        let mut query = vec![("path", path.to_string()), ("per_page", "100".to_string())];
        if let Some(r) = git_ref {
            query.push(("ref", r.to_string()));
        }
        let mut entries = Vec::new();
        let mut asked = BTreeSet::new();
        let mut page = Some(1);
        while let Some(n) = page {
            // A page asked for twice means the headers loop: stop rather than spin.
            if !asked.insert(n) {
                break;
            }
            let mut q = query.clone();
            q.push(("page", n.to_string()));
            let (headers, more): (_, Vec<TreeEntry>) = self.json(&t.call(&ep, &q, &[], Class::Read)?).await?;
            entries.extend(more);
            page = next_page(&headers);
        }
        Ok(entries)
    }

    /// The bytes of the file at `path`, never reading more than `limit` of them: a larger file
    /// is `ApiError::TooLarge`, found while reading the answer.
    pub async fn raw_file(
        &self,
        project: &str,
        path: &str,
        git_ref: Option<&str>,
        limit: u64,
    ) -> Result<Bytes, ApiError> {
        let mut ep = api::projects::repository::files::FileRaw::builder();
        ep.project(self.project_ref(project)).file_path(path);
        if let Some(r) = git_ref {
            ep.ref_(r);
        }
        let ep = ep.build().map_err(|e| ApiError::Config(e.to_string()))?;
        let call = self.inner.transport.call(&ep, &[], &[], Class::Read)?.limit_body(limit);
        let (_, body) = self.inner.transport.send(&call).await?;
        Ok(body)
    }
}
