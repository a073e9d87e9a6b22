//! Maps a raw request path to a route (and its template) the way Grape's routes match.

use percent_encoding::percent_decode_str;

/// A matched route with its decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    User,
    Users,
    /// `GET /users/:id`.
    UserById {
        id: String,
    },
    Project {
        project: String,
    },
    Issues {
        project: String,
    },
    Issue {
        project: String,
        iid: String,
    },
    Notes {
        project: String,
        iid: String,
    },
    MrNotes {
        project: String,
        iid: String,
    },
    MrNote {
        project: String,
        iid: String,
        note: String,
    },
    Labels {
        project: String,
    },
    Label {
        project: String,
        name: String,
    },
    TokenSelf,
    Tree {
        project: String,
    },
    RawFile {
        project: String,
        file: String,
    },
    Templates {
        project: String,
        kind: String,
    },
    Template {
        project: String,
        kind: String,
        name: String,
    },
}

impl Route {
    /// The template recorded for the request, e.g. `/api/v4/projects/:id/issues/:iid`.
    pub fn template(&self) -> &'static str {
        match self {
            Route::User => "/api/v4/user",
            Route::Users => "/api/v4/users",
            Route::UserById { .. } => "/api/v4/users/:id",
            Route::Project { .. } => "/api/v4/projects/:id",
            Route::Issues { .. } => "/api/v4/projects/:id/issues",
            Route::Issue { .. } => "/api/v4/projects/:id/issues/:iid",
            Route::Notes { .. } => "/api/v4/projects/:id/issues/:iid/notes",
            Route::MrNotes { .. } => "/api/v4/projects/:id/merge_requests/:merge_request_iid/notes",
            Route::MrNote { .. } => "/api/v4/projects/:id/merge_requests/:merge_request_iid/notes/:note_id",
            Route::Labels { .. } => "/api/v4/projects/:id/labels",
            Route::Label { .. } => "/api/v4/projects/:id/labels/:name",
            Route::TokenSelf => "/api/v4/personal_access_tokens/self",
            Route::Tree { .. } => "/api/v4/projects/:id/repository/tree",
            Route::RawFile { .. } => "/api/v4/projects/:id/repository/files/:file_path/raw",
            Route::Templates { .. } => "/api/v4/projects/:id/templates/:type",
            Route::Template { .. } => "/api/v4/projects/:id/templates/:type/:name",
        }
    }

    /// Methods the route answers; anything else gets 405.
    pub fn allows(&self, method: &str) -> bool {
        let allowed: &[&str] = match self {
            Route::User
            | Route::Users
            | Route::UserById { .. }
            | Route::Project { .. }
            | Route::TokenSelf
            | Route::Tree { .. }
            | Route::RawFile { .. }
            | Route::Templates { .. }
            | Route::Template { .. } => &["GET"],
            Route::Issues { .. } | Route::Notes { .. } | Route::MrNotes { .. } => &["GET", "POST"],
            // `PUT :id/labels` with `name` or `label_id`: the form deprecated in 12.4, still served.
            Route::Labels { .. } => &["GET", "POST", "PUT"],
            Route::MrNote { .. } => &["PUT"],
            Route::Issue { .. } => &["GET", "PUT", "DELETE"],
            Route::Label { .. } => &["GET", "PUT", "DELETE"],
        };
        allowed.contains(&method)
    }
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The route for `path` (still percent-encoded). A project path must be URL-encoded into one
/// segment: `gitlab-com%2Fsupport%2Fsupport-training`; unencoded slashes match no route.
pub(crate) fn match_path(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/api/v4/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    let route = match segments.as_slice() {
        ["user"] => Route::User,
        ["users"] => Route::Users,
        ["users", id] => Route::UserById { id: decode(id) },
        ["projects", id] => Route::Project { project: decode(id) },
        ["projects", id, "issues"] => Route::Issues { project: decode(id) },
        ["projects", id, "issues", iid] => Route::Issue { project: decode(id), iid: decode(iid) },
        ["projects", id, "issues", iid, "notes"] => Route::Notes { project: decode(id), iid: decode(iid) },
        ["projects", id, "merge_requests", iid, "notes"] => Route::MrNotes { project: decode(id), iid: decode(iid) },
        ["projects", id, "merge_requests", iid, "notes", note] => {
            Route::MrNote { project: decode(id), iid: decode(iid), note: decode(note) }
        }
        ["projects", id, "labels"] => Route::Labels { project: decode(id) },
        // The name is one URL-encoded segment (`API::NO_SLASH_URL_PART_REGEX`).
        ["projects", id, "labels", name] => Route::Label { project: decode(id), name: decode(name) },
        ["personal_access_tokens", "self"] => Route::TokenSelf,
        ["projects", id, "repository", "tree"] => Route::Tree { project: decode(id) },
        ["projects", id, "repository", "files", file, "raw"] => {
            Route::RawFile { project: decode(id), file: decode(file) }
        }
        ["projects", id, "templates", kind] => Route::Templates { project: decode(id), kind: decode(kind) },
        // `name: /[\w%.+-]+/` on the raw segment (TEMPLATE_NAMES_ENDPOINT_REQUIREMENTS in
        // lib/api/project_templates.rb): other characters must come percent-encoded.
        ["projects", id, "templates", kind, name]
            if name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'%' | b'.' | b'+' | b'-')) =>
        {
            Route::Template { project: decode(id), kind: decode(kind), name: decode(name) }
        }
        _ => return None,
    };
    Some(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_paths_match_and_raw_slashes_do_not() {
        assert_eq!(match_path("/api/v4/projects/a%2Fb%2Fc/issues"), Some(Route::Issues { project: "a/b/c".into() }));
        assert_eq!(match_path("/api/v4/projects/a/b/c/issues"), None);
        assert_eq!(
            match_path("/api/v4/projects/7/issues/3/notes"),
            Some(Route::Notes { project: "7".into(), iid: "3".into() })
        );
        assert_eq!(
            match_path("/api/v4/projects/7/labels/onboarder-run%20lock%3A%3Ax"),
            Some(Route::Label { project: "7".into(), name: "onboarder-run lock::x".into() })
        );
        assert_eq!(match_path("/api/v4/user/"), None);
        assert_eq!(match_path("/api/v3/user"), None);
    }
}
