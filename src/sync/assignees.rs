//! Usernames to GitLab ids for assignees: the roster's ids first, then one lookup per username
//! per run. Only the person's own account is required: a buddy or manager who is unknown or
//! blocked (people leave) is left out with a warning, and the issue is still written.
//!
//! GitLab assigns nobody it cannot (`filter_assignees_using_checks` in
//! app/services/issuable_base_service.rb drops ids of unknown, blocked or unauthorised users and
//! answers 200/201), so an assignee missing from an answer or an issue is asked about by id, one
//! request per id per run: a wrong `gitlab.id` fails that person's issue, and nobody else's.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::Outcome;
use crate::desired::DesiredIssue;
use crate::gitlab::{ApiError, Gitlab};
use crate::plan::Action;

pub(crate) struct Users<'a> {
    gl: &'a Gitlab,
    known: Mutex<BTreeMap<String, Option<u64>>>,
    /// What GitLab said of an id asked about (`None`: nothing wrong with it), once per run.
    told: Mutex<BTreeMap<u64, Option<String>>>,
}

impl<'a> Users<'a> {
    pub(crate) fn new(gl: &'a Gitlab) -> Self {
        Users { gl, known: Mutex::new(BTreeMap::new()), told: Mutex::new(BTreeMap::new()) }
    }

    /// What is wrong with `id` as `username`'s account: nobody has it, it is blocked, or it is
    /// another person's. `None` when it is `username`'s active account (then a person took them
    /// off the issue, or they cannot see the project).
    pub(crate) async fn wrong_id(&self, username: &str, id: u64) -> Result<Option<String>, ApiError> {
        if let Some(told) = self.told.lock().expect("users lock").get(&id) {
            return Ok(told.clone());
        }
        let problem = match self.gl.user_by_id(id).await? {
            None => Some(format!("no GitLab user has the id {id} that the roster gives for {username}")),
            Some(u) if !u.username.eq_ignore_ascii_case(username) => {
                Some(format!("the id {id} that the roster gives for {username} is @{}'s", u.username))
            }
            Some(u) if u.state.as_deref().is_some_and(|s| s != "active") => {
                Some(format!("{username}'s GitLab account ({id}) is {}", u.state.unwrap_or_default()))
            }
            Some(_) => None,
        };
        self.told.lock().expect("users lock").insert(id, problem.clone());
        Ok(problem)
    }

    /// Why `wanted` (username, roster id) are not assignees of the issue, where GitLab says the
    /// roster is wrong; `None` when every id is a right, active account.
    pub(crate) async fn refused(&self, wanted: &[(String, u64)]) -> Result<Option<String>, ApiError> {
        let mut problems = Vec::new();
        for (username, id) in wanted {
            problems.extend(self.wrong_id(username, *id).await?);
        }
        Ok((!problems.is_empty()).then(|| {
            format!(
                "not assigned as the roster asks: {}; correct gitlab.id in the roster (the next run assigns them)",
                problems.join("; ")
            )
        }))
    }

    /// The ids of `usernames`, in that order (the person first: GitLab Free keeps only one).
    pub(super) async fn ids(&self, d: &DesiredIssue, usernames: &[String]) -> Result<Vec<u64>, String> {
        self.ids_for(&d.known_user_ids, &d.username, &d.key, usernames).await
    }

    /// The ids of `usernames` for the issue `key`, whose `owner`'s account is required; `known`
    /// holds the ids the roster gives.
    pub(super) async fn ids_for(
        &self,
        known: &BTreeMap<String, u64>,
        owner: &str,
        key: &str,
        usernames: &[String],
    ) -> Result<Vec<u64>, String> {
        let mut ids = Vec::new();
        for u in usernames {
            let key_lc = u.to_lowercase();
            if let Some(id) = known.get(&key_lc) {
                ids.push(*id);
                continue;
            }
            let cached = self.known.lock().expect("users lock").get(&key_lc).copied();
            let id = match cached {
                Some(id) => id,
                None => {
                    let id = self.gl.user_id(u).await.map_err(|e| format!("cannot look up GitLab user {u}: {e}"))?;
                    if id.is_none() && !u.eq_ignore_ascii_case(owner) {
                        tracing::warn!(
                            "GitLab user {u:?} is unknown or blocked: left out of the assignees (first needed by \
                             {key}); fix the roster or unblock the account"
                        );
                    }
                    self.known.lock().expect("users lock").insert(key_lc, id);
                    id
                }
            };
            match id {
                Some(id) => ids.push(id),
                None if u.eq_ignore_ascii_case(owner) => {
                    return Err(format!("unknown or blocked GitLab user {u:?}: this person's own account is needed"))
                }
                None => {}
            }
        }
        Ok(ids)
    }
}

/// Each issue that lacks an assignee the roster gives an id for (`Action::unassigned`), failed
/// when GitLab says that id is wrong: reported every run until the roster is corrected, never
/// read as "unchanged". One request per such id per run; an issue with everyone assigned costs none.
pub async fn report_unassigned(gl: &Gitlab, rows: &mut [(Action, Option<Outcome>)]) -> Result<(), ApiError> {
    let users = Users::new(gl);
    for (a, outcome) in rows.iter_mut() {
        if a.unassigned.is_empty() || outcome.as_ref().is_some_and(|o| o.status == "failed") {
            continue;
        }
        if let Some(why) = users.refused(&a.unassigned).await? {
            *outcome = Some(Outcome { status: "failed", error: Some(why) });
        }
    }
    Ok(())
}
