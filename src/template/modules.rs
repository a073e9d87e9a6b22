//! The training modules templates name (`<!-- module: Name -->` items): where each is written,
//! for `check` to hold them against the modules project's issue templates, and which templates
//! have any, so that only their people's module issues are read.

use std::collections::BTreeSet;

use handlebars::template::{Template as Parsed, TemplateElement};

use super::TemplateSet;
use crate::checklist::{parse_task_line, Fences};
use crate::error::{Located, Location};

/// The module items of one registered text (a template's body or a partial), with their places.
pub(super) fn module_items<'a>(
    file: &'a std::sync::Arc<std::path::Path>,
    offset: usize,
    text: &'a str,
) -> Vec<Located<String>> {
    let mut fences = Fences::default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if fences.in_code(line) {
            continue;
        }
        if let Some(module) = parse_task_line(line).and_then(|t| t.module) {
            let column = line.find("<!-- module:").map_or(1, |c| c + 1);
            out.push(Located { value: module.to_string(), at: Location::new(file, offset + i + 1, column) });
        }
    }
    out
}

/// The partials a parsed template includes by name, in every branch.
pub(super) fn partials_named(t: &Parsed, out: &mut BTreeSet<String>) {
    for el in &t.elements {
        match el {
            TemplateElement::HelperBlock(h) => {
                for inner in [&h.template, &h.inverse].into_iter().flatten() {
                    partials_named(inner, out);
                }
            }
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                out.extend(d.name.as_name().map(str::to_string));
                if let Some(inner) = &d.template {
                    partials_named(inner, out);
                }
            }
            TemplateElement::DecoratorBlock(d) => {
                if let Some(inner) = &d.template {
                    partials_named(inner, out);
                }
            }
            _ => {}
        }
    }
}

impl TemplateSet {
    /// Every module item of every template and partial, with where it is written.
    pub fn module_names(&self) -> Vec<Located<String>> {
        self.origins
            .values()
            .filter(|o| o.fixed.is_none())
            .flat_map(|o| module_items(&o.file, o.line_offset, &o.text))
            .collect()
    }

    /// The keys of the templates with a module item, in their own text or in a partial they
    /// include (directly or through another), in any branch.
    pub fn with_modules(&self) -> BTreeSet<String> {
        let has_items = |name: &String| {
            self.origins
                .get(name)
                .is_some_and(|o| o.fixed.is_none() && !module_items(&o.file, o.line_offset, &o.text).is_empty())
        };
        self.templates
            .iter()
            .filter(|t| self.reached_from(&t.key).iter().any(has_items))
            .map(|t| t.key.clone())
            .collect()
    }

    /// The names a template's body is rendered from: its own and every partial it includes,
    /// directly or through another, in any branch.
    pub(super) fn reached_from(&self, key: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut next = vec![key.to_string()];
        while let Some(name) = next.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let mut named = BTreeSet::new();
            if let Some(parsed) = self.registry.get_template(&name) {
                partials_named(parsed, &mut named);
            }
            next.extend(named.into_iter().filter(|n| !seen.contains(n)));
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::error::InputErrors;
    use crate::template::TemplateSet;

    fn template(key: &str, body: &str) -> String {
        format!("---\nkey: {key}\ntitle: \"{key}\"\nroles: [engineer]\nstages:\n  - {{id: one, title: One, week: 1}}\n---\n## One\n{body}")
    }

    #[test]
    fn module_items_are_found_in_templates_and_the_partials_they_include() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        w(
            "direct.md",
            &template(
                "direct",
                "- [ ] Read <!-- id: read -->\n- [ ] Omnibus <!-- id: omni --> <!-- module: GitLab Omnibus -->\n",
            ),
        );
        w("nested.md", &template("nested", "{{#if person.region}}\n{{> outer}}\n{{/if}}\n"));
        w(
            "plain.md",
            &template(
                "plain",
                "- [ ] Read <!-- id: read -->\n```\n- [ ] x <!-- id: x --> <!-- module: In Code -->\n```\n",
            ),
        );
        w("_outer.md", "{{> inner}}\n");
        w("_inner.md", "- [ ] Docs <!-- id: docs --> <!-- module: Documentation -->\n");
        let mut errors = InputErrors::default();
        let dir: Arc<Path> = Arc::from(dir.path());
        let set = TemplateSet::load(&dir, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let with: Vec<String> = set.with_modules().into_iter().collect();
        assert_eq!(with, ["direct", "nested"]);
        let mut names: Vec<String> = set
            .module_names()
            .iter()
            .map(|m| {
                let file = m.at.file.file_name().unwrap().to_string_lossy().into_owned();
                format!("{file}:{}:{} {}", m.at.line, m.at.column, m.value)
            })
            .collect();
        names.sort();
        assert_eq!(names, ["_inner.md:1:30 Documentation", "direct.md:10:33 GitLab Omnibus"]);
    }
}
