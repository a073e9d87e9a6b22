//! User and project lookups: `GET /user`, `GET /users`, `GET /projects/:id`.

use serde_json::{json, Value};

use super::{visible_project, Cx};
use crate::pagination::{paginate, PageRequest};
use crate::render;
use crate::reply::{Answer, Reply};
use crate::state::State;

pub(super) fn current(st: &mut State, cx: &Cx<'_>) -> Answer {
    Ok(Reply::json(200, &render::user(st, cx.user_id)))
}

/// `?username=` matches exactly (case-insensitive); `?search=` matches part of a username or name.
/// Callers here are never admins, so blocked and banned users are left out (lib/api/users.rb
/// and app/finders/users_finder.rb: only admins see users in forbidden states).
pub(super) fn list(st: &mut State, cx: &Cx<'_>) -> Answer {
    let username = cx.params.get("username");
    let search = cx.params.get("search").map(str::to_lowercase);
    let ids: Vec<u64> = st
        .users
        .values()
        .filter(|u| u.is_active())
        .filter(|u| username.is_none_or(|n| u.username.eq_ignore_ascii_case(n)))
        .filter(|u| {
            search.as_deref().is_none_or(|s| u.username.to_lowercase().contains(s) || u.name.to_lowercase().contains(s))
        })
        .map(|u| u.id)
        .collect();
    let (page, headers) =
        paginate(ids, PageRequest::from_params(cx.params), &cx.link(st), st.options.max_counted_total);
    let body: Vec<Value> = page.into_iter().map(|id| render::user(st, id)).collect();
    Ok(Reply::json(200, &Value::Array(body)).with_headers(headers))
}

pub(super) fn project(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let pid = visible_project(st, cx, project)?;
    Ok(Reply::json(200, &render::project(st, &st.projects[&pid])))
}

/// `GET /personal_access_tokens/self` (lib/api/personal_access_tokens/self_information_api.rb,
/// entity lib/api/entities/personal_access_token.rb). Project access tokens answer it too.
pub(super) fn token_self(st: &mut State, cx: &Cx<'_>) -> Answer {
    let t = st.tokens.get(cx.token).ok_or_else(Reply::unauthorized)?;
    Ok(Reply::json(
        200,
        &json!({
            "id": t.id,
            "name": format!("token-{}", t.id),
            "revoked": t.revoked,
            "created_at": render::time(&t.created_at),
            "description": null,
            "scopes": ["api"],
            "user_id": t.user_id,
            "last_used_at": null,
            "active": !t.revoked,
            "expires_at": t.expires_at.map(|d| d.format("%Y-%m-%d").to_string()),
        }),
    ))
}
