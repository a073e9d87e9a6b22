//! The README and `docs/` say what the binary does: every link resolves, the README stays a front
//! door, the guarantees name tests that exist, and the Quick start's walkthrough runs as written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::repo;

/// README.md and every page of docs/.
fn pages() -> Vec<PathBuf> {
    let mut out = vec![repo().join("README.md")];
    for e in std::fs::read_dir(repo().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Lines outside fenced code.
fn prose(text: &str) -> Vec<&str> {
    let mut fence = false;
    text.lines()
        .filter(|l| {
            if l.trim_start().starts_with("```") {
                fence = !fence;
                return false;
            }
            !fence
        })
        .collect()
}

/// GitLab's heading anchors: lower case, punctuation dropped, spaces to hyphens, runs of hyphens
/// folded (doc/user/markdown.md, "Heading IDs and links").
fn slug(heading: &str) -> String {
    let kept: String = heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect();
    let mut out = String::new();
    for c in kept.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

fn anchors(text: &str) -> Vec<String> {
    prose(text).iter().filter_map(|l| l.strip_prefix('#')).map(|h| slug(h.trim_start_matches('#').trim())).collect()
}

/// The targets of Markdown links `[text](target)` in prose (code spans left out).
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        let mut from = 0;
        while let Some(at) = line[from..].find("](").map(|i| i + from) {
            let after = &line[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            // Inside a code span (an odd number of backticks before it) it is not a link.
            if line[..at].matches('`').count() % 2 == 0 {
                out.push(after[..end].to_string());
            }
            from = at + 2 + end;
        }
    }
    out
}

#[test]
fn every_link_in_the_readme_and_docs_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        for target in links(&text) {
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let (path, anchor) = target.split_once('#').map_or((target.as_str(), None), |(p, a)| (p, Some(a)));
            let file = if path.is_empty() { page.clone() } else { dir.join(path) };
            let name = page.strip_prefix(repo()).unwrap().display();
            if !file.exists() {
                broken.push(format!("{name}: {target}: no such file"));
                continue;
            }
            if let Some(anchor) = anchor {
                let there = std::fs::read_to_string(&file).unwrap_or_default();
                if !anchors(&there).iter().any(|a| a == anchor) {
                    broken.push(format!("{name}: {target}: no such heading"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_link_check_reads_links_and_anchors_as_gitlab_does() {
    assert_eq!(links("see [a](docs/a.md#b) and `[c](d)` [e](f)"), ["docs/a.md#b", "f"]);
    assert_eq!(slug("Configuration: `onboarder.yaml`"), "configuration-onboarderyaml");
    assert_eq!(slug("A new hire, step by step (for managers)"), "a-new-hire-step-by-step-for-managers");
    assert_eq!(anchors("# T\n```\n## not a heading\n```\n## The roster"), ["t", "the-roster"]);
}

#[test]
fn the_readme_is_a_front_door() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(lines <= 300, "README.md has {lines} lines; the reference belongs in docs/");
    for must in ["onboarder plan", "cargo test --workspace --locked", "## Quick start", "## How it works"] {
        assert!(readme.contains(must), "the README shows {must:?}");
    }
    // `.ci/run` runs the same test command the README shows.
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --workspace --locked"),
        ".ci/run runs the README's test command"
    );
}

/// Every `fn name` in the repository's Rust sources.
fn test_names() -> String {
    let mut all = String::new();
    fn walk(dir: &Path, all: &mut String) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, all);
            } else if p.extension().is_some_and(|x| x == "rs") {
                all.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    for d in ["src", "tests", "fake-gitlab"] {
        walk(&repo().join(d), &mut all);
    }
    all
}

#[test]
fn the_guarantees_name_tests_and_files_that_exist() {
    let text = std::fs::read_to_string(repo().join("docs/guarantees.md")).unwrap();
    let sources = test_names();
    let mut missing = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        let is_test = span.matches('_').count() >= 3 && span.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        let is_path = (span.starts_with("src/") || span.starts_with("tests/")) && !span.contains('*');
        if is_test && !sources.contains(&format!("fn {span}(")) {
            missing.push(format!("test {span}"));
        }
        if is_path && !repo().join(span).exists() {
            missing.push(format!("file {span}"));
        }
    }
    assert!(missing.is_empty(), "docs/guarantees.md names what does not exist:\n{}", missing.join("\n"));
}

/// The `sh` block under the heading that starts with `heading`.
fn block_under(text: &str, heading: &str) -> String {
    let start = text.find(heading).unwrap_or_else(|| panic!("no heading {heading:?}"));
    let rest = &text[start..];
    let open = rest.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let close = rest[open..].find("\n```").expect("the block ends");
    rest[open..open + close].to_string()
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// Regression: the walkthrough once wrote its port in four places, and changing one left the wait
// loop polling the old port forever.
#[test]
fn the_quick_start_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = block_under(&readme, "### Try a full sync against a fake GitLab");
    assert_eq!(block.matches("8080").count(), 1, "the port is written once:\n{block}");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_onboarder")).parent().unwrap().to_path_buf();
    let fake = bin.join("fake-gitlab");
    if !fake.exists() {
        let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--locked", "-p", "fake-gitlab", "--bin", "fake-gitlab"])
            .current_dir(repo())
            .status()
            .unwrap();
        assert!(built.success(), "cannot build fake-gitlab");
    }
    // The installs are the reader's: here the binaries are the ones just built.
    let script: String = block
        .lines()
        .filter(|l| !l.trim_start().starts_with("cargo install"))
        .map(|l| l.replace("PORT=8080", &format!("PORT={}", free_port())))
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    for d in ["roster", "issue-templates"] {
        crate::support::copy_dir(&repo().join(d), &dir.path().join(d));
    }
    for f in ["onboarder.yaml", "shadow-program.yaml"] {
        std::fs::copy(repo().join(f), dir.path().join(f)).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &format!("set -e\n{script}")]).current_dir(dir.path()).env("PATH", path);
    for v in crate::support::CLEARED_ENV {
        cmd.env_remove(v);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the walkthrough failed:\n{stdout}\n{stderr}");
    let summaries: Vec<&str> = stdout.lines().filter(|l| l.starts_with("created ")).collect();
    assert_eq!(summaries.len(), 2, "two syncs:\n{stdout}");
    assert!(!summaries[0].starts_with("created 0,"), "the first sync creates issues: {}", summaries[0]);
    assert!(summaries[1].starts_with("created 0, updated 0, closed 0;"), "the second writes nothing: {}", summaries[1]);
    // The evidence at work: Aroha's closed module issues ticked her module items, each linked.
    for module in ["your New Support Team Member Start Here module", "the GitLab-com SaaS Basics module"] {
        let line = format!("[x] You have completed {module} ([module issue](http://127.0.0.1:");
        assert!(stdout.contains(&line), "{line}\n{stdout}");
    }
}
