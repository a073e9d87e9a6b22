//! Token scopes and kinds as GitLab's API guard checks them: which scopes each endpoint accepts,
//! the exact 403 `insufficient_scope`, OAuth and CI job tokens, and what
//! `GET /personal_access_tokens/self` answers each kind of token and each release.

mod common;

use common::auth::{send, Auth};
use common::{json, Env, PROJECT};
use fake_gitlab::{Options, Version};
use serde_json::{json, Value};

fn insufficient(scope: &str) -> Value {
    json!({
        "error": "insufficient_scope",
        "error_description": "The request requires higher privileges than provided by the access token.",
        "scope": scope,
    })
}

/// A repository with one file, so the raw-file endpoint has something to serve.
fn with_repository(env: &Env, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fake-gitlab-scopes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("team.yaml"), "people: []\n").unwrap();
    env.fake.add_repository_dir(PROJECT, "main", &dir);
    dir
}

async fn status_and_body(env: &Env, method: &str, auth: Auth<'_>, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = send(env, method, auth, path, form).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn get_user_takes_read_user_read_api_or_api_and_nothing_else() {
    let env = Env::default().await;
    for scope in ["read_user", "read_api", "api"] {
        let token = format!("t-{scope}");
        env.fake.add_token_with_scopes(&token, env.bot, &[scope]);
        let (status, body) = status_and_body(&env, "GET", Auth::Private(&token), "/user", &[]).await;
        assert_eq!((status, body["username"].clone()), (200, json!("onboarding-bot")), "{scope}");
    }
    for scopes in [&["read_repository"][..], &["write_repository", "read_registry"], &[]] {
        env.fake.add_token_with_scopes("narrow", env.bot, scopes);
        let got = status_and_body(&env, "GET", Auth::Private("narrow"), "/user", &[]).await;
        assert_eq!(got, (403, insufficient("read_user api read_api")), "{scopes:?}");
    }
}

#[tokio::test]
async fn a_read_repository_token_reads_raw_files_but_not_trees_or_projects() {
    let env = Env::default().await;
    let dir = with_repository(&env, "read-repository");
    env.fake.add_token_with_scopes("repo", env.bot, &["read_repository"]);
    let raw =
        send(&env, "GET", Auth::Private("repo"), "/projects/{p}/repository/files/team.yaml/raw?ref=main", &[]).await;
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.text().await.unwrap(), "people: []\n");
    // lib/api/repositories.rb registers no scope of its own.
    let tree = status_and_body(&env, "GET", Auth::Private("repo"), "/projects/{p}/repository/tree", &[]).await;
    assert_eq!(tree, (403, insufficient("api read_api")));
    let project = status_and_body(&env, "GET", Auth::Private("repo"), "/projects/{p}", &[]).await;
    assert_eq!(project, (403, insufficient("mcp mcp mcp ai_workflows api read_api")));
    let labels = status_and_body(&env, "GET", Auth::Private("repo"), "/projects/{p}/labels", &[]).await;
    assert_eq!(labels, (403, insufficient("ai_workflows api read_api")));
    // Any token may read its own details, and they list its scopes.
    let (status, body) = status_and_body(&env, "GET", Auth::Private("repo"), "/personal_access_tokens/self", &[]).await;
    assert_eq!((status, body["scopes"].clone()), (200, json!(["read_repository"])));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn read_api_reads_everything_and_writes_nothing() {
    let env = Env::default().await;
    env.fake.add_token_with_scopes("reader", env.bot, &["read_api"]);
    let iid = env.create(&[("title", "existing")]).await["iid"].to_string();
    let reader = Auth::Private("reader");
    for path in ["/user", "/projects/{p}", "/projects/{p}/issues", "/projects/{p}/labels"] {
        assert_eq!(send(&env, "GET", reader, path, &[]).await.status(), 200, "{path}");
    }
    let create = status_and_body(&env, "POST", reader, "/projects/{p}/issues", &[("title", "t")]).await;
    assert_eq!(create, (403, insufficient("ai_workflows mcp mcp api read_api")));
    let edit = status_and_body(&env, "PUT", reader, &format!("/projects/{{p}}/issues/{iid}"), &[("title", "x")]).await;
    assert_eq!(edit, (403, insufficient("ai_workflows mcp mcp api read_api")));
    let note =
        status_and_body(&env, "POST", reader, &format!("/projects/{{p}}/issues/{iid}/notes"), &[("body", "b")]).await;
    assert_eq!(note, (403, insufficient("ai_workflows api read_api")));
    let label = status_and_body(&env, "POST", reader, "/projects/{p}/labels", &[("name", "x"), ("color", "red")]).await;
    assert_eq!(label, (403, insufficient("ai_workflows api read_api")));
    assert_eq!(env.fake.issues(PROJECT).len(), 1);
    assert!(env.fake.notes(PROJECT, 1).is_empty());
    assert!(env.fake.labels(PROJECT).is_empty());
}

#[tokio::test]
async fn an_ai_workflows_token_writes_issues_and_notes_but_reads_no_user() {
    let env = Env::default().await;
    env.fake.add_token_with_scopes("agent", env.bot, &["ai_workflows"]);
    let agent = Auth::Private("agent");
    let (status, issue) = status_and_body(&env, "POST", agent, "/projects/{p}/issues", &[("title", "t")]).await;
    assert_eq!(status, 201);
    let path = format!("/projects/{{p}}/issues/{}", issue["iid"]);
    assert_eq!(send(&env, "PUT", agent, &path, &[("title", "t2")]).await.status(), 200);
    assert_eq!(send(&env, "POST", agent, &format!("{path}/notes"), &[("body", "b")]).await.status(), 201);
    // Labels take ai_workflows for reading only; DELETE is none of GET, HEAD, POST, PUT.
    let label = status_and_body(&env, "POST", agent, "/projects/{p}/labels", &[("name", "x"), ("color", "red")]).await;
    assert_eq!(label.0, 403);
    assert_eq!(status_and_body(&env, "DELETE", agent, &path, &[]).await.1["error"], "insufficient_scope");
    assert_eq!(status_and_body(&env, "GET", agent, "/user", &[]).await, (403, insufficient("read_user api read_api")));
    assert_eq!(env.fake.issue(PROJECT, 1).unwrap().title, "t2");
}

#[tokio::test]
async fn an_mcp_token_reaches_only_the_routes_that_are_mcp_tools() {
    let env = Env::default().await;
    env.fake.add_token_with_scopes("mcp", env.bot, &["mcp"]);
    let mcp = Auth::Private("mcp");
    assert_eq!(send(&env, "POST", mcp, "/projects/{p}/issues", &[("title", "t")]).await.status(), 201);
    assert_eq!(send(&env, "GET", mcp, "/projects/{p}/issues/1", &[]).await.status(), 200);
    assert_eq!(send(&env, "GET", mcp, "/projects/{p}/issues", &[]).await.status(), 403, "not a tool");
    assert_eq!(send(&env, "PUT", mcp, "/projects/{p}/issues/1", &[("title", "x")]).await.status(), 403);
}

#[tokio::test]
async fn oauth_tokens_use_scopes_but_are_no_personal_access_tokens() {
    let env = Env::default().await;
    env.fake.add_oauth_token("oauth", env.bot, &["api"]);
    let oauth = Auth::Bearer("oauth");
    assert_eq!(send(&env, "GET", oauth, "/user", &[]).await.status(), 200);
    assert_eq!(send(&env, "POST", oauth, "/projects/{p}/issues", &[("title", "t")]).await.status(), 201);
    let got = status_and_body(&env, "GET", oauth, "/personal_access_tokens/self", &[]).await;
    let message = "400 Bad request - This endpoint requires token type to be a personal access token";
    assert_eq!(got, (400, json!({ "message": message })));
    env.fake.add_oauth_token("profile", env.bot, &["read_user"]);
    let got = status_and_body(&env, "GET", Auth::Bearer("profile"), "/projects/{p}/issues", &[]).await;
    assert_eq!(got, (403, insufficient("ai_workflows mcp mcp api read_api")));
}

#[tokio::test]
async fn a_job_token_reads_issues_and_files_and_is_unknown_elsewhere() {
    let env = Env::default().await;
    let dir = with_repository(&env, "job");
    env.fake.add_job_token("glcbt-job", env.bot);
    env.create(&[("title", "t")]).await;
    for auth in [Auth::Job("glcbt-job"), Auth::Bearer("glcbt-job")] {
        for path in ["/projects/{p}/issues", "/projects/{p}/issues/1", "/projects/{p}/repository/files/team.yaml/raw"] {
            assert_eq!(send(&env, "GET", auth, path, &[]).await.status(), 200, "{path} {auth:?}");
        }
        let unauthorized = (401, json!({"message": "401 Unauthorized"}));
        for path in ["/user", "/projects/{p}", "/projects/{p}/repository/tree", "/personal_access_tokens/self"] {
            assert_eq!(status_and_body(&env, "GET", auth, path, &[]).await, unauthorized, "{path} {auth:?}");
        }
        let create = status_and_body(&env, "POST", auth, "/projects/{p}/issues", &[("title", "x")]).await;
        assert_eq!(create, unauthorized);
    }
    assert_eq!(env.fake.issues(PROJECT).len(), 1, "a job token cannot create issues");
    let recorded = env.fake.requests();
    assert_eq!(recorded[1].auth.as_deref(), Some("glcbt-job"), "the JOB-TOKEN is recorded as the token");
    assert!(recorded[1].other_headers.iter().all(|(k, _)| k != "job-token"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn access_tokens_of_projects_are_personal_access_tokens_of_a_bot() {
    let env = Env::default().await;
    let bot = env.fake.add_user("project_1001_bot", "Training bot");
    env.fake.add_token_with_scopes("pat-of-project", bot, &["read_api"]);
    env.fake.limit_token_to_project("pat-of-project", PROJECT);
    let (status, body) =
        status_and_body(&env, "GET", Auth::Private("pat-of-project"), "/personal_access_tokens/self", &[]).await;
    assert_eq!((status, body["user_id"].clone(), body["scopes"].clone()), (200, json!(bot), json!(["read_api"])));
}

#[tokio::test]
async fn token_self_before_15_5_is_another_route_or_none() {
    let answers = [
        (Version::new(15, 5), 200, Value::Null),
        // `GET /personal_access_tokens/:id` (15.1) cannot find a token with id `self`.
        (Version::new(15, 4), 401, json!({"message": "401 Unauthorized"})),
        (Version::new(15, 1), 401, json!({"message": "401 Unauthorized"})),
        // Only `DELETE /personal_access_tokens/:id` (13.3): Grape's 405.
        (Version::new(15, 0), 405, json!({"error": "405 Not Allowed"})),
        (Version::new(13, 3), 405, json!({"error": "405 Not Allowed"})),
        (Version::new(13, 2), 404, json!({"error": "404 Not Found"})),
    ];
    for (version, status, body) in answers {
        let env = Env::start(Options { gitlab_version: version, ..Options::default() }).await;
        let (got_status, got_body) = json(env.get("/personal_access_tokens/self").await).await;
        assert_eq!(got_status, status, "{version:?}");
        if status == 200 {
            assert_eq!(got_body["user_id"], json!(env.bot));
        } else {
            assert_eq!(got_body, body, "{version:?}");
        }
    }
}
