//! The real `gitlab` crate (as onboarder uses it) against the fake: builder, create, page, edit, note.

mod common;

use common::{Env, PROJECT, TOKEN};
use gitlab::api::projects::issues::notes::CreateIssueNote;
use gitlab::api::projects::issues::{CreateIssue, EditIssue, IssueState, IssueStateEvent, Issues};
use gitlab::api::{self, AsyncQuery, Pagination};
use gitlab::GitlabBuilder;
use serde_json::Value;

#[tokio::test]
async fn the_gitlab_crate_drives_the_fake() {
    let env = Env::default().await;
    let client =
        GitlabBuilder::new(env.fake.host(), TOKEN).insecure().build_async().await.expect("client builds (GET /user)");

    for n in 0..130 {
        env.fake.human_create_issue(PROJECT, env.bot, &format!("old {n}"), "", &["managed"]);
    }
    let created: Value = CreateIssue::builder()
        .project(PROJECT)
        .title("From the crate")
        .description("Intro\n/label ~managed\n\n- [ ] step\n/close")
        .labels(["managed", "onboarding"].iter().copied())
        .assignee_ids([env.bot].into_iter())
        .build()
        .unwrap()
        .query_async(&client)
        .await
        .expect("create");
    let iid = created["iid"].as_u64().unwrap();
    assert_eq!(iid, 131);
    // `/close` after a list item is a lazy continuation line of it: not a command.
    assert_eq!(created["description"], "Intro\n- [ ] step\n/close");
    assert_eq!(created["state"], "opened");
    assert_eq!(created["assignees"][0]["id"], env.bot);

    let all: Vec<Value> = api::paged(
        Issues::builder().project(PROJECT).state(IssueState::Opened).label("managed").build().unwrap(),
        Pagination::All,
    )
    .query_async(&client)
    .await
    .expect("paged list");
    assert_eq!(all.len(), 131);
    assert_eq!(env.fake.count("GET"), 1 + 2, "GET /user, then two pages of 100");

    let edited: Value = EditIssue::builder()
        .project(PROJECT)
        .issue(iid)
        .unassign()
        .add_label("done")
        .remove_label("onboarding")
        .state_event(IssueStateEvent::Close)
        .build()
        .unwrap()
        .query_async(&client)
        .await
        .expect("edit");
    assert_eq!(edited["state"], "closed");
    assert_eq!(edited["assignees"], serde_json::json!([]));
    assert_eq!(edited["labels"], serde_json::json!(["done", "managed"]));

    let note: Value = CreateIssueNote::builder()
        .project(PROJECT)
        .issue(iid)
        .body("All done.")
        .build()
        .unwrap()
        .query_async(&client)
        .await
        .expect("note");
    assert_eq!(note["body"], "All done.");
}
