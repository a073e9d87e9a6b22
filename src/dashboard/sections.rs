//! A dashboard's text, section by section: the chart, the new hires who need attention first,
//! promotions and manager paths apart, the finished, the command boxes, what the commands did;
//! and the team's grouping, counts and medians. Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use super::board::{Hidden, Record, Row, STANDINGS};
use super::chart;
use super::command::comment;
use super::spec::Spec;
use super::table::{finished_line, stage_name, table_row, HEADER, RULE};
use crate::escape::inert;
use crate::progress::overrides::{CommandId, Verb, EXTEND_DAYS};
use crate::progress::Pace;

/// A standing in words.
fn words(standing: &str) -> &str {
    match standing {
        "on-track" => "on track",
        "-" => "not assessed",
        s => s,
    }
}

/// What a dashboard's text is made from.
pub struct View<'a> {
    pub spec: &'a Spec,
    pub record: &'a Record,
    /// Boxes shown ticked, under the ids they were ticked with (see `page::region`).
    pub kept: &'a BTreeSet<CommandId>,
    /// A preview: the boxes of issues about to be created are shown too, as a run writes them
    /// once it created those issues.
    pub preview: bool,
    /// The team dashboard's medians: per path, per stage id, days to reach it.
    pub medians: &'a BTreeMap<String, BTreeMap<String, u32>>,
}

impl View<'_> {
    fn separate(&self, r: &Row) -> bool {
        self.spec.path(&r.path).is_some_and(|p| p.separate)
    }

    fn table<'r>(&self, rows: impl Iterator<Item = &'r Row>, out: &mut Vec<String>) {
        out.push(HEADER.into());
        out.push(RULE.into());
        out.extend(rows.map(|r| table_row(self.spec, r)));
    }

    /// What the people not shown are, when the dashboard is past its size budget.
    fn hidden_note(&self, out: &mut Vec<String>) {
        let hidden = self.record.hidden();
        if hidden.is_empty() {
            return;
        }
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for h in &hidden {
            *by.entry(h.standing.as_str()).or_default() += 1;
        }
        let counts: Vec<String> =
            STANDINGS.iter().filter_map(|s| by.get(s).map(|n| format!("{n} {}", words(s)))).collect();
        out.push(String::new());
        out.push(format!(
            "**{} more not listed here**, to keep this issue within GitLab's size limit: {}. The table keeps \
             those who most need attention; everyone's own issue has the rest.",
            hidden.len(),
            counts.join(", ")
        ));
    }

    fn finished(&self, out: &mut Vec<String>) {
        let done: Vec<&Row> = self.record.rows.iter().filter(|r| r.finished.is_some()).collect();
        if done.is_empty() {
            return;
        }
        out.push(String::new());
        out.push("## Finished".into());
        out.push(String::new());
        out.extend(done.into_iter().map(finished_line));
    }

    /// A row's command boxes: "mark reached" for each stage after the one reached up to the one
    /// the calendar expects, pause or resume, extend.
    fn boxes(&self, r: &Row, out: &mut Vec<String>) {
        let boxed = |verb, stage: Option<String>, text: &str| {
            let fresh = CommandId { verb, issue: r.key.clone(), serial: r.serial, stage };
            let kept = self.kept.iter().find(|k| k.verb == verb && k.issue == r.key && k.stage == fresh.stage);
            let (id, ticked) = kept.map_or((fresh, false), |k| (k.clone(), true));
            format!("- [{}] {text} {}", if ticked { 'x' } else { ' ' }, comment(&id))
        };
        let mut lines = Vec::new();
        let moving = r.pace != Some(Pace::Paused);
        let path = self.spec.path(&r.path);
        let at = |id: &Option<String>| path.zip(id.as_deref()).and_then(|(p, id)| p.index(id));
        if let (Some(p), Some(reached), Some(expected)) = (path, at(&r.stage), at(&r.expected)) {
            for i in (reached + 1..=expected).filter(|_| moving) {
                let (id, title) = &p.stages[i];
                let now = if i == expected { " (the stage the calendar expects now)" } else { "" };
                lines.push(boxed(Verb::Stage, Some(id.clone()), &format!("Mark **{}** reached{now}", inert(title))));
            }
        }
        if r.paused_here {
            let text = "Resume: the pace clock runs again and the due date moves by the days paused";
            lines.push(boxed(Verb::Resume, None, text));
        } else if moving {
            lines.push(boxed(Verb::Pause, None, "Pause: the pace clock stops and nobody is nudged"));
        }
        if r.due.is_some() && moving {
            lines.push(boxed(Verb::Extend, None, &format!("Extend the due date by {} weeks", EXTEND_DAYS / 7)));
        }
        // A pause the roster set is the roster's to end: nothing to offer then.
        if !lines.is_empty() {
            out.push(String::new());
            out.push(format!("**{}** · {}", inert(&r.name), inert(&r.path)));
            out.push(String::new());
            out.append(&mut lines);
        }
    }

    fn commands(&self, out: &mut Vec<String>) {
        out.push(String::new());
        out.push("## Commands".into());
        out.push(String::new());
        out.push(
            "Tick a box: the next run carries it out once, unticks it and says below what it did. Only this \
             dashboard's manager and the onboarding admins the config names can give a command; anyone else's \
             tick is refused. A command changes only onboarder's record in the person's issue; a change in the \
             roster wins over it."
                .into(),
        );
        // No issue yet: nothing to command. A key that is not one onboarder makes
        // (`template:username`) gets no box: it would go into the box's hidden comment as it is.
        let plain = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "_.-:".contains(c));
        for r in self
            .record
            .rows
            .iter()
            .filter(|r| r.finished.is_none() && (r.url.is_some() || self.preview) && plain(&r.key))
        {
            self.boxes(r, out);
        }
    }

    fn log(&self, out: &mut Vec<String>) {
        if !self.record.log.is_empty() {
            out.push(String::new());
            out.push("## What the commands did".into());
            out.push(String::new());
            out.extend(self.record.log.iter().cloned());
        }
    }
}

/// A manager's dashboard: the chart, the new hires who need attention first, promotions and
/// manager paths, the finished, the command boxes and what they did.
pub fn manager_lines(v: &View) -> Vec<String> {
    let mut out = chart::pie("Where your reports stand", &v.record.standings());
    if !out.is_empty() {
        out.push(String::new());
    }
    out.push("## Your new hires".into());
    out.push(String::new());
    out.push(
        "Who needs attention first: overdue, then behind, then on track. Each person's own issue is the record; \
         this table is rewritten from them on every run."
            .into(),
    );
    out.push(String::new());
    let active = |r: &&Row| r.finished.is_none();
    v.table(v.record.rows.iter().filter(active).filter(|r| !v.separate(r)), &mut out);
    v.hidden_note(&mut out);
    let separate: Vec<&Row> = v.record.rows.iter().filter(active).filter(|r| v.separate(r)).collect();
    if !separate.is_empty() {
        out.push(String::new());
        out.push("## Promotions and manager paths".into());
        out.push(String::new());
        out.push("Paths with no timeline of their own: nobody on them is behind or overdue.".into());
        out.push(String::new());
        v.table(separate.into_iter(), &mut out);
    }
    v.finished(&mut out);
    v.commands(&mut out);
    v.log(&mut out);
    out
}

/// The team's dashboard: the chart, everyone by manager, the finished, then per path the people
/// at each stage and the median days to reach it.
pub fn team_lines(v: &View) -> Vec<String> {
    let mut out = chart::pie("Where everyone stands", &v.record.standings());
    if !out.is_empty() {
        out.push(String::new());
    }
    out.push("## Everyone onboarding, by manager".to_string());
    let mut groups: BTreeMap<Option<&str>, Vec<&Row>> = BTreeMap::new();
    for r in v.record.rows.iter().filter(|r| r.finished.is_none()) {
        groups.entry(r.manager.as_deref()).or_default().push(r);
    }
    for (manager, rows) in groups {
        out.push(String::new());
        out.push(format!("### {}", manager.map_or_else(|| "No manager in the roster".to_string(), inert)));
        out.push(String::new());
        v.table(rows.into_iter(), &mut out);
    }
    v.hidden_note(&mut out);
    v.finished(&mut out);
    out.push(String::new());
    out.push("## Stages".into());
    out.push(String::new());
    out.push("People at each stage now (the finished aside), and the median days from the start of the path to reaching it over everyone whose issue records it (people who finished included).".into());
    // Everyone still on a path, shown or not, by path and stage id.
    let mut at: BTreeMap<(String, String), usize> = BTreeMap::new();
    let hidden = v.record.hidden();
    let still = v.record.rows.iter().filter(|r| r.finished.is_none()).map(Hidden::of);
    for h in still.chain(hidden).filter(|h| h.standing != "finished") {
        *at.entry((h.path, h.stage)).or_default() += 1;
    }
    for path in &v.spec.paths {
        let there = |id: &str| at.get(&(path.key.clone(), id.to_string())).copied().unwrap_or(0);
        let days = v.medians.get(&path.key);
        if days.is_none() && path.stages.iter().all(|(id, _)| there(id) == 0) {
            continue;
        }
        out.push(String::new());
        out.push(format!("### {}", inert(&path.key)));
        out.push(String::new());
        out.push("| Stage | People there now | Median days to reach |".into());
        out.push("|---|---|---|".into());
        for (id, _) in &path.stages {
            let m = days.and_then(|d| d.get(id)).map_or_else(|| "—".to_string(), u32::to_string);
            out.push(format!("| {} | {} | {m} |", stage_name(Some(path), Some(id)), there(id)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::board::Flag;
    use super::super::table::tests::{row, spec};
    use super::*;

    fn view<'a>(spec: &'a Spec, record: &'a Record, kept: &'a BTreeSet<CommandId>) -> View<'a> {
        static NONE: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        View { spec, record, kept, preview: false, medians: &NONE }
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
        (r.holding, r.open, r.flags) = (vec![hostile.into()], 2, vec![Flag::Leave(hostile.into())]);
        r.url = Some(format!("https://gitlab.example/x) {hostile}"));
        let mut done = r.clone();
        done.finished = Some(hostile.into());
        let mut record = Record { rows: vec![r, done], ..Record::default() };
        record.hide(vec![Hidden {
            path: "p".into(),
            standing: "behind".into(),
            stage: "one".into(),
            user: "u".into(),
        }]);
        let mut spec = spec();
        spec.paths[0].key = hostile.into();
        spec.paths[0].stages[0] = ("s".into(), hostile.into());
        let medians = BTreeMap::from([(hostile.to_string(), BTreeMap::from([("s".to_string(), 3)]))]);
        let kept = BTreeSet::new();
        let v = View { medians: &medians, ..view(&spec, &record, &kept) };
        for text in [manager_lines(&v).join("\n"), team_lines(&v).join("\n")] {
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
    fn command_boxes_offer_each_stage_up_to_the_calendars_and_keep_a_tick_under_its_own_id() {
        let spec = spec();
        let mut r = row("Priya", Some(Pace::Behind), "2026-01-01");
        r.expected = Some("three".into());
        r.serial = 2;
        let record = Record { rows: vec![r.clone()], ..Record::default() };
        // Ticked under serial 1 while a run carried out another command: it stays that tick.
        let pause = CommandId { verb: Verb::Pause, issue: r.key.clone(), serial: 1, stage: None };
        let kept = BTreeSet::from([pause]);
        let text = manager_lines(&view(&spec, &record, &kept)).join("\n");
        assert!(text.contains("- [ ] Mark **Two** reached <!-- cmd: stage p:priya 2 two -->"), "{text}");
        assert!(text.contains("- [ ] Mark **On-call, Onboarding Buddy and Technical Assessment Interview Rotations** reached (the stage the calendar expects now) <!-- cmd: stage p:priya 2 three -->"), "{text}");
        assert!(
            text.contains("- [x] Pause: the pace clock stops and nobody is nudged <!-- cmd: pause p:priya 1 -->"),
            "{text}"
        );
        assert!(text.contains("<!-- cmd: extend p:priya 2 -->"), "{text}");
        r.paused_here = true;
        r.pace = Some(Pace::Paused);
        let record = Record { rows: vec![r], log: vec!["- 2026-11-23: paused Priya (p).".into()], ..Record::default() };
        let text = manager_lines(&view(&spec, &record, &BTreeSet::new())).join("\n");
        assert!(text.contains("- [ ] Resume") && !text.contains("Pause:") && !text.contains("Mark **"), "{text}");
        assert!(text.ends_with("## What the commands did\n\n- 2026-11-23: paused Priya (p)."), "{text}");
    }

    #[test]
    fn the_finished_and_promotions_have_their_own_sections_and_the_chart_counts_everyone() {
        let spec = spec();
        let mut done = row("Aroha", Some(Pace::Overdue), "2026-01-01");
        done.finished = Some("2026-11-02".into());
        let mut promo = row("Sofia", Some(Pace::OnTrack), "2026-01-01");
        promo.path = "promo".into();
        promo.stage = Some("prep".into());
        let mut record =
            Record { rows: vec![row("Priya", Some(Pace::Behind), "2026-01-01"), promo, done], ..Record::default() };
        record.hide(vec![Hidden {
            path: "p".into(),
            standing: "on-track".into(),
            stage: "one".into(),
            user: "u".into(),
        }]);
        let text = manager_lines(&view(&spec, &record, &BTreeSet::new())).join("\n");
        let hires = &text[text.find("## Your new hires").unwrap()..text.find("## Promotions").unwrap()];
        assert!(hires.contains("| [Priya]") && !hires.contains("Sofia") && !hires.contains("Aroha"), "{text}");
        assert!(
            hires.contains("**1 more not listed here**, to keep this issue within GitLab's size limit: 1 on track.")
        );
        let finished = &text[text.find("## Finished").unwrap()..text.find("## Commands").unwrap()];
        assert!(finished.contains("- [Aroha](https://gitlab.example/g/p/-/issues/5) · p · finished on 2026-11-02"));
        assert!(!text.contains("**overdue**"), "a finished person is never overdue: {text}");
        assert!(!text.contains("cmd: pause p:aroha"), "nothing to command for the finished");
        assert!(text.starts_with("```mermaid\npie showData\n    title Where your reports stand\n    \"Behind\" : 1\n    \"On track\" : 2\n    \"Finished\" : 1\n```"), "{text}");
    }
}
