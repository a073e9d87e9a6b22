//! The house as docs/architecture.md draws it, held against the code: each layer imports only the
//! layers below it (a climb needs a `// climb:` comment saying why, at most four of them), the
//! top-level modules import each other in no circle, and every source file is small and says what
//! it is for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo;

/// Every top-level module of the library and its layer, lowest first (`src/lib.rs` lists them in
/// the same order). A new module must be placed here.
const LAYERS: &[(&str, &[&str])] = &[
    ("base", &["calendar", "checklist", "error", "escape", "gitlab", "input", "issue", "region", "seal"]),
    ("inputs", &["config", "roster", "template"]),
    ("desired", &["desired", "selection", "training"]),
    ("progress", &["progress"]),
    ("plan", &["departures", "merge", "plan"]),
    ("dashboards", &["dashboard"]),
    ("sync", &["mr_comment", "sync"]),
    ("shell", &["app", "ci", "cli", "isolation", "report", "token_expiry"]),
];

const MOST_CLIMBS: usize = 4;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/plan/issue.rs` -> `plan`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a line of code names with `crate::`, outside comments.
fn named(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            // `use crate::{a, b::c}`: every name in the braces.
            if let Some(group) = after.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or("");
                out.extend(inside.split(',').filter_map(|p| {
                    let n: String = p.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    (!n.is_empty() && n != "self").then_some(n)
                }));
            }
        } else {
            out.push(name);
        }
        rest = after;
    }
    out
}

/// Whether the line, or the line before it, says why it climbs.
fn says_why(lines: &[&str], i: usize) -> bool {
    let says = |l: &str| l.trim_start().starts_with("// climb:") || l.contains("// climb:");
    says(lines[i]) || (i > 0 && says(lines[i - 1]))
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: BTreeSet<String> =
        lib.lines().filter_map(|l| l.strip_prefix("pub mod ")).map(|m| m.trim_end_matches(';').to_string()).collect();
    let placed: BTreeSet<String> = LAYERS.iter().flat_map(|(_, m)| m.iter().map(|s| s.to_string())).collect();
    assert_eq!(declared, placed, "every module of src/lib.rs has a layer here, and only those");

    let mut climbs = Vec::new();
    let mut uncommented = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        let Some(from_layer) = layer_of(&from) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Tests may use anything: only what ships is layered.
        let shipped = lines.iter().position(|l| l.trim() == "#[cfg(test)]").unwrap_or(lines.len());
        for (i, line) in lines.iter().enumerate().take(shipped) {
            for to in named(line) {
                let Some(to_layer) = layer_of(&to) else { continue };
                if to != from {
                    edges.entry(from.clone()).or_default().insert(to.clone());
                }
                if to_layer > from_layer {
                    let at = format!("{}:{}: {from} -> {to}", file.strip_prefix(repo()).unwrap().display(), i + 1);
                    if !says_why(&lines, i) {
                        uncommented.push(at.clone());
                    }
                    climbs.push(at);
                }
            }
        }
    }
    assert!(
        uncommented.is_empty(),
        "imports from a lower layer to a higher one without a `// climb:` comment:\n{}",
        uncommented.join("\n")
    );
    assert!(climbs.len() <= MOST_CLIMBS, "{} climbs, at most {MOST_CLIMBS}:\n{}", climbs.len(), climbs.join("\n"));

    // No circle between top-level modules: a depth-first walk never meets a module on its path.
    fn walk<'a>(
        m: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("modules import each other in a circle: {} -> {m}", path[at..].join(" -> "));
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for next in edges.get(m).into_iter().flatten() {
            walk(next, edges, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        walk(m, &edges, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_layer_check_sees_imports_and_their_comments() {
    assert_eq!(named("use crate::plan::{Action, Kind};"), ["plan"]);
    assert_eq!(named("use crate::{dashboard, desired, isolation};"), ["dashboard", "desired", "isolation"]);
    assert_eq!(named("    let x = crate::region::parse(d); // not crate::sync"), ["region"]);
    assert!(named("//! see crate::plan").is_empty());
    let lines = ["// climb: the plan's actions are what a report prints", "use crate::report::Summary;"];
    assert!(says_why(&lines, 1));
    assert!(!says_why(&["", "use crate::report::Summary;"], 1));
}

#[test]
fn every_source_file_is_small_and_says_what_it_is_for() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "fake-gitlab/src", "fake-gitlab/tests", "fuzz/fuzz_targets"] {
        rust_files(&repo().join(dir), &mut files);
    }
    let mut wrong = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(repo()).unwrap().display().to_string();
        let lines = text.lines().count();
        if lines > 600 {
            wrong.push(format!("{name}: {lines} lines, more than 600"));
        }
        if !text.starts_with("//!") {
            wrong.push(format!("{name}: does not open with a `//!` line saying what it is for"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
