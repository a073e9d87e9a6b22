//! Project labels, which onboarder uses as a mutex (the run lock): GitLab refuses to create a
//! second label of one name (409), so creating one is taking it and deleting it is letting go.

use gitlab::api;
use serde::Deserialize;

use super::client::Gitlab;
use super::errors::ApiError;
use super::transport::Class;

/// A project label as GitLab shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Label {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `false` for a label of a group above the project, which the project's label endpoints show
    /// but cannot change or delete (lib/api/helpers/label_helpers.rb, `include_ancestor_groups`).
    #[serde(default)]
    pub is_project_label: Option<bool>,
}

fn builder_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Config(e.to_string())
}

impl Gitlab {
    /// `POST /projects/:id/labels`: 201 with the label, `Rejected { status: 409 }` when a label
    /// of that name exists, `Forbidden` when the token may not manage labels (below Planner).
    pub async fn create_label(
        &self,
        project: &str,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<Label, ApiError> {
        let ep = api::projects::labels::CreateLabel::builder()
            .project(self.project_ref(project))
            .name(name)
            .color(color)
            .description(description)
            .build()
            .map_err(builder_error)?;
        let (_, label) = self.json(&self.inner.transport.call(&ep, &[], &[], Class::Edit)?).await?;
        Ok(label)
    }

    /// `GET /projects/:id/labels/:name`; `None` when there is none.
    pub async fn label(&self, project: &str, name: &str) -> Result<Option<Label>, ApiError> {
        let ep = api::projects::labels::Label::builder()
            .project(self.project_ref(project))
            .label(name)
            .build()
            .map_err(builder_error)?;
        match self.json(&self.inner.transport.call(&ep, &[], &[], Class::Read)?).await {
            Ok((_, label)) => Ok(Some(label)),
            Err(ApiError::NotFound(m)) if !m.contains("Project") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PUT /projects/:id/labels/:name` with a new description (and its colour: older GitLab needs
    /// a new name or a colour in every edit). `None` when the project has no such label.
    pub async fn edit_label(
        &self,
        project: &str,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<Option<Label>, ApiError> {
        let ep = api::projects::labels::EditLabel::builder()
            .project(self.project_ref(project))
            .label(name)
            .color(color)
            .description(description)
            .build()
            .map_err(builder_error)?;
        match self.json(&self.inner.transport.call(&ep, &[], &[], Class::Edit)?).await {
            Ok((_, label)) => Ok(Some(label)),
            Err(ApiError::NotFound(m)) if !m.contains("Project") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `DELETE /projects/:id/labels/:name` (204); one already gone is fine.
    pub async fn delete_label(&self, project: &str, name: &str) -> Result<(), ApiError> {
        let ep = api::projects::labels::DeleteLabel::builder()
            .project(self.project_ref(project))
            .label(name)
            .build()
            .map_err(builder_error)?;
        match self.inner.transport.send(&self.inner.transport.call(&ep, &[], &[], Class::Edit)?).await {
            Ok(_) => Ok(()),
            Err(ApiError::NotFound(m)) if !m.contains("Project") => Ok(()),
            Err(e) => Err(e),
        }
    }
}
