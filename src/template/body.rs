//! What a template renders to for one person: lines of text and checklist items, each placed in
//! its stage. Pure: no IO.

use std::collections::BTreeMap;

use super::Template;
use crate::checklist::{parse_task_line, Fences, Mark, TaskLine};

/// One line of a rendered body: text, a stage heading, or a checklist item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyLine {
    Text(String),
    Item(BodyItem),
}

/// A checklist item of a rendered body; its mark is decided later, per person and issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyItem {
    pub lead: String,
    pub text: String,
    pub id: String,
    pub module: Option<String>,
    /// Index into the template's stages.
    pub stage: usize,
    /// Never holds a stage back: marked `<!-- optional -->`, or a sub-item (a detail split out
    /// of the line above it).
    pub optional: bool,
}

/// What a template rendered to for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    /// The body as handlebars wrote it; `body` and `items` read it.
    pub text: String,
}

/// A checklist item of a rendered body, borrowed: enough to count and check without copying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef<'a> {
    pub id: &'a str,
    pub module: Option<&'a str>,
    pub stage: usize,
    pub optional: bool,
}

/// An item is optional when marked so, or when it is a sub-item (indented under another).
fn is_optional(task: &TaskLine) -> bool {
    task.optional || task.lead.starts_with([' ', '\t'])
}

impl Rendered {
    /// The body as lines of text and items, to write into an issue.
    pub fn body(&self, t: &Template) -> Vec<BodyLine> {
        parse_rendered(t, &self.text)
    }

    /// Just the items, without copying any text (planning counts them for everyone).
    pub fn items(&self, t: &Template) -> Vec<ItemRef<'_>> {
        let mut items = Vec::new();
        walk(t, &self.text, |piece| {
            if let Piece::Item(task, id, stage) = piece {
                items.push(ItemRef { id, module: task.module, stage, optional: is_optional(&task) });
            }
        });
        items
    }
}

/// One piece of a rendered body, as `walk` finds it.
enum Piece<'a> {
    /// The one blank line a run of blank lines folds to.
    Blank,
    Text(&'a str),
    /// An item with its id, in the stage whose heading precedes it.
    Item(TaskLine<'a>, &'a str, usize),
}

/// Walk a rendered body: trailing spaces off, runs of blank lines (left by block helpers) folded
/// to one, each item placed in its stage. Shared by the full parse and the counting pass.
fn walk<'a>(t: &Template, text: &'a str, mut on: impl FnMut(Piece<'a>)) {
    let mut fences = Fences::default();
    let mut stage = 0usize;
    let mut seen_heading = false;
    let mut started = false;
    let mut blank_pending = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_pending = started;
            continue;
        }
        if blank_pending {
            on(Piece::Blank);
            blank_pending = false;
        }
        started = true;
        if !fences.in_code(line) {
            if let Some(h) = line.strip_prefix("## ") {
                if let Some(i) = t.stages.iter().position(|s| s.title == h.trim()) {
                    stage = i;
                    seen_heading = true;
                }
            } else if let Some(task) = parse_task_line(line) {
                if let (Some(id), true) = (task.id, seen_heading) {
                    on(Piece::Item(task, id, stage));
                    continue;
                }
            }
        }
        on(Piece::Text(line));
    }
}

/// Split a rendered body into text and items. Consecutive text lines share one string: bodies
/// are rendered for every person on every run.
fn parse_rendered(t: &Template, text: &str) -> Vec<BodyLine> {
    let mut lines = Vec::new();
    let mut run: Option<String> = None;
    walk(t, text, |piece| match piece {
        Piece::Blank | Piece::Text(_) => {
            let line = if let Piece::Text(l) = piece { l } else { "" };
            match &mut run {
                Some(r) => {
                    r.push('\n');
                    r.push_str(line);
                }
                None => run = Some(line.to_string()),
            }
        }
        Piece::Item(task, id, stage) => {
            lines.extend(run.take().map(BodyLine::Text));
            lines.push(BodyLine::Item(BodyItem {
                lead: task.lead.to_string(),
                text: task.text.to_string(),
                id: id.to_string(),
                module: task.module.map(str::to_string),
                optional: is_optional(&task),
                stage,
            }));
        }
    });
    lines.extend(run.map(BodyLine::Text));
    lines
}

/// Write a rendered body with the given marks (items without one are open).
pub fn write_body(body: &[BodyLine], marks: &BTreeMap<String, Mark>, out: &mut String) {
    for line in body {
        match line {
            BodyLine::Text(t) => out.push_str(t),
            BodyLine::Item(i) => {
                let mark = marks.get(&i.id).copied().unwrap_or(Mark::Open);
                crate::checklist::write_task_line(out, &i.lead, mark, &i.text, &i.id);
            }
        }
        out.push('\n');
    }
}
