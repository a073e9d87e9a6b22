//! `onboarder.yaml`: where the roster and templates are, the GitLab target, and how to pace the API.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::{InputError, InputErrors, Location};
use crate::gitlab::{ClientSettings, RateLimits};
use crate::input::parse_yaml;
use crate::input::{parse_date, read_text, resolve_inside};

/// Where and how onboarder writes in GitLab.
#[derive(Debug, Clone)]
pub struct GitlabTarget {
    /// From the config; `GITLAB_URL` / `CI_SERVER_URL` override it at run time.
    pub url: Option<String>,
    /// Full path of the project that gets onboarding issues.
    pub project: String,
    /// Accept TLS certificates that do not verify (self-signed test instances only).
    pub accept_invalid_certs: bool,
    /// GitLab user ids of other accounts onboarder runs or ran as (a token moved to another
    /// account, the other shards' bot users): the issues and notes they wrote are onboarder's too.
    pub bot_ids: Vec<u64>,
}

/// How the sync talks to GitLab.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Requests at once, timeouts, retries and the limits the client paces itself under.
    pub client: ClientSettings,
    /// Close an issue once every item in it is checked.
    pub close_completed: bool,
    /// The most issues of people missing from the roster one run may close, as a share of the
    /// managed open issues (never fewer than `MIN_CLOSE_CAP`), unless `--allow-mass-close`.
    pub max_close_share: f64,
    /// Shards (`--shard K/N`) run with one token: each paces itself at 1/N of the limits.
    pub shared_token: bool,
}

/// How progress is judged (see `progress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressSettings {
    /// Tick the items of stages whose week has passed, as version 1 did. Off: only evidence ticks.
    pub calendar_ticks: bool,
    /// A person is behind when less work is done than the calendar expected this many days ago.
    pub grace_days: u32,
    /// Percent of the required items before a stage that reaches it (50 to 100).
    pub stage_share: u32,
    /// The pace label is `<prefix>::on-track|behind|overdue|paused|complete`.
    pub pace_label_prefix: String,
}

impl Default for ProgressSettings {
    fn default() -> Self {
        Self { calendar_ticks: false, grace_days: 14, stage_share: 80, pace_label_prefix: "onboarding-pace".into() }
    }
}

/// Managers' and the team's dashboards (see `dashboard`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardSettings {
    /// One dashboard issue per manager with active reports.
    pub managers: bool,
    /// One dashboard issue for the whole team (opt-in).
    pub team: bool,
    /// Where the dashboards live (default: `gitlab.project`).
    pub project: String,
    /// The label that marks a dashboard (besides the marker label, which finds it).
    pub label: String,
    /// Users (lowercase usernames) besides each dashboard's manager whose ticks are commands:
    /// onboarding admins. A tick by anyone else is refused.
    pub admins: Vec<String>,
    /// Dashboards are created confidential, and an existing one is made so once (on unless
    /// the config says `confidential: false`): they say who is behind, paused or overdue.
    pub confidential: bool,
}

/// Training modules (see `training`): each is its own issue, opened by the person from the
/// module's issue template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSettings {
    /// Where module issues and the modules' issue templates are (default: `gitlab.project`).
    pub project: String,
}

/// The dashboards' label when the config gives none.
pub const DEFAULT_DASHBOARD_LABEL: &str = "onboarding-dashboard";

/// `max_close_share` when the config gives none.
pub const DEFAULT_MAX_CLOSE_SHARE: f64 = 0.1;

/// Where roster files come from: this machine, or a GitLab repository read through the API.
#[derive(Debug, Clone)]
pub enum RosterSource {
    /// A directory of person files, or one file (resolved against the config file's directory).
    Local(Arc<Path>),
    Repository(RepositoryPath),
}

/// A path in a GitLab project's repository at a ref (a branch, tag or commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryPath {
    pub project: String,
    /// Inside the repository, without leading or trailing `/`.
    pub path: String,
    /// `None`: the project's default branch.
    pub git_ref: Option<String>,
    /// Where the config names it, for errors about the path itself.
    pub at: Location,
}

/// The shadow program: its participants file and its project.
#[derive(Debug, Clone)]
pub struct ShadowProgram {
    pub roster: RosterSource,
    pub project: String,
}

/// The validated configuration. Paths are resolved against the config file's directory.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: Arc<Path>,
    pub gitlab: GitlabTarget,
    pub roster: RosterSource,
    pub templates: Arc<Path>,
    /// People who started before this date get nothing unless `onboarding.paths` names a path.
    pub started_after: Option<NaiveDate>,
    pub marker_label: String,
    pub stage_label_prefix: String,
    pub shadow: Option<ShadowProgram>,
    pub sync: SyncSettings,
    pub progress: ProgressSettings,
    pub dashboards: DashboardSettings,
    pub modules: ModuleSettings,
    /// The plan's comment on a merge request names each person's stage and pace only when asked:
    /// a roster repository is often public.
    pub plan_comment_shows_pace: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGitlab {
    url: Option<Spanned<String>>,
    project: Spanned<String>,
    #[serde(default)]
    accept_invalid_certs: bool,
    #[serde(default)]
    bot_ids: Vec<u64>,
}

/// `roster: dir` or `roster: {project: group/project, path: team, ref: main}`.
enum RawRoster {
    Local(String),
    Repository(Box<RawRepositoryPath>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepositoryPath {
    project: Spanned<String>,
    path: Spanned<String>,
    #[serde(rename = "ref")]
    git_ref: Option<Spanned<String>>,
}

/// By hand rather than `untagged`, which would lose the parser's places and say only "did not
/// match any variant" for a misspelt key.
impl<'de> Deserialize<'de> for RawRoster {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = RawRoster;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a path, or {project, path, ref} for a GitLab repository")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRoster, E> {
                Ok(RawRoster::Local(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<RawRoster, A::Error> {
                RawRepositoryPath::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(|p| RawRoster::Repository(Box::new(p)))
            }
        }
        d.deserialize_any(Either)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShadow {
    roster: Spanned<RawRoster>,
    project: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    window_seconds: Option<Spanned<f64>>,
    requests: Option<Spanned<u32>>,
    issue_creates: Option<Spanned<u32>>,
    notes: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSharding {
    #[serde(default)]
    shared_token: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgress {
    #[serde(default)]
    calendar_ticks: bool,
    grace_days: Option<Spanned<u32>>,
    stage_share: Option<Spanned<u32>>,
    pace_label_prefix: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDashboards {
    /// On unless the config says `managers: false`: a manager's dashboard is the point.
    managers: Option<bool>,
    #[serde(default)]
    team: bool,
    project: Option<Spanned<String>>,
    label: Option<Spanned<String>>,
    #[serde(default)]
    admins: Vec<Spanned<String>>,
    confidential: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModules {
    project: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    gitlab: RawGitlab,
    roster: Spanned<RawRoster>,
    templates: Option<Spanned<String>>,
    started_after: Option<Spanned<String>>,
    marker_label: Option<Spanned<String>>,
    stage_label_prefix: Option<Spanned<String>>,
    shadow_program: Option<RawShadow>,
    #[serde(default)]
    close_completed: bool,
    concurrency: Option<Spanned<u32>>,
    request_timeout_seconds: Option<Spanned<f64>>,
    max_retries: Option<Spanned<u32>>,
    rate_limits: Option<RawLimits>,
    progress: Option<RawProgress>,
    dashboards: Option<RawDashboards>,
    modules: Option<RawModules>,
    sharding: Option<RawSharding>,
    plan_comment: Option<RawPlanComment>,

    max_close_share: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlanComment {
    #[serde(default)]
    show_pace: bool,
}

/// The shadow program's project when the config names none.
pub const DEFAULT_SHADOW_PROJECT: &str = "gitlab-com/support/support-team-meta";

impl Config {
    /// Read and validate the config file; every problem is reported with its place.
    pub fn load(path: &Path) -> Result<Config, InputErrors> {
        let file: Arc<Path> = Arc::from(path.to_path_buf().into_boxed_path());
        let contents = read_text(&file)?;
        let raw: RawConfig = parse_yaml(&file, &contents, 0)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut errors = InputErrors::default();
        let loc = |s: &Spanned<String>| Location::from_yaml(&file, 0, &s.referenced);
        let mut err = |l: Location, m: String| errors.push(InputError::new(l, m).with_source(&contents));

        let existing = |s: &Spanned<String>, what: &str, dir: bool, err: &mut dyn FnMut(Location, String)| {
            let p: Arc<Path> = Arc::from(resolve(&base, &s.value).into_boxed_path());
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let ok = if dir { p.is_dir() } else { p.exists() };
            if !ok && std::fs::symlink_metadata(&p).is_err() {
                err(loc(s), format!("{what} {:?} does not exist (looked for {})", s.value, p.display()));
            } else if let Err(e) = resolve_inside(&p, parent) {
                err(loc(s), format!("{what} {:?}: {}", s.value, e.message));
            } else if !ok {
                err(loc(s), format!("{what} {:?} is not a directory", s.value));
            }
            p
        };

        let source = |r: &Spanned<RawRoster>, what: &str, err: &mut dyn FnMut(Location, String)| match &r.value {
            RawRoster::Local(s) => {
                let s = Spanned { value: s.clone(), referenced: r.referenced, defined: r.defined };
                RosterSource::Local(existing(&s, what, false, err))
            }
            RawRoster::Repository(p) => {
                if !is_project_path(&p.project.value) {
                    let m =
                        format!("{what}.project {:?} is not a full project path like group/project", p.project.value);
                    err(loc(&p.project), m);
                }
                if p.path.value.split('/').any(|c| c == ".." || c == ".") {
                    err(loc(&p.path), format!("{what}.path {:?} must name a path inside the repository", p.path.value));
                }
                if let Some(g) = p.git_ref.as_ref().filter(|g| g.value.trim().is_empty()) {
                    err(loc(g), format!("{what}.ref must name a branch, tag or commit"));
                }
                RosterSource::Repository(RepositoryPath {
                    project: p.project.value.clone(),
                    path: p.path.value.trim_matches('/').to_string(),
                    git_ref: p.git_ref.as_ref().map(|g| g.value.trim().to_string()),
                    at: loc(&p.path),
                })
            }
        };
        let roster = source(&raw.roster, "roster", &mut err);
        let templates = match &raw.templates {
            Some(t) => existing(t, "templates directory", true, &mut err),
            None => {
                let p = resolve(&base, "issue-templates");
                if !p.is_dir() {
                    err(Location::file_start(&file), format!("templates directory {} does not exist", p.display()));
                }
                Arc::from(p.into_boxed_path())
            }
        };
        let shadow = raw.shadow_program.as_ref().map(|s| ShadowProgram {
            roster: source(&s.roster, "shadow_program.roster", &mut err),
            project: s.project.as_ref().map_or(DEFAULT_SHADOW_PROJECT.to_string(), |p| p.value.clone()),
        });
        let dashboard_project = raw.dashboards.as_ref().and_then(|d| d.project.as_ref());
        let modules_project = raw.modules.as_ref().and_then(|m| m.project.as_ref());
        for p in std::iter::once(&raw.gitlab.project)
            .chain(raw.shadow_program.as_ref().and_then(|s| s.project.as_ref()))
            .chain(dashboard_project)
            .chain(modules_project)
        {
            if !is_project_path(&p.value) {
                err(loc(p), format!("project {:?} is not a full project path like group/project", p.value));
            }
        }
        let started_after = raw.started_after.as_ref().and_then(|s| match parse_date(&s.value) {
            Ok(d) => Some(d),
            Err(m) => {
                err(loc(s), m);
                None
            }
        });
        let label =
            |s: &Option<Spanned<String>>, default: &str, what: &str, err: &mut dyn FnMut(Location, String)| match s {
                Some(s) if s.value.trim().is_empty() || s.value.contains(',') => {
                    err(loc(s), format!("{what} {:?} must be a non-empty label name without commas", s.value));
                    default.to_string()
                }
                Some(s) => s.value.clone(),
                None => default.to_string(),
            };
        let marker_label = label(&raw.marker_label, "onboarder", "marker_label", &mut err);
        let stage_label_prefix = label(&raw.stage_label_prefix, "onboarding-stage", "stage_label_prefix", &mut err);
        // Every number has a range a sane setup stays in: a typo or `.inf` is an error here, not a
        // panic or a run that waits forever later.
        let mut ranged = |v: &Option<Spanned<f64>>, what: &str, (lo, hi): (f64, f64), default: f64| match v {
            Some(v) if !(lo..=hi).contains(&v.value) => {
                err(
                    Location::from_yaml(&file, 0, &v.referenced),
                    format!("{what} {} must be a number from {lo} to {hi}", number(v.value)),
                );
                default
            }
            Some(v) => v.value,
            None => default,
        };
        let whole = |v: &Option<Spanned<u32>>| {
            v.as_ref().map(|v| Spanned { value: f64::from(v.value), referenced: v.referenced, defined: v.defined })
        };
        let concurrency = ranged(&whole(&raw.concurrency), "concurrency", (1.0, 64.0), 4.0) as usize;
        let request_timeout = ranged(&raw.request_timeout_seconds, "request_timeout_seconds", (0.1, 600.0), 30.0);
        let max_retries = ranged(&whole(&raw.max_retries), "max_retries", (0.0, 10.0), 4.0) as u32;
        let max_close_share = ranged(&raw.max_close_share, "max_close_share", (0.0, 1.0), DEFAULT_MAX_CLOSE_SHARE);
        let mut limits = RateLimits::default();
        if let Some(l) = &raw.rate_limits {
            let w = ranged(&l.window_seconds, "rate_limits.window_seconds", (1.0, 3600.0), 60.0);
            limits.window = Duration::from_secs_f64(w);
            let d = RateLimits::default();
            limits.requests = ranged(&whole(&l.requests), "rate_limits.requests", (1.0, 1e6), d.requests.into()) as u32;
            limits.issue_creates =
                ranged(&whole(&l.issue_creates), "rate_limits.issue_creates", (1.0, 1e6), d.issue_creates.into())
                    as u32;
            limits.notes = ranged(&whole(&l.notes), "rate_limits.notes", (1.0, 1e6), d.notes.into()) as u32;
        }
        let mut progress = ProgressSettings::default();
        if let Some(p) = &raw.progress {
            progress.calendar_ticks = p.calendar_ticks;
            if let Some(g) = &p.grace_days {
                if g.value > 365 {
                    err(
                        Location::from_yaml(&file, 0, &g.referenced),
                        format!("grace_days {} must be at most 365", g.value),
                    );
                } else {
                    progress.grace_days = g.value;
                }
            }
            if let Some(s) = &p.stage_share {
                if !(50..=100).contains(&s.value) {
                    err(
                        Location::from_yaml(&file, 0, &s.referenced),
                        format!("stage_share {} must be a percentage from 50 to 100", s.value),
                    );
                } else {
                    progress.stage_share = s.value;
                }
            }
            progress.pace_label_prefix =
                label(&p.pace_label_prefix, "onboarding-pace", "progress.pace_label_prefix", &mut err);
        }
        let dashboards = DashboardSettings {
            managers: raw.dashboards.as_ref().and_then(|d| d.managers).unwrap_or(true),
            team: raw.dashboards.as_ref().is_some_and(|d| d.team),
            project: dashboard_project.map_or_else(|| raw.gitlab.project.value.clone(), |p| p.value.clone()),
            label: label(
                &raw.dashboards.as_ref().and_then(|d| d.label.clone()),
                DEFAULT_DASHBOARD_LABEL,
                "dashboards.label",
                &mut err,
            ),
            admins: raw
                .dashboards
                .as_ref()
                .map_or(&[][..], |d| &d.admins[..])
                .iter()
                .filter_map(|a| {
                    let ok = crate::escape::is_valid_username(&a.value);
                    if !ok {
                        err(loc(a), format!("dashboards.admins: {:?} is not a GitLab username", a.value));
                    }
                    ok.then(|| a.value.to_lowercase())
                })
                .collect(),
            confidential: raw.dashboards.as_ref().and_then(|d| d.confidential).unwrap_or(true),
        };
        let modules = ModuleSettings {
            project: modules_project.map_or_else(|| raw.gitlab.project.value.clone(), |p| p.value.clone()),
        };
        let config = Config {
            gitlab: GitlabTarget {
                url: raw.gitlab.url.map(|u| u.value),
                project: raw.gitlab.project.value,
                accept_invalid_certs: raw.gitlab.accept_invalid_certs,
                bot_ids: raw.gitlab.bot_ids,
            },
            roster,
            templates,
            started_after,
            marker_label,
            stage_label_prefix,
            shadow,
            sync: SyncSettings {
                client: ClientSettings {
                    concurrency,
                    request_timeout: Duration::from_secs_f64(request_timeout),
                    max_retries,
                    limits,
                },
                max_close_share,
                close_completed: raw.close_completed,
                shared_token: raw.sharding.as_ref().is_some_and(|s| s.shared_token),
            },
            progress,
            dashboards,
            modules,
            plan_comment_shows_pace: raw.plan_comment.as_ref().is_some_and(|p| p.show_pace),
            file,
        };
        errors.into_result(config)
    }
}

/// A number as the config wrote it, near enough: `5`, `-5`, `1e300`, `inf`, `NaN`.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// `group/project` or deeper; no empty segments.
fn is_project_path(p: &str) -> bool {
    p.contains('/') && p.split('/').all(|s| !s.is_empty() && !s.contains(char::is_whitespace))
}
