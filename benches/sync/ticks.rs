//! The advance day: a stage is reached by evidence (ticks), so the bench ticks as the people would.
//!
//! Every 10th person ticks every open item of their current stage in one of their two issues,
//! between that stage's heading and the next one. Nobody has ticked anything before, so the
//! current stage is the first one, and the ticks move that issue exactly one stage (the bench
//! checks that the next stage still has an open item, as src/progress.rs counts a stage with no
//! open item as passed).

use std::collections::BTreeMap;
use std::path::Path;

use fake_gitlab::FakeGitlab;

use super::{Person, PATHS, TRAINING};

/// A stage of a template, from its front matter.
pub struct Stage {
    pub id: String,
    pub title: String,
    /// The day the stage starts on the calendar: `(week - 1) * 7`.
    pub day: i64,
}

/// The stages of template `key`, in order, read from its front matter.
pub fn stages(templates: &Path, key: &str) -> Vec<Stage> {
    let text = std::fs::read_to_string(templates.join(format!("{key}.md"))).expect("template");
    let front = text.split("\n---").next().unwrap_or("");
    let mut out: Vec<Stage> = Vec::new();
    let mut in_stages = false;
    for line in front.lines() {
        if !line.starts_with(' ') {
            in_stages = line.trim_end() == "stages:";
            continue;
        }
        if !in_stages {
            continue;
        }
        let field = line.trim_start().trim_start_matches("- ");
        let value = |prefix: &str| field.strip_prefix(prefix).map(|v| v.trim().trim_matches('"').to_string());
        if let Some(id) = value("id:") {
            out.push(Stage { id, title: String::new(), day: 0 });
        } else if let (Some(title), Some(s)) = (value("title:"), out.last_mut()) {
            s.title = title;
        } else if let (Some(week), Some(s)) = (value("week:"), out.last_mut()) {
            s.day = (week.parse::<i64>().expect("week") - 1) * 7;
        }
    }
    assert!(out.len() >= 2, "template {key}: the advance day needs at least two stages");
    out
}

/// The stage index the calendar expects `days` after the start (None before it), as
/// `progress::expected_stage` does.
pub fn stage_at(stages: &[Stage], days: i64) -> Option<usize> {
    if days < 0 {
        return None;
    }
    stages.iter().rposition(|s| s.day <= days)
}

/// Line ranges of each stage's section: from its `## title` heading to the next stage's heading
/// (or the end of the managed region).
fn sections(lines: &[&str], stages: &[Stage]) -> Vec<(usize, usize)> {
    let heading = |s: &Stage| lines.iter().position(|l| l.trim_end() == format!("## {}", s.title));
    let starts: Vec<usize> = stages.iter().map(|s| heading(s).expect("every stage has its heading")).collect();
    let end = lines.iter().position(|l| l.starts_with("<!-- onboarder:state") || l.starts_with("<!-- onboarder:end"));
    let end = end.unwrap_or(lines.len());
    (0..starts.len()).map(|i| (starts[i], starts.get(i + 1).copied().unwrap_or(end))).collect()
}

/// The first stage with an open item, as the stage reached by evidence is counted.
pub fn first_open_stage(description: &str, stages: &[Stage]) -> Option<usize> {
    let lines: Vec<&str> = description.lines().collect();
    sections(&lines, stages).iter().position(|&(from, to)| lines[from..to].iter().any(|l| l.contains("- [ ]")))
}

/// The description with every open item of stage `stage` ticked, as the person would tick them.
pub fn tick_stage(description: &str, stages: &[Stage], stage: usize) -> String {
    let lines: Vec<&str> = description.lines().collect();
    let (from, to) = sections(&lines, stages)[stage];
    let mut out = String::with_capacity(description.len());
    for (i, line) in lines.iter().enumerate() {
        if (from..to).contains(&i) {
            out.push_str(&line.replacen("- [ ]", "- [x]", 1));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !description.ends_with('\n') {
        out.pop();
    }
    out
}

/// Every 10th person ticks the current stage of one of their issues (the paths alternate).
/// Returns, by iid, the stage label each ticked issue must carry after the next sync.
pub fn advance_every_tenth(
    fake: &FakeGitlab,
    people: &[Person],
    stages: &[Vec<Stage>],
    stage_prefix: &str,
) -> BTreeMap<u64, String> {
    let by_key: BTreeMap<String, fake_gitlab::Issue> = fake
        .issues(TRAINING)
        .into_iter()
        .filter(|i| i.state == "opened")
        .filter_map(|i| onboarder::region::key_of(&i.description).map(|k| (k, i)))
        .collect();
    let mut ticked = BTreeMap::new();
    for (n, p) in people.iter().enumerate().filter(|(n, _)| n % 10 == 0) {
        let t = (n / 10) % PATHS.len();
        let key = format!("{}:{}", PATHS[t], p.username);
        let issue = by_key.get(&key).unwrap_or_else(|| panic!("no open issue with key {key}"));
        let current = first_open_stage(&issue.description, &stages[t]).expect("nothing ticked yet");
        let description = tick_stage(&issue.description, &stages[t], current);
        let next = first_open_stage(&description, &stages[t]);
        assert_eq!(next, Some(current + 1), "{key}: ticking stage {current} must move it exactly one stage");
        fake.human_edit(TRAINING, issue.iid, |i| i.description = description);
        ticked.insert(issue.iid, format!("{stage_prefix}::{}", stages[t][current + 1].id));
    }
    ticked
}
