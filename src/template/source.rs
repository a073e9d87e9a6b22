//! A template file's parts: the front matter split from the body, and the body's stage
//! headings and item ids checked before handlebars compiles it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::Stage;
use crate::checklist::{derive_id, is_valid_id, parse_task_line, Fences};
use crate::error::{InputError, InputErrors, Location};

/// Split `---\nfront\n---\nbody`; returns (front, body, number of lines before the body).
pub(super) fn split_front_matter(source: &str) -> Option<(&str, &str, usize)> {
    let rest = source.strip_prefix("---\n").or_else(|| source.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Some((front, body, i + 2));
        }
        offset += line.len();
    }
    None
}

/// Check the body's stage headings and item ids, and return it with every item's id written out.
pub(super) fn check_body(
    file: &Arc<Path>,
    source: &str,
    body: &str,
    offset: usize,
    stages: &[Stage],
    errors: &mut InputErrors,
) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let mut fences = Fences::default();
    let mut headings = 0usize;
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let err = |errors: &mut InputErrors, line: usize, col: usize, m: String| {
        errors.push(InputError::new(Location::new(file, offset + line, col), m).with_source(source));
    };
    for (i, line) in body.lines().enumerate() {
        let n = i + 1;
        out.push_str(line);
        if fences.in_code(line) {
            out.push('\n');
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            match stages.get(headings) {
                Some(s) if s.title == h.trim() => {}
                Some(s) => err(
                    errors,
                    n,
                    4,
                    format!(
                        "stage heading {:?} does not match stage {} of the front matter, {:?}",
                        h.trim(),
                        headings + 1,
                        s.title
                    ),
                ),
                None => err(errors, n, 4, format!("stage heading {:?} has no stage in the front matter", h.trim())),
            }
            headings += 1;
        } else if line.starts_with("# ") {
            err(errors, n, 1, "level-1 headings are not allowed; stages are level-2 (##) headings".into());
        }
        if let Some(task) = parse_task_line(line) {
            if headings == 0 {
                err(errors, n, 1, "checklist items must be inside a stage (after its ## heading)".into());
            }
            let id = match task.id {
                Some(id) if is_valid_id(id) => id.to_string(),
                Some(id) => {
                    err(
                        errors,
                        n,
                        line.find(id).unwrap_or(0) + 1,
                        format!("item id {id:?} must be lowercase words joined by dashes"),
                    );
                    continue;
                }
                None => {
                    let id = derive_id(task.text);
                    if id.is_empty() {
                        err(errors, n, 1, "this item needs an explicit <!-- id: ... --> (its text gives none)".into());
                        continue;
                    }
                    // Keep line numbers stable: the id goes at the end of the same line.
                    out.push_str(" <!-- id: ");
                    out.push_str(&id);
                    out.push_str(" -->");
                    id
                }
            };
            if let Some(first) = ids.insert(id.clone(), n) {
                err(errors, n, 1, format!("item id {id:?} is already used on line {}", offset + first));
            }
        }
        out.push('\n');
    }
    if headings < stages.len() {
        let missing: Vec<_> = stages[headings..].iter().map(|s| format!("## {}", s.title)).collect();
        err(errors, body.lines().count().max(1), 1, format!("missing stage headings: {}", missing.join(", ")));
    }
    out
}
