//! Symlinks in a roster directory kept in a GitLab repository, treated as on disk: a link named
//! like a person file is followed only to a file directly in the same directory (its target read
//! from GitLab, where a symlink is a blob of mode `120000` whose raw content is the target's
//! path); a link out of the directory, into a subdirectory, to a directory or a submodule, to
//! nothing, or in a loop is that person's error naming the link, and its target is never read.

use std::collections::BTreeMap;

use crate::config::RepositoryPath;
use crate::gitlab::{Gitlab, TreeEntry};

/// Links followed through other links before giving up: a loop, as `ELOOP` on disk.
const MAX_HOPS: usize = 8;
/// A link's content is a path; nothing longer is read.
const MAX_LINK_BYTES: u64 = 4096;

/// Where the link at `link` pointing at `target` lands, as a repository path, when that is an
/// entry directly in `dir`; else why the link is refused. Pure: nothing is read.
pub(super) fn resolve(dir: &str, link: &str, target: &str) -> Result<String, String> {
    let shown = if dir.is_empty() { "the repository's root" } else { dir };
    let outside = || format!("is a symlink to {target:?}, outside {shown}; only files directly in it are read");
    if target.is_empty() {
        return Err("is a broken symlink (its target does not exist)".into());
    }
    if target.starts_with('/') {
        return Err(outside());
    }
    let parent = link.rsplit_once('/').map_or("", |(p, _)| p);
    let mut parts: Vec<&str> = parent.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(outside());
                }
            }
            name => parts.push(name),
        }
    }
    let resolved = parts.join("/");
    let in_dir = match resolved.rsplit_once('/') {
        Some((d, _)) => d == dir,
        None => dir.is_empty() && !resolved.is_empty(),
    };
    if in_dir {
        Ok(resolved)
    } else if resolved == dir {
        Err(format!("is a symlink to {target:?}, the directory itself, not a regular file; not read"))
    } else if dir.is_empty() || resolved.starts_with(&format!("{dir}/")) {
        Err(format!("is a symlink to {target:?}, in a subdirectory of {shown}; only files directly in it are read"))
    } else {
        Err(outside())
    }
}

/// The path of the regular file the link `link` leads to through the directory's entries, or
/// why it is refused. Each link on the way costs one request (its raw content).
pub(super) async fn follow(
    gl: &Gitlab,
    r: &RepositoryPath,
    entries: &BTreeMap<&str, &TreeEntry>,
    link: &str,
) -> Result<String, String> {
    let mut at = link.to_string();
    for _ in 0..MAX_HOPS {
        let target = match gl.raw_file(&r.project, &at, r.git_ref.as_deref(), MAX_LINK_BYTES).await {
            Ok(bytes) => String::from_utf8(bytes.to_vec()).map_err(|_| "is a symlink whose target is not UTF-8")?,
            Err(e) => return Err(format!("is a symlink that cannot be read: {e}")),
        };
        let next = resolve(&r.path, &at, &target)?;
        match entries.get(next.as_str()) {
            None => return Err("is a broken symlink (its target does not exist)".into()),
            Some(e) if e.is_regular_file() => return Ok(next),
            Some(e) if e.is_symlink() => at = next,
            Some(e) => {
                let kind = if e.kind == "tree" { "a directory" } else { "a submodule" };
                return Err(format!("is a symlink to {target:?}, {kind}, not a regular file; not read"));
            }
        }
    }
    Err("is a symlink loop".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_lands_only_directly_in_its_directory() {
        let ok = |target: &str| resolve("team", "team/x.yaml", target);
        assert_eq!(ok("y.yaml"), Ok("team/y.yaml".into()));
        assert_eq!(ok("./y.yaml"), Ok("team/y.yaml".into()));
        assert_eq!(ok("../team/y.yaml"), Ok("team/y.yaml".into()));
        for outside in ["../secrets.yaml", "/etc/passwd", "../../../../x", "../other/y.yaml"] {
            let e = ok(outside).unwrap_err();
            assert!(e.contains("outside team"), "{outside}: {e}");
        }
        assert!(ok("sub/y.yaml").unwrap_err().contains("in a subdirectory of team"));
        assert!(ok(".").unwrap_err().contains("the directory itself"));
        assert!(ok("").unwrap_err().contains("broken symlink"));
        // A roster at the repository's root.
        assert_eq!(resolve("", "x.yaml", "y.yaml"), Ok("y.yaml".into()));
        assert!(resolve("", "x.yaml", "../y.yaml").unwrap_err().contains("outside the repository's root"));
        assert!(resolve("", "x.yaml", "a/y.yaml").unwrap_err().contains("in a subdirectory"));
        // Control characters in a target are shown escaped, never raw.
        assert!(ok("/\u{1b}[31m").unwrap_err().contains("\\u{1b}"));
    }
}
