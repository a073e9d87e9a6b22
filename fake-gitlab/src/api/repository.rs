//! A repository served from a directory on disk: `GET /repository/tree` and
//! `GET /repository/files/:path/raw` (lib/api/repositories.rb, lib/api/files.rb, entity
//! lib/api/entities/tree_object.rb), read as git would have stored the directory: a symlink is
//! a blob of mode `120000` whose content is its target (and is never followed), an executable
//! file has mode `100755`, bytes are served as they are, and the submodules and Git LFS objects
//! a test adds (crate::git) are what git and GitLab make of them.

use std::collections::BTreeMap;
use std::fs::{self, Metadata};
use std::path::{Component, Path, PathBuf};

use serde_json::{json, Value};

use super::{tree_paging, validate, visible_project, Cx};
use crate::git;
use crate::reply::{Answer, Reply};
use crate::state::State;
use crate::version::TreePaging;

/// The branch a missing `ref` means (every fake project's `default_branch`).
const DEFAULT_REF: &str = "main";

/// What a tree entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Tree,
    Blob {
        mode: &'static str,
    },
    /// A submodule: a commit of another repository.
    Commit {
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    path: String,
    kind: Kind,
}

/// A ref of a project: its directory (if the ref exists) and its submodules by path.
struct Checkout {
    project_id: u64,
    root: Option<PathBuf>,
    submodules: BTreeMap<String, String>,
}

fn checkout(st: &State, cx: &Cx<'_>, project: &str) -> Result<Checkout, Reply> {
    let project_id = visible_project(st, cx, project)?;
    let git_ref = cx.params.get("ref").filter(|r| !r.is_empty()).unwrap_or(DEFAULT_REF);
    let root = st.projects[&project_id].repositories.get(git_ref).cloned();
    let submodules = st.git.submodules(project_id, git_ref).cloned().unwrap_or_default();
    Ok(Checkout { project_id, root, submodules })
}

/// `a/b` under `root` without following a symlink on the way (git stores a symlinked directory
/// as a blob, so nothing is below it); the last component may itself be a symlink. Refuses
/// `..`, absolute paths and anything that is not plain names.
fn locate(root: &Path, rel: &str) -> Option<(PathBuf, Metadata)> {
    let parts: Vec<Component<'_>> = Path::new(rel).components().collect();
    if !parts.iter().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut path = root.to_path_buf();
    let mut meta = fs::symlink_metadata(&path).ok()?;
    for part in parts {
        if !meta.is_dir() {
            return None;
        }
        path.push(part);
        meta = fs::symlink_metadata(&path).ok()?;
    }
    Some((path, meta))
}

/// Whether `rel` is a submodule or lies inside one (this repository has nothing there).
fn in_submodule(submodules: &BTreeMap<String, String>, rel: &str) -> bool {
    submodules.keys().any(|s| rel == s || rel.strip_prefix(s.as_str()).is_some_and(|r| r.starts_with('/')))
}

/// A stable 40-hex id standing in for the git object id.
fn object_id(path: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}{:016x}{:08x}", h.rotate_left(17), h as u32)
}

/// The mode git records for a regular file: whether any execute bit is set.
fn file_mode(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 != 0 {
            return "100755";
        }
    }
    let _ = meta;
    "100644"
}

/// `a/b` -> `b`.
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Entries under `dir` (`rel` from the root), in `git ls-tree` order: by name, a directory
/// compared as if its name ended in `/`.
fn walk(dir: &Path, rel: &str, recursive: bool, submodules: &BTreeMap<String, String>, out: &mut Vec<Entry>) {
    let join = |name: &str| if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") };
    let mut children: Vec<(Vec<u8>, Entry, Option<PathBuf>)> = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let (Ok(meta), Some(name)) = (e.path().symlink_metadata(), e.file_name().to_str().map(str::to_string)) else {
            continue;
        };
        let path = join(&name);
        let (kind, below) = if let Some(id) = submodules.get(&path) {
            (Kind::Commit { id: id.clone() }, None)
        } else if meta.file_type().is_symlink() {
            (Kind::Blob { mode: "120000" }, None)
        } else if meta.is_dir() {
            (Kind::Tree, Some(e.path()))
        } else if meta.is_file() {
            (Kind::Blob { mode: file_mode(&meta) }, None)
        } else {
            continue;
        };
        children.push((sort_key(&name, &kind), Entry { path, kind }, below));
    }
    // Submodules with no directory on disk.
    for (path, id) in submodules {
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        if parent == rel && !children.iter().any(|(_, e, _)| e.path == *path) {
            let kind = Kind::Commit { id: id.clone() };
            children.push((sort_key(base_name(path), &kind), Entry { path: path.clone(), kind }, None));
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, entry, below) in children {
        let path = entry.path.clone();
        out.push(entry);
        if let (true, Some(below)) = (recursive, below) {
            walk(&below, &path, true, submodules, out);
        }
    }
}

fn sort_key(name: &str, kind: &Kind) -> Vec<u8> {
    let mut key = name.as_bytes().to_vec();
    if *kind == Kind::Tree {
        key.push(b'/');
    }
    key
}

/// `Tree#sorted_entries` (app/models/tree.rb): trees, then blobs, then submodules.
fn trees_first(entries: Vec<Entry>) -> Vec<Entry> {
    let rank = |e: &Entry| match e.kind {
        Kind::Tree => 0,
        Kind::Blob { .. } => 1,
        Kind::Commit { .. } => 2,
    };
    let mut entries = entries;
    entries.sort_by_key(rank);
    entries
}

fn render(e: &Entry) -> Value {
    let (kind, mode, id) = match &e.kind {
        Kind::Tree => ("tree", "040000", object_id(&e.path)),
        Kind::Blob { mode } => ("blob", *mode, object_id(&e.path)),
        Kind::Commit { id } => ("commit", "160000", id.clone()),
    };
    json!({ "id": id, "name": base_name(&e.path), "type": kind, "path": e.path, "mode": mode })
}

/// `GET /projects/:id/repository/tree?path=&ref=&recursive=`, paged as `Options::tree_paging` says.
pub(super) fn tree(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let not_found = || Reply::message(404, "404 Tree Not Found");
    let co = checkout(st, cx, project)?;
    let root = co.root.ok_or_else(not_found)?;
    let rel = cx.params.get("path").unwrap_or("").trim_matches('/');
    if in_submodule(&co.submodules, rel) {
        return Err(not_found());
    }
    let (dir, _) = locate(&root, rel).filter(|(_, m)| m.is_dir()).ok_or_else(not_found)?;
    let recursive = validate::opt_bool(cx.params, "recursive")?.unwrap_or(false);
    let mut entries = Vec::new();
    walk(&dir, rel, recursive, &co.submodules, &mut entries);
    let paging = st.options.tree_paging;
    if paging != TreePaging::Plain {
        entries = trees_first(entries);
    }
    let (page, headers) = tree_paging::page(entries, paging, cx.params, &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> = page.iter().map(render).collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

/// `GET /projects/:id/repository/files/:file_path/raw?ref=&lfs=`: the blob's bytes as stored
/// (a symlink's are its target). With `lfs=true`, a blob that is an LFS pointer is answered
/// with the LFS object instead, or 404 when the project has no such object.
pub(super) fn raw(st: &mut State, cx: &Cx<'_>, project: &str, file: &str) -> Answer {
    let not_found = || Reply::message(404, "404 File Not Found");
    let lfs = validate::opt_bool(cx.params, "lfs")?.unwrap_or(false);
    let co = checkout(st, cx, project)?;
    // `user_project.commit(params[:ref])` finds no commit: `not_found!('Commit')`.
    let root = co.root.ok_or_else(|| Reply::message(404, "404 Commit Not Found"))?;
    let rel = file.trim_matches('/');
    if in_submodule(&co.submodules, rel) {
        return Err(not_found());
    }
    let (path, meta) = locate(&root, rel).ok_or_else(not_found)?;
    let bytes = if meta.file_type().is_symlink() {
        link_target(&path).ok_or_else(not_found)?
    } else if meta.is_file() {
        fs::read(&path).map_err(|_| not_found())?
    } else {
        return Err(not_found());
    };
    if let Some(oid) = git::lfs_oid(&bytes).filter(|_| lfs) {
        // `present_carrierwave_file!`: the object's bytes, as a download.
        let object = st.git.lfs_object(co.project_id, &oid).ok_or_else(|| Reply::message(404, "404 Not Found"))?;
        return Ok(Reply::bytes(200, "application/octet-stream", object.to_vec()));
    }
    Ok(Reply::bytes(200, "text/plain; charset=utf-8", bytes))
}

/// A symlink's target as git stores it: the link's own bytes.
fn link_target(path: &Path) -> Option<Vec<u8>> {
    let target = fs::read_link(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(target.as_os_str().as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        Some(target.to_string_lossy().into_owned().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths() {
        let root = std::env::temp_dir();
        assert!(locate(&root, "").is_some_and(|(p, m)| p == root && m.is_dir()));
        assert!(locate(&root, "../x").is_none());
        assert!(locate(&root, "/etc").is_none());
        assert_eq!(object_id("a").len(), 40);
    }

    #[test]
    fn git_order_and_gitlab_order() {
        let tree = |p: &str| Entry { path: p.into(), kind: Kind::Tree };
        let blob = |p: &str| Entry { path: p.into(), kind: Kind::Blob { mode: "100644" } };
        assert!(sort_key("a.b", &Kind::Blob { mode: "100644" }) < sort_key("a", &Kind::Tree));
        let sub = Entry { path: "s".into(), kind: Kind::Commit { id: "c".into() } };
        let sorted = trees_first(vec![blob("a"), sub.clone(), tree("b"), blob("c")]);
        assert_eq!(sorted, vec![tree("b"), blob("a"), blob("c"), sub]);
    }
}
