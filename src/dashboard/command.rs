//! A dashboard's commands: the boxes a manager ticks, the verdict on each (carried out, refused
//! because the roster says otherwise, or left for a run that includes the person), and what a
//! carried-out command changes in the person's state block. Pure: no IO.
//!
//! A command only ever changes onboarder's own record of the issue (`Overrides`), never a roster
//! fact, and the roster wins: a pause in the roster replaces a dashboard pause, and a change of
//! the roster's stated stage drops a stage the dashboard stated before it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Spec;
use crate::checklist::{parse_task_line, Fences, Mark};
use crate::description;
use crate::desired::{Desired, DesiredIssue, Standing};
use crate::plan::{Observed, Settings};

/// Days "extend the due date" adds.
pub const EXTEND_DAYS: u32 = 14;

const CMD: &str = "<!-- cmd: ";

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
}

impl CommandId {
    pub fn text(&self) -> String {
        format!("{} {} {}", self.verb.id(), self.issue, self.serial)
    }

    pub fn parse(s: &str) -> Option<CommandId> {
        let mut words = s.split_whitespace();
        let verb = Verb::parse(words.next()?)?;
        let issue = words.next()?.to_string();
        let serial = words.next()?.parse().ok()?;
        words.next().is_none().then_some(CommandId { verb, issue, serial })
    }

    /// The hidden comment that ends the command's line.
    pub fn comment(&self) -> String {
        format!("{CMD}{} -->", self.text())
    }
}

/// The command boxes of a dashboard description and whether each is ticked.
pub fn boxes(description: &str) -> Vec<(CommandId, bool)> {
    let mut fences = Fences::default();
    description
        .lines()
        .filter(|l| !fences.in_code(l))
        .filter_map(|l| {
            let t = parse_task_line(l)?;
            let at = t.text.rfind(CMD)?;
            let id = CommandId::parse(t.text[at + CMD.len()..].strip_suffix("-->")?.trim())?;
            Some((id, t.mark == Mark::Done))
        })
        .collect()
}

/// The ticked command boxes of a dashboard description.
pub fn ticked(description: &str) -> BTreeSet<CommandId> {
    boxes(description).into_iter().filter(|(_, t)| *t).map(|(id, _)| id).collect()
}

/// What onboarder's record of a person's issue holds because of dashboard commands.
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
pub struct Roster<'a> {
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
pub fn decide(id: &CommandId, roster: &Roster, ov: &Overrides) -> Verdict {
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
pub fn roster_wins(ov: &mut Overrides, roster: &Roster) {
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
pub fn apply_stage(ov: &mut Overrides, ids: &[&CommandId], roster: &Roster, today: NaiveDate) {
    for id in ids {
        if id.verb != Verb::Stage || ov.has_applied(id) {
            continue;
        }
        if let Some(e) = roster.expected {
            ov.stated_stage = Some(e.to_string());
            ov.stated_over = roster.stage.map(str::to_string);
        }
        ov.applied.insert(id.text(), today.to_string());
    }
}

/// A command box seen ticked, and what this run does about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The dashboard's key.
    pub board: String,
    pub id: CommandId,
    /// Whom it is about, as the log line names them.
    pub who: String,
    pub verdict: Verdict,
}

/// Every ticked command of every dashboard, decided before planning: the plan applies the
/// accepted ones to the people's issues (in `plan::reconcile`, again on the fresh copy before
/// writing) and each dashboard reports on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    pub decided: Vec<Decided>,
}

impl Commands {
    /// The commands to carry out on the issue with this key.
    pub fn to_apply(&self, issue: &str) -> Vec<&CommandId> {
        self.decided.iter().filter(|c| c.verdict == Verdict::Apply && c.id.issue == issue).map(|c| &c.id).collect()
    }
}

/// The ticked command boxes of each open dashboard found, by the dashboard's key.
fn boards(observed: &[Observed]) -> Vec<(String, BTreeSet<CommandId>)> {
    observed
        .iter()
        .filter(|o| o.open)
        .filter_map(|o| o.key().filter(|k| super::is_key(k)).map(|k| (k, o)))
        .map(|(k, o)| (k, ticked(&o.description)))
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// The keys of the issues a ticked command box names: deciding a command reads their record.
pub fn commanded(observed: &[Observed]) -> BTreeSet<String> {
    boards(observed).into_iter().flat_map(|(_, t)| t.into_iter().map(|c| c.issue)).collect()
}

/// Read and decide every ticked command box on the dashboards found. The issues the commands
/// name must be listed whole (see `commanded`).
pub fn commands(desired: &Desired, observed: &[Observed], s: &Settings) -> Commands {
    if desired.dashboards.is_empty() {
        return Commands::default();
    }
    let boards = boards(observed);
    if boards.is_empty() {
        return Commands::default();
    }
    let wanted: BTreeSet<&str> = boards.iter().flat_map(|(_, t)| t.iter().map(|c| c.issue.as_str())).collect();
    let issues: BTreeMap<String, &Observed> =
        observed.iter().filter_map(|o| o.key().filter(|k| wanted.contains(k.as_str())).map(|k| (k, o))).collect();
    let desired_by_key: BTreeMap<&str, &DesiredIssue> = desired.issues.iter().map(|d| (d.key.as_str(), d)).collect();
    let mut out = Commands::default();
    for (board, ticked) in boards {
        let spec = desired.dashboards.iter().find(|b| b.key == board);
        for id in ticked {
            let user = crate::desired::key_username(&id.issue).to_string();
            let who = spec.and_then(|b| b.reports.get(&user)).map_or_else(|| user.clone(), |r| r.name.clone());
            let verdict = decide_one(
                spec,
                &id,
                &user,
                desired,
                desired_by_key.get(id.issue.as_str()).copied(),
                issues.get(&id.issue).copied(),
                s,
            );
            out.decided.push(Decided { board: board.clone(), id, who, verdict });
        }
    }
    out
}

fn decide_one(
    spec: Option<&Spec>,
    id: &CommandId,
    user: &str,
    desired: &Desired,
    d: Option<&DesiredIssue>,
    issue: Option<&Observed>,
    s: &Settings,
) -> Verdict {
    let refuse = |why: &str| Verdict::Refuse(why.to_string());
    if !(s.selected)(user) {
        return Verdict::Wait;
    }
    let Some(spec) = spec.filter(|b| b.manager.is_some()) else {
        return refuse("commands work on a manager's dashboard only");
    };
    if !spec.reports.contains_key(user) {
        return refuse("the roster no longer lists them as your report");
    }
    let (Some(d), Some(issue)) = (d, issue) else {
        return refuse("that issue is not one of their current paths, or does not exist yet");
    };
    if !issue.open {
        return refuse("their issue is closed; reopen it first");
    }
    let state = description::parse(&issue.description).state;
    let ov = state.as_ref().and_then(|st| st.overrides.clone()).unwrap_or_default();
    let stage = |i: Option<usize>| i.and_then(|i| d.stage_ids.get(i)).map(String::as_str);
    let roster = Roster {
        paused: desired.standing.get(user) == Some(&Standing::Paused),
        stage: stage(d.path.stated),
        expected: stage(d.assessment.expected),
        reached: state.as_ref().and_then(|st| st.stage.as_deref()),
        has_due_date: d.path.due_days.is_some(),
    };
    decide(id, &roster, &ov)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn id(verb: Verb) -> CommandId {
        CommandId { verb, issue: "support-learning-path:praman".into(), serial: 0 }
    }

    const ROSTER: Roster =
        Roster { paused: false, stage: None, expected: Some("b"), reached: Some("a"), has_due_date: true };

    #[test]
    fn command_boxes_read_back() {
        let pause = id(Verb::Pause);
        let text = format!(
            "- [x] Pause <!-- cmd: pause support-learning-path:praman 0 -->\n- [ ] Extend {}\n```\n- [x] x {}\n```\n- [x] mine\n- [x] bad <!-- cmd: fly a 0 -->\n",
            id(Verb::Extend).comment(),
            id(Verb::Resume).comment()
        );
        assert_eq!(boxes(&text), vec![(pause.clone(), true), (id(Verb::Extend), false)]);
        assert_eq!(ticked(&text).into_iter().collect::<Vec<_>>(), vec![pause.clone()]);
        assert_eq!(CommandId::parse(&pause.text()), Some(pause));
        assert_eq!(CommandId::parse("pause k 0 extra"), None);
    }

    #[test]
    fn verdicts() {
        let paused_here = Overrides { paused_by_dashboard: Some("2026-11-01".into()), ..Overrides::default() };
        let roster_paused = Roster { paused: true, ..ROSTER };
        let none = Overrides::default();
        let refused = |v: Verdict| matches!(v, Verdict::Refuse(_));
        // (case, command, roster, overrides, refused?)
        let table: &[(&str, Verb, Roster, &Overrides, bool)] = &[
            ("pause an active person", Verb::Pause, ROSTER, &none, false),
            ("pause someone the roster pauses", Verb::Pause, roster_paused, &none, true),
            ("pause twice", Verb::Pause, ROSTER, &paused_here, true),
            ("resume a dashboard pause", Verb::Resume, ROSTER, &paused_here, false),
            ("resume while the roster says paused", Verb::Resume, roster_paused, &paused_here, true),
            ("resume someone not paused", Verb::Resume, ROSTER, &none, true),
            ("extend", Verb::Extend, ROSTER, &none, false),
            ("extend a path with no due date", Verb::Extend, Roster { has_due_date: false, ..ROSTER }, &none, true),
            ("mark the expected stage", Verb::Stage, ROSTER, &none, false),
            ("the roster states it already", Verb::Stage, Roster { stage: Some("b"), ..ROSTER }, &none, true),
            ("already reached", Verb::Stage, Roster { reached: Some("b"), ..ROSTER }, &none, true),
            ("not begun", Verb::Stage, Roster { expected: None, ..ROSTER }, &none, true),
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
        roster_wins(&mut ov, &Roster { paused: true, stage: Some("a"), ..ROSTER });
        assert_eq!((ov.paused_by_dashboard.as_deref(), ov.stated_stage.as_deref()), (None, None));
        assert_eq!(ov.extra_days, EXTEND_DAYS, "the roster has no due date to contradict an extension");
        // A stage stated over the roster's unchanged stage stays.
        let mut ov =
            Overrides { stated_stage: Some("b".into()), stated_over: Some("a".into()), ..Overrides::default() };
        roster_wins(&mut ov, &Roster { stage: Some("a"), ..ROSTER });
        assert_eq!(ov.stated_stage.as_deref(), Some("b"));
    }
}
