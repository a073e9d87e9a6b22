//! The spam check of issue create and update: a 409 asking for a CAPTCHA, or a 400 without
//! reCAPTCHA; only for writes GitLab checks (public project, not confidential, title or
//! description changed); nothing saved when it says spam.

mod common;

use common::{json, Env, PROJECT};
use fake_gitlab::{SpamRule, RECAPTCHA_SITE_KEY};
use serde_json::json;

fn captcha(spam_log_id: u64) -> serde_json::Value {
    json!({
        "needs_captcha_response": true,
        "spam_log_id": spam_log_id,
        "captcha_site_key": RECAPTCHA_SITE_KEY,
        "message": {
            "error": "Your issue has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed."
        }
    })
}

#[tokio::test]
async fn spam_in_a_public_project_asks_for_a_captcha_and_saves_nothing() {
    let env = Env::default().await;
    env.fake.flag_spam(SpamRule::containing("cheap pills"));
    // A private project's issues are never checked.
    env.create(&[("title", "t"), ("description", "cheap pills")]).await;
    env.fake.set_public(PROJECT, true);
    let (_, project) = json(env.get("/projects/{p}").await).await;
    assert_eq!(project["visibility"], "public");

    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", "cheap pills here")]).await).await;
    assert_eq!((status, body), (409, captcha(1)));
    assert_eq!(env.fake.issues(PROJECT).len(), 1);
    let logs = env.fake.spam_logs();
    assert_eq!((logs.len(), logs[0].title.as_str(), logs[0].user_id), (1, "cheap pills here", env.bot));

    // Updates are checked when the title or description changes, not otherwise.
    let edit = [("description", "now with cheap pills")];
    let (status, body) = json(env.put("/projects/{p}/issues/1", &edit).await).await;
    assert_eq!((status, body), (409, captcha(2)));
    assert_eq!(env.fake.issue(PROJECT, 1).unwrap().description, "cheap pills", "unchanged");
    assert_eq!(env.put("/projects/{p}/issues/1", &[("add_labels", "x")]).await.status(), 200);
    // Confidential issues are not publicly visible: not checked.
    let secret = [("title", "cheap pills"), ("confidential", "true")];
    assert_eq!(env.post("/projects/{p}/issues", &secret).await.status(), 201);
    assert_eq!(env.fake.spam_logs().len(), 2);
}

#[tokio::test]
async fn without_recaptcha_spam_is_a_validation_error_and_a_count_wears_off() {
    let env = Env::default().await;
    env.fake.set_public(PROJECT, true);
    env.fake.flag_spam(SpamRule::next(1).without_captcha());
    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", "innocent")]).await).await;
    let message = "Your issue has been recognized as spam. Please, change the content to proceed.";
    assert_eq!((status, body), (400, json!({"message": {"base": [message]}})));
    assert_eq!(env.post("/projects/{p}/issues", &[("title", "innocent")]).await.status(), 201);
    // Validation comes first: a blank title is just that.
    env.fake.flag_spam(SpamRule::next(1));
    let (status, body) = json(env.post("/projects/{p}/issues", &[("title", " ")]).await).await;
    assert_eq!((status, body), (400, json!({"message": {"title": ["can't be blank"]}})));
    assert_eq!(env.post("/projects/{p}/issues", &[("title", "again")]).await.status(), 409);
}
