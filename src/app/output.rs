//! What a run leaves behind besides GitLab: the report on stdout, previews, JUnit and Markdown files.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cli::{Format, RunArgs};
use crate::dashboard::{self, Planned};
use crate::desired::DesiredIssue;
use crate::error::InputErrors;
use crate::plan::Action;
use crate::report::{self, Summary};
use crate::sync::Outcome;
use anyhow::Context as _;

/// Print the plan or the sync result in the requested format.
pub fn print_report(format: Format, rows: &[(Action, Option<Outcome>)], summary: &Summary, diff: bool) {
    match format {
        Format::Json => println!("{}", report::json(rows, summary)),
        Format::Text => print!("{}", report::text(rows, summary, diff)),
    }
}

/// `--preview-dir`: each issue's text as a file `DIR/<username>--<template>.md`. The planner hands
/// each description over as it makes it (`Settings::preview`), so a run never holds them all;
/// `finish` adds the dashboards and the issues no desired issue plans (closed, superseded), and
/// says on stderr how many files it wrote, and where.
pub struct Previews<'a> {
    dir: Option<&'a Path>,
    /// Keys written by the planner, and the first failure (reported by `finish`).
    written: RefCell<BTreeSet<String>>,
    /// The files written (an issue planned again rewrites its file: counted once).
    files: RefCell<BTreeSet<PathBuf>>,
    failed: RefCell<Option<anyhow::Error>>,
}

impl<'a> Previews<'a> {
    pub fn new(dir: Option<&'a Path>) -> Previews<'a> {
        Previews { dir, written: RefCell::default(), files: RefCell::default(), failed: RefCell::default() }
    }

    pub fn wanted(&self) -> bool {
        self.dir.is_some()
    }

    /// One planned issue's description (the planner may hand the same issue over again when it
    /// plans again: the file then holds the last).
    pub fn write(&self, d: &DesiredIssue, text: &str) {
        if self.failed.borrow().is_some() {
            return;
        }
        match self.file(&d.username, &d.template, &d.title, text) {
            Ok(()) => {
                self.written.borrow_mut().insert(d.key.clone());
            }
            Err(e) => *self.failed.borrow_mut() = Some(e),
        }
    }

    /// The rest, and the first failure if any; then one line on stderr:
    /// `onboarder: wrote N previews to DIR`.
    pub fn finish(&self, actions: &[Action], boards: &[Planned]) -> anyhow::Result<()> {
        if let Some(e) = self.failed.borrow_mut().take() {
            return Err(e);
        }
        let Some(dir) = self.dir else { return Ok(()) };
        self.finish_files(actions, boards)?;
        let n = self.files.borrow().len();
        eprintln!("onboarder: wrote {n} preview{} to {}", if n == 1 { "" } else { "s" }, dir.display());
        Ok(())
    }

    fn finish_files(&self, actions: &[Action], boards: &[Planned]) -> anyhow::Result<()> {
        let written = self.written.borrow();
        let boards = boards.iter().map(|p| (&p.action, Some(&*p.board)));
        for (a, board) in actions.iter().map(|a| (a, None)).chain(boards).filter(|(a, _)| !written.contains(&a.key)) {
            let edited = a.edit.as_ref().and_then(|e| e.description.clone());
            // A preview is for people to read: it carries no seal, and shows the command boxes a
            // run writes once the issues it plans exist.
            let new = |b: &dashboard::Board| dashboard::preview(b);
            let Some(text) = edited.or_else(|| board.map(new)) else {
                continue;
            };
            self.file(&a.username, &a.template, &a.title, &text)?;
        }
        Ok(())
    }

    fn file(&self, username: &str, template: &str, title: &str, text: &str) -> anyhow::Result<()> {
        let Some(dir) = self.dir else { return Ok(()) };
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create preview directory {}", dir.display()))?;
        let path = dir.join(format!("{username}--{template}.md"));
        std::fs::write(&path, format!("# {title}\n\n{text}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.files.borrow_mut().insert(path);
        Ok(())
    }
}

/// The template errors the planner met rendering bodies: they stop the run before any write,
/// as if `compute` had found them (each body is rendered once, where it is planned).
pub(super) fn render_errors(actions: &[Action]) -> Option<InputErrors> {
    let mut errors = InputErrors::default();
    for e in actions.iter().filter_map(|a| a.error.as_ref()) {
        if !errors.0.contains(e) {
            errors.push(e.clone());
        }
    }
    (!errors.is_empty()).then_some(errors)
}

pub(super) fn write_reports(
    args: &RunArgs,
    rows: &[(Action, Option<Outcome>)],
    summary: &Summary,
) -> anyhow::Result<()> {
    if let Some(path) = &args.junit {
        std::fs::write(path, report::junit(rows, summary)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.summary_md {
        std::fs::write(path, report::markdown(rows, summary))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
