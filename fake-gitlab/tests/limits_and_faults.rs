//! HTTP tests of the fake's rate limits (both 429s), injected faults, hooks, latency and shutdown.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{header, json, Env, PROJECT};
use fake_gitlab::{Fault, FaultKind, Limit, Matcher, Options};
use serde_json::json;

/// A window so long that no boundary falls inside a test.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
const ISSUES: &str = "/api/v4/projects/:id/issues";

#[tokio::test]
async fn application_limits_answer_json_429_without_headers() {
    let env = Env::start(Options {
        issue_create_limit: Some(Limit::new(2, FOREVER)),
        note_create_limit: Some(Limit::new(1, FOREVER)),
        ..Options::default()
    })
    .await;
    env.create(&[("title", "1")]).await;
    env.create(&[("title", "2")]).await;
    let r = env.post("/projects/{p}/issues", &[("title", "3")]).await;
    assert_eq!(header(&r, "Retry-After"), None);
    assert_eq!(header(&r, "RateLimit-Limit"), None);
    let (status, body) = json(r).await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        json!({"message": {"error": "This endpoint has been requested too many times. Try again later."}})
    );
    assert_eq!(env.fake.issues(PROJECT).len(), 2, "no side effect");

    let notes = "/projects/{p}/issues/1/notes";
    assert_eq!(env.post(notes, &[("body", "a")]).await.status(), 201);
    assert_eq!(env.post(notes, &[("body", "/close")]).await.status(), 429);
    assert!(env.fake.issue(PROJECT, 1).unwrap().is_open(), "a limited note runs no command");
    assert_eq!(env.fake.notes(PROJECT, 1).len(), 1);
    assert_eq!(env.fake.rate_limited(), 2);
    // Reads are not limited by these.
    assert_eq!(env.get("/projects/{p}/issues").await.status(), 200);
}

#[tokio::test]
async fn throttle_answers_plain_text_429_with_headers() {
    let env = Env::start(Options { request_throttle: Some(Limit::new(3, FOREVER)), ..Options::default() }).await;
    let r = env.get("/user").await;
    assert_eq!(header(&r, "RateLimit-Remaining").as_deref(), Some("2"));
    assert!(header(&r, "RateLimit-Limit").is_some());
    assert!(header(&r, "RateLimit-Reset").is_some());
    assert_eq!(header(&r, "Retry-After"), None);
    env.get("/user").await;
    env.create(&[("title", "third request")]).await;

    let r = env.post("/projects/{p}/issues", &[("title", "throttled")]).await;
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = header(&r, "Retry-After").unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(header(&r, "RateLimit-Remaining").as_deref(), Some("0"));
    assert!(header(&r, "RateLimit-ResetTime").unwrap().ends_with("GMT"));
    assert!(header(&r, "content-type").unwrap().starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap().trim(), "Retry later");
    assert_eq!(env.fake.issues(PROJECT).len(), 1, "no side effect");
    assert_eq!(env.fake.rate_limited(), 1);
}

#[tokio::test]
async fn throttle_window_resets() {
    let env =
        Env::start(Options { request_throttle: Some(Limit::new(1, Duration::from_millis(300))), ..Options::default() })
            .await;
    let mut throttled = false;
    for _ in 0..10 {
        if env.get("/user").await.status() == 429 {
            throttled = true;
            break;
        }
    }
    assert!(throttled);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(env.get("/user").await.status(), 200);
}

#[tokio::test]
async fn injected_statuses_have_gitlab_bodies_and_no_side_effect() {
    let env = Env::default().await;
    let f = &env.fake;
    f.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::Status(500)));
    f.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::Status(502)));
    f.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::Status(503)));
    f.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::ApplicationLimit));
    f.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::Throttle { retry_after_secs: 7 }));

    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", "t")]).await).await;
    assert_eq!((status, body), (500, json!({"message": "500 Internal Server Error"})));
    let r = env.post("/projects/{p}/issues", &[("title", "t")]).await;
    assert_eq!(r.status().as_u16(), 502);
    assert!(header(&r, "content-type").unwrap().starts_with("text/html"));
    let r = env.post("/projects/{p}/issues", &[("title", "t")]).await;
    assert_eq!(r.status().as_u16(), 503);
    assert!(header(&r, "content-type").unwrap().starts_with("text/plain"));
    let r = env.post("/projects/{p}/issues", &[("title", "t")]).await;
    assert_eq!((r.status().as_u16(), header(&r, "Retry-After")), (429, None));
    let r = env.post("/projects/{p}/issues", &[("title", "t")]).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(header(&r, "Retry-After").as_deref(), Some("7"));

    assert!(f.issues(PROJECT).is_empty());
    assert_eq!(f.rate_limited(), 2);
    assert_eq!(f.writes(), 5);
    env.create(&[("title", "now it works")]).await;
}

#[tokio::test]
async fn hangs_and_dropped_connections() {
    let env = Env::default().await;
    let quick = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let issues = env.api("/projects/{p}/issues");

    // Lands, then never answers: the client times out but the issue exists.
    env.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::LandThenHang));
    let err = quick
        .post(&issues)
        .header("PRIVATE-TOKEN", common::TOKEN)
        .form(&[("title", "landed")])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(env.fake.issues(PROJECT).len(), 1);

    // Hangs before handling: timeout and no side effect.
    env.fake.inject(Fault::new(Matcher::method("POST"), FaultKind::HangBeforeHandling));
    let err = quick
        .post(&issues)
        .header("PRIVATE-TOKEN", common::TOKEN)
        .form(&[("title", "never")])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());

    // Connection dropped: an error that is not a timeout, and no side effect.
    env.fake.inject(Fault::new(Matcher::path_contains("/issues"), FaultKind::CloseConnection));
    let started = Instant::now();
    let err = quick
        .post(&issues)
        .header("PRIVATE-TOKEN", common::TOKEN)
        .form(&[("title", "dropped")])
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!(env.fake.issues(PROJECT).len(), 1);

    let statuses: Vec<u16> = env.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 0, 0]);
}

#[tokio::test]
async fn random_failures_are_seeded_and_side_effect_free() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let env = Env::default().await;
        env.fake.random_failures(0.5, 42);
        let mut statuses = Vec::new();
        for n in 0..20 {
            let r = env.post("/projects/{p}/issues", &[("title", &n.to_string())]).await;
            statuses.push(r.status().as_u16());
        }
        let created = statuses.iter().filter(|&&s| s == 201).count();
        assert_eq!(env.fake.issues(PROJECT).len(), created);
        assert!(statuses.iter().all(|s| [201, 500, 502, 503].contains(s)));
        assert!(created > 0 && created < 20, "{statuses:?}");
        env.fake.clear_faults();
        env.create(&[("title", "after")]).await;
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn before_request_hook_runs_once_before_handling() {
    let env = Env::default().await;
    let iid = env.create(&[("title", "t"), ("labels", "bot")]).await["iid"].as_u64().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    env.fake.before_request(Matcher::route("PUT", "/api/v4/projects/:id/issues/:iid"), move |fake| {
        seen.fetch_add(1, Ordering::SeqCst);
        fake.human_edit(PROJECT, 1, |i| i.labels.push("human".into()));
    });
    let path = format!("/projects/{{p}}/issues/{iid}");
    let (_, body) = json(env.put(&path, &[("add_labels", "done")]).await).await;
    assert_eq!(body["labels"], json!(["bot", "done", "human"]));
    env.put(&path, &[("add_labels", "again")]).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn latency_is_added() {
    let env = Env::default().await;
    env.fake.set_latency(Duration::from_millis(150));
    let started = Instant::now();
    env.get("/user").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    env.fake.set_latency(Duration::ZERO);
    env.fake.inject(Fault::new(Matcher::any(), FaultKind::Latency(Duration::from_millis(100))));
    let started = Instant::now();
    assert_eq!(env.get("/user").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[tokio::test]
async fn shutdown_and_last_drop_stop_the_server() {
    let env = Env::default().await;
    let url = env.api("/user");
    env.fake.shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(reqwest::get(&url).await.is_err());

    let env = Env::default().await;
    let url = env.api("/user");
    let Env { fake, .. } = env;
    let copy = fake.clone();
    drop(fake);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 401, "a clone keeps it alive");
    drop(copy);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(reqwest::get(&url).await.is_err());
}
