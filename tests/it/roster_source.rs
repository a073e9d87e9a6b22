//! The roster read from a GitLab repository (`roster: {project, path, ref}`), through the API:
//! the same plan as the same files on disk, the same per-person errors (named
//! `project:path:line:column`), and a clear config error for a path or ref that is not there.

use std::collections::BTreeSet;

use crate::support::{copy_dir, repo, Ctx, TODAY, TRAINING};

pub const TEAM: &str = "gitlab-com/support/support-team";
pub const TREE: &str = "/api/v4/projects/:id/repository/tree";
pub const RAW: &str = "/api/v4/projects/:id/repository/files/:file_path/raw";

/// The fake serves a copy of the example roster as `team/` of the support-team repository's
/// `main` branch, behind 100 other files so the person files are on the tree's second page.
fn serve_roster(ctx: &Ctx) {
    serve_team(ctx, 100);
}

/// The example roster as `team/` of the support-team repository's `main` branch (on disk at
/// `support-team/team` of the test's directory), behind `notes` other files, which come first
/// in the listing.
pub fn serve_team(ctx: &Ctx, notes: usize) {
    let team = ctx.path("support-team/team");
    copy_dir(&repo().join("roster"), &team);
    for n in 0..notes {
        std::fs::write(team.join(format!("AAA-notes-{n:03}.md")), "not a person\n").unwrap();
    }
    std::fs::copy(repo().join("shadow-program.yaml"), ctx.path("support-team/shadow-program.yaml")).unwrap();
    ctx.fake.add_project(TEAM);
    ctx.fake.add_repository_dir(TEAM, "main", ctx.path("support-team"));
}

pub fn use_repository(ctx: &Ctx, path: &str, git_ref: &str) {
    ctx.edit(
        "onboarder.yaml",
        "roster: roster/",
        &format!("roster: {{project: {TEAM}, path: {path}, ref: {git_ref}}}"),
    );
}

pub fn requests_to(ctx: &Ctx, route: &str) -> usize {
    ctx.fake.requests().iter().filter(|r| r.method == "GET" && r.route == route).count()
}

/// The plan's actions without what differs between two runs of the same plan.
fn actions(plan: &serde_json::Value) -> serde_json::Value {
    plan["actions"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_read_from_the_repository_plans_exactly_like_the_same_files_on_disk() {
    let ctx = Ctx::new().await;
    serve_roster(&ctx);
    let local = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    // The local roster and shadow list are gone: only the repository can supply the people now.
    std::fs::remove_dir_all(ctx.path("roster")).unwrap();
    std::fs::remove_file(ctx.path("shadow-program.yaml")).unwrap();
    use_repository(&ctx, "team", "main");
    let shadow = format!("  roster: {{project: {TEAM}, path: shadow-program.yaml, ref: main}}");
    ctx.edit("onboarder.yaml", "  roster: shadow-program.yaml", &shadow);
    ctx.fake.clear_requests();
    let remote = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    assert!(actions(&local).as_array().is_some_and(|a| a.len() > 5), "{local}");
    assert_eq!(actions(&remote), actions(&local));
    // One listing of the directory, two pages of 100; one read per person file, no more.
    let person_files = std::fs::read_dir(repo().join("roster")).unwrap().count();
    assert_eq!(requests_to(&ctx, TREE), 2, "{:?}", ctx.fake.requests());
    assert_eq!(requests_to(&ctx, RAW), person_files + 1, "each person file and the shadow list");
    assert!(ctx.fake.requests().iter().filter(|r| r.route == RAW).all(|r| r.query.contains("ref=main")));
    assert_eq!(ctx.fake.writes(), 0);
    // And `sync` from the repository creates the same issues a local sync would.
    ctx.sync(&[]).await.ok();
    let created: BTreeSet<String> = ctx.issues(TRAINING).iter().map(|i| i.title.clone()).collect();
    let planned: BTreeSet<String> = actions(&local)
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "create" && a["project"] == TRAINING)
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(created, planned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_in_the_repository_is_named_by_project_path_line_column_and_fails_that_person_only() {
    let ctx = Ctx::new().await;
    serve_roster(&ctx);
    use_repository(&ctx, "team", "main");
    let file = ctx.path("support-team/team/praman.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("start_date: 2026-10-05", "start_date: 2026-10-35", 1)).unwrap();
    // A file over the input limit is refused while its answer is read, and fails its person only.
    let huge = format!("name: {}\n", "x".repeat(9 << 20));
    std::fs::write(ctx.path("support-team/team/huge.yaml"), huge).unwrap();
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr().contains(&format!("{TEAM}:team/praman.yaml:6:13: date \"2026-10-35\" does not exist")),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains(&format!("{TEAM}:team/huge.yaml:1:1: file is over the 8388608 byte limit")),
        "{}",
        run.stderr()
    );
    let titles: Vec<String> = ctx.issues(TRAINING).iter().map(|i| i.title.clone()).collect();
    assert!(!titles.iter().any(|t| t.contains("Priya Raman")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("Grace Mwangi")), "everyone else is synced: {titles:?}");
    // `check` reports it the same way, with the offending line.
    let check = ctx.run(&["check"]).await;
    assert_eq!(check.code(), 2, "{}", check.stderr());
    assert!(check.stderr().contains(&format!("{TEAM}:team/praman.yaml:6:13")), "{}", check.stderr());
    assert!(check.stderr().contains("start_date: 2026-10-35"), "{}", check.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_path_or_ref_is_a_config_error_and_nothing_is_written() {
    let ctx = Ctx::new().await;
    serve_roster(&ctx);
    for (path, git_ref) in [("people", "main"), ("team", "no-such-branch")] {
        ctx.write("onboarder.yaml", &std::fs::read_to_string(repo().join("onboarder.yaml")).unwrap());
        use_repository(&ctx, path, git_ref);
        let run = ctx.sync(&[]).await;
        assert_eq!(run.code(), 2, "{path} at {git_ref}: {}", run.stderr());
        let err = run.stderr();
        assert!(err.contains("onboarder.yaml:11:"), "the config's place: {err}");
        assert!(err.contains(&format!("{path:?}")) && err.contains(TEAM), "{err}");
        assert!(err.contains("check the project, the path and the ref"), "{err}");
        assert_eq!(ctx.fake.writes(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_without_a_token_says_a_repository_roster_needs_one() {
    let ctx = Ctx::new().await;
    serve_roster(&ctx);
    use_repository(&ctx, "team", "main");
    let run = ctx.run_env(&["check"], &[("GITLAB_URL", &ctx.fake.url())]).await;
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains(&format!("the roster in {TEAM} is read through the API, which needs a token")));
    assert!(ctx.fake.requests().is_empty());
    // With the token, `check` reads it and finds nothing wrong.
    let run = ctx.run(&["check"]).await.ok();
    assert!(run.stdout().starts_with("ok: "), "{}", run.stdout());
}
