//! Two runs at once must not both create a person's issue, nor both post one stage note. GitLab
//! has no lock primitive for issues, but it numbers a project's issues in creation order: a run
//! about to write takes a ticket (a small lock issue), and goes ahead only when no live ticket
//! older than its own is open; it closes its ticket when done. A ticket expires (its description
//! says when) so a crashed run blocks the others only for a while. A run that waited, or that sees
//! a ticket closed since it read the issues, reads them again before writing anything.
//!
//! Costs a run that writes: one POST, two listings of tickets and one PUT; runs that write
//! nothing never take a ticket.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::gitlab::{ApiError, Gitlab, Listing};
use crate::plan::{Edit, NewIssue, Observed};

/// A ticket this run holds.
pub struct Lock {
    project: String,
    iid: u64,
}

const TITLE: &str = "onboarder run lock";
const EXPIRES: &str = "expires: ";
const RUN: &str = "run: ";

fn label(config: &Config) -> String {
    format!("{}-lock", config.marker_label)
}

/// When a ticket stops counting: the time its description gives, else an hour after it was made.
fn expiry(o: &Observed) -> Option<DateTime<Utc>> {
    let given = o.description.lines().find_map(|l| l.trim().strip_prefix(EXPIRES)).and_then(|t| t.trim().parse().ok());
    given.or_else(|| o.created_at.map(|c| c + chrono::Duration::hours(1)))
}

impl Lock {
    /// Take a ticket in `project` and wait for the runs ahead. The flag says whether another
    /// run may have created issues since `read_at` (the caller must read them again). No lock
    /// where GitLab drops the ticket's label (it could not be seen by another run).
    pub async fn acquire(
        gl: &Gitlab,
        config: &Config,
        project: &str,
        creates: usize,
        read_at: DateTime<Utc>,
    ) -> Result<(Option<Lock>, bool), ApiError> {
        let limits = &config.sync.limits;
        let create_time = limits.window.mul_f64(creates as f64 / f64::from(limits.issue_creates.max(1)));
        let ttl = Duration::from_secs(600) + create_time * 2;
        let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
        let new = NewIssue { title: TITLE.into(), labels: vec![label(config)], assignees: Vec::new(), due_date: None };
        let run = format!("{:016x}", fastrand::u64(..));
        let description = format!(
            "onboarder holds this while it writes, so that two runs never create the same issue or post the same \
             comment, and closes it when done. Once expired it no longer counts; close it by hand only if no onboarder run is going on.\n\n\
             {EXPIRES}{}\n{RUN}{run}\n",
            expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let lock_label = label(config);
        let open = Listing { label: Some(&lock_label), state: Some("opened"), ..Listing::default() };
        let mut attempt = 0;
        let mut mine_labeled = true;
        let lock = loop {
            match gl.create_issue(project, &new, &description, &[]).await {
                Ok(mine) => {
                    mine_labeled = mine.labels.contains(&lock_label);
                    break Lock { project: mine.project.clone(), iid: mine.iid };
                }
                Err(e) if e.outcome_unknown() && attempt < config.sync.max_retries => {
                    // It may have landed: this run's ticket is the one naming this run.
                    let tickets = gl.list_issues(project, &open).await?;
                    let needle = format!("{RUN}{run}");
                    if let Some(mine) = tickets.iter().find(|t| t.description.contains(&needle)) {
                        break Lock { project: mine.project.clone(), iid: mine.iid };
                    }
                    attempt += 1;
                    gl.pause_before_retry(&e, attempt).await;
                }
                Err(e) => return Err(e),
            }
        };
        let mut waited = false;
        loop {
            let now = Utc::now();
            let tickets = gl.list_issues(&lock.project, &open).await?;
            let ahead = tickets.iter().filter(|t| t.iid < lock.iid && expiry(t).is_some_and(|e| e > now)).count();
            if ahead == 0 {
                break;
            }
            if !waited {
                tracing::warn!("another onboarder run is writing (its lock is in {}); waiting for it", lock.project);
            }
            waited = true;
            tokio::time::sleep(Duration::from_millis(1000 + fastrand::u64(0..1000))).await;
        }
        if !mine_labeled {
            // GitLab dropped the ticket's label (a token below Planner): no run can see it.
            tracing::warn!("the run lock needs labels, which GitLab drops for this token: going ahead without it");
            lock.release(gl).await;
            return Ok((None, false));
        }
        let closed = Listing {
            label: Some(&lock_label),
            state: Some("closed"),
            updated_after: Some(read_at),
            ..Listing::default()
        };
        let recent = gl.list_issues(&lock.project, &closed).await?;
        Ok((Some(lock), waited || !recent.is_empty()))
    }

    /// Close the ticket (should this fail, it expires).
    pub async fn release(self, gl: &Gitlab) {
        // Closing carries no content a retry could make stale.
        let edit = Edit { close: true, ..Edit::default() };
        let mut attempt = 0;
        while let Err(e) = gl.edit_issue(&self.project, self.iid, &edit, None).await {
            attempt += 1;
            if !e.transient() || attempt > 3 {
                tracing::warn!(
                    "could not close the run lock {}#{}: {e}; it expires on its own",
                    self.project,
                    self.iid
                );
                return;
            }
            gl.pause_before_retry(&e, attempt).await;
        }
    }
}
