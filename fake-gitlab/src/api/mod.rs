//! The API proper: authentication, the throttle, token scope, then the endpoint handlers.

mod filter;
mod issues;
mod labels;
mod mr_notes;
mod notes;
mod repository;
mod search;
mod templates;
mod tree_paging;
mod users;
mod validate;

use crate::mentions;
use crate::model::MentionRecord;
use crate::pagination::LinkBase;
use crate::params::Params;
use crate::ratelimit::{self, Bucket};
use crate::reply::{Answer, Reply};
use crate::router::Route;
use crate::state::State;

/// A request that matched a route, as the handlers need it.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub route: &'a Route,
    pub path: &'a str,
    pub query: &'a str,
    pub token: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// What a handler knows about the caller and the parameters.
pub(crate) struct Cx<'a> {
    pub user_id: u64,
    /// The token's name, and the one project it reaches if it is a project access token.
    pub token: &'a str,
    pub token_project: Option<u64>,
    pub path: &'a str,
    /// Query-string parameters only (for `Link` headers).
    pub query: &'a Params,
    /// Query plus body parameters.
    pub params: &'a Params,
}

impl Cx<'_> {
    pub fn link<'s>(&'s self, st: &'s State) -> LinkBase<'s> {
        LinkBase { base_url: &st.base_url, path: self.path, query: self.query }
    }
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

/// Handles a routed request under the state lock: auth, throttle, scope, endpoint.
pub(crate) fn handle(st: &mut State, req: &Request<'_>) -> Reply {
    let Some(token) = req.token else {
        return Reply::unauthorized();
    };
    let today = st.now().date_naive();
    let (user_id, token_project) = match st.tokens.get(token) {
        None => return Reply::unauthorized(),
        Some(t) if t.revoked => return Reply::revoked(),
        // Valid through its expiry date (PersonalAccessToken.active: `expires_at >= CURRENT_DATE`).
        Some(t) if t.expires_at.is_some_and(|d| d < today) => return Reply::expired(),
        Some(t) => (t.user_id, t.project),
    };
    if !st.users.contains_key(&user_id) {
        return Reply::unauthorized();
    }
    let mut rate_headers = Vec::new();
    if let Some(limit) = st.options.request_throttle {
        let now = ratelimit::now_ms();
        let hit = st.counters.hit(Bucket::Throttle, user_id, &limit, now);
        if hit.over {
            return ratelimit::throttled(&limit, &hit, now);
        }
        rate_headers = ratelimit::headers(&limit, &hit);
    }
    let reply = crate::scopes::permit(st, req.method, req.route, token)
        .and_then(|()| endpoint(st, req, user_id, token, token_project))
        .unwrap_or_else(|e| e);
    reply.with_headers(rate_headers)
}

fn project_key(route: &Route) -> Option<&str> {
    match route {
        Route::Project { project }
        | Route::Issues { project }
        | Route::Issue { project, .. }
        | Route::Notes { project, .. }
        | Route::MrNotes { project, .. }
        | Route::MrNote { project, .. }
        | Route::Labels { project }
        | Route::Label { project, .. } => Some(project),
        Route::Tree { project } | Route::RawFile { project, .. } => Some(project),
        Route::Templates { project, .. } | Route::Template { project, .. } => Some(project),
        Route::User | Route::Users | Route::UserById { .. } | Route::TokenSelf => None,
    }
}

fn endpoint(st: &mut State, req: &Request<'_>, user_id: u64, token: &str, token_project: Option<u64>) -> Answer {
    let query = Params::from_query(req.query);
    let mut params = query.clone();
    if !req.body.is_empty() {
        if req.content_type.is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json")) {
            params.extend_json(req.body).map_err(|()| Reply::message(400, "400 Bad request - JSON body is invalid"))?;
        } else {
            params.extend_form(req.body);
        }
    }
    if is_write(req.method) {
        let read_only = project_key(req.route)
            .and_then(|key| st.project_by_key(key))
            .is_some_and(|pid| st.projects[&pid].read_only.contains(&user_id));
        if read_only {
            return Err(Reply::insufficient_scope());
        }
    }
    let cx = Cx { user_id, token, token_project, path: req.path, query: &query, params: &params };
    match (req.method, req.route) {
        ("GET", Route::User) => users::current(st, &cx),
        ("GET", Route::Users) => users::list(st, &cx),
        ("GET", Route::UserById { id }) => users::show(st, id),
        ("GET", Route::TokenSelf) => crate::scopes::token_self(st, cx.token),
        ("GET", Route::Tree { project }) => repository::tree(st, &cx, project),
        ("GET", Route::RawFile { project, file }) => repository::raw(st, &cx, project, file),
        ("GET", Route::Templates { project, kind }) => templates::list(st, &cx, project, kind),
        ("GET", Route::Template { project, kind, name }) => templates::show(st, &cx, project, kind, name),
        ("GET", Route::Project { project }) => users::project(st, &cx, project),
        ("GET", Route::Issues { project }) => issues::list(st, &cx, project),
        ("POST", Route::Issues { project }) => issues::create(st, &cx, project),
        ("GET", Route::Issue { project, iid }) => issues::show(st, &cx, project, iid),
        ("PUT", Route::Issue { project, iid }) => issues::edit(st, &cx, project, iid),
        ("DELETE", Route::Issue { project, iid }) => issues::delete(st, &cx, project, iid),
        ("GET", Route::Notes { project, iid }) => notes::list(st, &cx, project, iid),
        ("POST", Route::Notes { project, iid }) => notes::create(st, &cx, project, iid),
        ("GET", Route::MrNotes { project, iid }) => mr_notes::list(st, &cx, project, iid),
        ("POST", Route::MrNotes { project, iid }) => mr_notes::create(st, &cx, project, iid),
        ("PUT", Route::MrNote { project, iid, note }) => mr_notes::edit(st, &cx, project, iid, note),
        ("GET", Route::Labels { project }) => labels::list(st, &cx, project),
        ("POST", Route::Labels { project }) => labels::create(st, &cx, project),
        ("PUT", Route::Labels { project }) => labels::edit_named(st, &cx, project),
        ("GET", Route::Label { project, name }) => labels::show(st, &cx, project, name),
        ("PUT", Route::Label { project, name }) => labels::edit(st, &cx, project, name),
        ("DELETE", Route::Label { project, name }) => labels::delete(st, &cx, project, name),
        _ => Err(Reply::method_not_allowed()),
    }
}

/// The project behind `:id`, or 404 Project Not Found when it is missing or hidden from the
/// caller: the user cannot see it, or the token is a project access token of another project.
pub(crate) fn visible_project(st: &State, cx: &Cx<'_>, key: &str) -> Result<u64, Reply> {
    st.project_by_key(key)
        .filter(|pid| !st.projects[pid].denied.contains(&cx.user_id))
        .filter(|pid| cx.token_project.is_none_or(|only| only == *pid))
        .ok_or_else(Reply::project_not_found)
}

/// `:iid` must be an integer (Grape answers 400 otherwise).
pub(crate) fn parse_iid(raw: &str) -> Result<u64, Reply> {
    raw.parse().map_err(|_| Reply::error(400, "issue_iid is invalid"))
}

/// Counts a request against an application limit; 429 (no headers) when over.
pub(crate) fn application_limit(st: &mut State, bucket: Bucket, user: u64) -> Result<(), Reply> {
    let limit = match bucket {
        Bucket::IssueCreate => st.options.issue_create_limit,
        Bucket::NoteCreate => st.options.note_create_limit,
        Bucket::Throttle => st.options.request_throttle,
    };
    if let Some(limit) = limit {
        if st.counters.hit(bucket, user, &limit, ratelimit::now_ms()).over {
            return Err(Reply::application_limit());
        }
    }
    Ok(())
}

/// Records the references `new` has that `old` had not.
pub(crate) fn record_mentions(st: &mut State, project_id: u64, iid: u64, old: &str, new: &str, source: &str) {
    let project = st.project_path(project_id);
    for (kind, text) in mentions::added(old, new) {
        st.mentions.push(MentionRecord {
            project: project.clone(),
            iid,
            kind: kind.to_string(),
            text,
            source: source.to_string(),
        });
    }
}
