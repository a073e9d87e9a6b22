//! User and project lookups: `GET /user`, `GET /users`, `GET /users/:id`, `GET /projects/:id`.

use serde_json::Value;

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

/// One user by id, blocked ones included with their `state` (lib/api/users.rb `get ":id"`: any
/// signed-in user may `read_user` another, `UserPolicy`); an unknown id is `404 User Not Found`.
pub(super) fn show(st: &mut State, id: &str) -> Answer {
    let user = id.parse::<u64>().ok().filter(|id| st.users.contains_key(id));
    match user {
        Some(id) => Ok(Reply::json(200, &render::user(st, id))),
        None => Err(Reply::message(404, "404 User Not Found")),
    }
}

pub(super) fn project(st: &mut State, cx: &Cx<'_>, project: &str) -> Answer {
    let pid = visible_project(st, cx, project)?;
    let project = render::project(st, &st.projects[&pid]);
    Ok(Reply::json(200, &crate::groups::project_details(st, pid, cx.user_id, project)))
}
