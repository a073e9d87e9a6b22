//! A dashboard's text: the table of reports (who needs attention first), the command boxes and
//! what the commands did; the team's grouping, counts and medians. Pure: no IO.
//!
//! Every name and title is rendered inert (`escape::inert`): a person is linked, never mentioned.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::board::{Record, Row};
use super::command::{comment, Decided};
use super::spec::Spec;
use crate::escape::inert;
use crate::progress::overrides::{CommandId, Verb, Verdict, EXTEND_DAYS};
use crate::progress::Pace;

/// Overdue first, then behind, on track, paused, complete; then the nearest due date, then name.
fn attention(r: &Row) -> (u8, Option<&str>, &str, &str) {
    let rank = match r.pace {
        Some(Pace::Overdue) => 0,
        Some(Pace::Behind) => 1,
        Some(Pace::OnTrack) => 2,
        Some(Pace::Paused) => 3,
        Some(Pace::Complete) => 4,
        None => 5,
    };
    (rank, r.due.as_deref(), r.name.as_str(), r.key.as_str())
}

pub fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| attention(a).cmp(&attention(b)));
}

/// A link to the person's issue, or their name alone while it does not exist.
fn person(r: &Row) -> String {
    let name = inert(&r.name);
    match r
        .url
        .as_deref()
        .filter(|u| u.starts_with("http") && !u.contains(|c: char| c.is_whitespace() || "()<>[]".contains(c)))
    {
        Some(url) => format!("[{name}]({url})"),
        None => name,
    }
}

fn cell(v: Option<&str>) -> String {
    v.map_or_else(|| "—".to_string(), inert)
}

fn pace(p: Option<Pace>) -> String {
    match p {
        Some(p @ (Pace::Overdue | Pace::Behind)) => format!("**{}**", p.id()),
        Some(p) => p.id().to_string(),
        None => "—".into(),
    }
}

const HEADER: &str = "| Person | Path | Stage reached | Expected now | Pace | Items ticked | Due | Last tick |";
const RULE: &str = "|---|---|---|---|---|---|---|---|";

fn table_row(r: &Row) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {}/{} | {} | {} |",
        person(r),
        inert(&r.path),
        cell(r.stage.as_deref()),
        cell(r.expected.as_deref()),
        pace(r.pace),
        r.checked,
        r.total,
        cell(r.due.as_deref()),
        cell(r.ticked.as_deref())
    )
}

/// The line a command leaves in "what the commands did", if it leaves one.
pub fn log_line(c: &Decided, today: NaiveDate) -> Option<String> {
    let who = format!("{} ({})", inert(&c.who), inert(c.id.issue.rsplit_once(':').map_or("", |(t, _)| t)));
    let what = match c.id.verb {
        Verb::Stage => "marked the expected stage reached for",
        Verb::Pause => "paused",
        Verb::Resume => "resumed",
        Verb::Extend => "extended the due date by 2 weeks for",
    };
    match &c.verdict {
        Verdict::Apply | Verdict::Done => Some(format!("- {today}: {what} {who}.")),
        Verdict::Refuse(why) => Some(format!("- {today}: did not carry out \"{}\" for {who}: {why}.", c.id.verb.id())),
        Verdict::Wait => None,
    }
}

fn command_line(id: CommandId, ticked: bool, text: &str) -> String {
    format!("- [{}] {text} {}", if ticked { 'x' } else { ' ' }, comment(&id))
}

/// A manager's dashboard: the table, a command box group per row, and the log.
pub fn manager_lines(record: &Record, keep_ticked: &dyn Fn(&CommandId) -> bool) -> Vec<String> {
    let mut out = vec!["## Your new hires".to_string(), String::new()];
    out.push("Who needs attention first: overdue, then behind, then on track. Each person's own issue is the record; this table is rewritten from them on every run.".into());
    out.push(String::new());
    out.push(HEADER.into());
    out.push(RULE.into());
    out.extend(record.rows.iter().map(table_row));
    out.push(String::new());
    out.push("## Commands".into());
    out.push(String::new());
    out.push(
        "Tick a box: the next run carries it out once, unticks it and says below what it did. A command changes only onboarder's record in the person's issue; a change in the roster wins over it."
            .into(),
    );
    // No issue yet: nothing to command. A pause the roster set is the roster's to end. A key that
    // is not one onboarder makes (`template:username`) gets no box: it would go into the box's
    // hidden comment as it is.
    let plain = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "_.-:".contains(c));
    for r in record.rows.iter().filter(|r| r.url.is_some() && plain(&r.key)) {
        let id = |verb| CommandId { verb, issue: r.key.clone(), serial: r.serial };
        let boxed = |verb, text: &str| command_line(id(verb), keep_ticked(&id(verb)), text);
        out.push(String::new());
        out.push(format!("**{}** · {}", inert(&r.name), inert(&r.path)));
        out.push(String::new());
        let moving = !matches!(r.pace, Some(Pace::Complete | Pace::Paused));
        if let Some(e) = r.expected.as_deref().filter(|e| r.stage.as_deref() != Some(*e) && moving) {
            out.push(boxed(
                Verb::Stage,
                &format!("Mark **{}** reached (the stage the calendar expects now)", inert(e)),
            ));
        }
        if r.paused_here {
            out.push(boxed(
                Verb::Resume,
                "Resume: the pace clock runs again and the due date moves by the days paused",
            ));
        } else if moving {
            out.push(boxed(Verb::Pause, "Pause: the pace clock stops and nobody is nudged"));
        }
        if r.due.is_some() && moving {
            out.push(boxed(Verb::Extend, &format!("Extend the due date by {} weeks", EXTEND_DAYS / 7)));
        }
    }
    if !record.log.is_empty() {
        out.push(String::new());
        out.push("## What the commands did".into());
        out.push(String::new());
        out.extend(record.log.iter().cloned());
    }
    out
}

/// The team's dashboard: everyone by manager, then per path the people at each stage and the
/// median days to reach it.
pub fn team_lines(spec: &Spec, record: &Record, medians: &BTreeMap<String, BTreeMap<String, u32>>) -> Vec<String> {
    let mut out = vec!["## Everyone onboarding, by manager".to_string()];
    let mut groups: BTreeMap<Option<&str>, Vec<&Row>> = BTreeMap::new();
    for r in &record.rows {
        groups.entry(r.manager.as_deref()).or_default().push(r);
    }
    for (manager, rows) in &groups {
        out.push(String::new());
        out.push(format!("### {}", manager.map_or_else(|| "No manager in the roster".to_string(), inert)));
        out.push(String::new());
        out.push(HEADER.into());
        out.push(RULE.into());
        out.extend(rows.iter().map(|r| table_row(r)));
    }
    out.push(String::new());
    out.push("## Stages".into());
    out.push(String::new());
    out.push("People at each stage now, and the median days from the start of the path to reaching it over everyone whose issue records it (people who finished included).".into());
    for path in &spec.paths {
        let at: Vec<&Row> = record.rows.iter().filter(|r| r.path == path.key).collect();
        let days = medians.get(&path.key);
        if at.is_empty() && days.is_none() {
            continue;
        }
        out.push(String::new());
        out.push(format!("### {}", inert(&path.key)));
        out.push(String::new());
        out.push("| Stage | People there now | Median days to reach |".into());
        out.push("|---|---|---|".into());
        for (id, title) in &path.stages {
            let n = at.iter().filter(|r| r.stage.as_deref() == Some(title.as_str())).count();
            let m = days.and_then(|d| d.get(id)).map_or_else(|| "—".to_string(), u32::to_string);
            out.push(format!("| {} | {n} | {m} |", inert(title)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, pace: Option<Pace>, due: &str) -> Row {
        Row {
            key: format!("p:{name}"),
            user: name.to_lowercase(),
            name: name.into(),
            manager: None,
            url: Some(format!("https://gitlab.example/g/p/-/issues/{}", name.len())),
            path: "p".into(),
            stage: Some("One".into()),
            expected: Some("Two".into()),
            pace,
            checked: 3,
            total: 10,
            due: Some(due.into()),
            ticked: None,
            own: 0,
            serial: 0,
            paused_here: false,
        }
    }

    #[test]
    fn who_needs_attention_comes_first() {
        let mut rows = vec![
            row("Done", Some(Pace::Complete), "2026-01-01"),
            row("Fine", Some(Pace::OnTrack), "2026-01-01"),
            row("Late", Some(Pace::Overdue), "2026-03-01"),
            row("Slow b", Some(Pace::Behind), "2026-02-01"),
            row("Slow a", Some(Pace::Behind), "2026-01-01"),
            row("Away", Some(Pace::Paused), "2026-01-01"),
        ];
        sort(&mut rows);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Late", "Slow a", "Slow b", "Fine", "Away", "Done"]);
    }

    // Regression (N1, N3): values read back from an issue or a dashboard's record went into the
    // dashboard's text. Every field of every row, and the team's grouping, must stay inert.
    #[test]
    fn hostile_values_in_every_field_stay_inert_on_both_dashboards() {
        let hostile = "x\n\n@all look\n/close\n<!-- a --> **b** [c](d) #1 ~e | --> `";
        let mut r = row(hostile, Some(Pace::Behind), hostile);
        (r.user, r.manager, r.path, r.stage, r.expected, r.ticked) = (
            hostile.into(),
            Some(hostile.into()),
            hostile.into(),
            Some(hostile.into()),
            Some(hostile.into()),
            Some(hostile.into()),
        );
        r.url = Some(format!("https://gitlab.example/x) {hostile}"));
        let record = Record { rows: vec![r.clone()], log: Vec::new() };
        let spec = Spec {
            key: "team-dashboard".into(),
            project: "g/p".into(),
            title: "t".into(),
            labels: Vec::new(),
            assignees: Vec::new(),
            known_user_ids: BTreeMap::new(),
            manager: None,
            reports: BTreeMap::new(),
            paths: vec![super::super::spec::PathStages {
                key: hostile.into(),
                stages: vec![("s".into(), hostile.into())],
            }],
        };
        let medians = BTreeMap::from([(hostile.to_string(), BTreeMap::from([("s".to_string(), 3)]))]);
        for text in [manager_lines(&record, &|_| true).join("\n"), team_lines(&spec, &record, &medians).join("\n")] {
            for line in text.lines() {
                assert!(!line.trim_start().starts_with('/'), "a quick action: {line:?}");
                assert!(!line.contains("<!-- a") && !line.contains(" --> "), "an HTML comment: {line:?}");
            }
            assert_eq!(text.matches("@all").count(), text.matches("`@all`").count(), "a mention: {text}");
            assert!(
                !text.contains("**b**") && !text.contains("[c](d)") && !text.contains("](https://gitlab.example/x)"),
                "{text}"
            );
        }
    }

    #[test]
    fn rows_link_without_mentioning_and_stay_inert() {
        let mut r = row("@all | #1 <!-- x", Some(Pace::Behind), "2026-01-01");
        let line = table_row(&r);
        assert!(!line.contains(" @all") && line.contains("`@all`"), "{line}");
        assert!(!line.contains("<!--") && line.contains("\\|"), "{line}");
        assert!(line.contains("](https://gitlab.example/g/p/-/issues/"), "{line}");
        assert!(line.contains("| **behind** | 3/10 |"), "{line}");
        r.url = Some("javascript:alert(1)".into());
        assert!(!table_row(&r).contains("]("), "only a GitLab web address is linked");
    }

    #[test]
    fn command_boxes_follow_the_row() {
        let mut r = row("Priya", Some(Pace::Behind), "2026-01-01");
        let record = Record { rows: vec![r.clone()], log: Vec::new() };
        let text = manager_lines(&record, &|id| id.verb == Verb::Pause).join("\n");
        assert!(text.contains("- [ ] Mark **Two** reached"), "{text}");
        assert!(text.contains("- [x] Pause: the pace clock stops"), "{text}");
        assert!(text.contains("<!-- cmd: extend p:Priya 0 -->"), "{text}");
        r.paused_here = true;
        r.serial = 1;
        let record = Record { rows: vec![r], log: vec!["- 2026-11-23: paused Priya (p).".into()] };
        let text = manager_lines(&record, &|_| false).join("\n");
        assert!(text.contains("- [ ] Resume") && !text.contains("Pause:"), "{text}");
        assert!(text.contains("<!-- cmd: resume p:Priya 1 -->"), "{text}");
        assert!(text.ends_with("## What the commands did\n\n- 2026-11-23: paused Priya (p)."), "{text}");
    }
}
