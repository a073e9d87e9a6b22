//! Which GitLab release the fake answers as, and the tree listing's paging, which changed between
//! releases: the behaviours a test picks with `Options::gitlab_version` and `Options::tree_paging`.

/// A GitLab release, `major.minor`. Compared in release order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    /// Newer than every release at which the fake changes its answers (the newest is 17.7), so
    /// the default fake answers as current GitLab does.
    pub const NEWEST: Version = Version::new(18, 0);

    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }

    pub(crate) fn at_least(self, major: u16, minor: u16) -> bool {
        self >= Version::new(major, minor)
    }
}

impl Default for Version {
    fn default() -> Self {
        Version::NEWEST
    }
}

/// How `GET /projects/:id/repository/tree` orders and pages its entries
/// (lib/api/repositories.rb, lib/gitlab/pagination/gitaly_keyset_pager.rb, app/models/tree.rb).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TreePaging {
    /// The fake's first model, kept as the default for the tests written against it: entries in
    /// `git ls-tree` order (a directory among the files, by name) and plain offset pages.
    /// GitLab never lists in that order: it puts directories first.
    #[default]
    Plain,
    /// GitLab before 17.1 (feature flag `repository_tree_gitaly_pagination` off): every page is
    /// an offset page (Kaminari) over `Tree#sorted_entries`: directories, then files, then
    /// submodules.
    Offset,
    /// GitLab 17.1 (the flag was removed, gitlab-org/gitlab!154897) until the change below:
    /// page 1 comes from Gitaly and always announces `X-Next-Page: 2` and a `rel="next"` link,
    /// even when it is the only page; `X-Total-Pages` is `total / per_page + 1` (integer
    /// division); `per_page` is not capped at 100 on that page. Later pages are offset pages.
    FirstPageAlwaysNext,
    /// The newest `gitaly_keyset_pager.rb`: page 1 from Gitaly with `X-Total-Pages` rounded up
    /// and a next page only when there is more than one. (The release that made this change is
    /// not pinned here.)
    FirstPageCounted,
}
