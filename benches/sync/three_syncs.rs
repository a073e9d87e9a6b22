//! The three syncs: first sync, no change, and the advance day after every 10th person ticked a stage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::floor::{by_route, floor, module_requests, over_floor, Expect};
use super::process::{fmt_dur, fmt_mb, run_measured, summary_line, summary_num, ProcRun};
use super::{
    generate, path_stages, start_fake, ticks, Args, Setup, CONCURRENCY, DAY1, DAY2, PATHS, STAGE_PREFIX, TOKEN,
    TRAINING,
};

const HEADER: &str = "| run | people | issues | requests (GET/POST/PUT) | writes | 429s | floor (requests / wall) | requests ÷ floor | over the floor | wall | wall ÷ floor | plan CPU | plan peak RSS | sync CPU | sync peak RSS |\n|---|---:|---:|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|";

pub fn bench(exe: &Path, args: &Args) {
    let latency = Duration::from_millis(args.latency_ms);
    let setup = Setup::new(args.window_s);
    let dir = tempfile::tempdir().unwrap();
    let people = generate(dir.path(), args.people, &setup, false);
    let stages = path_stages(dir.path());
    let advancing = args.people.div_ceil(10);
    eprintln!(
        "sync bench: {} people x {} paths, latency {} ms, window {} s; before {DAY2}, {advancing} people tick the items of their current stage of one path",
        args.people,
        PATHS.len(),
        args.latency_ms,
        args.window_s
    );

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fake = start_fake(&rt, latency, &setup, &people);
    let url = fake.url();
    let env = [("GITLAB_URL", url.as_str()), ("GITLAB_TOKEN", TOKEN)];
    let issues_total = people.len() * PATHS.len();

    let runs: [(&str, &str, Expect); 3] = [
        (
            "first sync",
            DAY1,
            Expect { creates: issues_total, modules: module_requests(people.len()), ..Expect::default() },
        ),
        (
            "no change",
            DAY1,
            Expect { existing: issues_total, modules: module_requests(people.len()), ..Expect::default() },
        ),
        // Each ticked issue: a re-read, an update (the stage label) and the stage's comment.
        (
            "10% advance",
            DAY2,
            Expect {
                existing: issues_total,
                updates: advancing,
                notes: advancing,
                creates: 0,
                modules: module_requests(people.len()),
            },
        ),
    ];
    println!(
        "\n## Sync: {} people, latency {} ms, window {} s, concurrency {CONCURRENCY}\n",
        args.people, args.latency_ms, args.window_s
    );
    println!("{HEADER}");
    let mut details = Vec::new();
    let mut failures = Vec::new();
    for (name, today, expect) in runs {
        let mut ticked = BTreeMap::new();
        let mut labels_before: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        if name == "10% advance" {
            ticked = ticks::advance_every_tenth(&fake, &people, &stages, STAGE_PREFIX);
            assert_eq!(ticked.len(), advancing, "one ticked issue per 10th person");
            labels_before = fake.issues(TRAINING).into_iter().map(|i| (i.iid, i.labels)).collect();
        }
        // The no-change run can be repeated: CPU on a small VM moves run to run, and its ratio to
        // the plan's is read from the medians of pairs taken in turn (plan, then sync).
        let repeats = if name == "no change" && args.profile.is_empty() { args.repeat.max(1) } else { 1 };
        let mut plans = Vec::new();
        let mut syncs = Vec::new();
        let r429_before = fake.rate_limited();
        for round in 0..repeats {
            if round > 0 {
                // A quiet window, so that each run starts with the limits the first one had.
                std::thread::sleep(setup.window());
            }
            // Offline planning cost for the same date.
            let plan = run_measured(exe, dir.path(), &["plan", "--today", today], &[]);
            assert!(plan.ok, "plan failed: {}", plan.stderr);
            plans.push(plan);
            fake.clear_requests();
            let run = if name == "no change" && !args.profile.is_empty() {
                // Profiling: the profiler runs the binary; its CPU and memory are the profiler's too.
                let mut argv: Vec<&str> = args.profile.iter().map(String::as_str).skip(1).collect();
                let exe_str = exe.to_str().expect("utf-8 path");
                argv.extend([exe_str, "sync", "--today", today]);
                run_measured(Path::new(&args.profile[0]), dir.path(), &argv, &env)
            } else {
                run_measured(exe, dir.path(), &["sync", "--today", today], &env)
            };
            if !run.ok {
                eprintln!(
                    "sync bench: {name}: onboarder failed:\n{}\n{}",
                    run.stdout.lines().rev().take(5).collect::<Vec<_>>().join("\n"),
                    run.stderr
                );
            }
            syncs.push(run);
        }
        let cpus = |runs: &[ProcRun]| runs.iter().map(|r| fmt_dur(r.cpu)).collect::<Vec<_>>().join(", ");
        let (plan_cpus, sync_cpus) = (cpus(&plans), cpus(&syncs));
        // Each pair's ratio too: the two runs of a pair share the machine's state of the moment.
        let mut ratios: Vec<f64> =
            plans.iter().zip(&syncs).map(|(p, r)| r.cpu.as_secs_f64() / p.cpu.as_secs_f64()).collect();
        ratios.sort_by(f64::total_cmp);
        let pair_ratios = ratios.iter().map(|r| format!("{r:.2}x")).collect::<Vec<_>>().join(", ");
        let median_ratio = ratios[ratios.len() / 2];
        let plan = median_by_cpu(plans);
        let run = median_by_cpu(syncs);
        let (get, post, put) = (fake.count("GET"), fake.count("POST"), fake.count("PUT"));
        let total = fake.requests().len();
        let writes = fake.writes();
        let r429 = fake.rate_limited() - r429_before;
        let issues = fake.issues(TRAINING).len();
        let f = floor(&expect, latency, &setup);
        let routes = by_route(&fake);
        let over = over_floor(&routes, &expect, &f);
        let line = summary_line(&run.stdout);
        println!(
            "| {name} ({today}) | {} | {issues} | {total} ({get}/{post}/{put}) | {writes} | {r429} | {} req / {} | {:.2}x | {} | {} | {:.2}x | {} | {} | {} | {} |",
            people.len(),
            f.requests,
            fmt_dur(f.wall),
            total as f64 / f.requests as f64,
            if over.is_empty() { "none".to_string() } else { over.join(", ") },
            fmt_dur(run.wall),
            run.wall.as_secs_f64() / f.wall.as_secs_f64(),
            fmt_dur(plan.cpu),
            fmt_mb(plan.max_rss_kb),
            fmt_dur(run.cpu),
            fmt_mb(run.max_rss_kb),
        );
        let list: Vec<String> = routes.iter().map(|(k, v)| format!("{v} × `{k}`")).collect();
        let mut d = format!("- {name}: onboarder said: `{line}`; requests by route: {}", list.join(", "));
        if let Some(n) = summary_num(&line, "API") {
            if n as usize != total {
                let _ = write!(d, " (binary counted {n} requests, the fake recorded {total})");
            }
        }
        if name == "no change" {
            // The same GETs by a client that only downloads them, then a quiet window so that the
            // next run starts with the limits it would have had.
            let download = super::download::replay(&rt, &url, TOKEN, &fake.requests());
            std::thread::sleep(setup.window());
            let _ = write!(
                d,
                "; CPU (median of {repeats} pairs taken in turn; sync {sync_cpus}; plan {plan_cpus}): sync {} against the offline plan's {} for the same day, {:.2}x (each pair: {pair_ratios}; median {median_ratio:.2}x); wall against a client that \
                 only downloads the same {} GETs ({CONCURRENCY} at a time): {} against {}, {:.2}x",
                fmt_dur(run.cpu),
                fmt_dur(plan.cpu),
                run.cpu.as_secs_f64() / plan.cpu.as_secs_f64(),
                get,
                fmt_dur(run.wall),
                fmt_dur(download),
                run.wall.as_secs_f64() / download.as_secs_f64()
            );
            let _ = write!(
                d,
                "; latency floor: `GET /user`, the {} module listing requests then page 1, then the other {} pages \
                 {CONCURRENCY} at a time = {} rounds × {} ms = {}, wall ÷ latency floor {:.2}x",
                expect.modules,
                f.pages - 1,
                f.rounds,
                args.latency_ms,
                fmt_dur(f.latency),
                run.wall.as_secs_f64() / f.latency.as_secs_f64()
            );
        }
        if name == "10% advance" {
            let after: BTreeMap<u64, fake_gitlab::Issue> =
                fake.issues(TRAINING).into_iter().map(|i| (i.iid, i)).collect();
            let changed: Vec<u64> = after
                .iter()
                .filter(|(iid, i)| labels_before.get(iid) != Some(&i.labels))
                .map(|(iid, _)| *iid)
                .collect();
            let unticked = changed.iter().filter(|iid| !ticked.contains_key(iid)).count();
            let moved =
                ticked.iter().filter(|(iid, label)| after.get(iid).is_some_and(|i| i.labels.contains(label))).count();
            let noted = ticked.keys().filter(|iid| !fake.notes(TRAINING, **iid).is_empty()).count();
            let _ = write!(
                d,
                "; issues whose labels changed: {} (predicted from the ticks: {advancing}; {moved} ticked issues now carry the next stage's label, {unticked} changed without a tick, {noted} ticked issues have a comment)",
                changed.len()
            );
            if changed.len() != advancing || moved != advancing || unticked != 0 {
                failures.push(format!(
                    "{name}: {} issues changed labels, {moved} of the {advancing} ticked reached their next stage, {unticked} changed without a tick",
                    changed.len()
                ));
            }
        }
        details.push(d);
    }
    println!();
    for d in details {
        println!("{d}");
    }
    fake.shutdown();
    drop(rt);
    assert!(failures.is_empty(), "sync bench: {}", failures.join("; "));
}

/// The run whose CPU is the median (the upper one of an even count).
fn median_by_cpu(mut runs: Vec<ProcRun>) -> ProcRun {
    runs.sort_by_key(|r| r.cpu);
    runs.swap_remove(runs.len() / 2)
}
