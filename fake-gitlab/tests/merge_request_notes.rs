//! Merge request notes as GitLab answers them: paged listing, create, edit by the author only,
//! 404 for a merge request or note that does not exist; and the `gitlab` crate's own endpoints agree.

mod common;

use common::{header, json, Env, PROJECT, TOKEN};
use gitlab::api::projects::merge_requests::notes::{CreateMergeRequestNote, EditMergeRequestNote, MergeRequestNotes};
use gitlab::api::{self, AsyncQuery, Pagination};
use gitlab::GitlabBuilder;
use serde_json::Value;

#[tokio::test]
async fn notes_are_listed_paged_created_and_edited_by_their_author() {
    let env = Env::default().await;
    env.fake.add_merge_request(PROJECT, 4);
    let path = "/projects/{p}/merge_requests/4/notes";

    let (status, first) = json(env.post(path, &[("body", "first")]).await).await;
    assert_eq!(status, 201);
    assert_eq!(first["noteable_type"], "MergeRequest");
    assert_eq!(first["noteable_iid"], 4);
    assert_eq!(first["author"]["id"], env.bot);
    for n in 0..3 {
        assert_eq!(env.post(path, &[("body", &format!("more {n}"))]).await.status().as_u16(), 201);
    }
    // Newest first by default, paged like every list.
    let r = env.get(&format!("{path}?per_page=2")).await;
    assert_eq!(header(&r, "x-next-page").as_deref(), Some("2"));
    let (_, page) = json(r).await;
    assert_eq!(page[0]["body"], "more 2");
    let (_, asc) = json(env.get(&format!("{path}?sort=asc")).await).await;
    assert_eq!(asc[0]["body"], "first");

    let id = first["id"].as_u64().unwrap();
    let (status, edited) = json(env.put(&format!("{path}/{id}"), &[("body", "changed")]).await).await;
    assert_eq!(status, 200);
    assert_eq!(edited["id"], id);
    assert_eq!(edited["body"], "changed");
    let notes = env.fake.merge_request_notes(PROJECT, 4);
    assert_eq!(notes.len(), 4);
    assert_eq!(notes[0].body, "changed");

    // Someone else may not edit it; a missing note or merge request is 404; a blank body is refused.
    let other = env.fake.add_user("someone", "Someone");
    env.fake.add_token("other-token", other);
    let r = reqwest::Client::new()
        .put(env.api(&format!("{path}/{id}")))
        .header("PRIVATE-TOKEN", "other-token")
        .form(&[("body", "mine now")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(env.put(&format!("{path}/999999"), &[("body", "x")]).await.status().as_u16(), 404);
    assert_eq!(env.get("/projects/{p}/merge_requests/5/notes").await.status().as_u16(), 404);
    assert_eq!(env.post("/projects/{p}/merge_requests/5/notes", &[("body", "x")]).await.status().as_u16(), 404);
    assert_eq!(env.post(path, &[("body", "  ")]).await.status().as_u16(), 400);
    assert_eq!(env.post(path, &[]).await.status().as_u16(), 400);
    assert_eq!(env.fake.merge_request_notes(PROJECT, 4)[0].body, "changed");
}

#[tokio::test]
async fn the_gitlab_crate_agrees_on_merge_request_notes() {
    let env = Env::default().await;
    env.fake.add_merge_request(PROJECT, 7);
    let client = GitlabBuilder::new(env.fake.host(), TOKEN).insecure().build_async().await.unwrap();
    let created: Value = CreateMergeRequestNote::builder()
        .project(PROJECT)
        .merge_request(7)
        .body("plan v1")
        .build()
        .unwrap()
        .query_async(&client)
        .await
        .unwrap();
    for n in 0..120 {
        env.post("/projects/{p}/merge_requests/7/notes", &[("body", &format!("chat {n}"))]).await;
    }
    let id = created["id"].as_u64().unwrap();
    let edited: Value = EditMergeRequestNote::builder()
        .project(PROJECT)
        .merge_request(7)
        .note(id)
        .body("plan v2")
        .build()
        .unwrap()
        .query_async(&client)
        .await
        .unwrap();
    assert_eq!(edited["body"], "plan v2");
    let all: Vec<Value> =
        api::paged(MergeRequestNotes::builder().project(PROJECT).merge_request(7).build().unwrap(), Pagination::All)
            .query_async(&client)
            .await
            .unwrap();
    assert_eq!(all.len(), 121);
    assert_eq!(all.iter().filter(|n| n["body"] == "plan v2").count(), 1);
}
