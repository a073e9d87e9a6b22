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
use crate::escape::inert;
use crate::roster::{is_valid_username, reserved_username};

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
}

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

/// A mention of a roster username; anything else (a value read back from an issue, a name GitLab
/// reserves, `all`) is inert text, never a mention.
fn mention(u: &str) -> String {
    if is_valid_username(u) && reserved_username(u).is_none() {
        format!("@{u}")
    } else {
        inert(u)
    }
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

/// Keys for everything the subject's situation calls for now, said or not: at creation these are
/// recorded as said, so a new issue posts nothing.
pub fn due_keys(s: &Subject) -> Vec<String> {
    owed_parts(s, &BTreeMap::new(), true).into_iter().map(|(k, _)| k).collect()
}

/// The comment owed now, if any, given what the record says was said (key -> day).
pub fn owed(s: &Subject, said: &BTreeMap<String, String>) -> Option<Comment> {
    Comment::join(owed_parts(s, said, false))
}

/// Keys to record as said along with a comment: a stage comment settles every earlier stage too.
pub fn settled_keys(s: &Subject, comment: &Comment) -> Vec<String> {
    let mut keys = comment.keys.clone();
    if keys.iter().any(|k| k.starts_with("stage:")) {
        keys.extend(s.stage_ids.iter().take(s.assessment.reached + 1).map(|id| stage_key(id)));
    }
    keys.sort();
    keys.dedup();
    keys
}

fn owed_parts(s: &Subject, said: &BTreeMap<String, String>, all: bool) -> Vec<(String, String)> {
    let a = &s.assessment;
    let mut parts = Vec::new();
    let unsaid = |k: &str| all || !said.contains_key(k);
    let people = |who: &[Option<&str>]| who.iter().flatten().map(|u| mention(u)).collect::<Vec<_>>().join(" ");
    let stage_title = |i: usize| s.stage_titles.get(i).map_or(String::new(), |t| inert(t));
    let total = s.stage_ids.len();

    // A new stage: only forward, only for a stage after the first (the issue itself introduces it).
    if let Some(id) = s.stage_ids.get(a.reached).filter(|_| a.reached > 0 && !a.complete) {
        let key = stage_key(id);
        if unsaid(&key) {
            parts.push((
                key,
                format!(
                    "{} Every item before **{}** is done: that is stage {} of {}. Its items are next; pick up later ones whenever they make sense.",
                    people(&[Some(s.person), s.buddy]),
                    stage_title(a.reached),
                    a.reached + 1,
                    total
                ),
            ));
        }
    }
    if let Some(id) = s.stage_ids.get(a.reached).filter(|_| a.pace == Pace::Behind) {
        let first = format!("behind:{id}");
        let second = format!("behind-manager:{id}");
        let expected =
            a.expected.map_or(String::new(), |e| format!(" (the calendar expects **{}** by now)", stage_title(e)));
        if unsaid(&first) {
            parts.push((
                first,
                format!(
                    "{} A friendly check-in: this path is still at **{}**{expected}. Progress is not linear, so this may be fine; if something is in the way, say so here or ask your buddy.",
                    people(&[Some(s.person), s.buddy]),
                    stage_title(a.reached)
                ),
            ));
        } else if let (Some(manager), Some(day)) = (s.manager, said.get(&first)) {
            let waited = NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .is_ok_and(|d| (s.today - d).num_days() >= ESCALATE_AFTER_DAYS);
            if waited && unsaid(&second) {
                parts.push((
                    second,
                    format!(
                        "{} This path has been at **{}** for more than a week since the last check-in{expected}. Could you look at it together in your next 1:1?",
                        mention(manager),
                        stage_title(a.reached)
                    ),
                ));
            }
        }
    }
    if a.pace == Pace::Overdue && unsaid("overdue") {
        let due = a.due.map_or(String::new(), |d| format!(" ({d})"));
        parts.push((
            "overdue".into(),
            format!(
                "{} The due date of this path{due} has passed with items still open. Agree together what is left and whether the date should move.",
                people(&[Some(s.person), s.manager])
            ),
        ));
    }
    if a.complete && unsaid("complete") {
        let closing = if s.closing {
            " onboarder is closing this issue; reopen it if there is more to do, onboarder will leave it open."
        } else {
            ""
        };
        parts.push((
            "complete".into(),
            format!(
                "{} Every item on this checklist is ticked or skipped. Time for the check-in: review the checklist together.{closing}",
                people(&[s.manager, Some(s.person)])
            ),
        ));
    }
    if let (Some(new), Some(old)) = (s.manager, s.previous_manager) {
        let key = format!("manager:{}", key_part(new));
        if !new.eq_ignore_ascii_case(old) && unsaid(&key) {
            parts.push((
                key,
                format!(
                    "{} You are now the manager on this path (before: {}). It is at **{}**, stage {} of {total}.",
                    mention(new),
                    // Read back from the issue: anyone who may edit it could have written it.
                    inert(old),
                    stage_title(a.reached),
                    a.reached + 1
                ),
            ));
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn subject<'a>(ids: &'a [String], titles: &'a [String], reached: usize, pace: Pace) -> Subject<'a> {
        Subject {
            person: "jdoe",
            buddy: Some("buddy"),
            manager: Some("boss"),
            previous_manager: Some("boss"),
            stage_ids: ids,
            stage_titles: titles,
            assessment: Assessment {
                reached,
                expected: Some(2),
                expected_by_grace: Some(2),
                pace,
                due: Some(d("2026-04-01")),
                complete: false,
            },
            today: d("2026-02-01"),
            closing: false,
        }
    }

    fn said(keys: &[(&str, &str)]) -> BTreeMap<String, String> {
        keys.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn owed_comments_table() {
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let titles: Vec<String> = ["A", "B", "C"].map(String::from).to_vec();
        let keys = |c: Option<Comment>| c.map(|c| c.keys).unwrap_or_default();
        // The first stage is introduced by the issue itself.
        assert!(keys(owed(&subject(&ids, &titles, 0, Pace::OnTrack), &said(&[]))).is_empty());
        assert_eq!(keys(owed(&subject(&ids, &titles, 1, Pace::OnTrack), &said(&[]))), ["stage:b"]);
        assert!(keys(owed(&subject(&ids, &titles, 1, Pace::OnTrack), &said(&[("stage:b", "x")]))).is_empty());
        // Behind: a nudge, then after a week the manager, then nothing more for that stage.
        let behind = subject(&ids, &titles, 0, Pace::Behind);
        assert_eq!(keys(owed(&behind, &said(&[]))), ["behind:a"]);
        assert!(keys(owed(&behind, &said(&[("behind:a", "2026-01-28")]))).is_empty());
        assert_eq!(keys(owed(&behind, &said(&[("behind:a", "2026-01-25")]))), ["behind-manager:a"]);
        let done = said(&[("behind:a", "2026-01-01"), ("behind-manager:a", "2026-01-08")]);
        assert!(keys(owed(&behind, &done)).is_empty());
        // Behind at a later stage is a new stage's nudge.
        assert_eq!(keys(owed(&subject(&ids, &titles, 1, Pace::Behind), &done)), ["stage:b", "behind:b"]);
        assert_eq!(keys(owed(&subject(&ids, &titles, 0, Pace::Overdue), &said(&[]))), ["overdue"]);
        let mut complete = subject(&ids, &titles, 2, Pace::Complete);
        complete.assessment.complete = true;
        assert_eq!(keys(owed(&complete, &said(&[]))), ["complete"]);
        let mut moved = subject(&ids, &titles, 0, Pace::OnTrack);
        moved.manager = Some("newboss");
        assert_eq!(keys(owed(&moved, &said(&[]))), ["manager:newboss"]);
        moved.previous_manager = None;
        assert!(keys(owed(&moved, &said(&[]))).is_empty(), "no record of a manager: nothing to announce");
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
    fn hostile_values_in_every_field_stay_inert_in_every_comment() {
        let hostile = "x\n\n@all please look\n\n/close\n/confidential\n<!-- a --> **b** [c](d) #1 ~e --> ```";
        let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let titles: Vec<String> = vec![hostile.into(), hostile.into(), hostile.into()];
        let mut all = Vec::new();
        for pace in [Pace::OnTrack, Pace::Behind, Pace::Overdue, Pace::Complete] {
            for reached in 0..3 {
                let mut s = subject(&ids, &titles, reached, pace);
                (s.person, s.buddy, s.manager, s.previous_manager) =
                    (hostile, Some(hostile), Some(hostile), Some("boss"));
                s.assessment.complete = pace == Pace::Complete;
                s.closing = true;
                all.extend(owed(&s, &said(&[("behind:a", "2026-01-01"), ("behind:b", "2026-01-01")])));
                let mut moved = subject(&ids, &titles, reached, pace);
                (moved.manager, moved.previous_manager) = (Some("newboss"), Some(hostile));
                all.extend(owed(&moved, &said(&[])));
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
}
