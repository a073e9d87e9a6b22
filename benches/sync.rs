//! End-to-end sync benchmark against the in-process fake GitLab, plus offline planning scaling.
//!
//! ```text
//! cargo build --release && cargo bench --bench sync -- [--people N] [--latency-ms L] [--window-s W]
//!                                                       [--no-scaling] [--scaling-only] [--scaling 10,100,...]
//!                                                       [--history PEOPLE,CLOSED] [--no-history] [--previews N]
//!                                                       [--lost-creates ISSUES,PERCENT] [--no-lost-creates]
//!                                                       [--shards N] [--no-shards]
//!                                                       [--only sync,history,lost-creates,shards,scaling,previews]
//!                                                       [--profile "perf record -g -o FILE --"]
//! ```
//!
//! Scenarios (all but `previews` run by default; `--only` runs the ones named, alone):
//! - `sync`: first sync, no change, then the advance day, on which every 10th person has ticked
//!   the items of their current stage of one path (progress comes from ticks, not the calendar).
//!   The no-change floor is issue 14's: `GET /user`, page 1, then the other pages `concurrency`
//!   at a time; requests above it (token check, project lookup) are listed, not hidden.
//! - `history`: `--history ACTIVE,CLOSED` (default 200,10000).
//! - `lost-creates`: `--lost-creates ISSUES,PERCENT` (default 10000,5): a first sync in which
//!   PERCENT% of the creates land but their answer never comes (the client times out), against the
//!   same first sync without faults. Creates are limited at 1,000 per window and requests time out
//!   after 1 s in this scenario only, so that 10,000 creates take minutes, not a quarter of an hour.
//! - `shards`: `--shards N` (default 4, `--people` people): N shards (`sync --shard K/N`,
//!   `sharding.shared_token: true`) at once, first sync and no change, against one unsharded run.
//! - `scaling`: `--scaling` sizes of offline `plan`; `previews`: `--previews N` (off by default).
//!
//! The `onboarder` binary is run as a subprocess (`target/release/onboarder`, built by the caller),
//! the fake GitLab runs in this process. See BENCHMARKS.md for what the numbers mean.

#[path = "sync/lost_creates.rs"]
mod lost_creates;
#[path = "sync/shards.rs"]
mod shards;
#[path = "sync/ticks.rs"]
mod ticks;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_gitlab::{FakeGitlab, Limit, Options};

const TRAINING: &str = "gitlab-com/support/support-training";
const TOKEN: &str = "glpat-bench-token";
/// The first sync date; the third run is one day later.
const DAY1: &str = "2026-10-01";
const DAY2: &str = "2026-10-02";
const PATHS: [&str; 2] = ["support-learning-path", "promotion-senior"];
const CONCURRENCY: usize = 8;
const STAGE_PREFIX: &str = "onboarding-stage";

struct Args {
    people: usize,
    latency_ms: u64,
    window_s: u64,
    scaling: Vec<usize>,
    sync: bool,
    /// The history scenario: active people, and old closed issues of people long gone.
    history: Option<(usize, usize)>,
    /// People for `plan --preview-dir` against `plan` (0: skip).
    previews: usize,
    /// The lost-creates scenario: issues created, and the percentage whose answer is lost.
    lost_creates: Option<(usize, usize)>,
    /// The shards scenario: how many shards share the token.
    shards: Option<usize>,
    /// A command the no-change sync is run under (a profiler), split on spaces.
    profile: Vec<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        people: 1000,
        latency_ms: 20,
        window_s: 2,
        scaling: vec![10, 100, 1_000, 10_000],
        sync: true,
        history: Some((200, 10_000)),
        previews: 0,
        lost_creates: Some((10_000, 5)),
        shards: Some(4),
        profile: Vec::new(),
    };
    let mut only: Option<Vec<String>> = None;
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let val = |i: usize, name: &str| -> String {
        argv.get(i + 1).cloned().unwrap_or_else(|| {
            eprintln!("sync bench: {name} needs a value");
            std::process::exit(2)
        })
    };
    let num = |s: String, name: &str| -> u64 {
        s.parse().unwrap_or_else(|_| {
            eprintln!("sync bench: {name} takes a number, not {s:?}");
            std::process::exit(2)
        })
    };
    while i < argv.len() {
        match argv[i].as_str() {
            "--people" => {
                a.people = num(val(i, "--people"), "--people") as usize;
                i += 1;
            }
            "--latency-ms" => {
                a.latency_ms = num(val(i, "--latency-ms"), "--latency-ms");
                i += 1;
            }
            "--window-s" => {
                a.window_s = num(val(i, "--window-s"), "--window-s").max(1);
                i += 1;
            }
            "--scaling" => {
                let v = val(i, "--scaling");
                a.scaling =
                    v.split(',').filter(|s| !s.is_empty()).map(|s| num(s.to_string(), "--scaling") as usize).collect();
                i += 1;
            }
            "--history" => {
                let v = val(i, "--history");
                let (p, c) = v.split_once(',').unwrap_or((v.as_str(), "10000"));
                a.history = Some((num(p.to_string(), "--history") as usize, num(c.to_string(), "--history") as usize));
                i += 1;
            }
            "--no-history" => a.history = None,
            "--lost-creates" => {
                let v = val(i, "--lost-creates");
                let (n, p) = v.split_once(',').unwrap_or((v.as_str(), "5"));
                let percent = num(p.to_string(), "--lost-creates") as usize;
                if percent > 100 {
                    eprintln!("sync bench: --lost-creates PERCENT must be at most 100, not {percent}");
                    std::process::exit(2)
                }
                a.lost_creates = Some((num(n.to_string(), "--lost-creates") as usize, percent));
                i += 1;
            }
            "--no-lost-creates" => a.lost_creates = None,
            "--shards" => {
                a.shards = Some(num(val(i, "--shards"), "--shards").max(1) as usize);
                i += 1;
            }
            "--no-shards" => a.shards = None,
            "--only" => {
                only = Some(val(i, "--only").split(',').map(|s| s.trim().to_string()).collect());
                i += 1;
            }
            "--previews" => {
                a.previews = num(val(i, "--previews"), "--previews") as usize;
                i += 1;
            }
            "--profile" => {
                a.profile = val(i, "--profile").split_whitespace().map(str::to_string).collect();
                i += 1;
            }
            "--no-scaling" => a.scaling.clear(),
            "--scaling-only" => {
                a.sync = false;
                a.history = None;
                a.lost_creates = None;
                a.shards = None;
            }
            // `cargo bench` passes `--bench`; ignore it and any filter.
            _ => {}
        }
        i += 1;
    }
    if let Some(only) = only {
        const NAMES: [&str; 6] = ["sync", "history", "lost-creates", "shards", "scaling", "previews"];
        if let Some(bad) = only.iter().find(|n| !NAMES.contains(&n.as_str())) {
            eprintln!("sync bench: --only takes scenarios among {}, not {bad:?}", NAMES.join(","));
            std::process::exit(2)
        }
        let on = |n: &str| only.iter().any(|o| o == n);
        a.sync = on("sync");
        a.history = a.history.filter(|_| on("history")).or(on("history").then_some((200, 10_000)));
        a.lost_creates = a.lost_creates.filter(|_| on("lost-creates")).or(on("lost-creates").then_some((10_000, 5)));
        a.shards = a.shards.filter(|_| on("shards")).or(on("shards").then_some(4));
        if !on("scaling") {
            a.scaling.clear();
        }
        if !on("previews") {
            a.previews = 0;
        } else if a.previews == 0 {
            a.previews = 20_000;
        }
    }
    a
}

/// `target/release/onboarder`: the bench exe is `target/release/deps/sync-<hash>`.
fn onboarder_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().and_then(Path::parent).expect("bench exe has no target/<profile>/deps parent");
    let bin = dir.join(format!("onboarder{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        eprintln!(
            "sync bench: {} not found. Build the binary first: `cargo build --release && cargo bench --bench sync`",
            bin.display()
        );
        std::process::exit(2);
    }
    // Warn when src/ changed after the binary was built (the bench cannot rebuild it).
    let newest_src = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
        .max();
    if let (Some(src), Ok(b)) = (newest_src, std::fs::metadata(&bin).and_then(|m| m.modified())) {
        if b < src {
            eprintln!("sync bench: warning: {} is older than src/; run `cargo build --release` first", bin.display());
        }
    }
    bin
}

// ---- synthetic roster ------------------------------------------------------------------------

fn date(s: &str) -> chrono_lite::Date {
    chrono_lite::Date::parse(s)
}

/// Minimal civil-date arithmetic (days since 1970-01-01), so the bench needs no extra crate.
mod chrono_lite {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Date(pub i64);

    impl Date {
        pub fn parse(s: &str) -> Date {
            let p: Vec<i64> = s.split('-').map(|x| x.parse().unwrap()).collect();
            Date(days_from_civil(p[0], p[1], p[2]))
        }
        pub fn minus(self, d: i64) -> Date {
            Date(self.0 - d)
        }
    }

    impl std::fmt::Display for Date {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let (y, m, d) = civil_from_days(self.0);
            write!(f, "{y:04}-{m:02}-{d:02}")
        }
    }

    // Howard Hinnant's algorithms.
    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    fn civil_from_days(z: i64) -> (i64, i64, i64) {
        let z = z + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (if m <= 2 { y + 1 } else { y }, m, d)
    }
}

/// Grace period before a person counts as behind (onboarder's default `progress.grace_days`).
const GRACE_DAYS: i64 = 14;

/// Days since start on DAY1 for person `i`, spread over 0..=85 days and chosen so that nothing the
/// calendar decides changes between DAY1 and DAY2: no template's expected stage moves on DAY2,
/// now or a grace period ago (the pace label), and no path falls due. Only ticks move a stage.
fn days_since_start(i: usize, stages: &[Vec<ticks::Stage>]) -> i64 {
    let crosses = |d: i64| stages.iter().any(|s| ticks::stage_at(s, d) != ticks::stage_at(s, d + 1));
    let calm: Vec<i64> = (0..=85).filter(|d| !crosses(*d) && !crosses(*d - GRACE_DAYS)).collect();
    calm[(i * 7919) % calm.len()]
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

struct Person {
    id: u64,
    username: String,
    name: String,
}

/// The limits and settings a scenario runs with, the same in onboarder's config and in the fake.
#[derive(Clone, Copy)]
struct Setup {
    window_s: u64,
    requests: u32,
    issue_creates: u32,
    notes: u32,
    /// onboarder's `request_timeout_seconds` (its default when `None`).
    timeout_s: Option<f64>,
    /// `sharding.shared_token`.
    shared_token: bool,
}

impl Setup {
    /// GitLab.com's limits (2,000 requests, 200 issue creations, 60 notes) over `window_s` seconds.
    fn new(window_s: u64) -> Setup {
        Setup { window_s, requests: 2000, issue_creates: 200, notes: 60, timeout_s: None, shared_token: false }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.window_s)
    }
}

/// The stages of each path, in `PATHS` order.
fn path_stages(dir: &Path) -> Vec<Vec<ticks::Stage>> {
    PATHS.iter().map(|k| ticks::stages(&dir.join("issue-templates"), k)).collect()
}

/// Writes config, templates and an N-person roster into `dir`; returns the people.
fn generate(dir: &Path, n: usize, setup: &Setup) -> Vec<Person> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&repo.join("issue-templates"), &dir.join("issue-templates"));
    let stages = path_stages(dir);
    let Setup { window_s, requests, issue_creates, notes, timeout_s, shared_token } = *setup;
    let mut config = format!(
        "gitlab:\n  url: https://gitlab.com\n  project: {TRAINING}\nroster: roster/\ntemplates: issue-templates/\n\
         started_after: 2026-01-01\nmarker_label: onboarder\nstage_label_prefix: {STAGE_PREFIX}\n\
         concurrency: {CONCURRENCY}\nrate_limits: {{window_seconds: {window_s}, requests: {requests}, \
         issue_creates: {issue_creates}, notes: {notes}}}\n"
    );
    if let Some(t) = timeout_s {
        let _ = writeln!(config, "request_timeout_seconds: {t}");
    }
    if shared_token {
        config.push_str("sharding: {shared_token: true}\n");
    }
    std::fs::write(dir.join("onboarder.yaml"), config).unwrap();
    let roster = dir.join("roster");
    std::fs::create_dir_all(&roster).unwrap();
    let regions = ["AMER", "EMEA", "APAC"];
    let day1 = date(DAY1);
    let mut people = Vec::with_capacity(n);
    for i in 0..n {
        let username = format!("user{i}");
        let id = 1_000_000 + i as u64;
        let days = days_since_start(i, &stages);
        let mut y = String::new();
        let _ = writeln!(y, "name: Person {i}");
        let _ = writeln!(y, "title: Support Engineer");
        let _ = writeln!(y, "region: {}", regions[i % 3]);
        let _ = writeln!(y, "start_date: {}", day1.minus(days));
        let _ = writeln!(y, "gitlab: {{id: {id}, username: {username}}}");
        if n > 1 && i % 2 == 0 {
            let _ = writeln!(y, "onboarding: {{buddy: user{}, paths: [{}]}}", (i + 3) % n, PATHS.join(", "));
        } else {
            let _ = writeln!(y, "onboarding: {{paths: [{}]}}", PATHS.join(", "));
        }
        std::fs::write(roster.join(format!("{username}.yaml")), y).unwrap();
        people.push(Person { id, name: format!("Person {i}"), username });
    }
    people
}

// ---- running the binary ----------------------------------------------------------------------

struct ProcRun {
    wall: Duration,
    cpu: Duration,
    max_rss_kb: i64,
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Run the binary, measuring its own CPU time and peak RSS with wait4 (per child, not cumulative).
///
/// The binary is started by a fresh copy of this bench exe (`--measure-child`), not by this
/// process: Linux keeps a process's peak RSS across execve, so a child forked from this process
/// (which holds the fake GitLab's state) would report this process's RSS as its own peak.
fn run_measured(exe: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> ProcRun {
    // Runs may go at once (shards): each gets its own output files.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out_path = dir.join(format!(".bench-stdout-{n}"));
    let err_path = dir.join(format!(".bench-stderr-{n}"));
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.arg("--measure-child").arg(exe).args(args);
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for v in ["GITLAB_URL", "GITLAB_TOKEN", "CI_SERVER_URL", "CI_NODE_INDEX", "CI_NODE_TOTAL", "GITLAB_CI", "RUST_LOG"]
    {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let status = cmd.status().expect("cannot start the measuring helper");
    let wall = start.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    // The helper's last stderr line: "MEASURED <cpu_us> <maxrss_kb> <exit_ok>".
    let m = stderr.lines().rev().find_map(|l| l.strip_prefix("MEASURED ")).unwrap_or("0 0 0");
    let f: Vec<i64> = m.split(' ').map(|x| x.parse().unwrap_or(0)).collect();
    ProcRun {
        wall,
        cpu: Duration::from_micros(f[0] as u64),
        max_rss_kb: f[1],
        ok: status.success() && f[2] == 1,
        stdout,
        stderr,
    }
}

/// `--measure-child EXE ARGS...`: run EXE (inheriting stdio, cwd and env), reap it with wait4 and
/// print its CPU time and peak RSS on stderr.
fn measure_child(argv: &[String]) -> ! {
    let mut child = Command::new(&argv[0]).args(&argv[1..]).spawn().expect("cannot start onboarder");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    assert_eq!(r, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let _ = child.try_wait(); // already reaped; keeps std from waiting again
    let us = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    eprintln!("MEASURED {} {} {}", us(ru.ru_utime) + us(ru.ru_stime), ru.ru_maxrss, i32::from(ok));
    std::process::exit(0)
}

/// The binary's own summary line, e.g. "created 2000, ...; 2023 API requests (...)".
fn summary_line(stdout: &str) -> String {
    stdout.lines().rev().find(|l| l.contains("unchanged,")).unwrap_or("").trim().to_string()
}

/// The number before `word` in the summary line.
fn summary_num(line: &str, word: &str) -> Option<u64> {
    let toks: Vec<&str> = line.split([' ', ',', ';', '(', ')']).filter(|t| !t.is_empty()).collect();
    toks.windows(2).find(|w| w[1] == word).and_then(|w| w[0].parse().ok())
}

/// The number after `word` in the summary line ("would create 2000").
fn summary_after(line: &str, word: &str) -> Option<u64> {
    let toks: Vec<&str> = line.split([' ', ',', ';']).filter(|t| !t.is_empty()).collect();
    toks.windows(2).find(|w| w[0] == word).and_then(|w| w[1].parse().ok())
}

fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.0} ms", s * 1000.0)
    }
}

fn fmt_mb(kb: i64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// What a run must do at the least.
#[derive(Clone, Copy, Default)]
struct Expect {
    /// Open managed issues before the run (the listing pages).
    existing: usize,
    creates: usize,
    updates: usize,
    notes: usize,
}

/// The least a run can cost.
struct Floor {
    requests: usize,
    /// Listing pages.
    pages: usize,
    /// Latency rounds: `GET /user`, page 1, the other pages `concurrency` at a time (issue 14's
    /// floor for a no-change run), then the writes and their re-reads `concurrency` at a time.
    rounds: usize,
    /// `rounds` × latency.
    latency: Duration,
    /// The latency floor, or the rate limits' floor when higher.
    wall: Duration,
}

fn floor(e: &Expect, latency: Duration, setup: &Setup) -> Floor {
    let pages = e.existing.div_ceil(100).max(1);
    // Writes and one re-read before every update; user ids come from the roster: no lookups.
    let work = e.creates + e.updates + e.notes + e.updates;
    let requests = 1 + pages + work;
    let rounds = 2 + (pages - 1).div_ceil(CONCURRENCY) + work.div_ceil(CONCURRENCY);
    let latency_floor = latency * rounds as u32;
    let window = setup.window();
    let creation_floor = window.mul_f64(e.creates as f64 / f64::from(setup.issue_creates));
    let note_floor = window.mul_f64(e.notes as f64 / f64::from(setup.notes));
    let request_floor = window.mul_f64(requests as f64 / f64::from(setup.requests));
    let wall = latency_floor.max(creation_floor).max(note_floor).max(request_floor);
    Floor { requests, pages, rounds, latency: latency_floor, wall }
}

/// The recorded requests by `METHOD route` (without `/api/v4`).
fn by_route(fake: &FakeGitlab) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in fake.requests() {
        *out.entry(format!("{} {}", r.method, r.route.trim_start_matches("/api/v4"))).or_default() += 1;
    }
    out
}

/// Listing pages recorded (`GET /projects/:id/issues`).
fn listing_pages(routes: &BTreeMap<String, usize>) -> usize {
    routes.get("GET /projects/:id/issues").copied().unwrap_or(0)
}

/// Requests above what the floor counts, by route: e.g. "1 × `GET /projects/:id`".
fn over_floor(routes: &BTreeMap<String, usize>, e: &Expect, f: &Floor) -> Vec<String> {
    let counted: BTreeMap<&str, usize> = [
        ("GET /user", 1),
        ("GET /projects/:id/issues", f.pages),
        ("POST /projects/:id/issues", e.creates),
        ("GET /projects/:id/issues/:iid", e.updates),
        ("PUT /projects/:id/issues/:iid", e.updates),
        ("POST /projects/:id/issues/:iid/notes", e.notes),
    ]
    .into_iter()
    .collect();
    routes
        .iter()
        .filter_map(|(route, n)| {
            let over = n.saturating_sub(counted.get(route.as_str()).copied().unwrap_or(0));
            (over > 0).then(|| format!("{over} × `{route}`"))
        })
        .collect()
}

const HEADER: &str = "| run | people | issues | requests (GET/POST/PUT) | writes | 429s | floor (requests / wall) | requests ÷ floor | over the floor | wall | wall ÷ floor | plan CPU | plan peak RSS | sync CPU | sync peak RSS |\n|---|---:|---:|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|";

fn sync_bench(exe: &Path, args: &Args) {
    let latency = Duration::from_millis(args.latency_ms);
    let setup = Setup::new(args.window_s);
    let dir = tempfile::tempdir().unwrap();
    let people = generate(dir.path(), args.people, &setup);
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
        ("first sync", DAY1, Expect { creates: issues_total, ..Expect::default() }),
        ("no change", DAY1, Expect { existing: issues_total, ..Expect::default() }),
        // Each ticked issue: a re-read, an update (the stage label) and the stage's comment.
        ("10% advance", DAY2, Expect { existing: issues_total, updates: advancing, notes: advancing, creates: 0 }),
    ];
    println!(
        "\n## Sync: {} people, latency {} ms, window {} s, concurrency {CONCURRENCY}\n",
        args.people, args.latency_ms, args.window_s
    );
    println!("{HEADER}");
    let mut details = Vec::new();
    let mut failures = Vec::new();
    for (name, today, expect) in runs {
        // Offline planning cost for the same date.
        let plan = run_measured(exe, dir.path(), &["plan", "--today", today], &[]);
        assert!(plan.ok, "plan failed: {}", plan.stderr);

        let mut ticked = BTreeMap::new();
        let mut labels_before: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        if name == "10% advance" {
            ticked = ticks::advance_every_tenth(&fake, &people, &stages, STAGE_PREFIX);
            assert_eq!(ticked.len(), advancing, "one ticked issue per 10th person");
            labels_before = fake.issues(TRAINING).into_iter().map(|i| (i.iid, i.labels)).collect();
        }
        fake.clear_requests();
        let r429_before = fake.rate_limited();
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
            let _ = write!(
                d,
                "; latency floor (issue 14): `GET /user`, page 1, then the other {} pages {CONCURRENCY} at a time = {} rounds × {} ms = {}, wall ÷ latency floor {:.2}x",
                f.pages - 1,
                f.rounds,
                args.latency_ms,
                fmt_dur(f.latency),
                run.wall.as_secs_f64() / f.latency.as_secs_f64()
            );
        }
        if name == "10% advance" {
            let after: BTreeMap<u64, fake_gitlab::Issue> = fake.issues(TRAINING).into_iter().map(|i| (i.iid, i)).collect();
            let changed: Vec<u64> =
                after.iter().filter(|(iid, i)| labels_before.get(iid) != Some(&i.labels)).map(|(iid, _)| *iid).collect();
            let unticked = changed.iter().filter(|iid| !ticked.contains_key(iid)).count();
            let moved = ticked.iter().filter(|(iid, label)| after.get(iid).is_some_and(|i| i.labels.contains(label))).count();
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

/// A project with years of history: `closed` managed issues of people long gone (closed, created
/// in 2020) beside the issues of `active` people. The no-change run should list what the active
/// people need, not the history.
fn history_bench(exe: &Path, args: &Args, active: usize, closed: usize) {
    let latency = Duration::from_millis(args.latency_ms);
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup::new(args.window_s);
    let people = generate(dir.path(), active, &setup);
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
    let f = floor(&Expect { existing: active_issues, ..Expect::default() }, latency, &setup);
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

/// `plan --preview-dir` against `plan` over the same roster: previews must stay linear.
fn previews_bench(exe: &Path, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), n, &Setup::new(60));
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

fn scaling(exe: &Path, sizes: &[usize]) {
    println!(
        "\n## Offline planning (`onboarder plan --today {DAY1}`, no token), {} templates per person\n",
        PATHS.len()
    );
    println!("| people | issues | CPU (median of 3) | CPU min–max | wall (median) | peak RSS (max) |\n|---:|---:|---:|---|---:|---:|");
    for &n in sizes {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), n, &Setup::new(60));
        let mut runs: Vec<ProcRun> = (0..3)
            .map(|_| {
                let r = run_measured(exe, dir.path(), &["plan", "--today", DAY1], &[]);
                assert!(r.ok, "plan over {n} people failed: {}", r.stderr);
                r
            })
            .collect();
        let issues = summary_after(&summary_line(&runs[0].stdout), "create").unwrap_or(0);
        runs.sort_by_key(|r| r.cpu);
        let cpu_med = runs[1].cpu;
        let (cmin, cmax) = (runs[0].cpu, runs[2].cpu);
        let rss = runs.iter().map(|r| r.max_rss_kb).max().unwrap();
        let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
        walls.sort();
        println!(
            "| {n} | {issues} | {} | {}–{} | {} | {} |",
            fmt_dur(cpu_med),
            fmt_dur(cmin),
            fmt_dur(cmax),
            fmt_dur(walls[1]),
            fmt_mb(rss)
        );
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--measure-child") {
        measure_child(&argv[1..]);
    }
    let args = parse_args();
    let exe = onboarder_exe();
    if args.sync {
        sync_bench(&exe, &args);
    }
    if let Some((active, closed)) = args.history {
        history_bench(&exe, &args, active, closed);
    }
    if let Some((issues, percent)) = args.lost_creates {
        lost_creates::bench(&exe, &args, issues, percent);
    }
    if let Some(n) = args.shards {
        shards::bench(&exe, &args, n);
    }
    if !args.scaling.is_empty() {
        scaling(&exe, &args.scaling);
    }
    if args.previews > 0 {
        previews_bench(&exe, args.previews);
    }
}

/// A fake GitLab with latency and the limits of `setup`, knowing the bot and `people`.
fn start_fake(rt: &tokio::runtime::Runtime, latency: Duration, setup: &Setup, people: &[Person]) -> FakeGitlab {
    let window = setup.window();
    let fake = rt.block_on(FakeGitlab::start(Options {
        latency,
        issue_create_limit: Some(Limit::new(setup.issue_creates, window)),
        note_create_limit: Some(Limit::new(setup.notes, window)),
        request_throttle: Some(Limit::new(setup.requests, window)),
        ..Options::default()
    }));
    let bot = fake.add_user("onboarding-bot", "Onboarding Bot");
    fake.add_token(TOKEN, bot);
    fake.add_project(TRAINING);
    for p in people {
        fake.add_user_with_id(p.id, &p.username, &p.name);
    }
    fake
}
