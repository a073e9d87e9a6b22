//! `sync --shard K/N` with shard labels: each shard's people's issues carry
//! `onboarder-shard::K-of-N`, so a shard lists its own issues and the unlabeled ones only.

use fake_gitlab::Issue;

use crate::support::{is_module_listing, module_listings, Ctx, META, TODAY, TRAINING};

const ISSUES: &str = "/api/v4/projects/:id/issues";
const PREFIX: &str = "onboarder-shard::";

/// GET requests of the issue listing since the last `clear_requests`: one per page.
/// Pages of managed issues listed (each person's module listing is not one of them; their count
/// is checked: no person listed twice).
fn listing_pages(ctx: &Ctx) -> usize {
    module_listings(&ctx.fake);
    ctx.fake.requests().iter().filter(|r| r.method == "GET" && r.route == ISSUES && !is_module_listing(r)).count()
}

fn open_issues(ctx: &Ctx, project: &str) -> Vec<Issue> {
    ctx.issues(project).into_iter().filter(Issue::is_open).collect()
}

fn shard_labels(issue: &Issue) -> Vec<&str> {
    issue.labels.iter().map(String::as_str).filter(|l| l.starts_with(PREFIX)).collect()
}

/// Pages of 100 a listing of `n` issues takes (an empty listing is one page).
fn pages(n: usize) -> usize {
    n.div_ceil(100).max(1)
}

/// `n` more people on the support learning path, known to the fake, and limits high enough that
/// creating all their issues is not paced.
fn add_people(ctx: &Ctx, n: usize) {
    for i in 0..n {
        let username = format!("hire{i:03}");
        ctx.write(
            &format!("roster/{username}.yaml"),
            &format!(
                "name: Hire {i}\ntitle: Support Engineer\nregion: EMEA\nstart_date: 2026-11-02\n\
                 gitlab: {{username: {username}}}\nonboarding: {{paths: [support-learning-path]}}\n"
            ),
        );
        ctx.fake.add_user(&username, &format!("Hire {i}"));
    }
    let config = ctx.read("onboarder.yaml");
    ctx.write(
        "onboarder.yaml",
        &format!("{config}\nrate_limits:\n  requests: 1000000\n  issue_creates: 1000000\n  notes: 1000000\n"),
    );
}

/// Every open managed issue carries exactly the label of the shard of `total` its person is in
/// (dashboards carry none).
fn assert_labeled_for(ctx: &Ctx, total: u32, project: &str) {
    for i in open_issues(ctx, project) {
        let labels = shard_labels(&i);
        if i.labels.iter().any(|l| l == "onboarding-dashboard") {
            assert!(labels.is_empty(), "dashboard {} has {labels:?}", i.title);
            continue;
        }
        let key = onboarder::region::key_of(&i.description).unwrap_or_else(|| panic!("no key: {}", i.title));
        let user = onboarder::desired::key_username(&key);
        let owner = (1..=total)
            .find(|&index| onboarder::selection::Shard { index, total }.owns(user))
            .expect("every username is in one shard");
        assert_eq!(labels, [format!("{PREFIX}{owner}-of-{total}")], "{}", i.title);
    }
}

// Regression: every shard listed all open managed issues of the project, so N shards
// on a no-change day made N times the listing pages of one run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_list_only_their_own_issues_on_a_no_change_day() {
    let ctx = Ctx::new().await;
    add_people(&ctx, 400);
    for k in 1..=3 {
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
    }
    let total = open_issues(&ctx, TRAINING).len();
    assert!(total > 400, "the project needs 5 pages unsharded: {total}");
    for project in [TRAINING, META] {
        assert_labeled_for(&ctx, 3, project);
    }
    // One unsharded run (a plan: it reads the same, writes nothing) lists every page.
    ctx.fake.clear_requests();
    ctx.run(&["plan", "--today", TODAY]).await.ok();
    let unsharded = listing_pages(&ctx);
    assert_eq!(unsharded, pages(total) + pages(open_issues(&ctx, META).len()));

    let mut sum = 0;
    for k in 1..=3 {
        ctx.fake.clear_requests();
        let out = ctx.sync(&["--shard", &format!("{k}/3"), "--format", "json"]).await.ok().json();
        assert_eq!(ctx.fake.writes(), 0, "shard {k}/3: {:?}", ctx.fake.requests());
        assert!(out["summary"]["unchanged"].as_u64().unwrap() > 90, "shard {k}/3: {}", out["summary"]);
        // Per project: the pages of its own issues, and one empty page of issues of no shard.
        let label = format!("{PREFIX}{k}-of-3");
        let own = |p: &str| open_issues(&ctx, p).iter().filter(|i| i.labels.contains(&label)).count();
        let want = pages(own(TRAINING)) + 1 + pages(own(META)) + 1;
        assert_eq!(listing_pages(&ctx), want, "shard {k}/3: {:?}", ctx.fake.requests());
        assert!(
            listing_pages(&ctx) < unsharded,
            "shard {k}/3 lists {} pages, one run {unsharded}",
            listing_pages(&ctx)
        );
        sum += listing_pages(&ctx);
    }
    // Together one run's pages, plus per project each shard's page of unlabeled issues and at
    // most N-1 more part-filled last pages: 2N-1 per project.
    assert!(sum <= unsharded + 2 * (2 * 3 - 1), "three shards {sum} pages, one run {unsharded}");
}

/// The example team with managers' dashboards on (the context turns them off), and the team's.
fn with_dashboards(ctx: &Ctx, team: bool) {
    let config = ctx.read("onboarder.yaml");
    let on = format!("dashboards:\n  managers: true\n  team: {team}\n");
    ctx.write("onboarder.yaml", &config.replace(crate::support::NO_DASHBOARDS, &on));
}

fn issue_count(ctx: &Ctx) -> usize {
    ctx.issues(TRAINING).len() + ctx.issues(META).len()
}

fn open_count(ctx: &Ctx) -> usize {
    open_issues(ctx, TRAINING).len() + open_issues(ctx, META).len()
}

fn dashboards(ctx: &Ctx) -> usize {
    ctx.issues(TRAINING).iter().filter(|i| i.labels.iter().any(|l| l == "onboarding-dashboard")).count()
}

/// `(PUTs, POSTs of issues)` since the last `clear_requests`.
fn edits_and_creates(ctx: &Ctx) -> (usize, usize) {
    let r = ctx.fake.requests();
    let puts = r.iter().filter(|r| r.method == "PUT" && r.route == format!("{ISSUES}/:iid")).count();
    let posts = r.iter().filter(|r| r.method == "POST" && r.route == ISSUES).count();
    (puts, posts)
}

/// The open issues (dashboards left out) the shard `k` of `total` acts for.
fn owned_by(ctx: &Ctx, k: u32, total: u32) -> usize {
    let shard = onboarder::selection::Shard { index: k, total };
    [TRAINING, META]
        .iter()
        .flat_map(|p| open_issues(ctx, p))
        .filter_map(|i| onboarder::region::key_of(&i.description))
        .filter(|key| !onboarder::dashboard::is_key(key) && shard.owns(onboarder::desired::key_username(key)))
        .count()
}

// Changing N (3 to 2): the first run of each new shard lists everything once (no issue carries a
// label of the new N), relabels its own people's issues with one write each and creates nothing;
// the next run is back to its own pages. Dashboards carry no shard label and are found by every
// shard. Turning sharding off takes the labels off (one write per issue) and creates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_number_of_shards_or_turning_sharding_off_relabels_once_and_creates_nothing() {
    let ctx = Ctx::new().await;
    with_dashboards(&ctx, false);
    for k in 1..=3 {
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
    }
    let (issues, open, boards) = (issue_count(&ctx), open_count(&ctx), dashboards(&ctx));
    assert!(boards >= 2, "the example has managers: {boards} dashboards");
    assert_labeled_for(&ctx, 3, TRAINING);
    for k in 1..=3 {
        ctx.fake.clear_requests();
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
        assert_eq!(ctx.fake.writes(), 0, "shard {k}/3: {:?}", ctx.fake.requests());
        assert_eq!(listing_pages(&ctx), 4, "two projects, each its own page and one of no shard");
    }

    for k in 1..=2 {
        ctx.fake.clear_requests();
        assert!(owned_by(&ctx, k, 2) > 0, "shard {k}/2 has nobody: the test shows nothing");
        ctx.sync(&["--shard", &format!("{k}/2")]).await.ok();
        // Everything listed once, own issues relabeled, nothing created, no dashboard written.
        assert_eq!(listing_pages(&ctx), 4, "shard {k}/2: {:?}", ctx.fake.requests());
        assert_eq!(edits_and_creates(&ctx), (owned_by(&ctx, k, 2), 0), "shard {k}/2: {:?}", ctx.fake.requests());
        assert_eq!((issue_count(&ctx), open_count(&ctx), dashboards(&ctx)), (issues, open, boards));
    }
    assert_labeled_for(&ctx, 2, TRAINING);
    assert_labeled_for(&ctx, 2, META);
    for k in 1..=2 {
        ctx.fake.clear_requests();
        ctx.sync(&["--shard", &format!("{k}/2")]).await.ok();
        assert_eq!(ctx.fake.writes(), 0, "shard {k}/2: {:?}", ctx.fake.requests());
        assert_eq!(listing_pages(&ctx), 4);
    }

    // Sharding off: one run takes every shard label off, then writes nothing.
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(edits_and_creates(&ctx), (open - boards, 0), "{:?}", ctx.fake.requests());
    assert_eq!((issue_count(&ctx), dashboards(&ctx)), (issues, boards));
    for p in [TRAINING, META] {
        assert!(ctx.issues(p).iter().all(|i| shard_labels(i).is_empty()));
    }
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

// A person whose GitLab username changed may hash to another shard: their issue still carries the
// old shard's label, so the new shard does not list it. Before creating anything a sharded run
// lists the rest of the project, finds the issue by its user id and relabels it: no duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_username_that_moves_to_another_shard_keeps_its_issue() {
    let ctx = Ctx::new().await;
    let shard_of = |u: &str| (1..=3).find(|&index| onboarder::selection::Shard { index, total: 3 }.owns(u)).unwrap();
    let old = shard_of("praman");
    let renamed = ["priya.raman", "priya.r", "praman2", "pr4man", "priya"]
        .into_iter()
        .find(|u| shard_of(u) != old)
        .expect("one of them hashes elsewhere");
    for k in 1..=3 {
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
    }
    let before = ctx.issue_of(TRAINING, "Priya Raman");
    let text = ctx.read("roster/praman.yaml").replace("username: praman", &format!("username: {renamed}"));
    std::fs::remove_file(ctx.path("roster/praman.yaml")).unwrap();
    ctx.write(&format!("roster/{renamed}.yaml"), &text);
    ctx.fake.add_user_with_id(4100012, renamed, "Priya Raman");
    let count = issue_count(&ctx);

    let new = shard_of(renamed);
    ctx.sync(&["--shard", &format!("{new}/3")]).await.ok();
    assert_eq!(issue_count(&ctx), count, "an issue was created for the new username");
    let after = ctx.fake.issue(TRAINING, before.iid).unwrap();
    assert!(after.is_open());
    assert_eq!(shard_labels(&after), [format!("{PREFIX}{new}-of-3")]);
    for k in 1..=3 {
        ctx.fake.clear_requests();
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
        assert_eq!(ctx.fake.writes(), 0, "shard {k}/3: {:?}", ctx.fake.requests());
    }
    assert!(ctx.fake.issue(TRAINING, before.iid).unwrap().is_open());
}

// The team dashboard's medians are over everyone's issues: a shard that listed only its own would
// write other medians than the next shard, and each would rewrite the dashboard on every run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_team_dashboard_every_shard_lists_everyone_and_a_no_change_day_writes_nothing() {
    let ctx = Ctx::new().await;
    with_dashboards(&ctx, true);
    for k in 1..=3 {
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
    }
    assert!(ctx.issues(TRAINING).iter().any(|i| i.title.contains("team")), "no team dashboard");
    assert_labeled_for(&ctx, 3, TRAINING);
    for k in 1..=3 {
        ctx.fake.clear_requests();
        ctx.sync(&["--shard", &format!("{k}/3")]).await.ok();
        assert_eq!(ctx.fake.writes(), 0, "shard {k}/3: {:?}", ctx.fake.requests());
        assert_eq!(listing_pages(&ctx), 2, "one listing of everyone per project");
    }
}
