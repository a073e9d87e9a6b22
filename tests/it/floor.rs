//! The run at its floor: what a run reads, and how it reads it, pinned as request counts.

use fake_gitlab::Options;

use crate::support::{Ctx, META, TODAY, TRAINING};

/// The page numbers of the open-issue listing of the training project, as asked for.
fn listing_pages(ctx: &Ctx) -> Vec<u64> {
    let training = format!("/api/v4/projects/{}/issues", ctx.fake.project_id(TRAINING).unwrap());
    let mut pages: Vec<u64> = ctx
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.route == "/api/v4/projects/:id/issues" && r.query.contains("state=opened"))
        .filter(|r| r.path == training)
        .filter_map(|r| r.query.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|p| p.parse().ok()))
        .collect();
    pages.sort_unstable();
    pages
}

/// Past 10,000 issues GitLab leaves `X-Total-Pages` out (`Gitlab::Pagination::OffsetHeaderBuilder`
/// counts no further), and onboarder once walked such a listing one page at a time. Now it asks
/// for a window of pages at once (`concurrency`, 4 here), in order, and stops at the first page
/// that says it is the last: every issue is read, and at most a window's worth past the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_without_a_total_are_fetched_ahead_in_a_bounded_window() {
    // With latency, every page of a window is asked for before the first answer comes back,
    // however busy the machine is: the listing is three pages, so the first window (pages 2 to
    // 5) reaches past the end before anything says where the end is.
    let latency = std::time::Duration::from_millis(50);
    let ctx = Ctx::with_options(Options { max_counted_total: 150, latency, ..Options::default() }).await;
    let someone = ctx.fake.add_user("someone", "Someone Else");
    for n in 0..250 {
        ctx.fake.human_create_issue(TRAINING, someone, &format!("A note {n}"), "", &["onboarder"]);
    }
    ctx.fake.clear_requests();
    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    let pages = listing_pages(&ctx);
    // Three pages hold the 250 issues. Pages 2 on were asked for a window at a time (the
    // example's `concurrency` is 4): a serial walk would ask for 1 to 3 only, and no window
    // goes further than `concurrency` pages past the last.
    assert!(pages.len() > 3 && pages.len() <= 3 + 4, "{pages:?}");
    assert_eq!(pages[..3], [1, 2, 3], "{pages:?}");
    assert!(pages.windows(2).all(|w| w[0] < w[1]), "no page twice: {pages:?}");
    // Every issue was read: none of the people's issues is planned as missing because a page was.
    assert!(plan["actions"].as_array().unwrap().iter().all(|a| a["action"] == "create" || a["action"] == "skip"));

    // With the total, the same listing reads exactly its pages.
    let ctx = Ctx::new().await;
    for n in 0..450 {
        ctx.fake.human_create_issue(TRAINING, ctx.bot + 1000, &format!("A note {n}"), "", &["onboarder"]);
    }
    ctx.fake.clear_requests();
    ctx.run(&["plan", "--today", TODAY]).await.ok();
    assert_eq!(listing_pages(&ctx), [1, 2, 3, 4, 5]);
}

/// Everything a person or a manager sees of every issue onboarder keeps: to hold two runs' results
/// side by side.
fn seen(ctx: &Ctx) -> Vec<String> {
    let mut out = Vec::new();
    for project in [TRAINING, META] {
        for i in ctx.issues(project) {
            let notes: Vec<String> = ctx.fake.user_notes(project, i.iid).into_iter().map(|n| n.body).collect();
            let mut labels = i.labels.clone();
            labels.sort();
            out.push(format!(
                "{project}#{} {:?} {} {labels:?} due {:?} confidential {} assignees {:?}\n{}\nnotes {notes:?}",
                i.iid,
                i.title,
                i.state,
                i.due_date,
                i.confidential,
                ctx.assignees(&i),
                i.description
            ));
        }
    }
    // Links name the fake's own address, so the memo's digest of the region and the seal differ
    // between two fakes: they are left out.
    let blank = |s: &str, after: &str, until: char| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(at) = rest.find(after) {
            out.push_str(&rest[..at + after.len()]);
            rest = &rest[at + after.len()..];
            rest = &rest[rest.find(until).unwrap_or(rest.len())..];
        }
        out + rest
    };
    out.into_iter()
        .map(|s| blank(&blank(&s.replace(&ctx.fake.url(), "GITLAB"), "\"memo\":{\"of\":\"", '"'), " seal:", ' '))
        .collect()
}

/// "planned N issues ... rendering R bodies", as `-v` logs it: R.
fn rendered(run: &crate::support::Run) -> usize {
    let err = run.stderr();
    let line = err.lines().find(|l| l.contains("planned ")).unwrap_or_else(|| panic!("no plan line in:\n{err}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    words[words.iter().position(|w| *w == "rendering").unwrap() + 1].parse().unwrap()
}

/// Issue 24: an issue nobody touched is known unchanged from the memo in its record, without
/// rendering it. Two teams live the same ten weeks (the same roster, ticks, roster changes, notes
/// and days); one team's runs plan every issue in full. Every plan and every issue, with its
/// labels, due date and comments, must come out the same, while the memo spares most renders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memo_and_the_full_plan_give_the_same_plans_and_issues_week_after_week() {
    let (quick, full) = (Ctx::new().await, Ctx::new().await);
    // One request at a time: both teams' issues get the same numbers.
    for ctx in [&quick, &full] {
        ctx.edit("onboarder.yaml", "marker_label: onboarder\n", "marker_label: onboarder\nconcurrency: 1\n");
    }
    let days = [
        "2026-11-23",
        "2026-11-24",
        "2026-11-30",
        "2026-12-07",
        "2026-12-08",
        "2026-12-14",
        "2026-12-21",
        "2026-12-28",
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
        "2027-02-01",
    ];
    let (mut renders_quick, mut renders_full) = (0, 0);
    for (n, day) in days.iter().enumerate() {
        for ctx in [&quick, &full] {
            // What people do between runs, the same for both teams.
            let priya = || ctx.issue_of(TRAINING, "Support learning path: Priya Raman");
            match n {
                1 => ctx.fake.human_edit(TRAINING, priya().iid, |i| {
                    crate::sync::tick_stage(&mut i.description, "## Learn about GitLab")
                }),
                3 => ctx.fake.human_edit(TRAINING, priya().iid, |i| {
                    i.description.push_str("\n\nMy notes: pairing on Tuesdays.")
                }),
                4 => ctx.edit(
                    "roster/praman.yaml",
                    "onboarding:\n",
                    "onboarding:\n  leave: [{from: 2026-12-09, to: 2026-12-18}]\n",
                ),
                6 => ctx.fake.human_edit(TRAINING, priya().iid, |i| {
                    crate::sync::tick_stage(&mut i.description, "## Learn about Your Support Team")
                }),
                5 => {
                    let priya = ctx.fake.user_id("praman").unwrap();
                    ctx.fake.human_open_issue(TRAINING, priya, "Priya Raman - GitLab Omnibus", &[priya], false);
                }
                7 => {
                    let module = ctx.issue_of(TRAINING, "Priya Raman - GitLab Omnibus");
                    ctx.fake.human_edit(TRAINING, module.iid, |i| i.state = "closed".into());
                }
                8 => ctx.edit("roster/angata.yaml", "reports_to: Dana Whitfield", "reports_to: Kwame Mensah"),
                _ => {}
            }
        }
        let plan = ["plan", "--today", day, "--format", "json"];
        let (a, b) = (quick.run(&plan).await.ok().json(), full.run_in_full(&plan).await.ok().json());
        let actions =
            |ctx: &Ctx, plan: &serde_json::Value| plan["actions"].to_string().replace(&ctx.fake.url(), "GITLAB");
        assert_eq!(actions(&quick, &a), actions(&full, &b), "{day}: the plans differ");
        let sync = ["sync", "--today", day, "-v"];
        let (a, b) = (quick.run(&sync).await.ok(), full.run_in_full(&sync).await.ok());
        if n > 0 {
            renders_quick += rendered(&a);
            renders_full += rendered(&b);
        }
        let (a, b) = (seen(&quick), seen(&full));
        assert_eq!(a.len(), b.len(), "{day}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x, y, "{day}: the issues differ");
        }
    }
    // Days without a change to anyone's checklist render (almost) nothing; the full plan renders
    // every issue every day.
    assert!(renders_quick * 3 < renders_full, "rendered {renders_quick} bodies against {renders_full}");
}

/// Issues written before records kept a memo are planned in full once, and get their memo with
/// one write each (their description's hidden record only; no comment): from then on a run
/// that finds nothing touched renders none of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_written_before_memos_gets_one_with_one_write_and_is_then_known_from_it() {
    let ctx = Ctx::new().await;
    ctx.sync(&[]).await.ok();
    let people: Vec<u64> = ctx
        .issues(TRAINING)
        .into_iter()
        .filter(|i| i.title.starts_with("Support learning path"))
        .map(|i| i.iid)
        .collect();
    for &iid in &people {
        crate::trust::rewrite_state(&ctx, iid, true, |state| {
            state.as_object_mut().unwrap().remove("memo").expect("a memo");
        });
    }
    ctx.fake.clear_requests();
    let upgrade = ctx.sync(&["-v"]).await.ok();
    let puts: Vec<String> = ctx.fake.requests().into_iter().filter(|r| r.method == "PUT").map(|r| r.path).collect();
    assert_eq!(puts.len(), people.len(), "{puts:?}");
    assert_eq!(ctx.fake.count("POST"), 1, "the run lock's label only, no comment: {:?}", ctx.fake.requests());
    assert!(rendered(&upgrade) > people.len(), "{}", upgrade.stderr());
    ctx.fake.clear_requests();
    let after = ctx.sync(&["-v"]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
    assert_eq!(rendered(&after), 1, "only Yuki, who has no issue: {}", after.stderr());
}
