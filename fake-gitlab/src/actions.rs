//! Executes extracted quick actions on an issue and records them.

use chrono::{Duration as ChronoDuration, NaiveDate};
use serde_json::{json, Map, Value};

use crate::model::QuickActionRecord;
use crate::quick_actions::Command;
use crate::state::State;

/// What the commands did, as GitLab reports for a commands-only note.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub changes: Map<String, Value>,
    pub summary: Vec<String>,
}

/// Label names in `~foo ~"two words" bare` form.
pub(crate) fn label_refs(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let tail = rest.strip_prefix('~').unwrap_or(rest);
        if let Some(quoted) = tail.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push(quoted[..end].to_string());
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let end = tail.find(|c: char| c.is_whitespace() || c == ',').unwrap_or(tail.len());
            out.push(tail[..end].to_string());
            rest = &tail[end..];
        }
    }
    out.retain(|l| !l.is_empty());
    out
}

/// User ids for `@alice bob me`, skipping unknown names.
fn user_refs(st: &State, args: &str, actor: u64) -> Vec<u64> {
    let mut ids = Vec::new();
    for word in args.split(|c: char| c.is_whitespace() || c == ',') {
        let name = word.trim().trim_start_matches('@');
        let id = if name.eq_ignore_ascii_case("me") {
            Some(actor)
        } else if name.is_empty() {
            None
        } else {
            st.user_by_username(name).map(|u| u.id)
        };
        if let Some(id) = id.filter(|id| !ids.contains(id)) {
            ids.push(id);
        }
    }
    ids
}

fn parse_due(args: &str, today: NaiveDate) -> Option<NaiveDate> {
    match args.trim().to_ascii_lowercase().as_str() {
        "today" => Some(today),
        "tomorrow" => Some(today + ChronoDuration::days(1)),
        other => NaiveDate::parse_from_str(other, "%Y-%m-%d").ok(),
    }
}

/// Commands that set what only Reporters and up may set.
const METADATA_ACTIONS: &[&str] =
    &["assign", "reassign", "unassign", "label", "unlabel", "relabel", "due", "remove_due_date", "milestone"];

/// Runs `commands` on issue `iid` of `project_id` as `actor`; records each one with `source`.
pub(crate) fn apply(
    st: &mut State,
    project_id: u64,
    iid: u64,
    actor: u64,
    commands: &[Command],
    source: &str,
) -> Outcome {
    let mut outcome = Outcome::default();
    let project_path = st.project_path(project_id);
    let may_set_metadata = st.may_set_metadata(project_id, actor);
    for cmd in commands {
        // These commands' conditions require `admin_issue`: a Guest's are stripped, never run.
        if !may_set_metadata && METADATA_ACTIONS.contains(&cmd.action) {
            continue;
        }
        st.quick_actions.push(QuickActionRecord {
            project: project_path.clone(),
            iid,
            command: cmd.name.clone(),
            args: cmd.args.clone(),
            source: source.to_string(),
        });
        run(st, project_id, iid, actor, cmd, &mut outcome);
    }
    outcome
}

fn run(st: &mut State, project_id: u64, iid: u64, actor: u64, cmd: &Command, out: &mut Outcome) {
    let now = st.now();
    let free = st.options.free_mode;
    let known_labels: Vec<String> =
        st.projects.get(&project_id).map(|p| p.labels.keys().cloned().collect()).unwrap_or_default();
    let users: Vec<u64> =
        user_refs(st, &cmd.args, actor).into_iter().filter(|&u| st.assignable(project_id, u)).collect();
    let Some(issue) = st.issue_mut(project_id, iid) else {
        return;
    };
    let labels: Vec<String> = label_refs(&cmd.args).into_iter().filter(|l| known_labels.contains(l)).collect();
    match cmd.action {
        "close" if issue.is_open() => {
            issue.state = "closed".into();
            issue.closed_at = Some(now);
            issue.closed_by_id = Some(actor);
            out.changes.insert("state_event".into(), json!("close"));
            out.summary.push("Closed this issue.".into());
        }
        "reopen" if !issue.is_open() => {
            issue.state = "opened".into();
            issue.closed_at = None;
            issue.closed_by_id = None;
            out.changes.insert("state_event".into(), json!("reopen"));
            out.summary.push("Reopened this issue.".into());
        }
        "title" if !cmd.args.is_empty() => {
            issue.title = cmd.args.clone();
            out.changes.insert("title".into(), json!(cmd.args));
            out.summary.push(format!("Changed the title to \"{}\".", cmd.args));
        }
        "assign" | "reassign" if !users.is_empty() => {
            if cmd.action == "reassign" || free {
                issue.assignee_ids.clear();
            }
            // GitLab Free keeps one assignee: the first user named.
            let take = if free { 1 } else { users.len() };
            for u in users.into_iter().take(take) {
                if !issue.assignee_ids.contains(&u) {
                    issue.assignee_ids.push(u);
                }
            }
            out.changes.insert("assignee_ids".into(), json!(issue.assignee_ids));
            out.summary.push("Assigned users.".into());
        }
        "unassign" => {
            if cmd.args.is_empty() {
                issue.assignee_ids.clear();
            } else {
                issue.assignee_ids.retain(|a| !users.contains(a));
            }
            out.changes.insert("assignee_ids".into(), json!(issue.assignee_ids));
            out.summary.push("Removed assignees.".into());
        }
        "label" if !labels.is_empty() => {
            issue.labels.extend(labels.iter().cloned());
            crate::state::normalize_labels(&mut issue.labels);
            out.changes.insert("add_label_ids".into(), json!(labels));
            out.summary.push("Added labels.".into());
        }
        "unlabel" => {
            if cmd.args.is_empty() {
                issue.labels.clear();
            } else {
                issue.labels.retain(|l| !labels.contains(l));
            }
            out.changes.insert("remove_label_ids".into(), json!(labels));
            out.summary.push("Removed labels.".into());
        }
        "relabel" if !labels.is_empty() => {
            issue.labels = labels.clone();
            crate::state::normalize_labels(&mut issue.labels);
            out.changes.insert("label_ids".into(), json!(labels));
            out.summary.push("Replaced all labels.".into());
        }
        "due" => {
            if let Some(date) = parse_due(&cmd.args, now.date_naive()) {
                let date = date.format("%Y-%m-%d").to_string();
                issue.due_date = Some(date.clone());
                out.changes.insert("due_date".into(), json!(date));
                out.summary.push(format!("Set the due date to {date}."));
            }
        }
        "remove_due_date" => {
            issue.due_date = None;
            out.changes.insert("due_date".into(), Value::Null);
            out.summary.push("Removed the due date.".into());
        }
        "confidential" => {
            issue.confidential = true;
            out.changes.insert("confidential".into(), json!(true));
            out.summary.push("Made this issue confidential.".into());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_label_references() {
        assert_eq!(label_refs(r#"~a ~"b c", d ~"e"#), ["a", "b c", "d", "e"]);
        assert!(label_refs("  ").is_empty());
    }
}
