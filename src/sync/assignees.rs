//! Usernames to GitLab ids for assignees: the roster's ids first, then one lookup per username
//! per run. Only the person's own account is required: a buddy or manager who is unknown or
//! blocked (people leave) is left out with a warning, and the issue is still written.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::desired::DesiredIssue;
use crate::gitlab::Gitlab;

pub(super) struct Users<'a> {
    gl: &'a Gitlab,
    known: Mutex<BTreeMap<String, Option<u64>>>,
}

impl<'a> Users<'a> {
    pub(super) fn new(gl: &'a Gitlab) -> Self {
        Users { gl, known: Mutex::new(BTreeMap::new()) }
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
