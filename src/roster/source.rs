//! Roster files from a GitLab repository, read through the API: the directory's entries (one
//! listing, paged, known to be whole or marked as maybe missing people) and each person's file
//! (a few at a time, within the input size limit; a symlink followed as on disk, see `links`),
//! then parsed exactly as files on disk are. Errors name `project:path:line:column`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use futures::stream::{self, StreamExt};

use super::links;
use super::{parse_person_files, parse_shadow, parse_team_file, Person, Rejected};
use crate::config::RepositoryPath;
use crate::error::{InputError, InputErrors, Location};
use crate::gitlab::{ApiError, Gitlab, TreeEntry};
use crate::input::{utf8_text, MAX_INPUT_BYTES};

/// How a repository file is named in messages: `group/project:dir/file.yaml`.
fn name(project: &str, path: &str) -> Arc<Path> {
    Arc::from(Path::new(&format!("{project}:{path}")).to_path_buf().into_boxed_path())
}

/// Where the config points, in words: `"team" at ref "main" of group/project`.
fn place(r: &RepositoryPath) -> String {
    let at = r.git_ref.as_deref().map_or("the default branch".to_string(), |g| format!("ref {g:?}"));
    format!("{:?} at {at} of {}", r.path, r.project)
}

/// A problem with the repository path itself: a config error, placed at the config's `path:`.
fn config_error(r: &RepositoryPath, what: &str, e: &ApiError) -> InputError {
    let hint = match e {
        ApiError::NotFound(_) => "; check the project, the path and the ref (a branch, tag or commit)",
        ApiError::Forbidden(m) if m.starts_with("insufficient_scope") => {
            "; reading a roster from a repository needs the read_api scope (or api): GitLab's \
             repository tree does not accept read_repository"
        }
        _ => "",
    };
    InputError::new(r.at.clone(), format!("{what}: cannot read {}: {e}{hint}", place(r)))
}

/// A file's bytes as text, or why they cannot be used: an LFS pointer GitLab sent instead of
/// the file, or bytes that are not UTF-8 (placed at the first bad byte, as on disk).
fn text_of(file: &Arc<Path>, bytes: &[u8]) -> Result<String, InputError> {
    // GitLab before 15.7 ignores `lfs=true` and sends the pointer (doc/api/repository_files.md);
    // a pointer is what `Gitlab::Git::Blob#lfs_pointer?` (lib/gitlab/git/blob.rb) recognises.
    if bytes.len() <= 200 && bytes.starts_with(b"version https://git-lfs.github.com/spec/") {
        return Err(InputError::new(
            Location::file_start(file),
            "is a Git LFS pointer, and GitLab sent the pointer rather than the file (GitLab sends the file from \
             15.7 on); keep roster files in git itself, not in Git LFS",
        ));
    }
    utf8_text(file, bytes.to_vec())
}

/// One file's text, read from `path` and named `shown` (a symlink's own path when `path` is its
/// target), or why it cannot be used (refused past the size limit, not UTF-8, an LFS pointer).
async fn read_file(
    gl: &Gitlab,
    r: &RepositoryPath,
    shown: &str,
    path: &str,
) -> (Arc<Path>, Result<String, InputError>) {
    let file = name(&r.project, shown);
    let text = match gl.raw_file(&r.project, path, r.git_ref.as_deref(), MAX_INPUT_BYTES).await {
        Ok(bytes) => text_of(&file, &bytes),
        Err(ApiError::TooLarge(limit)) => Err(InputError::new(
            Location::file_start(&file),
            format!("file is over the {limit} byte limit for an input file"),
        )),
        Err(e) => Err(InputError::new(Location::file_start(&file), format!("cannot read file: {e}"))),
    };
    (file, text)
}

/// What a directory's entries hold for the roster: the person files, the symlinks named like
/// one (followed later), and the odd entries that are someone's file all the same (a `.YAML`, a
/// directory or a submodule named like a person file), as on disk. Other entries are skipped.
struct PersonFiles {
    files: Vec<String>,
    links: Vec<String>,
    odd: Vec<InputError>,
}

fn person_files(r: &RepositoryPath, entries: &[TreeEntry]) -> PersonFiles {
    let mut found = PersonFiles { files: Vec::new(), links: Vec::new(), odd: Vec::new() };
    for e in entries {
        let Some((_, ext)) = e.name.rsplit_once('.') else { continue };
        let at = || Location::file_start(&name(&r.project, &e.path));
        if !["yaml", "yml"].contains(&ext) {
            if ["yaml", "yml"].iter().any(|x| x.eq_ignore_ascii_case(ext)) {
                found.odd.push(InputError::new(
                    at(),
                    format!("extension .{ext} is not read: rename the file to end in .yaml or .yml"),
                ));
            }
            continue;
        }
        if e.is_regular_file() {
            found.files.push(e.path.clone());
        } else if e.is_symlink() {
            found.links.push(e.path.clone());
        } else {
            // A submodule (`commit`, mode 160000) is another repository's commit: no file here.
            let kind = if e.kind == "tree" { "a directory" } else { "a submodule" };
            found.odd.push(InputError::new(at(), format!("is {kind}, not a regular file; not read")));
        }
    }
    found
}

/// Read the team roster from a repository: a directory of person files (one listing, then the
/// files a few at a time), or one file with `people:`. A path or ref that does not exist stops
/// everything (`fatal`, at the config's `path:`); one person's file that cannot be read or
/// parsed rejects that person only. A listing that may be missing entries goes to `incomplete`,
/// and the people it does hold are read.
pub async fn read_team(
    gl: &Gitlab,
    r: &RepositoryPath,
    fatal: &mut InputErrors,
    incomplete: &mut InputErrors,
) -> (Vec<Person>, Vec<Rejected>) {
    // Git keeps no empty directory: no entries (or GitLab's 404 for a path that is not a
    // directory) means the path is a file, or nothing.
    let tree = match gl.tree(&r.project, &r.path, r.git_ref.as_deref()).await {
        Ok(tree) if !tree.entries.is_empty() => tree,
        Ok(_) => return read_team_file(gl, r, fatal).await,
        Err(ApiError::NotFound(m)) if !m.contains("Project Not Found") => return read_team_file(gl, r, fatal).await,
        Err(e) => {
            fatal.push(config_error(r, "roster", &e));
            return (Vec::new(), Vec::new());
        }
    };
    if let Some(why) = &tree.incomplete {
        incomplete.push(InputError::new(
            Location::file_start(&name(&r.project, &r.path)),
            format!(
                "the listing of {} may be incomplete: {why}; the people it holds are read, and nobody missing from \
                 the roster is taken for gone until the whole directory is read",
                place(r)
            ),
        ));
    }
    let PersonFiles { files, links, mut odd } = person_files(r, &tree.entries);
    let by_path: BTreeMap<&str, &TreeEntry> = tree.entries.iter().map(|e| (e.path.as_str(), e)).collect();
    let followed: Vec<_> = stream::iter(links)
        .map(|l| async { (links::follow(gl, r, &by_path, &l).await, l) })
        .buffered(gl.concurrency())
        .collect()
        .await;
    // Each file read under its own name; a link's target read under the link's name.
    let mut reads: Vec<(String, String)> = files.into_iter().map(|f| (f.clone(), f)).collect();
    for (target, link) in followed {
        match target {
            Ok(path) => reads.push((link, path)),
            Err(why) => odd.push(InputError::new(Location::file_start(&name(&r.project, &link)), why)),
        }
    }
    reads.sort();
    let read: Vec<_> = stream::iter(reads.iter())
        .map(|(shown, path)| read_file(gl, r, shown, path))
        .buffered(gl.concurrency())
        .collect()
        .await;
    parse_person_files(odd, read)
}

/// The people of one file (`parse` reads its contents); a missing file stops everything.
type ParseFile = fn(&Arc<Path>, &str, &mut InputErrors) -> (Vec<Person>, Vec<Rejected>);

async fn read_single(
    gl: &Gitlab,
    r: &RepositoryPath,
    what: &str,
    parse: ParseFile,
    fatal: &mut InputErrors,
) -> (Vec<Person>, Vec<Rejected>) {
    match read_one(gl, r, what).await {
        Ok((file, contents)) => parse(&file, &contents, fatal),
        Err(e) => {
            fatal.push(e);
            (Vec::new(), Vec::new())
        }
    }
}

/// The team roster as one file with `people:`.
async fn read_team_file(gl: &Gitlab, r: &RepositoryPath, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    read_single(gl, r, "roster", parse_team_file, fatal).await
}

/// The shadow-program file from a repository; a path or ref that does not exist stops everything.
pub async fn read_shadow(gl: &Gitlab, r: &RepositoryPath, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    read_single(gl, r, "shadow_program.roster", parse_shadow, fatal).await
}

/// The one file the config names; a missing one is a config error.
async fn read_one(gl: &Gitlab, r: &RepositoryPath, what: &str) -> Result<(Arc<Path>, String), InputError> {
    match gl.raw_file(&r.project, &r.path, r.git_ref.as_deref(), MAX_INPUT_BYTES).await {
        Ok(bytes) => {
            let file = name(&r.project, &r.path);
            let text = text_of(&file, &bytes)?;
            Ok((file, text))
        }
        Err(e @ ApiError::TooLarge(_)) => Err(InputError::new(r.at.clone(), format!("{what}: {}: {e}", place(r)))),
        Err(ApiError::NotFound(_)) => Err(InputError::new(
            r.at.clone(),
            format!(
                "{what}: there is no file or directory {}; check the project, the path and the ref (a branch, tag or commit)",
                place(r)
            ),
        )),
        Err(e) => Err(config_error(r, what, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: &str, mode: &str) -> TreeEntry {
        let name = path.rsplit('/').next().unwrap().to_string();
        TreeEntry { name, path: path.into(), kind: kind.into(), mode: mode.into() }
    }

    #[test]
    fn person_files_links_and_odd_entries_as_on_disk() {
        let r = RepositoryPath {
            project: "g/p".into(),
            path: "team".into(),
            git_ref: None,
            at: Location::file_start(&name("x", "onboarder.yaml")),
        };
        let entries = vec![
            entry("team/b.yaml", "blob", "100644"),
            entry("team/a.yml", "blob", "100755"),
            entry("team/README.md", "blob", "100644"),
            entry("team/c.YAML", "blob", "100644"),
            entry("team/d.yaml", "tree", "040000"),
            entry("team/e.yaml", "blob", "120000"),
            entry("team/f.yaml", "commit", "160000"),
            entry("team/vendor", "commit", "160000"),
            entry("team/sub", "tree", "040000"),
            entry("team/notes.md", "blob", "120000"),
        ];
        let found = person_files(&r, &entries);
        assert_eq!(found.files, ["team/b.yaml", "team/a.yml"]);
        assert_eq!(found.links, ["team/e.yaml"]);
        let odd: Vec<String> = found.odd.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            odd,
            [
                "g/p:team/c.YAML:1:1: extension .YAML is not read: rename the file to end in .yaml or .yml",
                "g/p:team/d.yaml:1:1: is a directory, not a regular file; not read",
                "g/p:team/f.yaml:1:1: is a submodule, not a regular file; not read",
            ]
        );
    }

    #[test]
    fn an_lfs_pointer_is_refused_and_bad_bytes_are_placed() {
        let file = name("g/p", "team/x.yaml");
        let pointer = format!("version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 12\n", "a".repeat(64));
        assert!(text_of(&file, pointer.as_bytes()).unwrap_err().message.contains("Git LFS pointer"));
        let e = text_of(&file, b"name: ok\ntitle: caf\xe9\n").unwrap_err();
        assert_eq!((e.at.line, e.at.column), (2, 11));
    }
}
