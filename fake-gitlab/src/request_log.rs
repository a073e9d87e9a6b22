//! `--request-log FILE`: on SIGUSR1 the binary writes every request it has answered so far to a
//! file, so a script driving the fake from outside (the CI pipeline scenarios) can count writes,
//! which GitLab's own API has no way to list.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use fake_gitlab::{FakeGitlab, RecordedRequest};

/// One line per request, oldest first: `METHOD STATUS PATH[?QUERY]`.
pub fn lines(requests: &[RecordedRequest]) -> String {
    let mut out = String::new();
    for r in requests {
        let query = if r.query.is_empty() { String::new() } else { format!("?{}", r.query) };
        let _ = writeln!(out, "{} {} {}{query}", r.method, r.status, r.path);
    }
    out
}

/// Writes the log beside `path` and renames it into place: a reader never sees half a log.
fn write(fake: &FakeGitlab, path: &Path) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, lines(&fake.requests()))?;
    std::fs::rename(&partial, path)
}

/// Registers the SIGUSR1 handler now (before anyone can send the signal, whose default action
/// ends the process), then writes the log on each one.
#[cfg(unix)]
pub fn start(fake: FakeGitlab, path: PathBuf) -> io::Result<()> {
    let mut usr1 = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())?;
    tokio::spawn(async move {
        while usr1.recv().await.is_some() {
            if let Err(e) = write(&fake, &path) {
                eprintln!("fake-gitlab: cannot write the request log {}: {e}", path.display());
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
pub fn start(_fake: FakeGitlab, _path: PathBuf) -> io::Result<()> {
    Err(io::Error::other("--request-log needs SIGUSR1, which this system does not have"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, status: u16, path: &str, query: &str) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            route: String::new(),
            path: path.into(),
            query: query.into(),
            status,
            auth: Some("secret".into()),
            body: "{\"title\":\"x\"}".into(),
            other_headers: vec![],
        }
    }

    #[test]
    fn one_line_per_request_with_method_status_path_and_query_but_no_token_or_body() {
        let log = lines(&[
            request("GET", 200, "/api/v4/projects/a%2Fb/issues", "per_page=100&page=2"),
            request("POST", 201, "/api/v4/projects/1/issues", ""),
        ]);
        assert_eq!(
            log,
            "GET 200 /api/v4/projects/a%2Fb/issues?per_page=100&page=2\nPOST 201 /api/v4/projects/1/issues\n"
        );
    }
}
