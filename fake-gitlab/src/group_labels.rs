//! Group labels as a project sees them: available to its issues, listed and found through the
//! project's label endpoints (`include_ancestor_groups` defaults to true in
//! lib/api/helpers/label_helpers.rb `find_label`), in the way of a project label of the same
//! title (409), but never deleted through the project (`delete_label` looks with
//! `include_ancestor_groups: false`: 404). Also the race two label creates can run.

use serde_json::{json, Value};

use crate::faults::{Fault, FaultKind, Matcher};
use crate::model::Label;
use crate::render;
use crate::state::State;
use crate::FakeGitlab;

/// The labels of the project's ancestor groups, nearest group first.
pub(crate) fn available(st: &State, project_id: u64) -> Vec<&Label> {
    let Some(p) = st.projects.get(&project_id) else { return Vec::new() };
    st.groups.labels_above(&p.path)
}

/// A group label the project can use, by id (tried first) or title, as `find_label` does.
pub(crate) fn find(st: &State, project_id: u64, id_or_title: &str) -> Option<Label> {
    let labels = available(st, project_id);
    let by_id = id_or_title.parse::<u64>().ok().and_then(|id| labels.iter().find(|l| l.id == id));
    by_id.or_else(|| labels.iter().find(|l| l.name == id_or_title)).map(|l| (*l).clone())
}

/// Whether a group above the project has a label of this title.
pub(crate) fn has_title(st: &State, project_id: u64, title: &str) -> bool {
    available(st, project_id).iter().any(|l| l.name == title)
}

/// A group label through the project's endpoints: the `ProjectLabel` entity, which tells it is
/// not the project's own (lib/api/entities/project_label.rb `is_project_label`).
pub(crate) fn render(label: &Label) -> Value {
    let mut v = render::label(label);
    v["is_project_label"] = json!(false);
    v
}

impl FakeGitlab {
    /// Creates a label on a group (created when missing), or replaces the one of that title.
    /// Every project below the group can use it.
    pub fn add_group_label(&self, group: &str, name: &str, color: &str, description: &str) -> Label {
        self.add_group(group);
        let mut st = self.lock();
        let id = st.groups.next_label_id();
        let label =
            Label { id, name: name.to_string(), color: color.to_string(), description: Some(description.to_string()) };
        let key = group.trim_matches('/').to_lowercase();
        st.groups.by_path.get_mut(&key).expect("just added").labels.insert(name.to_string(), label.clone());
        label
    }

    /// The group's own labels, by title.
    pub fn group_labels(&self, group: &str) -> Vec<Label> {
        let st = self.lock();
        let key = group.trim_matches('/').to_lowercase();
        st.groups.by_path.get(&key).map(|g| g.labels.values().cloned().collect()).unwrap_or_default()
    }

    /// The next `POST /projects/:id/labels` loses a race: just before it, a concurrent request
    /// creates label `name` in `project` with this colour and description, and it answers 500
    /// `{"message":"500 Internal Server Error"}`. That is GitLab's answer to the second of two
    /// concurrent creates of one title: both pass the `Label already exists` check
    /// (label_helpers.rb `create_label`), the second insert breaks the unique index on
    /// project and title, and `ActiveRecord::RecordNotUnique` reaches `rescue_from :all`
    /// (lib/api/api.rb, `handle_api_exception`).
    pub fn lose_next_label_create_race(&self, project: &str, name: &str, color: &str, description: &str) {
        let matcher = Matcher::route("POST", "/api/v4/projects/:id/labels");
        let (project, name, color, description) =
            (project.to_string(), name.to_string(), color.to_string(), description.to_string());
        self.before_request(matcher.clone(), move |fake| {
            fake.human_create_label(&project, &name, &color, &description);
        });
        self.inject(Fault::new(matcher, FaultKind::Status(500)));
    }
}
