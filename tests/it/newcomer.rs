//! What a newcomer met on a first day with onboarder, each pinned: the help and docs name every
//! environment variable read, `check` is not said to stay offline, `-v` says what was read and
//! planned, the log has no colour codes in a file, `--preview-dir` says where it wrote, and the
//! request count adds up.

use std::path::Path;

use crate::check_and_plan::onboarder;
use crate::support::{repo, Ctx, CLEARED_ENV, TODAY};

/// The environment variables onboarder reads: every string literal of the shape `NAME_NAME` in
/// `src/` (reading one takes its name, or a constant holding it), but `env!` ones (read when
/// compiling), and `RUST_LOG`, which the log filter reads (`EnvFilter::try_from_default_env`).
fn variables_read() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                for line in std::fs::read_to_string(&p).unwrap().lines() {
                    for literal in line.split('"').skip(1).step_by(2) {
                        let shaped = literal.contains('_')
                            && literal.starts_with(|c: char| c.is_ascii_uppercase())
                            && literal.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                        if shaped && !line.contains(&format!("env!(\"{literal}\")")) {
                            out.push(literal.to_string());
                        }
                    }
                }
            }
        }
    }
    let mut vars = vec!["RUST_LOG".to_string()];
    walk(&repo().join("src"), &mut vars);
    vars.sort();
    vars.dedup();
    vars
}

/// Bug pinned: `--help` left out GITLAB_MR_TOKEN, and docs/commands.md ONBOARDER_LOCK_WAIT_SECONDS.
#[test]
fn help_docs_and_the_tests_name_every_environment_variable_onboarder_reads() {
    let vars = variables_read();
    for known in ["GITLAB_TOKEN", "GITLAB_MR_TOKEN", "ONBOARDER_LOCK_WAIT_SECONDS", "CI_SERVER_URL"] {
        assert!(vars.iter().any(|v| v == known), "the scan misses {known}: {vars:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let help = String::from_utf8(onboarder(dir.path(), &["--help"]).stdout).unwrap();
    let docs = std::fs::read_to_string(repo().join("docs/commands.md")).unwrap();
    let table = docs.split("| variable | meaning |").nth(1).expect("docs/commands.md has the environment table");
    for v in &vars {
        assert!(help.contains(v.as_str()), "{v} missing from --help:\n{help}");
        assert!(table.contains(&format!("`{v}`")), "{v} missing from the table in docs/commands.md");
        assert!(CLEARED_ENV.contains(&v.as_str()), "{v} is not cleared for the tests (support.rs)");
    }
}

/// Bug pinned: `--help` said `check` never uses the network; with a roster in a GitLab
/// repository it reads it through the API, and without a token it stops (exit 2).
#[test]
fn help_says_check_reads_a_roster_kept_in_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["check", "--help"]] {
        let help = String::from_utf8(onboarder(dir.path(), args).stdout).unwrap();
        assert!(!help.contains("never uses the network"), "{args:?}: {help}");
        assert!(help.contains("roster kept in a GitLab repository"), "{args:?}: {help}");
    }
}

/// Bug pinned: `-v` added nothing to an offline `plan` or `check`, and the log carried colour
/// codes into files and CI logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_says_what_was_read_and_planned_offline_and_the_log_has_no_colour_in_a_file() {
    let ctx = Ctx::new().await;
    let read = ["14 people", "shadow program: shadow-program.yaml: 2 participants", "read 6 templates from"];
    let plan = ctx.run_env(&["-v", "plan", "--today", TODAY], &[]).await.ok();
    let err = plan.stderr();
    for part in read.iter().chain(&["planned offline for 2026-11-23"]) {
        assert!(err.contains(part), "{part:?}: {err}");
    }
    assert!(!err.contains('\u{1b}'), "stderr is a pipe here, not a terminal: {err:?}");
    let check = ctx.run_env(&["-v", "check"], &[]).await.ok();
    for part in read {
        assert!(check.stderr().contains(part), "{part:?}: {}", check.stderr());
    }
    assert!(!check.stderr().contains('\u{1b}'), "{:?}", check.stderr());
    // Without -v: only what a person needs.
    let quiet = ctx.run_env(&["plan", "--today", TODAY], &[]).await.ok();
    assert!(!quiet.stderr().contains("templates from"), "{}", quiet.stderr());
}

/// Bug pinned: `--preview-dir` wrote its files without a word of where or how many.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_dir_says_how_many_files_it_wrote_and_where() {
    let ctx = Ctx::new().await;
    let count = |dir: &str| std::fs::read_dir(ctx.path(dir)).unwrap().count();
    let offline = ctx.run_env(&["plan", "--today", TODAY, "--preview-dir", "offline"], &[]).await.ok();
    assert!(count("offline") > 5);
    assert!(
        offline.stderr().contains(&format!("onboarder: wrote {} previews to offline", count("offline"))),
        "{}",
        offline.stderr()
    );
    // The same line from a plan against GitLab, and from a sync.
    let online = ctx.run(&["plan", "--today", TODAY, "--preview-dir", "online"]).await.ok();
    assert!(online.stderr().contains(&format!("onboarder: wrote {} previews to online", count("online"))));
    let sync = ctx.sync(&["--preview-dir", "synced"]).await.ok();
    assert!(sync.stderr().contains(&format!("onboarder: wrote {} previews to synced", count("synced"))));
}

/// Bug pinned: `check` said "9 issues rendered", `plan` "would create 10 ... 1 skipped" and `-v`
/// "planned 9 issues from 10 listed": three numbers for one roster. Now `check`, `plan` offline
/// and against GitLab, and `-v` for each count the same issues, dashboards included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_plan_and_v_count_the_same_issues() {
    let ctx = Ctx::new().await;
    std::fs::copy(repo().join("onboarder.yaml"), ctx.path("onboarder.yaml")).unwrap();
    let check = ctx.run_env(&["check"], &[]).await.ok().stdout();
    assert!(check.contains("14 people and 2 shadow-program participants"), "{check}");
    let rendered = number_before(&check, "issues");
    let summed = |line: &str| {
        let after = ["create", "update", "close"].iter().map(|w| number_after(line, w));
        let before = ["unchanged", "skipped", "conflicts", "failed"].iter().map(|w| number_before(line, w));
        after.chain(before).sum::<u64>()
    };
    let offline = ctx.run_env(&["-v", "plan", "--today", TODAY], &[]).await.ok();
    let online = ctx.run(&["-v", "plan", "--today", TODAY]).await.ok();
    for run in [offline, online] {
        let stdout = run.stdout();
        let line = stdout.lines().find(|l| l.starts_with("would create")).unwrap();
        assert_eq!(summed(line), rendered, "check: {check}plan: {line}");
        let logged = run.stderr();
        let planned = logged.lines().find(|l| l.contains(" INFO planned ")).expect("-v says what was planned");
        assert_eq!(number_before(planned, "issues:"), rendered, "{planned}");
    }
}

/// Bug pinned: the example's shadow-program participants had ended, so the walkthrough showed no
/// shadow-program issue, and nothing said why. Whatever the date, the example shows each kind of
/// issue (a learning path, a shadow-program issue, a manager's dashboard), two syncs on that
/// date leave nothing to write, and a participant whose program ended is named with why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_shows_every_kind_of_issue_whatever_the_date() {
    let today = chrono::Utc::now().date_naive();
    for date in
        [TODAY.to_string(), today.to_string(), (today + chrono::Days::new(400)).to_string(), "2031-06-30".into()]
    {
        let ctx = Ctx::new().await;
        std::fs::copy(repo().join("onboarder.yaml"), ctx.path("onboarder.yaml")).unwrap();
        let plan = ctx.run_env(&["plan", "--today", &date], &[]).await.ok().stdout();
        for kind in ["· support-learning-path ·", "· support-shadow-program ·", "· dashboard ·"] {
            assert!(plan.lines().any(|l| l.starts_with("create") && l.contains(kind)), "{date}: {kind}\n{plan}");
        }
        assert!(plan.contains("no issue for mchen: the shadow program ended on 2026-11-06"), "{date}: {plan}");
        ctx.run(&["sync", "--today", &date]).await.ok();
        ctx.fake.clear_requests();
        let again = ctx.run(&["sync", "--today", &date]).await.ok();
        assert_eq!(ctx.fake.writes(), 0, "{date}: {}", again.stdout());
    }
}

/// The number before `word` in the summary line.
fn number_before(line: &str, word: &str) -> u64 {
    let tokens: Vec<&str> = line.split([' ', ',', ';', '(', ')']).filter(|t| !t.is_empty()).collect();
    tokens
        .windows(2)
        .find_map(|w| (w[1] == word).then(|| w[0].parse().ok()).flatten())
        .unwrap_or_else(|| panic!("{word}: {line}"))
}

/// The number after `word` in the summary line ("would create 10").
fn number_after(line: &str, word: &str) -> u64 {
    let tokens: Vec<&str> = line.split([' ', ',', ';']).filter(|t| !t.is_empty()).collect();
    tokens.windows(2).find(|w| w[0] == word).and_then(|w| w[1].parse().ok()).unwrap_or_else(|| panic!("{word}: {line}"))
}

/// Bug pinned: "21 API requests (9 GET, 11 POST, 0 PUT, ...)": the run lock's DELETE was in the
/// total and in no part of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_count_adds_up_in_text_and_json() {
    let ctx = Ctx::new().await;
    let run = ctx.sync(&[]).await.ok();
    let stdout = run.stdout();
    let line = stdout.lines().last().unwrap();
    let total = number_before(line, "API");
    let parts: Vec<u64> = ["GET", "POST", "PUT", "DELETE"].iter().map(|m| number_before(line, m)).collect();
    assert_eq!(parts.iter().sum::<u64>(), total, "{line}");
    assert_eq!(total as usize, ctx.fake.requests().len(), "{line}");
    for (method, n) in ["GET", "POST", "PUT", "DELETE"].iter().zip(&parts) {
        assert_eq!(*n as usize, ctx.fake.count(method), "{method}: {line}");
    }
    assert!(parts[3] >= 1, "the run lock is let go with a DELETE: {line}");

    ctx.edit("roster/praman.yaml", "  buddy: mkowalski", "  buddy: jlindqvist");
    ctx.fake.clear_requests();
    let json = ctx.sync(&["--format", "json"]).await.ok().json();
    let r = &json["summary"]["requests"];
    let sum: u64 = ["get", "post", "put", "delete", "other"].iter().map(|k| r[k].as_u64().unwrap()).sum();
    assert_eq!(Some(sum), r["total"].as_u64(), "{r}");
    assert_eq!(r["delete"].as_u64(), Some(ctx.fake.count("DELETE") as u64), "{r}");
    assert_eq!(r["total"].as_u64(), Some(ctx.fake.requests().len() as u64), "{r}");
}
