//! The run lock against the fake GitLab: two runs at once, a crashed run's lock, a live one, and
//! the labels people (or a parent group) can make that only look like it.

use chrono::{Duration, Utc};
use fake_gitlab::Issue;
use onboarder::seal::Seal;

use crate::support::{Ctx, Run, STATE_KEY, TODAY, TOKEN, TRAINING};

const LOCK: &str = "onboarder-run-lock";

fn lock_labels(ctx: &Ctx) -> Vec<fake_gitlab::Label> {
    ctx.fake.labels(TRAINING).into_iter().filter(|l| l.name.starts_with(LOCK)).collect()
}

fn all_issues(ctx: &Ctx) -> Vec<Issue> {
    let mut all = ctx.issues(TRAINING);
    all.extend(ctx.issues(crate::support::META));
    all
}

fn by_key(ctx: &Ctx) -> std::collections::BTreeMap<String, usize> {
    let mut n = std::collections::BTreeMap::new();
    for i in all_issues(ctx) {
        if let Some(k) = onboarder::region::key_of(&i.description) {
            *n.entry(k).or_insert(0) += 1;
        }
    }
    n
}

fn requests_to(ctx: &Ctx, method: &str, route: &str) -> usize {
    ctx.fake.requests().iter().filter(|r| r.method == method && r.route == route).count()
}

/// A lock another onboarder run holds: sealed with the run's key, renewed `ago` and running
/// `for_` from then.
fn sealed_lock(ctx: &Ctx, run: &str, ago: Duration, for_: Duration) -> String {
    let seal = Seal::new(STATE_KEY, None).unwrap();
    let renewed = Utc::now() - ago;
    let pid = ctx.fake.project_id(TRAINING).unwrap();
    onboarder::sync::lock_description(run, (renewed, renewed + for_), &seal, pid, LOCK)
}

fn with_env(ctx: &Ctx, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![("GITLAB_URL".to_string(), ctx.fake.url()), ("GITLAB_TOKEN".to_string(), TOKEN.to_string())];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

async fn sync_with(ctx: &Ctx, extra: &[(&str, &str)], args: &[&str]) -> Run {
    let env = with_env(ctx, extra);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut all = vec!["sync", "--today", TODAY];
    all.extend_from_slice(args);
    ctx.run_env(&all, &env).await
}

// Regression: two concurrent runs created 201 extra issues (then closed them) and posted stage
// notes twice; then every writing run left a closed lock-ticket issue behind in the project.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_create_each_issue_once() {
    let ctx = Ctx::new().await;
    ctx.fake.set_latency(std::time::Duration::from_millis(20));
    let (a, b) = tokio::join!(ctx.sync(&[]), ctx.sync(&[]));
    assert_eq!((a.code(), b.code()), (0, 0), "{}\n{}", a.stderr(), b.stderr());
    assert_eq!(all_issues(&ctx).len(), 9, "{:?}", by_key(&ctx));
    assert!(by_key(&ctx).values().all(|n| *n == 1), "{:?}", by_key(&ctx));
    // No issue but people's: every issue carries a key, none was created and closed.
    assert!(all_issues(&ctx).iter().all(|i| onboarder::region::key_of(&i.description).is_some()));
    assert!(all_issues(&ctx).iter().all(|i| i.state == "opened"), "an extra issue was created and closed");
    assert!(lock_labels(&ctx).is_empty(), "the run lock was left behind");
    let lock_posts = requests_to(&ctx, "POST", "/api/v4/projects/:id/labels");
    assert!(lock_posts >= 2, "both runs asked for the lock: {lock_posts}");
    let notes: usize = ctx.issues(TRAINING).iter().map(|i| ctx.fake.notes(TRAINING, i.iid).len()).sum();
    assert_eq!(notes, 0);
    // (`ctx.sync` already passes `--today`: a second one made both runs exit 2 unseen.)
    let later = ["sync", "--today", "2026-12-30"];
    let (a, b) = tokio::join!(ctx.run(&later), ctx.run(&later));
    assert_eq!((a.code(), b.code()), (0, 0), "{}\n{}", a.stderr(), b.stderr());
    let mut posted = 0;
    for i in ctx.issues(TRAINING) {
        let notes = ctx.fake.notes(TRAINING, i.iid);
        posted += notes.len();
        let mut bodies: Vec<&str> = notes.iter().map(|n| n.body.as_str()).collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), notes.len(), "a note posted twice on {}", i.title);
    }
    assert!(posted > 0, "no stage note was posted: the test shows nothing");
    assert_eq!(all_issues(&ctx).len(), 9);
    assert!(lock_labels(&ctx).is_empty(), "the run lock was left behind");
}

// A run that crashed holding the lock leaves its label; once its lease has run out, the next
// run removes it and goes ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_left_by_a_crashed_run_is_removed_once_expired_and_the_run_proceeds() {
    let ctx = Ctx::new().await;
    let stale = sealed_lock(&ctx, "0badc0de", Duration::minutes(30), Duration::minutes(10));
    ctx.fake.human_create_label(TRAINING, LOCK, "#dc143c", &stale);
    let out = ctx.sync(&[]).await.ok();
    assert!(out.stderr().contains("0badc0de"), "{}", out.stderr());
    assert_eq!(all_issues(&ctx).len(), 9);
    assert!(lock_labels(&ctx).is_empty(), "{:?}", lock_labels(&ctx));
    // The stale lock was deleted, then this run's own.
    assert_eq!(requests_to(&ctx, "DELETE", "/api/v4/projects/:id/labels/:name"), 2);
}

// A live lock held by another run: this run waits (bounded), then fails its writes with a clear
// message and exit 1, writes nothing, and leaves the other run's lock alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_lock_held_by_another_run_makes_the_run_wait_then_fail_its_writes() {
    let ctx = Ctx::new().await;
    let description = sealed_lock(&ctx, "feedf00d", Duration::zero(), Duration::minutes(10));
    ctx.fake.human_create_label(TRAINING, LOCK, "#dc143c", &description);
    let out = sync_with(&ctx, &[("ONBOARDER_LOCK_WAIT_SECONDS", "2")], &["--format", "json"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(out.stderr().contains("waiting up to 2s"), "{}", out.stderr());
    let doc = out.json();
    let failed = doc["actions"].as_array().unwrap().iter().filter(|a| a["outcome"]["status"] == "failed").count();
    assert_eq!(failed, 9, "every write fails");
    let error = doc["actions"][0]["outcome"]["error"].as_str().unwrap().to_string();
    assert!(error.contains("could not take the run lock") && error.contains("run feedf00d"), "{error}");
    assert!(error.contains(&format!("delete the label `{LOCK}`")), "{error}");
    assert!(all_issues(&ctx).is_empty(), "created without the lock");
    let looks = requests_to(&ctx, "GET", "/api/v4/projects/:id/labels/:name");
    assert!(looks >= 2, "did not wait and look again: {looks}");
    assert_eq!(ctx.fake.writes(), requests_to(&ctx, "POST", "/api/v4/projects/:id/labels"), "only lock attempts");
    assert_eq!(
        lock_labels(&ctx)[0].description.as_deref(),
        Some(description.as_str()),
        "the other run's lock was touched"
    );
}

// Regression (N6): anyone who may manage labels made `onboarder-run-lock` with an expiry in 2099
// (or none), and every run waited 20 minutes and then failed all its writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_onboarder_did_not_seal_is_removed_at_once_and_the_run_goes_ahead() {
    for forged in ["run: feedf00d\nexpires: 2099-01-01T00:00:00Z\n", "do not touch", ""] {
        let ctx = Ctx::new().await;
        ctx.fake.human_create_label(TRAINING, LOCK, "#dc143c", forged);
        let started = std::time::Instant::now();
        let out = ctx.sync(&[]).await.ok();
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "it waited for a forged lock");
        assert!(out.stderr().contains("onboarder did not seal it"), "{}", out.stderr());
        assert!(!out.stderr().contains("waiting up to"), "{}", out.stderr());
        assert_eq!(all_issues(&ctx).len(), 9);
        assert!(lock_labels(&ctx).is_empty(), "{:?}", lock_labels(&ctx));
    }
    // A lock sealed with the key, but for another project, is no better.
    let ctx = Ctx::new().await;
    let seal = Seal::new(STATE_KEY, None).unwrap();
    let other =
        onboarder::sync::lock_description("feedf00d", (Utc::now(), Utc::now() + Duration::minutes(10)), &seal, 1, LOCK);
    ctx.fake.human_create_label(TRAINING, LOCK, "#dc143c", &other);
    let out = ctx.sync(&[]).await.ok();
    assert!(out.stderr().contains("onboarder did not seal it"), "{}", out.stderr());
    assert_eq!(all_issues(&ctx).len(), 9);
}

// Regression (issue 23): a group above the project had a label named like the lock. The create
// answered 409, the look found the group label, the delete answered 404, and every run waited
// twenty minutes and failed "busy".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_label_named_like_the_lock_is_stepped_around() {
    let ctx = Ctx::new().await;
    ctx.fake.add_group_label("gitlab-com", LOCK, "#000000", "a group's own label");
    let started = std::time::Instant::now();
    let out = ctx.sync(&[]).await.ok();
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "it waited for a group label");
    let pid = ctx.fake.project_id(TRAINING).unwrap();
    assert!(out.stderr().contains(&format!("the run lock is `{LOCK}-{pid}` there")), "{}", out.stderr());
    assert_eq!(all_issues(&ctx).len(), 9);
    assert!(lock_labels(&ctx).is_empty(), "this run's lock was left behind: {:?}", lock_labels(&ctx));
    assert_eq!(ctx.fake.group_labels("gitlab-com").len(), 1, "the group's label is the group's");
}

// Issue 23: two runs racing for the lock. GitLab's loser gets a 500 (the unique index refuses the
// second insert), not a 409; the run then reads who holds it and acts on that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_race_for_the_lock_with_a_500_is_a_lock_held_not_a_failure() {
    let ctx = Ctx::new().await;
    let winner = sealed_lock(&ctx, "racer", Duration::minutes(30), Duration::minutes(10));
    ctx.fake.lose_next_label_create_race(TRAINING, LOCK, "#dc143c", &winner);
    let out = ctx.sync(&[]).await.ok();
    let fivehundreds = ctx.fake.requests().iter().filter(|r| r.route.ends_with("/labels") && r.status == 500).count();
    assert_eq!(fivehundreds, 1, "the race was not run: {:?}", ctx.fake.requests());
    assert!(out.stderr().contains("racer"), "{}", out.stderr());
    assert_eq!(all_issues(&ctx).len(), 9);
    assert!(lock_labels(&ctx).is_empty());
}

// Regression (N7): the lock's lifetime counted creates but not comments paced at 60 a minute,
// so a second run removed a live lock as "left behind" and comments were posted twice. The holder
// now renews its lease while it writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_holder_renews_its_lease_while_it_writes_and_another_run_waits() {
    let ctx = Ctx::new().await;
    // One request at a time, each slow: the first run writes for several leases.
    let config = ctx.read("onboarder.yaml");
    ctx.write("onboarder.yaml", &format!("{config}\nconcurrency: 1\n"));
    ctx.fake.set_latency(std::time::Duration::from_millis(400));
    let lease = [("ONBOARDER_LOCK_LEASE_SECONDS", "4")];
    let first = sync_with(&ctx, &lease, &[]);
    let second = async {
        // Starts while the first writes; it reaches the lock after the first's first lease.
        tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
        sync_with(&ctx, &lease, &[]).await
    };
    let (a, b) = tokio::join!(first, second);
    assert_eq!((a.code(), b.code()), (0, 0), "{}\n{}", a.stderr(), b.stderr());
    let renewals = requests_to(&ctx, "PUT", "/api/v4/projects/:id/labels/:name");
    assert!(renewals >= 1, "the lease was never renewed: {:?}", ctx.fake.requests());
    // The test means something only if the second run met the first one's lock.
    assert!(b.stderr().contains("another onboarder run is writing"), "the runs did not overlap: {}", b.stderr());
    assert!(
        !b.stderr().contains("stopped run left behind"),
        "a live lock was taken for a crashed one:\n{}\n---\n{}\n{:?}",
        a.stderr(),
        b.stderr(),
        ctx.fake.requests().iter().map(|r| format!("{} {} {}", r.method, r.path, r.status)).collect::<Vec<_>>()
    );
    assert!(by_key(&ctx).values().all(|n| *n == 1), "{:?}", by_key(&ctx));
    assert!(lock_labels(&ctx).is_empty());
}
