//! Learning-path templates: YAML front matter plus a handlebars Markdown body, rendered strictly.
//!
//! Loading checks everything that can be checked before meeting a person (front matter, stage
//! headings, item ids, handlebars syntax); rendering reports undefined variables at their place.
//! `context` holds the values templates use, `body` what a rendering is made of.

mod body;
mod context;
mod digest;
mod guard;
mod modules;
mod source;
mod words;

pub use body::{write_body, BodyItem, BodyLine, ItemRef, Rendered};
pub use context::{BuddyContext, ContactContext, PersonContext, SpecialtyContext, TemplateContext, TemplateInfo};
pub use digest::BodyDigest;
pub use words::{CommentContext, Say, StageWords};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::checklist::{is_valid_id, parse_task_line, Fences};
use crate::error::{InputError, InputErrors, Location};
use crate::escape::inert;
use crate::input::parse_yaml;
use crate::input::{files_in, read_text};
use crate::roster::{is_valid_username, Role};
use guard::Origin;
use source::{check_body, split_front_matter};

/// GitLab's limits on what an issue may hold.
pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_DESCRIPTION_BYTES: usize = 1_000_000;

/// A learning path longer than ten years is a typo.
const MAX_WEEKS: u32 = 520;
const MAX_DUE_DAYS: u32 = 3650;

/// One stage of a learning path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: String,
    pub title: String,
    /// The stage starts in this week after the start date (week 1 is days 0-6).
    pub week: u32,
}

/// Who a template is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Team members with one of these roles, unless their roster entry names paths.
    Roles(Vec<Role>),
    /// Shadow-program participants.
    Shadow,
    /// Only people whose `onboarding.paths` names it (promotion paths).
    OnRequest,
}

/// Who gets assigned to the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Person,
    Buddy,
    Manager,
}

/// A loaded, checked template.
#[derive(Debug, Clone)]
pub struct Template {
    pub key: String,
    pub file: Arc<Path>,
    pub project: Option<String>,
    pub labels: Vec<String>,
    pub audience: Audience,
    pub assign: Vec<Assignee>,
    pub due_days: Option<u32>,
    /// `pace: false`: the path has no timeline (a promotion, a manager's path): never behind or
    /// overdue, no nudges; stage notes still.
    pub pace: bool,
    /// `confidential: true`: its issues are created confidential.
    pub confidential: bool,
    pub stages: Vec<Stage>,
    title_at: Location,
    body_line_offset: usize,
}

impl Template {
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }
}

/// All templates of a run, compiled once.
pub struct TemplateSet {
    pub templates: Vec<Template>,
    registry: Handlebars<'static>,
    /// Where each registered template and partial came from, for the guard's messages.
    origins: BTreeMap<String, Origin>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    id: Spanned<String>,
    title: Spanned<String>,
    week: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFront {
    key: Spanned<String>,
    title: Spanned<String>,
    project: Option<Spanned<String>>,
    #[serde(default)]
    labels: Vec<Spanned<String>>,
    roles: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    shadow_program: bool,
    #[serde(default)]
    assign: Vec<Spanned<String>>,
    due_days: Option<Spanned<u32>>,
    #[serde(default = "yes")]
    pace: bool,
    #[serde(default)]
    confidential: bool,
    stages: Vec<RawStage>,
    /// What the template states that the handbook does not (week numbers, wording): the team's
    /// choices, listed so a reader can tell them from the handbook's.
    #[serde(default)]
    #[allow(dead_code)]
    team_choices: Vec<String>,
}

fn yes() -> bool {
    true
}

/// `{{mention username}}`: the one way a template may notify someone, for a valid username only.
fn mention_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h.param(0).map(|p| p.value().clone()).unwrap_or_default();
    let username = value.as_str().unwrap_or_default();
    if !is_valid_username(username) || username.eq_ignore_ascii_case("all") {
        return Err(RenderErrorReason::Other(format!("mention needs a GitLab username, got {value}")).into());
    }
    out.write("@")?;
    out.write(username)?;
    Ok(())
}

fn new_registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(inert);
    hb.register_helper("mention", Box::new(mention_helper));
    words::register_defaults(&mut hb);
    hb
}

impl TemplateSet {
    /// Load every `*.md` template in `dir`; problems are collected into `errors`.
    pub fn load(dir: &Arc<Path>, errors: &mut InputErrors) -> TemplateSet {
        let mut set = TemplateSet::empty(dir);
        let files = files_in(dir, &["md"], errors);
        for file in files {
            let partial = file.file_stem().and_then(|s| s.to_str()).is_some_and(|s| s.starts_with('_'));
            match read_text(&file) {
                Ok(source) if partial => set.add_partial(&file, &source, errors),
                Ok(source) => {
                    if let Some(t) = set.add(&file, &source, errors) {
                        set.templates.push(t);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if set.templates.is_empty() && errors.is_empty() {
            errors.push(InputError::new(Location::file_start(dir), "no templates (*.md) in the templates directory"));
        }
        // Last: every template and partial must be registered (`register`) before the guard walks them.
        errors.0.extend(guard::check(&set.registry, &set.origins, &Location::file_start(dir)).0);
        errors.0.extend(set.check_words().0);
        set
    }

    /// No templates yet: the helpers and the built-in comment words only.
    pub fn empty(dir: &Arc<Path>) -> TemplateSet {
        let origins = words::default_origins(dir).into_iter().collect();
        TemplateSet { templates: Vec::new(), registry: new_registry(), origins }
    }

    /// A shared part (`_name.md`, used as `{{> name}}`): Markdown and handlebars without front
    /// matter or stage headings, its items placed in the stage of the template that includes it.
    /// Every item needs an explicit id, so a part reads the same in every path.
    fn add_partial(&mut self, file: &Arc<Path>, source: &str, errors: &mut InputErrors) {
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().trim_start_matches('_').to_string();
        let err = |errors: &mut InputErrors, line: usize, col: usize, m: String| {
            errors.push(InputError::new(Location::new(file, line, col), m).with_source(source));
        };
        if !is_valid_id(&name) {
            err(
                errors,
                1,
                1,
                format!("partial name {name:?} (from the file name) must be lowercase words joined by dashes"),
            );
        }
        let mut fences = Fences::default();
        for (i, line) in source.lines().enumerate() {
            if fences.in_code(line) {
                continue;
            }
            if line.starts_with("## ") || line.starts_with("# ") || line.starts_with("---") && i == 0 {
                err(
                    errors,
                    i + 1,
                    1,
                    "a partial holds items and text for a stage, not front matter or stage headings".into(),
                );
            }
            if let Some(task) = parse_task_line(line) {
                match task.id {
                    Some(id) if is_valid_id(id) => {}
                    _ => err(errors, i + 1, 1, "every item of a partial needs an explicit <!-- id: ... -->".into()),
                }
            }
        }
        let origin = Origin { file: Arc::clone(file), line_offset: 0, text: source.to_string(), fixed: None };
        if let Err(e) = self.register(&name, origin) {
            errors.push(e.with_source(source));
        }
    }

    /// Register a template or partial under `name` and remember where its text came from, so the
    /// guard can place its findings. `line_offset` is the number of file lines before `text`.
    pub fn register(&mut self, name: &str, origin: Origin) -> Result<(), InputError> {
        match self.registry.register_template_string(name, &origin.text) {
            Ok(()) => {
                self.origins.insert(name.to_string(), origin);
                Ok(())
            }
            Err(e) => {
                let (line, col) = e.pos().unwrap_or((1, 1));
                let at =
                    origin.fixed.clone().unwrap_or_else(|| Location::new(&origin.file, origin.line_offset + line, col));
                let what = if origin.fixed.is_some() { "title template" } else { "template" };
                Err(InputError::new(at, format!("{what} syntax error: {}", e.reason())))
            }
        }
    }

    /// Parse, check and compile one template file.
    fn add(&mut self, file: &Arc<Path>, source: &str, errors: &mut InputErrors) -> Option<Template> {
        let before = errors.0.len();
        let err =
            |errors: &mut InputErrors, at: Location, m: String| errors.push(InputError::new(at, m).with_source(source));
        let Some((front, body, body_line_offset)) = split_front_matter(source) else {
            err(
                errors,
                Location::file_start(file),
                "template must start with a YAML front matter block between --- lines".into(),
            );
            return None;
        };
        let raw: RawFront = match parse_yaml(file, front, 1) {
            Ok(r) => r,
            Err(e) => {
                errors.push(InputError {
                    source_line: InputError::new(e.at.clone(), "").with_source(source).source_line,
                    ..e
                });
                return None;
            }
        };
        let loc = |s: &serde_saphyr::Location| Location::from_yaml(file, 1, s);

        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if !is_valid_id(&raw.key.value) || raw.key.value != stem {
            err(
                errors,
                loc(&raw.key.referenced),
                format!(
                    "template key {:?} must be lowercase words joined by dashes and equal the file name {stem:?}",
                    raw.key.value
                ),
            );
        }
        if self.templates.iter().any(|t| t.key == raw.key.value) {
            err(errors, loc(&raw.key.referenced), format!("template key {:?} is used twice", raw.key.value));
        }
        let audience = match (&raw.roles, raw.shadow_program) {
            (Some(_), true) => {
                err(
                    errors,
                    loc(&raw.key.referenced),
                    "a template applies either to roles or to the shadow program, not both".into(),
                );
                Audience::OnRequest
            }
            (Some(roles), false) => Audience::Roles(
                roles
                    .iter()
                    .filter_map(|r| match Role::from_id(&r.value) {
                        Some(role) => Some(role),
                        None => {
                            let known: Vec<_> = Role::ALL.iter().map(|r| r.id()).collect();
                            err(
                                errors,
                                loc(&r.referenced),
                                format!("unknown role {:?} (expected one of {})", r.value, known.join(", ")),
                            );
                            None
                        }
                    })
                    .collect(),
            ),
            (None, true) => Audience::Shadow,
            (None, false) => Audience::OnRequest,
        };
        let assign = raw
            .assign
            .iter()
            .filter_map(|a| match a.value.as_str() {
                "person" => Some(Assignee::Person),
                "buddy" => Some(Assignee::Buddy),
                "manager" => Some(Assignee::Manager),
                other => {
                    err(
                        errors,
                        loc(&a.referenced),
                        format!("unknown assignee {other:?} (expected person, buddy or manager)"),
                    );
                    None
                }
            })
            .collect();
        for l in &raw.labels {
            if l.value.trim().is_empty() || l.value.contains(',') {
                err(errors, loc(&l.referenced), format!("label {:?} must be non-empty and without commas", l.value));
            }
        }
        if raw.stages.is_empty() {
            err(errors, loc(&raw.key.referenced), "a template needs at least one stage".into());
        }
        if let Some(d) = raw.due_days.as_ref().filter(|d| d.value == 0 || d.value > MAX_DUE_DAYS) {
            err(errors, loc(&d.referenced), format!("due_days {} is out of range: 1 to {MAX_DUE_DAYS}", d.value));
        }
        let mut stages: Vec<Stage> = Vec::new();
        for s in &raw.stages {
            if !is_valid_id(&s.id.value) {
                err(
                    errors,
                    loc(&s.id.referenced),
                    format!("stage id {:?} must be lowercase words joined by dashes", s.id.value),
                );
            } else if stages.iter().any(|x| x.id == s.id.value) {
                err(errors, loc(&s.id.referenced), format!("stage id {:?} is used twice", s.id.value));
            }
            if let Some(prev) = stages.last() {
                if s.week.value < prev.week {
                    err(
                        errors,
                        loc(&s.week.referenced),
                        format!(
                            "stage {:?} starts in week {}, before the stage above it (week {})",
                            s.id.value, s.week.value, prev.week
                        ),
                    );
                }
            }
            if s.week.value == 0 || s.week.value > MAX_WEEKS {
                err(
                    errors,
                    loc(&s.week.referenced),
                    format!("week {} is out of range: weeks count from 1 to {MAX_WEEKS}", s.week.value),
                );
            }
            stages.push(Stage { id: s.id.value.clone(), title: s.title.value.clone(), week: s.week.value });
        }

        let body_source = check_body(file, source, body, body_line_offset, &stages, errors);
        let title_at = loc(&raw.title.referenced);
        let key = raw.key.value.clone();
        let body_origin =
            Origin { file: Arc::clone(file), line_offset: body_line_offset, text: body_source, fixed: None };
        if let Err(e) = self.register(&key, body_origin) {
            errors.push(e.with_source(source));
        }
        let title_origin = Origin {
            file: Arc::clone(file),
            line_offset: 0,
            text: raw.title.value.clone(),
            fixed: Some(title_at.clone()),
        };
        if let Err(e) = self.register(&title_name(&key), title_origin) {
            errors.push(e.with_source(source));
        }
        if errors.0.len() > before {
            return None;
        }
        Some(Template {
            key,
            file: Arc::clone(file),
            project: raw.project.map(|p| p.value),
            labels: raw.labels.into_iter().map(|l| l.value).collect(),
            audience,
            assign,
            due_days: raw.due_days.map(|d| d.value),
            pace: raw.pace,
            confidential: raw.confidential,
            stages,
            title_at,
            body_line_offset,
        })
    }

    pub fn get(&self, key: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.key == key)
    }

    /// Render a template for one person: title and body, with every item placed in its stage.
    pub fn render(&self, t: &Template, ctx: &TemplateContext) -> Result<Rendered, InputError> {
        // One conversion to JSON serves the title and the body.
        let title = self.render_title(t, ctx)?;
        self.render_body(t, ctx, &title)
    }

    /// `render` for a real person whose entry is at `person_at`: a title too long for GitLab
    /// only because of their data (a long name) is their entry's error, not the template's.
    pub fn render_for(
        &self,
        t: &Template,
        ctx: &TemplateContext,
        person_at: &Location,
    ) -> Result<Rendered, InputError> {
        let title = self.render_title_for(t, ctx, person_at)?;
        self.render_body(t, ctx, &title)
    }

    /// Render only a template's body for one person whose title is already known (planning
    /// renders titles for everyone first, and each body later, once).
    pub fn render_body(&self, t: &Template, ctx: &TemplateContext, title: &str) -> Result<Rendered, InputError> {
        let mut data = Context::wraps(ctx).map_err(|e| InputError::new(t.title_at.clone(), reason(&e)))?;
        data.data_mut()["template"]["title"] = serde_json::Value::String(title.to_string());
        let text = self.registry.render_with_context(&t.key, &data).map_err(|e| {
            let at = Location::new(&t.file, t.body_line_offset + e.line_no.unwrap_or(1), e.column_no.unwrap_or(1));
            InputError::new(at, format!("rendering {:?} for {}: {}", t.key, ctx.person.username, reason(&e)))
        })?;
        Ok(Rendered { title: title.to_string(), text })
    }

    /// Render only a template's title for one person (the body is rendered when it is needed).
    pub fn render_title(&self, t: &Template, ctx: &TemplateContext) -> Result<String, InputError> {
        self.render_title_for(t, ctx, &t.title_at)
    }

    /// `render_title` for a real person: a title too long for GitLab is reported at `too_long_at`
    /// (their entry; the sample people every template is rendered for first catch a template
    /// whose own text is too long).
    pub fn render_title_for(
        &self,
        t: &Template,
        ctx: &TemplateContext,
        too_long_at: &Location,
    ) -> Result<String, InputError> {
        let data = Context::wraps(ctx).map_err(|e| InputError::new(t.title_at.clone(), reason(&e)))?;
        self.title_in(t, ctx, &data, too_long_at)
    }

    fn title_in(
        &self,
        t: &Template,
        ctx: &TemplateContext,
        data: &Context,
        too_long_at: &Location,
    ) -> Result<String, InputError> {
        let title = self.registry.render_with_context(&title_name(&t.key), data).map_err(|e| {
            InputError::new(
                t.title_at.clone(),
                format!("title of {:?} for {}: {}", t.key, ctx.person.username, reason(&e)),
            )
        })?;
        let title = title.trim().to_string();
        if title.chars().count() > MAX_TITLE_CHARS || title.is_empty() {
            return Err(InputError::new(
                if title.is_empty() { t.title_at.clone() } else { too_long_at.clone() },
                format!(
                    "title of {:?} for {} renders to {} characters; GitLab takes 1 to {MAX_TITLE_CHARS}",
                    t.key,
                    ctx.person.username,
                    title.chars().count()
                ),
            ));
        }
        Ok(title)
    }
}

fn title_name(key: &str) -> String {
    format!("{key}#title")
}

fn reason(e: &handlebars::RenderError) -> String {
    match e.reason() {
        RenderErrorReason::MissingVariable(Some(v)) => format!("undefined variable {v:?}"),
        other => other.to_string(),
    }
}
