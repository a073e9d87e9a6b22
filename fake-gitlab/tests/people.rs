//! Facts GitLab records about people: who opened an issue, who wrote a note, who ticked a box
//! (a system note by the editor), and who may see a confidential issue.

mod common;

use common::{json, Env, PROJECT};
use fake_gitlab::Role;
use reqwest::{Client, Response};
use serde_json::{json, Value};

const ALICE_TOKEN: &str = "alice-token";

/// A request with another user's token.
async fn send(env: &Env, token: &str, method: &str, path: &str, form: &[(&str, &str)]) -> Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    Client::new().request(method, env.api(path)).header("PRIVATE-TOKEN", token).form(form).send().await.expect("send")
}

fn bodies(notes: &Value) -> Vec<(String, bool, String)> {
    notes
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| {
            let who = n["author"]["username"].as_str().unwrap_or_default().to_string();
            (n["body"].as_str().unwrap_or_default().to_string(), n["system"].as_bool().expect("system flag"), who)
        })
        .collect()
}

#[tokio::test]
async fn a_persons_token_acts_as_that_person() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice Liddell");
    env.fake.add_token(ALICE_TOKEN, alice);

    let (status, created) = json(
        send(&env, ALICE_TOKEN, "POST", "/projects/{p}/issues", &[("title", "Mine"), ("description", "- [ ] a")]).await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["author"]["id"], alice);
    assert_eq!(
        (created["author"]["username"].clone(), created["author"]["name"].clone()),
        (json!("alice"), json!("Alice Liddell"))
    );
    let iid = created["iid"].as_u64().unwrap();
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().author_id, alice);

    let issue = format!("/projects/{{p}}/issues/{iid}");
    let (status, edited) = json(send(&env, ALICE_TOKEN, "PUT", &issue, &[("description", "- [x] a")]).await).await;
    assert_eq!(status, 200);
    assert_eq!(edited["author"]["id"], alice, "editing does not change the author");
    let (status, note) =
        json(send(&env, ALICE_TOKEN, "POST", &format!("{issue}/notes"), &[("body", "Done!")]).await).await;
    assert_eq!(status, 201);
    assert_eq!((note["author"]["id"].clone(), note["system"].clone()), (json!(alice), json!(false)));
    // The bot's own comment is the bot's.
    env.post(&format!("{issue}/notes"), &[("body", "Well done.")]).await;

    let notes = env.fake.notes(PROJECT, iid);
    let facts: Vec<(u64, bool, &str)> = notes.iter().map(|n| (n.author_id, n.system, n.body.as_str())).collect();
    assert_eq!(
        facts,
        [
            (alice, true, "marked the checklist item **a** as completed"),
            (alice, false, "Done!"),
            (env.bot, false, "Well done."),
        ]
    );
    let (_, listed) = json(env.get(&format!("{issue}/notes?sort=asc")).await).await;
    assert_eq!(listed[0]["author"]["username"], "alice");
    assert_eq!(env.fake.user_notes(PROJECT, iid).len(), 2);
}

#[tokio::test]
async fn ticking_a_box_writes_a_system_note_by_whoever_ticked_it() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice");
    let manager = env.fake.add_user("mgr", "Manager");
    let description =
        "Intro\n\n- [ ] Read the guide <!-- id: read-guide -->\n- [ ] Close #4: src/x.go says a = \"1\"\n- [ ] Later";
    let alice_id = alice.to_string();
    let created =
        env.create(&[("title", "Onboarding"), ("description", description), ("assignee_ids", &alice_id)]).await;
    let iid = created["iid"].as_u64().unwrap();
    let issue = format!("/projects/{{p}}/issues/{iid}");
    assert!(env.fake.notes(PROJECT, iid).is_empty(), "creating writes no note");

    // Through the API, by the token's user: one note per toggled item, text escaped.
    let ticked = description.replace("[ ] Read", "[x] Read").replace("[ ] Close", "[x] Close");
    env.put(&issue, &[("description", &ticked)]).await;
    // A person in the UI: unticks one, and the default editor of `human_edit` is the assignee.
    env.fake.human_edit_by(manager, PROJECT, iid, |i| assert!(i.set_task("id: read-guide", false)));
    env.fake.human_edit(PROJECT, iid, |i| assert!(i.set_task("Later", true)));
    // Not a box: one "changed the description" note; an inapplicable item: no task note.
    env.fake.human_edit_by(alice, PROJECT, iid, |i| i.description.push_str("\n\nMy notes."));
    env.fake.human_edit_by(alice, PROJECT, iid, |i| i.description = i.description.replace("[x] Later", "[~] Later"));
    // A title change writes nothing the fake models.
    env.fake.human_edit_by(alice, PROJECT, iid, |i| i.title = "Renamed".into());

    let (status, listed) = json(env.get(&format!("{issue}/notes?sort=asc&per_page=100")).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        bodies(&listed),
        [
            (
                "marked the checklist item **Read the guide  id: read\\-guide** as completed".into(),
                true,
                "onboarding-bot".into()
            ),
            (
                r#"marked the checklist item **Close \#4: src/x\.go says a \= \"1\"** as completed"#.into(),
                true,
                "onboarding-bot".into()
            ),
            ("marked the checklist item **Read the guide  id: read\\-guide** as incomplete".into(), true, "mgr".into()),
            ("marked the checklist item **Later** as completed".into(), true, "alice".into()),
            ("changed the description".into(), true, "alice".into()),
            ("changed the description".into(), true, "alice".into()),
        ]
    );
    let (_, fresh) = json(env.get(&issue).await).await;
    assert_eq!(fresh["user_notes_count"], 0, "system notes are not comments");
}

#[tokio::test]
async fn notes_are_paged_sorted_and_filtered_by_activity() {
    let env = Env::default().await;
    let iid = env.create(&[("title", "t"), ("description", "- [ ] a\n- [ ] b")]).await["iid"].as_u64().unwrap();
    let issue = format!("/projects/{{p}}/issues/{iid}");
    env.post(&format!("{issue}/notes"), &[("body", "first")]).await;
    env.put(&issue, &[("description", "- [x] a\n- [x] b")]).await;
    env.post(&format!("{issue}/notes"), &[("body", "last")]).await;

    let get = |query: &'static str| {
        let env = &env;
        let path = format!("{issue}/notes?{query}");
        async move { json(env.get(&path).await).await.1 }
    };
    let texts = |v: Value| bodies(&v).into_iter().map(|(b, _, _)| b).collect::<Vec<_>>();
    let a = "marked the checklist item **a** as completed".to_string();
    let b = "marked the checklist item **b** as completed".to_string();
    assert_eq!(texts(get("").await), ["last".to_string(), b.clone(), a.clone(), "first".into()], "newest first");
    assert_eq!(texts(get("sort=asc&per_page=2&page=2").await), [b.clone(), "last".into()]);
    assert_eq!(texts(get("order_by=updated_at&sort=asc&per_page=1").await), ["first"]);
    assert_eq!(texts(get("activity_filter=only_comments&sort=asc").await), ["first", "last"]);
    assert_eq!(texts(get("activity_filter=only_activity&sort=asc").await), [a, b]);
    let (status, body) = json(env.get(&format!("{issue}/notes?activity_filter=nope")).await).await;
    assert_eq!((status, body), (400, json!({"error": "activity_filter does not have a valid value"})));
}

#[tokio::test]
async fn confidential_issues_are_seen_by_planners_authors_and_assignees_only() {
    let env = Env::default().await;
    let (alice, bob, carol) =
        (env.fake.add_user("alice", "Alice"), env.fake.add_user("bob", "Bob"), env.fake.add_user("carol", "Carol"));
    for (token, user) in [("alice-token", alice), ("bob-token", bob), ("carol-token", carol)] {
        env.fake.add_token(token, user);
        env.fake.set_role(user, PROJECT, Role::Guest);
    }
    let created =
        env.create(&[("title", "Secret"), ("confidential", "true"), ("assignee_ids", &alice.to_string())]).await;
    assert_eq!(created["confidential"], true);
    let secret = created["iid"].as_u64().unwrap();
    let (status, own) = json(
        send(&env, "bob-token", "POST", "/projects/{p}/issues", &[("title", "Bob's"), ("confidential", "yes")]).await,
    )
    .await;
    assert_eq!(
        (status, own["confidential"].clone()),
        (201, json!(true)),
        "anyone who may create may make it confidential"
    );
    let bobs = own["iid"].as_u64().unwrap();
    let public = env.create(&[("title", "Public")]).await["iid"].as_u64().unwrap();
    assert!(env.fake.issue(PROJECT, secret).unwrap().confidential);

    let titles =
        |v: &Value| v.as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let list = |token: &'static str, query: &'static str| {
        let env = &env;
        async move { json(send(env, token, "GET", &format!("/projects/{{p}}/issues?sort=asc{query}"), &[]).await).await.1 }
    };
    assert_eq!(titles(&list("carol-token", "").await), ["Public"], "a Guest who is neither author nor assignee");
    assert_eq!(titles(&list("alice-token", "").await), ["Secret", "Public"], "the assignee");
    assert_eq!(titles(&list("bob-token", "").await), ["Bob's", "Public"], "the author");
    assert_eq!(titles(&json(env.get("/projects/{p}/issues?sort=asc").await).await.1), ["Secret", "Bob's", "Public"]);
    assert_eq!(
        titles(&json(env.get("/projects/{p}/issues?confidential=true&sort=asc").await).await.1),
        ["Secret", "Bob's"]
    );
    assert_eq!(titles(&json(env.get("/projects/{p}/issues?confidential=false").await).await.1), ["Public"]);

    let path = format!("/projects/{{p}}/issues/{secret}");
    let (status, body) = json(send(&env, "carol-token", "GET", &path, &[]).await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Not found"})));
    assert_eq!(send(&env, "carol-token", "GET", &format!("{path}/notes"), &[]).await.status(), 404);
    assert_eq!(send(&env, "carol-token", "POST", &format!("{path}/notes"), &[("body", "hi")]).await.status(), 404);
    assert_eq!(send(&env, "carol-token", "PUT", &path, &[("title", "x")]).await.status(), 403);
    assert_eq!(send(&env, "alice-token", "GET", &path, &[]).await.status(), 200);
    env.fake.set_role(carol, PROJECT, Role::Planner);
    assert_eq!(send(&env, "carol-token", "GET", &path, &[]).await.status(), 200, "Planners see it");

    // Switching writes a system note; a Guest's `confidential` on an existing issue is dropped.
    env.put(&path, &[("confidential", "false")]).await;
    let (_, edited) = json(
        send(&env, "bob-token", "PUT", &format!("/projects/{{p}}/issues/{bobs}"), &[("confidential", "false")]).await,
    )
    .await;
    assert_eq!(edited["confidential"], true);
    env.fake.human_edit_by(alice, PROJECT, public, |i| i.confidential = true);
    let facts = |iid: u64| {
        env.fake.notes(PROJECT, iid).into_iter().map(|n| (n.body, n.author_id, n.system)).collect::<Vec<_>>()
    };
    assert_eq!(facts(secret), [("made the issue visible to everyone".to_string(), env.bot, true)]);
    assert_eq!(facts(public), [("made the issue confidential".to_string(), alice, true)]);
    assert!(facts(bobs).is_empty());
    let (status, body) = json(env.put(&path, &[("confidential", "maybe")]).await).await;
    assert_eq!((status, body), (400, json!({"error": "confidential is invalid"})));

    // The `/confidential` quick action in a comment: the commands-only note is not stored, the
    // system note is, by the commenter.
    let quick = env.create(&[("title", "Quick")]).await["iid"].as_u64().unwrap();
    let (status, _) =
        json(env.post(&format!("/projects/{{p}}/issues/{quick}/notes"), &[("body", "/confidential")]).await).await;
    assert_eq!(status, 202);
    assert_eq!(facts(quick), [("made the issue confidential".to_string(), env.bot, true)]);
}
