//! Project label endpoints: list, show, create (409 when the name is taken) and delete, as
//! lib/api/labels.rb and lib/api/helpers/label_helpers.rb answer them.

use serde_json::Value;

use super::{visible_project, Cx};
use crate::group_labels;
use crate::model::Label;
use crate::pagination::{paginate, PageRequest};
use crate::render;
use crate::reply::{Answer, Reply};
use crate::state::State;

pub(super) fn list(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let pid = visible_project(st, cx, project)?;
    let st: &State = st;
    let search = cx.params.get("search").map(str::to_lowercase);
    // Project labels and those of the groups above, by title (app/finders/labels_finder.rb).
    let own = st.projects[&pid].labels.values().map(|l| (l, true));
    let mut labels: Vec<(&Label, bool)> = own
        .chain(group_labels::available(st, pid).into_iter().map(|l| (l, false)))
        .filter(|(l, _)| search.as_deref().is_none_or(|s| l.name.to_lowercase().contains(s)))
        .collect();
    labels.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(b.1.cmp(&a.1)));
    let (page, headers) =
        paginate(labels, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> =
        page.into_iter().map(|(l, own)| if own { render::label(l) } else { group_labels::render(l) }).collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

/// `find_label`: a numeric `:name` is tried as an id first, then as a title.
fn find<'s>(st: &'s State, pid: u64, name: &str) -> Result<&'s Label, Reply> {
    let labels = &st.projects[&pid].labels;
    let by_id = name.parse::<u64>().ok().and_then(|id| labels.values().find(|l| l.id == id));
    by_id.or_else(|| labels.get(name)).ok_or_else(|| Reply::message(404, "404 Label Not Found"))
}

pub(super) fn show(st: &mut State, cx: &Cx<'_>, project: &str, name: &str) -> Answer {
    let pid = visible_project(st, cx, project)?;
    match find(st, pid, name) {
        Ok(label) => Ok(Reply::json(200, &render::label(label))),
        Err(not_found) => {
            group_labels::find(st, pid, name).map(|l| Reply::json(200, &group_labels::render(&l))).ok_or(not_found)
        }
    }
}

pub(super) fn create(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let p = cx.params;
    let missing: Vec<String> =
        ["name", "color"].iter().filter(|k| !p.has(k)).map(|k| format!("{k} is missing")).collect();
    if !missing.is_empty() {
        return Err(Reply::error(400, &missing.join(", ")));
    }
    let pid = visible_project(st, cx, project)?;
    // `authorize! :admin_label` comes before the lookup: a Guest learns nothing.
    if !st.may_manage_labels(pid, cx.user_id) {
        return Err(Reply::forbidden());
    }
    let name = p.get("name").unwrap_or("").trim().to_string();
    if st.projects[&pid].labels.contains_key(&name) || group_labels::has_title(st, pid, &name) {
        return Err(Reply::message(409, "Label already exists"));
    }
    let color = p.get("color").unwrap_or("").trim();
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(("title", "can't be blank".to_string()));
    } else if name.contains(',') {
        errors.push(("title", "is invalid".to_string()));
    }
    if !valid_color(color) {
        errors.push(("color", "must be a valid color code".to_string()));
    }
    if !errors.is_empty() {
        return Err(Reply::validation(&errors));
    }
    let label = st.add_label(pid, &name, color, p.get("description"));
    Ok(Reply::json(201, &render::label(&label)))
}

/// `PUT /projects/:id/labels/:label_id` (`update_label`): at least one of `new_name`, `color`,
/// `description`, `priority`; only the project's own labels (`include_ancestor_groups: false`),
/// so a group label's title answers 404; `:update_label` needs the role that manages labels.
pub(super) fn edit(st: &mut State, cx: &Cx<'_>, project: &str, name: &str) -> Answer {
    let p = cx.params;
    let pid = visible_project(st, cx, project)?;
    if !st.may_manage_labels(pid, cx.user_id) {
        return Err(Reply::forbidden());
    }
    let title = find(st, pid, name)?.name.clone();
    if !["new_name", "color", "description", "priority", "archived"].iter().any(|k| p.has(k)) {
        return Err(Reply::error(
            400,
            "new_name, color, description, priority, archived are missing, at least one parameter must be provided",
        ));
    }
    if let Some(color) = p.get("color").map(str::trim) {
        if !valid_color(color) {
            return Err(Reply::validation(&[("color", "must be a valid color code".to_string())]));
        }
    }
    let new_name = p.get("new_name").map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(n) = new_name.as_ref().filter(|n| **n != title) {
        if st.projects[&pid].labels.contains_key(n) {
            return Err(Reply::validation(&[("title", "has already been taken".to_string())]));
        }
    }
    let project = st.projects.get_mut(&pid).expect("visible project");
    let mut label = project.labels.remove(&title).expect("found above");
    if let Some(c) = p.get("color") {
        label.color = c.trim().to_string();
    }
    if let Some(d) = p.get("description") {
        label.description = Some(d.to_string());
    }
    if let Some(n) = new_name {
        for issue in project.issues.values_mut() {
            for l in issue.labels.iter_mut().filter(|l| **l == title) {
                l.clone_from(&n);
            }
        }
        label.name = n;
    }
    let body = render::label(&label);
    project.labels.insert(label.name.clone(), label);
    Ok(Reply::json(200, &body))
}

/// `PUT /projects/:id/labels` with the label's `name` or `label_id` in the form (deprecated in
/// GitLab 12.4, still served; python-gitlab edits labels this way): `exactly_one_of`.
pub(super) fn edit_named(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let p = cx.params;
    let name = match (p.get("name"), p.get("label_id")) {
        (Some(n), None) => n.to_string(),
        (None, Some(id)) => id.to_string(),
        (Some(_), Some(_)) => return Err(Reply::error(400, "label_id, name are mutually exclusive")),
        (None, None) => {
            return Err(Reply::error(400, "label_id, name are missing, exactly one parameter must be provided"))
        }
    };
    edit(st, cx, project, &name)
}

/// Deleting a label removes it from every issue that carries it (its label links go with it).
/// Only the project's own labels: a group label's title answers 404 here.
pub(super) fn delete(st: &mut State, cx: &Cx<'_>, project: &str, name: &str) -> Answer {
    let pid = visible_project(st, cx, project)?;
    let title = find(st, pid, name)?.name.clone();
    if !st.may_manage_labels(pid, cx.user_id) {
        return Err(Reply::forbidden());
    }
    let p = st.projects.get_mut(&pid).expect("visible project");
    p.labels.remove(&title);
    for issue in p.issues.values_mut() {
        issue.labels.retain(|l| *l != title);
    }
    Ok(Reply::text(204, "text/plain", ""))
}

/// `#rgb`, `#rrggbb` or a CSS colour name (`Gitlab::Color.of`).
fn valid_color(c: &str) -> bool {
    match c.strip_prefix('#') {
        Some(hex) => matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphabetic()),
    }
}
