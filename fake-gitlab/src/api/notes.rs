//! Issue note endpoints: list and create (with quick actions and the commands-only 202).

use serde_json::{json, Value};

use super::validate;
use super::{application_limit, parse_iid, record_mentions, visible_project, Cx};
use crate::actions;
use crate::model::Note;
use crate::pagination::{paginate, PageRequest};
use crate::quick_actions;
use crate::ratelimit::Bucket;
use crate::render;
use crate::reply::{Answer, Reply};
use crate::state::State;
use crate::system_notes;
use crate::visibility;

/// GitLab's note length limit, in characters.
const MAX_NOTE_CHARS: usize = 1_000_000;

pub(super) fn list(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let descending = validate::one_of(cx.params, "sort", &["asc", "desc"])? != Some("asc");
    // `activity_filter` (lib/api/notes.rb, UserPreference::NOTES_FILTERS): comments, system
    // notes, or both (the default).
    let filter = validate::one_of(cx.params, "activity_filter", &["all_notes", "only_comments", "only_activity"])?;
    let wanted = |n: &Note| match filter {
        Some("only_comments") => !n.system,
        Some("only_activity") => n.system,
        _ => true,
    };
    // Issue notes are never edited here, so ordering by updated_at equals ordering by created_at.
    validate::one_of(cx.params, "order_by", &["created_at", "updated_at"])?;
    let pid = visible_project(st, cx, project)?;
    let st: &State = st;
    let p = &st.projects[&pid];
    // A confidential issue the caller may not read is not found (NotesFinder uses IssuesFinder).
    let issue =
        p.issues.get(&iid).filter(|i| visibility::can_read(st, pid, cx.user_id, i)).ok_or_else(Reply::not_found)?;
    let mut notes: Vec<&Note> = p.notes.get(&iid).map(|n| n.iter().filter(|n| wanted(n)).collect()).unwrap_or_default();
    notes.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    if descending {
        notes.reverse();
    }
    let (page, headers) =
        paginate(notes, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> = page.iter().map(|n| render::note(st, p, issue, n)).collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

pub(super) fn create(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let Some(body) = cx.params.get("body") else {
        return Err(Reply::error(400, "body is missing"));
    };
    let pid = visible_project(st, cx, project)?;
    let before = st.issue(pid, iid).filter(|i| visibility::can_read(st, pid, cx.user_id, i)).cloned();
    let before = before.ok_or_else(Reply::not_found)?;
    application_limit(st, Bucket::NoteCreate, cx.user_id)?;
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(Reply::validation(&[("note", format!("is too long (maximum is {MAX_NOTE_CHARS} characters)"))]));
    }
    let extracted = quick_actions::extract(body, None);
    if extracted.text.is_empty() {
        if extracted.commands.is_empty() {
            return Err(Reply::validation(&[("note", "can't be blank".to_string())]));
        }
        let outcome = actions::apply(st, pid, iid, cx.user_id, &extracted.commands, "note");
        system_notes::record_update(st, pid, iid, cx.user_id, &before);
        touch(st, pid, iid);
        return Ok(Reply::json(202, &json!({ "commands_changes": outcome.changes, "summary": outcome.summary })));
    }
    let now = st.now();
    let note = Note {
        id: st.next_note_id(),
        body: extracted.text.clone(),
        author_id: cx.user_id,
        system: false,
        created_at: now,
        updated_at: now,
    };
    st.projects.get_mut(&pid).expect("visible project").notes.entry(iid).or_default().push(note.clone());
    actions::apply(st, pid, iid, cx.user_id, &extracted.commands, "note");
    // The comment is saved first, then its commands update the issue (Notes::CreateService).
    system_notes::record_update(st, pid, iid, cx.user_id, &before);
    record_mentions(st, pid, iid, "", &note.body, "note");
    touch(st, pid, iid);
    let p = &st.projects[&pid];
    let issue = &p.issues[&iid];
    Ok(Reply::json(201, &render::note(st, p, issue, &note)))
}

/// A new note (or a command run from one) bumps the issue's `updated_at`.
fn touch(st: &mut State, pid: u64, iid: u64) {
    let now = st.now();
    if let Some(i) = st.issue_mut(pid, iid) {
        i.updated_at = now;
    }
}
