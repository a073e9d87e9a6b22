//! The system notes GitLab writes when an issue changes: a checklist item ticked or unticked, the
//! description changed, confidentiality switched. Each is authored by whoever made the change,
//! through the API, a quick action or (in tests) a person's edit.
//!
//! GitLab: app/services/issuable/common_system_notes_service.rb (`handle_description_change_note`:
//! one note per toggled item, else "changed the description"), app/services/system_notes/
//! issuables_service.rb (`change_task_status`, `change_description`,
//! `change_issue_confidentiality`), app/models/concerns/taskable.rb (`get_tasks`,
//! `get_updated_tasks`). System notes do not touch the issue's `updated_at` (the service runs
//! under `no_touching`). Title, label, assignee, due date and state changes write notes or
//! resource events in GitLab too; the fake does not model those.

use crate::inline_text::plain_text;
use crate::model::{Issue, Note};
use crate::state::State;
use crate::tasks;

/// One task item as `Taskable.get_tasks` sees it. `source` decides whether an item is "the same"
/// before and after an edit (GitLab compares the item's rendered HTML; the fake its Markdown).
struct Item {
    complete: bool,
    text: String,
    source: String,
}

/// Ruby's `String#strip`: ASCII whitespace and NUL only (not a no-break space).
fn ruby_strip(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\0'))
}

/// The task items of a description; inapplicable (`[~]`) items are left out, as `get_tasks`
/// skips nodes with `data-inapplicable`, so changing one never writes a note (and shifts the
/// positions of the items after it).
fn items(description: &str) -> Vec<Item> {
    tasks::items(description)
        .into_iter()
        .filter(|(mark, _)| *mark != '~')
        .map(|(mark, rest)| {
            let text = plain_text(rest);
            // `text.split('\n').first&.strip`: the quotes are single in Taskable, so this splits on
            // a backslash followed by `n`, not on a line end.
            let text = ruby_strip(ruby_strip(&text).split("\\n").next().unwrap_or_default()).to_string();
            Item { complete: matches!(mark, 'x' | 'X'), text, source: ruby_strip(rest).to_string() }
        })
        .collect()
}

/// `Taskable.get_updated_tasks`: items at the same position, with the same source, whose box
/// changed. An item added, removed or reworded in the same edit writes nothing.
fn updated_tasks(old: &str, new: &str) -> Vec<Item> {
    let before = items(old);
    items(new)
        .into_iter()
        .enumerate()
        .filter(|(i, item)| before.get(*i).is_some_and(|o| o.source == item.source && o.complete != item.complete))
        .map(|(_, item)| item)
        .collect()
}

/// ASCII punctuation GitLab leaves unescaped in a checklist note, as read on gitlab.com
/// (`Chronicle's scope`, `a, b; c`, `src/x`, `key:value`).
const LEFT_ALONE: &[char] = &[',', ';', ':', '/', '\''];

/// The item's text as it appears between the `**` of the note: Markdown-escaped. On gitlab.com
/// `#`, `.`, `=`, `"` and `-` come back with a backslash (`\#4`, `src/x\.go`, `a \= \"1\"`,
/// `close\-obsolete`) and the characters of `LEFT_ALONE` without; the escaping function itself
/// is not in GitLab's published FOSS source we could read, so other ASCII punctuation is escaped
/// too (a reader should undo any `\` + character, not a fixed list).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() && !LEFT_ALONE.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `change_task_status`: `marked the checklist item **<text>** as completed` (or `incomplete`).
fn task_note(item: &Item) -> String {
    let status = if item.complete { "completed" } else { "incomplete" };
    format!("marked the checklist item **{}** as {status}", escape(&item.text))
}

/// `noteable_name` in SystemNotes::IssuablesService: the issue type in words.
fn noteable_name(issue: &Issue) -> String {
    issue.issue_type.replace('_', " ")
}

/// The bodies of the system notes an update from `before` to `after` writes, in GitLab's order.
pub(crate) fn bodies(before: &Issue, after: &Issue) -> Vec<String> {
    let mut out = Vec::new();
    if after.description != before.description {
        let toggled = updated_tasks(&before.description, &after.description);
        if toggled.is_empty() {
            out.push("changed the description".to_string());
        }
        out.extend(toggled.iter().map(task_note));
    }
    if after.confidential != before.confidential {
        let name = noteable_name(after);
        out.push(if after.confidential {
            format!("made the {name} confidential")
        } else {
            format!("made the {name} visible to everyone")
        });
    }
    out
}

/// Writes the system notes for the change from `before` to the issue as it is now, authored by
/// `editor`.
pub(crate) fn record_update(st: &mut State, project_id: u64, iid: u64, editor: u64, before: &Issue) {
    let Some(after) = st.issue(project_id, iid) else {
        return;
    };
    for body in bodies(before, after) {
        let now = st.now();
        let note =
            Note { id: st.next_note_id(), body, author_id: editor, system: true, created_at: now, updated_at: now };
        if let Some(p) = st.projects.get_mut(&project_id) {
            p.notes.entry(iid).or_default().push(note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(description: &str) -> Issue {
        let mut i = crate::state::new_issue(1, "t", chrono::Utc::now());
        i.description = description.to_string();
        i
    }

    fn notes(old: &str, new: &str) -> Vec<String> {
        bodies(&issue(old), &issue(new))
    }

    #[test]
    fn one_note_per_toggled_item_with_escaped_text() {
        let old = "- [ ] Read the guide <!-- id: read-guide -->\n- [x] Close #4: src/x.go says a = \"1\"\n- [ ] same";
        let new = "- [x] Read the guide <!-- id: read-guide -->\n- [ ] Close #4: src/x.go says a = \"1\"\n- [ ] same";
        assert_eq!(
            notes(old, new),
            [
                "marked the checklist item **Read the guide  id: read\\-guide** as completed",
                r#"marked the checklist item **Close \#4: src/x\.go says a \= \"1\"** as incomplete"#,
            ]
        );
    }

    #[test]
    fn other_description_changes_write_one_note() {
        assert_eq!(notes("- [ ] a", "- [ ] a\n\nmore"), ["changed the description"]);
        assert_eq!(notes("text", "other"), ["changed the description"]);
        assert!(notes("- [ ] a", "- [ ] a").is_empty());
        // Reworded and ticked in one edit: not the same item, so no task note.
        assert_eq!(notes("- [ ] a", "- [x] b"), ["changed the description"]);
        // An item added in front shifts positions: GitLab compares by position.
        assert_eq!(notes("- [ ] a", "- [x] new\n- [ ] a"), ["changed the description"]);
        // Added already ticked at the end: nothing toggled.
        assert_eq!(notes("- [ ] a", "- [ ] a\n- [x] b"), ["changed the description"]);
    }

    #[test]
    fn inapplicable_items_write_no_task_note() {
        assert_eq!(notes("- [ ] a\n- [ ] b", "- [~] a\n- [ ] b"), ["changed the description"]);
        assert_eq!(notes("- [~] a\n- [ ] b", "- [~] a\n- [x] b"), ["marked the checklist item **b** as completed"]);
        // Items in code blocks are not items.
        assert_eq!(notes("```\n- [ ] a\n```", "```\n- [x] a\n```"), ["changed the description"]);
    }

    #[test]
    fn text_stops_at_a_literal_backslash_n() {
        assert_eq!(notes(r"- [ ] one\ntwo", r"- [x] one\ntwo"), ["marked the checklist item **one** as completed"]);
    }

    #[test]
    fn confidentiality() {
        let mut after = issue("");
        after.confidential = true;
        assert_eq!(bodies(&issue(""), &after), ["made the issue confidential"]);
        assert_eq!(bodies(&after, &issue("")), ["made the issue visible to everyone"]);
    }
}
