//! A project's issue templates (`GET /projects/:id/templates/issues`): the names a new issue can
//! be opened from with `issuable_template=<name>`.

use std::borrow::Cow;

use gitlab::api::common::NameOrId;
use gitlab::api::Endpoint;
use http::Method;
use serde::Deserialize;

use super::client::Gitlab;
use super::errors::ApiError;

/// The `gitlab` crate has no endpoint for project templates: lib/api/project_templates.rb routes
/// `GET /projects/:id/templates/:type` (`issues` among its `TEMPLATE_TYPES`), paginated, each
/// entry `{key, name}` (Entities::TemplatesList); the names are the `.md` files of
/// `.gitlab/issue_templates/` without the extension (lib/gitlab/template/issue_template.rb).
struct IssueTemplates<'a> {
    project: NameOrId<'a>,
}

impl Endpoint for IssueTemplates<'_> {
    fn method(&self) -> Method {
        Method::GET
    }

    fn endpoint(&self) -> Cow<'static, str> {
        format!("projects/{}/templates/issues", self.project).into()
    }
}

#[derive(Deserialize)]
struct WireTemplate {
    name: String,
}

impl Gitlab {
    /// The names of the issue templates of `project`, every page (one request for up to 100).
    pub async fn issue_templates(&self, project: &str) -> Result<Vec<String>, ApiError> {
        let ep = IssueTemplates { project: self.project_ref(project) };
        let templates: Vec<WireTemplate> = self.all_pages(&ep).await?;
        Ok(templates.into_iter().map(|t| t.name).collect())
    }
}
