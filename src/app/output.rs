//! What a run leaves behind besides GitLab: the report on stdout, previews, JUnit and Markdown files.

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::cli::{Format, RunArgs};
use crate::desired::{Desired, Renderer};
use crate::plan::{self, Action};
use crate::report::{self, Outcome, Summary};

/// Print the plan or the sync result in the requested format.
pub fn print_report(format: Format, rows: &[(Action, Option<Outcome>)], summary: &Summary, diff: bool) {
    match format {
        Format::Json => println!("{}", report::json(rows, summary)),
        Format::Text => print!("{}", report::text(rows, summary, diff)),
    }
}

/// Write each issue as it would be after this run, for a manager to read.
pub fn write_previews(
    args: &RunArgs,
    actions: &[Action],
    desired: &Desired,
    render: &Renderer,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let Some(dir) = &args.preview_dir else { return Ok(()) };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create preview directory {}", dir.display()))?;
    // One lookup table, not a search of every desired issue per action: linear in the roster.
    let by_key: std::collections::HashMap<&str, &crate::desired::DesiredIssue> =
        desired.issues.iter().map(|d| (d.key.as_str(), d)).collect();
    for a in actions {
        let text = match &a.edit {
            Some(edit) if edit.description.is_some() => edit.description.clone().unwrap_or_default(),
            _ if a.board.is_some() => a.board.as_deref().map(crate::dashboard::initial_description).unwrap_or_default(),
            _ => match by_key.get(a.key.as_str()) {
                Some(d) => plan::initial_description(d, &render.body(d)?, today),
                None => continue,
            },
        };
        let path = dir.join(format!("{}--{}.md", a.username, a.template));
        std::fs::write(&path, format!("# {}\n\n{text}\n", a.title))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
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
