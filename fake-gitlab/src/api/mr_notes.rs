//! Merge request note endpoints: list (paged), create, and edit by the note's author.

use serde_json::{json, Value};

use super::validate;
use super::{parse_iid, visible_project, Cx};
use crate::model::Note;
use crate::pagination::{paginate, PageRequest};
use crate::render;
use crate::reply::{Answer, Reply};
use crate::state::{Project, State};

/// `GET /projects/:id/merge_requests/:merge_request_iid/notes`: newest first unless `sort=asc`.
pub(super) fn list(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let descending = validate::one_of(cx.params, "sort", &["asc", "desc"])? != Some("asc");
    let by_update = validate::one_of(cx.params, "order_by", &["created_at", "updated_at"])? == Some("updated_at");
    let pid = visible_project(st, cx, project)?;
    let st: &State = st;
    let p = &st.projects[&pid];
    let mut notes: Vec<&Note> = p.merge_requests.get(&iid).ok_or_else(Reply::not_found)?.iter().collect();
    let key = |n: &Note| if by_update { n.updated_at } else { n.created_at };
    notes.sort_by(|a, b| key(a).cmp(&key(b)).then(a.id.cmp(&b.id)));
    if descending {
        notes.reverse();
    }
    let (page, headers) =
        paginate(notes, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> = page.iter().map(|n| note(st, p, iid, n)).collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

/// `POST .../notes` with `body`: 201 with the note.
pub(super) fn create(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let body = body(cx)?;
    let pid = visible_project(st, cx, project)?;
    if !st.projects[&pid].merge_requests.contains_key(&iid) {
        return Err(Reply::not_found());
    }
    let now = st.now();
    let n =
        Note { id: st.next_note_id(), body, author_id: cx.user_id, system: false, created_at: now, updated_at: now };
    st.projects.get_mut(&pid).expect("visible project").merge_requests.entry(iid).or_default().push(n.clone());
    Ok(Reply::json(201, &note(st, &st.projects[&pid], iid, &n)))
}

/// `PUT .../notes/:note_id` with `body`: 200 with the note; only its author may edit it (403).
pub(super) fn edit(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str, note_id: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let note_id: u64 = note_id.parse().map_err(|_| Reply::error(400, "note_id is invalid"))?;
    let body = body(cx)?;
    let pid = visible_project(st, cx, project)?;
    let now = st.now();
    let notes = st.projects.get_mut(&pid).expect("visible project").merge_requests.get_mut(&iid);
    let n = notes.and_then(|ns| ns.iter_mut().find(|n| n.id == note_id)).ok_or_else(Reply::not_found)?;
    if n.author_id != cx.user_id {
        return Err(Reply::forbidden());
    }
    if n.body != body {
        n.body = body;
        n.updated_at = now;
    }
    let n = n.clone();
    Ok(Reply::json(200, &note(st, &st.projects[&pid], iid, &n)))
}

/// The note's text: required, not blank, at most GitLab's 1,000,000 characters.
fn body(cx: &Cx<'_>) -> Result<String, Reply> {
    let Some(body) = cx.params.get("body") else {
        return Err(Reply::error(400, "body is missing"));
    };
    if body.trim().is_empty() {
        return Err(Reply::validation(&[("note", "can't be blank".to_string())]));
    }
    if body.chars().count() > 1_000_000 {
        return Err(Reply::validation(&[("note", "is too long (maximum is 1000000 characters)".to_string())]));
    }
    Ok(body.to_string())
}

fn note(st: &State, p: &Project, iid: u64, n: &Note) -> Value {
    json!({
        "id": n.id,
        "type": null,
        "body": n.body,
        "attachment": null,
        "author": render::user(st, n.author_id),
        "created_at": render::time(&n.created_at),
        "updated_at": render::time(&n.updated_at),
        "system": false,
        // The fake keeps no global id for a merge request; the iid stands in.
        "noteable_id": iid,
        "noteable_type": "MergeRequest",
        "project_id": p.id,
        "noteable_iid": iid,
        "resolvable": false,
        "confidential": false,
        "internal": false,
    })
}
