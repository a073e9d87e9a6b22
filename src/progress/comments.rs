//! The comments onboarder owes on an issue: each one decided from where the person stands and
//! the state block's record of what was already said, so none is ever posted twice. Pure: no IO.
//!
//! A comment is owed from the moment its trigger shows (a new stage reached, falling behind, the
//! due date passing, the path complete, a new manager) and its key is not in the record. The
//! write that records the key is the one that follows posting it; a comment whose posting failed
//! stays owed, and before posting, sync looks for the comment's hidden key among the issue's
//! notes, so one whose answer was lost is recorded, not posted again.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::assess::{Assessment, Pace};
use crate::error::InputError;
use crate::template::{CommentContext, Say, StageWords, TemplateSet};

/// The hidden line that carries a posted comment's keys.
pub const NOTE_MARKER: &str = "<!-- onboarder:note ";

/// Days a person stays behind after the first nudge before their manager is told.
pub const ESCALATE_AFTER_DAYS: i64 = 7;

/// Who and what a comment is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject<'a> {
    pub person: &'a str,
    pub buddy: Option<&'a str>,
    pub manager: Option<&'a str>,
    /// The manager recorded at onboarder's last write (to tell a new one).
    pub previous_manager: Option<&'a str>,
    pub stage_ids: &'a [String],
    pub stage_titles: &'a [String],
    pub assessment: Assessment,
    pub today: NaiveDate,
    /// The issue is about to be closed because the path is complete.
    pub closing: bool,
    /// The first open items that hold the person back, as plain text (a nudge names them).
    pub holding: Vec<String>,
    /// How many open items hold the person back.
    pub open_count: usize,
    /// On leave, paused, or back from either less than a week ago: no nudge, no escalation, no
    /// overdue notice.
    pub quiet: bool,
    /// The stage the manager stated (the roster or the dashboard), if any.
    pub stated: Option<usize>,
}

/// Where a comment's words come from: the templates directory's partials (`TemplateSet::say`).
pub type Words<'a> = &'a TemplateSet;

/// A comment to post: the keys it settles, and its text (the hidden keys line included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub keys: Vec<String>,
    pub body: String,
}

impl Comment {
    /// One comment from several parts; `None` when there is nothing to say.
    pub fn join(parts: Vec<(String, String)>) -> Option<Comment> {
        if parts.is_empty() {
            return None;
        }
        let keys: Vec<String> = parts.iter().map(|(k, _)| k.clone()).collect();
        let text: Vec<String> = parts.into_iter().map(|(_, t)| t).collect();
        let body = format!("{}\n\n{NOTE_MARKER}{} -->", text.join("\n\n"), keys.join(" "));
        Some(Comment { keys, body })
    }

    /// Does this note's text say that every key of ours was already posted?
    pub fn posted_in(&self, notes: &[String]) -> bool {
        self.keys.iter().all(|k| notes.iter().any(|n| note_keys(n).any(|x| x == k)))
    }
}

/// The keys a posted note carries.
pub fn note_keys(note: &str) -> impl Iterator<Item = &str> {
    note.lines().filter_map(|l| l.trim().strip_prefix(NOTE_MARKER)?.strip_suffix("-->")).flat_map(str::split_whitespace)
}

/// A name as part of a hidden key: only characters a username may hold, and never `--` (which
/// would end the hidden comment), so the key stays one word on one line whatever the name holds.
fn key_part(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || "_.".contains(c) || (c == '-' && !out.ends_with('-')) {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        out.push(c);
    }
    out
}

fn stage_key(id: &str) -> String {
    format!("stage:{id}")
}

/// What the record holds for a nudge that was never posted: the situation was already so when
/// onboarder created or adopted the issue. Not a day, so no escalation ever counts from it.
pub const ADOPTED: &str = "adopted";

/// Keys for everything the subject's situation calls for now, said or not: at creation these are
/// recorded as said, so a new issue posts nothing.
pub fn due_keys(s: &Subject) -> Vec<String> {
    owed_keys(s, &BTreeMap::new(), true).into_iter().map(|(_, k)| k).collect()
}

/// The comment owed now, if any, given what the record says was said (key -> day).
pub fn owed(s: &Subject, said: &BTreeMap<String, String>, words: Words) -> Result<Option<Comment>, InputError> {
    let mut parts = Vec::new();
    for (say, key) in owed_keys(s, said, false) {
        parts.push((key, words.say(say, &context(s, say, said))?));
    }
    Ok(Comment::join(parts))
}

/// Is any comment owed now? (What `owed` would post, without its words.)
pub fn owes(s: &Subject, said: &BTreeMap<String, String>) -> bool {
    !owed_keys(s, said, false).is_empty()
}

/// Keys to record as said along with a comment: a stage comment settles every earlier stage too.
pub fn settled_keys(s: &Subject, comment: &Comment) -> Vec<String> {
    let mut keys = comment.keys.clone();
    if keys.iter().any(|k| k.starts_with("stage:") || k.starts_with("stated:")) {
        keys.extend(s.stage_ids.iter().take(s.assessment.reached + 1).map(|id| stage_key(id)));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// A nudge posted at least a week ago: the person had time to act, so the manager may be told.
fn nudged_a_week_ago(said: &BTreeMap<String, String>, key: Option<&str>, today: NaiveDate) -> bool {
    said.iter()
        .filter(|(k, _)| key.map_or(k.starts_with("behind:"), |key| k.as_str() == key))
        .filter_map(|(_, day)| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
        .any(|d| (today - d).num_days() >= ESCALATE_AFTER_DAYS)
}

/// What is owed, as (what to say, key). One comment a run: a new stage's note goes alone, so
/// "reached" and "behind" never share one; nothing nags while the person is away or just back.
fn owed_keys(s: &Subject, said: &BTreeMap<String, String>, all: bool) -> Vec<(Say, String)> {
    let a = &s.assessment;
    let mut out = Vec::new();
    let unsaid = |k: &str| all || !said.contains_key(k);

    // The manager's word, said once: it stands for the stage note of the stage it names.
    let stated = s.stated.filter(|&st| st > 0).and_then(|st| s.stage_ids.get(st).map(|id| (st, id)));
    if let Some((_, id)) = stated.filter(|_| !a.complete) {
        let key = format!("stated:{id}");
        if unsaid(&key) {
            out.push((Say::Stated, key));
        }
    }
    // A new stage: only forward, only for a stage after the first (the issue itself introduces it).
    // A stated stage at or past the one reached stands for its note, now and on later runs.
    let covered = stated.is_some_and(|(st, _)| st >= a.reached);
    if let Some(id) = s.stage_ids.get(a.reached).filter(|_| a.reached > 0 && !a.complete && out.is_empty() && !covered)
    {
        let key = stage_key(id);
        if unsaid(&key) {
            out.push((Say::Stage, key));
        }
    }
    let may_nag = all || (out.is_empty() && !s.quiet);
    if let Some(id) = s.stage_ids.get(a.reached).filter(|_| a.pace == Pace::Behind && may_nag) {
        let nudge = format!("behind:{id}");
        let escalate = format!("behind-manager:{id}");
        if unsaid(&nudge) {
            out.push((Say::Behind, nudge));
        } else if s.manager.is_some() && unsaid(&escalate) && nudged_a_week_ago(said, Some(&nudge), s.today) {
            out.push((Say::Escalate, escalate));
        }
    }
    if a.pace == Pace::Overdue && may_nag && unsaid("overdue") {
        out.push((Say::Overdue, "overdue".into()));
    }
    if a.complete && unsaid("complete") {
        out.push((Say::Complete, "complete".into()));
    }
    if let (Some(new), Some(old)) = (s.manager, s.previous_manager) {
        let key = format!("manager:{}", key_part(new));
        if !new.eq_ignore_ascii_case(old) && unsaid(&key) {
            out.push((Say::NewManager, key));
        }
    }
    out
}

/// What the words of `say` may use. The manager is there only where they may be mentioned: told
/// of an escalation, a completed path, their new path, or an overdue path after a week-old nudge.
fn context(s: &Subject, say: Say, said: &BTreeMap<String, String>) -> CommentContext {
    let a = &s.assessment;
    let stage = |i: usize| StageWords { title: s.stage_titles.get(i).cloned().unwrap_or_default(), number: i + 1 };
    let shown = if say == Say::Stated { s.stated.unwrap_or(a.reached) } else { a.reached };
    let manager = match say {
        Say::Escalate | Say::Complete | Say::NewManager => s.manager,
        Say::Overdue if nudged_a_week_ago(said, None, s.today) => s.manager,
        Say::Overdue | Say::Stage | Say::Behind | Say::Stated => None,
    };
    CommentContext {
        person: s.person.to_string(),
        buddy: s.buddy.map(str::to_string),
        manager: manager.map(str::to_string),
        previous_manager: s.previous_manager.map(str::to_string),
        stage: stage(shown),
        stages: s.stage_ids.len(),
        expected: a.expected_by_grace.map(stage),
        due: a.due.map(|d| d.to_string()),
        open_items: s.holding.clone(),
        more_open: s.open_count.saturating_sub(s.holding.len()),
        open_count: s.open_count,
        closing: s.closing,
        day: s.today.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn subject<'a>(ids: &'a [String], titles: &'a [String], reached: usize, pace: Pace) -> Subject<'a> {
        let assessment = Assessment {
            reached,
            expected: Some(2),
            expected_by_grace: Some(2),
            pace,
            due: Some(d("2026-04-01")),
            complete: false,
        };
        Subject {
            person: "jdoe",
            buddy: Some("buddy"),
            manager: Some("boss"),
            previous_manager: Some("boss"),
            stage_ids: ids,
            stage_titles: titles,
            assessment,
            today: d("2026-02-01"),
            closing: false,
            holding: vec!["Read the handbook".into()],
            open_count: 3,
            quiet: false,
            stated: None,
        }
    }

    fn said(keys: &[(&str, &str)]) -> BTreeMap<String, String> {
        keys.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn set() -> TemplateSet {
        TemplateSet::empty(&Arc::from(Path::new("templates")))
    }

    #[test]
    fn owed_comments_table() {
        let set = set();
        let words = &set;
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let titles: Vec<String> = ["A", "B", "C"].map(String::from).to_vec();
        let keys = |s: &Subject, said: &BTreeMap<String, String>| {
            owed(s, said, words).unwrap().map(|c| c.keys).unwrap_or_default()
        };
        // The first stage is introduced by the issue itself.
        assert!(keys(&subject(&ids, &titles, 0, Pace::OnTrack), &said(&[])).is_empty());
        assert_eq!(keys(&subject(&ids, &titles, 1, Pace::OnTrack), &said(&[])), ["stage:b"]);
        assert!(keys(&subject(&ids, &titles, 1, Pace::OnTrack), &said(&[("stage:b", "x")])).is_empty());
        // Behind: a nudge, then after a week the manager, then nothing more for that stage.
        let behind = subject(&ids, &titles, 0, Pace::Behind);
        assert_eq!(keys(&behind, &said(&[])), ["behind:a"]);
        assert!(keys(&behind, &said(&[("behind:a", "2026-01-28")])).is_empty());
        assert_eq!(keys(&behind, &said(&[("behind:a", "2026-01-25")])), ["behind-manager:a"]);
        let done = said(&[("behind:a", "2026-01-01"), ("behind-manager:a", "2026-01-08")]);
        assert!(keys(&behind, &done).is_empty());
        // A nudge never posted (the issue was adopted behind): no escalation counts from it.
        assert!(keys(&behind, &said(&[("behind:a", ADOPTED)])).is_empty());
        // A new stage reached while behind: the stage note alone; the nudge waits a run.
        let moved_on = subject(&ids, &titles, 1, Pace::Behind);
        assert_eq!(keys(&moved_on, &done), ["stage:b"]);
        assert_eq!(keys(&moved_on, &said(&[("stage:b", "2026-01-31")])), ["behind:b"]);
        // A stated stage: said once, and it stands for that stage's note; work past it moves on.
        let stated = Subject { stated: Some(1), ..subject(&ids, &titles, 1, Pace::OnTrack) };
        assert_eq!(keys(&stated, &said(&[])), ["stated:b"]);
        assert!(keys(&stated, &said(&[("stated:b", "2026-01-31")])).is_empty());
        let beyond = Subject { stated: Some(1), ..subject(&ids, &titles, 2, Pace::OnTrack) };
        assert_eq!(keys(&beyond, &said(&[("stated:b", "2026-01-31")])), ["stage:c"]);
        let stated_text = owed(&stated, &said(&[]), words).unwrap().unwrap().body;
        assert!(stated_text.contains("2026-02-01") && stated_text.contains("**B**"), "{stated_text}");
        // Away or just back: no nudge, no escalation, no overdue notice.
        let quiet = Subject { quiet: true, ..subject(&ids, &titles, 0, Pace::Behind) };
        assert!(keys(&quiet, &said(&[])).is_empty());
        assert!(keys(&quiet, &said(&[("behind:a", "2026-01-01")])).is_empty());
        let quiet_overdue = Subject { quiet: true, ..subject(&ids, &titles, 0, Pace::Overdue) };
        assert!(keys(&quiet_overdue, &said(&[])).is_empty());
        assert_eq!(keys(&subject(&ids, &titles, 0, Pace::Overdue), &said(&[])), ["overdue"]);
        let mut complete = subject(&ids, &titles, 2, Pace::Complete);
        complete.assessment.complete = true;
        assert_eq!(keys(&complete, &said(&[])), ["complete"]);
        let mut moved = subject(&ids, &titles, 0, Pace::OnTrack);
        moved.manager = Some("newboss");
        assert_eq!(keys(&moved, &said(&[])), ["manager:newboss"]);
        moved.previous_manager = None;
        assert!(keys(&moved, &said(&[])).is_empty(), "no record of a manager: nothing to announce");
    }

    #[test]
    fn who_each_comment_mentions() {
        let set = set();
        let words = &set;
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let text = |s: &Subject, said: &BTreeMap<String, String>| owed(s, said, words).unwrap().unwrap().body;
        let nudge = text(&subject(&ids, &ids, 0, Pace::Behind), &said(&[]));
        assert!(nudge.contains("@jdoe @buddy") && !nudge.contains("@boss"), "{nudge}");
        assert!(nudge.contains("- Read the handbook\n- and 2 more"), "the nudge names what is open: {nudge}");
        let escalation = text(&subject(&ids, &ids, 0, Pace::Behind), &said(&[("behind:a", "2026-01-20")]));
        assert!(escalation.starts_with("@boss ") && escalation.contains("3 items open"), "{escalation}");
        // Overdue: the manager only after a nudge the person had a week to act on.
        let overdue = subject(&ids, &ids, 1, Pace::Overdue);
        let early = text(&overdue, &said(&[("stage:b", "x")]));
        assert!(early.contains("@jdoe") && !early.contains("@boss"), "{early}");
        let late = text(&overdue, &said(&[("stage:b", "x"), ("behind:a", "2026-01-20")]));
        assert!(late.contains("@jdoe @boss"), "{late}");
    }

    #[test]
    fn a_comment_carries_its_keys_and_is_found_among_notes() {
        let c = Comment::join(vec![("stage:b".into(), "Hi".into()), ("behind:b".into(), "Psst".into())]).unwrap();
        assert!(c.body.ends_with("<!-- onboarder:note stage:b behind:b -->"), "{}", c.body);
        assert!(c.posted_in(&["other".into(), c.body.clone()]));
        assert!(!c.posted_in(&["<!-- onboarder:note stage:b -->".into()]));
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let s = subject(&ids, &ids, 2, Pace::OnTrack);
        let stage = Comment::join(vec![("stage:c".into(), "x".into())]).unwrap();
        assert_eq!(settled_keys(&s, &stage), ["stage:a", "stage:b", "stage:c"]);
    }

    // Regression (N1): a value planted in an issue's state block (the old manager) was pasted
    // into the "new manager" comment as it was: `@all` and quick actions ran with the bot's rights.
    #[test]
    fn hostile_values_in_every_shown_field_stay_inert_in_every_comment() {
        let set = set();
        let words = &set;
        let hostile = "x\n\n@all please look\n\n/close\n/confidential\n<!-- a --> **b** [c](d) #1 ~e --> ```";
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let titles: Vec<String> = vec![hostile.into(), hostile.into(), hostile.into()];
        let mut all = Vec::new();
        for pace in [Pace::OnTrack, Pace::Behind, Pace::Overdue, Pace::Complete] {
            for reached in 0..3 {
                let mut s = subject(&ids, &titles, reached, pace);
                s.holding = vec![hostile.into()];
                s.assessment.complete = pace == Pace::Complete;
                s.closing = true;
                all.extend(owed(&s, &said(&[("behind:a", "2026-01-01"), ("behind:b", "2026-01-01")]), words).unwrap());
                all.extend(owed(&s, &said(&[("stage:b", "x"), ("stage:c", "x")]), words).unwrap());
                let mut moved = subject(&ids, &titles, reached, pace);
                (moved.manager, moved.previous_manager) = (Some("newboss"), Some(hostile));
                all.extend(owed(&moved, &said(&[]), words).unwrap());
            }
        }
        let kinds: std::collections::BTreeSet<String> =
            all.iter().flat_map(|c| c.keys.iter().map(|k| k.split(':').next().unwrap_or("").to_string())).collect();
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["behind", "behind-manager", "complete", "manager", "overdue", "stage"]
        );
        for c in &all {
            let body = c.body.rsplit_once(NOTE_MARKER).map_or(c.body.as_str(), |(text, _)| text);
            for line in body.lines() {
                assert!(!line.trim_start().starts_with('/'), "a quick action: {line:?}\n{}", c.body);
                assert!(!line.contains("<!--") && !line.contains("-->"), "an HTML comment: {line:?}");
            }
            // `@all` only ever inside a code span; brackets and stars escaped.
            assert_eq!(
                body.matches("@all").count(),
                body.matches("`@all`").count(),
                "a mention of everyone: {}",
                c.body
            );
            assert!(!body.contains("**b**") && !body.contains("[c](d)"), "markup: {}", c.body);
            assert_eq!(c.body.matches(NOTE_MARKER).count(), 1);
            assert!(c.keys.iter().all(|k| !k.contains(char::is_whitespace) && !k.contains("--")), "{:?}", c.keys);
        }
    }

    /// A username that is not one (a hostile roster value that got past the roster's checks)
    /// fails the comment's rendering; it is never written as a mention or as text.
    #[test]
    fn a_person_who_is_no_username_is_never_mentioned() {
        let set = set();
        let words = &set;
        let ids: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let s = Subject { person: "all", ..subject(&ids, &ids, 1, Pace::OnTrack) };
        assert!(owed(&s, &said(&[]), words).is_err());
    }
}
