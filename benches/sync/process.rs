//! Running the onboarder binary: its wall and CPU time, peak memory, and its summary line.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct ProcRun {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kb: i64,
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run the binary, measuring its own CPU time and peak RSS with wait4 (per child, not cumulative).
///
/// The binary is started by a fresh copy of this bench exe (`--measure-child`), not by this
/// process: Linux keeps a process's peak RSS across execve, so a child forked from this process
/// (which holds the fake GitLab's state) would report this process's RSS as its own peak.
pub fn run_measured(exe: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> ProcRun {
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
    // The key that seals onboarder's records: a CI job holding it is how onboarder runs.
    cmd.env("ONBOARDER_STATE_KEY", "bench-state-key-0123456789abcdef0123456789abcdef");
    for v in ["ONBOARDER_STATE_KEY_PREVIOUS", "ONBOARDER_PLAN_IN_FULL"] {
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
pub fn measure_child(argv: &[String]) -> ! {
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
pub fn summary_line(stdout: &str) -> String {
    stdout.lines().rev().find(|l| l.contains("unchanged,")).unwrap_or("").trim().to_string()
}

/// The number before `word` in the summary line.
pub fn summary_num(line: &str, word: &str) -> Option<u64> {
    let toks: Vec<&str> = line.split([' ', ',', ';', '(', ')']).filter(|t| !t.is_empty()).collect();
    toks.windows(2).find(|w| w[1] == word).and_then(|w| w[0].parse().ok())
}

/// The number after `word` in the summary line ("would create 2000").
pub fn summary_after(line: &str, word: &str) -> Option<u64> {
    let toks: Vec<&str> = line.split([' ', ',', ';']).filter(|t| !t.is_empty()).collect();
    toks.windows(2).find(|w| w[0] == word).and_then(|w| w[1].parse().ok())
}

pub fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.0} ms", s * 1000.0)
    }
}

pub fn fmt_mb(kb: i64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}
