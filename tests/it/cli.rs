//! The command line as a person meets it: `--help`, a missing config, `--only` mistakes, CI logs.

use crate::check_and_plan::onboarder;
use crate::support::{Ctx, TODAY, TRAINING};

#[test]
fn help_lists_the_environment_the_exit_statuses_and_three_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = onboarder(dir.path(), &["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "GITLAB_URL",
        "CI_SERVER_URL",
        "GITLAB_TOKEN",
        "GITLAB_READ_TOKEN",
        "CI_NODE_INDEX",
        "CI_NODE_TOTAL",
        "RUST_LOG",
    ] {
        assert!(help.contains(var), "{var} missing from --help:\n{help}");
    }
    let statuses = help.split("Exit status:").nth(1).expect("an exit status section");
    for code in ["  0  ", "  1  ", "  2  "] {
        assert!(statuses.contains(code), "{help}");
    }
    let examples = help.split("Examples:").nth(1).expect("an examples section");
    assert_eq!(examples.lines().filter(|l| l.contains("onboarder ")).count(), 3, "{help}");
}

// Regression: a missing config said `onboarder.yaml:1:1: cannot read file`.
#[test]
fn a_missing_config_says_which_path_was_tried_and_how_to_pass_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = onboarder(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no config file at onboarder.yaml"), "{stderr}");
    let canonical = dir.path().canonicalize().unwrap();
    assert!(
        stderr.contains(&dir.path().display().to_string()) || stderr.contains(&canonical.display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("--config path/to/onboarder.yaml"), "{stderr}");
    assert!(!stderr.contains(":1:1:"), "{stderr}");

    let out = onboarder(dir.path(), &["--config", "team/onboarder.yaml", "plan"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no config file at team/onboarder.yaml"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_with_a_typo_suggests_the_closest_username() {
    let ctx = Ctx::new().await;
    for command in ["plan", "sync"] {
        let run = ctx.run(&[command, "--today", TODAY, "--only", "pramann"]).await;
        assert_eq!(run.code(), 2, "{}", run.stderr());
        assert!(
            run.stderr()
                .contains(r#"--only "pramann": nobody in the roster has that GitLab username; did you mean "praman"?"#),
            "{}",
            run.stderr()
        );
    }
    let run = ctx.run(&["sync", "--today", TODAY, "--only", "zzzzzzzz"]).await;
    assert_eq!(run.code(), 2);
    assert!(!run.stderr().contains("did you mean"), "{}", run.stderr());
    assert!(ctx.fake.requests().is_empty(), "{:?}", ctx.fake.requests());
}

// Regression: `sync --only` for someone out of scope printed "would create 0" and exited 0, so the
// manager's new-hire job went green and nothing happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_only_for_someone_who_gets_no_issue_says_why_and_exits_2() {
    let ctx = Ctx::new().await;
    ctx.edit("roster/angata.yaml", "  buddy: wtan", "  buddy: wtan\n  status: left");
    let praman_shard = (1..=2).find(|k| onboarder::selection::Shard { index: *k, total: 2 }.owns("praman"));
    let other_shard = format!("{}/2", 3 - praman_shard.unwrap());
    let cases: [(&[&str], &str); 4] = [
        (&["--only", "dwhitfield"], "started on 2023-03-13, before started_after (2026-06-01)"),
        (&["--only", "ytanaka"], "onboarding.status is paused in roster/ytanaka.yaml"),
        (&["--only", "angata"], "this person has left the team (onboarding.status: left in roster/angata.yaml)"),
        (&["--only", "praman", "--shard", &other_shard], "not in this run's shard"),
    ];
    for (args, why) in cases {
        let mut argv = vec!["sync", "--today", TODAY];
        argv.extend_from_slice(args);
        let run = ctx.run(&argv).await;
        assert_eq!(run.code(), 2, "{argv:?}: {}\n{}", run.stdout(), run.stderr());
        assert!(run.stderr().contains(why), "{argv:?}: {}", run.stderr());
        assert!(run.stderr().contains("nothing was written"), "{}", run.stderr());
        assert!(!run.stdout().contains("would create 0"), "{}", run.stdout());
    }
    assert!(ctx.fake.requests().is_empty(), "an out-of-scope --only reached GitLab: {:?}", ctx.fake.requests());

    // The same command for someone in scope does their issue, and only theirs.
    ctx.sync(&["--only", "praman"]).await.ok();
    let issues = ctx.issues(TRAINING);
    assert_eq!(issues.len(), 1, "{:?}", issues.iter().map(|i| &i.title).collect::<Vec<_>>());
    assert!(issues[0].title.contains("Priya Raman"));
}

// Regression: the collapsible-section markers printed a literal `\x1b`, so GitLab showed them as
// text and folded nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_ci_log_sections_use_the_escape_character() {
    let ctx = Ctx::new().await;
    let url = ctx.fake.url();
    let env = [("GITLAB_URL", url.as_str()), ("GITLAB_TOKEN", crate::support::TOKEN), ("GITLAB_CI", "true")];
    let run = ctx.run_env(&["sync", "--today", TODAY], &env).await.ok();
    let stderr = run.stderr();
    assert!(stderr.contains("\u{1b}[0Ksection_start:"), "{stderr}");
    assert!(stderr.contains("\u{1b}[0Ksection_end:"), "{stderr}");
    assert!(!stderr.contains(r"\x1b"), "{stderr}");
}
