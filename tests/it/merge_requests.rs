//! Merge request pipelines: a read-only token plans against GitLab; without one, every output of
//! the plan says it is offline.

use crate::check_and_plan::{onboarder, small};
use crate::support::{Ctx, META, TODAY, TOKEN, TRAINING};

const READ_TOKEN: &str = "glpat-read-only-3c1e";

// Issue 13: an offline plan looked like GitLab's state in plan.txt, plan.md and the JUnit report.
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
    let reader = ctx.fake.add_user("mr-reader", "Merge Request Reader");
    ctx.fake.add_token(READ_TOKEN, reader);
    for project in [TRAINING, META] {
        ctx.fake.read_only(reader, project);
    }
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
