//! End-to-end sync benchmark against the in-process fake GitLab, plus offline planning scaling.
//!
//! ```text
//! cargo build --release && cargo bench --bench sync -- [--people N] [--latency-ms L] [--window-s W]
//!                                                       [--no-scaling] [--scaling-only] [--scaling 10,100,...]
//!                                                       [--history PEOPLE,CLOSED] [--no-history] [--previews N]
//!                                                       [--lost-creates ISSUES,PERCENT] [--no-lost-creates]
//!                                                       [--shards N] [--no-shards]
//!                                                       [--only sync,history,lost-creates,shards,scaling,previews]
//!                                                       [--profile "perf record -g -o FILE --"] [--repeat N]
//! ```
//!
//! Scenarios (all but `previews` run by default; `--only` runs the ones named, alone):
//! - `sync`: first sync, no change, then the advance day, on which every 10th person has ticked
//!   the items of their current stage of one path (progress comes from ticks, not the calendar).
//!   The no-change floor: `GET /user`, page 1, then the other pages `concurrency`
//!   at a time; requests above it (token check, project lookup) are listed, not hidden.
//!   The no-change run is taken `--repeat` times (default 5), each after an offline plan of the
//!   same day; CPU is the median of each, and every value is printed.
//! - `history`: `--history ACTIVE,CLOSED` (default 200,10000).
//! - `lost-creates`: `--lost-creates ISSUES,PERCENT` (default 10000,5): a first sync in which
//!   PERCENT% of the creates land but their answer never comes (the client times out), against the
//!   same first sync without faults. In this scenario only, creates are limited at 1,000 per window
//!   (not 200) and onboarder's requests time out after 0.5 s (not 30 s): each lost answer is waited
//!   for that long, and 10,000 creates then take minutes, not hours. The output says so.
//! - `shards`: `--shards N` (default 4, `--people` people): N shards (`sync --shard K/N`,
//!   `sharding.shared_token: true`) at once, first sync and no change, against one unsharded run.
//! - `scaling`: `--scaling` sizes of offline `plan`; `previews`: `--previews N` (off by default).
//!
//! The `onboarder` binary is run as a subprocess (`target/release/onboarder`, built by the caller),
//! the fake GitLab runs in this process. See BENCHMARKS.md for what the numbers mean.

#[path = "sync/download.rs"]
mod download;
#[path = "sync/floor.rs"]
mod floor;
#[path = "sync/history.rs"]
mod history;
#[path = "sync/lost_creates.rs"]
mod lost_creates;
#[path = "sync/offline.rs"]
mod offline;
#[path = "sync/process.rs"]
mod process;
#[path = "sync/shards.rs"]
mod shards;
#[path = "sync/three_syncs.rs"]
mod three_syncs;
#[path = "sync/ticks.rs"]
mod ticks;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// How many times the no-change run is taken (with the offline plan before each).
    repeat: usize,
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
        repeat: 5,
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
            "--repeat" => {
                a.repeat = num(val(i, "--repeat"), "--repeat").max(1) as usize;
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

/// `target/<profile>/onboarder` beside the bench's own profile: the bench exe is
/// `target/release/deps/sync-<hash>` (or `target/profiling/deps/...` under `--profile profiling`).
fn onboarder_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().and_then(Path::parent).expect("bench exe has no target/<profile>/deps parent");
    let bin = dir.join(format!("onboarder{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        eprintln!(
            "sync bench: {} not found. Build the binary first: `cargo build --release && cargo bench --bench sync` \
             (to profile: `cargo build --profile profiling && cargo bench --profile profiling --bench sync`)",
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

/// Writes config, templates and an N-person roster into `dir`; returns the people. With `teams`,
/// every tenth person manages the nine after them (`reports_to`), and each manager gets a
/// dashboard, as a real team's roster would.
fn generate(dir: &Path, n: usize, setup: &Setup, teams: bool) -> Vec<Person> {
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
        if teams && i % 10 != 0 {
            let _ = writeln!(y, "reports_to: Person {}", i - i % 10);
        }
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

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--measure-child") {
        process::measure_child(&argv[1..]);
    }
    let args = parse_args();
    let exe = onboarder_exe();
    if args.sync {
        three_syncs::bench(&exe, &args);
    }
    if let Some((active, closed)) = args.history {
        history::bench(&exe, &args, active, closed);
    }
    if let Some((issues, percent)) = args.lost_creates {
        lost_creates::bench(&exe, &args, issues, percent);
    }
    if let Some(n) = args.shards {
        shards::bench(&exe, &args, n);
    }
    if !args.scaling.is_empty() {
        offline::scaling(&exe, &args.scaling);
    }
    if args.previews > 0 {
        offline::previews(&exe, args.previews);
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
