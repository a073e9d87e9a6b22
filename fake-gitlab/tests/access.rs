//! Who may do what, as GitLab decides it: roles, token reach, blocked users, token details, and
//! a first request that is refused or rate limited.

mod common;

use chrono::{Duration, Utc};
use common::{json, Env, ENCODED, PROJECT, TOKEN};
use fake_gitlab::{unused_port, Fault, FaultKind, Matcher, Role};
use serde_json::json;

const OTHER: &str = "gitlab-com/support/support-team-meta";

#[tokio::test]
async fn guest_writes_land_without_metadata() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice").to_string();
    env.fake.set_role(env.bot, PROJECT, Role::Guest);
    let form = [
        ("title", "t"),
        ("description", "text\n/label ~x\n/due 2031-01-01"),
        ("labels", "onboarding"),
        ("assignee_ids[]", alice.as_str()),
        ("due_date", "2030-01-31"),
        ("milestone_id", "7"),
    ];
    let created = env.create(&form).await;
    assert_eq!(created["title"], "t");
    assert_eq!(created["description"], "text", "commands are stripped, not run");
    assert_eq!(created["labels"], json!([]));
    assert_eq!(created["assignees"], json!([]));
    assert_eq!(created["due_date"], json!(null));
    assert!(env.fake.quick_actions().is_empty());

    let path = format!("/projects/{{p}}/issues/{}", created["iid"]);
    let edit = [("title", "t2"), ("add_labels", "a"), ("assignee_id", alice.as_str()), ("due_date", "2030-02-01")];
    let (status, edited) = json(env.put(&path, &edit).await).await;
    assert_eq!(status, 200);
    assert_eq!(edited["title"], "t2");
    assert_eq!((edited["labels"].clone(), edited["assignees"].clone()), (json!([]), json!([])));
    assert_eq!(edited["due_date"], json!(null));

    // A Planner (or Reporter) may set them.
    env.fake.set_role(env.bot, PROJECT, Role::Planner);
    let (_, edited) = json(env.put(&path, &edit).await).await;
    assert_eq!(edited["labels"], json!(["a"]));
    assert_eq!(edited["assignees"][0]["username"], "alice");
}

#[tokio::test]
async fn a_project_token_sees_only_its_project() {
    let env = Env::default().await;
    let other_id = env.fake.add_project(OTHER);
    env.fake.limit_token_to_project(TOKEN, PROJECT);
    assert_eq!(env.get("/projects/{p}/issues").await.status(), 200);
    for path in [
        "/projects/gitlab-com%2Fsupport%2Fsupport-team-meta",
        "/projects/gitlab-com%2Fsupport%2Fsupport-team-meta/issues",
    ] {
        let (status, body) = json(env.get(path).await).await;
        assert_eq!((status, body), (404, json!({"message": "404 Project Not Found"})), "{path}");
    }
    let (status, _) = json(env.get(&format!("/projects/{other_id}")).await).await;
    assert_eq!(status, 404);
    let (status, _) = json(env.post(&format!("/projects/{other_id}/issues"), &[("title", "t")]).await).await;
    assert_eq!(status, 404);
    assert!(env.fake.issues(OTHER).is_empty());
}

#[tokio::test]
async fn project_lookup_is_case_insensitive_and_gives_the_id() {
    let env = Env::default().await;
    let (status, body) =
        json(env.get(&format!("/projects/{}", ENCODED.to_uppercase().replace("%2F", "%2f"))).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], env.project_id);
    assert_eq!(body["path_with_namespace"], PROJECT);
    assert_eq!(body["web_url"], format!("{}/{PROJECT}", env.fake.base_url()));
}

#[tokio::test]
async fn blocked_and_banned_users_are_not_found_nor_assignable() {
    let env = Env::default().await;
    let gone = env.fake.add_user("gone", "Gone").to_string();
    let banned = env.fake.add_user("banned", "Banned").to_string();
    let (_, found) = json(env.get("/users?username=gone").await).await;
    assert_eq!(found[0]["state"], "active");
    env.fake.block_user("gone");
    env.fake.ban_user("BANNED");
    assert_eq!(json(env.get("/users?username=gone").await).await.1, json!([]));
    assert_eq!(json(env.get("/users?username=banned").await).await.1, json!([]));
    let issue = env.create(&[("title", "t"), ("assignee_ids[]", &gone), ("assignee_ids[]", &banned)]).await;
    assert_eq!(issue["assignees"], json!([]));
    env.fake.unblock_user("gone");
    assert_eq!(json(env.get("/users?username=gone").await).await.1[0]["username"], "gone");
}

#[tokio::test]
async fn token_details_and_expiry() {
    let env = Env::default().await;
    let (status, body) = json(env.get("/personal_access_tokens/self").await).await;
    assert_eq!(status, 200);
    for key in ["id", "name", "revoked", "created_at", "scopes", "user_id", "expires_at", "active"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    assert_eq!((body["user_id"].clone(), body["expires_at"].clone()), (json!(env.bot), json!(null)));
    assert_eq!((body["active"].clone(), body["revoked"].clone()), (json!(true), json!(false)));
    assert_eq!(body["scopes"], json!(["api"]));

    let in_ten_days = (Utc::now() + Duration::days(10)).date_naive();
    env.fake.set_token_expiry(TOKEN, Some(in_ten_days));
    let (_, body) = json(env.get("/personal_access_tokens/self").await).await;
    assert_eq!(body["expires_at"], in_ten_days.format("%Y-%m-%d").to_string());

    env.fake.set_token_expiry(TOKEN, Some((Utc::now() - Duration::days(1)).date_naive()));
    let (status, body) = json(env.get("/user").await).await;
    assert_eq!((status, body["error_description"].clone()), (401, json!("Token has expired.")));
}

#[tokio::test]
async fn the_first_request_can_be_rate_limited() {
    let env = Env::default().await;
    env.fake.inject(Fault::new(Matcher::route("GET", "/api/v4/user"), FaultKind::Throttle { retry_after_secs: 2 }));
    let r = env.get("/user").await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(common::header(&r, "Retry-After").as_deref(), Some("2"));
    assert!(common::header(&r, "RateLimit-Reset").is_some());
    assert_eq!(env.fake.requests().len(), 1, "the very first request");
    assert_eq!(env.get("/user").await.status(), 200);
    assert_eq!(env.fake.rate_limited(), 1);
}

#[tokio::test]
async fn a_refused_connection_can_be_tested() {
    let port = unused_port();
    let err = reqwest::get(format!("http://127.0.0.1:{port}/api/v4/user")).await.expect_err("nothing listens");
    assert!(err.is_connect(), "{err}");
}
