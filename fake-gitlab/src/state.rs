//! The in-memory model behind the server: users, tokens, projects, issues, notes, observation logs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};

use crate::access::Role;
use crate::faults::{Faults, Matcher};
use crate::model::{Issue, Label, MentionRecord, Note, QuickActionRecord, RecordedRequest};
use crate::options::Options;
use crate::ratelimit::Counters;

pub(crate) struct User {
    pub id: u64,
    pub username: String,
    pub name: String,
    /// `active`, `blocked` or `banned`.
    pub state: &'static str,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.state == "active"
    }
}

pub(crate) struct Token {
    pub id: u64,
    pub user_id: u64,
    pub revoked: bool,
    /// A project access token reaches only this project.
    pub project: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<NaiveDate>,
}

pub(crate) struct Project {
    pub id: u64,
    pub path: String,
    pub next_iid: u64,
    pub issues: BTreeMap<u64, Issue>,
    pub notes: HashMap<u64, Vec<Note>>,
    /// Merge requests by iid, each with its notes (onboarder only comments on them).
    pub merge_requests: BTreeMap<u64, Vec<Note>>,
    /// Project labels by name (titles are unique per project, case-sensitive).
    pub labels: BTreeMap<String, Label>,
    pub denied: HashSet<u64>,
    pub read_only: HashSet<u64>,
    /// Members given a role below the default (which can set every field).
    pub roles: HashMap<u64, Role>,
    /// Git refs served from directories on disk.
    pub repositories: HashMap<String, PathBuf>,
    /// `.gitlab/issue_templates/<name>.md` contents by name.
    pub issue_templates: BTreeMap<String, String>,
}

/// A callback run once before the first request its matcher selects.
pub(crate) type Hook = Box<dyn FnOnce(&crate::FakeGitlab) + Send>;

pub(crate) struct State {
    pub options: Options,
    pub base_url: String,
    pub users: BTreeMap<u64, User>,
    pub tokens: HashMap<String, Token>,
    pub projects: BTreeMap<u64, Project>,
    /// Old full paths of renamed projects (GitLab's RedirectRoute), lower-cased.
    pub redirect_routes: HashMap<String, u64>,
    next_user_id: u64,
    next_project_id: u64,
    next_issue_id: u64,
    next_note_id: u64,
    next_label_id: u64,
    next_token_id: u64,
    last_time: Option<DateTime<Utc>>,
    pub requests: Vec<RecordedRequest>,
    pub quick_actions: Vec<QuickActionRecord>,
    pub mentions: Vec<MentionRecord>,
    pub rate_limited: usize,
    pub faults: Faults,
    pub hooks: Vec<(Matcher, Hook)>,
    pub counters: Counters,
    pub grants: crate::grants::Grants,
    pub groups: crate::memberships::Groups,
    pub spam: crate::spam_rules::Spam,
    pub git: crate::git::GitObjects,
}

impl State {
    pub fn new(options: Options, base_url: String) -> Self {
        State {
            options,
            base_url,
            users: BTreeMap::new(),
            tokens: HashMap::new(),
            projects: BTreeMap::new(),
            redirect_routes: HashMap::new(),
            // Distinct ranges so that an id mistaken for an iid (or a user id) shows up.
            next_user_id: 1,
            next_project_id: 1001,
            next_issue_id: 100_001,
            next_note_id: 500_001,
            next_label_id: 700_001,
            next_token_id: 900_001,
            last_time: None,
            requests: Vec::new(),
            quick_actions: Vec::new(),
            mentions: Vec::new(),
            rate_limited: 0,
            faults: Faults::default(),
            hooks: Vec::new(),
            counters: Counters::default(),
            grants: Default::default(),
            groups: Default::default(),
            spam: Default::default(),
            git: Default::default(),
        }
    }

    /// Wall-clock time in milliseconds, strictly increasing across calls.
    pub fn now(&mut self) -> DateTime<Utc> {
        let real = Utc::now();
        let real = DateTime::from_timestamp_millis(real.timestamp_millis()).unwrap_or(real);
        let t = match self.last_time {
            Some(last) if real <= last => last + ChronoDuration::milliseconds(1),
            _ => real,
        };
        self.last_time = Some(t);
        t
    }

    pub fn add_user(&mut self, username: &str, name: &str) -> u64 {
        if let Some(u) = self.user_by_username(username) {
            return u.id;
        }
        let id = self.next_user_id;
        self.next_user_id += 1;
        self.users.insert(id, User { id, username: username.to_string(), name: name.to_string(), state: "active" });
        id
    }

    /// A new, unrevoked token of `user_id` that reaches every project the user can see.
    pub fn new_token(&mut self, user_id: u64) -> Token {
        let id = self.next_token_id;
        self.next_token_id += 1;
        Token { id, user_id, revoked: false, project: None, created_at: self.now(), expires_at: None }
    }

    /// Adds a user with a given id (roster files carry real GitLab ids).
    pub fn add_user_with_id(&mut self, id: u64, username: &str, name: &str) -> u64 {
        if let Some(u) = self.user_by_username(username) {
            return u.id;
        }
        self.users.insert(id, User { id, username: username.to_string(), name: name.to_string(), state: "active" });
        self.next_user_id = self.next_user_id.max(id + 1);
        id
    }

    pub fn user_by_username(&self, username: &str) -> Option<&User> {
        let username = username.strip_prefix('@').unwrap_or(username);
        self.users.values().find(|u| u.username.eq_ignore_ascii_case(username))
    }

    pub fn add_project(&mut self, path: &str) -> u64 {
        if let Some(p) = self.projects.values().find(|p| p.path.eq_ignore_ascii_case(path)) {
            return p.id;
        }
        // A new project takes over an old path of a renamed one.
        self.redirect_routes.remove(&path.to_lowercase());
        let id = self.next_project_id;
        self.next_project_id += 1;
        self.projects.insert(
            id,
            Project {
                id,
                path: path.to_string(),
                next_iid: 1,
                issues: BTreeMap::new(),
                notes: HashMap::new(),
                merge_requests: BTreeMap::new(),
                labels: BTreeMap::new(),
                denied: HashSet::new(),
                read_only: HashSet::new(),
                roles: HashMap::new(),
                repositories: HashMap::new(),
                issue_templates: BTreeMap::new(),
            },
        );
        id
    }

    /// A project by full path, case-insensitively; an old path of a renamed project still finds
    /// it while no project has taken that path (`find_by_full_path(id, follow_redirects: true)`
    /// in lib/api/helpers.rb, app/models/concerns/routable.rb).
    pub fn project_by_path(&self, path: &str) -> Option<u64> {
        self.projects
            .values()
            .find(|p| p.path.eq_ignore_ascii_case(path))
            .map(|p| p.id)
            .or_else(|| self.redirect_routes.get(&path.to_lowercase()).copied())
    }

    /// A project by numeric id or full path (as in `:id`).
    pub fn project_by_key(&self, key: &str) -> Option<u64> {
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            let id = key.parse().ok()?;
            return self.projects.contains_key(&id).then_some(id);
        }
        self.project_by_path(key)
    }

    /// The project, panicking with a clear message for test helpers given a wrong path.
    pub fn project_mut_by_path(&mut self, path: &str) -> &mut Project {
        let id = self
            .project_by_path(path)
            .unwrap_or_else(|| panic!("fake-gitlab: no project {path:?}; call add_project first"));
        self.projects.get_mut(&id).expect("project exists")
    }

    pub fn project_path(&self, id: u64) -> String {
        self.projects.get(&id).map(|p| p.path.clone()).unwrap_or_default()
    }

    pub fn next_issue_id(&mut self) -> u64 {
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        id
    }

    pub fn next_note_id(&mut self) -> u64 {
        let id = self.next_note_id;
        self.next_note_id += 1;
        id
    }

    /// Stores a new issue in a project with the next iid; labels join the project's labels.
    pub fn insert_issue(&mut self, project_id: u64, mut issue: Issue) -> u64 {
        let id = self.next_issue_id();
        let project = self.projects.get_mut(&project_id).expect("project exists");
        let iid = project.next_iid;
        project.next_iid += 1;
        issue.id = id;
        issue.iid = iid;
        issue.project_id = project_id;
        normalize_labels(&mut issue.labels);
        let names = issue.labels.clone();
        project.issues.insert(iid, issue);
        self.ensure_labels(project_id, &names);
        iid
    }

    /// Creates the labels of `names` the project lacks, as an issue write naming a new label
    /// does (with GitLab's default colour); a group label above the project is used as it is.
    pub fn ensure_labels(&mut self, project_id: u64, names: &[String]) {
        for name in names {
            let exists = self.projects.get(&project_id).is_some_and(|p| p.labels.contains_key(name))
                || self
                    .projects
                    .get(&project_id)
                    .is_some_and(|p| self.groups.labels_above(&p.path).iter().any(|l| l.name == *name));
            if !exists {
                self.add_label(project_id, name, DEFAULT_LABEL_COLOR, None);
            }
        }
    }

    /// Stores a new project label; the caller checked that the name is free.
    pub fn add_label(&mut self, project_id: u64, name: &str, color: &str, description: Option<&str>) -> Label {
        let id = self.next_label_id;
        self.next_label_id += 1;
        let label = Label {
            id,
            name: name.to_string(),
            color: color.to_string(),
            description: description.map(str::to_string),
        };
        let project = self.projects.get_mut(&project_id).expect("project exists");
        project.labels.insert(name.to_string(), label.clone());
        label
    }

    pub fn issue(&self, project_id: u64, iid: u64) -> Option<&Issue> {
        self.projects.get(&project_id)?.issues.get(&iid)
    }

    pub fn issue_mut(&mut self, project_id: u64, iid: u64) -> Option<&mut Issue> {
        self.projects.get_mut(&project_id)?.issues.get_mut(&iid)
    }

    /// Whether `user` may be assigned to issues of `project_id` (exists and can see the project).
    /// Blocked and banned users cannot read anything, so they are never assignable.
    pub fn assignable(&self, project_id: u64, user: u64) -> bool {
        self.users.get(&user).is_some_and(User::is_active)
            && self.projects.get(&project_id).is_some_and(|p| !p.denied.contains(&user))
    }

    /// The role the user holds in the project, from any source (direct, ancestor groups,
    /// shares; see `memberships`); `None` when they are no member (the fake then lets them do
    /// everything, as before groups were modelled).
    pub fn effective_role(&self, project_id: u64, user: u64) -> Option<Role> {
        let p = self.projects.get(&project_id)?;
        self.groups.role(project_id, &p.path, p.roles.get(&user).copied(), user)
    }

    /// Whether `user` may set labels, assignees, due date and milestone on issues of the project
    /// (`admin_issue`, Planner or Reporter and up; app/services/issuable_base_service.rb `filter_params`).
    /// The role counts from every source: direct, ancestor groups, shares (`effective_role`).
    pub fn may_set_metadata(&self, project_id: u64, user: u64) -> bool {
        self.effective_role(project_id, user).is_none_or(|r| r >= Role::Planner)
    }

    /// Whether `user` may create, edit and delete the project's labels (`admin_label`: Planner,
    /// Reporter and up, like issue metadata; a Guest may not). Before 17.7 there was no Planner
    /// role and it took a Reporter.
    pub fn may_manage_labels(&self, project_id: u64, user: u64) -> bool {
        let least = if self.options.gitlab_version.at_least(17, 7) { Role::Planner } else { Role::Reporter };
        self.effective_role(project_id, user).is_none_or(|r| r >= least)
    }
}

/// The colour GitLab gives a label created implicitly (`Label::DEFAULT_COLOR`).
pub(crate) const DEFAULT_LABEL_COLOR: &str = "#6699cc";

/// Sorted, without duplicates or blanks.
pub(crate) fn normalize_labels(labels: &mut Vec<String>) {
    for l in labels.iter_mut() {
        *l = l.trim().to_string();
    }
    labels.retain(|l| !l.is_empty());
    labels.sort();
    labels.dedup();
}

/// An issue with everything but ids filled in.
pub(crate) fn new_issue(author_id: u64, title: &str, now: DateTime<Utc>) -> Issue {
    Issue {
        id: 0,
        iid: 0,
        project_id: 0,
        title: title.to_string(),
        description: String::new(),
        state: "opened".to_string(),
        labels: Vec::new(),
        assignee_ids: Vec::new(),
        author_id,
        due_date: None,
        confidential: false,
        issue_type: "issue".to_string(),
        created_at: now,
        updated_at: now,
        closed_at: None,
        closed_by_id: None,
        moved_to_id: None,
    }
}
