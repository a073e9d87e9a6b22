//! What a template's body is rendered from, as a digest: a later run that finds the same digest
//! and the same person's inputs knows the body would come out the same, without rendering it.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::modules::module_items;
use super::TemplateSet;

/// A template's body as a digest, and the modules its items name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyDigest {
    /// SHA-256 of the body's text, of every partial it includes, and of its stages.
    pub digest: [u8; 32],
    /// The modules its items name (`<!-- module: Name -->`), in the template and its partials.
    pub modules: BTreeSet<String>,
}

impl TemplateSet {
    /// Each template's `BodyDigest`, by key. A comment partial is in none: comments are not part
    /// of a body, so editing their words re-plans nobody.
    pub fn body_digests(&self) -> BTreeMap<String, BodyDigest> {
        self.templates
            .iter()
            .map(|t| {
                let mut h = Sha256::new();
                let mut modules = BTreeSet::new();
                for name in self.reached_from(&t.key) {
                    h.update(name.as_bytes());
                    h.update([0]);
                    if let Some(o) = self.origins.get(&name) {
                        h.update(o.text.as_bytes());
                        modules.extend(module_items(&o.file, o.line_offset, &o.text).into_iter().map(|m| m.value));
                    }
                    h.update([0]);
                }
                // Where each item lands: the stages' ids, titles and weeks.
                h.update(format!("{:?}", t.stages).as_bytes());
                (t.key.clone(), BodyDigest { digest: h.finalize().into(), modules })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::error::InputErrors;
    use crate::template::TemplateSet;

    fn load(files: &[(&str, &str)]) -> TemplateSet {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mut errors = InputErrors::default();
        let set = TemplateSet::load(&Arc::from(Path::new(dir.path())), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        set
    }

    fn template(key: &str, body: &str) -> String {
        format!("---\nkey: {key}\ntitle: \"{key}\"\nroles: [engineer]\nstages:\n  - {{id: one, title: One, week: 1}}\n---\n## One\n{body}")
    }

    #[test]
    fn a_digest_follows_the_body_and_its_partials_and_nothing_else() {
        let a = template("a", "- [ ] Read <!-- id: read -->\n{{> part}}\n");
        let b = template("b", "- [ ] Other <!-- id: other -->\n");
        let part = "- [ ] Do the module <!-- id: m --> <!-- module: GitLab Omnibus -->\n";
        let base = load(&[("a.md", &a), ("b.md", &b), ("_part.md", part)]).body_digests();
        assert_eq!(base["a"].modules.iter().collect::<Vec<_>>(), ["GitLab Omnibus"]);
        assert!(base["b"].modules.is_empty());
        // A partial that a includes changes a only; a comment's words change neither.
        let edited = load(&[("a.md", &a), ("b.md", &b), ("_part.md", "- [ ] Changed <!-- id: m -->\n")]).body_digests();
        assert_ne!(edited["a"].digest, base["a"].digest);
        assert_eq!(edited["b"].digest, base["b"].digest);
        let words = load(&[
            ("a.md", &a),
            ("b.md", &b),
            ("_part.md", part),
            ("_comment-stage.md", "Moved on, {{mention person}}."),
        ])
        .body_digests();
        assert_eq!((words["a"].digest, words["b"].digest), (base["a"].digest, base["b"].digest));
        // A stage's week is part of it.
        let later =
            load(&[("a.md", &a.replace("week: 1", "week: 2")), ("b.md", &b), ("_part.md", part)]).body_digests();
        assert_ne!(later["a"].digest, base["a"].digest);
    }
}
