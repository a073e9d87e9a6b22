//! Project labels as GitLab answers them: create (201, or 409 when the name is taken), show by
//! name or id, list, delete (204, the label leaves every issue), and who may manage them.

mod common;

use common::{json, Env, PROJECT};
use fake_gitlab::Role;
use serde_json::json;

#[tokio::test]
async fn a_label_is_created_once_read_by_name_or_id_and_deleted() {
    let env = Env::default().await;
    let form = [("name", "run lock::x"), ("color", "#dc143c"), ("description", "held by run 1")];
    let (status, created) = json(env.post("/projects/{p}/labels", &form).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "run lock::x");
    assert_eq!(created["color"], "#dc143c");
    assert_eq!(created["description"], "held by run 1");
    assert_eq!(created["text_color"], "#FFFFFF");
    assert_eq!(created["is_project_label"], true);

    // The same name again: 409, whatever the colour or description.
    let again = [("name", "run lock::x"), ("color", "#009966"), ("description", "held by run 2")];
    let (status, body) = json(env.post("/projects/{p}/labels", &again).await).await;
    assert_eq!((status, body), (409, json!({"message": "Label already exists"})));
    // Titles are case-sensitive.
    let other_case = [("name", "Run Lock::x"), ("color", "#009966")];
    assert_eq!(env.post("/projects/{p}/labels", &other_case).await.status(), 201);

    let (status, by_name) = json(env.get("/projects/{p}/labels/run%20lock%3A%3Ax").await).await;
    assert_eq!((status, by_name["description"].clone()), (200, json!("held by run 1")));
    let (_, by_id) = json(env.get(&format!("/projects/{{p}}/labels/{}", created["id"])).await).await;
    assert_eq!(by_id["name"], "run lock::x");
    let (_, all) = json(env.get("/projects/{p}/labels").await).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    let deleted = env.delete("/projects/{p}/labels/run%20lock%3A%3Ax").await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.text().await.unwrap().is_empty());
    let (status, body) = json(env.get("/projects/{p}/labels/run%20lock%3A%3Ax").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Label Not Found"})));
    assert_eq!(env.delete("/projects/{p}/labels/run%20lock%3A%3Ax").await.status(), 404);
    // Free again: the next create wins.
    assert_eq!(env.post("/projects/{p}/labels", &again).await.status(), 201);
}

#[tokio::test]
async fn bad_label_requests_are_refused_as_gitlab_refuses_them() {
    let env = Env::default().await;
    let (status, body) = json(env.post("/projects/{p}/labels", &[("description", "d")]).await).await;
    assert_eq!((status, body), (400, json!({"error": "name is missing, color is missing"})));
    let (status, body) = json(env.post("/projects/{p}/labels", &[("name", "x"), ("color", "#12")]).await).await;
    assert_eq!((status, body), (400, json!({"message": {"color": ["must be a valid color code"]}})));
    let (status, body) = json(env.post("/projects/{p}/labels", &[("name", "a,b"), ("color", "red")]).await).await;
    assert_eq!((status, body), (400, json!({"message": {"title": ["is invalid"]}})));
    let (status, body) = json(env.get("/projects/nobody%2Fnothing/labels/x").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Project Not Found"})));
    let (status, body) = json(env.put("/projects/{p}/labels/x", &[("description", "d")]).await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Label Not Found"})));
}

// lib/api/labels.rb `PUT :id/labels/:name` (`update_label`): at least one field, the project's
// own labels only; the run lock renews its lease this way.
#[tokio::test]
async fn a_label_is_edited_in_place_and_an_empty_edit_is_refused() {
    let env = Env::default().await;
    env.fake.human_create_label(PROJECT, "lock", "#dc143c", "old");
    let (status, body) = json(env.put("/projects/{p}/labels/lock", &[]).await).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        json(env.put("/projects/{p}/labels/lock", &[("color", "#dc143c"), ("description", "new")]).await).await;
    assert_eq!((status, &body["description"], &body["name"]), (200, &json!("new"), &json!("lock")));
    assert_eq!(env.fake.labels(PROJECT)[0].description.as_deref(), Some("new"));
    env.fake.add_group_label("gitlab-com/support", "theirs", "#000000", "a group's");
    assert_eq!(env.put("/projects/{p}/labels/theirs", &[("description", "x")]).await.status(), 404);
}

#[tokio::test]
async fn a_guest_reads_labels_but_cannot_create_or_delete_them_and_a_planner_can() {
    let env = Env::default().await;
    env.fake.human_create_label(PROJECT, "kept", "#6699cc", "a person's label");
    env.fake.set_role(env.bot, PROJECT, Role::Guest);
    let form = [("name", "mine"), ("color", "#6699cc")];
    let (status, body) = json(env.post("/projects/{p}/labels", &form).await).await;
    assert_eq!((status, body), (403, json!({"message": "403 Forbidden"})));
    // Even a taken name answers 403 to a Guest: authorisation comes first.
    let taken = [("name", "kept"), ("color", "#6699cc")];
    assert_eq!(env.post("/projects/{p}/labels", &taken).await.status(), 403);
    assert_eq!(env.get("/projects/{p}/labels/kept").await.status(), 200);
    assert_eq!(env.delete("/projects/{p}/labels/kept").await.status(), 403);
    assert_eq!(env.fake.labels(PROJECT).len(), 1);

    env.fake.set_role(env.bot, PROJECT, Role::Planner);
    assert_eq!(env.post("/projects/{p}/labels", &form).await.status(), 201);
    assert_eq!(env.delete("/projects/{p}/labels/kept").await.status(), 204);
    let names: Vec<String> = env.fake.labels(PROJECT).into_iter().map(|l| l.name).collect();
    assert_eq!(names, ["mine"]);
}

#[tokio::test]
async fn issue_labels_create_project_labels_and_deleting_one_removes_it_from_issues() {
    let env = Env::default().await;
    let created = env.create(&[("title", "t"), ("labels", "onboarding,stage::1")]).await;
    let (_, label) = json(env.get("/projects/{p}/labels/stage%3A%3A1").await).await;
    assert_eq!(label["color"], "#6699cc", "GitLab's default colour");
    assert_eq!(env.delete("/projects/{p}/labels/stage%3A%3A1").await.status(), 204);
    let (_, issue) = json(env.get(&format!("/projects/{{p}}/issues/{}", created["iid"])).await).await;
    assert_eq!(issue["labels"], json!(["onboarding"]));
}
