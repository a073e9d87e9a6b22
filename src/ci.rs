//! GitLab CI niceties: collapsible log sections when running in a GitLab job.

use std::time::{SystemTime, UNIX_EPOCH};

/// A collapsible section of the job log; closed when dropped. Does nothing outside GitLab CI.
pub struct Section {
    name: &'static str,
    active: bool,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// GitLab's section start line: `ESC[0K` clears the line, so the marker itself is not shown,
/// and the header after `\r` is (docs.gitlab.com/ci/jobs/job_logs, "Custom collapsible sections").
fn start_marker(time: u64, name: &str, header: &str) -> String {
    format!("\x1b[0Ksection_start:{time}:onboarder_{name}[collapsed=true]\r\x1b[0K{header}")
}

fn end_marker(time: u64, name: &str) -> String {
    format!("\x1b[0Ksection_end:{time}:onboarder_{name}\r\x1b[0K")
}

impl Section {
    pub fn start(name: &'static str, header: &str) -> Section {
        let active = std::env::var("GITLAB_CI").is_ok_and(|v| v == "true");
        if active {
            eprintln!("{}", start_marker(now(), name, header));
        }
        Section { name, active }
    }
}

impl Drop for Section {
    fn drop(&mut self) {
        if self.active {
            eprintln!("{}", end_marker(now(), self.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: the markers printed a literal backslash-x-1-b, which GitLab shows as text
    // instead of folding the section.
    #[test]
    fn markers_use_the_escape_character_in_gitlabs_format() {
        assert_eq!(
            start_marker(1_700_000_000, "read", "Reading the managed issues"),
            "\u{1b}[0Ksection_start:1700000000:onboarder_read[collapsed=true]\r\u{1b}[0KReading the managed issues"
        );
        assert_eq!(end_marker(1_700_000_005, "read"), "\u{1b}[0Ksection_end:1700000005:onboarder_read\r\u{1b}[0K");
        assert!(!start_marker(0, "x", "h").contains("\\x1b"));
    }
}
