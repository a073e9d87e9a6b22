//! python-gitlab, an independent client, against the fake: each test sets the fake up, runs one
//! script of `tests/python/` (which asserts the answers GitLab gives), then checks what its
//! writes left in the fake. A fake that only agrees with onboarder proves nothing.

mod common;

use common::python;
use common::{Env, PROJECT, TOKEN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issues_notes_users_and_projects() {
    let env = Env::default().await;
    for n in 0..120 {
        env.fake.human_create_issue(PROJECT, env.bot, &format!("old {n}"), "", &["managed"]);
    }
    let out =
        python::run("issues.py", &env.fake.url(), TOKEN, &[("PROJECT", PROJECT), ("EXPECT_MANAGED_OPEN", "120")]).await;
    let iid: u64 = out.trim().strip_prefix("ok ").and_then(|n| n.parse().ok()).expect("the script prints its iid");
    let issue = env.fake.issue(PROJECT, iid).expect("created");
    assert_eq!(issue.labels, ["extra", "managed"]);
    assert_eq!(issue.task_status(), (1, 1));
    let notes = env.fake.notes(PROJECT, iid);
    assert!(notes.iter().any(|n| n.body == "Hello from python-gitlab" && n.author_id == env.bot));
}
