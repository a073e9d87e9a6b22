//! python-gitlab, the independent client: a pinned copy in a virtualenv under the target
//! directory, made on first use, and a way to run one of `tests/python/*.py` against the fake.
//!
//! Each script is a plain Python program that talks to the fake through python-gitlab and exits
//! non-zero (an assertion) when an answer is not what GitLab gives. The Rust test around it sets
//! the fake up and checks what the script's writes left behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The python-gitlab release the scripts are written against (PyPI).
pub const PYTHON_GITLAB: &str = "8.6.0";

/// The virtualenv's python, made once per target directory (pip needs the package registry the
/// first time only).
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("python-gitlab-{PYTHON_GITLAB}"));
        let python = root.join("bin").join("python");
        if python.exists() {
            return python;
        }
        // Built beside and renamed into place, so a second test binary never sees half a venv.
        let building = root.with_extension(format!("building-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        let ok = |c: &mut Command, what: &str| {
            let out = c.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
            assert!(out.status.success(), "{what} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        };
        ok(
            Command::new("python3").args(["-m", "venv"]).arg(&building),
            "python3 -m venv (python-gitlab checks the fake; on Debian install python3-venv)",
        );
        ok(
            Command::new(building.join("bin").join("pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("python-gitlab=={PYTHON_GITLAB}"),
            ]),
            "pip install python-gitlab",
        );
        if std::fs::rename(&building, &root).is_err() {
            // Another test binary finished first: use its copy.
            let _ = std::fs::remove_dir_all(&building);
        }
        python
    })
}

/// Runs `tests/python/<script>` with `FAKE_URL`, `FAKE_TOKEN` and `extra` in its environment, on
/// a blocking thread (the fake answers on the test's runtime), and panics with its output unless
/// it exits 0. Returns what it printed.
pub async fn run(script: &str, url: &str, token: &str, extra: &[(&str, &str)]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("python").join(script);
    let mut cmd = Command::new(python());
    cmd.arg(&path).env("FAKE_URL", url).env("FAKE_TOKEN", token);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("start python")).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python-gitlab script {script} failed:\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
