//! Carries out a plan in GitLab: bounded concurrency, a fresh read right before every write,
//! and one person's failure never stops the others.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::Utc;
use futures::stream::{self, StreamExt};

use crate::comments::Comment;
use crate::config::Config;
use crate::description;
use crate::desired::{key_username, Desired, DesiredIssue, Renderer, Standing};
use crate::gitlab::{ApiError, Gitlab, Listing};
use crate::plan::{self, Action, Kind, Observed, Settings};
use crate::report::Outcome;

/// Every project onboarder may have issues in for this run.
fn projects(config: &Config, desired: &Desired) -> BTreeSet<String> {
    let mut p: BTreeSet<String> = desired.issues.iter().map(|d| d.project.clone()).collect();
    p.insert(config.gitlab.project.clone());
    if let Some(s) = &config.shadow {
        p.insert(s.project.clone());
    }
    p.extend(desired.dashboards.iter().map(|b| b.project.clone()));
    p
}

/// Read the managed issues: one listing by the marker label per project; then, only if some
/// issue is about to be created, the token user's issues that lost the label (so a person
/// removing the label never causes a duplicate).
pub async fn observe(
    gl: &Gitlab,
    config: &Config,
    desired: &Desired,
    s: &Settings<'_>,
) -> Result<Vec<Observed>, ApiError> {
    let projects = projects(config, desired);
    let listing = Listing { label: Some(&config.marker_label), ..Listing::default() };
    let mut observed = list_all(gl, &projects, &listing).await?;
    let creating = plan::projects_missing_issues(desired, &observed, s);
    if !creating.is_empty() {
        let me = gl.me().await?.id;
        let unlabeled = Listing { not_label: Some(&config.marker_label), author_id: Some(me), ..Listing::default() };
        let found = list_all(gl, &creating, &unlabeled).await?;
        // A GitLab that ignores `not[labels]` returns labeled issues again: keep one copy.
        let known: BTreeSet<(String, u64)> = observed.iter().map(|o| (o.project.clone(), o.iid)).collect();
        observed.extend(found.into_iter().filter(|o| !known.contains(&(o.project.clone(), o.iid))));
    }
    Ok(observed)
}

async fn list_all(gl: &Gitlab, projects: &BTreeSet<String>, listing: &Listing<'_>) -> Result<Vec<Observed>, ApiError> {
    let lists: Vec<Result<Vec<Observed>, ApiError>> = stream::iter(projects.iter())
        .map(|p| gl.list_issues(p, listing))
        .buffered(projects.len().max(1))
        .collect()
        .await;
    let mut all = Vec::new();
    for l in lists {
        all.extend(l?);
    }
    Ok(all)
}

/// What the run did, action by action.
pub struct Done {
    pub rows: Vec<(Action, Option<Outcome>)>,
    /// A token or project problem that stopped the run.
    pub fatal: Option<ApiError>,
}

/// Resolves usernames to GitLab ids: the roster's ids first, then one lookup per username.
struct Users<'a> {
    gl: &'a Gitlab,
    known: Mutex<BTreeMap<String, Option<u64>>>,
}

impl Users<'_> {
    async fn ids(&self, known: &BTreeMap<String, u64>, usernames: &[String]) -> Result<Vec<u64>, String> {
        let mut ids = Vec::new();
        for u in usernames {
            let key = u.to_lowercase();
            if let Some(id) = known.get(&key) {
                ids.push(*id);
                continue;
            }
            let cached = self.known.lock().expect("users lock").get(&key).copied();
            let id = match cached {
                Some(id) => id,
                None => {
                    let id = self.gl.user_id(u).await.map_err(|e| format!("cannot look up GitLab user {u}: {e}"))?;
                    self.known.lock().expect("users lock").insert(key, id);
                    id
                }
            };
            ids.push(id.ok_or_else(|| format!("unknown GitLab user {u:?}"))?);
        }
        Ok(ids)
    }
}

/// Everything a write needs, shared by the writes of one run.
struct Writer<'a> {
    gl: &'a Gitlab,
    config: &'a Config,
    desired: &'a Desired,
    render: &'a Renderer<'a>,
    by_key: BTreeMap<&'a str, &'a DesiredIssue>,
    users: Users<'a>,
    settings: &'a Settings<'a>,
    /// Issues created since this moment (minus a margin for clock skew) may be this run's.
    started: chrono::DateTime<Utc>,
}

/// Carry out every writing action; the rest are reported as they are.
pub async fn execute(
    gl: &Gitlab,
    desired: &Desired,
    render: &Renderer<'_>,
    actions: Vec<Action>,
    settings: &Settings<'_>,
    progress: &dyn Fn(&Action, &Outcome),
) -> Done {
    let config = render.config;
    let w = Writer {
        gl,
        config,
        desired,
        render,
        by_key: desired.issues.iter().map(|d| (d.key.as_str(), d)).collect(),
        users: Users { gl, known: Mutex::new(BTreeMap::new()) },
        settings,
        started: Utc::now() - chrono::Duration::minutes(5),
    };
    let fatal: Mutex<Option<ApiError>> = Mutex::new(None);
    // Dashboards go last: they link the issues created meanwhile, and a command whose person's
    // write failed stays ticked.
    let (boards, actions): (Vec<Action>, Vec<Action>) = actions.into_iter().partition(|a| a.board.is_some());
    let mut rows = carry_out_all(&w, actions, &fatal, progress).await;
    rows.extend(carry_out_all(&w, crate::dashboard::settle(boards, &rows), &fatal, progress).await);
    let created: Vec<&Action> = rows
        .iter()
        .filter(|(a, o)| a.kind == Kind::Create && o.as_ref().is_some_and(|o| o.status == "done"))
        .map(|(a, _)| a)
        .collect();
    if !created.is_empty() {
        if let Err(e) = undo_concurrent_duplicates(gl, config, &created, w.started).await {
            tracing::warn!("could not check for issues created twice by concurrent runs: {e}");
        }
    }
    Done { rows, fatal: fatal.into_inner().expect("fatal lock") }
}

async fn carry_out_all(
    w: &Writer<'_>,
    actions: Vec<Action>,
    fatal: &Mutex<Option<ApiError>>,
    progress: &dyn Fn(&Action, &Outcome),
) -> Vec<(Action, Option<Outcome>)> {
    stream::iter(actions)
        .map(|a| {
            let (w, fatal) = (w, fatal);
            async move {
                if !a.writes() {
                    return (a, None);
                }
                if fatal.lock().expect("fatal lock").is_some() {
                    let o = Outcome { status: "failed", error: Some("not attempted: the run stopped".into()) };
                    return (a, Some(o));
                }
                let (a, outcome) = match w.carry_out(&a).await {
                    Ok(a) => (a, Outcome { status: "done", error: None }),
                    Err(e) => {
                        if let Failure::Api(err) = &e {
                            if err.is_fatal() {
                                *fatal.lock().expect("fatal lock") = Some(err.clone());
                            }
                        }
                        (a, Outcome { status: "failed", error: Some(e.to_string()) })
                    }
                };
                progress(&a, &outcome);
                (a, Some(outcome))
            }
        })
        .buffered(w.config.sync.concurrency.max(1))
        .collect()
        .await
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Api(ApiError),
    #[error("{0}")]
    Other(String),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl Writer<'_> {
    fn desired(&self, key: &str) -> Result<&DesiredIssue, Failure> {
        self.by_key.get(key).copied().ok_or_else(|| Failure::Other(format!("no desired issue for {key}")))
    }

    async fn carry_out(&self, a: &Action) -> Result<Action, Failure> {
        match (a.kind, a.iid) {
            (Kind::Create, _) => self.create(a).await,
            (Kind::Update | Kind::Close, Some(iid)) => self.update(a, iid).await,
            _ => Ok(a.clone()),
        }
    }

    async fn create(&self, a: &Action) -> Result<Action, Failure> {
        let new = a.create.as_ref().ok_or_else(|| Failure::Other("nothing to create".into()))?;
        let (description, ids) = match &a.board {
            Some(b) => {
                (crate::dashboard::initial_description(b), self.users.ids(&b.spec.known_user_ids, &new.assignees).await)
            }
            None => {
                let d = self.desired(&a.key)?;
                let body = self.render.body(d).map_err(|e| Failure::Other(e.to_string()))?;
                (
                    plan::initial_description(d, &body, self.settings.today),
                    self.users.ids(&d.known_user_ids, &new.assignees).await,
                )
            }
        };
        let ids = ids.map_err(Failure::Other)?;
        let created = match self.gl.create_issue(&a.project, new, &description, &ids).await {
            Ok(o) => o,
            Err(e) if e.outcome_unknown() => {
                // It may exist although no answer came: look before creating again.
                match find_created(self.gl, self.config, &a.project, &a.key, self.started).await? {
                    Some(o) => o,
                    None => self.gl.create_issue(&a.project, new, &description, &ids).await?,
                }
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Action { iid: Some(created.iid), web_url: Some(created.web_url), ..a.clone() })
    }

    async fn update(&self, a: &Action, iid: u64) -> Result<Action, Failure> {
        // Fresh copy right before writing: a tick made since the listing is merged, not lost.
        let fresh = self.gl.issue(&a.project, iid).await.map_err(|e| match e {
            ApiError::NotFound(_) => {
                Failure::Other(format!("issue {}#{iid} was deleted or moved since it was listed", a.project))
            }
            other => Failure::Api(other),
        })?;
        let desired = self.by_key.get(a.key.as_str()).copied();
        let today = self.settings.today;
        let again = match (desired, &a.board) {
            (_, Some(b)) => crate::dashboard::reconcile((**b).clone(), &fresh),
            (Some(d), None) => {
                let render = |d: &DesiredIssue, due| self.render.body_with_due(d, due);
                plan::reconcile(d, &fresh, self.settings, &render).map_err(|e| Failure::Other(e.to_string()))?
            }
            (None, None) => match self.desired.standing.get(key_username(&a.key)) {
                Some(Standing::Active) => plan::supersede(&a.key, &fresh, a.link.as_deref(), today),
                Some(Standing::Closing(r)) => plan::retire(&a.key, &fresh, r, today),
                _ => plan::retire(&a.key, &fresh, "this person is no longer in the roster", today),
            },
        };
        let Some(edit) = again.edit.as_ref().filter(|_| again.writes()) else {
            return Ok(Action { kind: Kind::Unchanged, ..again });
        };
        let ids = match (&edit.assignees, desired) {
            (Some(names), Some(d)) => Some(self.users.ids(&d.known_user_ids, names).await.map_err(Failure::Other)?),
            _ => None,
        };
        let mut edit = edit.clone();
        if let Some(note) = &again.note {
            if !self.say(&a.project, iid, note).await? {
                // Not posted: the comment stays owed, so the write must not record it as said.
                edit.description = edit.description.map(|d| plan::unsay(&d, &note.keys));
            }
        }
        self.gl.edit_issue(&a.project, iid, &edit, ids.as_deref()).await?;
        Ok(again)
    }

    /// Post a comment owed on an issue, unless an earlier run already did (its answer lost, or its
    /// write failed): the issue's notes are read first for the comment's hidden keys. True when
    /// the comment is on the issue now; false when posting failed and it stays owed.
    async fn say(&self, project: &str, iid: u64, note: &Comment) -> Result<bool, Failure> {
        let bodies = self.gl.note_bodies(project, iid).await?;
        if note.posted_in(&bodies) {
            return Ok(true);
        }
        match self.gl.create_note(project, iid, &note.body).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_fatal() => Err(e.into()),
            Err(e) => {
                eprintln!("warning: could not post a comment on {project}#{iid} ({e}); the next run posts it");
                Ok(false)
            }
        }
    }
}

/// After a create whose answer was lost: the issue with this key created by us since the run began.
async fn find_created(
    gl: &Gitlab,
    config: &Config,
    project: &str,
    key: &str,
    since: chrono::DateTime<Utc>,
) -> Result<Option<Observed>, ApiError> {
    let me = gl.me().await?.id;
    let listing = Listing {
        label: Some(&config.marker_label),
        author_id: Some(me),
        created_after: Some(since),
        ..Listing::default()
    };
    let found = gl.list_issues(project, &listing).await?;
    Ok(found.into_iter().find(|o| description::key_of(&o.description).as_deref() == Some(key)))
}

/// Two runs at once can both create a person's issue. The one with the higher number is the
/// later one; whichever run created it closes it and strips its key, so one issue per key stays.
async fn undo_concurrent_duplicates(
    gl: &Gitlab,
    config: &Config,
    created: &[&Action],
    since: chrono::DateTime<Utc>,
) -> Result<(), ApiError> {
    let projects: BTreeSet<String> = created.iter().map(|a| a.project.clone()).collect();
    let listing = Listing { label: Some(&config.marker_label), created_after: Some(since), ..Listing::default() };
    for project in projects {
        let recent = gl.list_issues(&project, &listing).await?;
        let mut by_key: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for o in &recent {
            if let Some(k) = description::key_of(&o.description) {
                by_key.entry(k).or_default().push(o.iid);
            }
        }
        for a in created.iter().filter(|a| a.project == project) {
            let (Some(iid), Some(iids)) = (a.iid, by_key.get(&a.key)) else { continue };
            let first = iids.iter().min().copied().unwrap_or(iid);
            if first < iid {
                let edit = plan::Edit {
                    description: Some(format!("Duplicate of #{first}: another onboarder run created the same issue at the same moment. Closed by onboarder.")),
                    remove_labels: vec![config.marker_label.clone()],
                    close: true,
                    ..plan::Edit::default()
                };
                gl.edit_issue(&project, iid, &edit, None).await?;
            }
        }
    }
    Ok(())
}
