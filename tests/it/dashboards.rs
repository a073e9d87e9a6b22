//! Managers' dashboards against the fake GitLab: one issue per manager showing where each report
//! stands, rewritten in place, whose checkboxes are commands carried out once.

use fake_gitlab::Issue;

use crate::support::{module_listings, Ctx, TODAY, TRAINING};

pub(crate) const DANA: &str = "Onboarding dashboard: Dana Whitfield";
pub(crate) const KWAME: &str = "Onboarding dashboard: Kwame Mensah";

/// The example team with managers' dashboards turned on.
pub(crate) async fn with_dashboards(extra: &str) -> Ctx {
    let ctx = Ctx::new().await;
    let config = ctx.read("onboarder.yaml");
    // The example config turns them on; the context turns them off for other features' tests.
    ctx.write(
        "onboarder.yaml",
        &config.replace(crate::support::NO_DASHBOARDS, &format!("dashboards:\n  managers: true\n{extra}")),
    );
    ctx
}

pub(crate) fn board(ctx: &Ctx, title: &str) -> Issue {
    ctx.issue_of(TRAINING, title)
}

/// The table row of the person named `name`.
pub(crate) fn row<'a>(issue: &'a Issue, name: &str) -> &'a str {
    issue
        .description
        .lines()
        .find(|l| l.starts_with("| ") && l.contains(name))
        .unwrap_or_else(|| panic!("no row for {name} in:\n{}", issue.description))
}

/// Tick the command box on the line that contains `text` under the person's heading.
pub(crate) fn tick_command(description: &mut String, person: &str, text: &str) {
    let mut inside = false;
    let mut done = false;
    let lines: Vec<String> = description
        .lines()
        .map(|l| {
            if l.starts_with("**") {
                inside = l.contains(person);
            }
            if inside && !done && l.starts_with("- [ ] ") && l.contains(text) {
                done = true;
                l.replacen("[ ]", "[x]", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done, "no {text:?} box for {person} in:\n{description}");
    *description = lines.join("\n");
}

pub(crate) fn puts_on(ctx: &Ctx, iid: u64) -> usize {
    let path = format!("/issues/{iid}");
    ctx.fake.requests().iter().filter(|r| r.method == "PUT" && r.path.ends_with(&path)).count()
}

pub(crate) fn labels_with<'a>(issue: &'a Issue, prefix: &str) -> Vec<&'a str> {
    issue.labels.iter().filter(|l| l.starts_with(prefix)).map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_with_two_managers_gives_two_dashboards_with_the_right_rows() {
    let ctx = with_dashboards("").await;
    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json", "--preview-dir", "preview"]).await.ok().json();
    let boards: Vec<&serde_json::Value> =
        plan["actions"].as_array().unwrap().iter().filter(|a| a["template"] == "dashboard").collect();
    assert_eq!(boards.len(), 2, "plan shows the dashboards it would create");
    assert!(boards.iter().all(|a| a["action"] == "create"));
    assert!(ctx.read("preview/dwhitfield--dashboard.md").contains("| Priya Raman |"), "--preview-dir writes them");

    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    let kwame = board(&ctx, KWAME);
    assert_eq!(ctx.assignees(&dana), ["dwhitfield"]);
    assert_eq!(ctx.assignees(&kwame), ["kmensah"]);
    for b in [&dana, &kwame] {
        assert!(b.labels.contains(&"onboarder".to_string()) && b.labels.contains(&"onboarding-dashboard".to_string()));
    }
    // Dana's active reports (the veterans get no row; the paused one shows as paused), and only hers.
    for name in ["Aroha Ngata", "Fatima Al-Sayed", "Priya Raman", "Yuki Tanaka"] {
        row(&dana, name);
        assert!(!kwame.description.contains(name), "{name} is on Kwame's dashboard");
    }
    for name in ["Diego Ramírez", "Grace Mwangi", "Luis Ortega", "Sofia Delgado"] {
        row(&kwame, name);
        assert!(!dana.description.contains(name), "{name} is on Dana's dashboard");
    }
    for veteran in ["Marta Kowalski", "Wei Ling Tan", "Jonas Lindqvist"] {
        assert!(!dana.description.contains(veteran), "{veteran} is not a new hire");
    }
    // The person is linked to their issue, never mentioned; the row carries where they stand.
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    let r = row(&dana, "Priya Raman");
    assert!(r.contains("[Priya Raman](http") && r.contains(&format!("/issues/{})", priya.iid)), "{r}");
    assert!(r.contains("support-learning-path") && r.contains(&format!("| {} |", priya.due_date.as_deref().unwrap())));
    let on_boards: Vec<_> =
        ctx.fake.mentions().into_iter().filter(|m| m.iid == dana.iid || m.iid == kwame.iid).collect();
    assert!(on_boards.is_empty(), "a dashboard mentions nobody: {on_boards:?}");
    assert!(row(&dana, "Yuki Tanaka").contains("| paused |"));
    // Who needs attention first: the overdue and behind rows come before the on-track ones.
    let attention = dana.description.split("## Promotions and manager paths").next().unwrap();
    let rows: Vec<&str> = attention.lines().filter(|l| l.starts_with("| [") || l.starts_with("| Yuki")).collect();
    let rank = |l: &str| {
        ["overdue", "behind", "on-track", "paused", "complete"]
            .iter()
            .position(|p| l.contains(&format!("| {p} |")) || l.contains(&format!("**{p}**")))
            .unwrap()
    };
    let ranks: Vec<usize> = rows.iter().map(|l| rank(l)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "not sorted by attention: {rows:#?}");

    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "a second run wrote: {:?}", ctx.fake.requests());
    // The floor of a run with nothing to change: the token and its expiry, per project its id and
    // one listing page, and each in-scope person's module listing. Dashboards add nothing to it.
    let modules = module_listings(&ctx.fake);
    assert_eq!(
        ctx.fake.count("GET"),
        1 + 1 + 2 + 2 + modules,
        "dashboards add no request to a run with nothing to change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticking_items_in_a_reports_issue_changes_exactly_that_dashboard_with_one_write() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let (dana, kwame) = (board(&ctx, DANA), board(&ctx, KWAME));
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    let before = row(&dana, "Priya Raman").to_string();
    ctx.fake.human_edit(TRAINING, priya.iid, |i| {
        assert!(i.set_task("id: submitted-mrs", true));
    });

    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    // The tick itself needs no write to Priya's issue (nothing of onboarder's changed there);
    // her row changes, so Dana's dashboard gets its one PUT and Kwame's none.
    assert_eq!(ctx.fake.count("PUT"), 1, "{:?}", ctx.fake.requests());
    assert_eq!(puts_on(&ctx, dana.iid), 1);
    assert_eq!(issue_writes(&ctx), 1);
    assert_eq!(board(&ctx, KWAME).description, kwame.description);
    let after = board(&ctx, DANA);
    let r = row(&after, "Priya Raman");
    assert_ne!(r, before);
    assert!(r.ends_with(&format!("| {TODAY} |")), "the last tick is today: {r}");

    // --only updates that person's row and keeps everyone else's.
    ctx.fake.human_edit(TRAINING, priya.iid, |i| {
        assert!(i.set_task("id: submitted-mrs", false));
    });
    ctx.fake.clear_requests();
    ctx.sync(&["--only", "praman"]).await.ok();
    assert_eq!(issue_writes(&ctx), 1);
    let after = board(&ctx, DANA);
    for name in ["Aroha Ngata", "Fatima Al-Sayed", "Yuki Tanaka"] {
        assert_eq!(row(&after, name), row(&dana, name), "{name}'s row changed or went");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_ticked_in_the_dashboard_pauses_the_person_once_and_a_third_run_writes_nothing() {
    let ctx = with_dashboards("").await;
    let day = |d: &'static str| ["sync", "--today", d];
    ctx.run(&day("2026-10-05")).await.ok();
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit(TRAINING, dana.iid, |i| tick_command(&mut i.description, "Priya Raman", "Pause"));

    ctx.run(&day("2026-10-12")).await.ok();
    let priya_now = ctx.fake.issue(TRAINING, priya.iid).unwrap();
    assert_eq!(labels_with(&priya_now, "onboarding-pace::"), ["onboarding-pace::paused"]);
    assert!(priya_now.description.contains("\"paused_by_dashboard\":\"2026-10-12\""));
    let dana_now = board(&ctx, DANA);
    assert!(!dana_now.description.contains("- [x]"), "the command was not unticked");
    assert!(dana_now.description.contains("- 2026-10-12: paused Priya Raman (support-learning-path)."));
    assert!(row(&dana_now, "Priya Raman").contains("| paused |"));
    assert!(dana_now.description.contains("- [ ] Resume"), "a resume box replaces the pause box");

    ctx.fake.clear_requests();
    ctx.run(&day("2026-10-12")).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "a third run wrote: {:?}", ctx.fake.requests());

    // Six weeks later the pace clock has stood still: no nudge, still paused, still at the
    // stage the calendar expected when she was paused.
    let plan = ctx.run(&["plan", "--today", "2026-11-23", "--only", "praman", "--format", "json"]).await.ok().json();
    let a = plan["actions"].as_array().unwrap().iter().find(|a| a["template"] == "support-learning-path").unwrap();
    assert_eq!(
        (a["pace"].as_str(), a["expected_stage"].as_str()),
        (Some("paused"), Some("learn-about-your-support-team"))
    );
    ctx.run(&day("2026-11-23")).await.ok();
    assert!(ctx.fake.user_notes(TRAINING, priya.iid).is_empty(), "nobody is nudged while paused");
    let dana_later = board(&ctx, DANA);
    let lines =
        dana_later.description.lines().filter(|l| l.starts_with("- 2026-") && l.contains("paused Priya")).count();
    assert_eq!(lines, 1, "carried out once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_the_roster_contradicts_is_refused_with_a_message_in_the_dashboard() {
    let ctx = with_dashboards("").await;
    ctx.run(&["sync", "--today", "2026-10-05"]).await.ok();
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit(TRAINING, dana.iid, |i| tick_command(&mut i.description, "Priya Raman", "Pause"));
    ctx.run(&["sync", "--today", "2026-10-12"]).await.ok();
    // The manager asks to resume, but the roster now says she is on open-ended leave.
    ctx.fake.human_edit(TRAINING, dana.iid, |i| tick_command(&mut i.description, "Priya Raman", "Resume"));
    ctx.edit("roster/praman.yaml", "onboarding:\n", "onboarding:\n  status: paused\n");
    ctx.run(&["sync", "--today", "2026-10-19"]).await.ok();
    let dana_now = board(&ctx, DANA);
    assert!(
        dana_now.description.contains(
            "- 2026-10-19: did not carry out \"resume\" for Priya Raman (support-learning-path): the roster says `status: paused`"
        ),
        "{}",
        dana_now.description
    );
    assert!(!dana_now.description.contains("- [x]"), "a refused command is unticked too");
    let priya_now = ctx.fake.issue(TRAINING, priya.iid).unwrap();
    assert_eq!(labels_with(&priya_now, "onboarding-pace::"), ["onboarding-pace::paused"]);
    // The roster's pause took over the dashboard's: when the roster ends it, she is active.
    assert!(!priya_now.description.contains("paused_by_dashboard"));
    ctx.edit("roster/praman.yaml", "  status: paused\n", "");
    ctx.run(&["sync", "--today", "2026-10-26"]).await.ok();
    let priya_now = ctx.fake.issue(TRAINING, priya.iid).unwrap();
    assert_ne!(labels_with(&priya_now, "onboarding-pace::"), ["onboarding-pace::paused"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_dashboard_groups_everyone_by_manager_with_counts_and_medians() {
    let ctx = with_dashboards("  team: true\n").await;
    ctx.sync(&[]).await.ok();
    let team = board(&ctx, "Onboarding dashboard: the whole team");
    let d = &team.description;
    let dana_at = d.find("### Dana Whitfield").expect("a group per manager");
    let kwame_at = d.find("### Kwame Mensah").expect("a group per manager");
    assert!(d[dana_at..kwame_at].contains("Priya Raman") && d[kwame_at..].contains("Grace Mwangi"));
    assert!(d.contains("| Stage | People there now | Median days to reach |"));
    // Diego's manager states "Contributing back": he reached it on the day of the first run.
    assert!(d.contains("### support-learning-path"), "{d}");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_is_found_by_its_key_keeps_the_managers_notes_and_gets_its_labels_back() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit(TRAINING, dana.iid, |i| {
        i.title = "My team".into();
        i.labels.clear();
        i.description.push_str("\n\nMy notes: talk to Priya about Geo on Friday.");
    });
    ctx.sync(&[]).await.ok();
    let boards: Vec<Issue> =
        ctx.issues(TRAINING).into_iter().filter(|i| i.description.contains("manager-dashboard:dwhitfield")).collect();
    assert_eq!(boards.len(), 1, "a second dashboard was created");
    let after = &boards[0];
    assert_eq!(after.iid, dana.iid);
    assert!(
        after.labels.contains(&"onboarder".to_string()) && after.labels.contains(&"onboarding-dashboard".to_string())
    );
    assert!(after.description.ends_with("<!-- onboarder:end -->\n\nMy notes: talk to Priya about Geo on Friday."));
    assert_eq!(after.title, "My team", "the title is the manager's to change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_the_expected_stage_reached_and_extending_the_due_date_change_only_onboarders_record() {
    let ctx = with_dashboards("").await;
    ctx.sync(&[]).await.ok();
    let priya = ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
    let due = chrono::NaiveDate::parse_from_str(priya.due_date.as_deref().unwrap(), "%Y-%m-%d").unwrap();
    let dana = board(&ctx, DANA);
    ctx.fake.human_edit(TRAINING, dana.iid, |i| {
        tick_command(&mut i.description, "Priya Raman", "reached (the stage the calendar expects now)");
        tick_command(&mut i.description, "Priya Raman", "Extend the due date");
    });
    ctx.sync(&[]).await.ok();
    let after = ctx.fake.issue(TRAINING, priya.iid).unwrap();
    assert_eq!(after.due_date, Some((due + chrono::Days::new(14)).to_string()));
    // The manager's word is a floor: the items before that stage count as done, and with them
    // most of the work before a later stage may be done too (progress is the share of the work).
    let stage = labels_with(&after, "onboarding-stage::");
    let at_or_after =
        ["customer-facing-video", "refining-documentation", "upgrade-assistance", "on-call-and-rotations"];
    assert!(
        at_or_after.iter().any(|s| stage == [format!("onboarding-stage::{s}")]),
        "the stage the calendar expected is reached: {stage:?}"
    );
    assert_ne!(labels_with(&after, "onboarding-pace::"), ["onboarding-pace::behind"]);
    let dana_now = board(&ctx, DANA);
    let log: Vec<&str> = dana_now.description.lines().filter(|l| l.starts_with("- 2026-11-23: ")).collect();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(!dana_now.description.contains("- [x]"));
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(ctx.fake.issue(TRAINING, priya.iid).unwrap().due_date, after.due_date, "extended once");
}

/// Writes to issues and notes, leaving out the run lock's label (created and deleted by every
/// writing run).
fn issue_writes(ctx: &Ctx) -> usize {
    ctx.fake.requests().iter().filter(|r| r.method != "GET" && !r.route.contains("/labels")).count()
}
