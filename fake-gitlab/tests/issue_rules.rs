//! Issue rules GitLab applies that a client can trip over: assignee filtering, quick actions on
//! create, size limits, search, moves and renamed projects.

mod common;

use common::{json, Env, PROJECT};
use fake_gitlab::Options;
use serde_json::{json, Value};

const OTHER: &str = "gitlab-com/support/support-team-meta";

fn assignee_ids(issue: &Value) -> Vec<u64> {
    issue["assignees"].as_array().unwrap().iter().map(|u| u["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn free_keeps_the_first_id_sent_not_the_lowest() {
    let env = Env::start(Options { free_mode: true, ..Options::default() }).await;
    let low = env.fake.add_user("low", "Low");
    let high = env.fake.add_user("high", "High");
    assert!(low < high);
    let (h, l) = (high.to_string(), low.to_string());
    let issue = env.create(&[("title", "t"), ("assignee_ids[]", &h), ("assignee_ids[]", &l)]).await;
    assert_eq!(assignee_ids(&issue), [high]);
    let issue = env.create(&[("title", "t"), ("assignee_ids", &format!("{h},{l}"))]).await;
    assert_eq!(assignee_ids(&issue), [high]);
}

#[tokio::test]
async fn free_drops_everything_when_the_first_id_fails() {
    let env = Env::start(Options { free_mode: true, ..Options::default() }).await;
    let alice = env.fake.add_user("alice", "Alice").to_string();
    let issue = env.create(&[("title", "t"), ("assignee_ids[]", "999"), ("assignee_ids[]", &alice)]).await;
    assert_eq!(issue["assignees"], json!([]), "only the first id is checked, and it is unknown");
}

#[tokio::test]
async fn assignees_stay_when_no_requested_id_is_valid() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice");
    let bob = env.fake.add_user("bob", "Bob");
    env.fake.block_user("bob");
    let issue = env.create(&[("title", "t"), ("assignee_ids[]", &alice.to_string())]).await;
    let path = format!("/projects/{{p}}/issues/{}", issue["iid"]);
    for invalid in [vec!["999"], vec!["999", &bob.to_string()]] {
        let form: Vec<(&str, &str)> = invalid.iter().map(|id| ("assignee_ids[]", *id)).collect();
        let (status, body) = json(env.put(&path, &form).await).await;
        assert_eq!(status, 200);
        assert_eq!(assignee_ids(&body), [alice], "{invalid:?} is dropped: the assignees stay");
    }
    let (_, body) = json(env.put(&path, &[("assignee_id", "999")]).await).await;
    assert_eq!(assignee_ids(&body), [alice]);
    // Mixed: the valid ones are kept.
    env.fake.unblock_user("bob");
    let (_, body) =
        json(env.put(&path, &[("assignee_ids[]", "999"), ("assignee_ids[]", &bob.to_string())]).await).await;
    assert_eq!(assignee_ids(&body), [bob]);
    // Empty and 0 unassign.
    for unassign in [("assignee_ids", ""), ("assignee_ids[]", "0"), ("assignee_id", "0"), ("assignee_id", "")] {
        env.put(&path, &[("assignee_ids[]", &alice.to_string())]).await;
        let (_, body) = json(env.put(&path, &[unassign]).await).await;
        assert_eq!(body["assignees"], json!([]), "{unassign:?}");
    }
}

#[tokio::test]
async fn close_reopen_and_title_need_a_saved_issue() {
    let env = Env::default().await;
    env.fake.add_label(PROJECT, "x");
    let description = "Hello\n/close\n/title Other\n/reopen\n/label ~x";
    let issue = env.create(&[("title", "Kept"), ("description", description)]).await;
    assert_eq!(issue["description"], "Hello");
    assert_eq!((issue["state"].clone(), issue["title"].clone()), (json!("opened"), json!("Kept")));
    assert_eq!(issue["labels"], json!(["x"]), "other commands still run on create");
    let ran: Vec<String> = env.fake.quick_actions().into_iter().map(|q| q.command).collect();
    assert_eq!(ran, ["label"]);

    let path = format!("/projects/{{p}}/issues/{}", issue["iid"]);
    let (_, edited) = json(env.put(&path, &[("description", "Hello\n/title New\n/close")]).await).await;
    assert_eq!((edited["state"].clone(), edited["title"].clone()), (json!("closed"), json!("New")));
}

#[tokio::test]
async fn description_limit_is_one_mebibyte_in_bytes() {
    let env = Env::default().await;
    let exactly = "x".repeat(1_048_576);
    assert_eq!(env.post("/projects/{p}/issues", &[("title", "t"), ("description", &exactly)]).await.status(), 201);
    // 349,526 three-byte characters: under the limit in characters, over it in bytes.
    let wide = "€".repeat(349_526);
    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", "t"), ("description", &wide)]).await).await;
    assert_eq!(status, 400);
    assert_eq!(body, json!({"message": {"description": ["is too long (1 MB). The maximum size is 1 MB."]}}));
    let big = "x".repeat(1_153_434);
    let (_, body) = json(env.post("/projects/{p}/issues", &[("title", "t"), ("description", &big)]).await).await;
    assert_eq!(body["message"]["description"][0], "is too long (1.1 MB). The maximum size is 1 MB.");
    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", &"é".repeat(256))]).await).await;
    assert_eq!((status, body["message"]["title"][0].clone()), (400, json!("is too long (maximum is 255 characters)")));
    assert_eq!(env.post("/projects/{p}/issues", &[("title", &"é".repeat(255))]).await.status(), 201);
}

#[tokio::test]
async fn search_matches_words_not_substrings() {
    let env = Env::default().await;
    env.create(&[("title", "Onboarding: Alice"), ("description", "<!-- onboarder:key=alice-se -->")]).await;
    env.create(&[("title", "Onboarding: Bob"), ("description", "nothing")]).await;
    let titles = |v: Value| -> Vec<String> {
        let mut t: Vec<String> = v.as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().into()).collect();
        t.sort();
        t
    };
    let search = |q: &'static str| {
        let env = &env;
        async move { titles(json(env.get(&format!("/projects/{{p}}/issues?search={q}")).await).await.1) }
    };
    assert_eq!(search("onboard").await, ["Onboarding: Alice", "Onboarding: Bob"], "prefix of a word");
    assert!(search("boarding").await.is_empty(), "not a substring");
    assert_eq!(search("alice").await, ["Onboarding: Alice"]);
    // Latin text is searched in full text (IssuableFinder#use_full_text_search?): every term,
    // however short, must be a word prefix (pg_full_text_searchable.rb `build_tsquery`).
    assert!(search("xy%20alice").await.is_empty(), "every term counts");
    assert_eq!(search("onboarder%3Akey%3Dalice").await, ["Onboarding: Alice"]);
    assert_eq!(search("Al").await, ["Onboarding: Alice"], "a short term is a prefix too");
}

#[tokio::test]
async fn a_moved_issue_stays_closed_with_moved_to_id() {
    let env = Env::default().await;
    env.fake.add_project(OTHER);
    let alice = env.fake.add_user("alice", "Alice").to_string();
    let issue =
        env.create(&[("title", "t"), ("description", "- [ ] a"), ("labels", "l"), ("assignee_ids", &alice)]).await;
    assert_eq!(issue["moved_to_id"], json!(null));
    let iid = issue["iid"].as_u64().unwrap();
    env.post(&format!("/projects/{{p}}/issues/{iid}/notes"), &[("body", "hello")]).await;
    let new_iid = env.fake.move_issue(PROJECT, iid, OTHER);

    let (status, old) = json(env.get(&format!("/projects/{{p}}/issues/{iid}")).await).await;
    assert_eq!(status, 200, "the original is not deleted");
    assert_eq!(old["state"], "closed");
    let moved = env.fake.issue(OTHER, new_iid).unwrap();
    assert_eq!(old["moved_to_id"], moved.id);
    assert_eq!((moved.title.as_str(), moved.description.as_str()), ("t", "- [ ] a"));
    assert_eq!(
        (moved.labels.clone(), moved.assignee_ids.clone()),
        (vec!["l".to_string()], vec![alice.parse().unwrap()])
    );
    assert_eq!((moved.iid, moved.moved_to_id, moved.is_open()), (1, None, true));
    assert_eq!(moved.created_at.to_rfc3339(), env.fake.issue(PROJECT, iid).unwrap().created_at.to_rfc3339());
    assert_eq!(env.fake.notes(PROJECT, iid).len(), 1);
    assert_eq!(env.fake.notes(OTHER, new_iid)[0].body, "hello");

    let (_, listed) = json(env.get("/projects/{p}/issues").await).await;
    assert_eq!(listed[0]["moved_to_id"], moved.id, "a listing keeps the closed original");
}

#[tokio::test]
async fn renamed_projects_answer_on_old_and_new_paths() {
    let env = Env::default().await;
    let iid = env.create(&[("title", "t")]).await["iid"].as_u64().unwrap();
    let new_path = "gitlab-com/support/onboarding";
    env.fake.rename_project(PROJECT, new_path);
    for key in [
        "gitlab-com%2Fsupport%2Fonboarding",
        "GitLab-com%2FSupport%2FOnboarding",
        "gitlab-com%2Fsupport%2Fsupport-training",
        "GITLAB-COM%2Fsupport%2Fsupport-TRAINING",
    ] {
        let (status, body) = json(env.get(&format!("/projects/{key}")).await).await;
        assert_eq!((status, body["id"].clone()), (200, json!(env.project_id)), "{key}");
        assert_eq!(body["path_with_namespace"], new_path);
        let (status, issue) = json(env.get(&format!("/projects/{key}/issues/{iid}")).await).await;
        assert_eq!(status, 200, "old routes keep working: {key}");
        assert!(issue["web_url"].as_str().unwrap().contains(new_path));
    }
    assert_eq!(env.post("/projects/{p}/issues", &[("title", "via old path")]).await.status(), 201);
    assert_eq!(env.fake.issues(new_path).len(), 2);
    // A new project that takes the old path ends the redirect.
    let newcomer = env.fake.add_project(PROJECT);
    assert_ne!(newcomer, env.project_id);
    assert_eq!(json(env.get("/projects/{p}").await).await.1["id"], newcomer);
}
