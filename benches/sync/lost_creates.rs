//! Lost create answers: a first sync in which some creates land but their answer never comes.
//!
//! The fake carries out every lost create and then never answers it (`LandThenHang`, as a proxy
//! that drops a slow answer would): onboarder times out, counts the outcome as unknown and settles
//! those creates together by listing the issues its user created since the run began
//! (src/sync/creates.rs). The floor: at most one extra listing per batch of creates, that is
//! ⌈issues created / 100⌉ pages over the same first sync without faults (run first, on a fresh
//! fake). Duplicates are counted by key among the fake's issues: there must be none.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use fake_gitlab::{Fault, FaultKind, Matcher};

use super::floor::{by_route, floor, listing_pages, module_requests, Expect};
use super::process::{fmt_dur, run_measured, summary_line};
use super::{generate, start_fake, Args, Person, Setup, CONCURRENCY, DAY1, PATHS, TOKEN, TRAINING};

/// Creates allowed per window here (the other scenarios use GitLab.com's 200): at 200 per 2 s
/// window, 10,000 creates would take 100 s before any fault.
const CREATES_PER_WINDOW: u32 = 1000;
const REQUESTS_PER_WINDOW: u32 = 4000;
/// onboarder's `request_timeout_seconds` here: how long a create whose answer is lost holds its
/// slot before onboarder gives up on the answer (the default, 30 s, would make 500 lost answers
/// last over four hours: a lost answer holds up the creates queued behind it).
const TIMEOUT_S: f64 = 0.5;

/// The k-th create (in the order the fake receives them) is lost: `percent` in 100, evenly spread.
fn is_lost(k: usize, percent: usize) -> bool {
    (k + 1) * percent / 100 != k * percent / 100
}

pub fn bench(exe: &Path, args: &Args, issues: usize, percent: usize) {
    let latency = Duration::from_millis(args.latency_ms);
    let setup = Setup {
        issue_creates: CREATES_PER_WINDOW,
        requests: REQUESTS_PER_WINDOW,
        timeout_s: Some(TIMEOUT_S),
        ..Setup::new(args.window_s)
    };
    let dir = tempfile::tempdir().unwrap();
    let people = generate(dir.path(), issues.div_ceil(PATHS.len()), &setup, false);
    let created = people.len() * PATHS.len();
    let lost = (0..created).filter(|k| is_lost(*k, percent)).count();
    eprintln!(
        "sync bench: lost creates: {created} issues, {lost} create answers lost ({percent}%), latency {} ms",
        args.latency_ms
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let clean = first_sync(exe, &rt, dir.path(), latency, &setup, &people, 0);
    let faulted = first_sync(exe, &rt, dir.path(), latency, &setup, &people, percent);
    drop(rt);

    let f = floor(
        &Expect { creates: created, modules: module_requests(people.len()), ..Expect::default() },
        latency,
        &setup,
    );
    // Onboarder waits `TIMEOUT_S` for each lost answer, holding one of its slots meanwhile.
    let waiting = Duration::from_secs_f64(TIMEOUT_S * lost as f64 / CONCURRENCY as f64);
    let listing = created.div_ceil(100);
    println!(
        "\n## Lost create answers: {created} issues created, {lost} answers lost ({percent}%), latency {} ms, window {} s, \
         {CREATES_PER_WINDOW} creates and {REQUESTS_PER_WINDOW} requests per window, request timeout {TIMEOUT_S} s (this scenario only)\n",
        args.latency_ms, args.window_s
    );
    println!(
        "| run | issues | duplicates | GETs | extra GETs | floor: one listing per batch | extra GETs ÷ floor | listing pages | 429s | wall | wall floor | wall ÷ floor |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, o, wall_floor) in [("no fault", &clean, f.wall), ("lost answers", &faulted, f.wall.max(waiting))] {
        let extra = o.gets.saturating_sub(clean.gets);
        let (floor_pages, ratio) = if o.lost == 0 {
            ("0".to_string(), "-".to_string())
        } else {
            (format!("{listing} GETs"), format!("{:.2}x", extra as f64 / listing as f64))
        };
        println!(
            "| {name} ({} lost) | {} | {} | {} | {extra} | {floor_pages} | {ratio} | {} | {} | {} | {} | {:.2}x |",
            o.lost,
            o.issues,
            o.duplicates,
            o.gets,
            o.pages,
            o.r429,
            fmt_dur(o.wall),
            fmt_dur(wall_floor),
            o.wall.as_secs_f64() / wall_floor.as_secs_f64()
        );
    }
    println!();
    for (name, o) in [("no fault", &clean), ("lost answers", &faulted)] {
        let list: Vec<String> = o.routes.iter().map(|(k, v)| format!("{v} × `{k}`")).collect();
        println!("- {name}: onboarder said: `{}`; requests by route: {}", o.summary, list.join(", "));
    }
    println!(
        "- wall floor: {created} creates at {CREATES_PER_WINDOW} per {} s window ({}); with lost answers, at least \
         {lost} × {TIMEOUT_S} s of waiting over {CONCURRENCY} slots ({}), whichever is longer",
        args.window_s,
        fmt_dur(f.wall),
        fmt_dur(waiting)
    );
    assert!(clean.ok && faulted.ok, "lost creates: a sync failed");
    assert_eq!((clean.issues, faulted.issues), (created, created), "lost creates: every issue exactly once");
    assert_eq!(faulted.duplicates, 0, "lost creates: duplicates created");
}

struct Outcome {
    lost: usize,
    gets: usize,
    pages: usize,
    r429: usize,
    issues: usize,
    duplicates: usize,
    wall: Duration,
    ok: bool,
    summary: String,
    routes: BTreeMap<String, usize>,
}

/// A first sync on a fresh fake in which `percent`% of the creates land and are never answered.
fn first_sync(
    exe: &Path,
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    latency: Duration,
    setup: &Setup,
    people: &[Person],
    percent: usize,
) -> Outcome {
    let fake = start_fake(rt, latency, setup, people);
    let created = people.len() * PATHS.len();
    let create = Matcher::route("POST", "/api/v4/projects/:id/issues");
    // Runs of answered and lost creates, in order (faults matching alike are taken first in, first out).
    let mut k = 0;
    while percent > 0 && k < created {
        let lost = is_lost(k, percent);
        let len = (k..created).take_while(|j| is_lost(*j, percent) == lost).count();
        let kind = if lost { FaultKind::LandThenHang } else { FaultKind::Latency(Duration::ZERO) };
        fake.inject(Fault::new(create.clone(), kind).times(len));
        k += len;
    }
    let url = fake.url();
    let run =
        run_measured(exe, dir, &["sync", "--today", DAY1], &[("GITLAB_URL", url.as_str()), ("GITLAB_TOKEN", TOKEN)]);
    if !run.ok {
        eprintln!("sync bench: lost creates: onboarder failed:\n{}\n{}", summary_line(&run.stdout), run.stderr);
    }
    let routes = by_route(&fake);
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let issues = fake.issues(TRAINING);
    for i in &issues {
        if let Some(key) = onboarder::region::key_of(&i.description) {
            *keys.entry(key).or_default() += 1;
        }
    }
    let outcome = Outcome {
        lost: if percent > 0 { (0..created).filter(|k| is_lost(*k, percent)).count() } else { 0 },
        gets: fake.count("GET"),
        pages: listing_pages(&routes),
        r429: fake.rate_limited(),
        issues: keys.len(),
        duplicates: keys.values().map(|n| n - 1).sum(),
        wall: run.wall,
        ok: run.ok,
        summary: summary_line(&run.stdout),
        routes,
    };
    fake.shutdown();
    outcome
}
