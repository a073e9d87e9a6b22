//! Project description templates: `GET /projects/:id/templates/issues` lists the project's issue
//! templates, `GET /projects/:id/templates/issues/:name` gives one.
//!
//! GitLab: lib/api/project_templates.rb (`TEMPLATE_TYPES`; the list is paginated and presented
//! with Entities::TemplatesList, `{key, name}`; one template with Entities::Template,
//! `{name, content}`; `not_found!('Template')` when there is none), lib/gitlab/template/
//! issue_template.rb (the `.md` files of `.gitlab/issue_templates/`, named without the
//! extension). Templates live in the repository there; the fake keeps them beside it.

use serde_json::{json, Value};

use super::{visible_project, Cx};
use crate::pagination::{paginate, PageRequest};
use crate::reply::{Answer, Reply};
use crate::state::State;
use crate::FakeGitlab;

/// The `:type` values GitLab routes (lib/api/project_templates.rb).
const TEMPLATE_TYPES: &[&str] =
    &["dockerfiles", "gitignores", "gitlab_ci_ymls", "licenses", "metrics_dashboard_ymls", "issues", "merge_requests"];

impl FakeGitlab {
    /// Adds (or replaces) the issue template `name`, as if `.gitlab/issue_templates/<name>.md`
    /// held `content` on the default branch.
    pub fn add_issue_template(&self, project: &str, name: &str, content: &str) {
        self.lock().project_mut_by_path(project).issue_templates.insert(name.to_string(), content.to_string());
    }
}

/// `:type` must be one GitLab knows (400 otherwise, as Grape's `values:` answers).
fn check_type(kind: &str) -> Result<(), Reply> {
    if TEMPLATE_TYPES.contains(&kind) {
        Ok(())
    } else {
        Err(Reply::error(400, "type does not have a valid value"))
    }
}

/// Issue templates by name; the other types have none in the fake.
fn templates<'a>(st: &'a State, pid: u64, kind: &str) -> Vec<(&'a String, &'a String)> {
    match kind {
        "issues" => st.projects[&pid].issue_templates.iter().collect(),
        _ => Vec::new(),
    }
}

/// `GET /projects/:id/templates/:type`: `[{key, name}]` ordered by file name, paginated.
pub(super) fn list(st: &mut State, cx: &Cx<'_>, project: &str, kind: &str) -> Answer {
    check_type(kind)?;
    let pid = visible_project(st, cx, project)?;
    let st: &State = st;
    let all: Vec<Value> =
        templates(st, pid, kind).into_iter().map(|(name, _)| json!({"key": name, "name": name})).collect();
    let (page, headers) =
        paginate(all, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    Ok(Reply::json(200, &Value::Array(page)).with_headers(headers))
}

/// `GET /projects/:id/templates/:type/:name`: `{name, content}`, or 404 Template Not Found.
pub(super) fn show(st: &mut State, cx: &Cx<'_>, project: &str, kind: &str, name: &str) -> Answer {
    check_type(kind)?;
    let pid = visible_project(st, cx, project)?;
    let found = templates(st, pid, kind).into_iter().find(|(n, _)| n.as_str() == name);
    let (name, content) = found.ok_or_else(|| Reply::message(404, "404 Template Not Found"))?;
    Ok(Reply::json(200, &json!({ "name": name, "content": content })))
}
