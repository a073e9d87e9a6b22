//! The groups above projects, their members and shares, as the fake's state holds them (`groups`
//! answers for them); a member's role from every source is decided here.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::access::Role;
use crate::model::Label;

/// A group and what hangs on it.
pub(crate) struct Group {
    pub id: u64,
    pub members: HashMap<u64, Role>,
    /// Groups (lower-cased paths) this group is shared with, and the most they get here.
    pub shared_with: Vec<(String, Role)>,
    /// Group labels by title.
    pub labels: BTreeMap<String, Label>,
}

/// Every group, project share and public project.
pub(crate) struct Groups {
    /// By lower-cased full path.
    pub by_path: BTreeMap<String, Group>,
    /// Project id -> groups (lower-cased paths) it is shared with, and the most they get.
    pub(crate) project_shares: HashMap<u64, Vec<(String, Role)>>,
    pub(crate) public: HashSet<u64>,
    next_group_id: u64,
    next_label_id: u64,
}

impl Default for Groups {
    fn default() -> Self {
        Groups {
            by_path: BTreeMap::new(),
            project_shares: HashMap::new(),
            public: HashSet::new(),
            // Apart from project ids (1001...) and project label ids (700001...).
            next_group_id: 2001,
            next_label_id: 800_001,
        }
    }
}

/// `a/b/c` -> `["a", "a/b"]`: the leading parts of a full path, shortest first.
fn prefixes(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('/').collect();
    (1..parts.len()).map(|n| parts[..n].join("/").to_lowercase()).collect()
}

impl Groups {
    /// Creates the group and its missing parents; returns its key.
    pub(crate) fn ensure(&mut self, path: &str) -> String {
        let path = path.trim_matches('/');
        let mut keys = prefixes(path);
        keys.push(path.to_lowercase());
        for key in &keys {
            if !self.by_path.contains_key(key) {
                let id = self.next_group_id;
                self.next_group_id += 1;
                let group = Group { id, members: HashMap::new(), shared_with: Vec::new(), labels: BTreeMap::new() };
                self.by_path.insert(key.clone(), group);
            }
        }
        path.to_lowercase()
    }

    pub fn next_label_id(&mut self) -> u64 {
        let id = self.next_label_id;
        self.next_label_id += 1;
        id
    }

    /// The groups above a project (or a group), nearest last.
    pub fn ancestors_of(&self, path: &str) -> Vec<&Group> {
        prefixes(path).iter().filter_map(|k| self.by_path.get(k)).collect()
    }

    /// The user's membership of the group or, inherited, of a group above it.
    fn inherited_role(&self, key: &str, user: u64) -> Option<Role> {
        let mut keys = prefixes(key);
        keys.push(key.to_string());
        keys.iter().filter_map(|k| self.by_path.get(k)?.members.get(&user).copied()).max()
    }

    /// What shares to `shares`' groups give the user, each capped at its share's role.
    fn shared_role(&self, shares: &[(String, Role)], user: u64) -> Option<Role> {
        shares.iter().filter_map(|(with, cap)| self.inherited_role(with, user).map(|r| r.min(*cap))).max()
    }

    /// The role the user holds in the project at `path` (id `project_id`, where they hold
    /// `direct` themselves), from any source: the highest of it, the groups above, and the shares.
    pub(crate) fn role(&self, project_id: u64, path: &str, direct: Option<Role>, user: u64) -> Option<Role> {
        let ancestors = self.ancestors_of(path);
        let inherited = ancestors.iter().filter_map(|a| a.members.get(&user).copied()).max();
        let project_share = self.project_shares.get(&project_id).and_then(|s| self.shared_role(s, user));
        let group_share = ancestors.iter().filter_map(|a| self.shared_role(&a.shared_with, user)).max();
        [direct, inherited, project_share, group_share].into_iter().flatten().max()
    }

    /// The labels of the groups above the project at `path`, the nearest group's first.
    pub(crate) fn labels_above(&self, path: &str) -> Vec<&Label> {
        self.ancestors_of(path).into_iter().rev().flat_map(|g| g.labels.values()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_parts_of_a_path() {
        assert_eq!(prefixes("a/B/c"), ["a", "a/b"]);
        assert!(prefixes("top").is_empty());
    }

    #[test]
    fn ensuring_a_subgroup_creates_its_parents_once() {
        let mut g = Groups::default();
        assert_eq!(g.ensure("Org/Team/"), "org/team");
        g.ensure("org");
        assert_eq!(g.by_path.len(), 2);
        assert!(g.by_path["org"].id < g.by_path["org/team"].id, "parents first");
        assert_eq!(g.ancestors_of("org/team/project").len(), 2);
    }
}
