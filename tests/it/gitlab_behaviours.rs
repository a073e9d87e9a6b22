//! GitLab behaviours that a friendlier fake would hide, through the binary: redirects, writes
//! racing a person's edit, lost answers, proxies, tiers, token roles and reach, renamed
//! projects, moved issues, blocked accounts, duplicates and concurrent runs.

use std::collections::BTreeMap;

use fake_gitlab::{Fault, FaultKind, Issue, Matcher, Options, Recorder, Role};

use crate::support::{is_module_listing, Ctx, Run, META, TODAY, TOKEN, TRAINING};

const ISSUES: &str = "/api/v4/projects/:id/issues";
const ISSUE: &str = "/api/v4/projects/:id/issues/:iid";

fn configure(ctx: &Ctx, sync_settings: &str) {
    ctx.edit("onboarder.yaml", "marker_label: onboarder", &format!("marker_label: onboarder\n{sync_settings}"));
}

fn all_issues(ctx: &Ctx) -> Vec<Issue> {
    let mut v = ctx.issues(TRAINING);
    v.extend(ctx.issues(META));
    v
}

/// Issues per key (from the hidden state block), open or closed.
fn by_key(ctx: &Ctx) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for i in all_issues(ctx) {
        if let Some(k) = onboarder::region::key_of(&i.description) {
            *m.entry(k).or_default() += 1;
        }
    }
    m
}

fn requests_to(ctx: &Ctx, method: &str, route: &str) -> usize {
    ctx.fake.requests().iter().filter(|r| r.method == method && r.route == route).count()
}

/// Requests of `method` to one issue.
fn requests_to_issue(ctx: &Ctx, method: &str, iid: u64) -> usize {
    let path = format!("/issues/{iid}");
    ctx.fake.requests().iter().filter(|r| r.method == method && r.route == ISSUE && r.path.ends_with(&path)).count()
}

/// PUTs to issues that carry a key (onboarder's managed issues).
fn puts_to_managed(ctx: &Ctx) -> Vec<String> {
    let keyed: Vec<String> = all_issues(ctx)
        .iter()
        .filter(|i| onboarder::region::key_of(&i.description).is_some())
        .map(|i| format!("/issues/{}", i.iid))
        .collect();
    ctx.fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && keyed.iter().any(|k| r.path.ends_with(k.as_str())))
        .map(|r| r.path.clone())
        .collect()
}

fn line_with<'a>(description: &'a str, id: &str) -> &'a str {
    description.lines().find(|l| l.contains(&format!("id: {id} "))).unwrap_or("")
}

fn first_unchecked(issue: &Issue) -> String {
    let line = issue.description.lines().find(|l| l.contains("- [ ] ")).expect("an unchecked item");
    let id = line.split("id: ").nth(1).unwrap().split_whitespace().next().unwrap();
    id.to_string()
}

fn failed_users(run: &Run) -> Vec<String> {
    run.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"]["status"] == "failed")
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect()
}

// Regression: reqwest (under the gitlab crate) followed redirects and stripped only
// `Authorization` and `Cookie`, so `PRIVATE-TOKEN` went to whatever host a 302/307 named, and a
// 307 re-posted the issue body there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_an_error_naming_its_target_and_the_token_never_reaches_it() {
    let ctx = Ctx::new().await;
    let recorder = Recorder::start().await;
    let target = format!("{}/api/v4/user", recorder.url());
    ctx.fake.inject(Fault::new(
        Matcher::route("GET", "/api/v4/user"),
        FaultKind::Redirect { status: 302, location: target.clone() },
    ));
    let out = ctx.sync(&[]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains(&target), "the target is not named: {}", out.stderr());
    assert!(!out.stderr().contains(TOKEN), "{}", out.stderr());
    assert_eq!(ctx.fake.writes(), 0);

    // A 307 on a create, which a client following it would re-post with the token.
    ctx.fake.inject(Fault::new(
        Matcher::route("POST", ISSUES),
        FaultKind::Redirect { status: 307, location: format!("{}/steal", recorder.url()) },
    ));
    let out = ctx.sync(&[]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains("307"), "{}", out.stderr());
    assert!(recorder.calls().is_empty(), "the other host was contacted: {:?}", recorder.calls());
}

// Regression: a PUT answered 5xx was re-sent 15 s later with the old description, wiping an
// edit the person made meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_answered_500_is_retried_only_after_a_fresh_read_and_the_persons_edit_survives() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    let id = first_unchecked(&issue);
    let iid = issue.iid;
    let put = Matcher::route("PUT", ISSUE).and_path_contains(&format!("/issues/{iid}"));
    ctx.fake.inject(Fault::new(put.clone(), FaultKind::Status(500)));
    // The person edits after onboarder's read, while its PUT is refused.
    let tick = id.clone();
    ctx.fake.before_request(put, move |fake| {
        fake.human_edit(TRAINING, iid, |i| {
            assert!(i.set_task(&tick, true));
            i.description.push_str("\n\nMy notes, written while onboarder was busy.\n");
        });
    });
    ctx.fake.clear_requests();
    // Past Priya's due date: her pace moves to overdue and a comment is owed (a write).
    ctx.run(&["sync", "--today", "2027-01-10", "--only", "praman"]).await.ok();
    let after = ctx.fake.issue(TRAINING, iid).unwrap();
    assert!(line_with(&after.description, &id).contains("[x]"), "the tick was lost");
    assert!(after.description.contains("My notes, written while onboarder was busy."), "the notes were lost");
    assert_eq!(requests_to_issue(&ctx, "PUT", iid), 2, "one refused PUT, one after a fresh read");
    // A read before the comment owed, one after it (the PUT is based on it), and the retry's own.
    assert_eq!(requests_to_issue(&ctx, "GET", iid), 3, "the retry did not read the issue again first");
}

// A PUT that landed although it was answered 500: the retry finds nothing left to do, writes
// nothing more, and the stage note is posted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_that_landed_despite_a_500_is_not_written_twice_and_its_note_is_posted_once() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    ctx.fake.inject(Fault::new(Matcher::route("PUT", ISSUE), FaultKind::LandThenStatus(500)));
    ctx.fake.clear_requests();
    // Past Priya's due date: her pace moves to overdue and a comment is owed (a write).
    ctx.run(&["sync", "--today", "2027-01-10", "--only", "praman"]).await.ok();
    assert_eq!(requests_to_issue(&ctx, "PUT", iid), 1);
    assert_eq!(ctx.fake.user_notes(TRAINING, iid).len(), 1, "{:?}", ctx.fake.user_notes(TRAINING, iid));
}

// Regression: connect() did not retry a 429 or a 5xx on `GET /user` (exit 2 at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_retries_a_429_and_a_5xx_like_every_other_read() {
    let ctx = Ctx::new().await;
    let user = Matcher::route("GET", "/api/v4/user");
    ctx.fake.inject(Fault::new(user.clone(), FaultKind::Throttle { retry_after_secs: 1 }));
    ctx.fake.inject(Fault::new(user.clone(), FaultKind::Status(502)));
    ctx.fake.inject(Fault::new(user, FaultKind::CloseConnection));
    ctx.sync(&[]).await.ok();
    assert_eq!(requests_to(&ctx, "GET", "/api/v4/user"), 4);
    assert_eq!(all_issues(&ctx).len(), 9);
}

// Regression: the crate's builders send assignee ids sorted, and GitLab Free keeps only the
// first, so a buddy or manager with a lower id got the new hire's issue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_gitlab_free_the_person_is_the_assignee_whatever_the_ids() {
    let ctx = Ctx::with_options(Options { free_mode: true, ..Options::default() }).await;
    ctx.sync(&[]).await.ok();
    let person = ctx.fake.user_id("angata").unwrap();
    let buddy = ctx.fake.user_id("wtan").unwrap();
    assert!(buddy < person, "the test needs a buddy whose id is lower than the person's");
    for issue in all_issues(&ctx) {
        let key = onboarder::region::key_of(&issue.description).unwrap();
        let username = key.rsplit(':').next().unwrap();
        assert_eq!(ctx.assignees(&issue), vec![username.to_string()], "{}", issue.title);
    }
}

// Regression: the same project under two spellings was listed twice, so every issue in it
// conflicted with itself; project paths are case-insensitive and old paths keep answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_project_under_two_spellings_or_renamed_is_one_project() {
    let ctx = Ctx::new().await;
    let other = "GitLab-com/Support/Support-Training";
    ctx.edit("onboarder.yaml", "  project: gitlab-com/support/support-team-meta", &format!("  project: {other}"));
    ctx.edit(
        "issue-templates/support-shadow-program.md",
        "project: gitlab-com/support/support-team-meta",
        &format!("project: {other}"),
    );
    ctx.sync(&[]).await.ok();
    let out = ctx.sync(&["--format", "json"]).await.ok();
    assert_eq!(ctx.issues(TRAINING).len(), 9, "{}", out.stdout());
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(out["summary"]["conflict"], 0, "{out}");
    assert_eq!(out["summary"]["unchanged"], 9, "{out}");

    ctx.fake.rename_project(TRAINING, "gitlab-com/support/learning");
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(out["summary"]["unchanged"], 9, "{out}");
    assert_eq!(ctx.fake.writes(), 0);
    // Once per project: `GET /projects/:path` for each spelling, and one listing of the one project
    // (besides each person's module listing).
    let listings =
        ctx.fake.requests().iter().filter(|r| r.method == "GET" && r.route == ISSUES && !is_module_listing(r)).count();
    assert_eq!(listings, 1, "{:?}", ctx.fake.requests());
}

// Regression: a 404 on either project stopped everything with exit 2, without naming the
// project, even under `--only` for someone in the project the token reaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_the_token_cannot_see_fails_only_its_issues_and_says_how_to_fix_it() {
    let ctx = Ctx::new().await;
    ctx.fake.limit_token_to_project(TOKEN, TRAINING);
    let out = ctx.sync(&["--format", "json"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert_eq!(failed_users(&out), vec!["therrera"]);
    assert!(out.stderr().contains(META) && out.stderr().contains("group access token"), "{}", out.stderr());
    assert_eq!(ctx.issues(TRAINING).len(), 8);
    ctx.sync(&["--only", "praman"]).await.ok();
}

// Regression: a proxy that strips `X-Next-Page` (keeping `Link`) made the listing stop at page
// one, so issues on later pages were not seen and were created again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_follows_the_link_header_when_a_proxy_strips_x_next_page() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    for n in 0..120 {
        ctx.fake.human_create_issue(TRAINING, ctx.bot, &format!("Team note {n}"), "", &["onboarder"]);
    }
    ctx.fake.inject(Fault::new(Matcher::route("GET", ISSUES), FaultKind::StripPaginationHeaders).times(10));
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(out["summary"]["unchanged"], 9, "{out}");
    assert!(by_key(&ctx).values().all(|n| *n == 1));
}

// Regression: every create whose answer was lost re-listed all issues the run had created (one
// listing per lost answer); now one listing per project settles them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_create_answers_are_settled_with_one_listing_per_batch() {
    let ctx = Ctx::new().await;
    configure(&ctx, "request_timeout_seconds: 1");
    ctx.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::LandThenHang).times(3));
    let out = ctx.sync(&[]).await;
    assert!(matches!(out.code(), 0 | 1), "{}", out.stderr());
    assert_eq!(all_issues(&ctx).len(), 9, "{:?}", by_key(&ctx));
    assert!(by_key(&ctx).values().all(|n| *n == 1), "{:?}", by_key(&ctx));
    let settling = ctx
        .fake
        .requests()
        .iter()
        // Settling lists the token user's own issues; the closed managed issues looked for
        // before creating (also `created_after`) are not filtered by author.
        .filter(|r| {
            r.route == ISSUES
                && r.method == "GET"
                && r.query.contains("created_after=")
                && r.query.contains("author_id=")
        })
        .count();
    assert_eq!(settling, 1, "three lost answers in one project, one listing");
    ctx.sync(&[]).await.ok();
    assert_eq!(all_issues(&ctx).len(), 9);
}

// Regression: a token below Planner (Reporter before GitLab 17.7) gets labels, assignees and due date dropped silently
// (200/201); the run said "updated" and added the label again on every run forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_gitlab_dropped_for_a_guest_token_are_reported_with_the_fix_and_no_write_loop_follows() {
    let ctx = Ctx::new().await;
    ctx.fake.set_role(ctx.bot, TRAINING, Role::Guest);
    let out = ctx.sync(&["--format", "json"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let doc = out.json();
    let errors: Vec<&str> =
        doc["actions"].as_array().unwrap().iter().filter_map(|a| a["outcome"]["error"].as_str()).collect();
    assert_eq!(errors.len(), 8, "{doc}");
    assert!(errors.iter().all(|e| e.contains("below Planner")), "{errors:?}");
    assert_eq!(out.stderr().matches("GitLab dropped").count(), 1, "reported once: {}", out.stderr());
    // A Guest may not manage labels: the run goes ahead without the run lock, and says so.
    assert!(out.stderr().contains("without the run lock"), "{}", out.stderr());
    assert_eq!(by_key(&ctx).len(), 9);
    assert!(by_key(&ctx).values().all(|n| *n == 1));

    // The next run learns it from the first answer and sends no more metadata writes.
    ctx.fake.clear_requests();
    let out = ctx.sync(&[]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let puts = puts_to_managed(&ctx);
    assert!(puts.len() <= 1, "{puts:?}");
    assert_eq!(by_key(&ctx).len(), 9, "created again");
    assert!(by_key(&ctx).values().all(|n| *n == 1));
}

// Regression: "unknown GitLab user" for a blocked manager meant the new hire's issue was never
// created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_manager_is_left_out_with_a_warning_and_the_issue_is_still_created() {
    let ctx = Ctx::new().await;
    ctx.fake.block_user("ggreene");
    let out = ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(META, "Tomás Herrera");
    assert_eq!(ctx.assignees(&issue), vec!["therrera".to_string()]);
    assert!(out.stderr().contains("\"ggreene\" is unknown or blocked"), "{}", out.stderr());
}

// Regression: a moved issue (closed, `moved_to_id` set, left in the old project) was taken for
// one closed by a person, and a move between two managed projects was a permanent conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_issue_is_followed_to_its_new_home_and_never_created_again() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    let moved = ctx.fake.move_issue(TRAINING, iid, META);
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    // The moved copy is a new issue: its state block, sealed for the old one, does not hold there.
    // onboarder reads what its own notes (moved along) prove, once, and seals the block for its new
    // place: one write (and the run lock's two), then none.
    assert_eq!(requests_to(&ctx, "GET", "/api/v4/projects/:id/issues/:iid/notes"), 1, "{:?}", ctx.fake.requests());
    assert_eq!(ctx.fake.count("PUT"), 1, "{:?}", ctx.fake.requests());
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    let praman = out["actions"].as_array().unwrap().iter().find(|a| a["username"] == "praman").unwrap().clone();
    assert_eq!(
        (praman["action"].as_str(), praman["project"].as_str(), praman["iid"].as_u64()),
        (Some("unchanged"), Some(META), Some(moved))
    );

    // Moved again, to a project onboarder does not read: left there, not re-created.
    ctx.fake.add_project("gitlab-com/elsewhere");
    ctx.fake.move_issue(META, moved, "gitlab-com/elsewhere");
    let out = ctx.run(&["sync", "--today", "2026-12-30", "--format", "json"]).await.ok().json();
    let praman = out["actions"].as_array().unwrap().iter().find(|a| a["username"] == "praman").unwrap().clone();
    assert_eq!(praman["action"], "skip", "{praman}");
    assert!(praman["reason"].as_str().unwrap().contains("moved"), "{praman}");
    assert_eq!(by_key(&ctx)["support-learning-path:praman"], 2, "the original and its first move only");
}

// Regression: two issues with one key sat in "conflict" on every run, never updated, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_duplicate_is_closed_once_and_a_touched_pair_fails_the_person() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let original = ctx.issue_of(TRAINING, "Priya Raman");
    let copy = ctx.fake.human_create_issue(TRAINING, ctx.bot, &original.title, &original.description, &["onboarder"]);
    ctx.fake.human_edit(TRAINING, original.iid, |i| i.description.push_str("\n\nPriya's notes.\n"));
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    // Each copy is read once (it was planned while listed, so its text must be read to judge it);
    // that read is the one the close is based on.
    assert_eq!(requests_to(&ctx, "GET", "/api/v4/projects/:id/issues/:iid"), 2, "{:?}", ctx.fake.requests());
    let closed = ctx.fake.issue(TRAINING, copy).unwrap();
    assert_eq!(closed.state, "closed");
    assert_eq!(ctx.fake.user_notes(TRAINING, copy).len(), 1);
    assert_eq!(ctx.fake.issue(TRAINING, original.iid).unwrap().state, "opened");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0);

    // Both used by people: reported, exit 1, JUnit failure, nothing closed.
    let second = ctx.fake.human_create_issue(TRAINING, ctx.bot, &original.title, &original.description, &["onboarder"]);
    ctx.fake.human_edit(TRAINING, second, |i| i.description.push_str("\n\nA manager's notes.\n"));
    let out = ctx.sync(&["--junit", "junit.xml"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert_eq!(ctx.fake.issue(TRAINING, second).unwrap().state, "opened");
    let junit = ctx.read("junit.xml");
    assert!(junit.contains("<failure") && junit.contains("share this key"), "{junit}");
}

// Regression: `-v` and `RUST_LOG` did nothing: no log output was set up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_log_on_stderr_and_warnings_always_show() {
    let ctx = Ctx::new().await;
    ctx.fake.inject(Fault::new(Matcher::route("GET", ISSUES), FaultKind::Status(502)));
    let quiet = ctx.sync(&[]).await.ok();
    assert!(!quiet.stderr().contains("retrying"), "{}", quiet.stderr());
    ctx.fake.inject(Fault::new(Matcher::route("GET", ISSUES), FaultKind::Status(502)));
    let out = ctx.run(&["sync", "--today", TODAY, "-v"]).await.ok();
    assert!(out.stderr().contains("retrying"), "{}", out.stderr());
    let env =
        [("GITLAB_URL", ctx.fake.url()), ("GITLAB_TOKEN", TOKEN.to_string()), ("RUST_LOG", "onboarder=debug".into())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = ctx.run_env(&["sync", "--today", TODAY], &env).await.ok();
    assert!(out.stderr().contains("request"), "{}", out.stderr());
    assert!(!out.stderr().contains(TOKEN));
}

// GitLab removes `/close`, `/reopen` and `/title` from a new issue's description without running
// them (they need a saved issue); onboarder's prediction of the stored text must agree, or every
// run would rewrite the description (and an edit would run them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_time_close_reopen_and_title_are_stripped_not_run_and_cause_no_rewrite() {
    let ctx = Ctx::new().await;
    ctx.edit(
        "issue-templates/support-learning-path.md",
        "**How to use this issue**",
        "/close\n/reopen\n/title Hijacked\n\n**How to use this issue**",
    );
    ctx.run(&["check"]).await.ok();
    ctx.sync(&[]).await.ok();
    let issue = ctx.issue_of(TRAINING, "Priya Raman");
    assert_eq!(issue.state, "opened");
    assert!(!issue.description.contains("/close") && !issue.description.contains("/title"));
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

// Only the person's own account is required: when it is blocked (or unknown), their issue fails
// with the reason and everyone else is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_person_fails_only_their_own_issue() {
    let ctx = Ctx::new().await;
    ctx.fake.block_user("therrera");
    let out = ctx.sync(&["--format", "json"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert_eq!(failed_users(&out), vec!["therrera"]);
    let doc = out.json();
    let error = doc["actions"].as_array().unwrap().iter().find(|a| a["username"] == "therrera").unwrap()["outcome"]
        ["error"]
        .to_string();
    assert!(error.contains("own account"), "{error}");
    assert_eq!(ctx.issues(TRAINING).len(), 8);
}
