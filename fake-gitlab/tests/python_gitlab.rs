//! python-gitlab, an independent client, against the fake: each test sets the fake up, runs one
//! script of `tests/python/` (which asserts the answers GitLab gives), then checks what its
//! writes left in the fake. A fake that only agrees with onboarder proves nothing.

mod common;

use common::python;
use common::{Env, PROJECT, TOKEN};
use fake_gitlab::Role;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_authors_ticks_confidential_issues_and_templates() {
    let env = Env::default().await;
    let alice = env.fake.add_user("alice", "Alice");
    let carol = env.fake.add_user("carol", "Carol");
    env.fake.add_token("alice-token", alice);
    env.fake.add_token("carol-token", carol);
    env.fake.set_role(carol, PROJECT, Role::Guest);
    env.fake.add_issue_template(PROJECT, "Onboarding", "## Welcome\n");
    env.fake.add_issue_template(PROJECT, "Module - Git basics", "- [ ] Read the guide\n");
    let extra = [("PROJECT", PROJECT), ("ALICE_TOKEN", "alice-token"), ("CAROL_TOKEN", "carol-token")];
    let out = python::run("people.py", &env.fake.url(), TOKEN, &extra).await;
    let iids: Vec<u64> = out.trim().strip_prefix("ok ").expect("ok").split(' ').map(|n| n.parse().unwrap()).collect();
    let (mine, secret) = (iids[0], iids[1]);

    assert_eq!(env.fake.issue(PROJECT, mine).unwrap().author_id, alice);
    let ticks: Vec<(u64, bool)> = env.fake.notes(PROJECT, mine).iter().map(|n| (n.author_id, n.system)).collect();
    assert_eq!(ticks, [(alice, true), (alice, true), (alice, false), (env.bot, true)]);
    let secret = env.fake.issue(PROJECT, secret).unwrap();
    assert_eq!((secret.confidential, secret.assignee_ids), (false, vec![alice]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_module_issues_by_assignee_open_and_closed_without_onboarders_own() {
    let env = Env::default().await;
    let bob = env.fake.add_user("bob", "Bob Builder");
    let wendy = env.fake.add_user("wendy", "Wendy");
    env.fake.add_issue_template(PROJECT, "GitLab Omnibus", "- [ ] Install it\n");
    env.fake.add_issue_template(PROJECT, "Subscriptions License and Renewals", "- [ ] Read\n");
    // Bob opens a module issue from its template and closes it; then opens another; Wendy has one
    // of her own; onboarder's issue for Bob carries its label.
    let closed = env.fake.human_open_issue(PROJECT, bob, "Bob Builder - GitLab Omnibus", &[bob], true);
    let ours = env.fake.human_create_issue(PROJECT, env.bot, "Support learning path: Bob Builder", "", &["onboarder"]);
    env.fake.human_edit(PROJECT, ours, |i| i.assignee_ids = vec![bob]);
    let open =
        env.fake.human_open_issue(PROJECT, bob, "Bob Builder - Subscriptions License and Renewals", &[bob], false);
    let others = env.fake.human_open_issue(PROJECT, wendy, "Wendy - GitLab Omnibus", &[wendy], true);
    let ids = [bob, closed, open, others, ours].map(|n| n.to_string());
    let extra = [
        ("PROJECT", PROJECT),
        ("BOB_ID", ids[0].as_str()),
        ("CLOSED", ids[1].as_str()),
        ("OPEN", ids[2].as_str()),
        ("OTHERS", ids[3].as_str()),
        ("OURS", ids[4].as_str()),
    ];
    let out = python::run("modules.py", &env.fake.url(), TOKEN, &extra).await;
    assert_eq!(out.trim(), "ok");
    // Reading wrote nothing.
    assert_eq!(env.fake.writes(), 0);
    let closed = env.fake.issue(PROJECT, closed).unwrap();
    assert_eq!((closed.state.as_str(), closed.closed_by_id, closed.author_id), ("closed", Some(bob), bob));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_ticked_a_box_on_a_confidential_issue() {
    let env = Env::default().await;
    let dana = env.fake.add_user("dana", "Dana");
    let hire = env.fake.add_user("hire", "A new hire");
    env.fake.add_token("dana-token", dana);
    env.fake.add_token("hire-token", hire);
    env.fake.set_role(dana, PROJECT, Role::Reporter);
    env.fake.set_role(hire, PROJECT, Role::Reporter);
    let extra = [("PROJECT", PROJECT), ("DANA_TOKEN", "dana-token"), ("HIRE_TOKEN", "hire-token")];
    let out = python::run("dashboard_ticks.py", &env.fake.url(), TOKEN, &extra).await;
    let iid: u64 = out.trim().strip_prefix("ok ").and_then(|n| n.parse().ok()).expect("the script prints its iid");
    let board = env.fake.issue(PROJECT, iid).unwrap();
    assert!(board.confidential);
    let by: Vec<(u64, bool)> = env.fake.notes(PROJECT, iid).iter().map(|n| (n.author_id, n.system)).collect();
    let (bot, system) = (env.bot, true);
    assert_eq!(
        by,
        [(hire, system), (dana, system), (bot, system), (bot, system), (hire, system), (dana, system), (bot, system)]
    );
}
