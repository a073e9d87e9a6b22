//! The test context: a temp dir holding a config, roster and templates, a running fake GitLab
//! that knows the roster's users, and a way to run the binary against it.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use fake_gitlab::{FakeGitlab, Issue, Options};

pub const TRAINING: &str = "gitlab-com/support/support-training";
pub const META: &str = "gitlab-com/support/support-team-meta";
pub const TODAY: &str = "2026-11-23";
/// The dashboards block of the example config, and what the context puts in its place.
const EXAMPLE_DASHBOARDS: &str = "dashboards:\n  managers: true\n  team: false\n";
pub const NO_DASHBOARDS: &str = "dashboards:\n  managers: false\n";
pub const TOKEN: &str = "glpat-test-canary-7f3a9c";
/// The state key the tests' runs seal with: a canary too, never to appear in any output.
pub const STATE_KEY: &str = "state-key-canary-5e1d0b7a9c3f4e2d8b6a";

/// Variables of the test's own environment that would change what the binary does.
pub const CLEARED_ENV: [&str; 17] = [
    "GITLAB_URL",
    "GITLAB_TOKEN",
    "GITLAB_READ_TOKEN",
    "GITLAB_MR_TOKEN",
    "CI_MERGE_REQUEST_IID",
    "CI_MERGE_REQUEST_PROJECT_ID",
    "CI_MERGE_REQUEST_PROJECT_PATH",
    "CI_SERVER_URL",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
    "GITLAB_CI",
    "RUST_LOG",
    "ONBOARDER_LOCK_WAIT_SECONDS",
    "ONBOARDER_LOCK_LEASE_SECONDS",
    "ONBOARDER_PLAN_IN_FULL",
    "ONBOARDER_STATE_KEY",
    "ONBOARDER_STATE_KEY_PREVIOUS",
];

/// The repository root, where the example roster and templates live.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy a directory tree (test inputs).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub struct Ctx {
    pub dir: tempfile::TempDir,
    pub fake: FakeGitlab,
    pub bot: u64,
}

impl Ctx {
    /// The example team (copied), and a fake GitLab knowing everyone in it.
    pub async fn new() -> Ctx {
        Ctx::with_options(Options::default()).await
    }

    pub async fn with_options(options: Options) -> Ctx {
        let dir = tempfile::tempdir().unwrap();
        for d in ["roster", "issue-templates"] {
            copy_dir(&repo().join(d), &dir.path().join(d));
        }
        for f in ["onboarder.yaml", "shadow-program.yaml"] {
            std::fs::copy(repo().join(f), dir.path().join(f)).unwrap();
        }
        // The example turns managers' dashboards on; the tests of other features count issues and
        // writes without them (tests/it/dashboards.rs turns them back on).
        let config = std::fs::read_to_string(dir.path().join("onboarder.yaml")).unwrap();
        assert!(config.contains(EXAMPLE_DASHBOARDS), "the example config's dashboards block changed");
        std::fs::write(dir.path().join("onboarder.yaml"), config.replace(EXAMPLE_DASHBOARDS, NO_DASHBOARDS)).unwrap();
        let fake = FakeGitlab::start(options).await;
        let bot = fake.add_user("onboarding-bot", "Onboarding Bot");
        fake.add_token(TOKEN, bot);
        fake.add_project(TRAINING);
        fake.add_project(META);
        let ctx = Ctx { dir, fake, bot };
        ctx.add_roster_users();
        ctx
    }

    /// Every username the roster and shadow list mention, with the roster's ids where given.
    fn add_roster_users(&self) {
        let mut errors = onboarder::error::InputErrors::default();
        let roster_dir: Arc<Path> = Arc::from(self.path("roster").into_boxed_path());
        let people = onboarder::roster::load_team(&roster_dir, &mut errors);
        for p in &people {
            match p.gitlab_id {
                Some(id) => self.fake.add_user_with_id(id, &p.username, &p.name),
                None => self.fake.add_user(&p.username, &p.name),
            };
        }
        for u in ["therrera", "mchen", "ggreene", "rbhatt"] {
            self.fake.add_user(u, u);
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Replace text in an input file; the text must be there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let s = self.read(rel);
        assert!(s.contains(from), "{rel} has no {from:?}");
        self.write(rel, &s.replacen(from, to, 1));
    }

    /// Run the binary with the fake's URL and token, as a user would.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[("GITLAB_URL", &self.fake.url()), ("GITLAB_TOKEN", TOKEN)]).await
    }

    /// `run` with every issue planned in full, none known unchanged from its record's memo.
    pub async fn run_in_full(&self, args: &[&str]) -> Run {
        let env =
            [("GITLAB_URL", self.fake.url()), ("GITLAB_TOKEN", TOKEN.into()), ("ONBOARDER_PLAN_IN_FULL", "1".into())];
        self.run_env(args, &env.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await
    }

    /// Run the binary with `env`. The state key is set (as a CI job holding it would) unless
    /// `env` sets `ONBOARDER_STATE_KEY` itself; set it to "" to run without one.
    pub async fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onboarder"));
        cmd.current_dir(self.dir.path()).args(args);
        for v in CLEARED_ENV {
            cmd.env_remove(v);
        }
        cmd.env("ONBOARDER_STATE_KEY", STATE_KEY);
        for (k, v) in env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
        Run(out)
    }

    /// `sync` for the fixed test date.
    pub async fn sync(&self, extra: &[&str]) -> Run {
        let mut args = vec!["sync", "--today", TODAY];
        args.extend_from_slice(extra);
        self.run(&args).await
    }

    /// Every issue of the project, open or closed.
    pub fn issues(&self, project: &str) -> Vec<Issue> {
        self.fake.issues(project)
    }

    /// The one issue in `project` whose title contains `name`.
    pub fn issue_of(&self, project: &str, name: &str) -> Issue {
        let found: Vec<Issue> = self.issues(project).into_iter().filter(|i| i.title.contains(name)).collect();
        assert_eq!(found.len(), 1, "issues titled {name:?}: {:?}", found.iter().map(|i| &i.title).collect::<Vec<_>>());
        found.into_iter().next().unwrap()
    }

    pub fn assignees(&self, issue: &Issue) -> Vec<String> {
        let reqs = issue.assignee_ids.clone();
        reqs.iter().map(|id| self.fake.username(*id).unwrap_or_default()).collect()
    }
}

/// What a run printed and how it exited.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout()))
    }
    /// Exit status 0, or show what went wrong.
    pub fn ok(self) -> Run {
        assert_eq!(self.code(), 0, "stdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr());
        self
    }
}

/// A listing of module issues (`GET /projects/:id/issues`, the most recently updated first): one
/// person's (with an assignee filter), as a run makes one for each person in scope before it
/// plans, or past 100 people the modules project's whole (tests/it/modules.rs).
pub fn is_module_listing(r: &fake_gitlab::RecordedRequest) -> bool {
    r.method == "GET"
        && r.route == "/api/v4/projects/:id/issues"
        && (by_assignee(r) || r.query.contains("order_by=updated_at"))
}

/// A listing of one person's issues (by assignee).
fn by_assignee(r: &fake_gitlab::RecordedRequest) -> bool {
    r.query.split('&').any(|p| p.starts_with("assignee_id=") || p.starts_with("assignee_username"))
}

/// How many module listings the fake answered since its requests were last cleared; no person's
/// may be listed twice in one run.
pub fn module_listings(fake: &FakeGitlab) -> usize {
    let whom: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| is_module_listing(r) && by_assignee(r))
        .map(|r| r.query.split('&').find(|p| p.starts_with("assignee")).unwrap_or_default().to_string())
        .collect();
    let distinct: std::collections::BTreeSet<&String> = whom.iter().collect();
    assert_eq!(distinct.len(), whom.len(), "a person's module issues were listed twice: {whom:?}");
    whom.len()
}
