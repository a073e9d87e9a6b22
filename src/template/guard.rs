//! The template guard: walks handlebars' parsed templates (never their text) and refuses, at
//! load, anything that would put roster text into an issue unescaped or recurse without end.
//!
//! A text search misses `{{~{x}~}}` and `{{~& x}}`; the parser does not. Every template and
//! partial registered in the registry is walked, so partials loaded from files are covered too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use handlebars::template::{Parameter, Template, TemplateElement};
use handlebars::Handlebars;

use crate::error::{InputError, InputErrors, Location};

/// Where a registered template's text came from, to place errors in its file.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<Path>,
    /// Lines of the file before the registered text (front matter).
    pub line_offset: usize,
    /// The text as registered: positions in the parsed template refer to it.
    pub text: String,
    /// A text taken from inside a YAML value (a title): every error goes to this one place.
    pub fixed: Option<Location>,
}

impl Origin {
    fn at(&self, line: usize, column: usize) -> Location {
        match &self.fixed {
            Some(at) => at.clone(),
            None => Location::new(&self.file, self.line_offset + line, column),
        }
    }

    /// The registered text from (line, column) on, 1-based.
    fn text_at(&self, line: usize, column: usize) -> &str {
        let Some(l) = self.text.split_inclusive('\n').nth(line.saturating_sub(1)) else { return "" };
        let start = l.char_indices().nth(column.saturating_sub(1)).map_or(l.len(), |(i, _)| i);
        let offset = l.as_ptr() as usize - self.text.as_ptr() as usize + start;
        &self.text[offset..]
    }

    fn error(&self, line: usize, column: usize, message: String) -> InputError {
        let at = self.at(line, column);
        let source = self.text.lines().nth(line.saturating_sub(1)).unwrap_or_default();
        let mut e = InputError::new(at, message);
        if self.fixed.is_none() {
            e.source_line = Some(crate::error::truncate(source, 160));
        }
        e
    }
}

/// A partial reference: from the template (or inline partial) `from`, to `to`, written at `at`.
struct Edge {
    to: String,
    /// The error to report, placed at the reference, if this edge closes a cycle.
    at: InputError,
}

/// What walking every template found.
#[derive(Default)]
struct Walk {
    errors: InputErrors,
    /// Partial references by the name of the template or partial they are written in.
    edges: BTreeMap<String, Vec<Edge>>,
}

/// Check every template and partial registered in `registry`. `origins` gives, by registered
/// name, where each came from; a name without one is still checked and placed at `fallback`.
pub fn check(registry: &Handlebars, origins: &BTreeMap<String, Origin>, fallback: &Location) -> InputErrors {
    let mut walk = Walk::default();
    let names: BTreeSet<&String> = registry.get_templates().keys().collect();
    for name in &names {
        let Some(t) = registry.get_template(name) else { continue };
        let origin = origins.get(name.as_str()).cloned().unwrap_or_else(|| Origin {
            file: Arc::clone(&fallback.file),
            line_offset: 0,
            text: String::new(),
            fixed: Some(fallback.clone()),
        });
        walk.template(t, name, &origin);
    }
    walk.cycles();
    walk.errors
}

impl Walk {
    fn template(&mut self, t: &Template, node: &str, origin: &Origin) {
        for (i, el) in t.elements.iter().enumerate() {
            let (line, column) = t.mapping.get(i).map_or((1, 1), |m| (m.0, m.1));
            let error = |m: &str| origin.error(line, column, m.to_string());
            match el {
                TemplateElement::RawString(_) | TemplateElement::Comment(_) | TemplateElement::Expression(_) => {}
                TemplateElement::HtmlExpression(_) => self.errors.push(error(
                    "unescaped output ({{{ }}}, {{& }}, with or without ~) is not allowed: roster values must stay inert; use {{ }}",
                )),
                TemplateElement::HelperBlock(h) => {
                    // A raw block parses as a helper block; only its text tells them apart.
                    if origin.text_at(line, column).starts_with("{{{{") {
                        self.errors.push(error("raw blocks ({{{{ }}}}) are not allowed: their output is not escaped"));
                    }
                    for inner in [&h.template, &h.inverse].into_iter().flatten() {
                        self.template(inner, node, origin);
                    }
                }
                TemplateElement::DecoratorBlock(d) if d.name.as_name() == Some("inline") => {
                    match d.params.first() {
                        Some(Parameter::Literal(serde_json::Value::String(name))) => {
                            if let Some(inner) = &d.template {
                                self.edges.entry(name.clone()).or_default();
                                self.template(inner, name, origin);
                            }
                        }
                        _ => self.errors.push(error("an inline partial's name must be a quoted string")),
                    }
                }
                TemplateElement::DecoratorBlock(_) | TemplateElement::DecoratorExpression(_) => {
                    self.errors.push(error("decorators other than {{#*inline \"name\"}} are not supported"))
                }
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    match &d.name {
                        Parameter::Name(_) | Parameter::Path(_) => {
                            let to = d.name.as_name().unwrap_or_default();
                            // `@partial-block` is the caller's block, already rendered by the caller.
                            if to != "@partial-block" {
                                let at = origin.error(line, column, String::new());
                                self.edges.entry(node.to_string()).or_default().push(Edge { to: to.to_string(), at });
                            }
                        }
                        _ => self.errors.push(error(
                            "a partial's name must be written out ({{> name}}), so that onboarder can check it does not include itself",
                        )),
                    }
                    // A partial block's content is rendered by the caller, in the caller's place.
                    if let Some(inner) = &d.template {
                        self.template(inner, node, origin);
                    }
                }
                _ => self.errors.push(error("this handlebars construct is not supported in templates")),
            }
        }
    }

    /// Refuse every partial that includes itself, directly or through others: handlebars would
    /// recurse until the stack overflows.
    fn cycles(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Active,
            Done,
        }
        fn visit(
            node: &str,
            edges: &BTreeMap<String, Vec<Edge>>,
            marks: &mut BTreeMap<String, Mark>,
            path: &mut Vec<String>,
            errors: &mut InputErrors,
        ) {
            marks.insert(node.to_string(), Mark::Active);
            path.push(node.to_string());
            for e in edges.get(node).into_iter().flatten() {
                match marks.get(&e.to) {
                    Some(Mark::Active) => {
                        let start = path.iter().position(|n| *n == e.to).unwrap_or(0);
                        let mut cycle = path[start..].to_vec();
                        cycle.push(e.to.clone());
                        errors.push(InputError {
                            message: format!(
                                "partial recursion: {} (a partial must not include itself)",
                                cycle.join(" > ")
                            ),
                            ..e.at.clone()
                        });
                    }
                    Some(Mark::Done) => {}
                    None => visit(&e.to, edges, marks, path, errors),
                }
            }
            path.pop();
            marks.insert(node.to_string(), Mark::Done);
        }
        let mut marks = BTreeMap::new();
        let nodes: Vec<String> = self.edges.keys().cloned().collect();
        for n in nodes {
            if !marks.contains_key(&n) {
                visit(&n, &self.edges, &mut marks, &mut Vec::new(), &mut self.errors);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(templates: &[(&str, &str)]) -> Vec<String> {
        let mut hb = Handlebars::new();
        let file: Arc<Path> = Arc::from(Path::new("t.md"));
        let mut origins = BTreeMap::new();
        for (name, text) in templates {
            hb.register_template_string(name, text).unwrap();
            origins.insert(
                name.to_string(),
                Origin { file: Arc::clone(&file), line_offset: 0, text: text.to_string(), fixed: None },
            );
        }
        check(&hb, &origins, &Location::file_start(&file))
            .0
            .iter()
            .map(|e| format!("{}:{} {}", e.at.line, e.at.column, e.message))
            .collect()
    }

    #[test]
    fn unescaped_output_in_every_spelling_is_refused_at_its_place() {
        for (source, at) in [
            ("a {{{x}}}", "1:3"),
            ("a\n {{~{x}~}}", "2:2"),
            ("{{{~x~}}}", "1:1"),
            ("{{& x}}", "1:1"),
            ("x\n\n  {{~& x}}", "3:3"),
            ("{{#if a}}\n{{else}}{{{x}}}{{/if}}", "2:9"),
            ("{{#each a}}{{#with b}}{{&x}}{{/with}}{{/each}}", "1:23"),
        ] {
            let e = errors(&[("t", source)]);
            assert_eq!(e.len(), 1, "{source:?}: {e:?}");
            assert!(e[0].starts_with(at) && e[0].contains("unescaped output"), "{source:?}: {e:?}");
        }
    }

    #[test]
    fn raw_blocks_decorators_and_dynamic_partials_are_refused() {
        assert!(errors(&[("t", "x {{{{raw}}}}{{y}}{{{{/raw}}}}")])[0].contains("raw blocks"));
        assert!(errors(&[("t", "{{*foo}}")])[0].contains("decorators"));
        assert!(errors(&[("t", "{{> (lookup a b)}}")])[0].contains("written out"));
    }

    #[test]
    fn escaped_output_helpers_and_acyclic_partials_pass() {
        let ok = [
            ("t", "{{x}} {{~x~}} \\{{{x}}} {{#if a}}{{> p}}{{else}}{{> q}}{{/if}} {{#> p}}fallback{{/p}}"),
            ("p", "{{> q}} {{> @partial-block}}"),
            ("q", "{{#*inline \"r\"}}{{y}}{{/inline}}{{> r}}"),
        ];
        assert_eq!(errors(&ok), Vec::<String>::new());
    }

    #[test]
    fn partial_recursion_direct_indirect_and_inline_is_refused() {
        let e = errors(&[("t", "{{> t}}")]);
        assert!(e[0].contains("partial recursion: t > t"), "{e:?}");
        let e = errors(&[("t", "{{> a}}"), ("a", "{{> b}}"), ("b", "x\n{{> a}}")]);
        assert_eq!(e, ["2:1 partial recursion: a > b > a (a partial must not include itself)"]);
        let e = errors(&[("t", "{{#*inline \"loop\"}}\n  {{> loop}}\n{{/inline}}{{> loop}}")]);
        assert!(e.len() == 1 && e[0].starts_with("2:3 partial recursion: loop > loop"), "{e:?}");
        let e = errors(&[("t", "{{#> a}}{{> t}}{{/a}}"), ("a", "")]);
        assert!(e[0].contains("partial recursion: t > t"), "{e:?}");
    }
}
