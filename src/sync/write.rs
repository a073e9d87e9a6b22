//! Writing one issue: create it, or re-read it and write the merge of the fresh copy. Every
//! answer is compared with what was asked, because GitLab drops fields silently.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use super::assignees::Users;
use super::outcome::Failure;
use crate::config::Config;
use crate::dashboard::{self, Board};
use crate::desired::{key_username, Desired, DesiredIssue, Renderer, Standing};
use crate::gitlab::{ApiError, Asked, Gitlab};
use crate::issue::{Edit, NewIssue, Observed};
use crate::plan::{self, Action, Kind, Settings};
use crate::progress::comments::Comment;

/// An action to carry out, with its dashboard when it writes one.
pub(super) type Job = (Action, Option<Box<Board>>);

/// Everything a write needs, shared by the writes of one run.
pub(super) struct Writer<'a> {
    pub gl: &'a Gitlab,
    pub config: &'a Config,
    pub desired: &'a Desired,
    pub render: &'a Renderer<'a>,
    pub by_key: BTreeMap<&'a str, &'a DesiredIssue>,
    pub users: Users<'a>,
    pub settings: &'a Settings<'a>,
    /// Projects where GitLab drops labels, assignees and due dates for this token, learnt from an
    /// answer. Edits there leave those fields out.
    pub dropping: Mutex<BTreeSet<String>>,
    /// The first write in each project goes alone, so its answer tells whether GitLab drops
    /// fields there before other writes are sent.
    pub first_writes: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<bool>>>>,
}

/// Why GitLab dropped fields, and the fix.
fn dropped_cause(project: &str) -> String {
    format!(
        "the token's role in {project} is below Planner (Reporter before GitLab 17.7), or its user is not a member, \
         and GitLab then ignores labels, assignees and due dates without an error; give the token's user the \
         Reporter role (or Planner) or higher there"
    )
}

impl Writer<'_> {
    /// Held while the first write to `project` is under way; `None` once one was answered.
    async fn first_write(&self, project: &str) -> Option<tokio::sync::OwnedMutexGuard<bool>> {
        let gate = self.first_writes.lock().expect("first writes lock").entry(project.to_string()).or_default().clone();
        let answered = gate.lock_owned().await;
        (!*answered).then_some(answered)
    }

    fn is_dropping(&self, project: &str) -> bool {
        self.dropping.lock().expect("dropping lock").contains(project)
    }

    /// Compare an answer with what was asked; the first drop in a project is logged with its cause.
    /// Assignees alone missing are asked about by id: a wrong roster id, or a person who cannot
    /// see the issue, fails this issue only; the project is not taken for one that drops fields.
    async fn check(
        &self,
        project: &str,
        asked: &Asked,
        answer: &Observed,
        known: &BTreeMap<String, u64>,
    ) -> Result<(), Failure> {
        let dropped = asked.dropped(answer);
        if dropped.is_empty() {
            return Ok(());
        }
        if dropped == ["assignees"] {
            let by_id: BTreeMap<u64, &str> = known.iter().map(|(u, id)| (*id, u.as_str())).collect();
            let missing: Vec<u64> =
                asked.assignee_ids.iter().flatten().copied().filter(|id| !answer.assignee_ids.contains(id)).collect();
            let wanted: Vec<(String, u64)> =
                missing.iter().filter_map(|id| by_id.get(id).map(|u| (u.to_string(), *id))).collect();
            if let Some(why) = self.users.refused(&wanted).await? {
                return Err(Failure::Other(format!("{project}#{} was written, but {why}", answer.iid)));
            }
            // Labels set mean the token's role is enough: these people cannot see the issue.
            if !asked.labels.is_empty() {
                let ids: Vec<String> = missing.iter().map(ToString::to_string).collect();
                return Err(Failure::Other(format!(
                    "{project}#{} was written, but GitLab did not assign the user(s) with id {}: they cannot see \
                     the issue there (not a member of the project?); add them to it, or change the roster",
                    answer.iid,
                    ids.join(", ")
                )));
            }
        }
        let first = self.dropping.lock().expect("dropping lock").insert(project.to_string());
        if first {
            tracing::warn!("GitLab dropped {} in {project}: {}", dropped.join(", "), dropped_cause(project));
        }
        Err(Failure::Other(format!(
            "GitLab accepted the write to {project}#{} but did not set its {}: {}",
            answer.iid,
            dropped.join(", "),
            dropped_cause(project)
        )))
    }

    fn desired_issue(&self, key: &str) -> Result<&DesiredIssue, Failure> {
        self.by_key.get(key).copied().ok_or_else(|| Failure::Other(format!("no desired issue for {key}")))
    }

    /// Carry out `a`, which writes `board` when it is a dashboard's.
    pub(super) async fn carry_out(&self, a: &Action, board: Option<&Board>) -> Result<Action, Failure> {
        match (a.kind, a.iid) {
            (Kind::Create, _) => self.create(a, board).await,
            (Kind::Update | Kind::Close, Some(iid)) => self.update(a, board, iid).await,
            _ => Ok(a.clone()),
        }
    }

    /// Create the issue once. A lost answer is `Failure::Unknown`: the batch settles it.
    pub(super) async fn create(&self, a: &Action, board: Option<&Board>) -> Result<Action, Failure> {
        let new = a.create.as_ref().ok_or_else(|| Failure::Other("nothing to create".into()))?;
        let (description, ids, known) = match board {
            Some(b) => {
                let known = &b.spec.known_user_ids;
                let owner = b.spec.manager.as_deref().unwrap_or_default();
                let ids = self.users.ids_for(known, owner, &a.key, &new.assignees).await;
                (dashboard::initial_description(b, self.settings.seal, self.project_id(&a.project)), ids, known)
            }
            None => {
                let d = self.desired_issue(&a.key)?;
                let body = self.render.body(d).map_err(|e| Failure::Other(e.to_string()))?;
                let description = plan::initial_description(d, &body, self.settings, self.project_id(&a.project));
                (description, self.users.ids(d, &new.assignees).await, &d.known_user_ids)
            }
        };
        let ids = ids.map_err(Failure::Other)?;
        // A template may ask for its issues to be confidential (`confidential: true`).
        let confidential = board.is_none()
            && self
                .by_key
                .get(a.key.as_str())
                .and_then(|d| self.render.templates.get(&d.template))
                .is_some_and(|t| t.confidential);
        let new = &NewIssue { confidential: new.confidential || confidential, ..new.clone() };
        let mut gate = self.first_write(&a.project).await;
        let created = match self.gl.create_issue(&a.project, new, &description, &ids).await {
            Ok(o) => o,
            Err(e) if e.outcome_unknown() => return Err(Failure::Unknown(e)),
            Err(e) => return Err(e.into()),
        };
        let checked = self.check(&a.project, &Asked::create(new, &ids), &created, known).await;
        if let Some(answered) = gate.as_mut() {
            **answered = true;
        }
        drop(gate);
        checked?;
        Ok(Action { iid: Some(created.iid), web_url: Some(created.web_url), ..a.clone() })
    }

    /// The id of a project this run resolved (what a new issue's seal is bound to).
    fn project_id(&self, project: &str) -> u64 {
        self.gl.project(project).map_or(0, |p| p.id)
    }

    /// What the fresh copy calls for: the same decision `plan` made, on newer facts.
    fn decide(&self, a: &Action, board: Option<&Board>, fresh: &Observed) -> Result<Action, Failure> {
        let (today, seal) = (self.settings.today, self.settings.seal);
        if let Some(b) = board {
            return Ok(dashboard::reconcile(b.clone(), fresh, self.settings.seal).action);
        }
        match self.by_key.get(a.key.as_str()).copied() {
            Some(d) => {
                let render = |d: &DesiredIssue, due, want| self.render.body_with_due(d, due, want);
                plan::reconcile(d, fresh, self.settings, &render).map_err(|e| Failure::Other(e.to_string()))
            }
            None => Ok(match self.desired.standing.get(key_username(&a.key)) {
                Some(Standing::Active) => plan::supersede(&a.key, fresh, a.link.as_deref(), today, seal),
                Some(Standing::Closing(r)) => plan::retire(&a.key, fresh, r, today, seal),
                _ => plan::retire(&a.key, fresh, plan::NOT_IN_ROSTER, today, seal),
            }),
        }
    }

    /// Re-read, re-merge, post the comment owed, read again, write; a write that failed in a way
    /// worth retrying is retried only after another fresh read, never by sending the old body
    /// again. The comment goes first and the write records it as said; an attempt whose write was
    /// lost finds its comment among the issue's notes the next time round and does not post it
    /// again. After a comment the issue is read once more, so an edit made while the comment was
    /// being posted is merged: the window for a lost edit is the PUT alone.
    async fn update(&self, a: &Action, board: Option<&Board>, iid: u64) -> Result<Action, Failure> {
        let mut attempt = 0u32;
        // Keys of the comments on the issue now (posted by this attempt), and of those that could
        // not be posted (they stay owed).
        let mut posted: BTreeSet<String> = BTreeSet::new();
        let mut unposted: Vec<String> = Vec::new();
        loop {
            // Fresh copy right before writing: a tick made since the listing is merged, not lost.
            let fresh = self.gl.issue(&a.project, iid).await.map_err(|e| match e {
                ApiError::NotFound(_) => {
                    Failure::Other(format!("issue {}#{iid} was deleted or moved since it was listed", a.project))
                }
                other => Failure::Api(other),
            })?;
            let again = self.decide(a, board, &fresh)?;
            let Some(mut edit) = again.edit.clone().filter(|_| again.writes()) else {
                return Ok(Action { kind: Kind::Unchanged, ..again });
            };
            if let Some(note) = &again.note {
                let new = note.keys.iter().any(|k| !posted.contains(k) && !unposted.contains(k));
                if new {
                    if self.say(&a.project, iid, note).await? {
                        posted.extend(note.keys.iter().cloned());
                        continue;
                    }
                    unposted.extend(note.keys.iter().cloned());
                }
                let owed: Vec<String> = note.keys.iter().filter(|k| unposted.contains(k)).cloned().collect();
                if !owed.is_empty() {
                    // Not posted: the comment stays owed, so the write must not record it as said.
                    let at = plan::place(&fresh, &a.key);
                    edit.description = edit.description.map(|d| plan::unsay(&d, &owed, self.settings.seal, &at));
                }
            }
            let mut gate = self.first_write(&a.project).await;
            let wanted = edit.clone();
            if self.is_dropping(&a.project) {
                leave_out_dropped_fields(&mut edit);
                if edit.is_empty() {
                    return Err(Failure::Other(format!(
                        "labels, assignees or due date of {}#{iid} cannot be set: {}",
                        a.project,
                        dropped_cause(&a.project)
                    )));
                }
            }
            let desired = self.by_key.get(a.key.as_str()).copied();
            let ids = match (&edit.assignees, desired) {
                (Some(names), Some(d)) => Some(self.users.ids(d, names).await.map_err(Failure::Other)?),
                _ => None,
            };
            let no_ids = BTreeMap::new();
            let known = desired.map_or(&no_ids, |d| &d.known_user_ids);
            match self.gl.edit_issue(&a.project, iid, &edit, ids.as_deref()).await {
                Ok(answer) => {
                    let checked = self.check(&a.project, &Asked::edit(&edit, ids.as_deref()), &answer, known).await;
                    if let Some(answered) = gate.as_mut() {
                        **answered = true;
                    }
                    drop(gate);
                    checked?;
                    if wanted != edit {
                        return Err(Failure::Other(format!(
                            "labels, assignees or due date of {}#{iid} were left out: {}",
                            a.project,
                            dropped_cause(&a.project)
                        )));
                    }
                    return Ok(again);
                }
                Err(e) if e.transient() && attempt < self.config.sync.client.max_retries => {
                    attempt += 1;
                    self.gl.pause_before_retry(&e, attempt).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Post a comment owed on an issue, unless an earlier attempt or run already did (its answer
    /// lost, or its write failed): the issue's notes are read first for the comment's hidden keys.
    /// True when the comment is on the issue now; false when posting failed and it stays owed.
    async fn say(&self, project: &str, iid: u64, note: &Comment) -> Result<bool, Failure> {
        // Only onboarder's own notes count: anyone may post a note carrying a key.
        let notes = self.gl.notes(project, iid).await?;
        let bots = self.settings.bots;
        let ours: Vec<String> =
            notes.into_iter().filter(|n| !n.system && bots.contains(&n.author_id)).map(|n| n.body).collect();
        if note.posted_in(&ours) {
            return Ok(true);
        }
        match self.gl.create_note(project, iid, &note.body).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_fatal() => Err(e.into()),
            Err(e) => {
                tracing::warn!("could not post a comment on {project}#{iid} ({e}); the next run posts it");
                Ok(false)
            }
        }
    }
}

/// The fields GitLab ignores for a token below Planner (Reporter before GitLab 17.7).
fn leave_out_dropped_fields(edit: &mut Edit) {
    edit.add_labels.clear();
    edit.remove_labels.clear();
    edit.assignees = None;
    edit.due_date = None;
}
