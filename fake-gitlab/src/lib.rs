//! An in-memory fake of the GitLab REST API v4, started in-process on 127.0.0.1 for tests.
//!
//! `FakeGitlab` is the handle: it sets up users, tokens and projects, observes what clients did
//! (requests, issues, notes, quick actions, mentions, 429s), acts as a human would (editing,
//! creating, moving issues behind the client's back), and injects faults. The server stops when
//! the last handle is dropped or on `shutdown()`.

mod access;
mod actions;
mod api;
mod blocks;
mod faults;
mod git;
mod grants;
mod group_labels;
mod groups;
mod human;
mod inline_text;
mod markdown;
mod memberships;
mod mentions;
mod model;
mod options;
mod other_hosts;
mod pagination;
mod params;
mod projects;
mod quick_actions;
mod ratelimit;
mod render;
mod reply;
mod router;
mod scopes;
mod server;
mod spam;
mod spam_rules;
mod state;
mod system_notes;
mod tasks;
mod version;
mod visibility;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use access::Role;
pub use faults::{Fault, FaultKind, Matcher};
pub use git::lfs_pointer;
pub use model::{Issue, Label, MentionRecord, Note, QuickActionRecord, RecordedRequest};
pub use options::{AssigneeOrder, Limit, Options};
pub use other_hosts::{unused_port, RecordedCall, Recorder};
pub use spam::RECAPTCHA_SITE_KEY;
pub use spam_rules::{SpamLog, SpamRule};
pub use version::{TreePaging, Version};

use state::{new_issue, State};

/// State shared by the handles and the server task.
pub(crate) struct Shared {
    state: Mutex<State>,
    addr: SocketAddr,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Held by every handle; when the last one goes, the channel closes and the server stops.
pub(crate) struct Guard {
    stop: watch::Sender<bool>,
}

/// A running fake GitLab. Cheap to clone; all clones share one server.
#[derive(Clone)]
pub struct FakeGitlab {
    shared: Arc<Shared>,
    guard: Arc<Guard>,
}

impl fmt::Debug for FakeGitlab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeGitlab").field("url", &self.url()).finish_non_exhaustive()
    }
}

impl FakeGitlab {
    /// Starts a server on `127.0.0.1` with a free port.
    pub async fn start(options: Options) -> FakeGitlab {
        Self::start_on(options, 0).await.expect("fake-gitlab: cannot bind 127.0.0.1:0")
    }

    /// Starts a server on `127.0.0.1:port` (0 picks a free port).
    pub async fn start_on(options: Options, port: u16) -> std::io::Result<FakeGitlab> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let base_url = options
            .base_url_override
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared { state: Mutex::new(State::new(options, base_url)), addr, shutdown });
        let guard = Arc::new(Guard { stop });
        let server = Arc::new(server::Server { shared: shared.clone(), guard: Arc::downgrade(&guard) });
        tokio::spawn(server::serve(listener, server));
        Ok(FakeGitlab { shared, guard })
    }

    pub(crate) fn from_parts(shared: Arc<Shared>, guard: Arc<Guard>) -> FakeGitlab {
        FakeGitlab { shared, guard }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Stops accepting connections and drops open ones (hanging requests end too).
    pub fn shutdown(&self) {
        self.guard.stop.send_replace(true);
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `127.0.0.1:PORT`, what the `gitlab` crate's builder takes.
    pub fn host(&self) -> String {
        self.shared.addr.to_string()
    }

    /// The base URL used in `web_url` and `Link` headers.
    pub fn base_url(&self) -> String {
        self.lock().base_url.clone()
    }

    // ---- setup -------------------------------------------------------------------------------

    /// Adds a user (or returns the id of the user with that username).
    pub fn add_user(&self, username: &str, name: &str) -> u64 {
        self.lock().add_user(username, name)
    }

    /// Adds a user with the given id (or returns the id of the user with that username).
    pub fn add_user_with_id(&self, id: u64, username: &str, name: &str) -> u64 {
        self.lock().add_user_with_id(id, username, name)
    }

    /// The username of a user id.
    pub fn username(&self, id: u64) -> Option<String> {
        self.lock().users.get(&id).map(|u| u.username.clone())
    }

    pub fn user_id(&self, username: &str) -> Option<u64> {
        self.lock().user_by_username(username).map(|u| u.id)
    }

    /// Lets `token` authenticate as `user_id`.
    pub fn add_token(&self, token: &str, user_id: u64) {
        let mut st = self.lock();
        let t = st.new_token(user_id);
        st.tokens.insert(token.to_string(), t);
    }

    /// From now on the token answers 401 `invalid_token` (revoked).
    pub fn revoke_token(&self, token: &str) {
        if let Some(t) = self.lock().tokens.get_mut(token) {
            t.revoked = true;
        }
    }

    /// Adds a project by full path (or returns the id of the existing one).
    pub fn add_project(&self, path: &str) -> u64 {
        self.lock().add_project(path)
    }

    pub fn project_id(&self, path: &str) -> Option<u64> {
        self.lock().project_by_path(path)
    }

    /// Creates a project label (quick actions only apply labels that exist).
    pub fn add_label(&self, project: &str, label: &str) {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        st.ensure_labels(pid, &[label.to_string()]);
    }

    /// Creates a project label as a person would, with a description; replaces one of that name.
    pub fn human_create_label(&self, project: &str, name: &str, color: &str, description: &str) -> Label {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        st.projects.get_mut(&pid).expect("project exists").labels.remove(name);
        st.add_label(pid, name, color, Some(description))
    }

    /// The project's labels, by name.
    pub fn labels(&self, project: &str) -> Vec<Label> {
        let st = self.lock();
        st.project_by_path(project).map(|pid| st.projects[&pid].labels.values().cloned().collect()).unwrap_or_default()
    }

    /// The user cannot see the project: 404 Project Not Found (and cannot be assigned there).
    pub fn deny_project(&self, user_id: u64, path: &str) {
        self.lock().project_mut_by_path(path).denied.insert(user_id);
    }

    /// The user's token acts as a `read_api` token on the project: writes answer 403.
    pub fn read_only(&self, user_id: u64, path: &str) {
        self.lock().project_mut_by_path(path).read_only.insert(user_id);
    }

    // ---- observation -------------------------------------------------------------------------

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Recorded requests with this method.
    pub fn count(&self, method: &str) -> usize {
        self.lock().requests.iter().filter(|r| r.method.eq_ignore_ascii_case(method)).count()
    }

    /// Recorded POST, PUT, PATCH and DELETE requests, whatever they were answered.
    pub fn writes(&self) -> usize {
        self.lock().requests.iter().filter(|r| matches!(r.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")).count()
    }

    /// Every issue of the project, ordered by iid (empty for an unknown project).
    pub fn issues(&self, project: &str) -> Vec<Issue> {
        let st = self.lock();
        st.project_by_path(project).map(|pid| st.projects[&pid].issues.values().cloned().collect()).unwrap_or_default()
    }

    pub fn issue(&self, project: &str, iid: u64) -> Option<Issue> {
        let st = self.lock();
        let pid = st.project_by_path(project)?;
        st.issue(pid, iid).cloned()
    }

    /// Opens merge request `iid` in `project` (created when missing), with no notes yet.
    pub fn add_merge_request(&self, project: &str, iid: u64) {
        let mut st = self.lock();
        let pid = st.add_project(project);
        st.projects.get_mut(&pid).expect("just added").merge_requests.entry(iid).or_default();
    }

    /// Notes of a merge request, oldest first.
    pub fn merge_request_notes(&self, project: &str, iid: u64) -> Vec<Note> {
        let st = self.lock();
        let pid = st.project_by_path(project);
        pid.and_then(|pid| st.projects[&pid].merge_requests.get(&iid).cloned()).unwrap_or_default()
    }

    /// Notes of an issue, oldest first: comments and GitLab's system notes (`Note::system`); see
    /// `user_notes` for the comments only.
    pub fn notes(&self, project: &str, iid: u64) -> Vec<Note> {
        let st = self.lock();
        st.project_by_path(project).and_then(|pid| st.projects[&pid].notes.get(&iid).cloned()).unwrap_or_default()
    }

    pub fn quick_actions(&self) -> Vec<QuickActionRecord> {
        self.lock().quick_actions.clone()
    }

    pub fn mentions(&self) -> Vec<MentionRecord> {
        self.lock().mentions.clone()
    }

    /// Number of 429 answers sent (limits, throttle and injected ones).
    pub fn rate_limited(&self) -> usize {
        self.lock().rate_limited
    }

    // ---- acting as a human -------------------------------------------------------------------

    /// Changes an issue directly. `updated_at` is bumped unless `f` set it itself; closing sets
    /// `closed_at`, reopening clears it; labels are kept sorted. GitLab's system notes for the
    /// change are written as by the issue's first assignee, or its author when it has none (see
    /// `human_edit_by` to name the editor).
    pub fn human_edit(&self, project: &str, iid: u64, f: impl FnOnce(&mut Issue)) {
        self.edit_as(None, project, iid, f);
    }

    /// Creates an issue as a person would in the UI; returns its iid.
    pub fn human_create_issue(
        &self,
        project: &str,
        author_id: u64,
        title: &str,
        description: &str,
        labels: &[&str],
    ) -> u64 {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        let now = st.now();
        let mut issue = new_issue(author_id, title, now);
        issue.description = description.to_string();
        issue.labels = labels.iter().map(|l| l.to_string()).collect();
        st.insert_issue(pid, issue)
    }

    /// Deletes an issue and its notes (a no-op when it does not exist).
    pub fn delete_issue(&self, project: &str, iid: u64) {
        let mut st = self.lock();
        let p = st.project_mut_by_path(project);
        p.issues.remove(&iid);
        p.notes.remove(&iid);
    }

    // ---- faults ------------------------------------------------------------------------------

    /// Queues a fault; it applies to the next `times` matching requests.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Latency added to every response from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().options.latency = latency;
    }

    /// Answers that fraction of requests with 500, 502 or 503, before any side effect; the
    /// sequence is fixed by `seed`. A rate of 0 turns it off.
    pub fn random_failures(&self, rate: f64, seed: u64) {
        self.lock().faults.set_random(rate, seed);
    }

    /// Drops queued faults and random failures.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Runs `hook` once, just before the first request `matcher` selects is handled.
    pub fn before_request(&self, matcher: Matcher, hook: impl FnOnce(&FakeGitlab) + Send + 'static) {
        self.lock().hooks.push((matcher, Box::new(hook)));
    }
}
