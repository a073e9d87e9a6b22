//! python-gitlab, the independent client, against the behaviours modelled on GitLab's source:
//! token scopes, project permissions, group labels and a lost label race, a git-like repository,
//! token kinds and releases, the spam check, the order of an issue's assignees, and users by id
//! with the assignees GitLab cannot set. Each test sets the fake up, runs one script of
//! `tests/python/`, then checks what the script left in the fake.

mod common;

use std::fs;
use std::os::unix::fs::symlink;

use common::python;
use common::{Env, PROJECT, TOKEN};
use fake_gitlab::{lfs_pointer, AssigneeOrder, Options, Role, SpamRule, TreePaging, Version, RECAPTCHA_SITE_KEY};
use serde_json::json;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fake-gitlab-py-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes() {
    let env = Env::default().await;
    let dir = temp_dir("scopes");
    fs::write(dir.join("team.yaml"), "people: []\n").unwrap();
    env.fake.add_repository_dir(PROJECT, "main", &dir);
    env.create(&[("title", "existing")]).await;
    for (token, scope) in [("repo", "read_repository"), ("reader", "read_api"), ("profile", "read_user")] {
        env.fake.add_token_with_scopes(token, env.bot, &[scope]);
    }
    env.fake.clear_requests();
    let extra = [
        ("PROJECT", PROJECT),
        ("READ_REPOSITORY_TOKEN", "repo"),
        ("READ_API_TOKEN", "reader"),
        ("READ_USER_TOKEN", "profile"),
    ];
    python::run("scopes.py", &env.fake.url(), TOKEN, &extra).await;
    assert_eq!(env.fake.issues(PROJECT).len(), 1, "the refused create left nothing");
    assert!(env.fake.labels(PROJECT).is_empty());
    let refused = env.fake.requests().iter().filter(|r| r.status == 403).count();
    assert_eq!(refused, 7, "every refusal the script expects, and no other");
    let _ = fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions() {
    let env = Env::default().await;
    env.fake.set_role(env.bot, PROJECT, Role::Developer);
    env.fake.add_group_member("gitlab-com", env.bot, Role::Maintainer);
    let alice = env.fake.add_user("alice", "Alice");
    env.fake.add_token("alice-token", alice);
    env.fake.add_group_member("partners", alice, Role::Owner);
    env.fake.share_project_with_group(PROJECT, "partners", Role::Reporter);

    let bot_expected = json!({
        "project_access": {"access_level": 30, "notification_level": 3},
        "group_access": {"access_level": 40, "notification_level": 3},
    });
    let expected = bot_expected.to_string();
    python::run("permissions.py", &env.fake.url(), TOKEN, &[("PROJECT", PROJECT), ("EXPECTED", &expected)]).await;
    // Alice reaches the project through the share only: not shown, yet a Reporter there.
    let alice_expected = json!({"project_access": null, "group_access": null}).to_string();
    python::run(
        "permissions.py",
        &env.fake.url(),
        "alice-token",
        &[("PROJECT", PROJECT), ("EXPECTED", &alice_expected)],
    )
    .await;
    assert_eq!(env.fake.effective_role(alice, PROJECT), Some(Role::Reporter));
    assert_eq!(env.fake.effective_role(env.bot, PROJECT), Some(Role::Maintainer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_labels_and_a_lost_race() {
    let env = Env::default().await;
    let label = env.fake.add_group_label("gitlab-com/support", "onboarding", "#dc143c", "the team's");
    env.fake.lose_next_label_create_race(PROJECT, "run lock::x", "#dc143c", "held by the other run");
    let id = label.id.to_string();
    let extra =
        [("PROJECT", PROJECT), ("GROUP_LABEL", "onboarding"), ("GROUP_LABEL_ID", &id), ("RACE_LABEL", "run lock::x")];
    python::run("group_labels.py", &env.fake.url(), TOKEN, &extra).await;
    let own: Vec<String> = env.fake.labels(PROJECT).into_iter().map(|l| l.name).collect();
    assert_eq!(own, ["python-own", "run lock::x"]);
    assert_eq!(env.fake.group_labels("gitlab-com/support"), [label], "untouched by the project's endpoints");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_git_like_repository() {
    // GitLab 17.1: python-gitlab follows the first page's `next` to an empty page and stops.
    let env = Env::start(Options { tree_paging: TreePaging::FirstPageAlwaysNext, ..Options::default() }).await;
    let dir = temp_dir("repository");
    let binary = [0x00u8, 0xff, 0x80, 0x0a];
    fs::create_dir_all(dir.join("docs")).unwrap();
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(dir.join("sub/inside.md"), "checked out\n").unwrap();
    fs::write(dir.join("README.md"), "# team\n").unwrap();
    fs::write(dir.join("docs/guide.md"), "guide\n").unwrap();
    fs::write(dir.join("binary.dat"), binary).unwrap();
    let oid = "c".repeat(64);
    fs::write(dir.join("big.bin"), lfs_pointer(&oid, 9)).unwrap();
    symlink("README.md", dir.join("link")).unwrap();
    env.fake.add_repository_dir(PROJECT, "main", &dir);
    env.fake.add_submodule(PROJECT, "main", "sub", "89abcdef0123456789abcdef0123456789abcdef");
    env.fake.add_lfs_object(PROJECT, &oid, "LFS bytes");

    let tree = json!([
        ["docs", "tree", "040000"],
        ["README.md", "blob", "100644"],
        ["big.bin", "blob", "100644"],
        ["binary.dat", "blob", "100644"],
        ["docs/guide.md", "blob", "100644"],
        ["link", "blob", "120000"],
        ["sub", "commit", "160000"],
    ])
    .to_string();
    let pointer = lfs_pointer(&oid, 9);
    let extra = [
        ("PROJECT", PROJECT),
        ("PER_PAGE", "10"),
        ("EXPECTED_TREE", tree.as_str()),
        ("BINARY_HEX", "00ff800a"),
        ("LFS_POINTER", pointer.as_str()),
        ("LFS_CONTENT", "LFS bytes"),
    ];
    python::run("repository.py", &env.fake.url(), TOKEN, &extra).await;
    let pages: Vec<String> =
        env.fake.requests().iter().filter(|r| r.route.ends_with("/repository/tree")).map(|r| r.query.clone()).collect();
    // The only page announced a second, which python-gitlab fetched: empty, and the end.
    assert_eq!(pages, ["recursive=True&ref=main&per_page=10", "page=2&per_page=10&recursive=True&ref=main"]);
    assert!(env
        .fake
        .requests()
        .iter()
        .any(|r| r.route.ends_with("/raw") && r.query.to_lowercase().contains("lfs=true")));
    let _ = fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_kinds_and_an_older_release() {
    let env = Env::default().await;
    env.fake.add_oauth_token("oauth", env.bot, &["api"]);
    let project_bot = env.fake.add_user("project_1001_bot_1", "Training bot");
    env.fake.add_token("project-token", project_bot);
    env.fake.limit_token_to_project("project-token", PROJECT);
    env.fake.add_job_token("glcbt-job", env.bot);
    env.create(&[("title", "seen by the job")]).await;
    let old = Env::start(Options { gitlab_version: Version::new(15, 0), ..Options::default() }).await;
    let bot_id = project_bot.to_string();
    let old_url = old.fake.url();
    let extra = [
        ("PROJECT", PROJECT),
        ("OAUTH_TOKEN", "oauth"),
        ("PROJECT_TOKEN", "project-token"),
        ("PROJECT_BOT_ID", bot_id.as_str()),
        ("JOB_TOKEN", "glcbt-job"),
        ("OLD_URL", old_url.as_str()),
    ];
    python::run("tokens.py", &env.fake.url(), TOKEN, &extra).await;
    assert_eq!(env.fake.issues(PROJECT).len(), 1, "the job token created nothing");
    assert_eq!(old.fake.requests().last().map(|r| r.status), Some(405));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spam() {
    let env = Env::default().await;
    env.fake.set_public(PROJECT, true);
    env.fake.flag_spam(SpamRule::containing("cheap-pills.example"));
    let extra = [("PROJECT", PROJECT), ("SPAM_TEXT", "cheap-pills.example"), ("SITE_KEY", RECAPTCHA_SITE_KEY)];
    let out = python::run("spam.py", &env.fake.url(), TOKEN, &extra).await;
    let iid: u64 = out.trim().strip_prefix("ok ").and_then(|n| n.parse().ok()).expect("the script prints its iid");
    let issues = env.fake.issues(PROJECT);
    assert_eq!(issues.len(), 1, "the spam create left nothing");
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().description, "fine", "the spam update left nothing");
    assert_eq!(env.fake.spam_logs().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignees_answered_in_id_order() {
    let env = Env::start(Options { assignee_order: AssigneeOrder::ById, ..Options::default() }).await;
    let low = env.fake.add_user("low", "Low");
    let high = env.fake.add_user("high", "High");
    assert!(low < high);
    let (low_id, high_id) = (low.to_string(), high.to_string());
    let extra = [("PROJECT", PROJECT), ("LOW_ID", low_id.as_str()), ("HIGH_ID", high_id.as_str())];
    let out = python::run("assignee_order.py", &env.fake.url(), TOKEN, &extra).await;
    let iid: u64 = out.trim().strip_prefix("ok ").and_then(|n| n.parse().ok()).expect("the script prints its iid");
    // Stored as sent; only the answer's order is the database's.
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().assignee_ids, [high, low]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_by_id_and_assignees_nobody_can_be() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice");
    let gone = env.fake.add_user("gone", "Gone");
    env.fake.block_user("gone");
    let unknown = 987_654u64;
    assert!(env.fake.username(unknown).is_none());
    let (a, g, u) = (alice.to_string(), gone.to_string(), unknown.to_string());
    let extra = [("PROJECT", PROJECT), ("ALICE_ID", a.as_str()), ("GONE_ID", g.as_str()), ("UNKNOWN_ID", u.as_str())];
    let out = python::run("users.py", &env.fake.url(), TOKEN, &extra).await;
    let iid: u64 = out.trim().strip_prefix("ok ").and_then(|n| n.parse().ok()).expect("the script prints its iid");
    assert_eq!(env.fake.issue(PROJECT, iid).unwrap().assignee_ids, [alice]);
}
