//! HTTP tests of the fake's endpoints: auth, errors, issues, pagination, filters, notes, text rules.

mod common;

use common::{header, json, Env, PROJECT, TOKEN};
use fake_gitlab::Options;
use serde_json::{json, Value};

#[tokio::test]
async fn auth_current_user_and_token_errors() {
    let env = Env::default().await;
    let url = env.api("/user");
    let plain = reqwest::Client::new();

    let (status, body) = json(plain.get(&url).send().await.unwrap()).await;
    assert_eq!((status, body), (401, json!({"message": "401 Unauthorized"})));
    let r = plain.get(&url).header("PRIVATE-TOKEN", "nope").send().await.unwrap();
    assert_eq!(json(r).await.0, 401);

    let r = plain.get(&url).header("Authorization", format!("Bearer {TOKEN}")).send().await.unwrap();
    let (status, me) = json(r).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "onboarding-bot");
    assert_eq!(me["state"], "active");
    assert_eq!(me["id"], env.bot);

    env.fake.revoke_token(TOKEN);
    let (status, body) = json(env.get("/user").await).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(body["error_description"], "Token was revoked. You have to re-authorize from the user.");
}

#[tokio::test]
async fn users_lookup_is_case_insensitive() {
    let env = Env::default().await;
    let id = env.fake.add_user("Jane.Doe", "Jane Doe");
    let (status, body) = json(env.get("/users?username=jane.doe").await).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["id"], id);
    assert_eq!(body[0]["username"], "Jane.Doe");
    assert_eq!(body[0]["name"], "Jane Doe");
    assert_eq!(body[0]["state"], "active");
    let (_, none) = json(env.get("/users?username=nobody").await).await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn project_paths_must_be_encoded_and_visible() {
    let env = Env::default().await;
    let (status, body) = json(env.get(&format!("/projects/{PROJECT}/issues")).await).await;
    assert_eq!((status, body), (404, json!({"error": "404 Not Found"})));
    let (status, body) = json(env.get("/projects/nope%2Fnothing/issues").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Project Not Found"})));
    assert_eq!(env.get(&format!("/projects/{}/issues", env.project_id)).await.status(), 200);
    assert_eq!(env.get("/projects/{p}").await.status(), 200);

    env.fake.deny_project(env.bot, PROJECT);
    let (status, body) = json(env.get("/projects/{p}/issues").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Project Not Found"})));
}

#[tokio::test]
async fn created_issue_has_gitlab_shape() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice A");
    let alice_s = alice.to_string();
    let issue = env
        .create(&[
            ("title", "  Onboarding: Alice  "),
            ("description", "- [ ] one\n- [x] two"),
            ("labels", "zeta,alpha"),
            ("assignee_ids[]", &alice_s),
            ("assignee_ids[]", "999"),
            ("due_date", "2030-01-31"),
        ])
        .await;
    assert_eq!(issue["iid"], 1);
    assert_ne!(issue["id"], issue["iid"]);
    assert_eq!(issue["project_id"], env.project_id);
    assert_eq!(issue["title"], "Onboarding: Alice");
    assert_eq!(issue["state"], "opened");
    assert_eq!(issue["labels"], json!(["alpha", "zeta"]));
    assert_eq!(issue["assignees"][0]["username"], "alice");
    assert_eq!(issue["assignees"].as_array().unwrap().len(), 1);
    assert_eq!(issue["assignee"]["id"], alice);
    assert_eq!(issue["author"]["id"], env.bot);
    assert_eq!(issue["due_date"], "2030-01-31");
    assert_eq!(issue["closed_at"], Value::Null);
    assert_eq!(issue["issue_type"], "issue");
    assert_eq!(issue["confidential"], false);
    assert_eq!(issue["task_completion_status"], json!({"count": 2, "completed_count": 1}));
    assert_eq!(issue["references"], json!({"short": "#1", "relative": "#1", "full": format!("{PROJECT}#1")}));
    assert_eq!(issue["web_url"], format!("{}/{PROJECT}/-/issues/1", env.fake.url()));
    assert!(issue["created_at"].as_str().unwrap().ends_with('Z'));

    // JSON bodies work too; iids are sequential, and no description renders as null.
    let r = env
        .client
        .post(env.api("/projects/{p}/issues"))
        .json(&json!({"title": "second", "labels": ["b", "a"]}))
        .send()
        .await
        .unwrap();
    let (status, second) = json(r).await;
    assert_eq!(status, 201);
    assert_eq!(second["iid"], 2);
    assert_eq!(second["description"], Value::Null);
    assert_eq!(second["labels"], json!(["a", "b"]));

    let (status, got) = json(env.get("/projects/{p}/issues/2").await).await;
    assert_eq!((status, got["title"].clone()), (200, json!("second")));
    let (status, body) = json(env.get("/projects/{p}/issues/77").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Not found"})));
}

#[tokio::test]
async fn create_validation_errors() {
    let env = Env::default().await;
    let cases: Vec<(Vec<(&str, String)>, Value)> = vec![
        (vec![("description", "x".into())], json!({"error": "title is missing"})),
        (vec![("title", "   ".into())], json!({"message": {"title": ["can't be blank"]}})),
        (vec![("title", "t".repeat(256))], json!({"message": {"title": ["is too long (maximum is 255 characters)"]}})),
        (
            // 524,289 characters but 1,048,578 bytes: the limit counts bytes.
            vec![("title", "ok".into()), ("description", "é".repeat(524_289))],
            json!({"message": {"description": ["is too long (1 MB). The maximum size is 1 MB."]}}),
        ),
        (vec![("title", "ok".into()), ("due_date", "31/01/2030".into())], json!({"error": "due_date is invalid"})),
    ];
    for (form, expected) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = json(env.post("/projects/{p}/issues", &form).await).await;
        assert_eq!((status, body), (400, expected));
    }
    let big = "x".repeat(1_153_434);
    let (_, body) = json(env.post("/projects/{p}/issues", &[("title", "t"), ("description", &big)]).await).await;
    assert_eq!(body, json!({"message": {"description": ["is too long (1.1 MB). The maximum size is 1 MB."]}}));
    assert!(env.fake.issues(PROJECT).is_empty());
}

#[tokio::test]
async fn pagination_headers() {
    let env = Env::default().await;
    for n in 0..45 {
        env.fake.human_create_issue(PROJECT, env.bot, &format!("issue {n}"), "", &[]);
    }
    let r = env.get("/projects/{p}/issues?state=opened").await;
    assert_eq!(header(&r, "X-Page").as_deref(), Some("1"));
    assert_eq!(header(&r, "X-Per-Page").as_deref(), Some("20"));
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some("2"));
    assert_eq!(header(&r, "X-Prev-Page").as_deref(), Some(""));
    assert_eq!(header(&r, "X-Total").as_deref(), Some("45"));
    assert_eq!(header(&r, "X-Total-Pages").as_deref(), Some("3"));
    let link = header(&r, "Link").unwrap();
    assert!(link.contains("?page=2&per_page=20&state=opened>; rel=\"next\""), "{link}");
    assert!(link.contains("rel=\"first\"") && link.contains("?page=3&per_page=20&state=opened>; rel=\"last\""));
    assert!(!link.contains("rel=\"prev\""));
    assert!(link.starts_with(&format!("<{}/api/v4/projects/", env.fake.url())));
    let (_, items) = json(r).await;
    assert_eq!(items.as_array().unwrap().len(), 20);
    // Newest first by default.
    assert_eq!(items[0]["iid"], 45);

    let r = env.get("/projects/{p}/issues?page=3&per_page=20").await;
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some(""));
    assert_eq!(header(&r, "X-Prev-Page").as_deref(), Some("2"));
    assert_eq!(json(r).await.1.as_array().unwrap().len(), 5);

    let r = env.get("/projects/{p}/issues?per_page=1000").await;
    assert_eq!(header(&r, "X-Per-Page").as_deref(), Some("100"));
    let r = env.get("/projects/{p}/issues?per_page=abc&page=0").await;
    assert_eq!(header(&r, "X-Per-Page").as_deref(), Some("20"));
    assert_eq!(header(&r, "X-Page").as_deref(), Some("1"));

    // Over the counting threshold: no totals and no rel="last"; next-page still drives paging.
    let env = Env::start(Options { max_counted_total: 10, ..Options::default() }).await;
    for n in 0..11 {
        env.fake.human_create_issue(PROJECT, env.bot, &format!("i{n}"), "", &[]);
    }
    let r = env.get("/projects/{p}/issues?per_page=5").await;
    assert_eq!(header(&r, "X-Total"), None);
    assert_eq!(header(&r, "X-Total-Pages"), None);
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some("2"));
    assert!(!header(&r, "Link").unwrap().contains("rel=\"last\""));
}

#[tokio::test]
async fn list_filters() {
    let env = Env::default().await;
    let f = &env.fake;
    let both = f.human_create_issue(PROJECT, env.bot, "both", "", &["A", "B"]);
    let only_a = f.human_create_issue(PROJECT, env.bot, "only A", "", &["A"]);
    let lower = f.human_create_issue(PROJECT, env.bot, "lower a", "", &["a"]);
    let none = f.human_create_issue(PROJECT, env.bot, "no labels", "", &[]);
    f.human_edit(PROJECT, none, |i| i.state = "closed".into());

    let iids = |v: Value| -> Vec<u64> { v.as_array().unwrap().iter().map(|i| i["iid"].as_u64().unwrap()).collect() };
    let get = |q: &'static str| {
        let env = &env;
        async move { iids(json(env.get(&format!("/projects/{{p}}/issues?{q}")).await).await.1) }
    };
    assert_eq!(get("labels=A,B").await, [both]);
    assert_eq!(get("labels=A&sort=asc").await, [both, only_a]);
    assert_eq!(get("labels=a").await, [lower]);
    assert_eq!(get("not%5Blabels%5D=B&labels=A").await, [only_a]);
    assert_eq!(get("labels=None").await, [none]);
    assert_eq!(get("state=closed").await, [none]);
    assert_eq!(get("state=opened&sort=asc").await, [both, only_a, lower]);
    assert_eq!(get("iids[]=1&iids[]=3&sort=asc").await, [both, lower]);
    assert_eq!(get("labelz=A").await.len(), 4, "unknown keys widen the result");
    assert_eq!(get("issue_type=issue&order_by=updated_at").await[0], none);
    let future = "updated_after=2999-01-01T00:00:00Z";
    assert!(get(future).await.is_empty());

    let (status, body) = json(env.get("/projects/{p}/issues?state=open").await).await;
    assert_eq!((status, body), (400, json!({"error": "state does not have a valid value"})));
    let (status, body) = json(env.get("/projects/{p}/issues?updated_after=yesterday").await).await;
    assert_eq!((status, body), (400, json!({"error": "updated_after is invalid"})));
}

// `not[labels]=a,b` leaves out every issue carrying ANY of them (GitLab's `by_negated_label`:
// NOT EXISTS a label link whose title is IN the list), not only those carrying all of them.
#[tokio::test]
async fn negated_labels_leave_out_issues_carrying_any_of_them() {
    let env = Env::default().await;
    let f = &env.fake;
    let one = f.human_create_issue(PROJECT, env.bot, "shard 1", "", &["managed", "shard::1-of-3"]);
    let two = f.human_create_issue(PROJECT, env.bot, "shard 2", "", &["managed", "shard::2-of-3"]);
    let both = f.human_create_issue(PROJECT, env.bot, "both", "", &["managed", "shard::1-of-3", "shard::3-of-3"]);
    let other_n = f.human_create_issue(PROJECT, env.bot, "other N", "", &["managed", "shard::1-of-2"]);
    let none = f.human_create_issue(PROJECT, env.bot, "no shard", "", &["managed"]);
    let unmanaged = f.human_create_issue(PROJECT, env.bot, "unmanaged", "", &[]);

    let iids = |v: Value| -> Vec<u64> { v.as_array().unwrap().iter().map(|i| i["iid"].as_u64().unwrap()).collect() };
    let get = |q: String| {
        let env = &env;
        async move { iids(json(env.get(&format!("/projects/{{p}}/issues?sort=asc&{q}")).await).await.1) }
    };
    let every = "shard::1-of-3,shard::2-of-3,shard::3-of-3";
    assert_eq!(get(format!("labels=managed&not%5Blabels%5D={every}")).await, [other_n, none]);
    assert_eq!(get(format!("not%5Blabels%5D={every}")).await, [other_n, none, unmanaged]);
    assert_eq!(get("not%5Blabels%5D=shard::1-of-3".into()).await, [two, other_n, none, unmanaged]);
    // `labels` is an AND: the issues of one shard.
    assert_eq!(get("labels=managed,shard::1-of-3".into()).await, [one, both]);
    // Label titles are matched exactly, case included.
    assert_eq!(get("labels=managed&not%5Blabels%5D=SHARD::1-of-3".into()).await.len(), 5);
}

#[tokio::test]
async fn edits_replace_or_change_labels_and_state() {
    let env = Env::default().await;
    let issue = env.create(&[("title", "t"), ("labels", "a,b")]).await;
    let iid = issue["iid"].as_u64().unwrap();
    env.fake.human_edit(PROJECT, iid, |i| i.labels.push("human".into()));
    let path = format!("/projects/{{p}}/issues/{iid}");

    let (status, body) = json(env.put(&path, &[("add_labels", "c"), ("remove_labels", "a")]).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["labels"], json!(["b", "c", "human"]));
    let (_, body) = json(env.put(&path, &[("labels", "x")]).await).await;
    assert_eq!(body["labels"], json!(["x"]));

    let (status, body) = json(env.put(&path, &[("unknown", "1")]).await).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("at least one parameter"));
    let (status, body) = json(env.put("/projects/{p}/issues/99", &[("title", "x")]).await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Not found"})));

    let (_, closed) = json(env.put(&path, &[("state_event", "close")]).await).await;
    assert_eq!(closed["state"], "closed");
    assert!(closed["closed_at"].is_string());
    let (status, again) = json(env.put(&path, &[("state_event", "close")]).await).await;
    assert_eq!(status, 200);
    assert_eq!(again["closed_at"], closed["closed_at"]);
    assert_eq!(again["updated_at"], closed["updated_at"], "a no-op edit changes nothing");
    let (_, reopened) = json(env.put(&path, &[("state_event", "reopen"), ("due_date", "2031-02-03")]).await).await;
    assert_eq!(reopened["state"], "opened");
    assert_eq!(reopened["closed_at"], Value::Null);
    assert_eq!(reopened["due_date"], "2031-02-03");
    let (_, cleared) = json(env.put(&path, &[("due_date", "")]).await).await;
    assert_eq!(cleared["due_date"], Value::Null);
}

#[tokio::test]
async fn quick_actions_are_executed_and_stripped() {
    let env = Env::default().await;
    env.fake.add_label(PROJECT, "triage");
    let description = "\
Welcome!
/label ~triage
/assign @onboarding-bot

- [ ] /close
> /close
```
/close
```
<!--
/close
-->
\\/close and `/close`
/unknown stays";
    let issue = env.create(&[("title", "qa"), ("description", description)]).await;
    assert_eq!(issue["state"], "opened");
    assert_eq!(issue["labels"], json!(["triage"]));
    assert_eq!(issue["assignees"][0]["username"], "onboarding-bot");
    let stored = issue["description"].as_str().unwrap();
    assert!(stored.starts_with("Welcome!\n- [ ] /close"), "{stored}");
    assert!(stored.ends_with("/unknown stays"));
    let actions = env.fake.quick_actions();
    let names: Vec<&str> = actions.iter().map(|a| a.command.as_str()).collect();
    assert_eq!(names, ["label", "assign"]);
    assert_eq!(actions[0].args, "~triage");
    assert_eq!(actions[0].source, "description");

    // An edit runs only what is new; a line already there is not run again.
    let iid = issue["iid"].as_u64().unwrap();
    let edited = format!("{stored}\n/close");
    let (_, body) = json(env.put(&format!("/projects/{{p}}/issues/{iid}"), &[("description", &edited)]).await).await;
    assert_eq!(body["state"], "closed");
    assert_eq!(body["description"], stored);
    assert_eq!(env.fake.quick_actions().len(), 3);

    // Trailing whitespace and carriage returns are not stored.
    let issue = env.create(&[("title", "ws"), ("description", "line\r\nnext  \n\n")]).await;
    assert_eq!(issue["description"], "line\nnext");
}

#[tokio::test]
async fn notes_and_commands_only_notes() {
    let env = Env::default().await;
    let iid = env.create(&[("title", "n")]).await["iid"].as_u64().unwrap();
    let path = format!("/projects/{{p}}/issues/{iid}/notes");

    let (status, note) = json(env.post(&path, &[("body", "Welcome @alice!")]).await).await;
    assert_eq!(status, 201);
    assert_eq!(note["body"], "Welcome @alice!");
    assert_eq!(note["system"], false);
    assert_eq!(note["author"]["id"], env.bot);

    let (status, body) = json(env.post(&path, &[("body", "/close")]).await).await;
    assert_eq!(status, 202);
    assert!(body["summary"].is_array());
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().state, "closed");
    assert_eq!(env.fake.notes(PROJECT, iid).len(), 1);

    let (status, note) = json(env.post(&path, &[("body", "Back.\n/reopen")]).await).await;
    assert_eq!((status, note["body"].clone()), (201, json!("Back.")));
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().state, "opened");
    let sources: Vec<String> = env.fake.quick_actions().into_iter().map(|a| a.source).collect();
    assert_eq!(sources, ["note", "note"]);

    let r = env.get(&format!("{path}?per_page=1")).await;
    assert_eq!(header(&r, "X-Total").as_deref(), Some("2"));
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some("2"));
    assert_eq!(json(r).await.1[0]["body"], "Back.");

    let (status, body) = json(env.post(&path, &[("body", &"y".repeat(1_000_001))]).await).await;
    assert_eq!(status, 400);
    assert!(body["message"]["note"].is_array());
    let (status, body) = json(env.post(&path, &[("text", "x")]).await).await;
    assert_eq!((status, body), (400, json!({"error": "body is missing"})));
    let (status, _) = json(env.post("/projects/{p}/issues/42/notes", &[("body", "x")]).await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn free_mode_keeps_one_assignee() {
    for (free, expected) in [(true, 1), (false, 2)] {
        let env = Env::start(Options { free_mode: free, ..Options::default() }).await;
        let a = env.fake.add_user("a", "A").to_string();
        let b = env.fake.add_user("b", "B").to_string();
        let issue = env.create(&[("title", "t"), ("assignee_ids[]", &b), ("assignee_ids[]", &a)]).await;
        let ids: Vec<String> = issue["assignees"].as_array().unwrap().iter().map(|u| u["id"].to_string()).collect();
        assert_eq!(ids.len(), expected);
        assert_eq!(ids[0], b, "the first id given is kept");
        let iid = issue["iid"].as_u64().unwrap();
        let (_, body) = json(env.put(&format!("/projects/{{p}}/issues/{iid}"), &[("assignee_ids[]", "0")]).await).await;
        assert_eq!(body["assignees"], json!([]));
        assert_eq!(body["assignee"], Value::Null);
    }
}

#[tokio::test]
async fn mentions_are_recorded_for_real_references_only() {
    let env = Env::default().await;
    let description = "Hi @alice, see #3.\n`@bob` mail a@b.com \\@carol <!-- @dave #4 -->\n```\n@erin\n```";
    let issue = env.create(&[("title", "For @frank"), ("description", description)]).await;
    let iid = issue["iid"].as_u64().unwrap();
    let got: Vec<(String, String, String)> =
        env.fake.mentions().into_iter().map(|m| (m.kind, m.text, m.source)).collect();
    let expected = [("user", "@frank", "title"), ("user", "@alice", "description"), ("issue", "#3", "description")]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, expected);

    // Only new text counts on edit.
    let edited = format!("{description}\nand @gina");
    env.put(&format!("/projects/{{p}}/issues/{iid}"), &[("description", &edited)]).await;
    let last = env.fake.mentions().pop().unwrap();
    assert_eq!((last.text.as_str(), env.fake.mentions().len()), ("@gina", 4));
}

#[tokio::test]
async fn task_status_follows_human_ticks() {
    let env = Env::default().await;
    let issue = env
        .create(&[("title", "t"), ("description", "1. [ ] first\n   - [ ] nested\n* [~] n/a\n~~~\n- [ ] code\n~~~")])
        .await;
    assert_eq!(issue["task_completion_status"], json!({"count": 2, "completed_count": 0}));
    let iid = issue["iid"].as_u64().unwrap();
    env.fake.human_edit(PROJECT, iid, |i| assert!(i.set_task("nested", true)));
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().task_status(), (2, 1));
    let (_, body) = json(env.get(&format!("/projects/{{p}}/issues/{iid}")).await).await;
    assert_eq!(body["task_completion_status"], json!({"count": 2, "completed_count": 1}));
    assert!(body["updated_at"].as_str() > issue["updated_at"].as_str());
}

#[tokio::test]
async fn read_only_tokens_cannot_write() {
    let env = Env::default().await;
    env.fake.read_only(env.bot, PROJECT);
    assert_eq!(env.get("/projects/{p}/issues").await.status(), 200);
    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", "t")]).await).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "insufficient_scope");
    assert_eq!(body["scope"], "api");
    assert!(env.fake.issues(PROJECT).is_empty());
}

#[tokio::test]
async fn deleted_issues_disappear() {
    let env = Env::default().await;
    let iid = env.create(&[("title", "gone")]).await["iid"].as_u64().unwrap();
    env.fake.delete_issue(PROJECT, iid);
    assert_eq!(env.get(&format!("/projects/{{p}}/issues/{iid}")).await.status(), 404);
}

#[tokio::test]
async fn requests_are_recorded() {
    let env = Env::default().await;
    env.create(&[("title", "t")]).await;
    env.get("/projects/{p}/issues?labels=x").await;
    env.put("/projects/{p}/issues/1", &[]).await;
    let reqs = env.fake.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].route, "/api/v4/projects/:id/issues");
    assert_eq!(reqs[0].path, "/api/v4/projects/gitlab-com%2Fsupport%2Fsupport-training/issues");
    assert_eq!(reqs[0].status, 201);
    assert_eq!(reqs[0].auth.as_deref(), Some(TOKEN));
    assert_eq!(reqs[0].body, "title=t");
    assert!(reqs[0].other_headers.iter().all(|(k, _)| k != "private-token"));
    assert_eq!(reqs[1].query, "labels=x");
    assert_eq!((reqs[2].route.as_str(), reqs[2].status), ("/api/v4/projects/:id/issues/:iid", 400));
    assert_eq!((env.fake.count("post"), env.fake.count("GET"), env.fake.writes()), (1, 1, 2));
    env.fake.clear_requests();
    assert!(env.fake.requests().is_empty());
}
