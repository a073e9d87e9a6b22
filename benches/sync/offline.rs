//! Offline planning: `plan` as the roster grows, and `plan --preview-dir` against `plan`.

use std::path::Path;
use std::time::Duration;

use super::process::{fmt_dur, fmt_mb, run_measured, summary_after, summary_line, ProcRun};
use super::{generate, Setup, DAY1, PATHS};

/// `plan --preview-dir` against `plan` over the same roster: previews must stay linear.
pub fn previews(exe: &Path, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), n, &Setup::new(60), false);
    let preview_dir = dir.path().join("previews");
    let preview_arg = preview_dir.to_string_lossy().to_string();
    let median = |args: &[&str]| {
        let mut runs: Vec<ProcRun> = (0..3)
            .map(|_| {
                let r = run_measured(exe, dir.path(), args, &[]);
                assert!(r.ok, "{args:?} over {n} people failed: {}", r.stderr);
                r
            })
            .collect();
        runs.sort_by_key(|r| r.cpu);
        (runs[1].cpu, runs[1].wall, runs.iter().map(|r| r.max_rss_kb).max().unwrap())
    };
    let plain = median(&["plan", "--today", DAY1]);
    let with = median(&["plan", "--today", DAY1, "--preview-dir", &preview_arg]);
    println!(
        "\n## Previews: `plan --preview-dir` against `plan`, {n} people ({} issues), median of 3\n",
        n * PATHS.len()
    );
    println!("| run | CPU | wall | peak RSS | CPU ÷ plan |\n|---|---:|---:|---:|---:|");
    println!("| plan | {} | {} | {} | 1.00x |", fmt_dur(plain.0), fmt_dur(plain.1), fmt_mb(plain.2));
    println!(
        "| plan --preview-dir | {} | {} | {} | {:.2}x |",
        fmt_dur(with.0),
        fmt_dur(with.1),
        fmt_mb(with.2),
        with.0.as_secs_f64() / plain.0.as_secs_f64()
    );
}

/// Runs of each size. CPU on a small VM moves by 10–30% from one minute to the next, so the
/// sizes are run in turn, round after round: a slow spell falls on every size alike.
const SCALING_RUNS: usize = 5;

pub fn scaling(exe: &Path, sizes: &[usize]) {
    println!(
        "\n## Offline planning (`onboarder plan --today {DAY1}`, no token), {} templates per person\n",
        PATHS.len()
    );
    println!("Teams of ten: every tenth person manages the nine after them, and gets a dashboard.");
    println!("{SCALING_RUNS} rounds, each running every size once, in turn.\n");
    println!(
        "The last column leaves out what any run costs whatever its size: the CPU of the smallest size \
         run, taken off, over the issues beyond its own.\n"
    );
    println!("| people | issues | CPU (median of {SCALING_RUNS}) | CPU min–max | CPU per issue | wall (median) | peak RSS (max) | CPU per issue beyond the smallest run |\n|---:|---:|---:|---|---:|---:|---:|---:|");
    let dirs: Vec<tempfile::TempDir> = sizes
        .iter()
        .map(|&n| {
            let dir = tempfile::tempdir().unwrap();
            generate(dir.path(), n, &Setup::new(60), true);
            dir
        })
        .collect();
    let mut runs: Vec<Vec<ProcRun>> = sizes.iter().map(|_| Vec::new()).collect();
    for _ in 0..SCALING_RUNS {
        for ((n, dir), runs) in sizes.iter().zip(&dirs).zip(&mut runs) {
            let r = run_measured(exe, dir.path(), &["plan", "--today", DAY1], &[]);
            assert!(r.ok, "plan over {n} people failed: {}", r.stderr);
            runs.push(r);
        }
    }
    let mut smallest: Option<(Duration, u64)> = None;
    for (n, mut runs) in sizes.iter().zip(runs) {
        let issues = summary_after(&summary_line(&runs[0].stdout), "create").unwrap_or(0);
        runs.sort_by_key(|r| r.cpu);
        let cpu_med = runs[SCALING_RUNS / 2].cpu;
        let beyond = match smallest {
            Some((cpu, base)) if issues > base => {
                format!("{:.1} µs", cpu_med.saturating_sub(cpu).as_secs_f64() * 1e6 / (issues - base) as f64)
            }
            _ => "—".to_string(),
        };
        smallest = smallest.or(Some((cpu_med, issues)));
        let (cmin, cmax) = (runs[0].cpu, runs[SCALING_RUNS - 1].cpu);
        let rss = runs.iter().map(|r| r.max_rss_kb).max().unwrap();
        let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
        walls.sort();
        println!(
            "| {n} | {issues} | {} | {}–{} | {:.1} µs | {} | {} | {beyond} |",
            fmt_dur(cpu_med),
            fmt_dur(cmin),
            fmt_dur(cmax),
            cpu_med.as_secs_f64() * 1e6 / issues.max(1) as f64,
            fmt_dur(walls[SCALING_RUNS / 2]),
            fmt_mb(rss)
        );
    }
}
