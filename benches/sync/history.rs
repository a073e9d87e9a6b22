//! A project with years of history: the no-change run lists what the people in scope need.

use std::path::Path;
use std::time::Duration;

use super::floor::{floor, module_requests, Expect};
use super::process::{fmt_dur, fmt_mb, run_measured};
use super::{generate, start_fake, Args, Setup, DAY1, PATHS, TOKEN, TRAINING};

/// A project with years of history: `closed` managed issues of people long gone (closed, created
/// in 2020) beside the issues of `active` people. The no-change run should list what the active
/// people need, not the history.
pub fn bench(exe: &Path, args: &Args, active: usize, closed: usize) {
    let latency = Duration::from_millis(args.latency_ms);
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(args.window_s);
    let people = generate(dir.path(), active, &setup, false);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fake = start_fake(&rt, latency, &setup, &people);
    let url = fake.url();
    let env = [("GITLAB_URL", url.as_str()), ("GITLAB_TOKEN", TOKEN)];
    let first = run_measured(exe, dir.path(), &["sync", "--today", DAY1], &env);
    assert!(first.ok, "history bench: first sync failed: {}", first.stderr);
    let bot = fake.user_id("onboarding-bot").expect("the fake knows the bot");
    let long_ago = chrono::DateTime::parse_from_rfc3339("2020-03-02T09:00:00Z").unwrap().with_timezone(&chrono::Utc);
    for n in 0..closed {
        // A managed issue (its key in the begin marker) of someone who finished long ago.
        let description =
            format!("<!-- onboarder:begin support-learning-path:former{n} -->\n- [x] done\n<!-- onboarder:end -->");
        let iid = fake.human_create_issue(
            TRAINING,
            bot,
            &format!("Support learning path: former {n}"),
            &description,
            &["onboarder"],
        );
        fake.human_edit(TRAINING, iid, |i| {
            i.state = "closed".into();
            i.created_at = long_ago;
        });
    }
    let active_issues = active * PATHS.len();
    let mut rows = Vec::new();
    for _ in 0..3 {
        fake.clear_requests();
        let run = run_measured(exe, dir.path(), &["sync", "--today", DAY1], &env);
        assert!(run.ok, "history bench: no-change sync failed: {}", run.stderr);
        rows.push((fake.count("GET"), fake.writes(), run.wall, run.cpu, run.max_rss_kb));
    }
    rows.sort_by_key(|r| r.2);
    let (get, writes, wall, cpu, rss) = rows[1];
    let f = floor(
        &Expect { existing: active_issues, modules: module_requests(active), ..Expect::default() },
        latency,
        &setup,
    );
    let all_pages = 1 + (active_issues + closed).div_ceil(100);
    println!("\n## History: {active} active people ({active_issues} open issues), {closed} old closed issues of people long gone\n");
    println!("| run | GETs | writes | floor (requests / wall) | GETs ÷ floor | listing everything would be | wall (median of 3) | wall ÷ floor | sync CPU | sync peak RSS |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| no change ({DAY1}) | {get} | {writes} | {} req / {} | {:.2}x | {all_pages} GETs | {} | {:.2}x | {} | {} |",
        f.requests,
        fmt_dur(f.wall),
        get as f64 / f.requests as f64,
        fmt_dur(wall),
        wall.as_secs_f64() / f.wall.as_secs_f64(),
        fmt_dur(cpu),
        fmt_mb(rss)
    );
    fake.shutdown();
    drop(rt);
}
