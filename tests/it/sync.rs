//! Sync scenarios against the fake GitLab: what a team would see in their issues.

use fake_gitlab::{Fault, FaultKind, Matcher, Options};

use crate::support::{module_listings, Ctx, META, TODAY, TRAINING};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_creates_the_planned_issues_and_a_second_sync_writes_nothing() {
    let ctx = Ctx::new().await;
    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    assert_eq!(ctx.fake.writes(), 0, "plan wrote");
    let planned: Vec<&serde_json::Value> =
        plan["actions"].as_array().unwrap().iter().filter(|a| a["action"] == "create").collect();
    assert_eq!(planned.len(), 9);

    ctx.sync(&[]).await.ok();
    let training = ctx.issues(TRAINING);
    let meta = ctx.issues(META);
    assert_eq!((training.len(), meta.len()), (8, 1));
    // The run lock is a label, created and deleted: one POST and one DELETE, nothing left behind.
    assert_eq!(ctx.fake.count("POST"), 1 + 9, "the run lock, one create per issue, no notes on creation");
    assert_eq!(ctx.fake.count("DELETE"), 1, "the run lock was not released");
    assert!(ctx.fake.labels(TRAINING).iter().all(|l| !l.name.ends_with("-run-lock")), "the run lock was left behind");
    for a in planned {
        let project = a["project"].as_str().unwrap();
        let issue = ctx.issue_of(project, a["title"].as_str().unwrap());
        let (total, done) = issue.task_status();
        assert_eq!(
            (done, total),
            (a["checked"].as_u64().unwrap() as usize, a["total"].as_u64().unwrap() as usize),
            "{}",
            issue.title
        );
        let mut labels: Vec<String> =
            a["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        labels.sort();
        assert_eq!(issue.labels, labels);
        let mut want: Vec<&str> = a["assignees"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        want.sort();
        let mut got = ctx.assignees(&issue);
        got.sort();
        assert_eq!(got, want, "{}", issue.title);
        assert_eq!(issue.due_date.as_deref(), a["due_date"].as_str());
    }
    // The shadow participant's issue is in the shadow program's project; the paused person has none.
    assert!(meta[0].title.contains("Tomás Herrera"));
    assert!(!training.iter().any(|i| i.title.contains("Yuki Tanaka")));

    ctx.fake.clear_requests();
    let second = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(ctx.fake.writes(), 0, "second sync wrote: {:?}", ctx.fake.requests());
    assert_eq!(second["summary"]["unchanged"], 9);
    // The floor for a run with nothing to change: the token check, the token's expiry date
    // (`GET /personal_access_tokens/self`, one per run), and per project its id
    // (`GET /projects/:path`) and one listing page of OPEN issues (every issue is open, so no
    // closed issue is looked for); and one listing of each in-scope person's module issues.
    assert_eq!(ctx.fake.count("GET"), 1 + 1 + 2 + 2 + module_listings(&ctx.fake));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_tick_untick_text_and_label_survive_a_sync_and_a_template_change() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let praman = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.human_edit(TRAINING, praman.iid, |i| {
        // Tick an item of a later stage, untick one onboarder checked (a completed module's),
        // write notes, add a label.
        assert!(i.set_task("id: submitted-mrs", true));
        assert!(i.set_task("id: module-saas-basics", false));
        i.description.push_str("\n\nMy notes: ask @wtan about Geo.\n- [ ] my own todo\n");
        i.labels.push("team::geo".into());
    });
    let before = ctx.fake.issue(TRAINING, praman.iid).unwrap();

    ctx.sync(&[]).await.ok();
    let after = ctx.fake.issue(TRAINING, praman.iid).unwrap();
    assert_eq!(after.description, before.description, "a sync with nothing new rewrote the person's issue");

    // The template changes: an item is added to the first stage and one is reworded.
    ctx.edit(
        "issue-templates/support-learning-path.md",
        "## Learn about GitLab\n",
        "## Learn about GitLab\n\n- [ ] You have set up your Zoom background <!-- id: zoom-background -->\n",
    );
    ctx.sync(&[]).await.ok();
    let after = ctx.fake.issue(TRAINING, praman.iid).unwrap();
    let d = &after.description;
    assert!(d.contains("- [ ] You have set up your Zoom background"), "a new item is the person's to tick");
    assert!(line_with(d, "id: submitted-mrs").contains("[x]"), "the person's tick was lost");
    assert!(line_with(d, "id: module-saas-basics").contains("[ ]"), "the person's untick was undone");
    // GitLab strips trailing whitespace from every description it stores; the rest is as written.
    assert!(
        d.ends_with("<!-- onboarder:end -->\n\nMy notes: ask @wtan about Geo.\n- [ ] my own todo"),
        "the person's text changed:\n{}",
        &d[d.len().saturating_sub(400)..]
    );
    assert!(after.labels.contains(&"team::geo".to_string()));
    assert!(ctx.fake.user_notes(TRAINING, praman.iid).is_empty(), "no note without a stage change");
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle:?}"))
}

/// Ticks every open item of the stage under `heading` in a description, as a person would.
pub fn tick_stage(description: &mut String, heading: &str) {
    let mut inside = false;
    let lines: Vec<String> = description
        .lines()
        .map(|l| {
            if l.starts_with("## ") {
                inside = l == heading;
            }
            if inside && l.trim_start().starts_with(['-', '1']) && l.contains("[ ]") && l.contains("<!-- id: ") {
                l.replacen("[ ]", "[x]", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    *description = lines.join("\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticking_every_item_of_a_stage_moves_the_stage_label_and_posts_one_comment() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Aroha Ngata");
    assert!(issue.labels.contains(&"onboarding-stage::learn-about-gitlab".to_string()), "{:?}", issue.labels);
    ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, "## Learn about GitLab"));
    let ticked = ctx.fake.issue(TRAINING, issue.iid).unwrap().task_status().1;

    ctx.sync(&[]).await.ok();
    let issue = ctx.fake.issue(TRAINING, issue.iid).unwrap();
    assert!(
        issue.labels.contains(&"onboarding-stage::learn-about-your-support-team".to_string()),
        "{:?}",
        issue.labels
    );
    assert!(!issue.labels.iter().any(|l| l == "onboarding-stage::learn-about-gitlab"));
    assert_eq!(issue.task_status().1, ticked, "onboarder ticked or unticked something");
    let notes = ctx.fake.user_notes(TRAINING, issue.iid);
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].body.contains("@angata")
            && notes[0].body.contains("@wtan")
            && notes[0].body.contains("Learn about Your Support Team"),
        "{}",
        notes[0].body
    );

    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1, "a second note for the same stage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_marker_label_is_restored_without_a_duplicate() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.human_edit(TRAINING, issue.iid, |i| i.labels.retain(|l| l != "onboarder"));
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.issues(TRAINING).len(), 8, "a duplicate was created");
    assert!(ctx.fake.issue(TRAINING, issue.iid).unwrap().labels.contains(&"onboarder".to_string()));
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_free_keeps_one_assignee_and_that_causes_no_update_loop() {
    let ctx = Ctx::with_options(Options { free_mode: true, ..Options::default() }).await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    assert_eq!(issue.assignee_ids.len(), 1);
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_quick_action_runs_once_and_causes_no_update_loop() {
    let ctx = Ctx::new().await;
    ctx.fake.add_label(TRAINING, "needs-onboarding-review");
    ctx.edit(
        "issue-templates/support-learning-path.md",
        "## Learn about GitLab\n",
        "/label ~needs-onboarding-review\n\n## Learn about GitLab\n",
    );
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    assert!(issue.labels.contains(&"needs-onboarding-review".to_string()), "the quick action did not run");
    assert!(!issue.description.contains("/label"));
    let ran = ctx.fake.quick_actions().len();
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    // A stage change rewrites the description; the quick action must not be sent again.
    ctx.run(&["sync", "--today", "2026-12-30"]).await.ok();
    assert_eq!(ctx.fake.quick_actions().len(), ran, "a template quick action ran again on update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_who_left_is_closed_once_with_a_note_and_a_reopen_stands() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Grace Mwangi");
    std::fs::remove_file(ctx.path("roster/gmwangi.yaml")).unwrap();
    ctx.sync(&[]).await.ok();
    let closed = ctx.fake.issue(TRAINING, issue.iid).unwrap();
    assert_eq!(closed.state, "closed");
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1);
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.user_notes(TRAINING, issue.iid).len(), 1, "closed twice");

    ctx.fake.human_edit(TRAINING, issue.iid, |i| i.state = "opened".into());
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.issue(TRAINING, issue.iid).unwrap().state, "opened", "a person's reopen was undone");
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_plan_never_write_and_only_touches_one_person() {
    let ctx = Ctx::new().await;
    let out = ctx.sync(&["--dry-run"]).await.ok();
    assert!(out.stdout().contains("would create 9"), "{}", out.stdout());
    ctx.run(&["plan", "--today", TODAY]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);

    ctx.sync(&["--only", "praman"]).await.ok();
    let titles: Vec<String> = ctx.issues(TRAINING).into_iter().map(|i| i.title).collect();
    assert_eq!(titles, vec!["Support learning path: Priya Raman".to_string()]);

    // A dry run after a change (a module completed) shows the checklist diff and writes nothing.
    ctx.edit("roster/praman.yaml", "modules:\n", "modules:\n  - GitLab Omnibus\n");
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--only", "praman", "--dry-run"]).await.ok();
    assert!(out.stdout().contains("[ ] -> [x]"), "{}", out.stdout());
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_exits_2_and_writes_nothing() {
    let ctx = Ctx::new().await;
    let out =
        ctx.run_env(&["sync", "--today", TODAY], &[("GITLAB_URL", &ctx.fake.url()), ("GITLAB_TOKEN", "wrong")]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains("401"), "{}", out.stderr());
    assert_eq!(ctx.fake.writes(), 0);
    // A project the token cannot see fails only its own issues: gitlab_behaviours.rs.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_persons_failure_does_not_stop_the_others() {
    let ctx = Ctx::new().await;
    // A buddy GitLab does not know (left out with a warning), and a 422 on one create (one at a
    // time, in username order, so it is Aroha's).
    ctx.edit("roster/angata.yaml", "buddy: wtan", "buddy: nosuchuser");
    ctx.edit("onboarder.yaml", "marker_label: onboarder", "marker_label: onboarder\nconcurrency: 1");
    ctx.fake.inject(Fault::new(Matcher::route("POST", "/api/v4/projects/:id/issues"), FaultKind::Status(422)));
    let out = ctx.sync(&["--format", "json"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let doc = out.json();
    let failed: Vec<&str> = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"]["status"] == "failed")
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["angata"]);
    assert!(out.stderr().contains("\"nosuchuser\" is unknown or blocked"), "{}", out.stderr());
    assert_eq!(ctx.issues(TRAINING).len() + ctx.issues(META).len(), 8, "everyone else is done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_where_some_people_moved_a_stage_makes_exactly_the_floor_of_requests() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    // Grace, Kwame's manager path and Priya each finish their first stage, and Luis leaves.
    for (name, heading) in [
        ("Grace Mwangi", "## Learn about GitLab"),
        ("Kwame Mensah", "## Learn about GitLab and Support"),
        ("Priya Raman", "## Learn about GitLab"),
    ] {
        let issue = ctx.issue_of(TRAINING, name);
        ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, heading));
    }
    std::fs::remove_file(ctx.path("roster/lortega.yaml")).unwrap();
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    let changed: Vec<(&str, &str)> = out["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] != "unchanged" && a["action"] != "skip")
        .map(|a| (a["username"].as_str().unwrap(), a["action"].as_str().unwrap()))
        .collect();
    assert_eq!(changed, vec![("gmwangi", "update"), ("kmensah", "update"), ("lortega", "close"), ("praman", "update")]);
    // The floor: the token check and its expiry date, per project its id and one listing page,
    // the run lock (a label created, then deleted: no read, as nobody else held it and this run
    // creates nothing), and per changed issue a re-read, a look at its notes for the comment
    // about to be posted, the comment, a read again (so an edit made while the comment was posted
    // is merged, not overwritten) and one PUT; and each in-scope person's module listing. Nothing else.
    let modules = module_listings(&ctx.fake);
    assert_eq!(ctx.fake.count("GET"), 1 + 1 + 2 + 2 + 4 * 3 + modules, "{:?}", ctx.fake.requests());
    assert_eq!(ctx.fake.count("PUT"), 4);
    assert_eq!(ctx.fake.count("POST"), 1 + 4);
    assert_eq!(ctx.fake.count("DELETE"), 1);
    assert_eq!(ctx.fake.writes(), 2 + 8);
}

/// "planned N issues from M listed, rendering R bodies", as `-v` logs it: (N, R).
fn planned(out: &crate::support::Run) -> (usize, usize) {
    let err = out.stderr();
    let line = err.lines().find(|l| l.contains("planned ")).unwrap_or_else(|| panic!("no plan line in:\n{err}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |w: &str| words[words.iter().position(|x| *x == w).unwrap() + 1].parse::<usize>().unwrap();
    (after("planned"), after("rendering"))
}

// Regression: every body was rendered twice per run, once to validate it and once to compare it
// with the issue, which was most of a no-change run's CPU. Now the planner renders each once at
// most, and an issue nobody touched not at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_issue_body_is_rendered_once_to_plan_it() {
    let ctx = Ctx::new().await;
    let first = ctx.sync(&["-v"]).await.ok();
    let (issues, rendered) = planned(&first);
    // Nine issues are created; Yuki, paused, gets none but is planned (and counted) all the same.
    assert_eq!(ctx.issues(TRAINING).len() + ctx.issues(META).len() + 1, issues, "{}", first.stderr());
    assert_eq!(rendered, issues, "creating: {}", first.stderr());
    // Nothing touched: every issue is known unchanged from its record, and only Yuki (paused,
    // with no issue) is rendered.
    let same = ctx.sync(&["-v"]).await.ok();
    assert_eq!(planned(&same), (issues, 1), "nothing to change: {}", same.stderr());
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, "## Learn about GitLab"));
    let changed = ctx.sync(&["-v", "--dry-run"]).await.ok();
    assert_eq!(planned(&changed), (issues, 2), "the ticked issue is planned in full: {}", changed.stderr());
    // Planned in full on request, every body is rendered once.
    let full = ctx.run_in_full(&["sync", "-v", "--dry-run"]).await.ok();
    assert_eq!(planned(&full), (issues, issues), "{}", full.stderr());
}

// Issue 24: what sends an issue down the full path besides a tick. A roster change re-plans
// (renders) the issues of the person it touches and nobody else's; a later day re-plans exactly
// the issues whose plan it changes (a pace label, a stage, a comment owed), and the others are
// known from their memo with everything the date decides judged again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_change_or_a_later_week_re_plans_only_the_issues_it_changes() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let all: Vec<_> = ctx.issues(TRAINING).into_iter().chain(ctx.issues(META)).collect();
    let priyas = all.iter().filter(|i| i.title.contains("Priya Raman")).count();
    assert!(priyas > 0 && priyas < all.len());
    ctx.edit("roster/praman.yaml", "title: Support Engineer", "title: Senior Support Engineer");
    let edited = ctx.sync(&["-v", "--dry-run"]).await.ok();
    // Yuki (paused, no issue) is rendered on every run; then Priya's issues, and only hers.
    assert_eq!(planned(&edited).1, 1 + priyas, "{}", edited.stderr());
    ctx.edit("roster/praman.yaml", "title: Senior Support Engineer", "title: Support Engineer");
    let mut moved = 0;
    for day in [TODAY, "2026-11-24", "2026-12-07", "2026-12-21", "2027-01-18", "2027-03-01"] {
        let out = ctx.run(&["sync", "--today", day, "-v", "--dry-run", "--format", "json"]).await.ok();
        let json = out.json();
        let changed = json["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["template"] != "dashboard" && a["action"] != "unchanged" && a["action"] != "skip")
            .count();
        assert_eq!(planned(&out).1, 1 + changed, "{day}: {}", out.stderr());
        moved += changed;
    }
    // The calendar did move someone's plan on one of those days: the test is not vacuous.
    assert!(moved > 0, "no day changed any plan");
}

// The planner renders each real person's body (the sample people of `check` never carry this
// title), so a body GitLab would refuse for one person's data is found there: the run stops
// before anything is written, naming the template, as `check` would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_only_a_real_person_breaks_stops_the_run_before_any_write() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let huge = "Support Engineer ".repeat(70_000);
    ctx.edit("roster/praman.yaml", "title: Support Engineer", &format!("title: {huge}"));
    ctx.edit("roster/praman.yaml", "onboarding:\n", "onboarding:\n  role: engineer\n");
    ctx.fake.clear_requests();
    let out = ctx.sync(&[]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains("support-learning-path.md"), "{}", out.stderr());
    assert!(out.stderr().contains("GitLab takes at most"), "{}", out.stderr());
    assert!(out.stderr().contains("nothing was written"), "{}", out.stderr());
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

// `--preview-dir` against GitLab writes each issue as it will be after the run, handed over by the
// planner as it plans: an existing issue's preview holds what its person ticked, not the text a
// new issue would get, and nothing is written to GitLab by a dry run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_of_an_existing_issue_is_its_text_after_the_run_with_the_persons_ticks() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.human_edit(TRAINING, issue.iid, |i| tick_stage(&mut i.description, "## Learn about GitLab"));
    let ticked = ctx.issue_of(TRAINING, "Priya Raman").description.matches("- [x]").count();
    assert!(ticked > 0);
    ctx.fake.clear_requests();
    ctx.sync(&["--dry-run", "--preview-dir", "preview"]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);
    let preview = ctx.read("preview/praman--support-learning-path.md");
    assert_eq!(preview.matches("- [x]").count(), ticked, "{preview}");
    assert!(preview.contains("<!-- onboarder:state "), "{preview}");
    // Every issue of the plan has its preview, the ones planned while the listing was read too.
    let files = std::fs::read_dir(ctx.path("preview")).unwrap().count();
    assert_eq!(files, ctx.issues(TRAINING).len() + ctx.issues(META).len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_split_the_roster_without_overlap_and_together_do_everything() {
    let ctx = Ctx::new().await;
    let mut seen: Vec<String> = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = ctx.sync(&["--shard", &shard, "--format", "json"]).await.ok().json();
        for a in out["actions"].as_array().unwrap() {
            let who = a["username"].as_str().unwrap().to_string();
            assert!(!seen.contains(&who), "{who} is in two shards");
            seen.push(who);
        }
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
    assert_eq!(ctx.issues(TRAINING).len() + ctx.issues(META).len(), 9);
    // CI's parallel:N variables select the same shard as --shard.
    ctx.fake.clear_requests();
    let env = [("GITLAB_URL", ctx.fake.url()), ("GITLAB_TOKEN", crate::support::TOKEN.to_string())];
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")]);
    let by_ci = ctx.run_env(&["plan", "--today", TODAY, "--format", "json"], &env).await.ok().json();
    let by_flag = ctx.run(&["plan", "--today", TODAY, "--format", "json", "--shard", "2/3"]).await.ok().json();
    assert!(!by_ci["actions"].as_array().unwrap().is_empty(), "shard 2/3 is empty: the test shows nothing");
    assert_eq!(by_ci["actions"], by_flag["actions"]);
    assert_eq!(ctx.fake.writes(), 0);
}

// Regression: every run listed every managed issue ever created, closed ones included, so a run's
// cost grew with the team's history (years of finished hires) and not with the people in scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_issues_of_people_long_gone_are_not_listed_and_a_persons_close_is_still_respected() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let grace = ctx.issue_of(TRAINING, "Grace Mwangi");
    // 250 finished hires: managed issues (marker label, key and state block), closed, created years ago.
    let long_ago = chrono::DateTime::parse_from_rfc3339("2020-03-02T09:00:00Z").unwrap().with_timezone(&chrono::Utc);
    for n in 0..250 {
        let who = format!("former{n}");
        let description = grace.description.replace("gmwangi", &who);
        let iid =
            ctx.fake.human_create_issue(TRAINING, ctx.bot, &format!("Onboarding: {who}"), &description, &["onboarder"]);
        ctx.fake.human_edit(TRAINING, iid, |i| {
            i.state = "closed".into();
            i.created_at = long_ago;
        });
    }
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(out["summary"]["unchanged"], 9, "{out}");
    // The same floor as with no history: the token check and its expiry date, per project its id
    // and one page of open issues (and the module listings, one a person in scope).
    let modules = module_listings(&ctx.fake);
    assert_eq!(ctx.fake.count("GET"), 1 + 1 + 2 + 2 + modules, "{:?}", ctx.fake.requests());

    // A person closes their own issue: it is looked for among the closed issues created since
    // their start (less a year), found, and left closed; nothing is created again.
    ctx.fake.human_edit(TRAINING, grace.iid, |i| i.state = "closed".into());
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    // Grace's, left closed, and the paused person's (never created).
    assert_eq!(out["summary"]["skip"], 2, "{out}");
    assert!(!ctx.issue_of(TRAINING, "Grace Mwangi").is_open());
    // One more page: the recent closed issues of the training project; the 250 old ones are not in it.
    let modules = module_listings(&ctx.fake);
    assert_eq!(ctx.fake.count("GET"), 1 + 1 + 2 + 2 + 1 + modules, "{:?}", ctx.fake.requests());
}

// Regression: shards sharing one token each paced themselves at the whole per-user limit, so
// together they ran into GitLab's limits (93 429s on a sharded first run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_sharing_one_token_divide_the_limits_and_are_never_throttled() {
    let window = std::time::Duration::from_secs(2);
    let ctx = Ctx::with_options(Options {
        request_throttle: Some(fake_gitlab::Limit::new(12, window)),
        ..Options::default()
    })
    .await;
    let s = ctx.read("onboarder.yaml");
    ctx.write(
        "onboarder.yaml",
        &format!("{s}\nrate_limits:\n  window_seconds: 2\n  requests: 12\nsharding:\n  shared_token: true\n"),
    );
    let (a, b, c) =
        tokio::join!(ctx.sync(&["--shard", "1/3"]), ctx.sync(&["--shard", "2/3"]), ctx.sync(&["--shard", "3/3"]));
    for run in [a, b, c] {
        run.ok();
    }
    assert_eq!(ctx.issues(TRAINING).len() + ctx.issues(META).len(), 9);
    // Without `shared_token` the same three runs get 429s (8 when this test was written).
    assert_eq!(ctx.fake.rate_limited(), 0, "429s: each shard paced itself at the whole limit");
}
