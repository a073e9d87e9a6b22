//! The bad-input corpus: each case under `tests/bad-input/` is the small fixture team with some
//! files replaced. Every case must exit 2 naming file:line:column and the offending text, and
//! make no request to GitLab.
//!
//! A case directory holds `files/` (copied over the fixture), an optional `remove` (paths to
//! delete, one per line) and `expected` (first line: the `file:line:column` the message must
//! name; second line: text the message must quote).

use std::path::Path;

use crate::check_and_plan::{onboarder, small};
use crate::support::{copy_dir, repo};

fn prepare(case: &Path) -> (tempfile::TempDir, String, String) {
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
    (dir, lines.next().unwrap_or_default().to_string(), lines.next().unwrap_or_default().to_string())
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
async fn every_bad_input_exits_2_with_its_location_and_writes_nothing() {
    let root = repo().join("tests/bad-input");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let fake = fake_gitlab::FakeGitlab::start(fake_gitlab::Options::default()).await;
    let bot = fake.add_user("bot", "Bot");
    fake.add_token("t", bot);
    fake.add_project("support/training");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let (dir, location, text) = prepare(case);
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
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onboarder"));
        cmd.current_dir(dir.path())
            .args(["sync", "--today", "2026-11-23"])
            .env("GITLAB_URL", fake.url())
            .env("GITLAB_TOKEN", "t");
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
        if out.status.code() != Some(2) {
            failures.push(format!("{name}: sync exited {:?}", out.status.code()));
        }
        if !fake.requests().is_empty() {
            failures.push(format!("{name}: sync sent {} requests", fake.requests().len()));
            fake.clear_requests();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
