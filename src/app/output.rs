//! What a run leaves behind besides GitLab: the report on stdout, previews, JUnit and Markdown files.

use crate::cli::{Format, RunArgs};
use crate::error::InputErrors;
use crate::plan::Action;
use crate::report::{self, Outcome, Summary};
use anyhow::Context as _;

/// Print the plan or the sync result in the requested format.
pub fn print_report(format: Format, rows: &[(Action, Option<Outcome>)], summary: &Summary, diff: bool) {
    match format {
        Format::Json => println!("{}", report::json(rows, summary)),
        Format::Text => print!("{}", report::text(rows, summary, diff)),
    }
}

/// Write each issue as it would be after this run, for a manager to read.
pub fn write_previews(args: &RunArgs, actions: &[Action]) -> anyhow::Result<()> {
    let Some(dir) = &args.preview_dir else { return Ok(()) };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create preview directory {}", dir.display()))?;
    for a in actions {
        // The planner kept each description it wrote (`Settings::keep_descriptions`): no body is
        // rendered twice for a preview.
        let edited = a.edit.as_ref().and_then(|e| e.description.as_deref());
        let board = a.board.as_deref().map(crate::dashboard::initial_description);
        let Some(text) = a.description.as_deref().or(edited).or(board.as_deref()) else { continue };
        let path = dir.join(format!("{}--{}.md", a.username, a.template));
        std::fs::write(&path, format!("# {}\n\n{text}\n", a.title))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
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
