//! Groups: the `permissions` of `GET /projects/:id` (direct and ancestor-group membership only,
//! never a share, though a share gives its role everywhere else), and group labels seen from a
//! project (409 on create, shown with `is_project_label: false`, never deleted through it), who
//! may create labels in which release, and the 500 a lost create race gets.

mod common;

use common::{json, Env, PROJECT};
use fake_gitlab::{Options, Role, Version};
use serde_json::{json, Value};

fn access(level: u8) -> Value {
    json!({ "access_level": level, "notification_level": 3 })
}

async fn permissions(env: &Env) -> Value {
    let (status, body) = json(env.get("/projects/{p}").await).await;
    assert_eq!(status, 200, "{body}");
    body["permissions"].clone()
}

async fn label_create_status(env: &Env, name: &str) -> u16 {
    env.post("/projects/{p}/labels", &[("name", name), ("color", "#009966")]).await.status().as_u16()
}

#[tokio::test]
async fn permissions_show_direct_and_ancestor_group_membership() {
    let env = Env::default().await;
    assert_eq!(permissions(&env).await, json!({"project_access": null, "group_access": null}));
    env.fake.set_role(env.bot, PROJECT, Role::Developer);
    assert_eq!(permissions(&env).await, json!({"project_access": access(30), "group_access": null}));

    // The highest membership among the groups above the project.
    env.fake.add_group_member("gitlab-com", env.bot, Role::Reporter);
    env.fake.add_group_member("gitlab-com/support", env.bot, Role::Maintainer);
    assert_eq!(permissions(&env).await, json!({"project_access": access(30), "group_access": access(40)}));
    assert_eq!(env.fake.effective_role(env.bot, PROJECT), Some(Role::Maintainer));

    // Another user: a group exists above the project, but they are no member of it.
    env.fake.add_user("alice", "Alice");
    let alice = env.fake.user_id("alice").unwrap();
    env.fake.add_token("alice-token", alice);
    let r = common::auth::send(&env, "GET", common::auth::Auth::Private("alice-token"), "/projects/{p}", &[]).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["permissions"], json!({"project_access": null, "group_access": null}));
}

#[tokio::test]
async fn a_share_is_not_shown_but_gives_its_role_everywhere_else() {
    let env = Env::default().await;
    // The bot maintains the partners group, shared into the project as Guest only.
    env.fake.add_group_member("partners", env.bot, Role::Maintainer);
    env.fake.share_project_with_group(PROJECT, "partners", Role::Guest);
    assert_eq!(permissions(&env).await, json!({"project_access": null, "group_access": null}));
    assert_eq!(env.fake.effective_role(env.bot, PROJECT), Some(Role::Guest));
    assert_eq!(label_create_status(&env, "guest-made").await, 403, "the share's Guest role counts");
    let created = env.create(&[("title", "t"), ("labels", "dropped")]).await;
    assert_eq!(created["labels"], json!([]), "a Guest's labels are dropped");

    // Shared again through the project's group, as Reporter: the higher role wins.
    env.fake.add_group_member("contractors/emea", env.bot, Role::Owner);
    env.fake.share_group_with_group("gitlab-com/support", "contractors", Role::Reporter);
    assert_eq!(env.fake.effective_role(env.bot, PROJECT), Some(Role::Guest), "emea is below contractors");
    env.fake.add_group_member("contractors", env.bot, Role::Developer);
    assert_eq!(env.fake.effective_role(env.bot, PROJECT), Some(Role::Reporter), "capped at the share");
    assert_eq!(label_create_status(&env, "reporter-made").await, 201);
    // The project now has groups above it, but the bot is a member of none of them.
    assert_eq!(permissions(&env).await, json!({"project_access": null, "group_access": null}));
}

#[tokio::test]
async fn a_group_label_blocks_a_project_label_and_is_found_but_not_deleted_through_the_project() {
    let env = Env::default().await;
    let group_label = env.fake.add_group_label("gitlab-com", "onboarding", "#dc143c", "the org's");
    let (status, body) =
        json(env.post("/projects/{p}/labels", &[("name", "onboarding"), ("color", "#009966")]).await).await;
    assert_eq!((status, body), (409, json!({"message": "Label already exists"})));

    let (status, found) = json(env.get("/projects/{p}/labels/onboarding").await).await;
    assert_eq!(status, 200);
    assert_eq!((found["id"].clone(), found["is_project_label"].clone()), (json!(group_label.id), json!(false)));
    assert_eq!((found["color"].clone(), found["description"].clone()), (json!("#dc143c"), json!("the org's")));
    let (_, by_id) = json(env.get(&format!("/projects/{{p}}/labels/{}", group_label.id)).await).await;
    assert_eq!(by_id["name"], "onboarding");

    env.fake.human_create_label(PROJECT, "local", "#6699cc", "mine");
    let (_, listed) = json(env.get("/projects/{p}/labels").await).await;
    let listed: Vec<(String, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap().to_string(), l["is_project_label"].as_bool().unwrap()))
        .collect();
    assert_eq!(listed, [("local".to_string(), true), ("onboarding".to_string(), false)]);

    let (status, body) = json(env.delete("/projects/{p}/labels/onboarding").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Label Not Found"})));
    assert_eq!(env.fake.group_labels("gitlab-com").len(), 1);

    // An issue naming the group label uses it: no project label of that title appears.
    let issue = env.create(&[("title", "t"), ("labels", "onboarding,new-one")]).await;
    assert_eq!(issue["labels"], json!(["new-one", "onboarding"]));
    let own: Vec<String> = env.fake.labels(PROJECT).into_iter().map(|l| l.name).collect();
    assert_eq!(own, ["local", "new-one"]);
}

#[tokio::test]
async fn label_creation_takes_a_planner_from_17_7_and_a_reporter_before() {
    let env = Env::default().await;
    env.fake.set_role(env.bot, PROJECT, Role::Guest);
    assert_eq!(label_create_status(&env, "a").await, 403);
    env.fake.set_role(env.bot, PROJECT, Role::Planner);
    assert_eq!(label_create_status(&env, "b").await, 201);

    let old = Env::start(Options { gitlab_version: Version::new(17, 6), ..Options::default() }).await;
    old.fake.set_role(old.bot, PROJECT, Role::Planner);
    let (status, body) = json(old.post("/projects/{p}/labels", &[("name", "c"), ("color", "#123456")]).await).await;
    assert_eq!((status, body), (403, json!({"message": "403 Forbidden"})));
    old.fake.set_role(old.bot, PROJECT, Role::Reporter);
    assert_eq!(label_create_status(&old, "c").await, 201);
    // A Reporter through a group counts the same.
    old.fake.set_role(old.bot, PROJECT, Role::Guest);
    old.fake.add_group_member("gitlab-com", old.bot, Role::Reporter);
    assert_eq!(label_create_status(&old, "d").await, 201);
}

#[tokio::test]
async fn the_loser_of_a_create_race_gets_a_500_and_the_winners_label_stands() {
    let env = Env::default().await;
    env.fake.lose_next_label_create_race(PROJECT, "run lock::x", "#dc143c", "held by run 2");
    let form = [("name", "run lock::x"), ("color", "#dc143c"), ("description", "held by run 1")];
    let (status, body) = json(env.post("/projects/{p}/labels", &form).await).await;
    assert_eq!((status, body), (500, json!({"message": "500 Internal Server Error"})));
    let labels = env.fake.labels(PROJECT);
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].description.as_deref(), Some("held by run 2"));
    // Once: the next create sees the label.
    assert_eq!(env.post("/projects/{p}/labels", &form).await.status(), 409);
}
