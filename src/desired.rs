//! What every person's issues should be today: templates chosen, stage reached, items checked.
//! Pure apart from its inputs: no IO, no clock (today is passed in).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};

use crate::checklist::Mark;
use crate::config::Config;
use crate::error::{InputError, InputErrors, Location};
use crate::roster::{Person, Program, Role, Roster, Status};
use crate::template::{
    Assignee, Audience, BodyLine, BuddyContext, ContactContext, ItemRef, PersonContext, Template, TemplateContext,
    TemplateInfo, TemplateSet, MAX_DESCRIPTION_BYTES,
};

/// The stage a person has reached in one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    pub index: usize,
    pub id: String,
    pub title: String,
}

/// The issue one person should have for one template.
#[derive(Debug, Clone)]
pub struct DesiredIssue {
    /// `template:username`: how an issue is matched to its person, whatever its title.
    pub key: String,
    pub username: String,
    pub template: String,
    pub project: String,
    pub title: String,
    /// Items checked by the roster alone, and all items. The body itself is rendered again when
    /// needed (`Renderer`): holding every body at once would cost ~20 KB a person.
    pub checked: usize,
    pub total: usize,
    /// Index of the person in the roster, for rendering the body again.
    pub person: usize,
    pub stage: Option<StageRef>,
    /// Every stage id of the template, in order (to tell forward from back).
    pub stage_ids: Vec<String>,
    /// The marker label and the template's labels.
    pub labels: Vec<String>,
    pub stage_label: Option<String>,
    pub assignees: Vec<String>,
    /// GitLab user ids the roster already gives, by lowercase username.
    pub known_user_ids: BTreeMap<String, u64>,
    pub due_date: Option<NaiveDate>,
    /// Who a stage note mentions: the person and their buddy.
    pub notify: Vec<String>,
}

/// A rendered body and the mark each item should have by the roster alone (before any person's change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub lines: Vec<BodyLine>,
    pub marks: BTreeMap<String, Mark>,
}

/// Renders a desired issue's body again, from the same inputs `compute` used.
pub struct Renderer<'a> {
    pub config: &'a Config,
    pub roster: &'a Roster,
    pub templates: &'a TemplateSet,
    pub today: NaiveDate,
}

impl Renderer<'_> {
    /// The body of `d`. Rendering is deterministic, so this fails only if `compute` failed too.
    pub fn body(&self, d: &DesiredIssue) -> Result<Body, InputError> {
        let (p, t) = match (self.roster.people.get(d.person), self.templates.get(&d.template)) {
            (Some(p), Some(t)) => (p, t),
            _ => return Err(InputError::new(crate::error::Location::file_start(&self.config.file), "inputs changed")),
        };
        let due_date = t.due_days.and_then(|n| p.start_date.checked_add_days(Days::new(u64::from(n))));
        let rendered = self.templates.render(t, &context(p, t, due_date))?;
        let reached = stage_reached(t, p, self.today);
        let marks = rendered
            .items(t)
            .iter()
            .map(|i| (i.id.to_string(), if roster_checks(i, reached, p) { Mark::Done } else { Mark::Open }))
            .collect();
        Ok(Body { lines: rendered.body(t), marks })
    }
}

/// Items of passed stages and of completed modules are checked; the rest are the person's.
fn roster_checks(i: &ItemRef, reached: Option<usize>, p: &Person) -> bool {
    reached.is_some_and(|r| i.stage < r) || i.module.is_some_and(|m| p.modules.contains(m))
}

/// What onboarder should do about a person overall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Active,
    /// Leave every issue of theirs as it is.
    Paused,
    /// Close their issues, with this reason in the note.
    Closing(String),
    /// Not someone onboarder onboards (a veteran): their issues are left alone.
    OutOfScope,
}

/// Everyone's desired issues, and how each username stands.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub issues: Vec<DesiredIssue>,
    /// By lowercase username.
    pub standing: BTreeMap<String, Standing>,
    /// People whose roster entry has errors, by lowercase username: nothing is done for them
    /// and their issues are left as they are.
    pub failed: BTreeMap<String, Vec<InputError>>,
    /// Where roster entries are whose person is unknown (the file does not parse): while there
    /// are any, nobody missing from the roster is taken for gone.
    pub unidentified: Vec<Location>,
}

/// The key of a person's issue for a template.
pub fn issue_key(template: &str, username: &str) -> String {
    format!("{template}:{}", username.to_lowercase())
}

/// The username part of an issue key.
pub fn key_username(key: &str) -> &str {
    key.rsplit_once(':').map_or(key, |(_, u)| u)
}

/// The stage reached on `today`: the override if this template has it, else the last stage whose
/// week has begun since `since` (the start date, or when the paths were given). Before the start date there is none.
pub fn stage_reached(t: &Template, person: &Person, today: NaiveDate) -> Option<usize> {
    if let Some(i) = person.stage.as_ref().and_then(|s| t.stage_index(&s.value)) {
        return Some(i);
    }
    let days = (today - person.since).num_days();
    if days < 0 {
        return None;
    }
    t.stages.iter().rposition(|s| i64::from(s.week.saturating_sub(1)) * 7 <= days)
}

fn standing(config: &Config, p: &Person, today: NaiveDate) -> Standing {
    match (p.status, p.program) {
        (Status::Left, Program::Shadow) => Standing::Closing("the shadow program participant left".into()),
        (Status::Left, Program::Team) => Standing::Closing("this person has left the team".into()),
        (Status::Paused, _) => Standing::Paused,
        (Status::Active, Program::Shadow) => match p.end_date {
            Some(end) if end < today => Standing::Closing(format!("the shadow program ended on {end}")),
            _ => Standing::Active,
        },
        (Status::Active, Program::Team) => {
            let new_hire = config.started_after.is_none_or(|d| p.start_date >= d);
            if new_hire || p.paths.is_some() {
                Standing::Active
            } else {
                Standing::OutOfScope
            }
        }
    }
}

/// The templates a person gets, or input errors naming the roster line at fault.
fn templates_for<'t>(set: &'t TemplateSet, p: &Person, errors: &mut InputErrors) -> Vec<&'t Template> {
    if let Some(paths) = &p.paths {
        let mut chosen = Vec::new();
        for path in paths {
            match set.get(&path.value) {
                Some(t) if t.audience == Audience::Shadow && p.program == Program::Team => {
                    errors.push(InputError::new(
                        path.at.clone(),
                        format!("path {:?} is the shadow program's, not a team member's", path.value),
                    ))
                }
                Some(t) => chosen.push(t),
                None => {
                    let known: Vec<_> = set.templates.iter().map(|t| t.key.as_str()).collect();
                    errors.push(InputError::new(
                        path.at.clone(),
                        format!("unknown template key {:?} in paths (known: {})", path.value, known.join(", ")),
                    ));
                }
            }
        }
        return chosen;
    }
    match p.program {
        Program::Shadow => set.templates.iter().filter(|t| t.audience == Audience::Shadow).collect(),
        Program::Team => {
            let Some(role) = p.role else {
                errors.push(InputError::new(
                    p.title_at.clone(),
                    format!("title {:?} names no Support role; set onboarding.role (csr, associate, engineer, senior, staff or manager)", p.title),
                ));
                return Vec::new();
            };
            set.templates.iter().filter(|t| matches!(&t.audience, Audience::Roles(r) if r.contains(&role))).collect()
        }
    }
}

fn context(p: &Person, t: &Template, due: Option<NaiveDate>) -> TemplateContext {
    TemplateContext {
        person: PersonContext {
            name: p.name.clone(),
            username: p.username.clone(),
            title: p.title.clone(),
            role: p.role.map(|r| r.id().to_string()),
            region: p.region.map(|r| r.name().to_string()),
            region_group: p.region.map(|r| r.group().to_string()),
            start_date: p.start_date.to_string(),
            end_date: p.end_date.map(|d| d.to_string()),
            department: p.department.clone(),
        },
        manager: p.manager.as_ref().map(|m| ContactContext { name: m.name.clone(), username: m.username.clone() }),
        buddy: p.buddy.as_ref().map(|b| BuddyContext { username: b.clone() }),
        // The title is rendered first and filled in before the body is.
        template: TemplateInfo { key: t.key.clone(), title: String::new() },
        due_date: due.map(|d| d.to_string()),
    }
}

/// Compute every desired issue. `selected` limits the work to some usernames (`--only`, shards).
pub fn compute(
    config: &Config,
    roster: &Roster,
    templates: &TemplateSet,
    today: NaiveDate,
    selected: &dyn Fn(&str) -> bool,
) -> Result<Desired, InputErrors> {
    // Errors placed in a template stop everything; errors placed in a person's own roster entry
    // fail that person only.
    let mut errors = InputErrors::default();
    let mut desired = Desired::default();
    for r in &roster.rejected {
        desired.failed.entry(r.username.clone()).or_default().extend(r.errors.iter().cloned());
        if !r.identified {
            desired.unidentified.extend(r.errors.first().map(|e| e.at.clone()));
        }
    }
    let ids: BTreeMap<String, u64> =
        roster.people.iter().filter_map(|p| p.gitlab_id.map(|id| (p.username.to_lowercase(), id))).collect();
    for (index, p) in roster.people.iter().enumerate() {
        let mut mine = InputErrors::default();
        let standing = standing(config, p, today);
        let chosen = if standing == Standing::OutOfScope { Vec::new() } else { templates_for(templates, p, &mut mine) };
        if let Some(stage) = &p.stage {
            if standing != Standing::OutOfScope && !chosen.iter().any(|t| t.stage_index(&stage.value).is_some()) {
                let known: BTreeSet<&str> =
                    chosen.iter().flat_map(|t| t.stages.iter().map(|s| s.id.as_str())).collect();
                mine.push(InputError::new(
                    stage.at.clone(),
                    format!(
                        "unknown stage {:?} (stages of this person's paths: {})",
                        stage.value,
                        known.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        desired.standing.insert(p.username.to_lowercase(), standing.clone());
        let renders = matches!(standing, Standing::Active | Standing::Paused);
        let mut issues = Vec::new();
        if renders && selected(&p.username) {
            for t in chosen {
                match desired_issue(config, (index, p), t, templates, today, &ids) {
                    Ok(d) => issues.push(d),
                    Err(e) => mine.push(e),
                }
            }
        }
        let (own, template): (Vec<InputError>, Vec<InputError>) =
            mine.0.into_iter().partition(|e| e.at.file == p.at.file);
        errors.0.extend(template);
        if own.is_empty() {
            desired.issues.extend(issues);
        } else {
            desired.failed.entry(p.username.to_lowercase()).or_default().extend(own);
        }
    }
    // A valid entry does not outweigh a broken one for the same username: which is meant is
    // for a person to say.
    let failed = &desired.failed;
    desired.issues.retain(|d| !failed.contains_key(&d.username.to_lowercase()));
    if !errors.is_empty() {
        // `check` lists every problem at once, the people's too.
        errors.0.extend(desired.failed.values().flatten().cloned());
        return Err(errors);
    }
    Ok(desired)
}

fn desired_issue(
    config: &Config,
    (index, p): (usize, &Person),
    t: &Template,
    templates: &TemplateSet,
    today: NaiveDate,
    ids: &BTreeMap<String, u64>,
) -> Result<DesiredIssue, InputError> {
    let due_date = t.due_days.and_then(|d| p.start_date.checked_add_days(Days::new(u64::from(d))));
    let rendered = templates.render(t, &context(p, t, due_date))?;
    let items = rendered.items(t);
    // The body, each id again in the state block, and the markers.
    let size = rendered.text.len() + items.iter().map(|i| i.id.len() + 8).sum::<usize>() + 512;
    if size > MAX_DESCRIPTION_BYTES {
        return Err(InputError::new(
            crate::error::Location::file_start(&t.file),
            format!(
                "{:?} renders a description of {size} bytes for {}; GitLab takes at most {MAX_DESCRIPTION_BYTES}",
                t.key, p.username
            ),
        ));
    }
    let reached = stage_reached(t, p, today);
    let checked = items.iter().filter(|i| roster_checks(i, reached, p)).count();
    let total = items.len();
    let stage = reached.map(|i| StageRef { index: i, id: t.stages[i].id.clone(), title: t.stages[i].title.clone() });
    let project = match (&t.project, p.program, &config.shadow) {
        (Some(project), _, _) => project.clone(),
        (None, Program::Shadow, Some(shadow)) => shadow.project.clone(),
        (None, _, _) => config.gitlab.project.clone(),
    };
    let mut labels = vec![config.marker_label.clone()];
    labels.extend(t.labels.iter().filter(|l| **l != config.marker_label).cloned());
    let mut assignees: Vec<String> = Vec::new();
    for a in &t.assign {
        let who = match a {
            Assignee::Person => Some(p.username.clone()),
            Assignee::Buddy => p.buddy.clone(),
            Assignee::Manager => p.manager.as_ref().and_then(|m| m.username.clone()),
        };
        if let Some(u) = who {
            if !assignees.iter().any(|x| x.eq_ignore_ascii_case(&u)) {
                assignees.push(u);
            }
        }
    }
    let known_user_ids =
        assignees.iter().filter_map(|u| ids.get(&u.to_lowercase()).map(|id| (u.to_lowercase(), *id))).collect();
    let mut notify = vec![p.username.clone()];
    notify.extend(p.buddy.clone());
    Ok(DesiredIssue {
        key: issue_key(&t.key, &p.username),
        username: p.username.clone(),
        template: t.key.clone(),
        project,
        title: rendered.title,
        checked,
        total,
        person: index,
        stage_label: stage.as_ref().map(|s| format!("{}::{}", config.stage_label_prefix, s.id)),
        stage,
        stage_ids: t.stages.iter().map(|s| s.id.clone()).collect(),
        labels,
        assignees,
        known_user_ids,
        due_date,
        notify,
    })
}

/// Render every template for sample people of each role, region and with or without a buddy
/// and manager, so `check` finds an undefined variable in a branch no one in today's roster
/// reaches (a promotion path nobody has yet, an APAC-only section in an EMEA team).
pub fn rehearse(templates: &TemplateSet) -> InputErrors {
    let mut errors = InputErrors::default();
    for t in &templates.templates {
        let roles: Vec<Option<Role>> = match &t.audience {
            Audience::Roles(r) => r.iter().copied().map(Some).collect(),
            Audience::Shadow => vec![None],
            Audience::OnRequest => Role::ALL.iter().copied().map(Some).collect(),
        };
        for role in roles {
            for (region, group) in [("AMER-W", "AMER"), ("APAC", "APAC"), ("EMEA", "EMEA")] {
                for with_contacts in [true, false] {
                    let shadow = t.audience == Audience::Shadow;
                    let ctx = TemplateContext {
                        person: PersonContext {
                            name: "Sample Person".into(),
                            username: "sample-person".into(),
                            title: role.map_or(String::new(), |r| r.id().to_string()),
                            role: role.map(|r| r.id().to_string()),
                            region: (!shadow).then(|| region.to_string()),
                            region_group: (!shadow).then(|| group.to_string()),
                            start_date: "2026-01-05".into(),
                            end_date: shadow.then(|| "2026-01-16".to_string()),
                            department: if shadow { "Sales".into() } else { "Support".into() },
                        },
                        manager: with_contacts.then(|| ContactContext {
                            name: Some("Sample Manager".into()),
                            username: Some("sample-manager".into()),
                        }),
                        buddy: (with_contacts && !shadow).then(|| BuddyContext { username: "sample-buddy".into() }),
                        template: TemplateInfo { key: t.key.clone(), title: String::new() },
                        due_date: t.due_days.map(|_| "2026-04-05".to_string()),
                    };
                    if let Err(e) = templates.render(t, &ctx) {
                        if !errors.0.iter().any(|x| x.at == e.at && x.message == e.message) {
                            errors.push(e);
                        }
                    }
                }
            }
        }
    }
    errors
}
