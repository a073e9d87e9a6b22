//! A repository served from a directory on disk: `GET /repository/tree` and `GET /repository/files/:path/raw`
//! (lib/api/repositories.rb, lib/api/files.rb).

use std::fs;
use std::path::{Component, Path, PathBuf};

use serde_json::{json, Value};

use super::{visible_project, Cx};
use crate::pagination::{paginate, PageRequest};
use crate::reply::{Answer, Reply};
use crate::state::State;

/// The branch a missing `ref` means (every fake project's `default_branch`).
const DEFAULT_REF: &str = "main";

/// The directory behind `ref` of the project, if one was added.
fn checkout(st: &State, cx: &Cx<'_>, project: &str) -> Result<Option<PathBuf>, Reply> {
    let pid = visible_project(st, cx, project)?;
    let git_ref = cx.params.get("ref").filter(|r| !r.is_empty()).unwrap_or(DEFAULT_REF);
    Ok(st.projects[&pid].repositories.get(git_ref).cloned())
}

/// `a/b.yaml` under `root`, refusing `..`, absolute paths and anything that is not plain names.
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel.trim_matches('/'));
    rel.components().all(|c| matches!(c, Component::Normal(_))).then(|| root.join(rel))
}

/// A stable 40-hex id standing in for the git object id.
fn object_id(path: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}{:016x}{:08x}", h.rotate_left(17), h as u32)
}

/// Entries under `dir` as `(path, is_dir)`, sorted by path like `git ls-tree`; symlinks are skipped.
fn walk(root: &Path, dir: &Path, recursive: bool, out: &mut Vec<(String, bool)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(kind) = e.file_type() else { continue };
        let path = e.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if kind.is_dir() {
            out.push((rel, true));
            if recursive {
                walk(root, &path, true, out);
            }
        } else if kind.is_file() {
            out.push((rel, false));
        }
    }
}

/// `GET /projects/:id/repository/tree?path=&ref=&recursive=`, paged like every list.
pub(super) fn tree(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let not_found = || Reply::message(404, "404 Tree Not Found");
    let root = checkout(st, cx, project)?.ok_or_else(not_found)?;
    let dir = inside(&root, cx.params.get("path").unwrap_or("")).filter(|d| d.is_dir()).ok_or_else(not_found)?;
    let recursive = matches!(cx.params.get("recursive"), Some("true" | "1"));
    let mut entries = Vec::new();
    walk(&root, &dir, recursive, &mut entries);
    let (page, headers) =
        paginate(entries, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> = page
        .into_iter()
        .map(|(path, is_dir)| {
            json!({
                "id": object_id(&path),
                "name": path.rsplit('/').next().unwrap_or(&path),
                "type": if is_dir { "tree" } else { "blob" },
                "path": path,
                "mode": if is_dir { "040000" } else { "100644" },
            })
        })
        .collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

/// `GET /projects/:id/repository/files/:file_path/raw?ref=`: the file's bytes as text.
pub(super) fn raw(st: &mut State, cx: &Cx<'_>, project: &str, file: &str) -> Answer {
    let not_found = || Reply::message(404, "404 File Not Found");
    let root = checkout(st, cx, project)?.ok_or_else(not_found)?;
    let path = inside(&root, file).ok_or_else(not_found)?;
    let is_file = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
    let bytes = if is_file { fs::read(&path).map_err(|_| not_found())? } else { return Err(not_found()) };
    Ok(Reply::text(200, "text/plain; charset=utf-8", &String::from_utf8_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths() {
        let root = Path::new("/r");
        assert_eq!(inside(root, "a/b.yaml"), Some(PathBuf::from("/r/a/b.yaml")));
        assert_eq!(inside(root, ""), Some(PathBuf::from("/r")));
        assert_eq!(inside(root, "../x"), None);
        assert_eq!(inside(root, "a/./b"), Some(PathBuf::from("/r/a/b")));
        assert_eq!(object_id("a").len(), 40);
    }
}
