//! The words of onboarder's comments: handlebars partials in the templates directory
//! (`_comment-behind.md` and the others), rendered under the same strict rules and escaping as
//! the issue bodies, so support-ops can change them without Rust. The example's files are built
//! in as the defaults: a templates directory without one uses the built-in text.

use std::path::Path;
use std::sync::Arc;

use handlebars::Handlebars;
use serde::Serialize;

use super::guard::Origin;
use super::{reason, TemplateSet};
use crate::error::{InputError, InputErrors, Location};

/// What a comment says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Say {
    /// A new stage reached.
    Stage,
    /// The person is behind: a nudge naming what is open.
    Behind,
    /// Still behind a week after the nudge: the manager is asked to look.
    Escalate,
    Overdue,
    Complete,
    /// A new manager on the path.
    NewManager,
    /// The manager stated the stage reached (the roster's `onboarding.stage`, or the dashboard).
    Stated,
}

impl Say {
    pub const ALL: [Say; 7] =
        [Say::Stage, Say::Behind, Say::Escalate, Say::Overdue, Say::Complete, Say::NewManager, Say::Stated];

    /// The partial's name: `_comment-<name>.md` in the templates directory.
    pub fn partial(self) -> &'static str {
        match self {
            Say::Stage => "comment-stage",
            Say::Behind => "comment-behind",
            Say::Escalate => "comment-escalate",
            Say::Overdue => "comment-overdue",
            Say::Complete => "comment-complete",
            Say::NewManager => "comment-new-manager",
            Say::Stated => "comment-stated",
        }
    }

    fn default_text(self) -> &'static str {
        match self {
            Say::Stage => include_str!("../../issue-templates/_comment-stage.md"),
            Say::Behind => include_str!("../../issue-templates/_comment-behind.md"),
            Say::Escalate => include_str!("../../issue-templates/_comment-escalate.md"),
            Say::Overdue => include_str!("../../issue-templates/_comment-overdue.md"),
            Say::Complete => include_str!("../../issue-templates/_comment-complete.md"),
            Say::NewManager => include_str!("../../issue-templates/_comment-new-manager.md"),
            Say::Stated => include_str!("../../issue-templates/_comment-stated.md"),
        }
    }
}

/// A stage as a comment names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageWords {
    pub title: String,
    /// 1-based.
    pub number: usize,
}

/// The values a comment partial may use. Every field is always present (null when unknown), so
/// strict mode reports typos. Usernames are for `{{mention ...}}`; everything else is escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentContext {
    pub person: String,
    pub buddy: Option<String>,
    /// The manager, where the comment may mention them.
    pub manager: Option<String>,
    /// The manager before, read back from the issue: shown, never mentioned.
    pub previous_manager: Option<String>,
    pub stage: StageWords,
    /// How many stages the path has.
    pub stages: usize,
    /// The stage the calendar expected a grace ago.
    pub expected: Option<StageWords>,
    pub due: Option<String>,
    /// The first open items that hold the person back, as plain text.
    pub open_items: Vec<String>,
    /// Open items beyond those named.
    pub more_open: usize,
    /// Every open item that holds the person back.
    pub open_count: usize,
    /// The issue is being closed with this comment.
    pub closing: bool,
    /// The day of the run (YYYY-MM-DD): when a stated stage was recorded.
    pub day: String,
}

impl CommentContext {
    /// A context with every value set, for checking a partial at load.
    fn sample() -> CommentContext {
        let stage = |title: &str, number| StageWords { title: title.into(), number };
        CommentContext {
            person: "new-hire".into(),
            buddy: Some("buddy".into()),
            manager: Some("manager".into()),
            previous_manager: Some("old-manager".into()),
            stage: stage("Second stage", 2),
            stages: 8,
            expected: Some(stage("Third stage", 3)),
            due: Some("2026-12-31".into()),
            open_items: vec!["Read the handbook".into()],
            more_open: 1,
            open_count: 2,
            closing: true,
            day: "2026-12-01".into(),
        }
    }
}

/// Register the built-in words; a templates directory's own `_comment-*.md` replaces them.
pub(super) fn register_defaults(registry: &mut Handlebars<'static>) {
    for say in Say::ALL {
        registry.register_template_string(say.partial(), say.default_text()).expect("the built-in comment words parse");
    }
}

/// Where the built-in words are said to come from, for the guard's messages.
pub(super) fn default_origins(dir: &Arc<Path>) -> Vec<(String, Origin)> {
    Say::ALL
        .iter()
        .map(|say| {
            let file: Arc<Path> = Arc::from(dir.join(format!("_{}.md (built in)", say.partial())).into_boxed_path());
            (say.partial().to_string(), Origin { file, line_offset: 0, text: say.default_text().into(), fixed: None })
        })
        .collect()
}

impl TemplateSet {
    /// The text of a comment, from its partial. Runs of blank lines fold to one, and the ends
    /// are trimmed, so a partial's `{{#if}}` lines leave no gaps.
    pub fn say(&self, what: Say, ctx: &CommentContext) -> Result<String, InputError> {
        let text = self.registry.render(what.partial(), ctx).map_err(|e| {
            let at = match self.origins.get(what.partial()) {
                Some(o) => Location::new(&o.file, e.line_no.unwrap_or(1), e.column_no.unwrap_or(1)),
                None => Location::file_start(&Arc::from(Path::new(what.partial()))),
            };
            InputError::new(at, format!("comment words {:?}: {}", what.partial(), reason(&e)))
        })?;
        let mut out = String::with_capacity(text.len());
        let mut blank = 0;
        for line in text.trim().lines() {
            let line = line.trim_end();
            blank = if line.is_empty() { blank + 1 } else { 0 };
            if blank <= 1 {
                out.push_str(line);
                out.push('\n');
            }
        }
        Ok(out.trim_end().to_string())
    }

    /// Each comment's words rendered once for a sample person: an undefined variable or a failing
    /// helper is an input error now, at its line, not on the day someone falls behind.
    pub(super) fn check_words(&self) -> InputErrors {
        let mut errors = InputErrors::default();
        for say in Say::ALL {
            if let Err(e) = self.say(say, &CommentContext::sample()) {
                errors.push(e);
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_words_render_for_the_sample_and_escape_what_they_show() {
        let dir: Arc<Path> = Arc::from(Path::new("templates"));
        let set = TemplateSet::empty(&dir);
        assert!(set.check_words().is_empty());
        let hostile = "**b** [c](d) <!-- x --> @all\n/close";
        let ctx = CommentContext {
            previous_manager: Some(hostile.into()),
            stage: StageWords { title: hostile.into(), number: 2 },
            open_items: vec![hostile.into()],
            ..CommentContext::sample()
        };
        for say in Say::ALL {
            let text = set.say(say, &ctx).unwrap();
            assert!(!text.contains("**b**") && !text.contains("[c](d)") && !text.contains("<!--"), "{say:?}: {text}");
            assert!(text.lines().all(|l| !l.trim_start().starts_with('/')), "{say:?}: {text}");
            assert!(!text.contains("\n\n\n"), "{say:?}: {text:?}");
        }
        let behind = set.say(Say::Behind, &CommentContext::sample()).unwrap();
        assert!(behind.contains("- Read the handbook\n- and 1 more"), "{behind}");
    }
}
