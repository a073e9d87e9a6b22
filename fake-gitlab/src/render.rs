//! JSON renderings of users, projects, issues and notes, shaped like GitLab's API entities.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::model::{Issue, Label, Note};
use crate::state::{Project, State};

pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `UserBasic`: id, username, name, state, avatar and profile URLs.
pub(crate) fn user(st: &State, id: u64) -> Value {
    match st.users.get(&id) {
        Some(u) => json!({
            "id": u.id,
            "username": u.username,
            "name": u.name,
            "state": u.state,
            "locked": false,
            "avatar_url": null,
            "web_url": format!("{}/{}", st.base_url, u.username),
        }),
        None => json!({
            "id": id,
            "username": "ghost",
            "name": "Ghost User",
            "state": "active",
            "locked": false,
            "avatar_url": null,
            "web_url": format!("{}/ghost", st.base_url),
        }),
    }
}

pub(crate) fn project(st: &State, p: &Project) -> Value {
    let name = p.path.rsplit('/').next().unwrap_or(&p.path);
    json!({
        "id": p.id,
        "name": name,
        "path": name,
        "path_with_namespace": p.path,
        "name_with_namespace": p.path.replace('/', " / "),
        "default_branch": "main",
        "visibility": "private",
        "web_url": format!("{}/{}", st.base_url, p.path),
    })
}

pub(crate) fn issue(st: &State, p: &Project, i: &Issue) -> Value {
    let (count, completed) = i.task_status();
    let mut ids = i.assignee_ids.clone();
    if st.options.assignee_order == crate::options::AssigneeOrder::ById {
        ids.sort_unstable();
    }
    let assignees: Vec<Value> = ids.iter().map(|&a| user(st, a)).collect();
    let mut labels = i.labels.clone();
    labels.sort();
    labels.dedup();
    // `user_notes_count` counts comments only, never system notes (Issuable#user_notes_count).
    let notes = p.notes.get(&i.iid).map_or(0, |ns| ns.iter().filter(|n| !n.system).count());
    let web_url = format!("{}/{}/-/issues/{}", st.base_url, p.path, i.iid);
    let api = format!("{}/api/v4/projects/{}", st.base_url, p.id);
    json!({
        "id": i.id,
        "iid": i.iid,
        "project_id": p.id,
        "title": i.title,
        "description": if i.description.is_empty() { Value::Null } else { Value::String(i.description.clone()) },
        "state": i.state,
        "created_at": time(&i.created_at),
        "updated_at": time(&i.updated_at),
        "closed_at": i.closed_at.as_ref().map(time),
        "closed_by": i.closed_by_id.map(|u| user(st, u)),
        "labels": labels,
        "milestone": null,
        "assignees": assignees,
        "author": user(st, i.author_id),
        "type": i.issue_type.to_uppercase(),
        "assignee": assignees.first().cloned(),
        "user_notes_count": notes,
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": i.due_date,
        "confidential": i.confidential,
        "discussion_locked": null,
        "issue_type": i.issue_type,
        "web_url": web_url,
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": null,
            "human_total_time_spent": null,
        },
        "task_completion_status": { "count": count, "completed_count": completed },
        "has_tasks": count > 0,
        "task_status": format!("{completed} of {count} checklist items completed"),
        "_links": {
            "self": format!("{api}/issues/{}", i.iid),
            "notes": format!("{api}/issues/{}/notes", i.iid),
            "award_emoji": format!("{api}/issues/{}/award_emoji", i.iid),
            "project": api,
        },
        "references": {
            "short": format!("#{}", i.iid),
            "relative": format!("#{}", i.iid),
            "full": format!("{}#{}", p.path, i.iid),
        },
        "severity": "UNKNOWN",
        "moved_to_id": i.moved_to_id,
        "service_desk_reply_to": null,
    })
}

pub(crate) fn note(st: &State, p: &Project, issue: &Issue, n: &Note) -> Value {
    json!({
        "id": n.id,
        "type": null,
        "body": n.body,
        "attachment": null,
        "author": user(st, n.author_id),
        "created_at": time(&n.created_at),
        "updated_at": time(&n.updated_at),
        "system": n.system,
        "noteable_id": issue.id,
        "noteable_type": "Issue",
        "project_id": p.id,
        "noteable_iid": issue.iid,
        "resolvable": false,
        "confidential": false,
        "internal": false,
    })
}

/// `ProjectLabel`: the colour as given, a readable text colour, the description as plain HTML.
pub(crate) fn label(l: &Label) -> Value {
    let html = l.description.as_deref().map(|d| {
        let escaped = d.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        format!("<p dir=\"auto\">{escaped}</p>")
    });
    json!({
        "id": l.id,
        "name": l.name,
        "description": l.description,
        "description_html": html.unwrap_or_default(),
        "text_color": text_color(&l.color),
        "color": l.color,
        "subscribed": false,
        "priority": null,
        "is_project_label": true,
        "archived": false,
    })
}

/// White on dark colours, near-black on light ones (named colours count as dark).
fn text_color(color: &str) -> &'static str {
    let hex = color.trim_start_matches('#');
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as u32;
    let light = hex.len() == 6 && channel(0) * 299 + channel(2) * 587 + channel(4) * 114 > 128_000;
    if light {
        "#1F1E24"
    } else {
        "#FFFFFF"
    }
}
