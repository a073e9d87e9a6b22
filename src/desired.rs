//! What every person's issues should be today: templates chosen, stage reached, items checked.
//! Pure apart from its inputs: no IO, no clock (today is passed in).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::calendar::{self, Calendar};
use crate::checklist::{Mark, StagedItem};
use crate::config::Config;
use crate::error::{InputError, InputErrors, Location};
use crate::roster::{Person, Program, Role, Roster, Status};
use crate::template::{
    Assignee, Audience, BodyDigest, BodyLine, BuddyContext, ContactContext, ItemRef, PersonContext, SpecialtyContext,
    Template, TemplateContext, TemplateInfo, TemplateSet, MAX_DESCRIPTION_BYTES,
};
use crate::training::Evidence;

/// A path's schedule for one person: its stage weeks, the stage the manager states (a floor),
/// when it began and how many days it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub weeks: Vec<u32>,
    pub stated: Option<usize>,
    pub start: NaiveDate,
    pub due_days: Option<u32>,
    /// The template's `pace`: false for a path with no timeline (never behind or overdue).
    pub paced: bool,
}

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
    /// Items checked by the roster alone, and all items: 0 until the body is rendered (with
    /// `Bodies::Later`, by the planner: `plan::issue::with_body`). Bodies are not kept: holding
    /// every body at once would cost ~20 KB a person.
    pub checked: usize,
    pub total: usize,
    /// Index of the person in the roster, for rendering the body again.
    pub person: usize,
    /// The path's stage weeks, the manager's stated stage, start and due days.
    pub path: Path,
    /// Since when the pace clock runs, and the leave that stops it.
    pub calendar: Calendar,
    /// On open-ended leave (`status: paused`).
    pub paused: bool,
    /// Every stage id and title of the template, in order.
    pub stage_ids: Vec<String>,
    pub stage_titles: Vec<String>,
    /// The marker label and the template's labels.
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    /// The person's GitLab user id, when the roster gives it.
    pub user_id: Option<u64>,
    /// The manager's username, when known.
    pub manager: Option<String>,
    /// GitLab user ids the roster already gives, by lowercase username.
    pub known_user_ids: BTreeMap<String, u64>,
    pub due_date: Option<NaiveDate>,
    /// Who a stage note mentions: the person and their buddy.
    pub notify: Vec<String>,
}

impl DesiredIssue {
    /// The stage at `index`, as the report and labels show it.
    pub fn stage(&self, index: usize) -> Option<StageRef> {
        Some(StageRef { index, id: self.stage_ids.get(index)?.clone(), title: self.stage_titles.get(index)?.clone() })
    }
}

/// A rendered body and the mark each item should have by the roster alone (before any person's change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The lines, and each item's roster mark by id: empty unless asked for (`Want::Lines`).
    pub lines: Vec<BodyLine>,
    pub marks: BTreeMap<String, Mark>,
    /// Each item's stage, roster mark and weight, in order: what progress is judged on.
    pub staged: Vec<StagedItem>,
}

/// How much of a body a caller needs: the stages and marks in order (to count and judge a new
/// issue), or the lines and marks by id too (to write or compare a description). Copying the
/// text into lines is most of the cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Marks,
    Lines,
}

/// Renders a desired issue's body again, from the same inputs `compute` used.
pub struct Renderer<'a> {
    pub config: &'a Config,
    pub roster: &'a Roster,
    pub templates: &'a TemplateSet,
    pub today: NaiveDate,
    /// The module issues read for this run: a closed one ticks its module's item, and every
    /// module item links to its issue or to open one.
    pub evidence: &'a Evidence,
    /// Bodies rendered so far: a run renders each issue's body once to plan it (`-v` says so).
    pub rendered: std::sync::atomic::AtomicUsize,
    /// Each template's body as a digest (`inputs_digest`).
    pub digests: BTreeMap<String, BodyDigest>,
}

impl<'a> Renderer<'a> {
    pub fn new(
        config: &'a Config,
        roster: &'a Roster,
        templates: &'a TemplateSet,
        today: NaiveDate,
        evidence: &'a Evidence,
    ) -> Renderer<'a> {
        let digests = templates.body_digests();
        Renderer { config, roster, templates, today, evidence, rendered: Default::default(), digests }
    }

    /// A digest of everything the body of `d` showing `due` is rendered from: the template and
    /// its partials, the person's template context, the title, the roster's ticks and the module
    /// issues its items name. Equal digests, equal bodies: a later run that finds the digest
    /// recorded in the issue need not render it (see `plan::memo`).
    pub fn inputs_digest(&self, d: &DesiredIssue, due: Option<NaiveDate>) -> Option<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let (p, t, body) =
            (self.roster.people.get(d.person)?, self.templates.get(&d.template)?, self.digests.get(&d.template)?);
        let mut h = Sha256::new();
        h.update(body.digest);
        h.update(serde_json::to_vec(&context(p, t, due)).ok()?);
        h.update(d.title.as_bytes());
        h.update(format!("\0{:?}", calendar_floor(self.config, &d.path, &d.calendar, self.today)).as_bytes());
        for m in &body.modules {
            h.update(m.as_bytes());
            h.update([0, u8::from(p.modules.contains(m))]);
            self.evidence.fingerprint(&p.username, m, &mut |part| h.update(part));
        }
        Some(h.finalize().into())
    }
    /// The body of `d`, lines and all.
    pub fn body(&self, d: &DesiredIssue) -> Result<Body, InputError> {
        self.body_with_due(d, d.due_date, Want::Lines)
    }

    /// The body of `d` showing `due` as its due date (pauses recorded in the issue move it).
    pub fn body_with_due(&self, d: &DesiredIssue, due: Option<NaiveDate>, want: Want) -> Result<Body, InputError> {
        let (p, t) = match (self.roster.people.get(d.person), self.templates.get(&d.template)) {
            (Some(p), Some(t)) => (p, t),
            _ => return Err(InputError::new(crate::error::Location::file_start(&self.config.file), "inputs changed")),
        };
        self.rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The title is the one planning rendered: the issue shows it whatever the due date.
        let rendered = self.templates.render_body(t, &context(p, t, due), &d.title)?;
        let items = rendered.items(t);
        fits(t, &p.username, &rendered, &items)?;
        let floor = calendar_floor(self.config, &d.path, &d.calendar, self.today);
        let module = |m: &str| self.evidence.module(&p.username, m);
        let done = |i: &ItemRef| roster_checks(i, floor, p) || i.module.is_some_and(|m| module(m).done());
        let mark = |i: &ItemRef| if done(i) { Mark::Done } else { Mark::Open };
        let staged = items.iter().map(|i| StagedItem { stage: i.stage, mark: mark(i), optional: i.optional }).collect();
        let (lines, marks) = match want {
            Want::Lines => {
                let mut lines = rendered.body(t);
                link_modules(&mut lines, |m| module(m).suffix(p.modules.contains(m)));
                (lines, items.iter().map(|i| (i.id.to_string(), mark(i))).collect())
            }
            Want::Marks => (Vec::new(), BTreeMap::new()),
        };
        Ok(Body { lines, marks, staged })
    }
}

/// Each module item gets a link after its text: to its issue, or to open one (`training`).
fn link_modules(lines: &mut [BodyLine], suffix: impl Fn(&str) -> Option<String>) {
    for line in lines {
        if let BodyLine::Item(i) = line {
            if let Some(s) = i.module.as_deref().and_then(&suffix) {
                i.text.push_str(&s);
            }
        }
    }
}

/// A rendered description GitLab would refuse is the template's error, found before any write.
fn fits(
    t: &Template,
    username: &str,
    rendered: &crate::template::Rendered,
    items: &[ItemRef],
) -> Result<(), InputError> {
    // The body, each id again in the state block, and the markers.
    let size = rendered.text.len() + items.iter().map(|i| i.id.len() + 8).sum::<usize>() + 512;
    if size > MAX_DESCRIPTION_BYTES {
        return Err(InputError::new(
            crate::error::Location::file_start(&t.file),
            format!(
                "{:?} renders a description of {size} bytes for {}; GitLab takes at most {MAX_DESCRIPTION_BYTES}",
                t.key, username
            ),
        ));
    }
    Ok(())
}

/// When bodies are rendered. `check` renders every one at once to validate it; `plan` and `sync`
/// leave each to the planner, which renders it once, where it creates or compares the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    Now,
    Later,
}

/// The stage before which the calendar ticks every item, when the config asks for it (as
/// version 1 did). A manager's stated stage ticks nothing: it sets the stage and the pace, and
/// the checklist stays what the person did.
fn calendar_floor(config: &Config, path: &Path, calendar: &Calendar, today: NaiveDate) -> Option<usize> {
    config
        .progress
        .calendar_ticks
        .then(|| calendar::expected_stage(&path.weeks, calendar.working_days(today)))
        .flatten()
}

/// Items of stages before the floor and of completed modules are checked; the rest are the person's.
fn roster_checks(i: &ItemRef, floor: Option<usize>, p: &Person) -> bool {
    floor.is_some_and(|r| i.stage < r) || i.module.is_some_and(|m| p.modules.contains(m))
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
    /// Where roster entries are whose person is unknown (the file does not parse), and roster
    /// listings that may be missing people: while there are any, nobody missing from the roster
    /// is taken for gone.
    pub unidentified: Vec<Location>,
    /// The roster listings that may be missing people (`Roster::incomplete`): each fails the run.
    pub incomplete: Vec<InputError>,
}

/// The key of a person's issue for a template.
pub fn issue_key(template: &str, username: &str) -> String {
    format!("{template}:{}", username.to_lowercase())
}

/// The username part of an issue key.
pub fn key_username(key: &str) -> &str {
    key.rsplit_once(':').map_or(key, |(_, u)| u)
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
            specialty: SpecialtyContext::of(|s| p.specialties.contains(&s)),
        },
        manager: p.manager.as_ref().map(|m| ContactContext { name: m.name.clone(), username: m.username.clone() }),
        buddy: p.buddy.as_ref().map(|b| BuddyContext { username: b.clone() }),
        // The title is rendered first and filled in before the body is.
        template: TemplateInfo { key: t.key.clone(), title: String::new() },
        due_date: due.map(|d| d.to_string()),
    }
}

/// Compute every desired issue. `selected` limits the work to some usernames (`--only`, shards).
/// With `Bodies::Later` the bodies are left to the planner: `checked`, `total` and the items'
/// part of `assessment` are then filled in from the body where the issue is planned.
pub fn compute(
    config: &Config,
    roster: &Roster,
    (templates, bodies): (&TemplateSet, Bodies),
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
    // Someone missing from a listing read in part may only be on a page never read.
    desired.unidentified.extend(roster.incomplete.iter().map(|e| e.at.clone()));
    desired.incomplete = roster.incomplete.clone();
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
                match desired_issue(config, (index, p), t, (templates, bodies), today, &ids) {
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
    (templates, bodies): (&TemplateSet, Bodies),
    today: NaiveDate,
    ids: &BTreeMap<String, u64>,
) -> Result<DesiredIssue, InputError> {
    let stated = p.stage.as_ref().and_then(|s| t.stage_index(&s.value));
    let path = Path {
        weeks: t.stages.iter().map(|s| s.week).collect(),
        stated,
        start: p.start_date,
        due_days: t.due_days,
        paced: t.pace,
    };
    let calendar = Calendar { leave: p.leave.clone(), ..Calendar::new(p.since) };
    let paused = p.status == Status::Paused;
    let due_date = calendar::due_date(path.start, path.due_days, &calendar);
    let ctx = context(p, t, due_date);
    let (title, rendered) = match bodies {
        Bodies::Now => {
            let r = templates.render_for(t, &ctx, &p.at)?;
            (r.title.clone(), Some(r))
        }
        Bodies::Later => (templates.render_title_for(t, &ctx, &p.at)?, None),
    };
    let items = match &rendered {
        Some(r) => {
            let items = r.items(t);
            fits(t, &p.username, r, &items)?;
            items
        }
        None => Vec::new(),
    };
    let floor = calendar_floor(config, &path, &calendar, today);
    let marks: Vec<(usize, Mark)> =
        items.iter().map(|i| (i.stage, if roster_checks(i, floor, p) { Mark::Done } else { Mark::Open })).collect();
    let checked = marks.iter().filter(|(_, m)| *m == Mark::Done).count();
    let total = items.len();
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
        title,
        checked,
        total,
        person: index,
        path,
        calendar,
        paused,
        stage_ids: t.stages.iter().map(|s| s.id.clone()).collect(),
        stage_titles: t.stages.iter().map(|s| s.title.clone()).collect(),
        labels,
        assignees,
        user_id: p.gitlab_id,
        manager: p.manager.as_ref().and_then(|m| m.username.clone()),
        known_user_ids,
        due_date,
        notify,
    })
}

/// Item ids must be unique in what a template renders, partials included (a person's tick is
/// kept by id).
fn unique_ids(t: &Template, r: &crate::template::Rendered) -> Result<(), InputError> {
    let mut seen = BTreeSet::new();
    match r.items(t).into_iter().find(|i| !seen.insert(i.id)) {
        Some(dup) => Err(InputError::new(
            crate::error::Location::file_start(&t.file),
            format!("item id {:?} appears twice in what {:?} renders (check its partials)", dup.id, t.key),
        )),
        None => Ok(()),
    }
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
                for (with_contacts, specialty) in [
                    (true, SpecialtyContext::default()),
                    (false, SpecialtyContext::default()),
                    (true, SpecialtyContext::of(|_| true)),
                ] {
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
                            specialty,
                        },
                        manager: with_contacts.then(|| ContactContext {
                            name: Some("Sample Manager".into()),
                            username: Some("sample-manager".into()),
                        }),
                        buddy: (with_contacts && !shadow).then(|| BuddyContext { username: "sample-buddy".into() }),
                        template: TemplateInfo { key: t.key.clone(), title: String::new() },
                        due_date: t.due_days.map(|_| "2026-04-05".to_string()),
                    };
                    // A body GitLab would refuse is found here too, before any request.
                    let result = templates
                        .render(t, &ctx)
                        .and_then(|r| fits(t, &ctx.person.username, &r, &r.items(t)).map(|()| r))
                        .and_then(|r| unique_ids(t, &r));
                    if let Err(e) = result {
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
