//! Groups above projects: members, sharing (a project or a group shared with a group), a
//! member's effective role, the `permissions` of `GET /projects/:id`, and project visibility.
//!
//! A project's ancestor groups are the groups whose full path is a leading part of its path.
//! GitLab gives a user the highest of their direct role, their role in an ancestor group, and the
//! roles that shares grant (capped at the share's role); but the `permissions` it reports show
//! only the direct membership and the highest ancestor-group membership, never a share
//! (lib/api/entities/project_with_access.rb: `project.project_member(user)` and
//! `project.group.highest_group_member(user)`). Who a share reaches: the invited group's direct
//! members and those inherited from the groups above it, not its subgroups' members
//! (doc/user/project/members/share_project_with_groups.md).

use serde_json::{json, Value};

use crate::access::Role;
use crate::state::State;
use crate::FakeGitlab;

/// `Gitlab::Access` levels.
pub(crate) fn access_level(role: Role) -> u8 {
    match role {
        Role::Guest => 10,
        Role::Planner => 15,
        Role::Reporter => 20,
        Role::Developer => 30,
        Role::Maintainer => 40,
        Role::Owner => 50,
    }
}

fn member_access(role: Option<Role>) -> Value {
    // A member's notification setting starts at `global`, 3 in NotificationSetting.levels
    // (lib/api/entities/member_access.rb).
    role.map_or(Value::Null, |r| json!({ "access_level": access_level(r), "notification_level": 3 }))
}

/// `permissions` of `GET /projects/:id`: direct membership, and the highest membership of an
/// ancestor group (`null` when the project is in no group); shares are left out.
pub(crate) fn permissions(st: &State, project_id: u64, user: u64) -> Value {
    let Some(p) = st.projects.get(&project_id) else { return Value::Null };
    let ancestors = st.groups.ancestors_of(&p.path);
    let group_access = if ancestors.is_empty() {
        Value::Null
    } else {
        member_access(ancestors.iter().filter_map(|a| a.members.get(&user).copied()).max())
    };
    json!({ "project_access": member_access(p.roles.get(&user).copied()), "group_access": group_access })
}

/// `GET /projects/:id` with what the fake models beyond the project itself: `permissions` and
/// `visibility`.
pub(crate) fn project_details(st: &State, project_id: u64, user: u64, mut project: Value) -> Value {
    project["permissions"] = permissions(st, project_id, user);
    if st.groups.public.contains(&project_id) {
        project["visibility"] = json!("public");
    }
    project
}

/// Whether the project is public (issues there are checked for spam).
pub(crate) fn is_public(st: &State, project_id: u64) -> bool {
    st.groups.public.contains(&project_id)
}

impl FakeGitlab {
    /// Adds a group by full path (with its missing parent groups); returns its id. Projects
    /// whose path starts with it are in it.
    pub fn add_group(&self, path: &str) -> u64 {
        let mut st = self.lock();
        let key = st.groups.ensure(path);
        st.groups.by_path[&key].id
    }

    /// Makes the user a member of the group (created when missing) with this role: they hold it
    /// in every project and subgroup below, and `GET /projects/:id` reports it as `group_access`.
    pub fn add_group_member(&self, group: &str, user_id: u64, role: Role) {
        let mut st = self.lock();
        let key = st.groups.ensure(group);
        st.groups.by_path.get_mut(&key).expect("just ensured").members.insert(user_id, role);
    }

    /// Shares the project with a group: the group's members (and those of groups above it) get
    /// their role there, at most `role`. `permissions` never shows this access.
    pub fn share_project_with_group(&self, project: &str, group: &str, role: Role) {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        let key = st.groups.ensure(group);
        st.groups.project_shares.entry(pid).or_default().push((key, role));
    }

    /// Shares `group` with `with_group`: the members of `with_group` get their role, at most
    /// `role`, in `group`'s projects and subgroups. `permissions` never shows this access.
    pub fn share_group_with_group(&self, group: &str, with_group: &str, role: Role) {
        let mut st = self.lock();
        let with = st.groups.ensure(with_group);
        let key = st.groups.ensure(group);
        st.groups.by_path.get_mut(&key).expect("just ensured").shared_with.push((with, role));
    }

    /// The user's role in the project from direct membership, groups and shares (`None`: not
    /// a member anywhere).
    pub fn effective_role(&self, user_id: u64, project: &str) -> Option<Role> {
        let st = self.lock();
        let pid = st.project_by_path(project)?;
        st.effective_role(pid, user_id)
    }

    /// Makes the project public (`visibility: "public"`), or private again. GitLab checks
    /// issues for spam only in public projects.
    pub fn set_public(&self, project: &str, public: bool) {
        let mut st = self.lock();
        let pid = st.project_mut_by_path(project).id;
        if public {
            st.groups.public.insert(pid);
        } else {
            st.groups.public.remove(&pid);
        }
    }
}
