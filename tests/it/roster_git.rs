//! A roster directory in a GitLab repository as git and GitLab really hold it: symlinks (blobs
//! of mode 120000 whose raw content is the target), submodules, Git LFS pointers, bytes that are
//! not UTF-8, GitLab 17.1's first tree page that always announces a second, and a listing that
//! cannot show it is whole, which must never get anyone's issue closed.

use std::os::unix::fs::symlink;

use fake_gitlab::{lfs_pointer, Fault, FaultKind, Matcher, Options, TreePaging};

use crate::roster_source::{requests_to, serve_team, use_repository, RAW, TEAM, TREE};
use crate::support::{Ctx, TODAY, TRAINING};

fn team_file(ctx: &Ctx, name: &str) -> std::path::PathBuf {
    ctx.path(&format!("support-team/team/{name}"))
}

fn titles(ctx: &Ctx) -> Vec<String> {
    ctx.issues(TRAINING).into_iter().map(|i| i.title).collect()
}

/// Bug pinned: every symlink in a repository roster was refused, a link to a file beside it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_is_followed_only_to_a_file_directly_in_its_directory_and_never_read_outside() {
    let ctx = Ctx::new().await;
    serve_team(&ctx, 0);
    use_repository(&ctx, "team", "main");
    // Grace's file lives under another name, and her person file is a link to it.
    std::fs::rename(team_file(&ctx, "gmwangi.yaml"), team_file(&ctx, "grace.txt")).unwrap();
    symlink("grace.txt", team_file(&ctx, "gmwangi.yaml")).unwrap();
    // Luis's goes through two links.
    std::fs::rename(team_file(&ctx, "lortega.yaml"), team_file(&ctx, "luis.txt")).unwrap();
    symlink("luis-link", team_file(&ctx, "lortega.yaml")).unwrap();
    symlink("./luis.txt", team_file(&ctx, "luis-link")).unwrap();
    // Links out of the directory, into a subdirectory, to nothing, to a directory, in a loop.
    let canary = "canary-secret-4e1d";
    std::fs::write(ctx.path("support-team/secrets.yaml"), format!("token: {canary}\n")).unwrap();
    std::fs::create_dir_all(team_file(&ctx, "sub")).unwrap();
    std::fs::write(team_file(&ctx, "sub/inner.yaml"), format!("token: {canary}\n")).unwrap();
    symlink("../secrets.yaml", team_file(&ctx, "escape.yaml")).unwrap();
    symlink("sub/inner.yaml", team_file(&ctx, "deeper.yaml")).unwrap();
    symlink("nobody.yaml", team_file(&ctx, "broken.yaml")).unwrap();
    symlink("sub", team_file(&ctx, "folder.yaml")).unwrap();
    symlink("loop-b.yaml", team_file(&ctx, "loop-a.yaml")).unwrap();
    symlink("loop-a.yaml", team_file(&ctx, "loop-b.yaml")).unwrap();

    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await;
    assert_eq!(plan.code(), 1, "the refused links fail their entries: {}", plan.stderr());
    let actions = plan.json()["actions"].clone();
    for person in ["gmwangi", "lortega"] {
        let planned = actions.as_array().unwrap().iter().any(|a| a["username"] == person && a["action"] == "create");
        assert!(planned, "{person} is read through the link: {actions}");
    }
    let err = plan.stderr();
    for (link, why) in [
        ("escape.yaml", r#"is a symlink to "../secrets.yaml", outside team; only files directly in it are read"#),
        ("deeper.yaml", r#"is a symlink to "sub/inner.yaml", in a subdirectory of team"#),
        ("broken.yaml", "is a broken symlink (its target does not exist)"),
        ("folder.yaml", r#"is a symlink to "sub", a directory, not a regular file; not read"#),
        ("loop-a.yaml", "is a symlink loop"),
    ] {
        assert!(err.contains(&format!("{TEAM}:team/{link}:1:1: {why}")), "{link}: {err}");
    }
    // Nothing outside the directory, or below it, was ever asked for, let alone printed.
    assert!(!err.contains(canary) && !plan.stdout().contains(canary));
    let raw: Vec<String> = ctx.fake.requests().into_iter().filter(|r| r.route == RAW).map(|r| r.path).collect();
    assert!(raw.iter().all(|p| !p.contains("secrets") && !p.contains("inner")), "{raw:?}");

    // `sync` creates Grace's and Luis's issues like anyone's; an unreadable entry closes nobody.
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let created = titles(&ctx);
    for name in ["Grace Mwangi", "Luis Ortega", "Priya Raman"] {
        assert!(created.iter().any(|t| t.contains(name)), "{name}: {created:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submodule_named_like_a_person_file_is_refused_and_any_other_is_skipped() {
    let ctx = Ctx::new().await;
    serve_team(&ctx, 0);
    use_repository(&ctx, "team", "main");
    ctx.fake.add_submodule(TEAM, "main", "team/vendor.yaml", "89abcdef0123456789abcdef0123456789abcdef");
    ctx.fake.add_submodule(TEAM, "main", "team/tools", "0123456789abcdef0123456789abcdef01234567");
    let check = ctx.run(&["check"]).await;
    assert_eq!(check.code(), 2, "{}", check.stderr());
    let err = check.stderr();
    assert!(
        err.contains(&format!("{TEAM}:team/vendor.yaml:1:1: is a submodule, not a regular file; not read")),
        "{err}"
    );
    assert!(!err.contains("tools"), "{err}");
}

/// Bug pinned: a person file kept in Git LFS was parsed as its pointer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_file_in_git_lfs_is_read_as_its_content_at_no_extra_request() {
    let ctx = Ctx::new().await;
    serve_team(&ctx, 0);
    use_repository(&ctx, "team", "main");
    let content = std::fs::read(team_file(&ctx, "praman.yaml")).unwrap();
    let oid = "d".repeat(64);
    std::fs::write(team_file(&ctx, "praman.yaml"), lfs_pointer(&oid, content.len())).unwrap();
    ctx.fake.add_lfs_object(TEAM, &oid, content);
    ctx.fake.clear_requests();
    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    let priya = plan["actions"].as_array().unwrap().iter().find(|a| a["username"] == "praman").cloned();
    assert_eq!(priya.map(|a| a["action"].clone()), Some("create".into()), "{plan}");
    // Every file is asked for with `lfs=true`: one request a file, LFS or not.
    let raw: Vec<_> = ctx.fake.requests().into_iter().filter(|r| r.route == RAW).collect();
    let person_files = std::fs::read_dir(team_file(&ctx, "")).unwrap().count();
    assert_eq!(raw.len(), person_files, "{raw:?}");
    assert!(raw.iter().all(|r| r.query.contains("lfs=true")), "{raw:?}");

    // An LFS object GitLab does not have fails that person only, and says why.
    std::fs::write(team_file(&ctx, "praman.yaml"), lfs_pointer(&"e".repeat(64), 10)).unwrap();
    let check = ctx.run(&["check"]).await;
    assert_eq!(check.code(), 2);
    assert!(check.stderr().contains(&format!("{TEAM}:team/praman.yaml:1:1: cannot read file")), "{}", check.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_utf8_are_that_persons_error_at_the_first_bad_byte() {
    let ctx = Ctx::new().await;
    serve_team(&ctx, 0);
    use_repository(&ctx, "team", "main");
    let file = team_file(&ctx, "praman.yaml");
    let mut bytes = std::fs::read(&file).unwrap();
    // "name: Priya Raman" in Latin-1: the "a" after the "R" becomes the byte 0xe1.
    let line_start = bytes.windows(5).position(|w| w == b"name:").unwrap();
    let at = bytes.windows(5).position(|w| w == b"Raman").unwrap() + 1;
    bytes[at] = 0xe1;
    std::fs::write(&file, &bytes).unwrap();
    let line = 1 + bytes[..line_start].iter().filter(|&&b| b == b'\n').count();
    let column = at - line_start + 1;
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let err = run.stderr();
    let place = format!("{TEAM}:team/praman.yaml:{line}:{column}");
    assert!(err.contains(&format!("{place}: file is not valid UTF-8 (byte 0xe1); save it as UTF-8")), "{err}");
    let created = titles(&ctx);
    assert!(!created.iter().any(|t| t.contains("Priya")) && created.iter().any(|t| t.contains("Grace")), "{created:?}");
}

/// GitLab 17.1 and later: the tree's first page announces a page 2 even when it is the only one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_page_that_always_announces_a_second_is_read_once_when_the_count_says_one() {
    let ctx = Ctx::with_options(Options { tree_paging: TreePaging::FirstPageAlwaysNext, ..Options::default() }).await;
    serve_team(&ctx, 0);
    use_repository(&ctx, "team", "main");
    ctx.fake.clear_requests();
    ctx.run(&["check"]).await.ok();
    assert_eq!(requests_to(&ctx, TREE), 1, "X-Total-Pages is 1: no page 2 to read");
    // 100 entries and more: the pages the count announces, and nothing is lost.
    for n in 0..100 {
        std::fs::write(team_file(&ctx, &format!("AAA-notes-{n:03}.md")), "not a person\n").unwrap();
    }
    ctx.fake.clear_requests();
    let run = ctx.run(&["check"]).await.ok();
    assert_eq!(requests_to(&ctx, TREE), 2);
    assert!(run.stdout().starts_with("ok: 14 people and 2 shadow-program participants"), "{}", run.stdout());
}

/// A listing that cannot show it is whole (a proxy stripped every paging header from a full
/// page) must never close the issue of someone on a page that was not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_may_be_incomplete_closes_nobody_fails_the_run_and_says_why() {
    let ctx = Ctx::new().await;
    // 90 notes and 14 people: page 1 holds the notes and 10 people, page 2 Priya and 3 others.
    serve_team(&ctx, 90);
    use_repository(&ctx, "team", "main");
    ctx.sync(&[]).await.ok();
    let priya = ctx.issue_of(TRAINING, "Priya Raman");
    let strip = || Fault::new(Matcher::route("GET", TREE), FaultKind::StripAllPaginationHeaders);

    ctx.fake.inject(strip());
    let run = ctx.sync(&[]).await;
    assert_eq!(run.code(), 1, "{}\n{}", run.stdout(), run.stderr());
    let warning = format!(
        r#"warning: {TEAM}:team:1:1: the listing of "team" at ref "main" of {TEAM} may be incomplete: page 1 held a full 100 entries"#
    );
    assert!(run.stderr().contains(&warning), "{}", run.stderr());
    assert!(ctx.fake.issue(TRAINING, priya.iid).unwrap().is_open(), "Priya was closed for being on page 2");
    assert!(run.stdout().contains("roster listing"), "a failed row says so: {}", run.stdout());
    assert_eq!(requests_to(&ctx, TREE), 2 + 1, "the stripped page is the last read");

    // `check` never says ok about a roster it may not have read whole.
    ctx.fake.inject(strip());
    let check = ctx.run(&["check"]).await;
    assert_eq!(check.code(), 2, "{}", check.stderr());
    assert!(check.stderr().contains("may be incomplete"), "{}", check.stderr());
}
