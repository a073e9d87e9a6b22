//! Files in a project's repository: the entries of a directory (every page, within a bound, and
//! whether the listing is known to be whole) and a file's bytes (Git LFS content rather than its
//! pointer), read within a size limit.

use bytes::Bytes;
use gitlab::api;
use http::HeaderMap;
use serde::Deserialize;

use super::client::Gitlab;
use super::errors::ApiError;
use super::transport::{header_u64, next_page, Class};

/// Entries asked for per page (GitLab's most).
const PER_PAGE: u64 = 100;
/// The most pages of one directory listing read: 10,000 entries. A roster directory holds one
/// file per person; a listing that runs past this is not complete, and says so.
pub const MAX_TREE_PAGES: u64 = 100;

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
        self.kind == "blob" && !self.is_symlink()
    }

    /// A symlink: git stores it as a blob of mode `120000` whose content is the target's path.
    pub fn is_symlink(&self) -> bool {
        self.kind == "blob" && self.mode == "120000"
    }
}

/// A directory's entries, and why they may not be all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tree {
    pub entries: Vec<TreeEntry>,
    /// Set when the listing cannot be shown to be complete: entries may be missing.
    pub incomplete: Option<String>,
}

/// What to do after a page of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum After {
    Next(u64),
    Done,
    /// The listing may be missing entries, for this reason.
    Incomplete(String),
}

/// After page `page`, which held `got` entries and came with `headers`. GitLab says a next page
/// with `X-Next-Page` (empty on the last page) or a `Link` `rel="next"`, and the page count with
/// `X-Total-Pages`. From GitLab 17.1 the tree's first page comes from Gitaly and always announces
/// a page 2, with `X-Total-Pages` of total / per_page + 1 (lib/gitlab/pagination/gitaly_keyset_pager.rb
/// `paginate_first_page_via_gitaly`, gitlab-org/gitlab!154897): the count is an upper bound, so
/// paging stops there, and a page 2 it does read comes back empty. A full page with no paging
/// header at all (a proxy that strips them) cannot say whether more follow.
fn after_page(page: u64, got: usize, headers: &HeaderMap) -> After {
    let total_pages = header_u64(headers, "x-total-pages");
    let informed =
        headers.contains_key("x-next-page") || headers.contains_key(http::header::LINK) || total_pages.is_some();
    match next_page(headers) {
        Some(n) if n <= page => After::Incomplete(format!("page {page} of the listing pointed back to page {n}")),
        Some(n) if total_pages.is_some_and(|t| n > t) => After::Done,
        Some(n) if n > MAX_TREE_PAGES => After::Incomplete(format!(
            "it has more than {MAX_TREE_PAGES} pages of {PER_PAGE} entries, the most onboarder reads"
        )),
        Some(n) => After::Next(n),
        None if informed || (got as u64) < PER_PAGE => After::Done,
        None => After::Incomplete(format!(
            "page {page} held a full {got} entries and GitLab's answer said nothing of a next page (no X-Next-Page, \
             Link or X-Total-Pages header: a proxy may have removed them)"
        )),
    }
}

impl Gitlab {
    /// The entries directly in `path` at `git_ref` (`None`: the default branch), page after page
    /// of 100, at most `MAX_TREE_PAGES`. A path or ref that does not exist is GitLab's 404 "Tree
    /// Not Found". A listing that cannot be shown to be whole is returned with `incomplete` set.
    pub async fn tree(&self, project: &str, path: &str, git_ref: Option<&str>) -> Result<Tree, ApiError> {
        let ep = api::projects::repository::Tree::builder()
            .project(self.project_ref(project))
            .build()
            .map_err(|e| ApiError::Config(e.to_string()))?;
        let t = &self.inner.transport;
        let mut query = vec![("path", path.to_string()), ("per_page", PER_PAGE.to_string())];
        if let Some(r) = git_ref {
            query.push(("ref", r.to_string()));
        }
        let mut tree = Tree::default();
        let mut page = 1;
        loop {
            let mut q = query.clone();
            q.push(("page", page.to_string()));
            let (headers, more): (_, Vec<TreeEntry>) = self.json(&t.call(&ep, &q, &[], Class::Read)?).await?;
            let got = more.len();
            tree.entries.extend(more);
            match after_page(page, got, &headers) {
                After::Next(n) => page = n,
                After::Done => break,
                After::Incomplete(why) => {
                    tree.incomplete = Some(why);
                    break;
                }
            }
        }
        // A page that shifted while paging can list an entry twice.
        let mut seen = std::collections::BTreeSet::new();
        tree.entries.retain(|e| seen.insert(e.path.clone()));
        Ok(tree)
    }

    /// The bytes of the file at `path`, never reading more than `limit` of them: a larger file
    /// is `ApiError::TooLarge`, found while reading the answer. A file kept in Git LFS is asked
    /// for as its content (`lfs=true`, GitLab 15.7 and later, doc/api/repository_files.md;
    /// ignored for other files, so it costs no request). A symlink's bytes are its target.
    pub async fn raw_file(
        &self,
        project: &str,
        path: &str,
        git_ref: Option<&str>,
        limit: u64,
    ) -> Result<Bytes, ApiError> {
        let mut ep = api::projects::repository::files::FileRaw::builder();
        ep.project(self.project_ref(project)).file_path(path).lfs(true);
        if let Some(r) = git_ref {
            ep.ref_(r);
        }
        let ep = ep.build().map_err(|e| ApiError::Config(e.to_string()))?;
        let call = self.inner.transport.call(&ep, &[], &[], Class::Read)?.limit_body(limit);
        let (_, body) = self.inner.transport.send(&call).await?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::transport::headers;
    use super::*;

    #[test]
    fn paging_stops_at_the_end_the_count_or_the_cap_and_says_when_it_cannot_tell() {
        let link_next = "<https://gl/api/v4/projects/1/repository/tree?page=2&per_page=100>; rel=\"next\"";
        let incomplete = |a: After| matches!(a, After::Incomplete(_));
        // Offset pages: next until X-Next-Page is empty.
        assert_eq!(after_page(1, 100, &headers(&[("x-next-page", "2"), ("x-total-pages", "3")])), After::Next(2));
        assert_eq!(after_page(3, 40, &headers(&[("x-next-page", ""), ("x-total-pages", "3")])), After::Done);
        // GitLab 17.1+: the only page announces a second; the count says there is none.
        assert_eq!(after_page(1, 3, &headers(&[("x-next-page", "2"), ("x-total-pages", "1")])), After::Done);
        // 100 entries: total / per_page + 1 = 2 pages announced; page 2 is read, empty, and ends it.
        assert_eq!(after_page(1, 100, &headers(&[("x-next-page", "2"), ("x-total-pages", "2")])), After::Next(2));
        assert_eq!(after_page(2, 0, &headers(&[("x-next-page", ""), ("x-total-pages", "2")])), After::Done);
        // A proxy that keeps only `Link`, and one above 10,000 results that leaves the count out.
        assert_eq!(after_page(1, 100, &headers(&[("link", link_next)])), After::Next(2));
        assert_eq!(after_page(1, 100, &headers(&[("x-next-page", "2")])), After::Next(2));
        // No header at all: a short page is the last; a full one cannot say.
        assert_eq!(after_page(1, 99, &HeaderMap::new()), After::Done);
        assert!(incomplete(after_page(1, 100, &HeaderMap::new())));
        // A loop, and the cap of 100 pages.
        assert!(incomplete(after_page(3, 100, &headers(&[("x-next-page", "2")]))));
        assert_eq!(after_page(99, 100, &headers(&[("x-next-page", "100")])), After::Next(100));
        assert!(incomplete(after_page(100, 100, &headers(&[("x-next-page", "101")]))));
    }
}
