//! Faults and hostile conditions: a flaky or throttling GitLab, answers that never come, people
//! editing issues while a run is under way, mangled managed regions, concurrent runs, hostile
//! text in the roster, and the token never leaking.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use fake_gitlab::{Fault, FaultKind, Issue, Matcher};

use crate::support::{Ctx, META, TODAY, TOKEN, TRAINING};

const ISSUES: &str = "/api/v4/projects/:id/issues";
const ISSUE: &str = "/api/v4/projects/:id/issues/:iid";

/// Appends top-level settings to the context's `onboarder.yaml`.
fn configure(ctx: &Ctx, extra: &str) {
    let s = ctx.read("onboarder.yaml");
    ctx.write("onboarder.yaml", &format!("{s}\n{extra}\n"));
}

fn all_issues(ctx: &Ctx) -> Vec<Issue> {
    let mut v = ctx.issues(TRAINING);
    v.extend(ctx.issues(META));
    v
}

/// The keys of the managed regions in a description.
fn keys(description: &str) -> Vec<String> {
    description
        .match_indices("<!-- onboarder:begin ")
        .map(|(i, m)| description[i + m.len()..].split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

/// Issues per key, over both projects; asserts every issue has exactly one key.
fn by_key(ctx: &Ctx) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for i in all_issues(ctx) {
        let k = keys(&i.description);
        assert_eq!(k.len(), 1, "{}: {:?}", i.title, k);
        *out.entry(k[0].clone()).or_default() += 1;
    }
    out
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

/// The id of the first unchecked checklist item of an issue.
fn first_unchecked(issue: &Issue) -> String {
    let line = issue
        .description
        .lines()
        .find(|l| l.trim_start().starts_with("- [ ]") && l.contains("<!-- id: "))
        .unwrap_or_else(|| panic!("{} has no unchecked item", issue.title));
    let id = line.split("<!-- id: ").nth(1).unwrap().split_whitespace().next().unwrap();
    format!("<!-- id: {id} -->")
}

fn route_count(ctx: &Ctx, method: &str, route: &str) -> usize {
    ctx.fake.requests().iter().filter(|r| r.method == method && r.route == route).count()
}

fn no_panic(run: &crate::support::Run) {
    let all = format!("{}{}", run.stdout(), run.stderr());
    assert!(!all.contains("panicked") && !all.contains("RUST_BACKTRACE"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_server_errors_leave_one_issue_per_key_after_a_rerun_and_keep_a_tick() {
    let ctx = Ctx::new().await;
    ctx.fake.random_failures(0.1, 7);
    let first = ctx.sync(&[]).await;
    no_panic(&first);
    assert!(matches!(first.code(), 0 | 1), "exit {}: {}", first.code(), first.stderr());
    if first.code() == 1 {
        assert!(first.stderr().contains("fail"), "exit 1 without naming failures:\n{}", first.stderr());
    }
    assert!(
        ctx.fake.requests().iter().any(|r| r.status >= 500),
        "no injected failure was served: the test exercised nothing"
    );
    ctx.fake.clear_faults();

    // A person ticks an item between the runs, in an issue the first run made.
    let issue = ctx.issues(TRAINING).into_iter().next().expect("the first run created no training issue");
    let id = first_unchecked(&issue);
    ctx.fake.human_edit(TRAINING, issue.iid, |i| assert!(i.set_task(&id, true)));

    ctx.sync(&[]).await.ok();
    assert_eq!((ctx.issues(TRAINING).len(), ctx.issues(META).len()), (8, 1));
    assert!(by_key(&ctx).values().all(|n| *n == 1), "{:?}", by_key(&ctx));
    let after = ctx.fake.issue(TRAINING, issue.iid).unwrap();
    assert!(line_with(&after.description, &id).contains("[x]"), "the tick was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_with_retry_after_is_waited_out_and_retried_exactly_once_each() {
    let baseline = Ctx::new().await;
    baseline.sync(&[]).await.ok();
    let listings = route_count(&baseline, "GET", ISSUES);
    assert_eq!(baseline.fake.rate_limited(), 0);

    let ctx = Ctx::new().await;
    ctx.fake.inject(Fault::new(Matcher::route("GET", ISSUES), FaultKind::Throttle { retry_after_secs: 1 }).times(2));
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.rate_limited(), 2);
    assert_eq!(route_count(&ctx, "GET", ISSUES), listings + 2, "{:?}", ctx.fake.requests());
    assert_eq!(all_issues(&ctx).len(), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_limit_on_creates_is_backed_off_and_retried() {
    let ctx = Ctx::new().await;
    configure(&ctx, "rate_limits:\n  window_seconds: 1");
    ctx.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::ApplicationLimit).times(2));
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.rate_limited(), 2);
    assert_eq!(all_issues(&ctx).len(), 9);
    // Nine issues and the two refused (the run lock is a label, not an issue).
    assert_eq!(route_count(&ctx, "POST", ISSUES), 9 + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_lands_but_never_answers_is_not_duplicated() {
    let ctx = Ctx::new().await;
    configure(&ctx, "request_timeout_seconds: 1");
    ctx.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::LandThenHang));
    let first = ctx.sync(&[]).await;
    no_panic(&first);
    assert!(matches!(first.code(), 0 | 1), "exit {}: {}", first.code(), first.stderr());
    assert_eq!(all_issues(&ctx).len(), 9, "{:?}", all_issues(&ctx).iter().map(|i| &i.title).collect::<Vec<_>>());
    // The lost answer was looked for (a listing of our own recent issues), and not created again.
    let looked = ctx.fake.requests().iter().any(|r| {
        r.route == ISSUES && r.method == "GET" && r.query.contains("author_id=") && r.query.contains("created_after=")
    });
    assert!(looked, "no look for the issue whose answer was lost");
    assert_eq!(route_count(&ctx, "POST", ISSUES), 9, "a create was sent twice");
    ctx.sync(&[]).await.ok();
    assert_eq!(all_issues(&ctx).len(), 9);
    assert!(by_key(&ctx).values().all(|n| *n == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_or_plain_http_gitlab_exits_2_with_one_clear_message() {
    let ctx = Ctx::new().await;
    configure(&ctx, "max_retries: 1");
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let out = ctx.run_env(&["sync", "--today", TODAY], &[("GITLAB_URL", &url), ("GITLAB_TOKEN", TOKEN)]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    no_panic(&out);
    assert!(out.stderr().contains(&format!("127.0.0.1:{port}")), "{}", out.stderr());

    let out = ctx
        .run_env(&["sync", "--today", TODAY], &[("GITLAB_URL", "http://gitlab.example.com"), ("GITLAB_TOKEN", TOKEN)])
        .await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    no_panic(&out);
    let err = out.stderr();
    assert!(err.contains("gitlab.example.com") && err.contains("plain http") && err.contains("only"), "{err}");

    // A name that does not resolve.
    let out = ctx
        .run_env(
            &["sync", "--today", TODAY],
            &[("GITLAB_URL", "https://gitlab.nonexistent.invalid"), ("GITLAB_TOKEN", TOKEN)],
        )
        .await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    no_panic(&out);
    assert!(
        out.stderr().contains("gitlab.nonexistent.invalid") && out.stderr().contains("nothing was written"),
        "{}",
        out.stderr()
    );

    // TLS to a server that does not speak it: a handshake failure, not ignored.
    let url = format!("https://{}", ctx.fake.host());
    let out = ctx.run_env(&["sync", "--today", TODAY], &[("GITLAB_URL", &url), ("GITLAB_TOKEN", TOKEN)]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    no_panic(&out);
    assert!(out.stderr().contains("cannot reach GitLab"), "{}", out.stderr());
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_deleted_between_listing_and_writing_fails_only_that_person() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let praman = ctx.issue_of(TRAINING, "Priya Raman");
    ctx.fake.before_request(Matcher::route("GET", ISSUE), move |fake| fake.delete_issue(TRAINING, praman.iid));
    // Past Priya's due date: her pace moves to overdue and a comment is owed (a write).
    let out = ctx.run(&["sync", "--today", "2027-01-10", "--format", "json"]).await;
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let doc = out.json();
    let actions = doc["actions"].as_array().unwrap();
    let failed: Vec<&str> = actions
        .iter()
        .filter(|a| a["outcome"]["status"] == "failed")
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["praman"]);
    let error = actions.iter().find(|a| a["username"] == "praman").unwrap()["outcome"]["error"].to_string();
    assert!(error.contains("deleted or moved"), "{error}");
    let done = actions.iter().filter(|a| a["outcome"]["status"] == "done").count();
    assert!(done >= 1, "nobody else was updated: {doc}");
    for a in actions.iter().filter(|a| a["username"] != "praman" && !a["outcome"].is_null()) {
        assert_eq!(a["outcome"]["status"], "done", "{a}");
    }
    assert_eq!(ctx.issues(TRAINING).len(), 7, "the deleted issue was recreated or another lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_made_between_listing_and_writing_is_kept() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let aroha = ctx.issue_of(TRAINING, "Aroha Ngata");
    let id = "<!-- id: ninety-day-checkin -->";
    assert!(line_with(&aroha.description, id).contains("[ ]"));
    let ticked = Arc::new(AtomicBool::new(false));
    let flag = ticked.clone();
    ctx.fake.before_request(Matcher::route("GET", ISSUE), move |fake| {
        fake.human_edit(TRAINING, aroha.iid, |i| flag.store(i.set_task(id, true), Ordering::SeqCst));
    });
    // Aroha completes a module: onboarder writes her issue, and she ticks an item meanwhile.
    ctx.edit("roster/angata.yaml", "modules: []", "modules: [GitLab Omnibus]");
    ctx.sync(&[]).await.ok();
    assert!(ticked.load(Ordering::SeqCst), "the hook did not run or found no item");
    let after = ctx.fake.issue(TRAINING, aroha.iid).unwrap();
    assert!(line_with(&after.description, "id: module-omnibus-gitlab").contains("[x]"), "the sync did not write");
    assert!(line_with(&after.description, id).contains("[x]"), "the tick made during the run was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mangled_state_block_or_markers_are_repaired_keeping_ticks_and_text() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let cases: [(&str, &[&str]); 3] = [
        ("Priya Raman", &["<!-- onboarder:state "]),
        ("Aroha Ngata", &["<!-- onboarder:begin "]),
        ("Grace Mwangi", &["<!-- onboarder:begin ", "<!-- onboarder:end -->", "<!-- onboarder:state "]),
    ];
    let mut edited = Vec::new();
    for (name, drop) in cases {
        let issue = ctx.issue_of(TRAINING, name);
        let id = first_unchecked(&issue);
        let text = format!("Notes from {name}: keep me.");
        ctx.fake.human_edit(TRAINING, issue.iid, |i| {
            assert!(i.set_task(&id, true));
            for d in drop {
                assert_eq!(i.description.matches(d).count(), 1, "{name}: {d}");
                i.description = i.description.lines().filter(|l| !l.contains(d)).collect::<Vec<_>>().join("\n");
            }
            i.description.push_str(&format!("\n\n{text}\n"));
        });
        edited.push((name, issue.iid, id, text));
    }

    let out = ctx.sync(&[]).await;
    no_panic(&out);
    let out = out.ok();
    assert_eq!(all_issues(&ctx).len(), 9, "{}", out.stdout());
    for (name, iid, id, text) in &edited {
        let d = ctx.fake.issue(TRAINING, *iid).unwrap().description;
        assert!(line_with(&d, id).contains("[x]"), "{name}: the tick was lost:\n{d}");
        assert!(d.contains(text.as_str()), "{name}: the person's text was lost:\n{d}");
        for marker in ["<!-- onboarder:begin ", "<!-- onboarder:end -->", "<!-- onboarder:state "] {
            assert_eq!(d.matches(marker).count(), 1, "{name}: {marker}:\n{d}");
        }
    }
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(all_issues(&ctx).len(), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_leave_at_most_one_open_issue_per_key() {
    let ctx = Ctx::new().await;
    let (a, b) = tokio::join!(ctx.sync(&[]), ctx.sync(&[]));
    no_panic(&a);
    no_panic(&b);
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    for i in all_issues(&ctx).into_iter().filter(|i| i.is_open() && i.labels.iter().any(|l| l == "onboarder")) {
        for k in keys(&i.description) {
            *open.entry(k).or_default() += 1;
        }
    }
    assert!(open.values().all(|n| *n == 1), "{open:?}");
    ctx.sync(&[]).await.ok();
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    for i in all_issues(&ctx).into_iter().filter(|i| i.is_open() && i.labels.iter().any(|l| l == "onboarder")) {
        for k in keys(&i.description) {
            *open.entry(k).or_default() += 1;
        }
    }
    assert_eq!(open.len(), 9, "{open:?}");
    assert!(open.values().all(|n| *n == 1), "{open:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_a_name_runs_no_quick_action_and_mentions_nobody() {
    let ctx = Ctx::new().await;
    let hostile = "Priya /close\n/assign @someone @all @gitlab-com/support #123 <!-- onboarder:end --> --> \
                   ## Heading - [x] fake {{person.name}} \u{202E}evil\u{200B}";
    let yaml_name = serde_json::to_string(hostile).unwrap();
    ctx.edit("roster/praman.yaml", "name: Priya Raman", &format!("name: {yaml_name}"));
    let out = ctx.sync(&[]).await;
    no_panic(&out);
    out.ok();
    assert!(ctx.fake.quick_actions().is_empty(), "{:?}", ctx.fake.quick_actions());
    let bad: Vec<_> = ctx
        .fake
        .mentions()
        .into_iter()
        .filter(|m| {
            let t = m.text.to_lowercase();
            t == "@someone" || t == "@all" || t.starts_with("@gitlab-com") || t == "#123"
        })
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    let issue = ctx.issue_of(TRAINING, "Priya");
    assert!(issue.title.contains("Priya /close"), "{}", issue.title);
    assert!(issue.is_open());
    assert_eq!(keys(&issue.description).len(), 1, "{}", issue.description);
    assert_eq!(issue.description.matches("<!-- onboarder:end -->").count(), 1, "{}", issue.description);
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_appears_in_no_output_and_only_in_the_auth_header() {
    let ctx = Ctx::new().await;
    let mut runs = Vec::new();
    for verbose in [false, true] {
        let v: &[&str] = if verbose { &["-v"] } else { &[] };
        for args in [
            vec!["check"],
            vec!["plan", "--today", TODAY, "--format", "json"],
            vec!["sync", "--today", TODAY, "--dry-run"],
            vec!["sync", "--today", TODAY],
        ] {
            let mut args = args.clone();
            args.extend_from_slice(v);
            runs.push((args.join(" "), ctx.run(&args).await));
        }
    }
    ctx.fake.revoke_token(TOKEN);
    for v in [&[][..], &["-v"][..]] {
        let mut args = vec!["sync", "--today", "2026-12-30"];
        args.extend_from_slice(v);
        let out = ctx.run(&args).await;
        assert_eq!(out.code(), 2, "{}", out.stderr());
        runs.push((args.join(" "), out));
    }
    for (args, out) in &runs {
        assert!(!out.stdout().contains(TOKEN), "{args}: token in stdout");
        assert!(!out.stderr().contains(TOKEN), "{args}: token in stderr");
        assert!(!out.stderr().contains("glpat-"), "{args}: token prefix in stderr");
    }
    let reqs = ctx.fake.requests();
    assert!(reqs.iter().any(|r| r.auth.as_deref() == Some(TOKEN)));
    for r in &reqs {
        assert!(!r.path.contains(TOKEN) && !r.query.contains(TOKEN) && !r.body.contains(TOKEN), "{r:?}");
        assert!(!r.other_headers.iter().any(|(k, v)| k.contains(TOKEN) || v.contains(TOKEN)), "{r:?}");
    }
}
