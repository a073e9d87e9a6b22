//! A dashboard's tables: a row per report (who needs attention first), each cell inert text, and
//! the lines "what the commands did" keeps. Pure: no IO.
//!
//! Every name and title is rendered inert (`escape::inert`): a person is linked, never mentioned.

use chrono::NaiveDate;

use super::board::{Flag, Row};
use super::command::Decided;
use super::spec::{PathStages, Spec};
use crate::error::truncate;
use crate::escape::inert;
use crate::progress::overrides::{Verb, Verdict};
use crate::progress::Pace;

/// Overdue first, then behind, on track, paused, finished; then the nearest due date, then name.
fn attention(r: &Row) -> (u8, Option<&str>, &str, &str) {
    let rank = match (r.finished.is_some(), r.pace) {
        (true, _) => 6,
        (_, Some(Pace::Overdue)) => 0,
        (_, Some(Pace::Behind)) => 1,
        (_, Some(Pace::OnTrack)) => 2,
        (_, Some(Pace::Paused)) => 3,
        (_, Some(Pace::Complete)) => 4,
        (_, None) => 5,
    };
    (rank, r.due.as_deref(), r.name.as_str(), r.key.as_str())
}

pub fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| attention(a).cmp(&attention(b)));
}

/// A web address onboarder may link: GitLab's, with nothing that could end the link early.
fn linkable(url: Option<&str>) -> Option<&str> {
    url.filter(|u| u.starts_with("http") && !u.contains(|c: char| c.is_whitespace() || "()<>[]".contains(c)))
}

/// A link to the person's issue, or their name alone while it does not exist.
pub fn person(r: &Row) -> String {
    let name = inert(&r.name);
    match linkable(r.url.as_deref()) {
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

/// Characters of a stage's name a row shows.
const SHORT_STAGE: usize = 28;
/// Characters of an open item a row shows.
pub const SHORT_ITEM: usize = 48;

/// A stage as a row shows it: its number on the path and its name, shortened.
pub fn stage_name(path: Option<&PathStages>, id: Option<&str>) -> String {
    let Some(id) = id else { return "—".into() };
    match path.and_then(|p| Some((p.index(id)?, p))) {
        Some((i, p)) => format!("{}. {}", i + 1, inert(&truncate(&p.stages[i].1, SHORT_STAGE))),
        // A stage the templates no longer have: its id, as the record kept it.
        None => inert(id),
    }
}

/// The open items holding the person back, each linked to their issue, and how many more.
fn holding(r: &Row) -> String {
    if r.open == 0 {
        return "—".into();
    }
    let url = linkable(r.url.as_deref());
    let mut named: Vec<String> = r
        .holding
        .iter()
        .map(|t| {
            let t = inert(&truncate(t, SHORT_ITEM));
            url.map_or_else(|| t.clone(), |u| format!("[{t}]({u})"))
        })
        .collect();
    let more = r.open.saturating_sub(named.len());
    if named.is_empty() {
        return format!("{} open", r.open);
    }
    if more > 0 {
        named.push(format!("{more} more"));
    }
    named.join("; ")
}

fn flags(r: &Row) -> String {
    let words: Vec<String> = r
        .flags
        .iter()
        .map(|f| match f {
            Flag::Leave(until) => format!("on leave until {}", inert(until)),
            Flag::Paused => "paused".into(),
            Flag::NoBuddy => "no buddy".into(),
        })
        .collect();
    if words.is_empty() {
        "—".into()
    } else {
        words.join(", ")
    }
}

/// A paused person's due date moves by the days paused when they are back: it is on hold, never
/// shown as a date gone by.
fn due(r: &Row) -> String {
    match r.pace {
        Some(Pace::Paused) if r.due.is_some() => "on hold".into(),
        _ => cell(r.due.as_deref()),
    }
}

pub const HEADER: &str =
    "| Person | Path | Week | Reached | Expected now | Pace | Holding them back | Flags | Due | Last tick |";
pub const RULE: &str = "|---|---|---|---|---|---|---|---|---|---|";

/// One report's row.
pub fn table_row(spec: &Spec, r: &Row) -> String {
    let path = spec.path(&r.path);
    let separate = path.is_some_and(|p| p.separate);
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        person(r),
        inert(&r.path),
        r.week.map_or_else(|| "—".to_string(), |w| w.to_string()),
        stage_name(path, r.stage.as_deref()),
        stage_name(path, r.expected.as_deref()),
        if separate && r.pace == Some(Pace::OnTrack) { "no timeline".to_string() } else { pace(r.pace) },
        holding(r),
        flags(r),
        due(r),
        cell(r.ticked.as_deref())
    )
}

/// A finished person, in the short list under the tables.
pub fn finished_line(r: &Row) -> String {
    let day = r.finished.as_deref().filter(|d| *d != "-").map(|d| format!(" on {}", inert(d))).unwrap_or_default();
    format!("- {} · {} · finished{day}", person(r), inert(&r.path))
}

/// The line a command leaves in "what the commands did", if it leaves one.
pub fn log_line(spec: &Spec, c: &Decided, today: NaiveDate) -> Option<String> {
    let path = c.id.issue.rsplit_once(':').map_or("", |(t, _)| t);
    let who = format!("{} ({})", inert(&c.who), inert(path));
    let what = match (c.id.verb, &c.id.stage) {
        (Verb::Stage, Some(stage)) => {
            let p = spec.path(path);
            let title = p.and_then(|p| p.stages.get(p.index(stage)?)).map_or(stage.as_str(), |(_, t)| t.as_str());
            format!("marked the stage \"{}\" reached for", inert(title))
        }
        (Verb::Stage, None) => "marked the expected stage reached for".into(),
        (Verb::Pause, _) => "paused".into(),
        (Verb::Resume, _) => "resumed".into(),
        (Verb::Extend, _) => "extended the due date by 2 weeks for".into(),
    };
    match &c.verdict {
        Verdict::Apply | Verdict::Done => Some(format!("- {today}: {what} {who}.")),
        Verdict::Refuse(why) => Some(format!("- {today}: did not carry out \"{}\" for {who}: {why}.", c.id.verb.id())),
        Verdict::Wait => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeMap;

    use super::*;

    pub(in crate::dashboard) fn spec() -> Spec {
        Spec {
            key: "manager-dashboard:dana".into(),
            project: "g/p".into(),
            title: "t".into(),
            labels: Vec::new(),
            assignees: vec!["dana".into()],
            known_user_ids: BTreeMap::new(),
            manager: Some("dana".into()),
            reports: BTreeMap::new(),
            paths: vec![
                PathStages {
                    key: "p".into(),
                    stages: vec![
                        ("one".into(), "One".into()),
                        ("two".into(), "Two".into()),
                        (
                            "three".into(),
                            "On-call, Onboarding Buddy and Technical Assessment Interview Rotations".into(),
                        ),
                    ],
                    separate: false,
                },
                PathStages { key: "promo".into(), stages: vec![("prep".into(), "Prepare".into())], separate: true },
            ],
            admins: Vec::new(),
            confidential: true,
        }
    }

    pub(in crate::dashboard) fn row(name: &str, pace: Option<Pace>, due: &str) -> Row {
        Row {
            key: format!("p:{}", name.to_lowercase().replace(' ', "")),
            user: name.to_lowercase().replace(' ', ""),
            name: name.into(),
            manager: None,
            url: Some(format!("https://gitlab.example/g/p/-/issues/{}", name.len())),
            path: "p".into(),
            week: Some(3),
            stage: Some("one".into()),
            expected: Some("two".into()),
            pace,
            holding: Vec::new(),
            open: 0,
            flags: Vec::new(),
            due: Some(due.into()),
            ticked: None,
            own: 0,
            serial: 0,
            paused_here: false,
            finished: None,
        }
    }

    #[test]
    fn who_needs_attention_comes_first() {
        let mut done = row("Done", Some(Pace::OnTrack), "2026-01-01");
        done.finished = Some("2026-01-01".into());
        let mut rows = vec![
            done,
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

    #[test]
    fn rows_link_without_mentioning_and_stay_inert() {
        let spec = spec();
        let mut r = row("@all | #1 <!-- x", Some(Pace::Behind), "2026-01-01");
        let line = table_row(&spec, &r);
        assert!(!line.contains(" @all") && line.contains("`@all`"), "{line}");
        assert!(!line.contains("<!--") && line.contains("\\|"), "{line}");
        assert!(line.contains("](https://gitlab.example/g/p/-/issues/"), "{line}");
        assert!(line.contains("| 3 | 1. One | 2. Two | **behind** |"), "{line}");
        r.url = Some("javascript:alert(1)".into());
        assert!(!table_row(&spec, &r).contains("]("), "only a GitLab web address is linked");
    }

    #[test]
    fn a_row_says_what_holds_the_person_back_with_short_stage_names_and_flags() {
        let spec = spec();
        let mut r = row("Priya", Some(Pace::Behind), "2026-12-01");
        r.expected = Some("three".into());
        r.holding = vec!["Read [the guide](https://x)".into(), "x".repeat(100)];
        r.open = 12;
        r.flags = vec![Flag::Leave("2026-12-01".into()), Flag::NoBuddy];
        let line = table_row(&spec, &r);
        assert!(line.contains("| 3. On-call, Onboarding Buddy an… |"), "{line}");
        assert!(line.contains("[Read \\[the guide\\](https://x)](https://gitlab.example/g/p/-/issues/5)"), "{line}");
        assert!(line.contains(&format!("[{}…](https", "x".repeat(SHORT_ITEM))), "{line}");
        assert!(line.contains("; 10 more |"), "{line}");
        assert!(line.contains("| on leave until 2026-12-01, no buddy |"), "{line}");
        // Paused: the due date is on hold, never a day gone by.
        r.pace = Some(Pace::Paused);
        let line = table_row(&spec, &r);
        assert!(
            line.contains("| paused |") && line.contains("| on hold |") && !line.contains("2026-12-01 |"),
            "{line}"
        );
        // A promotion has no timeline.
        r.path = "promo".into();
        r.pace = Some(Pace::OnTrack);
        assert!(table_row(&spec, &r).contains("| no timeline |"));
    }
}
