//! A manager's word about a person's path: a stated stage, a pause, an extension. The commands
//! that say it, the verdict on each against the roster, and what a carried-out command changes in
//! onboarder's record of the person's issue (`Overrides`). Pure: no IO.
//!
//! A command only ever changes onboarder's own record, never a roster fact, and the roster wins:
//! a pause in the roster replaces a commanded pause, and a change of the roster's stated stage
//! drops a stage commanded before it. Who may give a command, and how, is for whoever receives
//! it (today, a manager's dashboard).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Days "extend the due date" adds.
pub const EXTEND_DAYS: u32 = 14;

/// What a command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    /// Mark the stage the calendar expects as reached (the manager's word, like `onboarding.stage`).
    Stage,
    Pause,
    Resume,
    Extend,
}

impl Verb {
    pub fn id(self) -> &'static str {
        match self {
            Verb::Stage => "stage",
            Verb::Pause => "pause",
            Verb::Resume => "resume",
            Verb::Extend => "extend",
        }
    }

    fn parse(s: &str) -> Option<Verb> {
        [Verb::Stage, Verb::Pause, Verb::Resume, Verb::Extend].into_iter().find(|v| v.id() == s)
    }
}

/// One command box: what, on which issue (by key), and its serial (the number of commands applied
/// to that issue before it), so a box ticked again later is a new command, and one carried out
/// whose untick was lost is recognised and not carried out twice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CommandId {
    pub verb: Verb,
    pub issue: String,
    pub serial: u32,
    /// The stage id a `Stage` command marks reached; the one the calendar expects when absent.
    pub stage: Option<String>,
}

impl CommandId {
    pub fn text(&self) -> String {
        match &self.stage {
            Some(stage) => format!("{} {} {} {stage}", self.verb.id(), self.issue, self.serial),
            None => format!("{} {} {}", self.verb.id(), self.issue, self.serial),
        }
    }

    pub fn parse(s: &str) -> Option<CommandId> {
        let mut words = s.split_whitespace();
        let verb = Verb::parse(words.next()?)?;
        let issue = words.next()?.to_string();
        let serial = words.next()?.parse().ok()?;
        let stage = match words.next() {
            Some(w) if verb == Verb::Stage => Some(w.to_string()),
            Some(_) => return None,
            None => None,
        };
        words.next().is_none().then_some(CommandId { verb, issue, serial, stage })
    }
}

/// What onboarder's record of a person's issue holds because of a manager's commands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// The stage a manager marked reached from the dashboard (a floor, like `onboarding.stage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_stage: Option<String>,
    /// The roster's stated stage when that was done: a roster change since overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_over: Option<String>,
    /// Paused from the dashboard since this day (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_by_dashboard: Option<String>,
    /// Days added to the due date.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra_days: u32,
    /// Commands carried out, by id, with the day: none is ever carried out twice.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub applied: BTreeMap<String, String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }

    /// The serial the next command on this issue carries.
    pub fn serial(&self) -> u32 {
        u32::try_from(self.applied.len()).unwrap_or(u32::MAX)
    }

    pub fn has_applied(&self, id: &CommandId) -> bool {
        self.applied.contains_key(&id.text())
    }
}

/// What the roster says about the person, which a command may not contradict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosterSays<'a> {
    /// `status: paused`.
    pub paused: bool,
    /// The stage id `onboarding.stage` states, if any.
    pub stage: Option<&'a str>,
    /// The stage id the calendar expects now, if the path has begun.
    pub expected: Option<&'a str>,
    /// The stage id reached from evidence.
    pub reached: Option<&'a str>,
    pub has_due_date: bool,
}

/// The verdict on one ticked command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Carry it out on the person's issue this run.
    Apply,
    /// Carried out by an earlier run whose untick did not land: untick it now.
    Done,
    /// Not carried out; the reason goes on the dashboard.
    Refuse(String),
    /// The person is not in this run (`--only`, a shard): left ticked for a run that includes them.
    Wait,
}

/// Decide a ticked command against the roster and what was already carried out.
pub fn decide(id: &CommandId, roster: &RosterSays, ov: &Overrides) -> Verdict {
    if ov.has_applied(id) {
        return Verdict::Done;
    }
    let refuse = |why: &str| Verdict::Refuse(why.to_string());
    match id.verb {
        Verb::Pause if roster.paused => refuse("the roster already says `status: paused`"),
        Verb::Pause if ov.paused_by_dashboard.is_some() => refuse("already paused from this dashboard"),
        Verb::Resume if roster.paused => {
            refuse("the roster says `status: paused`; change the roster entry to resume, and the next run follows it")
        }
        Verb::Resume if ov.paused_by_dashboard.is_none() => refuse("not paused from this dashboard"),
        Verb::Extend if !roster.has_due_date => refuse("this path has no due date"),
        Verb::Stage if roster.paused || ov.paused_by_dashboard.is_some() => {
            refuse("paused: the calendar expects nothing new")
        }
        Verb::Stage => match roster.expected {
            None => refuse("the path has not begun"),
            Some(e) if roster.stage == Some(e) => refuse("the roster (`onboarding.stage`) already states that stage"),
            Some(e) if roster.reached == Some(e) => refuse("that stage is already reached"),
            Some(_) => Verdict::Apply,
        },
        _ => Verdict::Apply,
    }
}

/// The roster wins over older dashboard commands: a pause in the roster takes over a dashboard
/// pause (so the roster's end of it ends the pause), and a stated stage set from the dashboard
/// lasts only while the roster's stated stage is the one it was set over.
pub fn roster_wins(ov: &mut Overrides, roster: &RosterSays) {
    if roster.paused {
        ov.paused_by_dashboard = None;
    }
    if ov.stated_stage.is_some() && ov.stated_over.as_deref() != roster.stage {
        ov.stated_stage = None;
        ov.stated_over = None;
    }
}

/// Carry out the commands that change the calendar (pause, resume, extend).
pub fn apply_calendar(ov: &mut Overrides, ids: &[&CommandId], today: NaiveDate) {
    for id in ids {
        if ov.has_applied(id) {
            continue;
        }
        match id.verb {
            Verb::Pause => ov.paused_by_dashboard = Some(today.to_string()),
            Verb::Resume => ov.paused_by_dashboard = None,
            Verb::Extend => ov.extra_days = ov.extra_days.saturating_add(EXTEND_DAYS),
            Verb::Stage => continue,
        }
        ov.applied.insert(id.text(), today.to_string());
    }
}

/// Carry out "mark the expected stage reached", once the calendar (with any pause) is known.
pub fn apply_stage(ov: &mut Overrides, ids: &[&CommandId], roster: &RosterSays, today: NaiveDate) {
    for id in ids {
        if id.verb != Verb::Stage || ov.has_applied(id) {
            continue;
        }
        // The stage the box names was checked against the calendar when it was decided.
        if let Some(e) = id.stage.as_deref().or(roster.expected) {
            ov.stated_stage = Some(e.to_string());
            ov.stated_over = roster.stage.map(str::to_string);
        }
        ov.applied.insert(id.text(), today.to_string());
    }
}

/// The commands this run carries out, each on the issue it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    pub apply: Vec<CommandId>,
}

impl Commands {
    /// The commands to carry out on the issue with this key.
    pub fn to_apply(&self, issue: &str) -> Vec<&CommandId> {
        self.apply.iter().filter(|c| c.issue == issue).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn id(verb: Verb) -> CommandId {
        CommandId { verb, issue: "support-learning-path:praman".into(), serial: 0, stage: None }
    }

    const ROSTER: RosterSays =
        RosterSays { paused: false, stage: None, expected: Some("b"), reached: Some("a"), has_due_date: true };

    #[test]
    fn verdicts() {
        let paused_here = Overrides { paused_by_dashboard: Some("2026-11-01".into()), ..Overrides::default() };
        let roster_paused = RosterSays { paused: true, ..ROSTER };
        let none = Overrides::default();
        let refused = |v: Verdict| matches!(v, Verdict::Refuse(_));
        // (case, command, roster, overrides, refused?)
        let table: &[(&str, Verb, RosterSays, &Overrides, bool)] = &[
            ("pause an active person", Verb::Pause, ROSTER, &none, false),
            ("pause someone the roster pauses", Verb::Pause, roster_paused, &none, true),
            ("pause twice", Verb::Pause, ROSTER, &paused_here, true),
            ("resume a dashboard pause", Verb::Resume, ROSTER, &paused_here, false),
            ("resume while the roster says paused", Verb::Resume, roster_paused, &paused_here, true),
            ("resume someone not paused", Verb::Resume, ROSTER, &none, true),
            ("extend", Verb::Extend, ROSTER, &none, false),
            ("extend a path with no due date", Verb::Extend, RosterSays { has_due_date: false, ..ROSTER }, &none, true),
            ("mark the expected stage", Verb::Stage, ROSTER, &none, false),
            ("the roster states it already", Verb::Stage, RosterSays { stage: Some("b"), ..ROSTER }, &none, true),
            ("already reached", Verb::Stage, RosterSays { reached: Some("b"), ..ROSTER }, &none, true),
            ("not begun", Verb::Stage, RosterSays { expected: None, ..ROSTER }, &none, true),
        ];
        for (case, verb, roster, ov, want) in table {
            assert_eq!(refused(decide(&id(*verb), roster, ov)), *want, "{case}");
        }
        let mut done = Overrides::default();
        apply_calendar(&mut done, &[&id(Verb::Pause)], d("2026-11-23"));
        assert_eq!(decide(&id(Verb::Pause), &ROSTER, &done), Verdict::Done, "never twice");
    }

    #[test]
    fn commands_change_only_the_overrides_once_and_the_roster_wins() {
        let today = d("2026-11-23");
        let mut ov = Overrides::default();
        let (pause, extend, stage) = (id(Verb::Pause), id(Verb::Extend), id(Verb::Stage));
        apply_calendar(&mut ov, &[&pause, &extend, &stage], today);
        apply_calendar(&mut ov, &[&extend], today);
        apply_stage(&mut ov, &[&pause, &extend, &stage], &ROSTER, today);
        assert_eq!(ov.paused_by_dashboard.as_deref(), Some("2026-11-23"));
        assert_eq!(ov.extra_days, EXTEND_DAYS, "the same extend box twice extends once");
        assert_eq!(ov.stated_stage.as_deref(), Some("b"));
        assert_eq!(ov.serial(), 3);
        // The roster pauses the person and states a stage: both replace the dashboard's.
        roster_wins(&mut ov, &RosterSays { paused: true, stage: Some("a"), ..ROSTER });
        assert_eq!((ov.paused_by_dashboard.as_deref(), ov.stated_stage.as_deref()), (None, None));
        assert_eq!(ov.extra_days, EXTEND_DAYS, "the roster has no due date to contradict an extension");
        // A stage stated over the roster's unchanged stage stays.
        let mut ov =
            Overrides { stated_stage: Some("b".into()), stated_over: Some("a".into()), ..Overrides::default() };
        roster_wins(&mut ov, &RosterSays { stage: Some("a"), ..ROSTER });
        assert_eq!(ov.stated_stage.as_deref(), Some("b"));
    }
}
