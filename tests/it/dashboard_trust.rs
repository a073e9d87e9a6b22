//! Managers' dashboards and what people can do to them: copies settled, a box ticked during a run
//! kept for the next one, boxes only where onboarder lays them out, a title that fits whatever
//! the manager's name.

use fake_gitlab::{Issue, Matcher};

use crate::dashboards::{board, tick_command, with_dashboards, DANA};
use crate::support::{Ctx, TODAY, TRAINING};

fn dashboards_of(ctx: &Ctx, key: &str) -> Vec<Issue> {
    ctx.issues(TRAINING).into_iter().filter(|i| i.description.contains(&format!("onboarder:begin {key}"))).collect()
}

// Regression (N8): after a slow create, two copies of a dashboard sat in conflict on every run:
// the command boxes counted as a person's edits, so neither copy was ever "untouched".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_untouched_copies_of_a_dashboard_are_settled_like_a_persons() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    // A create whose answer was lost and was sent again: the same text, by onboarder's account.
    let copy = ctx.fake.human_create_issue(TRAINING, ctx.bot, &dana.title, &dana.description, &["onboarder"]);
    let out = ctx.sync(&[]).await;
    assert_eq!(out.code(), 0, "{}", out.stderr());
    let open: Vec<u64> =
        dashboards_of(&ctx, "manager-dashboard:dwhitfield").iter().filter(|i| i.is_open()).map(|i| i.iid).collect();
    assert_eq!(open, vec![dana.iid], "the copy {copy} was not closed");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

// Regression (N10): a manager's second tick while a run was writing was unticked without being
// carried out or logged (the boxes' serials moved on under it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_ticked_during_a_run_is_carried_out_by_the_next() {
    let ctx = with_dashboards("").await;
    ctx.run(&["sync", "--today", "2026-10-05"]).await.ok();
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit(TRAINING, dana.iid, |i| tick_command(&mut i.description, "Priya Raman", "Extend"));
    // The run reads the dashboard, decides the extension; then, before it writes the dashboard,
    // the manager ticks "Pause" too.
    let write_read =
        Matcher::route("GET", "/api/v4/projects/:id/issues/:iid").and_path_contains(&format!("/issues/{}", dana.iid));
    let iid = dana.iid;
    ctx.fake.before_request(write_read, move |fake| {
        fake.human_edit(TRAINING, iid, |i| tick_command(&mut i.description, "Priya Raman", "Pause"));
    });
    ctx.run(&["sync", "--today", "2026-10-12"]).await.ok();
    let after = board(&ctx, DANA);
    assert!(after.description.contains("- [x] Pause"), "the second tick was dropped:\n{}", after.description);
    assert!(after.description.contains("extended the due date by 2 weeks for Priya Raman"));
    ctx.run(&["sync", "--today", "2026-10-12"]).await.ok();
    let later = board(&ctx, DANA);
    assert!(later.description.contains("paused Priya Raman"), "{}", later.description);
    assert!(!later.description.contains("- [x]"), "{}", later.description);
}

// Regression (N3): command lines hidden in an HTML comment below the end marker were carried out
// (420 days in one run) and never unticked, so the dashboard was rewritten every day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_lines_hidden_outside_the_region_do_nothing() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    let extend =
        dana.description.lines().find(|l| l.contains("<!-- cmd: extend support-learning-path:praman")).unwrap();
    let hidden = extend.replacen("[ ]", "[x]", 1);
    ctx.fake.human_edit(TRAINING, dana.iid, |i| {
        i.description.push_str(&format!("\n\n<!--\n{}\n-->\n", [hidden.as_str(); 30].join("\n")));
    });
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.issue(TRAINING, priya.iid).unwrap().due_date, priya.due_date, "the due date moved");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "rewritten every day: {:?}", ctx.fake.requests());
}

// Regression (N3): an issue someone else opened with `manager-dashboard:<manager>` had its
// commands carried out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_someone_else_opened_commands_nothing() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    let mut forged = dana.description.clone();
    tick_command(&mut forged, "Priya Raman", "Extend");
    let someone = ctx.fake.user_id("angata").unwrap();
    ctx.fake.human_create_issue(TRAINING, someone, "my dashboard", &forged, &["onboarder"]);
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.issue(TRAINING, priya.iid).unwrap().due_date, priya.due_date, "the due date moved");
    assert_eq!(board(&ctx, DANA).description, dana.description, "the real dashboard changed");
}

// Regression (N14): a manager's name over 233 characters passed `check`; the dashboard's title
// was then too long for GitLab, and every sync failed that dashboard (400).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_managers_name_still_gets_a_dashboard() {
    let ctx = with_dashboards("").await;
    let long = format!("Dana {} Whitfield", "Maria ".repeat(45).trim_end());
    for f in ["angata", "dwhitfield", "falsayed", "jlindqvist", "mkowalski", "praman", "wtan", "ytanaka"] {
        let path = format!("roster/{f}.yaml");
        let text = ctx.read(&path).replace("Dana Whitfield", &long);
        ctx.write(&path, &text);
    }
    let out = ctx.run(&["sync", "--today", TODAY]).await;
    assert_eq!(out.code(), 0, "{}\n{}", out.stdout(), out.stderr());
    let dashboard =
        ctx.issues(TRAINING).into_iter().find(|i| i.description.contains("manager-dashboard:dwhitfield")).unwrap();
    assert!(dashboard.title.chars().count() <= 255 && dashboard.title.ends_with('…'), "{}", dashboard.title);
}
