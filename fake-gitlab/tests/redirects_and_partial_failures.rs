//! Answers a proxy or a flaky network gives: redirects (with a recorder as their target),
//! pagination headers stripped, and writes that land although the answer was an error.

mod common;

use common::{header, json, Env, PROJECT, TOKEN};
use std::time::Duration;

use fake_gitlab::{Fault, FaultKind, Matcher, Recorder};
use serde_json::json;

const ISSUES: &str = "/api/v4/projects/:id/issues";
const ISSUE: &str = "/api/v4/projects/:id/issues/:iid";

#[tokio::test]
async fn redirect_faults_answer_before_any_side_effect() {
    let env = Env::default().await;
    let recorder = Recorder::start().await;
    let target = format!("{}/elsewhere", recorder.url());
    for status in [301, 302, 307, 308] {
        let kind = FaultKind::Redirect { status, location: target.clone() };
        env.fake.inject(Fault::new(Matcher::route("POST", ISSUES), kind));
        let no_follow = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = no_follow
            .post(env.api("/projects/{p}/issues"))
            .header("PRIVATE-TOKEN", TOKEN)
            .form(&[("title", "t")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(header(&r, "Location").as_deref(), Some(target.as_str()));
    }
    assert!(env.fake.issues(PROJECT).is_empty());
    assert!(recorder.calls().is_empty());
}

#[tokio::test]
async fn the_recorder_sees_a_followed_token() {
    let env = Env::default().await;
    let recorder = Recorder::start().await;
    let location = format!("{}/api/v4/projects/x/issues?a=1", recorder.url());
    env.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::Redirect { status: 307, location }));
    // reqwest follows a 307 to another origin and keeps PRIVATE-TOKEN: the leak a client must avoid.
    let r = env.post("/projects/{p}/issues", &[("title", "secret body")]).await;
    assert_eq!(json(r).await, (200, json!({})));
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str(), calls[0].query.as_str()),
        ("POST", "/api/v4/projects/x/issues", "a=1")
    );
    assert_eq!(calls[0].header("private-token"), Some(TOKEN));
    assert_eq!(calls[0].body, "title=secret+body");
    assert!(env.fake.issues(PROJECT).is_empty());
}

#[tokio::test]
async fn stripped_pagination_headers_keep_link() {
    let env = Env::default().await;
    for n in 0..5 {
        env.fake.human_create_issue(PROJECT, env.bot, &format!("i{n}"), "", &[]);
    }
    env.fake.inject(Fault::new(Matcher::route("GET", ISSUES), FaultKind::StripPaginationHeaders));
    let r = env.get("/projects/{p}/issues?per_page=2&page=2&state=opened").await;
    for name in ["X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "X-Total", "X-Total-Pages"] {
        assert_eq!(header(&r, name), None, "{name}");
    }
    let link = header(&r, "Link").expect("Link is kept");
    let base = format!("{}/api/v4/projects/gitlab-com%2Fsupport%2Fsupport-training/issues", env.fake.base_url());
    assert!(link.contains(&format!("<{base}?page=3&per_page=2&state=opened>; rel=\"next\"")), "{link}");
    assert!(link.contains(&format!("<{base}?page=1&per_page=2&state=opened>; rel=\"prev\"")), "{link}");
    assert_eq!(json(r).await.1.as_array().unwrap().len(), 2);
    // The next request is answered normally again.
    let r = env.get("/projects/{p}/issues?per_page=2&page=3").await;
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some(""));
    assert!(!header(&r, "Link").unwrap().contains("rel=\"next\""));
}

#[tokio::test]
async fn a_write_can_land_and_still_be_answered_an_error() {
    let env = Env::default().await;
    env.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::LandThenStatus(502)));
    let r = env.post("/projects/{p}/issues", &[("title", "landed")]).await;
    assert_eq!(r.status().as_u16(), 502);
    assert_eq!(env.fake.issues(PROJECT).len(), 1, "the create happened");

    env.fake.inject(Fault::new(Matcher::route("PUT", ISSUE), FaultKind::LandThenStatus(429)));
    let (status, body) = json(env.put("/projects/{p}/issues/1", &[("title", "edited")]).await).await;
    assert_eq!(status, 429);
    assert_eq!(body["message"]["error"], "This endpoint has been requested too many times. Try again later.");
    assert_eq!(env.fake.issue(PROJECT, 1).unwrap().title, "edited");
    let statuses: Vec<u16> = env.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 429]);
    assert_eq!(env.fake.rate_limited(), 1);
}

#[tokio::test]
async fn a_create_slower_than_the_client_timeout_still_lands() {
    let env = Env::default().await;
    env.fake.inject(Fault::new(Matcher::route("POST", ISSUES), FaultKind::Latency(Duration::from_millis(400))));
    let quick = reqwest::Client::builder().timeout(Duration::from_millis(100)).build().unwrap();
    let err = quick
        .post(env.api("/projects/{p}/issues"))
        .header("PRIVATE-TOKEN", TOKEN)
        .form(&[("title", "late")])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert!(env.fake.issues(PROJECT).is_empty(), "not yet");
    // GitLab finishes a request whose client went away: the issue appears afterwards.
    for _ in 0..50 {
        if !env.fake.issues(PROJECT).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(env.fake.issues(PROJECT).len(), 1);
}

#[tokio::test]
async fn a_proxy_can_strip_every_paging_header_link_included() {
    let env = Env::default().await;
    for n in 0..3 {
        env.fake.human_create_issue(PROJECT, env.bot, &format!("i{n}"), "", &[]);
    }
    env.fake.inject(Fault::new(Matcher::route("GET", ISSUES), FaultKind::StripAllPaginationHeaders));
    let r = env.get("/projects/{p}/issues?per_page=2").await;
    for name in ["X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "X-Total", "X-Total-Pages", "Link"] {
        assert_eq!(header(&r, name), None, "{name}");
    }
    assert_eq!(json(r).await.1.as_array().unwrap().len(), 2, "a full page, and nothing says whether more follow");
    let r = env.get("/projects/{p}/issues?per_page=2").await;
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some("2"), "the next request is answered normally again");
}
