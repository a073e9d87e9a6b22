//! What carrying out an action came to: done, failed (and why), or not run; and why a write
//! failed, for the writers.

use crate::gitlab::ApiError;
use crate::plan::Action;

/// What happened when an action was carried out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// `done`, `failed`, or `not-run` (dry run).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the run did, action by action.
pub struct Done {
    pub rows: Vec<(Action, Option<Outcome>)>,
    /// A token or project problem that stopped the run.
    pub fatal: Option<ApiError>,
}

#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    #[error("{0}")]
    Api(ApiError),
    #[error("{0}")]
    Other(String),
    /// A create whose answer never came: settled by one listing per batch.
    #[error("no answer to the create: {0}")]
    Unknown(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

pub(super) fn done() -> Outcome {
    Outcome { status: "done", error: None }
}

pub(super) fn failed(e: impl ToString) -> Outcome {
    Outcome { status: "failed", error: Some(e.to_string()) }
}
