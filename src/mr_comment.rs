//! The plan as one comment on the merge request that changes the roster, kept up to date in place.

use crate::gitlab::{ApiError, Gitlab, MrNote, Token};

/// The hidden first line that marks onboarder's own comment among the others.
pub const MARKER: &str = "<!-- onboarder:plan -->";

/// The token that may comment on the merge request (`api` scope, Reporter or more).
pub const TOKEN_VAR: &str = "GITLAB_MR_TOKEN";

/// The merge request of this pipeline, from GitLab CI's predefined variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `CI_MERGE_REQUEST_PROJECT_ID`, else `CI_MERGE_REQUEST_PROJECT_PATH`.
    pub project: String,
    /// `CI_MERGE_REQUEST_IID`.
    pub iid: u64,
}

impl Target {
    /// The merge request and the token to comment with; `None` outside a merge request
    /// pipeline or without `GITLAB_MR_TOKEN` (then the plan comments nowhere).
    pub fn from_env() -> Option<(Target, Token)> {
        let var = |v: &str| std::env::var(v).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let token = Token::new(var(TOKEN_VAR)?);
        let iid = var("CI_MERGE_REQUEST_IID")?.parse().ok()?;
        let project = var("CI_MERGE_REQUEST_PROJECT_ID").or_else(|| var("CI_MERGE_REQUEST_PROJECT_PATH"))?;
        Some((Target { project, iid }, token))
    }
}

/// What to do with the merge request's notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Post,
    Edit(u64),
    Nothing,
}

/// The comment's text: the marker, then the plan summary.
pub fn body(markdown: &str) -> String {
    format!("{MARKER}\n{}", markdown.trim_end())
}

/// Post when there is no comment of ours yet, edit ours (the newest, if several) when its text
/// differs, else nothing. Only a note the token's own user wrote counts: no one else's is edited.
pub fn decide(notes: &[MrNote], me: u64, body: &str) -> Step {
    let ours = notes.iter().filter(|n| n.author.id == me && n.body.starts_with(MARKER)).max_by_key(|n| n.id);
    match ours {
        None => Step::Post,
        Some(n) if n.body.trim_end() == body.trim_end() => Step::Nothing,
        Some(n) => Step::Edit(n.id),
    }
}

/// Read the merge request's notes and post or edit the plan's comment. Returns what it did.
pub async fn publish(gl: &Gitlab, target: &Target, markdown: &str) -> Result<Step, ApiError> {
    let body = body(markdown);
    let notes = gl.merge_request_notes(&target.project, target.iid).await?;
    let step = decide(&notes, gl.me().id, &body);
    match step {
        Step::Post => gl.create_merge_request_note(&target.project, target.iid, &body).await?,
        Step::Edit(id) => gl.edit_merge_request_note(&target.project, target.iid, id, &body).await?,
        Step::Nothing => {}
    }
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitlab::NoteAuthor;

    fn note(id: u64, author: u64, body: &str) -> MrNote {
        MrNote { id, body: body.to_string(), author: NoteAuthor { id: author } }
    }

    #[test]
    fn post_edit_or_leave_alone() {
        let new = body("## Plan\n\n2 to create\n");
        let old = body("## Plan\n\n1 to create");
        let cases: Vec<(&str, Vec<MrNote>, Step)> = vec![
            ("no notes", vec![], Step::Post),
            ("only others' talk", vec![note(1, 9, "looks good")], Step::Post),
            ("someone quoting the marker is not ours", vec![note(1, 9, &old)], Step::Post),
            ("ours, changed", vec![note(1, 9, "lgtm"), note(3, 5, &old)], Step::Edit(3)),
            ("ours, unchanged (GitLab trims the end)", vec![note(3, 5, new.trim_end())], Step::Nothing),
            ("ours without the marker is plain talk", vec![note(3, 5, "## Plan")], Step::Post),
            ("several of ours: the newest", vec![note(3, 5, &old), note(8, 5, &old)], Step::Edit(8)),
        ];
        for (why, notes, want) in cases {
            assert_eq!(decide(&notes, 5, &new), want, "{why}");
        }
    }

    #[test]
    fn the_marker_leads_the_comment() {
        assert_eq!(body("## Plan\n\n"), format!("{MARKER}\n## Plan"));
    }
}
