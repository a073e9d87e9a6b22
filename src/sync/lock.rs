//! Two runs at once must not both create a person's issue, nor both post one stage note. GitLab
//! refuses to create a second project label of one name (409 "Label already exists"), so a label
//! is the run lock: a run about to write creates `<marker>-run-lock` in the main project, whose
//! description names the run and when the lock expires, and deletes it when done. Nothing is left
//! behind. A run that finds the label waits for it (with backoff, up to a bound); one whose holder
//! crashed finds it expired and removes it. A run that waited, or that sees issues created since
//! it read them, reads them again before writing anything.
//!
//! Costs a run that writes: one POST and one DELETE (and, when it creates issues, one look per
//! project for issues created since its read); runs that write nothing never take the lock.

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::config::Config;
use crate::gitlab::{ApiError, Gitlab, Label, Listing};

/// How long a run waits for another run's lock before failing its writes: this variable (in
/// seconds), else [`DEFAULT_WAIT`].
pub const WAIT_VAR: &str = "ONBOARDER_LOCK_WAIT_SECONDS";
/// Longer than a holder's lock lives (ten minutes plus its creates), so a crashed holder's lock
/// expires within the wait.
const DEFAULT_WAIT: Duration = Duration::from_secs(20 * 60);
const EXPIRES: &str = "expires: ";
const RUN: &str = "run: ";
const COLOR: &str = "#dc143c";
/// Clocks differ between the runner and GitLab: look this much further back for others' creates.
const SKEW: chrono::Duration = chrono::Duration::minutes(2);

/// The label that is the run lock.
pub fn label_name(config: &Config) -> String {
    format!("{}-run-lock", config.marker_label)
}

/// The lock this run holds.
pub struct Lock {
    project: String,
    name: String,
    run: String,
    expires: DateTime<Utc>,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another run held it for longer than this run would wait.
    Busy {
        project: String,
        name: String,
        holder: Holder,
        waited: Duration,
    },
    Api(ApiError),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Busy { project, name, holder, waited } => write!(
                f,
                "another onboarder run ({holder}) still held it after {}s; if no onboarder run is going on, delete \
                 the label `{name}` in {project} (Manage > Labels) and run again",
                waited.as_secs()
            ),
            LockError::Api(e) => write!(f, "{e}"),
        }
    }
}

/// Who holds a lock, read from its label's description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    pub run: Option<String>,
    pub expires: Option<DateTime<Utc>>,
}

impl Holder {
    fn of(label: &Label) -> Holder {
        let text = label.description.as_deref().unwrap_or("");
        let field =
            |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()));
        Holder { run: field(RUN), expires: field(EXPIRES).and_then(|t| t.parse().ok()) }
    }

    /// A label without an expiry was not made by onboarder's lock, or was edited: it never
    /// expires, and a person must remove it.
    fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = self.run.as_deref().unwrap_or("unknown run");
        match self.expires {
            Some(e) => write!(f, "run {run}, lock expiring {}", e.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => write!(f, "{run}, lock without an expiry"),
        }
    }
}

fn describe(run: &str, expires: DateTime<Utc>) -> String {
    format!(
        "onboarder holds this label while a run writes, so that two runs never create the same issue or post the same \
         comment, and deletes it when done. Once expired it no longer counts; delete it by hand only if no onboarder \
         run is going on.\n\n{RUN}{run}\n{EXPIRES}{}\n",
        expires.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

fn wait_bound() -> Duration {
    std::env::var(WAIT_VAR).ok().and_then(|v| v.trim().parse::<u64>().ok()).map_or(DEFAULT_WAIT, Duration::from_secs)
}

/// Waits between looks at a live lock: growing, jittered so waiting runs do not retry in step.
fn pause(attempt: u32) -> Duration {
    let base = Duration::from_millis(250).mul_f64(f64::from(1u32 << attempt.min(5))).min(Duration::from_secs(5));
    base.mul_f64(0.5 + fastrand::f64() * 0.5)
}

impl Lock {
    /// Take the lock in `project`, waiting for another run that holds it. The flag says whether
    /// another run may have created issues since `read_at` (the caller must read them again);
    /// this run is about to create `creates` issues in the projects `create_in`. No lock (and a
    /// warning) where the token may not manage labels.
    pub async fn acquire(
        gl: &Gitlab,
        config: &Config,
        project: &str,
        creates: usize,
        create_in: &BTreeSet<String>,
        read_at: DateTime<Utc>,
    ) -> Result<(Option<Lock>, bool), LockError> {
        let limits = &config.sync.client.limits;
        let create_time = limits.window.mul_f64(creates as f64 / f64::from(limits.issue_creates.max(1)));
        let ttl = chrono::Duration::from_std(Duration::from_secs(600) + create_time * 2)
            .unwrap_or(chrono::Duration::hours(1));
        let run = format!("{:016x}", fastrand::u64(..));
        let name = label_name(config);
        let bound = wait_bound();
        let started = Instant::now();
        let mut waited = false;
        let mut attempt = 0;
        let lock = loop {
            let expires = Utc::now() + ttl;
            let refused = match gl.create_label(project, &name, COLOR, &describe(&run, expires)).await {
                Ok(_) => break Lock { project: project.to_string(), name, run, expires },
                Err(ApiError::Forbidden(why)) => {
                    tracing::warn!(
                        "the token may not manage labels in {project} ({why}; that needs Planner or Reporter): going \
                         ahead without the run lock, so two runs at once could create an issue twice"
                    );
                    return Ok((None, false));
                }
                // Taken (409, or GitLab's unique index refusing a create that raced ours), or our
                // create may have landed without an answer: the label says who holds it.
                Err(e) if e.outcome_unknown() || matches!(e, ApiError::Rejected { .. }) => e,
                Err(e) => return Err(LockError::Api(e)),
            };
            let now = Utc::now();
            let held_by = gl.label(project, &name).await.map_err(LockError::Api)?;
            let holder = match &held_by {
                Some(l) => Holder::of(l),
                None if matches!(refused, ApiError::Rejected { status, .. } if status != 409) => {
                    return Err(LockError::Api(refused));
                }
                None => Holder::default(),
            };
            if held_by.is_some() && holder.run.as_deref() == Some(run.as_str()) {
                break Lock { project: project.to_string(), name, run, expires };
            }
            if holder.expired(now) {
                // Read-then-delete: should the holder's label be replaced by a new run's between
                // the two, this deletes a live lock. The window is one request wide, and only
                // opens when a run crashed holding the lock.
                tracing::warn!("removing the run lock a stopped run left behind ({holder})");
                gl.delete_label(project, &name).await.map_err(LockError::Api)?;
                continue;
            }
            if started.elapsed() >= bound {
                return Err(LockError::Busy { project: project.to_string(), name, holder, waited: started.elapsed() });
            }
            if held_by.is_some() {
                if !waited {
                    tracing::warn!(
                        "another onboarder run is writing ({holder}, label \"{name}\" in {project}); waiting up to {}s",
                        bound.as_secs()
                    );
                }
                waited = true;
            }
            tokio::time::sleep(pause(attempt)).await;
            attempt += 1;
        };
        let reread = waited || created_since(gl, config, create_in, read_at).await;
        Ok((Some(lock), reread))
    }

    /// Delete the label (should this fail, the lock expires). While the lock has not expired no
    /// other run removes it, so it is still this run's and is deleted without a look; past its
    /// expiry another run may have taken it over, so it is deleted only if it still names this
    /// run (the read-then-delete race of `acquire` applies).
    pub async fn release(self, gl: &Gitlab) {
        if Utc::now() + chrono::Duration::seconds(30) >= self.expires {
            match gl.label(&self.project, &self.name).await {
                Ok(Some(l)) if Holder::of(&l).run.as_deref() == Some(self.run.as_str()) => {}
                Ok(_) => {
                    tracing::warn!("the run lock expired during this run and another run took it over");
                    return;
                }
                Err(e) => {
                    tracing::warn!("could not read the run lock `{}` in {}: {e}; it expires", self.name, self.project);
                    return;
                }
            }
        }
        let mut attempt = 0;
        while let Err(e) = gl.delete_label(&self.project, &self.name).await {
            attempt += 1;
            if !e.transient() || attempt > 3 {
                tracing::warn!("could not delete the run lock `{}` in {}: {e}; it expires", self.name, self.project);
                return;
            }
            gl.pause_before_retry(&e, attempt).await;
        }
    }
}

/// Whether issues were created in `projects` since `read_at` (another run's, taken and let go
/// between this run's read and its lock). One look per project; an error counts as yes.
async fn created_since(gl: &Gitlab, config: &Config, projects: &BTreeSet<String>, read_at: DateTime<Utc>) -> bool {
    for project in projects {
        let since =
            Listing { label: Some(&config.marker_label), created_after: Some(read_at - SKEW), ..Listing::default() };
        match gl.list_issues(project, &since).await {
            Ok(found) if found.is_empty() => {}
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_is_read_from_the_description_onboarder_writes() {
        let expires: DateTime<Utc> = "2026-11-26T03:00:00Z".parse().unwrap();
        let label = Label { name: "onboarder-run-lock".into(), description: Some(describe("abc", expires)) };
        let holder = Holder::of(&label);
        assert_eq!(holder, Holder { run: Some("abc".into()), expires: Some(expires) });
        assert!(!holder.expired(expires - chrono::Duration::seconds(1)));
        assert!(holder.expired(expires));
        // A label a person made or edited (no expiry) never expires by itself.
        let bare = Holder::of(&Label { name: "x".into(), description: Some("mine".into()) });
        assert_eq!(bare, Holder::default());
        assert!(!bare.expired(expires));
        assert!(Holder::of(&Label { name: "x".into(), description: None }).run.is_none());
    }

    #[test]
    fn pauses_grow_and_stay_bounded() {
        assert!(pause(0) <= Duration::from_millis(250));
        assert!(pause(20) <= Duration::from_secs(5) && pause(20) >= Duration::from_millis(2500));
    }
}
