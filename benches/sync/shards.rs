//! Shards on one token: N shards (`sync --shard K/N`, `sharding.shared_token: true`) run at once,
//! a first sync and then a no-change sync, against one unsharded run of the same roster on a
//! fresh fake. The shards share the token, so together they are held to one run's rate floor, must
//! get no 429, and should list no more pages than the one run. The bench measures
//! whatever the binary does: the pages of every shard are added up.

use std::path::Path;
use std::time::{Duration, Instant};

use super::floor::{by_route, floor, listing_pages, Expect};
use super::process::{fmt_dur, run_measured, summary_line, ProcRun};
use super::{generate, start_fake, Args, Person, Setup, DAY1, PATHS, TOKEN};

pub fn bench(exe: &Path, args: &Args, shards: usize) {
    let latency = Duration::from_millis(args.latency_ms);
    let alone = Setup::new(args.window_s);
    let shared = Setup { shared_token: true, ..alone };
    let (dir_alone, dir_shared) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let people = generate(dir_alone.path(), args.people, &alone, false);
    generate(dir_shared.path(), args.people, &shared, false);
    eprintln!("sync bench: {shards} shards on one token, {} people, latency {} ms", args.people, args.latency_ms);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let one = days(exe, &rt, dir_alone.path(), latency, &alone, &people, 1);
    let many = days(exe, &rt, dir_shared.path(), latency, &shared, &people, shards);
    drop(rt);

    let issues = people.len() * PATHS.len();
    let modules = people.len();
    let expect = [
        Expect { creates: issues, modules, ..Expect::default() },
        Expect { existing: issues, modules, ..Expect::default() },
    ];
    println!(
        "\n## Shards on one token: {shards} shards at once (`sharding.shared_token: true`) against one run, {} people, \
         latency {} ms, window {} s\n",
        args.people, args.latency_ms, args.window_s
    );
    println!("| run | processes | requests (GET/writes) | listing pages | one run's listing pages | pages ÷ one run | 429s | wall (all done) | floor (wall) | wall ÷ floor | all succeeded |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (i, name) in ["first sync", "no change"].into_iter().enumerate() {
        let f = floor(&expect[i], latency, &alone);
        for (d, procs) in [(&one[i], 1), (&many[i], shards)] {
            println!(
                "| {name} ({DAY1}) | {procs} | {} ({}/{}) | {} | {} | {:.2}x | {} | {} | {} | {:.2}x | {} |",
                d.requests,
                d.gets,
                d.writes,
                d.pages,
                one[i].pages,
                d.pages as f64 / one[i].pages.max(1) as f64,
                d.r429,
                fmt_dur(d.wall),
                fmt_dur(f.wall),
                d.wall.as_secs_f64() / f.wall.as_secs_f64(),
                if d.ok { "yes" } else { "no" }
            );
        }
    }
    println!();
    for (i, name) in ["first sync", "no change"].into_iter().enumerate() {
        for (k, line) in many[i].summaries.iter().enumerate() {
            println!("- {name}, shard {}/{shards}: `{line}`", k + 1);
        }
    }
    assert!(one.iter().chain(&many).all(|d| d.ok), "shards: a sync failed");
}

/// What the processes of one day did together.
struct Day {
    requests: usize,
    gets: usize,
    writes: usize,
    pages: usize,
    r429: usize,
    wall: Duration,
    ok: bool,
    summaries: Vec<String>,
}

/// A first sync and a no-change sync on a fresh fake, each as `shards` processes at once
/// (one process, without `--shard`, when `shards` is 1).
fn days(
    exe: &Path,
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    latency: Duration,
    setup: &Setup,
    people: &[Person],
    shards: usize,
) -> Vec<Day> {
    let fake = start_fake(rt, latency, setup, people);
    let url = fake.url();
    let env = [("GITLAB_URL", url.as_str()), ("GITLAB_TOKEN", TOKEN)];
    let mut out = Vec::new();
    for _ in 0..2 {
        fake.clear_requests();
        let r429_before = fake.rate_limited();
        let start = Instant::now();
        let runs: Vec<ProcRun> = std::thread::scope(|s| {
            let env = &env;
            let handles: Vec<_> = (1..=shards)
                .map(|k| {
                    s.spawn(move || {
                        let shard = format!("{k}/{shards}");
                        let mut argv = vec!["sync", "--today", DAY1];
                        if shards > 1 {
                            argv.extend(["--shard", shard.as_str()]);
                        }
                        run_measured(exe, dir, &argv, env)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("shard thread")).collect()
        });
        let wall = start.elapsed();
        for r in runs.iter().filter(|r| !r.ok) {
            eprintln!("sync bench: shards: onboarder failed:\n{}\n{}", summary_line(&r.stdout), r.stderr);
        }
        out.push(Day {
            requests: fake.requests().len(),
            gets: fake.count("GET"),
            writes: fake.writes(),
            pages: listing_pages(&by_route(&fake)),
            r429: fake.rate_limited() - r429_before,
            wall,
            ok: runs.iter().all(|r| r.ok),
            summaries: runs.iter().map(|r| summary_line(&r.stdout)).collect(),
        });
    }
    fake.shutdown();
    out
}
