//! Merge request pipelines: a read-only token plans against GitLab; without one, every output of
//! the plan says it is offline; with `GITLAB_MR_TOKEN` the plan is one comment on the merge request.

use crate::check_and_plan::{onboarder, small};
use crate::support::{Ctx, META, TODAY, TOKEN, TRAINING};

const READ_TOKEN: &str = "glpat-read-only-3c1e";

// Regression: an offline plan looked like GitLab's state in plan.txt, plan.md and the JUnit report.
#[test]
fn an_offline_plan_says_so_in_every_output() {
    let dir = small();
    let args = ["plan", "--today", TODAY, "--junit", "plan.xml", "--summary-md", "plan.md"];
    let out = onboarder(dir.path(), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().next().unwrap().starts_with("OFFLINE PLAN: "), "{stdout}");
    let md = std::fs::read_to_string(dir.path().join("plan.md")).unwrap();
    assert!(md.lines().any(|l| l.starts_with("## OFFLINE PLAN: ")), "{md}");
    let junit = std::fs::read_to_string(dir.path().join("plan.xml")).unwrap();
    assert!(junit.contains(r#"<testsuite name="onboarder (offline plan)""#), "{junit}");
    assert!(junit.contains(r#"<property name="offline" value="true"/>"#), "{junit}");
    assert!(junit.contains(r#"classname="offline plan: create""#), "{junit}");

    let out = onboarder(dir.path(), &["plan", "--today", TODAY, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["offline"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_plans_against_gitlab_but_never_syncs() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    add_read_token(&ctx);
    let url = ctx.fake.url();
    let read_only = [("GITLAB_URL", url.as_str()), ("GITLAB_READ_TOKEN", READ_TOKEN)];
    ctx.fake.clear_requests();

    let args = ["plan", "--today", TODAY, "--junit", "plan.xml", "--summary-md", "plan.md"];
    let plan = ctx.run_env(&args, &read_only).await.ok();
    let stdout = plan.stdout();
    assert!(!stdout.contains("OFFLINE"), "{stdout}");
    assert!(stdout.contains("; 9 unchanged,"), "the plan read the issues the sync made: {stdout}");
    assert!(!ctx.read("plan.md").contains("OFFLINE") && !ctx.read("plan.xml").contains("offline"));
    assert_eq!(ctx.fake.writes(), 0);
    assert!(ctx.fake.requests().iter().all(|r| r.auth.as_deref() == Some(READ_TOKEN)), "{:?}", ctx.fake.requests());

    // GITLAB_TOKEN wins when both are set (a protected branch's pipeline sees both).
    ctx.fake.clear_requests();
    let both = [("GITLAB_URL", url.as_str()), ("GITLAB_TOKEN", TOKEN), ("GITLAB_READ_TOKEN", READ_TOKEN)];
    ctx.run_env(&["plan", "--today", TODAY], &both).await.ok();
    assert!(ctx.fake.requests().iter().all(|r| r.auth.as_deref() == Some(TOKEN)));

    // A sync never falls back to the read token: exit 2, nothing sent at all.
    ctx.fake.clear_requests();
    let sync = ctx.run_env(&["sync", "--today", TODAY], &read_only).await;
    assert_eq!(sync.code(), 2, "{}", sync.stderr());
    assert!(
        sync.stderr().contains("GITLAB_READ_TOKEN is read only and serves `plan`, never `sync`"),
        "{}",
        sync.stderr()
    );
    assert!(ctx.fake.requests().is_empty());
}

const MR_TOKEN: &str = "glpat-mr-comment-81d2";

// The plan is one comment on the merge request, edited in place, never a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_is_one_comment_on_the_merge_request_kept_up_to_date() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    add_read_token(&ctx);
    let commenter = ctx.fake.add_user("mr-commenter", "Merge Request Commenter");
    ctx.fake.add_token(MR_TOKEN, commenter);
    ctx.fake.add_merge_request(TRAINING, 12);
    let url = ctx.fake.url();
    let project_id = ctx.fake.project_id(TRAINING).unwrap().to_string();
    let env = [
        ("GITLAB_URL", url.as_str()),
        ("GITLAB_READ_TOKEN", READ_TOKEN),
        ("GITLAB_MR_TOKEN", MR_TOKEN),
        ("CI_MERGE_REQUEST_IID", "12"),
        ("CI_MERGE_REQUEST_PROJECT_ID", project_id.as_str()),
    ];
    let plan = ["plan", "--today", TODAY, "--summary-md", "plan.md"];
    let only_the_comment_writes = |ctx: &Ctx| {
        ctx.fake.requests().iter().filter(|r| r.method != "GET").all(|r| r.auth.as_deref() == Some(MR_TOKEN))
    };

    ctx.fake.clear_requests();
    let first = ctx.run_env(&plan, &env).await.ok();
    assert!(first.stderr().contains("posted the plan on merge request !12"), "{}", first.stderr());
    let notes = ctx.fake.merge_request_notes(TRAINING, 12);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].author_id, commenter);
    assert!(notes[0].body.starts_with("<!-- onboarder:plan -->\n"), "{}", notes[0].body);
    // Regression (N12): the comment named people as behind or overdue, with links, on every
    // roster merge request, and roster repositories are often public. It shows what a merge
    // would write, by title and action; the pace only when the config asks.
    assert!(notes[0].body.contains("A merge would create"), "{}", notes[0].body);
    for word in ["behind", "overdue", "on-track", "| pace |"] {
        assert!(!notes[0].body.contains(word), "{word} in the comment:\n{}", notes[0].body);
    }
    assert!(ctx.read("plan.md").contains("| pace |"), "the job's own summary keeps the detail");
    assert_eq!((ctx.fake.writes(), ctx.fake.count("POST")), (1, 1));
    assert!(only_the_comment_writes(&ctx));
    let first_body = notes[0].body.clone();

    // A roster change: the same note, new text, one PUT and nothing else written.
    ctx.edit("roster/praman.yaml", "modules:\n", "modules:\n  - GitLab Omnibus\n");
    ctx.fake.clear_requests();
    let second = ctx.run_env(&plan, &env).await.ok();
    assert!(second.stderr().contains("updated the plan's comment"), "{}", second.stderr());
    let notes_now = ctx.fake.merge_request_notes(TRAINING, 12);
    assert_eq!(notes_now.len(), 1);
    assert_eq!(notes_now[0].id, notes[0].id);
    assert_ne!(notes_now[0].body, first_body);
    assert!(notes_now[0].body.contains("| update | [#"), "{}", notes_now[0].body);
    assert_eq!((ctx.fake.writes(), ctx.fake.count("PUT")), (1, 1));
    assert!(only_the_comment_writes(&ctx));

    // Nothing changed: the comment is read, not written.
    ctx.fake.clear_requests();
    let third = ctx.run_env(&plan, &env).await.ok();
    assert!(third.stderr().contains("is up to date"), "{}", third.stderr());
    assert_eq!(ctx.fake.writes(), 0);
    assert_eq!(ctx.fake.merge_request_notes(TRAINING, 12), notes_now);

    // A comment that cannot be made is a warning; the plan still succeeds.
    let mut elsewhere = env;
    elsewhere[3] = ("CI_MERGE_REQUEST_IID", "99");
    let failed = ctx.run_env(&plan, &elsewhere).await.ok();
    assert!(
        failed.stderr().contains("warning: could not comment the plan on merge request !99"),
        "{}",
        failed.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_comment_names_each_pace_only_when_the_config_asks() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    ctx.edit("roster/praman.yaml", "modules:\n", "modules:\n  - GitLab Omnibus\n");
    let config = ctx.read("onboarder.yaml");
    ctx.write("onboarder.yaml", &format!("{config}\nplan_comment:\n  show_pace: true\n"));
    let commenter = ctx.fake.add_user("mr-commenter", "Merge Request Commenter");
    ctx.fake.add_token(MR_TOKEN, commenter);
    ctx.fake.add_merge_request(TRAINING, 12);
    let project_id = ctx.fake.project_id(TRAINING).unwrap().to_string();
    let url = ctx.fake.url();
    let env = [
        ("GITLAB_URL", url.as_str()),
        ("GITLAB_TOKEN", TOKEN),
        ("GITLAB_MR_TOKEN", MR_TOKEN),
        ("CI_MERGE_REQUEST_IID", "12"),
        ("CI_MERGE_REQUEST_PROJECT_ID", project_id.as_str()),
    ];
    ctx.run_env(&["plan", "--today", TODAY], &env).await.ok();
    let body = ctx.fake.merge_request_notes(TRAINING, 12)[0].body.clone();
    assert!(body.contains("| pace |") && body.contains("Support learning path: Priya Raman"), "{body}");
}

/// A `read_api`-style token: it reads both projects and may write in neither.
fn add_read_token(ctx: &Ctx) {
    let reader = ctx.fake.add_user("mr-reader", "Merge Request Reader");
    ctx.fake.add_token(READ_TOKEN, reader);
    for project in [TRAINING, META] {
        ctx.fake.read_only(reader, project);
    }
}
