//! Roster files from a GitLab repository, read through the API: the directory's entries (one
//! listing, paged) and each person's file (a few at a time, within the input size limit), then
//! parsed exactly as files on disk are. Errors name `project:path:line:column`.

use std::path::Path;
use std::sync::Arc;

use futures::stream::{self, StreamExt};

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
        _ => "",
    };
    InputError::new(r.at.clone(), format!("{what}: cannot read {}: {e}{hint}", place(r)))
}

/// One file's text, or why it cannot be used (refused past the size limit, not UTF-8).
async fn read_file(gl: &Gitlab, r: &RepositoryPath, path: &str) -> (Arc<Path>, Result<String, InputError>) {
    let file = name(&r.project, path);
    let text = match gl.raw_file(&r.project, path, r.git_ref.as_deref(), MAX_INPUT_BYTES).await {
        Ok(bytes) => utf8_text(&file, bytes.to_vec()),
        Err(ApiError::TooLarge(limit)) => Err(InputError::new(
            Location::file_start(&file),
            format!("file is over the {limit} byte limit for an input file"),
        )),
        Err(e) => Err(InputError::new(Location::file_start(&file), format!("cannot read file: {e}"))),
    };
    (file, text)
}

/// The person files among a directory's entries, and the odd entries that are someone's file
/// all the same (a `.YAML`, a directory or a symlink named like a person file), as on disk.
fn person_files(r: &RepositoryPath, entries: Vec<TreeEntry>) -> (Vec<String>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut odd = Vec::new();
    for e in entries {
        let Some((_, ext)) = e.name.rsplit_once('.') else { continue };
        let at = || Location::file_start(&name(&r.project, &e.path));
        if !["yaml", "yml"].contains(&ext) {
            if ["yaml", "yml"].iter().any(|x| x.eq_ignore_ascii_case(ext)) {
                odd.push(InputError::new(
                    at(),
                    format!("extension .{ext} is not read: rename the file to end in .yaml or .yml"),
                ));
            }
            continue;
        }
        if e.is_regular_file() {
            files.push(e.path);
        } else {
            let kind = match (e.kind.as_str(), e.mode.as_str()) {
                ("tree", _) => "a directory",
                (_, "120000") => "a symlink",
                _ => "a submodule",
            };
            odd.push(InputError::new(at(), format!("is {kind}, not a regular file; not read")));
        }
    }
    files.sort();
    (files, odd)
}

/// Read the team roster from a repository: a directory of person files (one listing, then the
/// files a few at a time), or one file with `people:`. A path or ref that does not exist stops
/// everything (`fatal`, at the config's `path:`); one person's file that cannot be read or
/// parsed rejects that person only.
pub async fn read_team(gl: &Gitlab, r: &RepositoryPath, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    // Git keeps no empty directory: no entries (or GitLab's 404 for a path that is not a
    // directory) means the path is a file, or nothing.
    let entries = match gl.tree(&r.project, &r.path, r.git_ref.as_deref()).await {
        Ok(entries) if !entries.is_empty() => entries,
        Ok(_) => return read_team_file(gl, r, fatal).await,
        Err(ApiError::NotFound(m)) if !m.contains("Project Not Found") => return read_team_file(gl, r, fatal).await,
        Err(e) => {
            fatal.push(config_error(r, "roster", &e));
            return (Vec::new(), Vec::new());
        }
    };
    let (paths, odd) = person_files(r, entries);
    let files: Vec<_> =
        stream::iter(paths.iter()).map(|p| read_file(gl, r, p)).buffered(gl.concurrency()).collect().await;
    parse_person_files(odd, files)
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
            let text = utf8_text(&file, bytes.to_vec())?;
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
    fn person_files_and_odd_entries_as_on_disk() {
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
            entry("team/sub", "tree", "040000"),
        ];
        let (files, odd) = person_files(&r, entries);
        assert_eq!(files, ["team/a.yml", "team/b.yaml"]);
        let odd: Vec<String> = odd.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            odd,
            [
                "g/p:team/c.YAML:1:1: extension .YAML is not read: rename the file to end in .yaml or .yml",
                "g/p:team/d.yaml:1:1: is a directory, not a regular file; not read",
                "g/p:team/e.yaml:1:1: is a symlink, not a regular file; not read",
            ]
        );
    }
}
