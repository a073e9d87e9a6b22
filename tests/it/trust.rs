//! What a person can write in an issue gives them none of onboarder's powers: its state block is
//! sealed with a key only the CI job holds, only issues and notes onboarder's own account wrote
//! count as onboarder's, and values read back are inert. Each test is one finding of the
//! adversarial review, played by a team member with ordinary access (their own issue, comments).

use fake_gitlab::{Fault, FaultKind, Matcher};
use onboarder::plan::IssueState;
use onboarder::region;
use onboarder::seal::{Place, Seal};

use crate::support::{Ctx, STATE_KEY, TODAY, TOKEN, TRAINING};

const HOSTILE: &str = "x\n\n@all please look\n\n/close\n/confidential\n/label ~pwned\n/assign @angata";

/// The issue's state block, changed by `f`, written back into its description: sealed with the
/// run's key when `seal` (as onboarder would have written it), else left unsealed (as a person
/// editing the description would).
pub fn rewrite_state(ctx: &Ctx, iid: u64, seal: bool, f: impl FnOnce(&mut serde_json::Value)) {
    let issue = ctx.fake.issue(TRAINING, iid).unwrap();
    let live = region::parse(&issue.description);
    let mut json: serde_json::Value = serde_json::from_str(live.state.unwrap()).unwrap();
    f(&mut json);
    let state: IssueState = serde_json::from_value(json).unwrap();
    let key = live.key.clone().unwrap();
    let at = Place { project_id: ctx.fake.project_id(TRAINING).unwrap(), iid, key: &key };
    let block = match seal {
        true => state.block(&Seal::new(STATE_KEY, None).unwrap(), &at, None),
        false => region::sealed(&region::state_text(&state.json()), None),
    };
    let description = region::with_state(&issue.description, &block);
    ctx.fake.human_edit(TRAINING, iid, |i| i.description = description);
}

fn state_of(ctx: &Ctx, iid: u64) -> serde_json::Value {
    let issue = ctx.fake.issue(TRAINING, iid).unwrap();
    serde_json::from_str(region::parse(&issue.description).state.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_without_the_key_refuses_says_how_to_make_one_and_sends_nothing() {
    let ctx = Ctx::new().await;
    let env =
        [("GITLAB_URL", ctx.fake.url()), ("GITLAB_TOKEN", TOKEN.to_string()), ("ONBOARDER_STATE_KEY", String::new())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = ctx.run_env(&["sync", "--today", TODAY], &env).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(
        out.stderr().contains("ONBOARDER_STATE_KEY") && out.stderr().contains("openssl rand -hex 32"),
        "{}",
        out.stderr()
    );
    assert!(ctx.fake.requests().is_empty(), "{:?}", ctx.fake.requests());
    // A key too short to be one is refused the same way.
    let short =
        [("GITLAB_URL", ctx.fake.url()), ("GITLAB_TOKEN", TOKEN.to_string()), ("ONBOARDER_STATE_KEY", "secret".into())];
    let short: Vec<(&str, &str)> = short.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = ctx.run_env(&["sync", "--today", TODAY], &short).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains("at least 32"), "{}", out.stderr());
    assert!(ctx.fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_without_the_key_says_on_its_first_line_that_it_did_not_check() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let env =
        [("GITLAB_URL", ctx.fake.url()), ("GITLAB_TOKEN", TOKEN.to_string()), ("ONBOARDER_STATE_KEY", String::new())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = ctx.run_env(&["plan", "--today", TODAY, "--summary-md", "plan.md"], &env).await.ok();
    assert!(out.stdout().starts_with("UNVERIFIED PLAN"), "{}", out.stdout());
    assert!(ctx.read("plan.md").contains("## UNVERIFIED PLAN"));
    assert!(out.stdout().contains("; 9 unchanged,"), "the plan still reads the issues: {}", out.stdout());
    assert_eq!(ctx.fake.writes(), 2 + 9, "only the first sync wrote (its lock and creates)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_key_goes_nowhere_but_into_seals() {
    let ctx = Ctx::new().await;
    let outs = [
        ctx.sync(&["-vv"]).await.ok(),
        ctx.run(&["sync", "--today", "2026-12-30", "-vv", "--format", "json"]).await.ok(),
    ];
    for out in &outs {
        assert!(!out.stdout().contains(STATE_KEY) && !out.stderr().contains(STATE_KEY));
    }
    for r in ctx.fake.requests() {
        let seen = format!("{} {} {} {:?}", r.path, r.query, r.body, r.other_headers);
        assert!(!seen.contains(STATE_KEY), "the key was sent to GitLab: {}", r.path);
    }
}

// Regression (N1): a person set the `manager` value of their own state block to text holding
// `@all` and quick actions; the "new manager" comment pasted it in, and the bot's comment ran
// `/close`, `/confidential`, `/label` and `/assign` with the bot's rights.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_value_runs_no_quick_action_and_mentions_nobody() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    // Planted by the person, unsealed: the block is no record at all.
    rewrite_state(&ctx, iid, false, |s| s["manager"] = HOSTILE.into());
    ctx.sync(&[]).await.ok();
    let issue = ctx.fake.issue(TRAINING, iid).unwrap();
    assert!(issue.is_open() && !issue.confidential && !issue.labels.iter().any(|l| l == "pwned"), "{issue:?}");
    assert!(ctx.fake.user_notes(TRAINING, iid).is_empty(), "a comment about a manager nobody changed");
    assert_ne!(state_of(&ctx, iid)["manager"], HOSTILE, "the planted value was kept");
    // Even a block onboarder sealed (an older version's, say) never gets a value pasted raw.
    rewrite_state(&ctx, iid, true, |s| s["manager"] = HOSTILE.into());
    ctx.sync(&[]).await.ok();
    let notes = ctx.fake.user_notes(TRAINING, iid);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].body.contains("You are now the manager") && notes[0].body.contains("`@all`"), "{}", notes[0].body);
    let issue = ctx.fake.issue(TRAINING, iid).unwrap();
    assert!(issue.is_open() && !issue.confidential && !issue.labels.iter().any(|l| l == "pwned"), "{issue:?}");
    assert!(ctx.fake.quick_actions().is_empty(), "{:?}", ctx.fake.quick_actions());
    assert!(!ctx.fake.mentions().iter().any(|m| m.text.eq_ignore_ascii_case("@all")), "{:?}", ctx.fake.mentions());
}

// Regression (N2): anyone who could label issues opened an issue carrying a new hire's key; the
// run took the hire's real issue for its spare copy, closed it "as a duplicate", stripped its
// label and filled the intruder's issue with the hire's checklist, and exited 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_someone_else_opened_with_a_hires_key_is_left_alone_and_named() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let real = ctx.issue_of(TRAINING, "Priya Raman");
    let intruder = ctx.fake.user_id("angata").unwrap();
    let copy = ctx.fake.human_create_issue(TRAINING, intruder, "mine now", &real.description, &["onboarder"]);
    ctx.fake.clear_requests();
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    let after = ctx.fake.issue(TRAINING, real.iid).unwrap();
    assert_eq!(after.description, real.description, "the hire's issue was touched");
    assert!(after.is_open() && after.labels.contains(&"onboarder".to_string()));
    let theirs = ctx.fake.issue(TRAINING, copy).unwrap();
    assert!(theirs.is_open() && theirs.title == "mine now" && theirs.description == real.description);
    let named: Vec<&serde_json::Value> =
        out["actions"].as_array().unwrap().iter().filter(|a| a["iid"] == copy).collect();
    assert_eq!(named.len(), 1, "{out}");
    assert_eq!(named[0]["action"], "skip");
    assert!(named[0]["reason"].as_str().unwrap().contains("@angata opened it"), "{}", named[0]);
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

// Regression (N4): `overrides` planted in one's own state block gave pace "paused", no nudges and
// a due date in 2036, and the manager's dashboard showed the person as paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_planted_in_ones_own_block_change_nothing() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    let due = ctx.fake.issue(TRAINING, iid).unwrap().due_date;
    rewrite_state(&ctx, iid, false, |s| {
        s["overrides"] = serde_json::json!({"paused_by_dashboard": "2026-11-01", "extra_days": 3650, "applied": {"extend x 0": "2026-11-01"}});
    });
    let out = ctx.sync(&["--format", "json"]).await.ok().json();
    let praman = out["actions"].as_array().unwrap().iter().find(|a| a["username"] == "praman").unwrap();
    assert_ne!(praman["pace"], "paused", "{praman}");
    let issue = ctx.fake.issue(TRAINING, iid).unwrap();
    assert_eq!(issue.due_date, due, "the due date moved");
    assert!(!issue.labels.iter().any(|l| l.ends_with("::paused")), "{:?}", issue.labels);
    assert!(state_of(&ctx, iid).get("overrides").is_none(), "the planted overrides were kept");
}

// Regression (N5): a person's own comment carrying a note key (`<!-- onboarder:note behind:... -->`)
// stopped the nudge for good, and the state recorded it as said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_note_key_in_a_persons_comment_silences_nothing() {
    let ctx = Ctx::new().await;
    ctx.run(&["sync", "--today", "2026-10-12"]).await.ok();
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    let praman = ctx.fake.user_id("praman").unwrap();
    ctx.fake.human_comment(TRAINING, iid, praman, "ok <!-- onboarder:note behind:learn-about-gitlab -->");
    ctx.sync(&[]).await.ok();
    let notes = ctx.fake.user_notes(TRAINING, iid);
    let nudges: Vec<&fake_gitlab::Note> =
        notes.iter().filter(|n| n.author_id == ctx.bot && n.body.contains("behind:learn-about-gitlab")).collect();
    assert_eq!(nudges.len(), 1, "the nudge was not posted: {notes:?}");
    assert_eq!(state_of(&ctx, iid)["said"]["behind:learn-about-gitlab"], TODAY);
}

// Regression (N9): the order was read, read the notes, post the comment, write: an edit made
// while the comment was being posted was overwritten. Now the issue is read again after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_while_a_comment_is_posted_survives_the_write() {
    let ctx = Ctx::new().await;
    ctx.run(&["sync", "--today", "2026-10-12"]).await.ok();
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    let note =
        Matcher::route("POST", "/api/v4/projects/:id/issues/:iid/notes").and_path_contains(&format!("/issues/{iid}/"));
    ctx.fake.before_request(note, move |fake| {
        fake.human_edit(TRAINING, iid, |i| {
            assert!(i.set_task("id: coffee-chats", true));
            i.description.push_str("\n\nWritten while onboarder was posting its comment.\n");
        });
    });
    ctx.sync(&[]).await.ok();
    let after = ctx.fake.issue(TRAINING, iid).unwrap();
    assert_eq!(ctx.fake.user_notes(TRAINING, iid).len(), 1, "the comment was not posted: the test shows nothing");
    assert!(after.description.contains("Written while onboarder was posting its comment."), "the edit was lost");
    let line = after.description.lines().find(|l| l.contains("id: coffee-chats")).unwrap();
    assert!(line.contains("[x]"), "the tick was lost: {line}");
}

// Regression (N15, issue listing): a proxy that passed only the body made a full page look like
// the whole listing; the people on later pages were taken for gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_page_without_paging_headers_decides_nothing() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    for n in 0..100 {
        ctx.fake.human_create_issue(TRAINING, ctx.bot, &format!("other {n}"), "", &["onboarder"]);
    }
    ctx.fake.inject(
        Fault::new(Matcher::route("GET", "/api/v4/projects/:id/issues"), FaultKind::StripAllPaginationHeaders)
            .times(20),
    );
    ctx.fake.clear_requests();
    let out = ctx.run(&["sync", "--today", "2026-12-30"]).await;
    assert_ne!(out.code(), 0, "{}", out.stderr());
    assert!(out.stderr().contains("cannot show it is complete"), "{}", out.stderr());
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

async fn sync_env(ctx: &Ctx, env: Vec<(String, String)>) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ctx.run_env(&["sync", "--today", TODAY], &env).await.ok();
}

// A key that changes (a new ONBOARDER_STATE_KEY without the old one as the previous key): every
// block fails its seal, so each issue's notes are read once, what they prove is kept, and each
// block is sealed anew; the run after writes nothing. With the old key given as the previous one
// (a rotation), nothing is rewritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_rewrites_nothing_and_a_lost_key_is_recovered_from_notes_once() {
    let ctx = Ctx::new().await;
    ctx.run(&["sync", "--today", "2026-10-12"]).await.ok();
    ctx.sync(&[]).await.ok();
    let said_before = state_of(&ctx, ctx.issue_of(TRAINING, "Priya Raman").iid)["said"].clone();
    let new_key = "a-new-state-key-after-a-rotation-0123456789";
    let with = |key: &str, previous: &str| {
        vec![
            ("GITLAB_URL".to_string(), ctx.fake.url()),
            ("GITLAB_TOKEN".to_string(), TOKEN.to_string()),
            ("ONBOARDER_STATE_KEY".to_string(), key.to_string()),
            ("ONBOARDER_STATE_KEY_PREVIOUS".to_string(), previous.to_string()),
        ]
    };
    ctx.fake.clear_requests();
    sync_env(&ctx, with(new_key, STATE_KEY)).await;
    assert_eq!(ctx.fake.writes(), 0, "a rotation rewrote: {:?}", ctx.fake.requests());
    ctx.fake.clear_requests();
    sync_env(&ctx, with(new_key, "")).await;
    let notes_read = ctx.fake.requests().iter().filter(|r| r.route.ends_with("/notes") && r.method == "GET").count();
    assert_eq!(notes_read, 9, "each issue's notes once");
    assert_eq!(ctx.fake.count("PUT"), 9, "each issue sealed anew");
    assert_eq!(ctx.fake.user_notes(TRAINING, ctx.issue_of(TRAINING, "Priya Raman").iid).len(), 1, "no comment again");
    // What was said is kept, with the day its note was posted.
    let iid = ctx.issue_of(TRAINING, "Priya Raman").iid;
    let nudge =
        ctx.fake.user_notes(TRAINING, iid).into_iter().find(|n| n.body.contains("behind:learn-about-gitlab")).unwrap();
    let said_after = state_of(&ctx, iid)["said"].clone();
    assert_eq!(said_after["behind:learn-about-gitlab"], nudge.created_at.date_naive().to_string());
    assert_eq!(
        said_after.as_object().unwrap().keys().collect::<Vec<_>>(),
        said_before.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    ctx.fake.clear_requests();
    sync_env(&ctx, with(new_key, "")).await;
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}
