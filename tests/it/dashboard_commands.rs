//! Who may give a dashboard command, and what a dashboard keeps private: a tick counts only when
//! GitLab's system note about it names the dashboard's manager or an onboarding admin; anyone
//! else's is refused and unticked, and nothing changes for the person. Dashboards are created
//! confidential, and an existing one is made so once.

use crate::dashboards::{board, puts_on, tick_command, with_dashboards, DANA, KWAME};
use crate::support::{Ctx, TODAY, TRAINING};

/// Reads of an issue's notes.
fn notes_reads(ctx: &Ctx) -> usize {
    ctx.fake.requests().iter().filter(|r| r.method == "GET" && r.route.ends_with("/notes")).count()
}

fn user(ctx: &Ctx, username: &str) -> u64 {
    ctx.fake.user_id(username).unwrap()
}

// Issue 22: a new hire ticked "Extend the due date" for himself on his manager's dashboard, and
// the next run moved his due date two weeks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_ticked_by_a_new_hire_is_refused_unticked_and_changes_nothing() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit_by(user(&ctx, "praman"), TRAINING, dana.iid, |i| {
        tick_command(&mut i.description, "Priya Raman", "Extend the due date");
    });
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(notes_reads(&ctx), 1, "who ticked it: the dashboard's notes, once");
    assert_eq!(puts_on(&ctx, priya.iid), 0, "nothing changes for her");
    let now = ctx.fake.issue(TRAINING, priya.iid).unwrap();
    assert_eq!((&now.due_date, &now.description), (&priya.due_date, &priya.description));
    let after = board(&ctx, DANA);
    assert!(!after.description.contains("- [x]"), "the tick was not undone:\n{}", after.description);
    let refused = format!(
        "- {TODAY}: did not carry out \"extend\" for Priya Raman (support-learning-path): ticked by praman, who is \
         neither this dashboard's manager nor an onboarding admin (`dashboards.admins`)."
    );
    assert!(after.description.contains(&refused), "{}", after.description);

    // A box that comes ticked with no note of who ticked it (written ticked in an edit that also
    // added a box above it, so GitLab wrote none) is nobody's command either.
    ctx.fake.human_edit_by(user(&ctx, "dwhitfield"), TRAINING, dana.iid, |i| {
        tick_command(&mut i.description, "Priya Raman", "Extend the due date");
        i.description.insert_str(0, "- [ ] call Priya on Friday\n\n");
    });
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.issue(TRAINING, priya.iid).unwrap().due_date, priya.due_date);
    let after = board(&ctx, DANA);
    assert!(after.description.contains("GitLab's notes do not say who ticked it"), "{}", after.description);
    assert!(!after.description.contains("- [x]"));

    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(notes_reads(&ctx), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_managers_tick_and_an_admins_are_carried_out_once() {
    let ctx = with_dashboards("  admins: [MKowalski]\n").await;
    ctx.sync(&[]).await.ok();
    let (priya, fatima) = (
        ctx.issue_of(TRAINING, "Support learning path: Priya Raman"),
        ctx.issue_of(TRAINING, "Support learning path: Fatima Al-Sayed"),
    );
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit_by(user(&ctx, "dwhitfield"), TRAINING, dana.iid, |i| {
        tick_command(&mut i.description, "Priya Raman", "Extend the due date");
    });
    ctx.fake.human_edit_by(user(&ctx, "mkowalski"), TRAINING, dana.iid, |i| {
        tick_command(&mut i.description, "Fatima Al-Sayed", "Extend the due date");
    });
    ctx.sync(&[]).await.ok();
    let later = |d: &Option<String>| {
        let d = chrono::NaiveDate::parse_from_str(d.as_deref().unwrap(), "%Y-%m-%d").unwrap();
        Some((d + chrono::Days::new(14)).to_string())
    };
    for issue in [&priya, &fatima] {
        assert_eq!(ctx.fake.issue(TRAINING, issue.iid).unwrap().due_date, later(&issue.due_date), "{}", issue.title);
    }
    let after = board(&ctx, DANA);
    let done: Vec<&str> =
        after.description.lines().filter(|l| l.starts_with("- ") && l.contains(": extended the due date")).collect();
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(!after.description.contains("- [x]"));
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(ctx.fake.issue(TRAINING, priya.iid).unwrap().due_date, later(&priya.due_date), "extended once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_change_run_reads_no_notes() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(notes_reads(&ctx), 0, "{:?}", ctx.fake.requests());
    // The token and its expiry, per project its id and one listing page, and each hire's module
    // issues (one listing by assignee): nothing more.
    let modules = ctx.fake.requests().iter().filter(|r| r.query.contains("assignee_id=")).count();
    assert_eq!(modules, 7, "{:?}", ctx.fake.requests());
    assert_eq!(ctx.fake.count("GET"), 6 + modules, "{:?}", ctx.fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_are_created_confidential_and_an_existing_one_is_made_so_once() {
    let ctx = with_dashboards("").await;
    // A template may ask for confidential issues; the others stay as support-training's are.
    ctx.edit("issue-templates/support-learning-path.md", "\nstages:\n", "\nconfidential: true\nstages:\n");
    ctx.sync(&[]).await.ok();
    assert!(board(&ctx, DANA).confidential && board(&ctx, KWAME).confidential);
    assert!(ctx.issue_of(TRAINING, "Support learning path: Priya Raman").confidential);
    assert!(!ctx.issue_of(TRAINING, "Path to promotion, Senior Support Engineer: Sofia Delgado").confidential);

    // Dashboards made before: the first run that may makes them confidential, once.
    let ctx = with_dashboards("  confidential: false\n").await;
    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    assert!(!dana.confidential);
    ctx.edit("onboarder.yaml", "  confidential: false\n", "");
    ctx.sync(&[]).await.ok();
    assert!(board(&ctx, DANA).confidential);
    // The manager wants it visible: that stands.
    ctx.fake.human_edit_by(user(&ctx, "dwhitfield"), TRAINING, dana.iid, |i| i.confidential = false);
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert!(!board(&ctx, DANA).confidential);
}

// Issue 22: once a hire's issue was closed after the check-in, her row read "**overdue** 0/0" at
// the top of the table, with Pause and Extend still offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_finished_issues_row_is_not_overdue() {
    let ctx = with_dashboards("").await;
    ctx.run(&["sync", "--today", TODAY]).await.ok();
    let fatima = ctx.issue_of(TRAINING, "Support learning path: Fatima Al-Sayed");
    ctx.fake.human_edit(TRAINING, fatima.iid, |i| i.state = "closed".into());
    // Past her due date (2026-12-04).
    let day = ["sync", "--today", "2026-12-21"];
    ctx.run(&day).await.ok();
    let dana = board(&ctx, DANA);
    let d = &dana.description;
    assert!(!d.lines().any(|l| l.starts_with("| ") && l.contains("Fatima")), "{d}");
    let finished = &d[d.find("## Finished").expect("a finished list")..d.find("## Commands").unwrap()];
    let closed = ctx.fake.issue(TRAINING, fatima.iid).unwrap().closed_at.unwrap().date_naive();
    let line = format!("/issues/{}) · support-learning-path · finished on {closed}", fatima.iid);
    assert!(finished.contains(&line), "{finished}");
    assert!(!d.contains("cmd: pause support-learning-path:falsayed"), "no command for the finished: {d}");
    assert!(!d.contains("cmd: extend support-learning-path:falsayed"), "no command for the finished: {d}");
    ctx.fake.clear_requests();
    ctx.run(&day).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promotions_have_their_own_section_and_the_offline_preview_shows_the_boxes() {
    let ctx = with_dashboards("").await;
    let out = ctx.run_env(&["plan", "--today", TODAY, "--preview-dir", "preview"], &[]).await.ok();
    assert!(out.stderr().contains("planning offline"), "{}", out.stderr());
    let kwame = ctx.read("preview/kmensah--dashboard.md");
    let promotions = &kwame[kwame.find("## Promotions and manager paths").expect("a section")..];
    assert!(promotions.lines().any(|l| l.starts_with("| Sofia Delgado | promotion-senior |")), "{kwame}");
    let hires = &kwame[..kwame.find("## Promotions").unwrap()];
    assert!(!hires.contains("Sofia"), "{kwame}");
    // The boxes a run writes once the issues exist.
    for text in ["- [ ] Pause: the pace clock stops", "- [ ] Extend the due date by 2 weeks"] {
        assert!(kwame.contains(text), "{kwame}");
    }
    assert!(kwame.contains("<!-- cmd: pause support-learning-path:gmwangi 0 -->"), "{kwame}");
    assert!(kwame.starts_with("# Onboarding dashboard: Kwame Mensah\n\n<!-- onboarder:begin"), "{kwame}");
    assert!(kwame.contains("```mermaid\npie showData\n"), "a chart of where the team stands: {kwame}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_reached_offers_each_stage_up_to_the_calendars() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    // Priya reached the first stage; the calendar expects the fifth: a box for each in between.
    let offered: Vec<&str> = dana
        .description
        .lines()
        .filter(|l| l.starts_with("- [ ] Mark **") && l.contains("support-learning-path:praman"))
        .collect();
    assert_eq!(offered.len(), 4, "{offered:#?}");
    assert!(offered[3].contains("(the stage the calendar expects now)"));
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    ctx.fake.human_edit_by(user(&ctx, "dwhitfield"), TRAINING, dana.iid, |i| {
        tick_command(&mut i.description, "Priya Raman", "Mark **Learn about Your Support Team** reached");
    });
    ctx.sync(&[]).await.ok();
    let after = ctx.fake.issue(TRAINING, priya.iid).unwrap();
    assert!(after.description.contains("\"stated_stage\":\"learn-about-your-support-team\""), "{}", after.description);
    let dana = board(&ctx, DANA);
    let line = format!("- {TODAY}: marked the stage \"Learn about Your Support Team\" reached for Priya Raman (support-learning-path).");
    assert!(dana.description.contains(&line), "{}", dana.description);
    assert!(!dana.description.contains("- [x]"));
}
