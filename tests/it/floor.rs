//! The run at its floor: what a run reads, and how it reads it, pinned as request counts.

use fake_gitlab::Options;

use crate::support::{Ctx, TODAY, TRAINING};

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
    let ctx = Ctx::with_options(Options { max_counted_total: 150, ..Options::default() }).await;
    let someone = ctx.fake.add_user("someone", "Someone Else");
    for n in 0..450 {
        ctx.fake.human_create_issue(TRAINING, someone, &format!("A note {n}"), "", &["onboarder"]);
    }
    ctx.fake.clear_requests();
    let plan = ctx.run(&["plan", "--today", TODAY, "--format", "json"]).await.ok().json();
    let pages = listing_pages(&ctx);
    // Five pages hold the 450 issues. Pages 2 on were asked for a window at a time (the
    // example's `concurrency` is 4): a serial walk would ask for 1 to 5 only, and no window
    // goes further than `concurrency` pages past the last.
    assert!(pages.len() > 5 && pages.len() <= 5 + 4, "{pages:?}");
    assert_eq!(pages[..5], [1, 2, 3, 4, 5], "{pages:?}");
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
