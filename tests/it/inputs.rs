//! Input files as they are found on disk: special files, symlinks, odd names, limits, ranges.
//! Each test runs the binary as a user would and looks at what it printed and wrote.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::check_and_plan::small;
use crate::support::{Ctx, META, TODAY, TOKEN, TRAINING};

/// Run the binary in `dir`, offline; a run that has not ended after a minute is killed and
/// fails the test (a hang, not a slow run).
fn run(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[])
}

/// `check` with a canary token and a canary variable in its environment, to see they never show.
fn check_with_canaries(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[("GITLAB_TOKEN", TOKEN), ("ONBOARDER_TEST_CANARY", "canary-in-the-environment-5d1e")])
}

fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onboarder"));
    cmd.current_dir(dir).args(args);
    for v in ["GITLAB_URL", "GITLAB_TOKEN", "CI_SERVER_URL", "CI_NODE_INDEX", "CI_NODE_TOTAL", "GITLAB_CI"] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("onboarder {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn printed(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

// Bug pinned: a roster symlink to /proc/self/environ made `check` print the environment,
// token included.
#[test]
fn a_symlink_out_of_the_roster_is_refused_by_name_and_never_printed() {
    let dir = small();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("roster/env.yaml")).unwrap();
    let out = check_with_canaries(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(stderr(&out).contains("roster/env.yaml:1:1: is a symlink to /proc/"), "{}", stderr(&out));
    let all = printed(&out);
    assert!(!all.contains(TOKEN) && !all.contains("canary-in-the-environment"), "{all}");
}

// Bug pinned: the config file itself was read from wherever a symlink pointed.
#[test]
fn a_config_or_shadow_file_that_is_a_symlink_out_of_its_directory_is_refused() {
    let dir = small();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("env.yaml")).unwrap();
    let out = check_with_canaries(dir.path(), &["--config", "env.yaml", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(stderr(&out).contains("env.yaml:1:1: is a symlink to /proc/"), "{}", stderr(&out));
    assert!(!printed(&out).contains("canary-in-the-environment"));
}

// Bug pinned: a /dev/zero symlink was read without limit, and a FIFO hung the run forever.
#[test]
fn devices_and_fifos_are_refused_without_being_read() {
    let dir = small();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("roster/zero.yaml")).unwrap();
    // A FIFO inside the directory: only its file type stops it, before it is opened.
    let fifo = std::ffi::CString::new(dir.path().join("roster/pipe.yml").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let out = run(dir.path(), &["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("roster/zero.yaml:1:1: is a symlink to /dev/zero, outside"), "{err}");
    // Named directly, a device is refused by its type, before it is opened.
    let out = run(dir.path(), &["--config", "/dev/zero", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(stderr(&out).contains("/dev/zero:1:1: is a device, not a regular file; not read"), "{}", stderr(&out));
    assert!(err.contains("roster/pipe.yml:1:1: is a FIFO (named pipe), not a regular file; not read"), "{err}");
}

// Bug pinned: a symlink loop, a directory named x.yaml and a .YAML file were skipped while
// `check` said ok.
#[test]
fn every_odd_entry_is_named_in_one_check_run() {
    let dir = small();
    let roster = dir.path().join("roster");
    std::os::unix::fs::symlink("b.yaml", roster.join("a.yaml")).unwrap();
    std::os::unix::fs::symlink("a.yaml", roster.join("b.yaml")).unwrap();
    std::os::unix::fs::symlink("gone.yaml", roster.join("broken.yaml")).unwrap();
    std::fs::create_dir(roster.join("folder.yaml")).unwrap();
    std::fs::copy(roster.join("jdoe.yaml"), roster.join("copy.YAML")).unwrap();
    std::fs::copy(roster.join("jdoe.yaml"), dir.path().join("issue-templates/notes.MD")).unwrap();
    let out = run(dir.path(), &["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for expected in [
        "roster/a.yaml:1:1: is a symlink loop",
        "roster/b.yaml:1:1: is a symlink loop",
        "roster/broken.yaml:1:1: is a broken symlink",
        "roster/folder.yaml:1:1: is a directory, not a regular file",
        "roster/copy.YAML:1:1: extension .YAML is not read",
        "issue-templates/notes.MD:1:1: extension .MD is not read",
    ] {
        assert!(err.contains(expected), "{expected:?} missing in:\n{err}");
    }
}

#[test]
fn a_symlink_that_stays_inside_its_directory_is_read() {
    let dir = small();
    let roster = dir.path().join("roster");
    std::fs::create_dir(roster.join("people")).unwrap();
    std::fs::rename(roster.join("jdoe.yaml"), roster.join("people/jdoe.txt")).unwrap();
    std::os::unix::fs::symlink("people/jdoe.txt", roster.join("jdoe.yaml")).unwrap();
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok: 2 people and 1 shadow-program participant,"),
        "{}",
        printed(&out)
    );
}

// Bug pinned: `--today 9999-...` was accepted, and with it due dates GitLab cannot store.
#[test]
fn a_today_out_of_range_is_refused() {
    let dir = small();
    for today in ["0000-01-01", "9999-12-31", "2101-01-01"] {
        let out = run(dir.path(), &["plan", "--today", today]);
        assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
        assert!(stderr(&out).contains(&format!("--today: date \"{today}\" is out of range")), "{}", stderr(&out));
    }
}

// Bug pinned: `&#x40;all` in a name was written as is, and GitLab renders it as `@all`.
#[test]
fn entities_in_roster_text_cannot_form_a_mention_or_reference() {
    let dir = small();
    let path = dir.path().join("roster/jdoe.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let hostile = "name: \"Jane &#x40;all &commat;all &#64;all &#x23;1 &num;1\"";
    std::fs::write(&path, text.replace("name: Jane Doe", hostile)).unwrap();
    let preview = dir.path().join("preview");
    let out = run(dir.path(), &["plan", "--today", "2026-11-23", "--preview-dir", preview.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let issue = std::fs::read_to_string(preview.join("jdoe--path.md")).unwrap();
    let welcome = issue.lines().find(|l| l.starts_with("Welcome")).unwrap();
    assert!(
        welcome.contains(r"Jane \&#x40;all \&commat;all `&#64;all` \&#x23;1 \&num;1 ("),
        "an entity left unescaped: {welcome}"
    );
}

/// The usernames of the issues in both projects, from their keys.
fn issue_owners(ctx: &Ctx) -> BTreeSet<String> {
    let mut issues = ctx.issues(TRAINING);
    issues.extend(ctx.issues(META));
    issues
        .iter()
        .filter_map(|i| i.description.split("<!-- onboarder:begin ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|key| key.trim_end_matches(':').rsplit_once(':').map(|(_, u)| u.to_string()))
        .collect()
}

// Bug pinned: one bad roster entry (a "Director of Support" title) stopped the run for everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_roster_entry_fails_that_person_only_and_everyone_else_is_synced() {
    let ctx = Ctx::new().await;
    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    let everyone: BTreeSet<String> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "create")
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect();
    assert!(everyone.contains("praman") && everyone.contains("angata"), "{everyone:?}");
    ctx.edit("roster/praman.yaml", "start_date: 2026-10-05", "start_date: 2026-10-35");
    ctx.edit("roster/angata.yaml", "title: Associate Support Engineer", "title: Director of Support");
    let junit = ctx.path("junit.xml");
    let run = ctx.sync(&["--junit", junit.to_str().unwrap()]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("roster/praman.yaml:6:13: date \"2026-10-35\" does not exist"), "{}", run.stderr());
    assert!(run.stderr().contains("roster/angata.yaml:5:8: title \"Director of Support\""), "{}", run.stderr());
    let others: BTreeSet<String> = everyone.iter().filter(|u| *u != "praman" && *u != "angata").cloned().collect();
    assert_eq!(issue_owners(&ctx), others);
    let report = ctx.read("junit.xml");
    for who in ["praman", "angata"] {
        let case = report.split("<testcase").find(|c| c.contains(&format!("name=\"{who} · roster entry\"")));
        assert!(case.is_some_and(|c| c.contains("<failure")), "no failed test case for {who}:\n{report}");
    }
    assert_eq!(report.matches("<failure").count(), 2, "{report}");
    // `--only` the person with the bad entry: named and failed, not "nobody in the roster".
    ctx.fake.clear_requests();
    let run = ctx.sync(&["--only", "praman"]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("roster/praman.yaml:6:13"), "{}", run.stderr());
    assert_eq!(ctx.fake.writes(), 0);
    // Fixed, the next run creates their issues and touches nobody else's.
    ctx.edit("roster/praman.yaml", "start_date: 2026-10-35", "start_date: 2026-10-05");
    ctx.edit("roster/angata.yaml", "title: Director of Support", "title: Associate Support Engineer");
    ctx.fake.clear_requests();
    ctx.sync(&[]).await.ok();
    assert_eq!(issue_owners(&ctx), everyone);
    // A creating run rewrites nobody's issue (its run lock is a label, not an issue).
    let puts: Vec<String> = ctx.fake.requests().into_iter().filter(|r| r.method == "PUT").map(|r| r.path).collect();
    assert!(puts.is_empty(), "nobody else's issue is rewritten: {puts:?}");
}

// Bug pinned: with a bad date, a misspelt template variable and an unknown title, `check`
// reported one error per run: three runs to find three mistakes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_every_error_of_every_file_in_one_run() {
    let ctx = Ctx::new().await;
    ctx.edit("roster/praman.yaml", "start_date: 2026-10-05", "start_date: 05/10/2026");
    ctx.edit("issue-templates/support-learning-path.md", "{{person.start_date}}", "{{person.start_dat}}");
    ctx.edit("roster/angata.yaml", "title: Associate Support Engineer", "title: Director of Support");
    let run = ctx.run(&["check"]).await;
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let err = run.stderr();
    for place in [
        "roster/praman.yaml:6:13: date \"05/10/2026\" is not written as YYYY-MM-DD",
        "issue-templates/support-learning-path.md:45:",
        "undefined variable \"person.start_dat\"",
        "roster/angata.yaml:5:8: title \"Director of Support\" names no Support role",
    ] {
        assert!(err.contains(place), "{place:?} missing in:\n{err}");
    }
    assert!(ctx.fake.requests().is_empty());
}

/// The issues of `username` in both projects, and whether each is open.
fn issues_of(ctx: &Ctx, username: &str) -> Vec<bool> {
    let mut issues = ctx.issues(TRAINING);
    issues.extend(ctx.issues(META));
    let key = format!(":{username}:");
    issues.iter().filter(|i| i.description.contains(&key)).map(|i| i.state == "opened").collect()
}

// Bug pinned: a broken symlink made the person "no longer in the roster" and closed their issue,
// which stayed closed after the file was fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_file_that_cannot_be_read_never_closes_an_issue() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    assert_eq!(issues_of(&ctx, "praman"), [true]);
    let original = ctx.read("roster/praman.yaml");
    std::fs::remove_file(ctx.path("roster/praman.yaml")).unwrap();
    std::os::unix::fs::symlink("praman-moved.yaml", ctx.path("roster/praman.yaml")).unwrap();
    ctx.fake.clear_requests();
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("roster/praman.yaml:1:1: is a broken symlink"), "{}", run.stderr());
    assert_eq!(issues_of(&ctx, "praman"), [true], "closed although the file exists");
    assert_eq!(ctx.fake.writes(), 0);

    // A file too broken to say whose it is holds back every close: it may be the person's.
    std::fs::remove_file(ctx.path("roster/praman.yaml")).unwrap();
    ctx.write("roster/p-raman.yaml", "name: [unclosed\n");
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(issues_of(&ctx, "praman"), [true]);
    assert_eq!(ctx.fake.writes(), 0);

    // Restored, the issue is as it was: nothing to write.
    std::fs::remove_file(ctx.path("roster/p-raman.yaml")).unwrap();
    ctx.write("roster/praman.yaml", &original);
    ctx.sync(&[]).await.ok();
    assert_eq!(issues_of(&ctx, "praman"), [true]);
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_people_missing_at_once_close_nothing_without_allow_mass_close() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let gone = ["angata", "dramirez", "falsayed", "gmwangi"];
    for u in gone {
        assert_eq!(issues_of(&ctx, u), [true], "{u}");
        std::fs::remove_file(ctx.path(&format!("roster/{u}.yaml"))).unwrap();
    }
    ctx.fake.clear_requests();
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr().contains("4 issues of people missing from the roster would be closed, over the limit of 3"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("--allow-mass-close"), "{}", run.stderr());
    assert_eq!(ctx.fake.writes(), 0, "nothing closed, no note");
    let run = ctx.sync(&["--allow-mass-close"]).await.ok();
    assert!(run.stdout().contains("closed 4"), "{}", run.stdout());
    for u in gone {
        assert_eq!(issues_of(&ctx, u), [false], "{u}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_close_share_sets_the_limit() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let s = ctx.read("onboarder.yaml");
    ctx.write("onboarder.yaml", &format!("{s}\nmax_close_share: 0.5\n"));
    for u in ["angata", "dramirez", "falsayed", "gmwangi"] {
        std::fs::remove_file(ctx.path(&format!("roster/{u}.yaml"))).unwrap();
    }
    let run = ctx.sync(&[]).await.ok();
    assert!(run.stdout().contains("closed 4"), "{}", run.stdout());
}
