//! Notes on a merge request: where `plan` leaves its summary for the people reviewing a change.

use gitlab::api::projects::merge_requests::notes::{CreateMergeRequestNote, EditMergeRequestNote, MergeRequestNotes};
use serde::Deserialize;

use super::client::Gitlab;
use super::errors::ApiError;
use super::transport::Class;

/// A note on a merge request, as much of it as onboarder reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MrNote {
    pub id: u64,
    pub body: String,
    pub author: NoteAuthor,
}

/// Who wrote a note.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoteAuthor {
    pub id: u64,
}

fn builder_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Config(e.to_string())
}

impl Gitlab {
    /// Every note on merge request `iid`, newest first, page by page.
    pub async fn merge_request_notes(&self, project: &str, iid: u64) -> Result<Vec<MrNote>, ApiError> {
        let ep = MergeRequestNotes::builder()
            .project(self.project_ref(project))
            .merge_request(iid)
            .sort(gitlab::api::common::SortOrder::Descending)
            .build()
            .map_err(builder_error)?;
        self.all_pages(&ep).await
    }

    /// Post a note on merge request `iid`. Not retried after a timeout: a second copy would be noise.
    pub async fn create_merge_request_note(&self, project: &str, iid: u64, body: &str) -> Result<(), ApiError> {
        let ep = CreateMergeRequestNote::builder()
            .project(self.project_ref(project))
            .merge_request(iid)
            .body(body)
            .build()
            .map_err(builder_error)?;
        self.inner.transport.send(&self.inner.transport.call(&ep, &[], &[], Class::CreateNote)?).await.map(|_| ())
    }

    /// Replace the text of note `note` on merge request `iid` (only its author may).
    pub async fn edit_merge_request_note(
        &self,
        project: &str,
        iid: u64,
        note: u64,
        body: &str,
    ) -> Result<(), ApiError> {
        let ep = EditMergeRequestNote::builder()
            .project(self.project_ref(project))
            .merge_request(iid)
            .note(note)
            .body(body)
            .build()
            .map_err(builder_error)?;
        self.inner.transport.send(&self.inner.transport.call(&ep, &[], &[], Class::Edit)?).await.map(|_| ())
    }
}
