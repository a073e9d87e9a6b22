//! Project issue endpoints: list (with filters and pagination), show, create, edit, delete.

use serde_json::Value;

use super::filter::Filter;
use super::validate::{self, ISSUE_TYPES};
use super::{application_limit, parse_iid, record_mentions, visible_project, Cx};
use crate::actions;
use crate::model::Issue;
use crate::pagination::{paginate, PageRequest};
use crate::params::Params;
use crate::quick_actions;
use crate::ratelimit::Bucket;
use crate::render;
use crate::reply::{Answer, Reply};
use crate::state::{new_issue, normalize_labels, State};
use crate::system_notes;
use crate::visibility;

/// Parameters `PUT /issues/:iid` accepts; at least one must be given.
const EDITABLE: &[&str] = &[
    "assignee_id",
    "assignee_ids",
    "confidential",
    "created_at",
    "description",
    "discussion_locked",
    "due_date",
    "issue_type",
    "labels",
    "add_labels",
    "remove_labels",
    "milestone_id",
    "state_event",
    "title",
    "updated_at",
    "weight",
    "epic_id",
    "epic_iid",
];

pub(super) fn list(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let filter = Filter::parse(cx.params, st.options.free_mode)?;
    let pid = visible_project(st, cx, project)?;
    let st: &State = st;
    let p = &st.projects[&pid];
    let mut found: Vec<&Issue> =
        p.issues.values().filter(|i| visibility::can_read(st, pid, cx.user_id, i) && filter.matches(st, i)).collect();
    found.sort_by(|a, b| filter.compare(a, b));
    let (page, headers) =
        paginate(found, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> = page.iter().map(|i| render::issue(st, p, i)).collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

pub(super) fn show(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let pid = visible_project(st, cx, project)?;
    // A confidential issue the caller may not read is not found (IssuesFinder).
    let issue =
        st.issue(pid, iid).filter(|i| visibility::can_read(st, pid, cx.user_id, i)).ok_or_else(Reply::not_found)?;
    Ok(Reply::json(200, &render::issue(st, &st.projects[&pid], issue)))
}

/// Only project owners may delete issues; the token's user never is one here.
pub(super) fn delete(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let iid = parse_iid(iid)?;
    let pid = visible_project(st, cx, project)?;
    st.issue(pid, iid).ok_or_else(Reply::not_found)?;
    Err(Reply::forbidden())
}

/// The assignees GitLab sets for `requested`, or `None` when it leaves them as they were
/// (`filter_assignees_using_checks` in app/services/issuable_base_service.rb): an empty list
/// unassigns; Free keeps only the first id as sent; `[0]` unassigns; ids of users who cannot
/// read the issue (unknown, blocked, no access) are dropped; when none is left the parameter is
/// dropped and the assignees stay.
fn assignees(st: &State, project_id: u64, requested: Vec<u64>) -> Option<Vec<u64>> {
    if requested.is_empty() {
        return Some(Vec::new());
    }
    let mut ids = requested;
    if st.options.free_mode {
        ids.truncate(1);
    }
    if ids == [0] {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for id in ids {
        if st.assignable(project_id, id) && !out.contains(&id) {
            out.push(id);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The assignee list the parameters ask for, if they ask for one.
fn requested_assignees(p: &Params) -> Result<Option<Vec<u64>>, Reply> {
    if let Some(ids) = validate::id_list(p, "assignee_ids")? {
        return Ok(Some(ids));
    }
    match p.get("assignee_id").map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(Vec::new())),
        Some(v) => v.parse::<u64>().map(|id| Some(vec![id])).map_err(|_| validate::invalid("assignee_id")),
    }
}

/// Parameters GitLab deletes, without an error, for a caller below Reporter
/// (`filter_params` in app/services/issuable_base_service.rb).
const METADATA: &[&str] =
    &["labels", "add_labels", "remove_labels", "assignee_ids", "assignee_id", "due_date", "milestone_id"];

/// The parameters the service acts on: metadata is dropped when the caller may not set it.
fn effective_params(st: &State, pid: u64, user: u64, p: &Params) -> Params {
    if st.may_set_metadata(pid, user) {
        p.clone()
    } else {
        p.without(METADATA)
    }
}

/// Quick actions that need a saved issue (their `condition` checks `persisted?`): on create they
/// are stripped from the text but not run (lib/gitlab/quick_actions/issue_and_merge_request_actions.rb).
const NEED_SAVED_ISSUE: &[&str] = &["close", "reopen", "title"];

pub(super) fn create(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let p = cx.params;
    let Some(raw_title) = p.get("title") else {
        return Err(Reply::error(400, "title is missing"));
    };
    validate::opt_date(p, "due_date")?;
    requested_assignees(p)?;
    let confidential = validate::opt_bool(p, "confidential")?.unwrap_or(false);
    let issue_type = validate::one_of(p, "issue_type", ISSUE_TYPES)?.unwrap_or("issue");
    let pid = visible_project(st, cx, project)?;
    application_limit(st, Bucket::IssueCreate, cx.user_id)?;
    let p = &effective_params(st, pid, cx.user_id, p);
    let due_date = validate::opt_date(p, "due_date")?.flatten();
    let wanted_assignees = requested_assignees(p)?;

    let title = raw_title.trim().to_string();
    let description = p.get("description").unwrap_or("");
    validate::issue_fields(st, Some(&title), Some(description))?;
    crate::spam::check(st, pid, cx.user_id, None, confidential, &title, description)?;

    let mut extracted = quick_actions::extract(description, None);
    extracted.commands.retain(|c| !NEED_SAVED_ISSUE.contains(&c.action));
    let mut labels = p.list("labels").unwrap_or_default();
    labels.extend(p.list("add_labels").unwrap_or_default());
    let now = st.now();
    let mut issue = new_issue(cx.user_id, &title, now);
    issue.description = extracted.text.clone();
    issue.labels = labels;
    issue.assignee_ids = wanted_assignees.and_then(|ids| assignees(st, pid, ids)).unwrap_or_default();
    issue.due_date = due_date;
    issue.confidential = confidential;
    issue.issue_type = issue_type.to_string();
    let iid = st.insert_issue(pid, issue);

    actions::apply(st, pid, iid, cx.user_id, &extracted.commands, "description");
    record_mentions(st, pid, iid, "", &title, "title");
    record_mentions(st, pid, iid, "", &extracted.text, "description");
    let issue = st.issue(pid, iid).expect("just created");
    Ok(Reply::json(201, &render::issue(st, &st.projects[&pid], issue)))
}

pub(super) fn edit(st: &mut State, cx: &Cx<'_>, project: &str, iid: &str) -> Answer {
    let p = cx.params;
    let iid = parse_iid(iid)?;
    if !EDITABLE.iter().any(|k| p.has(k)) {
        return Err(Reply::error(
            400,
            &format!("{} are missing, at least one parameter must be provided", EDITABLE.join(", ")),
        ));
    }
    let state_event = validate::one_of(p, "state_event", &["close", "reopen"])?;
    validate::opt_date(p, "due_date")?;
    requested_assignees(p)?;
    let confidential = validate::opt_bool(p, "confidential")?;
    let issue_type = validate::one_of(p, "issue_type", ISSUE_TYPES)?;
    let pid = visible_project(st, cx, project)?;
    let p = &effective_params(st, pid, cx.user_id, p);
    let due_date = validate::opt_date(p, "due_date")?;
    let wanted_assignees = requested_assignees(p)?;
    let before = st.issue(pid, iid).cloned().ok_or_else(Reply::not_found)?;
    // PUT finds the issue without the finder, then `authorize! :update_issue`: 403 for a
    // confidential issue the caller may not read (lib/api/issues.rb, app/policies/issue_policy.rb).
    if !visibility::can_read(st, pid, cx.user_id, &before) {
        return Err(Reply::forbidden());
    }
    // On an existing issue `confidential` needs `set_confidentiality`, granted with
    // `set_issue_metadata` (Planner and up): GitLab drops it for others without an error
    // (`filter_params` in app/services/issuable_base_service.rb).
    let confidential = confidential.filter(|_| st.may_set_metadata(pid, cx.user_id));

    let title = p.get("title").map(|t| t.trim().to_string());
    let description = p.get("description");
    validate::issue_fields(st, title.as_deref(), description)?;
    let (spam_title, spam_text) =
        (title.as_deref().unwrap_or(&before.title), description.unwrap_or(&before.description));
    let now_confidential = confidential.unwrap_or(before.confidential);
    crate::spam::check(st, pid, cx.user_id, Some(&before), now_confidential, spam_title, spam_text)?;

    let extracted = description.map(|d| quick_actions::extract(d, Some(&before.description)));
    let new_assignees = wanted_assignees.and_then(|ids| assignees(st, pid, ids));
    let replace_labels = p.list("labels");
    let add_labels = p.list("add_labels").unwrap_or_default();
    let remove_labels = p.list("remove_labels").unwrap_or_default();
    let now = st.now();
    {
        let named: Vec<String> = replace_labels.iter().flatten().chain(&add_labels).cloned().collect();
        st.ensure_labels(pid, &named);
        let project = st.projects.get_mut(&pid).expect("visible project");
        let issue = project.issues.get_mut(&iid).expect("issue exists");
        if let Some(t) = title {
            issue.title = t;
        }
        if let Some(e) = &extracted {
            issue.description = e.text.clone();
        }
        if let Some(labels) = replace_labels {
            issue.labels = labels;
        }
        issue.labels.extend(add_labels);
        issue.labels.retain(|l| !remove_labels.contains(l));
        normalize_labels(&mut issue.labels);
        if let Some(ids) = new_assignees {
            issue.assignee_ids = ids;
        }
        match state_event {
            Some("close") if issue.is_open() => {
                issue.state = "closed".into();
                issue.closed_at = Some(now);
                issue.closed_by_id = Some(cx.user_id);
            }
            Some("reopen") if !issue.is_open() => {
                issue.state = "opened".into();
                issue.closed_at = None;
                issue.closed_by_id = None;
            }
            _ => {}
        }
        if let Some(d) = due_date {
            issue.due_date = d;
        }
        if let Some(c) = confidential {
            issue.confidential = c;
        }
        if let Some(t) = issue_type {
            issue.issue_type = t.to_string();
        }
    }
    if let Some(e) = &extracted {
        actions::apply(st, pid, iid, cx.user_id, &e.commands, "description");
    }
    system_notes::record_update(st, pid, iid, cx.user_id, &before);
    let after = st.issue(pid, iid).cloned().expect("issue exists");
    let mut unchanged = after.clone();
    unchanged.updated_at = before.updated_at;
    if unchanged != before {
        let t = st.now();
        if let Some(i) = st.issue_mut(pid, iid) {
            i.updated_at = t;
        }
    }
    record_mentions(st, pid, iid, &before.title, &after.title, "title");
    record_mentions(st, pid, iid, &before.description, &after.description, "description");
    let issue = st.issue(pid, iid).expect("issue exists");
    Ok(Reply::json(200, &render::issue(st, &st.projects[&pid], issue)))
}
