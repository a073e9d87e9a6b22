//! Finding a person's training-module issues and the project's issue templates: the list filters
//! GitLab applies to `GET /projects/:id/issues`, and `GET /projects/:id/templates/issues`.

mod common;

use common::{header, json, Env, PROJECT};
use fake_gitlab::Options;
use serde_json::{json, Value};

fn titles(v: &Value) -> Vec<String> {
    let mut t: Vec<String> =
        v.as_array().expect("a list").iter().map(|i| i["title"].as_str().unwrap().into()).collect();
    t.sort();
    t
}

/// Three module issues for alice and bob, opened by the bot or by alice herself.
async fn modules(env: &Env) -> (u64, u64) {
    let alice = env.fake.add_user("alice", "Alice");
    let bob = env.fake.add_user("bob", "Bob");
    let (a, b) = (alice.to_string(), bob.to_string());
    env.create(&[("title", "Module: Git basics"), ("description", "For alice"), ("assignee_ids", &a)]).await;
    env.create(&[("title", "Module: Rebase"), ("description", "Learn git rebase"), ("assignee_ids", &b)]).await;
    env.create(&[("title", "Unassigned module"), ("description", "git")]).await;
    env.fake.human_create_issue(PROJECT, alice, "Module: Git basics (alice's own)", "", &[]);
    (alice, bob)
}

#[tokio::test]
async fn a_persons_module_issues_by_assignee_author_and_search() {
    let env = Env::default().await;
    let (alice, _) = modules(&env).await;
    let list = |query: String| {
        let env = &env;
        async move {
            let (status, body) = json(env.get(&format!("/projects/{{p}}/issues?{query}")).await).await;
            assert_eq!(status, 200, "{query}: {body}");
            titles(&body)
        }
    };
    assert_eq!(list(format!("assignee_id={alice}")).await, ["Module: Git basics"]);
    assert_eq!(list("assignee_username=alice".into()).await, ["Module: Git basics"]);
    assert_eq!(list("assignee_username[]=bob".into()).await, ["Module: Rebase"]);
    assert_eq!(list("assignee_username=nobody".into()).await, Vec::<String>::new());
    assert_eq!(list("assignee_id=None".into()).await, ["Module: Git basics (alice's own)", "Unassigned module"]);
    assert_eq!(list("assignee_id=any".into()).await, ["Module: Git basics", "Module: Rebase"]);
    assert_eq!(list(format!("author_id={alice}")).await, ["Module: Git basics (alice's own)"]);
    assert_eq!(list("author_username=onboarding-bot&assignee_username=alice".into()).await, ["Module: Git basics"]);

    // Full-text search: every term a word prefix, in the title or the description by default.
    assert_eq!(list("search=git".into()).await.len(), 4);
    assert_eq!(list("search=git&in=title".into()).await, ["Module: Git basics", "Module: Git basics (alice's own)"]);
    assert_eq!(list("search=rebase&in=description".into()).await, ["Module: Rebase"]);
    assert_eq!(list("search=mod%20bas".into()).await, ["Module: Git basics", "Module: Git basics (alice's own)"]);
    assert_eq!(list("search=odule".into()).await, Vec::<String>::new(), "not a substring");
    assert_eq!(list("search=%22git%20basics%22&in=title&state=opened".into()).await.len(), 2);

    // Combined with iids, dates, order and an unknown parameter (ignored, as GitLab does).
    let (_, all) = json(env.get("/projects/{p}/issues?order_by=title&sort=asc&bogus=1&in_title=x").await).await;
    let ordered: Vec<&str> = all.as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        ordered,
        ["Module: Git basics", "Module: Git basics (alice's own)", "Module: Rebase", "Unassigned module"]
    );
    assert_eq!(list("iids[]=1&iids[]=3".into()).await, ["Module: Git basics", "Unassigned module"]);
    assert_eq!(
        list("iids=2,3&updated_after=2000-01-01T00:00:00Z".into()).await,
        ["Module: Rebase", "Unassigned module"]
    );
    assert_eq!(list("updated_after=2999-01-01".into()).await, Vec::<String>::new());
}

#[tokio::test]
async fn filters_gitlab_refuses() {
    let env = Env::start(Options { free_mode: true, ..Options::default() }).await;
    modules(&env).await;
    for (query, error) in [
        ("author_id=1&author_username=alice", "author_id, author_username are mutually exclusive"),
        ("assignee_id=1&assignee_username=alice", "assignee_id, assignee_username are mutually exclusive"),
        (
            "assignee_username[]=alice&assignee_username[]=bob",
            "assignee_username allows one value, but found 2: alice, bob",
        ),
        ("state=open", "state does not have a valid value"),
    ] {
        let (status, body) = json(env.get(&format!("/projects/{{p}}/issues?{query}")).await).await;
        assert_eq!((status, body), (400, json!({ "error": error })), "{query}");
    }
}

#[tokio::test]
async fn issue_templates_are_listed_by_name_and_read_one_by_one() {
    let env = Env::default().await;
    let (status, empty) = json(env.get("/projects/{p}/templates/issues").await).await;
    assert_eq!((status, empty), (200, json!([])));
    env.fake.add_issue_template(PROJECT, "Onboarding", "## Welcome {{name}}\n\n- [ ] a\n");
    env.fake.add_issue_template(PROJECT, "Module - Git basics", "- [ ] Read");
    env.fake.add_issue_template(PROJECT, "Bug", "Describe it.");

    let r = env.get("/projects/{p}/templates/issues?per_page=2").await;
    assert_eq!(header(&r, "X-Total").as_deref(), Some("3"));
    let (status, page) = json(r).await;
    assert_eq!(status, 200);
    assert_eq!(
        page,
        json!([{"key": "Bug", "name": "Bug"}, {"key": "Module - Git basics", "name": "Module - Git basics"}])
    );
    let (_, page2) = json(env.get("/projects/{p}/templates/issues?per_page=2&page=2").await).await;
    assert_eq!(page2, json!([{"key": "Onboarding", "name": "Onboarding"}]));

    let (status, one) = json(env.get("/projects/{p}/templates/issues/Module%20-%20Git%20basics").await).await;
    assert_eq!((status, one), (200, json!({"name": "Module - Git basics", "content": "- [ ] Read"})));
    let (status, body) = json(env.get("/projects/{p}/templates/issues/onboarding").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Template Not Found"})), "names are case-sensitive");
    let (status, body) = json(env.get("/projects/{p}/templates/merge_requests").await).await;
    assert_eq!((status, body), (200, json!([])));
    let (status, body) = json(env.get("/projects/{p}/templates/recipes").await).await;
    assert_eq!((status, body), (400, json!({"error": "type does not have a valid value"})));
    let (status, body) = json(env.get("/projects/nope%2Fnope/templates/issues").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Project Not Found"})));
}
