//! The bad-input corpus: each case under `tests/bad-input/` is the small fixture team with some
//! files replaced. `check` must exit 2 naming file:line:column and the offending text. Then:
//! - a problem in the config, a template, or a file everyone is in stops everything: `sync`
//!   exits 2 and makes no request to GitLab;
//! - a problem in one person's roster entry fails that person only: `sync` exits 1, names the
//!   place, creates nothing for them, and creates everyone else's issues.
//!
//! A case directory holds `files/` (copied over the fixture), an optional `remove` (paths to
//! delete, one per line) and `expected` (first line: the `file:line:column` the message must
//! name; second line: text the message must quote; an optional third line `person: USERNAME`
//! when the case is one person's error, with USERNAME the person failed, or the file name's stem
//! when the entry is too broken to say whose it is).

use std::path::Path;

use crate::check_and_plan::{onboarder, small};
use crate::support::{copy_dir, repo};

/// What a case expects of `sync`.
#[derive(Debug, PartialEq)]
enum Kind {
    /// Exit 2, no request at all.
    Stop,
    /// Exit 1; this username gets nothing, everyone else in the fixture gets their issue.
    Person(String),
}

struct Case {
    dir: tempfile::TempDir,
    location: String,
    text: String,
    kind: Kind,
}

fn prepare(case: &Path) -> Case {
    let dir = small();
    if case.join("files").is_dir() {
        copy_dir(&case.join("files"), dir.path());
    }
    if let Ok(list) = std::fs::read_to_string(case.join("remove")) {
        for p in list.lines().filter(|l| !l.trim().is_empty()) {
            let p = dir.path().join(p.trim());
            if p.is_dir() {
                std::fs::remove_dir_all(p).unwrap()
            } else {
                std::fs::remove_file(p).unwrap()
            }
        }
    }
    if case.join("generate").exists() {
        generate(&std::fs::read_to_string(case.join("generate")).unwrap(), dir.path());
    }
    let expected = std::fs::read_to_string(case.join("expected")).unwrap();
    let mut lines = expected.lines();
    let location = lines.next().unwrap_or_default().to_string();
    let text = lines.next().unwrap_or_default().to_string();
    let kind = match lines.next().and_then(|l| l.strip_prefix("person: ")) {
        Some(u) => Kind::Person(u.trim().to_string()),
        None => Kind::Stop,
    };
    Case { dir, location, text, kind }
}

/// A fake GitLab knowing the fixture's people and projects.
async fn fake() -> fake_gitlab::FakeGitlab {
    let fake = fake_gitlab::FakeGitlab::start(fake_gitlab::Options::default()).await;
    let bot = fake.add_user("bot", "Bot");
    fake.add_token("t", bot);
    fake.add_project("support/training");
    fake.add_project("support/meta");
    fake.add_user_with_id(101, "jdoe", "Jane Doe");
    fake.add_user_with_id(102, "mmanager", "Max Manager");
    fake.add_user("sseller", "Sam Seller");
    fake
}

/// The usernames whose issues exist in the fake, from the keys in their descriptions.
fn synced(fake: &fake_gitlab::FakeGitlab) -> Vec<String> {
    let mut issues = fake.issues("support/training");
    issues.extend(fake.issues("support/meta"));
    let mut users: Vec<String> = issues
        .iter()
        .filter_map(|i| i.description.split("<!-- onboarder:begin ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|key| key.trim_end_matches(':').rsplit_once(':').map(|(_, u)| u.to_string()))
        .collect();
    users.sort();
    users
}

/// Inputs too big or too binary to keep in the repository are made at test time.
fn generate(spec: &str, dir: &Path) {
    match spec.trim() {
        "huge-roster-file" => {
            let mut s = String::from("name: Huge\n# padding\n");
            while s.len() < 9 * 1024 * 1024 {
                s.push_str("# xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
            }
            std::fs::write(dir.join("roster/huge.yaml"), s).unwrap();
        }
        "non-utf8-roster" => {
            std::fs::write(dir.join("roster/latin1.yaml"), b"name: Ren\xe9e\ntitle: Support Engineer\n").unwrap();
        }
        "huge-description" => {
            let t = std::fs::read_to_string(dir.join("issue-templates/path.md")).unwrap();
            let filler = format!("{}\n", "Lorem ipsum dolor sit amet. ".repeat(40));
            let t = t.replacen("## First steps\n", &format!("{}## First steps\n", filler.repeat(1000)), 1);
            std::fs::write(dir.join("issue-templates/path.md"), t).unwrap();
        }
        "symlink-to-environ" => symlink("/proc/self/environ", &dir.join("roster/env.yaml")),
        "symlink-to-dev-zero" => symlink("/dev/zero", &dir.join("roster/zero.yaml")),
        "template-symlink-outside" => symlink("/dev/zero", &dir.join("issue-templates/zero.md")),
        "shadow-symlink-outside" => {
            std::fs::remove_file(dir.join("shadow.yaml")).unwrap();
            symlink("/proc/self/environ", &dir.join("shadow.yaml"));
        }
        "broken-symlink" => symlink("gone.yaml", &dir.join("roster/broken.yaml")),
        "symlink-loop" => {
            symlink("loop-b.yaml", &dir.join("roster/loop-a.yaml"));
            symlink("loop-a.yaml", &dir.join("roster/loop-b.yaml"));
        }
        "fifo" => {
            let path = std::ffi::CString::new(dir.join("roster/pipe.yaml").to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        }
        "directory-named-yaml" => std::fs::create_dir(dir.join("roster/folder.yaml")).unwrap(),
        "uppercase-extension" => {
            std::fs::rename(dir.join("roster/jdoe.yaml"), dir.join("roster/jdoe.YAML")).unwrap();
        }
        other => panic!("unknown generator {other}"),
    }
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_named_by_check_and_stops_the_run_or_fails_only_its_person() {
    let root = repo().join("tests/bad-input");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut people_cases = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let Case { dir, location, text, kind } = prepare(case);
        let d = dir.path().to_path_buf();
        let out = tokio::task::spawn_blocking(move || onboarder(&d, &["check"])).await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() != Some(2) || !stderr.contains(&location) || !stderr.contains(&text) {
            failures.push(format!(
                "{name}: check exited {:?}, wanted {location} and {text:?} in:\n{stderr}",
                out.status.code()
            ));
            continue;
        }
        let fake = fake().await;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onboarder"));
        cmd.current_dir(dir.path())
            .args(["sync", "--today", "2026-11-23"])
            .env("GITLAB_URL", fake.url())
            .env("GITLAB_TOKEN", "t")
            .env("ONBOARDER_STATE_KEY", crate::support::STATE_KEY);
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        match &kind {
            Kind::Stop => {
                if out.status.code() != Some(2) {
                    failures.push(format!("{name}: sync exited {:?}, wanted 2:\n{stderr}", out.status.code()));
                }
                if !fake.requests().is_empty() {
                    failures.push(format!("{name}: sync sent {} requests", fake.requests().len()));
                }
            }
            Kind::Person(failed) => {
                people_cases += 1;
                let others: Vec<String> =
                    ["jdoe", "sseller"].into_iter().filter(|u| u != failed).map(String::from).collect();
                if out.status.code() != Some(1) || !stderr.contains(&location) {
                    failures.push(format!(
                        "{name}: sync exited {:?}, wanted 1 naming {location}:\n{stderr}",
                        out.status.code()
                    ));
                }
                if synced(&fake) != others {
                    failures.push(format!("{name}: issues for {:?}, wanted {others:?}:\n{stderr}", synced(&fake)));
                }
            }
        }
    }
    assert!(people_cases >= 10, "only {people_cases} cases of one person's error");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
