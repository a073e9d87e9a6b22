//! Two runs at once must not both create a person's issue, nor both post one stage note. GitLab
//! refuses to create a second project label of one name (409 "Label already exists"), so a label
//! is the run lock: a run about to write creates `<marker>-run-lock` in the main project, whose
//! description names the run and its lease, sealed with the state key, renews the lease while it
//! writes, and deletes the label when done. Nothing is left behind.
//!
//! Anyone who may manage labels may make or edit that label, so only a lock onboarder sealed is
//! honoured, and only for as long as onboarder ever leases one: a label it did not seal is removed
//! at once (and named in a warning), a sealed one past its lease is a crashed run's and is removed
//! too. A group label of the same name (which the project cannot delete) is stepped around: the
//! lock then takes a name with the project's id. A run that finds a live lock waits for it (with
//! backoff, up to a bound); a run that waited, or that sees issues created since it read them,
//! reads them again before writing anything.
//!
//! Costs a run that writes: one POST and one DELETE, one PUT per renewal (every few minutes of
//! writing), and, when it creates issues, one look per project for issues created since its read.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::config::Config;
use crate::gitlab::{ApiError, Gitlab, Label, Listing};
use crate::seal::{Place, Seal};

/// How long a run waits for another run's lock before failing its writes: this variable (in
/// seconds), else [`DEFAULT_WAIT`].
pub const WAIT_VAR: &str = "ONBOARDER_LOCK_WAIT_SECONDS";
/// Longer than the longest lease, so a crashed holder's lock runs out within the wait.
const DEFAULT_WAIT: Duration = Duration::from_secs(20 * 60);
/// The lease a run takes, and renews every third of it while it writes (so one failed renewal is
/// survived): this variable (in seconds, up to the longest lease), else ten minutes. A shorter
/// lease lets a crashed run's lock run out sooner, at the cost of more renewals.
pub const LEASE_VAR: &str = "ONBOARDER_LOCK_LEASE_SECONDS";
const DEFAULT_LEASE: i64 = 10 * 60;
/// The longest lease onboarder ever takes or honours from one renewal: a sealed lock claiming
/// more (a clock far off) counts only this long.
const MAX_LEASE: chrono::Duration = chrono::Duration::minutes(15);
const RUN: &str = "run: ";
const RENEWED: &str = "renewed: ";
const EXPIRES: &str = "expires: ";
const SEAL: &str = "seal: ";
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
    project_id: u64,
    name: String,
    run: String,
    expires: DateTime<Utc>,
    /// When the lease was last taken or renewed, on this machine's clock.
    renewed: tokio::time::Instant,
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
    pub renewed: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    /// The description is onboarder's, sealed with this run's key for this label.
    pub sealed: bool,
}

/// The part of a lock's description its seal covers.
fn sealed_text(run: &str, renewed: DateTime<Utc>, expires: DateTime<Utc>) -> String {
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    format!("{RUN}{run}\n{RENEWED}{}\n{EXPIRES}{}", at(renewed), at(expires))
}

/// Where a lock's seal is bound: the project, and the label's name.
fn place(project_id: u64, name: &str) -> Place<'_> {
    Place { project_id, iid: 0, key: name }
}

impl Holder {
    fn of(label: &Label, seal: &Seal, project_id: u64) -> Holder {
        let text = label.description.as_deref().unwrap_or("");
        let field =
            |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()));
        let time = |prefix: &str| field(prefix).and_then(|t| t.parse::<DateTime<Utc>>().ok());
        let (run, renewed, expires) = (field(RUN), time(RENEWED), time(EXPIRES));
        let sealed = match (&run, renewed, expires) {
            (Some(run), Some(renewed), Some(expires)) => {
                seal.checks() && {
                    let covered = sealed_text(run, renewed, expires);
                    seal.verify(&place(project_id, &label.name), &covered, field(SEAL).as_deref())
                }
            }
            _ => false,
        };
        Holder { run, renewed, expires, sealed }
    }

    /// When the lock stops counting: its expiry, but never later than the longest lease from its
    /// last renewal.
    fn ends(&self) -> Option<DateTime<Utc>> {
        Some(self.expires?.min(self.renewed? + MAX_LEASE))
    }

    /// A sealed lock past its lease: a stopped run's, to be removed.
    fn expired(&self, now: DateTime<Utc>) -> bool {
        self.ends().is_some_and(|e| e <= now)
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = self.run.as_deref().unwrap_or("unknown run");
        match self.ends() {
            Some(e) => write!(f, "run {run}, lock expiring {}", e.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => write!(f, "{run}, lock without an expiry"),
        }
    }
}

/// The description of a lock held by `run` in project `project_id` under the label `name`,
/// renewed at `renewed` until `expires`, sealed with `seal` (what another run reads to honour it).
pub fn description(
    run: &str,
    (renewed, expires): (DateTime<Utc>, DateTime<Utc>),
    seal: &Seal,
    project_id: u64,
    name: &str,
) -> String {
    describe(run, renewed, expires, seal, &place(project_id, name))
}

fn describe(run: &str, renewed: DateTime<Utc>, expires: DateTime<Utc>, seal: &Seal, at: &Place) -> String {
    let covered = sealed_text(run, renewed, expires);
    let sealed = seal.sign(at, &covered).map_or(String::new(), |s| format!("\n{SEAL}{s}"));
    format!(
        "onboarder holds this label while a run writes, so that two runs never create the same issue or post the same \
         comment, and deletes it when done. Once expired it no longer counts; delete it by hand only if no onboarder \
         run is going on.\n\n{covered}{sealed}\n"
    )
}

fn lease() -> chrono::Duration {
    let secs = std::env::var(LEASE_VAR).ok().and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(DEFAULT_LEASE);
    chrono::Duration::seconds(secs.clamp(1, MAX_LEASE.num_seconds()))
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
    /// this run is about to create issues in the projects `create_in`. No lock (and a warning)
    /// where the token may not manage labels.
    pub async fn acquire(
        gl: &Gitlab,
        config: &Config,
        seal: &Seal,
        project: &str,
        create_in: &BTreeSet<String>,
        read_at: DateTime<Utc>,
    ) -> Result<(Option<Lock>, bool), LockError> {
        let run = format!("{:016x}", fastrand::u64(..));
        let project_id = gl.project(project).map_or(0, |p| p.id);
        let mut name = label_name(config);
        let bound = wait_bound();
        let started = Instant::now();
        let mut waited = false;
        let mut attempt = 0;
        let lock = loop {
            let now = Utc::now();
            let taken = tokio::time::Instant::now();
            let expires = now + lease();
            let text = describe(&run, now, expires, seal, &place(project_id, &name));
            let refused = match gl.create_label(project, &name, COLOR, &text).await {
                Ok(_) => break Lock { project: project.to_string(), project_id, name, run, expires, renewed: taken },
                Err(ApiError::Forbidden(why)) => {
                    tracing::warn!(
                        "the token may not manage labels in {project} ({why}; that needs Planner or Reporter): going \
                         ahead without the run lock, so two runs at once could create an issue twice"
                    );
                    return Ok((None, false));
                }
                // Taken (409, or GitLab's unique index refusing a create that raced ours: a 500),
                // or our create may have landed without an answer: the label says who holds it.
                Err(e) if e.outcome_unknown() || matches!(e, ApiError::Rejected { .. }) => e,
                Err(e) => return Err(LockError::Api(e)),
            };
            let now = Utc::now();
            let held_by = gl.label(project, &name).await.map_err(LockError::Api)?;
            let Some(label) = held_by else {
                if matches!(refused, ApiError::Rejected { status, .. } if status != 409) {
                    return Err(LockError::Api(refused));
                }
                // Gone between our create and our look: try again.
                continue;
            };
            if label.is_project_label == Some(false) {
                // A group above the project has a label of this name: the project can neither
                // create nor delete one of its own by it (lib/api/helpers/label_helpers.rb).
                let own = format!("{}-{project_id}", label_name(config));
                if name == own {
                    tracing::warn!(
                        "labels `{}` and `{own}` are both group labels above {project}, which onboarder cannot \
                         delete: going ahead without the run lock; delete them or rename them",
                        label_name(config)
                    );
                    return Ok((None, false));
                }
                tracing::warn!("`{name}` is a group label above {project}: the run lock is `{own}` there");
                name = own;
                continue;
            }
            let holder = Holder::of(&label, seal, project_id);
            if holder.run.as_deref() == Some(run.as_str()) && holder.sealed {
                break Lock { project: project.to_string(), project_id, name, run, expires, renewed: taken };
            }
            if !holder.sealed {
                // Anyone who may manage labels may make one of this name: only onboarder's counts.
                tracing::warn!(
                    "removing the label `{name}` in {project}: it looks like onboarder's run lock but onboarder did \
                     not seal it, so it is not a run's lock"
                );
                gl.delete_label(project, &name).await.map_err(LockError::Api)?;
                continue;
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
            if !waited {
                tracing::warn!(
                    "another onboarder run is writing ({holder}, label \"{name}\" in {project}); waiting up to {}s",
                    bound.as_secs()
                );
            }
            waited = true;
            tokio::time::sleep(pause(attempt)).await;
            attempt += 1;
        };
        let reread = waited || created_since(gl, config, create_in, read_at).await;
        Ok((Some(lock), reread))
    }

    /// Run `work` while holding the lock, renewing the lease every few minutes so that a long
    /// run (comments are paced at GitLab's note limit) never outlives it.
    pub async fn hold_while<T>(&mut self, gl: &Gitlab, seal: &Seal, work: impl Future<Output = T>) -> T {
        let every = (lease() / 3).to_std().unwrap_or(Duration::from_secs(1)).max(Duration::from_millis(300));
        // Both go on at once: a renewal may wait for a request slot that the work holds. The
        // clock runs from the last renewal (the lock was taken before the reads that follow it).
        let renewing = async {
            loop {
                tokio::time::sleep_until(self.renewed + every).await;
                self.renew(gl, seal).await;
            }
        };
        tokio::select! {
            out = work => out,
            never = renewing => never,
        }
    }

    /// Move the lease on. A lock found gone or taken over is warned about: this run's writes go
    /// on (each is based on a fresh read), but another run may now be writing too.
    async fn renew(&mut self, gl: &Gitlab, seal: &Seal) {
        // Counted from now even if this renewal fails: the next is tried a third of a lease on.
        self.renewed = tokio::time::Instant::now();
        let now = Utc::now();
        let expires = now + lease();
        let text = describe(&self.run, now, expires, seal, &place(self.project_id, &self.name));
        match gl.label(&self.project, &self.name).await {
            Ok(Some(l)) if Holder::of(&l, seal, self.project_id).run.as_deref() == Some(self.run.as_str()) => {}
            Ok(_) => {
                tracing::warn!("the run lock `{}` in {} was removed or taken during this run", self.name, self.project);
                return;
            }
            Err(e) => {
                tracing::warn!("could not renew the run lock `{}` in {}: {e}", self.name, self.project);
                return;
            }
        }
        match gl.edit_label(&self.project, &self.name, COLOR, &text).await {
            Ok(Some(_)) => self.expires = expires,
            Ok(None) => tracing::warn!("the run lock `{}` in {} was removed during this run", self.name, self.project),
            Err(e) => tracing::warn!("could not renew the run lock `{}` in {}: {e}", self.name, self.project),
        }
    }

    /// Delete the label (should this fail, the lease runs out). While the lease lasts no other
    /// run removes it, so it is still this run's and is deleted without a look; past it another
    /// run may have taken it over, so it is deleted only if it still names this run (the
    /// read-then-delete race of `acquire` applies).
    pub async fn release(self, gl: &Gitlab, seal: &Seal) {
        if Utc::now() + chrono::Duration::seconds(30) >= self.expires {
            match gl.label(&self.project, &self.name).await {
                Ok(Some(l)) if Holder::of(&l, seal, self.project_id).run.as_deref() == Some(self.run.as_str()) => {}
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

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn label(description: &str) -> Label {
        Label { name: "onboarder-run-lock".into(), description: Some(description.into()), is_project_label: Some(true) }
    }

    #[test]
    fn only_a_lock_onboarder_sealed_counts_and_never_longer_than_a_lease() {
        let seal = Seal::new(KEY, None).unwrap();
        let now: DateTime<Utc> = "2026-11-26T03:00:00Z".parse().unwrap();
        let at = place(1001, "onboarder-run-lock");
        let holder =
            Holder::of(&label(&describe("abc", now, now + chrono::Duration::minutes(10), &seal, &at)), &seal, 1001);
        assert!(holder.sealed);
        assert_eq!((holder.run.as_deref(), holder.ends()), (Some("abc"), Some(now + chrono::Duration::minutes(10))));
        assert!(!holder.expired(now + chrono::Duration::minutes(10) - chrono::Duration::seconds(1)));
        assert!(holder.expired(now + chrono::Duration::minutes(10)));
        // Sealed, but claiming a lease into 2099: it counts for the longest lease only.
        let far: DateTime<Utc> = "2099-01-01T00:00:00Z".parse().unwrap();
        let greedy = Holder::of(&label(&describe("abc", now, far, &seal, &at)), &seal, 1001);
        assert!(greedy.sealed && greedy.expired(now + MAX_LEASE));
        // Edited by a person (the expiry moved), or made by a person, or sealed for another
        // project: not onboarder's.
        let edited = describe("abc", now, now + chrono::Duration::minutes(10), &seal, &at)
            .replace("2026-11-26T03:10", "2099-11-26T03:10");
        assert!(!Holder::of(&label(&edited), &seal, 1001).sealed);
        assert!(!Holder::of(&label("run: x\nexpires: 2099-01-01T00:00:00Z"), &seal, 1001).sealed);
        assert!(
            !Holder::of(&label(&describe("abc", now, now + chrono::Duration::minutes(10), &seal, &at)), &seal, 1002)
                .sealed
        );
        assert!(!Holder::of(&Label { description: None, ..label("") }, &seal, 1001).sealed);
    }

    #[test]
    fn pauses_grow_and_stay_bounded() {
        assert!(pause(0) <= Duration::from_millis(250));
        assert!(pause(20) <= Duration::from_secs(5) && pause(20) >= Duration::from_millis(2500));
    }
}
