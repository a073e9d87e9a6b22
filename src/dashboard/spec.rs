//! Who gets a dashboard: each manager (a roster person with a GitLab username) with reports
//! onboarder onboards, and the whole team when the config asks for it. Pure: no IO.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::desired::Standing;
use crate::roster::Roster;
use crate::template::{Audience, TemplateSet, MAX_TITLE_CHARS};

const MANAGER_PREFIX: &str = "manager-dashboard:";
const TEAM_KEY: &str = "team-dashboard";
/// The `template` a dashboard's action shows in reports and preview file names.
pub const KIND: &str = "dashboard";

/// Is this the key of a dashboard (not of a person's issue)?
pub fn is_key(key: &str) -> bool {
    key.starts_with(MANAGER_PREFIX) || key == TEAM_KEY
}

/// A manager's dashboard title, the name shortened (with an ellipsis) so that the title fits in
/// GitLab's 255 characters: a long name must not keep the dashboard from being written.
fn title_with(name: &str) -> String {
    const PREFIX: &str = "Onboarding dashboard: ";
    let room = MAX_TITLE_CHARS - PREFIX.chars().count();
    let name = name.trim();
    if name.chars().count() <= room {
        return format!("{PREFIX}{name}");
    }
    let short: String = name.chars().take(room - 1).collect();
    format!("{PREFIX}{}…", short.trim_end())
}

/// A report on a dashboard: their name and their manager's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    pub manager: Option<String>,
}

/// A path's stages (id, title): their short names in rows, the stages a manager may mark
/// reached, the team dashboard's counts and medians.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStages {
    pub key: String,
    pub stages: Vec<(String, String)>,
    /// A promotion or a manager's path (`pace: false`, or given on request only): listed in a
    /// section of its own, not among the new hires.
    pub separate: bool,
}

impl PathStages {
    /// The position of a stage id on this path.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|(s, _)| s == id)
    }
}

/// A dashboard the roster calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub key: String,
    pub project: String,
    pub title: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub known_user_ids: BTreeMap<String, u64>,
    /// The manager's username; `None` for the team's dashboard.
    pub manager: Option<String>,
    /// Its reports, by lowercase username.
    pub reports: BTreeMap<String, Report>,
    /// Every path's stages, in the templates' order.
    pub paths: Vec<PathStages>,
    /// Who besides the manager may give commands (`dashboards.admins`, lowercase usernames).
    pub admins: Vec<String>,
    /// Created confidential, and made so once if it is not (`dashboards.confidential`).
    pub confidential: bool,
}

impl Spec {
    /// The stages of the path `key`.
    pub fn path(&self, key: &str) -> Option<&PathStages> {
        self.paths.iter().find(|p| p.key == key)
    }
}

/// The dashboards the roster calls for: one per manager (a roster person with a GitLab username)
/// with reports onboarder onboards, and the team's when the config asks for it.
pub fn specs(
    config: &Config,
    roster: &Roster,
    standing: &BTreeMap<String, Standing>,
    templates: &TemplateSet,
) -> Vec<Spec> {
    let d = &config.dashboards;
    if !d.managers && !d.team {
        return Vec::new();
    }
    let people: BTreeMap<String, &crate::roster::Person> =
        roster.people.iter().map(|p| (p.username.to_lowercase(), p)).collect();
    let onboarded = |u: &str| matches!(standing.get(u), Some(Standing::Active | Standing::Paused));
    let mut by_manager: BTreeMap<String, BTreeMap<String, Report>> = BTreeMap::new();
    let mut everyone = BTreeMap::new();
    for p in roster.people.iter().filter(|p| p.program == crate::roster::Program::Team) {
        let user = p.username.to_lowercase();
        if !onboarded(&user) {
            continue;
        }
        // A manager who left has no dashboard: their reports wait for the roster to name a new one.
        let manager = p
            .manager
            .as_ref()
            .and_then(|m| m.username.as_ref())
            .and_then(|m| people.get(&m.to_lowercase()))
            .filter(|m| m.status != crate::roster::Status::Left);
        let report = Report { name: p.name.clone(), manager: manager.map(|m| m.name.clone()) };
        if let Some(m) = manager {
            by_manager.entry(m.username.clone()).or_default().insert(user.clone(), report.clone());
        }
        everyone.insert(user, report);
    }
    let labels = vec![config.marker_label.clone(), d.label.clone()];
    let paths: Vec<PathStages> = templates
        .templates
        .iter()
        .filter(|t| !t.stages.is_empty())
        .map(|t| PathStages {
            key: t.key.clone(),
            stages: t.stages.iter().map(|s| (s.id.clone(), s.title.clone())).collect(),
            separate: !t.pace || t.audience == Audience::OnRequest,
        })
        .collect();
    let mut out = Vec::new();
    if d.managers {
        for (manager, reports) in by_manager {
            let person = people[&manager.to_lowercase()];
            out.push(Spec {
                key: format!("{MANAGER_PREFIX}{}", manager.to_lowercase()),
                project: d.project.clone(),
                title: title_with(&person.name),
                labels: labels.clone(),
                assignees: vec![manager.clone()],
                known_user_ids: person.gitlab_id.map(|id| (manager.to_lowercase(), id)).into_iter().collect(),
                manager: Some(manager),
                reports,
                paths: paths.clone(),
                admins: d.admins.clone(),
                confidential: d.confidential,
            });
        }
    }
    if d.team && !everyone.is_empty() {
        out.push(Spec {
            key: TEAM_KEY.into(),
            project: d.project.clone(),
            title: "Onboarding dashboard: the whole team".into(),
            labels,
            assignees: Vec::new(),
            known_user_ids: BTreeMap::new(),
            manager: None,
            reports: everyone,
            paths,
            admins: d.admins.clone(),
            confidential: d.confidential,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression (N14): a manager's name over 233 characters passed `check`, and every sync then
    // failed that dashboard (GitLab refused its 256+ character title).
    #[test]
    fn a_dashboard_title_fits_in_gitlabs_limit_whatever_the_name() {
        assert_eq!(title_with("Dana Whitfield"), "Onboarding dashboard: Dana Whitfield");
        for n in [232, 233, 234, 400] {
            let title = title_with(&"x".repeat(n));
            assert!(title.chars().count() <= MAX_TITLE_CHARS, "{n}: {}", title.chars().count());
            assert_eq!(title.ends_with('…'), n > 233, "{n}");
        }
    }
}
