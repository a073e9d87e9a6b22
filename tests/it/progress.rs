//! Progress from evidence, against the fake GitLab: the checklist is the person's record, the
//! calendar only sets the pace, and people's lives (leave, a new manager, a new username, a move
//! to another region, a new role) change the issue the way a manager would expect.

use fake_gitlab::{Fault, FaultKind, Issue, Matcher};

use crate::support::{Ctx, META, TRAINING};
use crate::sync::tick_stage;

const NOTES: &str = "/api/v4/projects/:id/issues/:iid/notes";

/// A new Support Engineer in AMER who starts on 2026-10-26, with Dana as manager and Wei as buddy.
async fn with_new_hire() -> Ctx {
    let ctx = Ctx::new().await;
    ctx.write(
        "roster/nokoye.yaml",
        "name: Nia Okoye\ntitle: Support Engineer\nregion: AMER-E\nstart_date: 2026-10-26\n\
         reports_to: Dana Whitfield\ngitlab: {id: 555001, username: nokoye}\nmodules: []\n\
         onboarding:\n  buddy: wtan\n",
    );
    ctx.fake.add_user_with_id(555001, "nokoye", "Nia Okoye");
    ctx
}

fn nia(ctx: &Ctx) -> Issue {
    ctx.issue_of(TRAINING, "Nia Okoye")
}

fn labels_with<'a>(issue: &'a Issue, prefix: &str) -> Vec<&'a str> {
    issue.labels.iter().filter(|l| l.starts_with(prefix)).map(String::as_str).collect()
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

async fn sync_on(ctx: &Ctx, today: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["sync", "--today", today];
    args.extend_from_slice(extra);
    ctx.run(&args).await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_weeks_in_with_nothing_ticked_is_stage_one_and_behind_and_nothing_is_ticked_for_her() {
    // Regression: version 1 ticked every item of every stage whose week had passed (32 of 65 on
    // day 14 for a hire who had ticked 2).
    let ctx = with_new_hire().await;
    let plan = ctx.run(&["plan", "--today", "2026-11-23", "--only", "nokoye", "--format", "json"]).await.ok().json();
    let a = &plan["actions"][0];
    assert_eq!(
        (a["stage"].as_str(), a["expected_stage"].as_str()),
        (Some("learn-about-gitlab"), Some("contributing-back"))
    );
    assert_eq!((a["pace"].as_str(), a["checked"].as_u64()), (Some("behind"), Some(0)));

    sync_on(&ctx, "2026-11-23", &["--only", "nokoye"]).await;
    let issue = nia(&ctx);
    assert_eq!(issue.task_status().1, 0, "items were ticked without evidence");
    assert_eq!(labels_with(&issue, "onboarding-stage::"), ["onboarding-stage::learn-about-gitlab"]);
    assert_eq!(labels_with(&issue, "onboarding-pace::"), ["onboarding-pace::behind"]);
    assert!(ctx.fake.user_notes(TRAINING, issue.iid).is_empty(), "a new issue owes no comment");

    // Every item of the first stage ticked in GitLab: the next run moves the stage, posts one
    // comment, and ticks nothing itself.
    ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, "## Learn about GitLab"));
    let ticked = ctx.fake.issue(TRAINING, issue.iid).unwrap().task_status().1;
    sync_on(&ctx, "2026-11-23", &["--only", "nokoye"]).await;
    let issue = ctx.fake.issue(TRAINING, issue.iid).unwrap();
    assert_eq!(labels_with(&issue, "onboarding-stage::"), ["onboarding-stage::learn-about-your-support-team"]);
    assert_eq!(issue.task_status().1, ticked);
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nudge_is_posted_once_then_the_manager_a_week_later_then_nothing() {
    let ctx = with_new_hire().await;
    sync_on(&ctx, "2026-10-26", &["--only", "nokoye"]).await;
    let iid = nia(&ctx).iid;
    assert_eq!(labels_with(&nia(&ctx), "onboarding-pace::"), ["onboarding-pace::on-track"]);
    for run in 0..5 {
        ctx.fake.clear_requests();
        sync_on(&ctx, "2026-11-23", &["--only", "nokoye"]).await;
        if run > 0 {
            assert_eq!(ctx.fake.writes(), 0, "run {run} wrote: {:?}", ctx.fake.requests());
        }
    }
    let notes = ctx.fake.user_notes(TRAINING, iid);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].body.contains("@nokoye") && notes[0].body.contains("@wtan"), "{}", notes[0].body);
    assert!(!notes[0].body.contains("@dwhitfield"), "the manager is told only a week later");
    assert_eq!(labels_with(&nia(&ctx), "onboarding-pace::"), ["onboarding-pace::behind"]);

    sync_on(&ctx, "2026-11-30", &["--only", "nokoye"]).await;
    let notes = ctx.fake.user_notes(TRAINING, iid);
    assert_eq!(notes.len(), 2);
    assert!(notes[1].body.contains("@dwhitfield"), "{}", notes[1].body);
    for day in ["2026-12-07", "2026-12-14"] {
        ctx.fake.clear_requests();
        sync_on(&ctx, day, &["--only", "nokoye"]).await;
        assert_eq!(ctx.fake.writes(), 0, "{day}: {:?}", ctx.fake.requests());
    }
    assert_eq!(ctx.fake.user_notes(TRAINING, iid).len(), 2, "nothing more for that stage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_moves_the_due_date_and_stops_the_pace_clock() {
    let ctx = with_new_hire().await;
    sync_on(&ctx, "2026-10-26", &["--only", "nokoye"]).await;
    assert_eq!(nia(&ctx).due_date.as_deref(), Some("2027-01-24"));
    // Two weeks of leave: due two weeks later, and five weeks in she is not behind.
    ctx.edit("roster/nokoye.yaml", "  buddy: wtan\n", "  buddy: wtan\n  leave: [{from: 2026-11-09, to: 2026-11-22}]\n");
    let plan = ctx.run(&["plan", "--today", "2026-11-23", "--only", "nokoye", "--format", "json"]).await.ok().json();
    assert_eq!(plan["actions"][0]["pace"], "on-track");
    sync_on(&ctx, "2026-11-23", &["--only", "nokoye"]).await;
    let issue = nia(&ctx);
    assert_eq!(issue.due_date.as_deref(), Some("2027-02-07"));
    assert!(issue.description.contains("**Aim to finish this path by:** 2027-02-07"), "the text says the old date");
    assert_eq!(labels_with(&issue, "onboarding-pace::"), ["onboarding-pace::on-track"]);
    assert!(ctx.fake.user_notes(TRAINING, issue.iid).is_empty(), "nobody is nudged for leave");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_ended_pause_stops_the_clock_nudges_nobody_and_moves_the_due_date_when_it_ends() {
    let ctx = with_new_hire().await;
    sync_on(&ctx, "2026-10-26", &["--only", "nokoye"]).await;
    ctx.edit("roster/nokoye.yaml", "  buddy: wtan\n", "  buddy: wtan\n  status: paused\n");
    // The scheduled sync records the pause (a new-hire run with `--only` for a paused person
    // refuses, saying why).
    sync_on(&ctx, "2026-11-02", &[]).await;
    let issue = nia(&ctx);
    assert_eq!(labels_with(&issue, "onboarding-pace::"), ["onboarding-pace::paused"]);
    ctx.fake.clear_requests();
    sync_on(&ctx, "2026-11-02", &[]).await;
    assert_eq!(ctx.fake.writes(), 0, "a paused person's issue was written: {:?}", ctx.fake.requests());
    let out = ctx.run(&["sync", "--today", "2026-11-23", "--only", "nokoye"]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains("pace clock stopped"), "{}", out.stderr());
    // Three weeks on she would be behind; paused, nobody is nudged and her issue is not touched.
    let before = nia(&ctx);
    sync_on(&ctx, "2026-11-23", &[]).await;
    assert_eq!(nia(&ctx).updated_at, before.updated_at, "a paused person's issue was written");
    assert!(ctx.fake.user_notes(TRAINING, issue.iid).is_empty());

    // Back after four weeks: the due date moves by them, and one week in she is on track.
    ctx.edit("roster/nokoye.yaml", "  status: paused\n", "");
    sync_on(&ctx, "2026-11-30", &["--only", "nokoye"]).await;
    let issue = nia(&ctx);
    assert_eq!(issue.due_date.as_deref(), Some("2027-02-21"));
    assert_eq!(labels_with(&issue, "onboarding-pace::"), ["onboarding-pace::on-track"]);
    ctx.fake.clear_requests();
    sync_on(&ctx, "2026-11-30", &["--only", "nokoye"]).await;
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_gitlab_username_keeps_the_same_issue_ticks_and_notes() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let before = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.human_edit(TRAINING, before.iid, |i| assert!(i.set_task("id: submitted-mrs", true)));
    // GitLab keeps the user id when a username changes; the roster follows.
    let text = ctx.read("roster/praman.yaml").replace("username: praman", "username: priya.raman");
    std::fs::remove_file(ctx.path("roster/praman.yaml")).unwrap();
    ctx.write("roster/priya.raman.yaml", &text);
    ctx.fake.add_user_with_id(4100012, "priya.raman", "Priya Raman");
    let count = ctx.issues(TRAINING).len();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.issues(TRAINING).len(), count, "an issue was created for the new username");
    let after = ctx.fake.issue(TRAINING, before.iid).unwrap();
    assert!(after.is_open(), "the issue was closed as if Priya had left");
    assert!(after.description.contains("onboarder:begin support-learning-path:priya.raman"));
    assert!(line_with(&after.description, "id: submitted-mrs").contains("[x]"));
    assert!(ctx.fake.user_notes(TRAINING, before.iid).is_empty());
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_to_another_region_adds_its_items_unticked_and_keeps_what_was_ticked() {
    // Regression: after a move from EMEA to AMER the AMER items appeared already ticked.
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.human_edit(TRAINING, issue.iid, |i| assert!(i.set_task("id: meeting-emea-weekly-news", true)));
    ctx.edit("roster/praman.yaml", "region: EMEA", "region: AMER-E");
    ctx.sync(&[]).await.ok();
    let d = ctx.fake.issue(TRAINING, issue.iid).unwrap().description;
    assert!(line_with(&d, "id: regional-groups-amer").contains("[ ]"));
    assert!(!d.contains("id: regional-groups-emea"), "an untouched EMEA item stayed");
    let kept = d.split("### Kept from an earlier version of this checklist").nth(1).expect("no kept section");
    assert!(line_with(kept, "id: meeting-emea-weekly-news").contains("[x]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_manager_gets_the_assignment_and_one_comment_unless_a_person_changed_the_assignees() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(META, "Tomás Herrera");
    assert_eq!(ctx.assignees(&issue), ["therrera", "ggreene"]);
    ctx.edit("shadow-program.yaml", "manager: ggreene ", "manager: rbhatt ");
    ctx.sync(&[]).await.ok();
    let after = ctx.fake.issue(META, issue.iid).unwrap();
    assert_eq!(ctx.assignees(&after), ["therrera", "rbhatt"]);
    let notes = ctx.fake.user_notes(META, issue.iid);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].body.contains("@rbhatt"), "{}", notes[0].body);
    assert!(after.description.contains("(@rbhatt)") || after.description.contains("@rbhatt"), "the manager line");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);

    // Someone reassigns the issue by hand; a later manager change leaves their choice alone.
    let mchen = ctx.fake.user_id("mchen").unwrap();
    ctx.fake.human_edit(META, issue.iid, |i| i.assignee_ids = vec![mchen]);
    ctx.edit("shadow-program.yaml", "manager: rbhatt ", "manager: ggreene ");
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.assignees(&ctx.fake.issue(META, issue.iid).unwrap()), ["mchen"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_that_failed_is_posted_by_the_next_run_once() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Aroha Ngata");
    ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, "## Learn about GitLab"));
    ctx.fake.inject(Fault::new(Matcher::route("POST", NOTES), FaultKind::Status(500)));
    let first = ctx.sync(&[]).await;
    assert!(first.stderr().contains("next run posts it"), "{}", first.stderr());
    assert!(ctx.fake.user_notes(TRAINING, issue.iid).is_empty());
    assert!(ctx
        .fake
        .issue(TRAINING, issue.iid)
        .unwrap()
        .labels
        .iter()
        .any(|l| l.ends_with("learn-about-your-support-team")));

    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1);
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_whose_answer_was_lost_is_recorded_and_not_posted_again() {
    let ctx = Ctx::new().await;
    let config = ctx.read("onboarder.yaml");
    ctx.write("onboarder.yaml", &format!("{config}\nrequest_timeout_seconds: 1\n"));
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Aroha Ngata");
    ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, "## Learn about GitLab"));
    ctx.fake.inject(Fault::new(Matcher::route("POST", NOTES), FaultKind::LandThenHang));
    ctx.sync(&[]).await;
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1, "the comment landed");
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1, "posted twice");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_role_opens_its_path_and_the_old_issue_gets_one_comment_linking_it() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let old = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    ctx.edit("roster/praman.yaml", "title: Support Engineer", "title: Support Engineering Manager");
    ctx.sync(&[]).await.ok();
    let new = ctx.issue_of(TRAINING, "Support Engineering Manager onboarding: Priya Raman");
    ctx.sync(&[]).await.ok();
    let old_after = ctx.fake.issue(TRAINING, old.iid).unwrap();
    assert!(old_after.is_open(), "the old path is the people's to close");
    let notes = ctx.fake.user_notes(TRAINING, old.iid);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].body.contains(&format!("/issues/{}", new.iid)), "{}", notes[0].body);
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn specialties_add_their_own_items_from_the_title_or_the_roster() {
    let ctx = with_new_hire().await;
    ctx.edit("roster/nokoye.yaml", "title: Support Engineer", "title: US Government Support Engineer");
    ctx.edit("roster/nokoye.yaml", "  buddy: wtan\n", "  buddy: wtan\n  specialties: [shift]\n");
    sync_on(&ctx, "2026-10-26", &["--only", "nokoye"]).await;
    let d = nia(&ctx).description;
    assert!(d.contains("id: usgov-portal-and-ticket-workflow") && d.contains("#support_us-federal-chat"));
    assert!(d.contains("id: shift-hours-and-on-call"));
    assert!(!d.contains("id: ase-know-your-accounts"));
    // The items sit in the stage whose heading precedes them.
    let stage3 = d.split("## Working in Support at GitLab").nth(1).unwrap().split("\n## ").next().unwrap();
    assert!(stage3.contains("id: usgov-ticket-constraints"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_writes_nothing_for_anyone_including_people_who_are_behind() {
    let ctx = with_new_hire().await;
    ctx.sync(&[]).await.ok();
    let behind =
        ctx.issues(TRAINING).into_iter().filter(|i| i.labels.iter().any(|l| l == "onboarding-pace::behind")).count();
    assert!(behind >= 2, "the example has too few people behind to show anything");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stated_stage_ticks_nothing_and_posts_one_comment() {
    // Regression: the manager's word became ticks the person never made (3 to 50 in one run).
    let ctx = with_new_hire().await;
    sync_on(&ctx, "2026-11-02", &["--only", "nokoye"]).await;
    let iid = nia(&ctx).iid;
    let ticked = nia(&ctx).task_status().1;
    ctx.edit("roster/nokoye.yaml", "  buddy: wtan\n", "  buddy: wtan\n  stage: working-in-support\n");
    sync_on(&ctx, "2026-11-03", &["--only", "nokoye"]).await;
    let issue = nia(&ctx);
    assert_eq!(labels_with(&issue, "onboarding-stage::"), ["onboarding-stage::working-in-support"]);
    assert_eq!(issue.task_status().1, ticked, "the stated stage ticked items");
    let notes = ctx.fake.user_notes(TRAINING, iid);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].body.contains("recorded on 2026-11-03"), "{}", notes[0].body);
    assert!(notes[0].body.contains("**Working in Support at GitLab**"), "{}", notes[0].body);
    for day in ["2026-11-04", "2026-11-10"] {
        ctx.fake.clear_requests();
        sync_on(&ctx, day, &["--only", "nokoye"]).await;
        assert_eq!(ctx.fake.writes(), 0, "{day}: {:?}", ctx.fake.requests());
    }
    assert_eq!(ctx.fake.user_notes(TRAINING, iid).len(), 1, "said once");
}
