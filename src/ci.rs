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

impl Section {
    pub fn start(name: &'static str, header: &str) -> Section {
        let active = std::env::var("GITLAB_CI").is_ok_and(|v| v == "true");
        if active {
            eprintln!("\\x1b[0Ksection_start:{}:onboarder_{name}[collapsed=true]\\r\\x1b[0K{header}", now());
        }
        Section { name, active }
    }
}

impl Drop for Section {
    fn drop(&mut self) {
        if self.active {
            eprintln!("\\x1b[0Ksection_end:{}:onboarder_{}\\r\\x1b[0K", now(), self.name);
        }
    }
}
