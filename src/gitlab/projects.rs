//! Projects resolved to ids once per run: GitLab paths are case-insensitive and old paths keep
//! answering after a rename, so the numeric id is a project's identity.

use std::collections::{BTreeMap, BTreeSet};

use gitlab::api;
use serde::Deserialize;

use super::client::{Gitlab, Project};
use super::errors::ApiError;
use super::transport::Class;

#[derive(Deserialize)]
struct WireProject {
    id: u64,
    path_with_namespace: String,
}

/// What to tell someone whose token cannot see a project.
pub fn reach_advice(project: &str) -> String {
    format!(
        "the token cannot see project {project}: a project access token reaches only its own project; use a group \
         access token for the group holding every project, or a bot user who is a member (Reporter or higher) of each"
    )
}

impl Gitlab {
    /// Resolve each spelling (one `GET /projects/:path` each). A project the token cannot see
    /// is an error for that spelling only.
    pub async fn resolve_projects(&self, spellings: &BTreeSet<String>) -> BTreeMap<String, Result<Project, ApiError>> {
        let mut out = BTreeMap::new();
        // All at once: each is one request, and none depends on another.
        let found = futures::future::join_all(spellings.iter().map(|s| self.resolve_one(s))).await;
        for (s, found) in spellings.iter().zip(found) {
            if let Ok(p) = &found {
                let mut known = self.inner.projects.lock().expect("projects lock");
                known.insert(s.to_lowercase(), p.clone());
                known.insert(p.path.to_lowercase(), p.clone());
            }
            out.insert(s.clone(), found);
        }
        out
    }

    async fn resolve_one(&self, path: &str) -> Result<Project, ApiError> {
        let ep =
            api::projects::Project::builder().project(path).build().map_err(|e| ApiError::Config(e.to_string()))?;
        let (_, w): (_, WireProject) = self.json(&self.inner.transport.call(&ep, &[], &[], Class::Read)?).await?;
        // The project's `permissions` are not read: they show direct and ancestor-group membership
        // only, not access through a project or group share (lib/api/entities/project_with_access.rb),
        // so a Reporter through a share would look like a Guest. Whether GitLab drops fields for this
        // token is learnt from the first write's answer instead (`sync::write`).
        Ok(Project { id: w.id, path: w.path_with_namespace })
    }

    /// The resolved project for a spelling, if resolved.
    pub fn project(&self, spelling: &str) -> Option<Project> {
        self.inner.projects.lock().expect("projects lock").get(&spelling.to_lowercase()).cloned()
    }

    /// How to name a project in a request: its id once resolved, else its path.
    pub(super) fn project_ref(&self, spelling: &str) -> api::common::NameOrId<'static> {
        match self.project(spelling) {
            Some(p) => p.id.into(),
            None => spelling.to_string().into(),
        }
    }

    /// GitLab's own path for a spelling (the spelling itself until resolved).
    pub fn canonical(&self, spelling: &str) -> String {
        self.project(spelling).map_or_else(|| spelling.to_string(), |p| p.path)
    }
}
