//! Token kinds and scopes, and which scopes each endpoint accepts, as GitLab's API guard decides:
//! an endpoint class registers scopes with `allow_access_with_scope` (some only for some HTTP
//! verbs), `API::API` adds `api` and `read_api` (GET and HEAD only) for every route
//! (lib/api/api.rb), and a token holding none of them is refused with 403 `insufficient_scope`
//! naming every registered scope, the class's first (lib/api/api_guard.rb
//! `scopes_registered_for_endpoint`, lib/gitlab/auth/auth_finders.rb `InsufficientScopeError`,
//! rack-oauth2 `Resource::Forbidden#protocol_params`: the names joined by spaces).

use serde_json::json;

use crate::grants::{Grant, TokenKind};
use crate::render;
use crate::reply::{Answer, Reply};
use crate::router::Route;
use crate::state::State;
use crate::FakeGitlab;

/// When a registered scope counts, by HTTP verb (the `if:` lambdas of `allow_access_with_scope`).
#[derive(Debug, Clone, Copy)]
enum When {
    Always,
    /// GET or HEAD.
    Read,
    /// GET, HEAD or POST (lib/api/notes.rb for `ai_workflows`).
    ReadOrCreate,
    /// GET, HEAD, POST or PUT (lib/api/concerns/ai_workflows_access.rb).
    ReadCreateUpdate,
    /// `mcp` for the verb, and only on a route declared as an MCP tool
    /// (lib/api/concerns/mcp_access.rb `allow_mcp_access_for_verb`).
    McpRead,
    McpCreate,
    McpDelete,
}

/// Routes GitLab exposes as MCP tools (`route_setting :mcp`): get_issue and create_issue in
/// lib/api/issues.rb.
fn is_mcp_tool(method: &str, route: &Route) -> bool {
    matches!((method, route), ("GET", Route::Issue { .. }) | ("POST", Route::Issues { .. }))
}

fn satisfied(when: When, method: &str, route: &Route) -> bool {
    let read = matches!(method, "GET" | "HEAD");
    match when {
        When::Always => true,
        When::Read => read,
        When::ReadOrCreate => read || method == "POST",
        When::ReadCreateUpdate => read || matches!(method, "POST" | "PUT"),
        When::McpRead => read && is_mcp_tool(method, route),
        When::McpCreate => method == "POST" && is_mcp_tool(method, route),
        When::McpDelete => method == "DELETE" && is_mcp_tool(method, route),
    }
}

/// The scopes the route's endpoint class registers, in order, then `API::API`'s; `None` when
/// any scope will do.
fn registered(route: &Route) -> Option<Vec<(&'static str, When)>> {
    let class: &[(&str, When)] = match route {
        // lib/api/users.rb
        Route::User | Route::Users | Route::UserById { .. } => &[("read_user", When::Read)],
        // lib/api/projects.rb: allow_mcp_access_read, _create, _delete, then ai_workflows.
        Route::Project { .. } => {
            &[("mcp", When::McpRead), ("mcp", When::McpCreate), ("mcp", When::McpDelete), ("ai_workflows", When::Read)]
        }
        // lib/api/issues.rb: allow_ai_workflows_access, allow_mcp_access_read, _create.
        Route::Issues { .. } | Route::Issue { .. } => {
            &[("ai_workflows", When::ReadCreateUpdate), ("mcp", When::McpRead), ("mcp", When::McpCreate)]
        }
        // lib/api/notes.rb (issue and merge request notes alike).
        Route::Notes { .. } | Route::MrNotes { .. } | Route::MrNote { .. } => &[("ai_workflows", When::ReadOrCreate)],
        // lib/api/labels.rb
        Route::Labels { .. } | Route::Label { .. } => &[("ai_workflows", When::Read)],
        // lib/api/files.rb: `allow_access_with_scope [:read_repository, :ai_workflows]` (GET, HEAD).
        Route::RawFile { .. } => &[("read_repository", When::Read), ("ai_workflows", When::Read)],
        // lib/api/personal_access_tokens/self_information_api.rb: every scope may read itself.
        Route::TokenSelf => return None,
        // lib/api/repositories.rb registers nothing: a `read_repository` token cannot list a tree.
        Route::Tree { .. } => &[],
        // A route added later takes `API::API`'s scopes until its class's are listed here.
        #[allow(unreachable_patterns)]
        _ => &[],
    };
    Some(class.iter().copied().chain([("api", When::Always), ("read_api", When::Read)]).collect())
}

/// Routes that accept a CI/CD job token (`route_setting :authentication, job_token_allowed:
/// true`): listing and reading issues (lib/api/issues.rb) and raw files (lib/api/files.rb).
fn job_token_allowed(method: &str, route: &Route) -> bool {
    method == "GET" && matches!(route, Route::Issues { .. } | Route::Issue { .. } | Route::RawFile { .. })
}

/// 403 `insufficient_scope`, naming the scopes the endpoint registers.
fn insufficient(scopes: &[(&str, When)]) -> Reply {
    let names: Vec<&str> = scopes.iter().map(|(name, _)| *name).collect();
    Reply::json(
        403,
        &json!({
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": names.join(" "),
        }),
    )
}

/// Whether the (valid) token may call this route at all: the scope check of the API guard, or,
/// for a job token, whether the route accepts job tokens (elsewhere it finds no user: 401).
pub(crate) fn permit(st: &State, method: &str, route: &Route, token: &str) -> Result<(), Reply> {
    let grant = st.grants.get(token);
    if grant.kind == TokenKind::CiJob {
        return if job_token_allowed(method, route) { Ok(()) } else { Err(Reply::unauthorized()) };
    }
    let Some(scopes) = registered(route) else {
        return Ok(());
    };
    let held = |name: &str| grant.scopes.iter().any(|s| s == name);
    if scopes.iter().any(|(name, when)| held(name) && satisfied(*when, method, route)) {
        Ok(())
    } else {
        Err(insufficient(&scopes))
    }
}

/// `GET /personal_access_tokens/self` as each release answers it. 15.5 and later: the token's
/// details (entity lib/api/entities/personal_access_token.rb), or 400 for a token that is not a
/// personal access token (self_information_api.rb's `before`); project and group access tokens
/// are personal access tokens of a bot user. 15.1 to 15.4: `GET /personal_access_tokens/:id`
/// takes `self` as an id it cannot find and answers a non-admin 401 (doc/api/personal_access_tokens.md,
/// "Responses"). 13.3 to 15.0: only `DELETE /personal_access_tokens/:id` exists, so Grape
/// answers 405. Before 13.3 no such route: 404.
pub(crate) fn token_self(st: &mut State, token: &str) -> Answer {
    let version = st.options.gitlab_version;
    if !version.at_least(13, 3) {
        return Err(Reply::route_not_found());
    }
    if !version.at_least(15, 1) {
        return Err(Reply::method_not_allowed());
    }
    if !version.at_least(15, 5) {
        return Err(Reply::unauthorized());
    }
    let grant = st.grants.get(token);
    if grant.kind != TokenKind::Personal {
        return Err(Reply::message(
            400,
            "400 Bad request - This endpoint requires token type to be a personal access token",
        ));
    }
    let t = st.tokens.get(token).ok_or_else(Reply::unauthorized)?;
    Ok(Reply::json(
        200,
        &json!({
            "id": t.id,
            "name": format!("token-{}", t.id),
            "revoked": t.revoked,
            "created_at": render::time(&t.created_at),
            "description": null,
            "scopes": grant.scopes,
            "user_id": t.user_id,
            "last_used_at": null,
            "active": !t.revoked,
            "expires_at": t.expires_at.map(|d| d.format("%Y-%m-%d").to_string()),
        }),
    ))
}

impl FakeGitlab {
    fn grant(&self, token: &str, user_id: u64, kind: TokenKind, scopes: &[&str]) {
        self.add_token(token, user_id);
        let scopes = scopes.iter().map(|s| s.to_string()).collect();
        self.lock().grants.by_token.insert(token.to_string(), Grant { kind, scopes });
    }

    /// Lets `token` authenticate as `user_id` as a personal access token with these scopes
    /// (`api`, `read_api`, `read_user`, `read_repository`, `write_repository`, `ai_workflows`,
    /// ...). Each endpoint accepts the scopes GitLab's source registers for it and answers 403
    /// `insufficient_scope` otherwise. `add_token` is `add_token_with_scopes(.., &["api"])`.
    pub fn add_token_with_scopes(&self, token: &str, user_id: u64, scopes: &[&str]) {
        self.grant(token, user_id, TokenKind::Personal, scopes);
    }

    /// Lets `token` authenticate as `user_id` as an OAuth access token with these scopes: the
    /// endpoints treat it like a personal access token, but `GET /personal_access_tokens/self`
    /// answers 400.
    pub fn add_oauth_token(&self, token: &str, user_id: u64, scopes: &[&str]) {
        self.grant(token, user_id, TokenKind::OAuth, scopes);
    }

    /// Lets `token` act as a CI/CD job token of a job run by `user_id` (sent as `JOB-TOKEN` or
    /// as a bearer token): it reads issues and raw files, and every other route answers 401.
    pub fn add_job_token(&self, token: &str, user_id: u64) {
        self.grant(token, user_id, TokenKind::CiJob, &[]);
    }
}
