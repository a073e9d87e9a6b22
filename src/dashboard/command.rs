//! A dashboard's commands: the boxes a manager ticks, read back and decided (carried out, refused
//! because someone else ticked it or the roster says otherwise, or left for a run that includes
//! the person). Who ticked a box is what GitLab's system note about the tick says, never what the
//! description says. What a carried-out command does is progress's (`progress::overrides`).
//! Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::spec::{is_key, Spec};
use crate::calendar::{self, Calendar};
use crate::checklist::{parse_task_line, Fences, Mark};
use crate::desired::{key_username, Desired, DesiredIssue, Standing};
use crate::escape::inert;
use crate::issue::{Note, Observed};
use crate::plan::{is_ours, IssueState, Settings};
use crate::progress::overrides::{decide, CommandId, Commands, RosterSays, Verb, Verdict};
use crate::region;

const CMD: &str = "<!-- cmd: ";

/// The hidden comment that ends a command box's line.
pub fn comment(id: &CommandId) -> String {
    format!("{CMD}{} -->", id.text())
}

/// The command boxes of a dashboard description and whether each is ticked: only those onboarder
/// lays out, inside the managed region and outside code and HTML comments (a box hidden in a
/// comment, or written below the end marker, is nobody's command).
pub fn boxes(description: &str) -> Vec<(CommandId, bool)> {
    let live = region::parse(description);
    let inside = &description[live.before.len()..description.len() - live.after.len()];
    let mut fences = Fences::default();
    let mut in_comment = false;
    inside
        .lines()
        .filter(|l| !fences.in_code(l))
        .filter(|l| {
            // A comment opened on a line and not closed there hides the lines up to its end.
            let hidden = in_comment;
            let (opens, closes) = (l.rfind("<!--"), l.rfind("-->"));
            in_comment = match (opens, closes) {
                (Some(o), Some(c)) => o > c,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => in_comment,
            };
            !hidden
        })
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

/// The commands the plan carries out: those decided `Apply`, applied to the people's issues (in
/// `plan::reconcile`, again on the fresh copy before writing); each dashboard reports on its own.
pub fn orders(decided: &[Decided]) -> Commands {
    Commands { apply: decided.iter().filter(|c| c.verdict == Verdict::Apply).map(|c| c.id.clone()).collect() }
}

/// The ticked command boxes of each open dashboard found, by the dashboard's key: only the
/// dashboards onboarder's own account opened (anyone may open an issue carrying a dashboard's key).
fn boards<'o>(observed: &'o [Observed], bots: &[u64]) -> Vec<(String, &'o Observed, BTreeSet<CommandId>)> {
    observed
        .iter()
        .filter(|o| o.open && (bots.is_empty() || o.author_id.is_some_and(|a| bots.contains(&a))))
        .filter_map(|o| o.key().filter(|k| is_key(k)).map(|k| (k, o)))
        .map(|(k, o)| (k, o, ticked(&o.description)))
        .filter(|(_, _, t)| !t.is_empty())
        .collect()
}

/// The keys of the issues a ticked command box names: deciding a command reads their record.
pub fn commanded(observed: &[Observed], bots: &[u64]) -> BTreeSet<String> {
    boards(observed, bots).into_iter().flat_map(|(_, _, t)| t.into_iter().map(|c| c.issue)).collect()
}

/// The dashboards with boxes ticked for people this run covers, and those boxes: who ticked them
/// is read from the dashboard's notes (and only then: a run with nothing ticked reads none).
pub fn awaiting<'o>(observed: &'o [Observed], s: &Settings) -> Vec<(String, &'o Observed, BTreeSet<CommandId>)> {
    boards(observed, s.bots)
        .into_iter()
        .map(|(k, o, t)| (k, o, t.into_iter().filter(|c| (s.selected)(key_username(&c.issue))).collect()))
        .filter(|(_, _, t): &(String, &Observed, BTreeSet<CommandId>)| !t.is_empty())
        .collect()
}

/// Who ticked a command box, as GitLab's system note about the tick names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticker {
    pub id: u64,
    pub username: Option<String>,
}

/// Per dashboard key, who ticked each of its ticked boxes, as far as GitLab's notes tell.
pub type Tickers = BTreeMap<String, BTreeMap<CommandId, Ticker>>;

/// Undo the Markdown escapes GitLab puts in a task note (`\-`, `\.`, `\=`, `\"`...): a
/// backslash and the character after it are that character.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// The command box a system note says was ticked (true) or unticked (false). GitLab writes
/// "marked the checklist item **<text>** as completed" ("the task" in older versions), by whoever
/// changed the box (app/services/system_notes/issuables_service.rb, `change_task_status`); the
/// text is the item's, Markdown-escaped, with the words inside its HTML comments kept without
/// `<!--` and `-->`: the box's `cmd: <id>` ends it.
fn task_note(body: &str) -> Option<(CommandId, bool)> {
    let rest = body.strip_prefix("marked the checklist item **").or_else(|| body.strip_prefix("marked the task **"))?;
    let (text, ticked) = match rest.strip_suffix("** as completed") {
        Some(t) => (t, true),
        None => (rest.strip_suffix("** as incomplete")?, false),
    };
    let text = unescape(text);
    let at = text.rfind(CMD_WORD)?;
    Some((CommandId::parse(text[at + CMD_WORD.len()..].trim())?, ticked))
}

const CMD_WORD: &str = "cmd: ";

/// Who ticked each box of `ids`, from a dashboard's notes, newest first: the author of the newest
/// note about the box, when that note ticks it. A box ticked with no note (added already ticked,
/// or in an edit that moved other boxes) has nobody.
pub fn tickers(notes: &[Note], ids: &BTreeSet<CommandId>) -> BTreeMap<CommandId, Ticker> {
    let mut seen = BTreeSet::new();
    let mut out = BTreeMap::new();
    for n in notes.iter().filter(|n| n.system) {
        let Some((id, ticked)) = task_note(&n.body) else { continue };
        if ids.contains(&id) && seen.insert(id.clone()) && ticked {
            out.insert(id, Ticker { id: n.author_id, username: n.author_username.clone() });
        }
    }
    out
}

/// Whether `notes` (newest first) already say something of every box of `ids`: no older page
/// of notes can change who ticked them.
pub fn told(notes: &[Note], ids: &BTreeSet<CommandId>) -> bool {
    let about: BTreeSet<CommandId> =
        notes.iter().filter(|n| n.system).filter_map(|n| task_note(&n.body)).map(|(id, _)| id).collect();
    ids.is_subset(&about)
}

/// May the person who ticked a box on `spec`'s dashboard give commands: its manager (by the
/// roster's GitLab id when it gives one, else by username), or an onboarding admin?
fn authority(spec: &Spec, t: Option<&Ticker>) -> Result<(), String> {
    let Some(t) = t else {
        return Err("GitLab's notes do not say who ticked it (a box ticked in an edit that also added or \
                    removed boxes has no note); only the manager or an onboarding admin can give a command, so \
                    tick it again on its own"
            .into());
    };
    let name = t.username.as_deref().map(str::to_lowercase);
    let manager = spec.manager.as_deref().map(str::to_lowercase);
    let is_manager = match manager.as_ref().and_then(|m| spec.known_user_ids.get(m)) {
        Some(id) => *id == t.id,
        None => name.is_some() && name == manager,
    };
    if is_manager || name.as_ref().is_some_and(|n| spec.admins.contains(n)) {
        return Ok(());
    }
    let who = t.username.as_deref().map_or_else(|| format!("the user with id {}", t.id), inert);
    Err(format!(
        "ticked by {who}, who is neither this dashboard's manager nor an onboarding admin (`dashboards.admins`)"
    ))
}

/// Read and decide every ticked command box on the dashboards found, for the people selected in
/// this run. The issues the commands name must be listed whole (see `commanded`), and who ticked
/// each box read from the dashboard's notes (`tickers`, for the boxes `awaiting` names).
pub fn commands(
    specs: &[Spec],
    desired: &Desired,
    observed: &[Observed],
    tickers: &Tickers,
    s: &Settings,
) -> Vec<Decided> {
    if specs.is_empty() {
        return Vec::new();
    }
    let boards = boards(observed, s.bots);
    if boards.is_empty() {
        return Vec::new();
    }
    let wanted: BTreeSet<&str> = boards.iter().flat_map(|(_, _, t)| t.iter().map(|c| c.issue.as_str())).collect();
    let issues: BTreeMap<String, &Observed> = observed
        .iter()
        .filter(|o| is_ours(o, s))
        .filter_map(|o| o.key().filter(|k| wanted.contains(k.as_str())).map(|k| (k, o)))
        .collect();
    let desired_by_key: BTreeMap<&str, &DesiredIssue> = desired.issues.iter().map(|d| (d.key.as_str(), d)).collect();
    let specs_by_key: BTreeMap<&str, &Spec> = specs.iter().map(|b| (b.key.as_str(), b)).collect();
    let mut out = Vec::new();
    for (board, _, ticked) in boards {
        let spec = specs_by_key.get(board.as_str()).copied();
        for id in ticked {
            let user = key_username(&id.issue).to_string();
            let who = spec.and_then(|b| b.reports.get(&user)).map_or_else(|| user.clone(), |r| r.name.clone());
            let verdict = if (s.selected)(&user) {
                let ticker = tickers.get(&board).and_then(|t| t.get(&id));
                let one = One { id: &id, user: &user, d: desired_by_key.get(id.issue.as_str()).copied() };
                decide_one(spec, &one, ticker, desired, issues.get(&id.issue).copied(), s)
            } else {
                Verdict::Wait
            };
            out.push(Decided { board: board.clone(), id, who, verdict });
        }
    }
    out
}

/// One ticked box: its command, whom it is about, and their desired issue.
struct One<'a> {
    id: &'a CommandId,
    user: &'a str,
    d: Option<&'a DesiredIssue>,
}

fn decide_one(
    spec: Option<&Spec>,
    one: &One,
    ticker: Option<&Ticker>,
    desired: &Desired,
    issue: Option<&Observed>,
    s: &Settings,
) -> Verdict {
    let refuse = |why: &str| Verdict::Refuse(why.to_string());
    let Some(spec) = spec.filter(|b| b.manager.is_some()) else {
        return refuse("commands work on a manager's dashboard only");
    };
    if let Err(why) = authority(spec, ticker) {
        return Verdict::Refuse(why);
    }
    let (id, user) = (one.id, one.user);
    if !spec.reports.contains_key(user) {
        return refuse("the roster no longer lists them as your report");
    }
    let (Some(d), Some(issue)) = (one.d, issue) else {
        return refuse("that issue is not one of their current paths, or does not exist yet");
    };
    if !issue.open {
        return refuse("their issue is closed; reopen it first");
    }
    let state = IssueState::proven(issue, &d.key, s.seal);
    let ov = state.as_ref().and_then(|st| st.overrides.clone()).unwrap_or_default();
    let stage_id = |i: Option<usize>| i.and_then(|i| d.stage_ids.get(i)).map(String::as_str);
    let index = |id: Option<&str>| id.and_then(|id| d.stage_ids.iter().position(|x| x == id));
    // The calendar as the person's issue keeps it: pauses and extensions move it.
    let day = |v: Option<&String>| v.and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
    let calendar = Calendar {
        paused_since: day(state.as_ref().and_then(|st| st.paused_since.as_ref())),
        paused_days: state.as_ref().map_or(0, |st| st.paused_days),
        extra_days: ov.extra_days,
        ..d.calendar.clone()
    };
    let expected = calendar::expected_stage(&d.path.weeks, calendar.working_days(s.today));
    let reached = state.as_ref().and_then(|st| st.stage.as_deref());
    // "Mark reached" names a stage: one after the stage reached, up to the one the calendar expects.
    let target = match (id.verb, id.stage.as_deref()) {
        (Verb::Stage, Some(stage)) => match index(Some(stage)) {
            None => return refuse("that stage is not on their path"),
            Some(i) if expected.is_some_and(|e| i > e) => return refuse("the calendar does not expect that stage yet"),
            Some(i) if index(reached).is_some_and(|r| i <= r) => return refuse("that stage is already reached"),
            Some(i) => Some(i),
        },
        _ => expected,
    };
    let roster = RosterSays {
        paused: desired.standing.get(user) == Some(&Standing::Paused),
        stage: stage_id(d.path.stated),
        expected: stage_id(target),
        reached,
        has_due_date: d.path.due_days.is_some(),
    };
    decide(id, &roster, &ov)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::overrides::Verb;

    fn id(verb: Verb) -> CommandId {
        CommandId { verb, issue: "support-learning-path:praman".into(), serial: 0, stage: None }
    }

    // Regression (N3): command lines hidden in an HTML comment below the end marker were carried
    // out (420 days added in one run), and never unticked.
    #[test]
    fn boxes_outside_the_region_or_inside_a_comment_are_not_commands() {
        let pause = comment(&id(Verb::Pause));
        let extend = comment(&id(Verb::Extend));
        let inside = format!("<!-- onboarder:begin manager-dashboard:dana -->\n- [x] Pause {pause}\n<!--\n- [x] Extend {extend}\n-->\n<!-- onboarder:end -->");
        let below = format!("{inside}\n\n- [x] Extend {extend}\n<!--\n- [x] Extend {extend}\n-->");
        assert_eq!(ticked(&below).into_iter().collect::<Vec<_>>(), vec![id(Verb::Pause)]);
        assert!(ticked(&format!("- [x] Extend {extend}")).is_empty(), "no region: no command");
    }

    #[test]
    fn command_boxes_read_back() {
        let pause = id(Verb::Pause);
        let text = format!(
            "<!-- onboarder:begin manager-dashboard:dana -->\n- [x] Pause <!-- cmd: pause support-learning-path:praman 0 -->\n- [ ] Extend {}\n```\n- [x] x {}\n```\n- [x] mine\n- [x] bad <!-- cmd: fly a 0 -->\n<!-- onboarder:end -->",
            comment(&id(Verb::Extend)),
            comment(&id(Verb::Resume))
        );
        assert_eq!(boxes(&text), vec![(pause.clone(), true), (id(Verb::Extend), false)]);
        assert_eq!(ticked(&text).into_iter().collect::<Vec<_>>(), vec![pause.clone()]);
        assert_eq!(CommandId::parse(&pause.text()), Some(pause));
        assert_eq!(CommandId::parse("pause k 0 extra"), None);
    }

    fn note(author: u64, username: &str, system: bool, body: &str) -> Note {
        Note { author_id: author, author_username: Some(username.into()), body: body.into(), system, created_at: None }
    }

    // As read live on gitlab.com: the item's text Markdown-escaped, its HTML comment's words kept
    // without `<!--` and `-->`, its bold as plain words.
    #[test]
    fn gitlabs_task_notes_say_which_box_and_who() {
        let extend = "marked the checklist item **Extend the due date by 2 weeks  cmd: extend support\\-learning\\-path:praman 0** as completed";
        let stage = "marked the checklist item **Mark Leading Customer\\-Facing Video Interactions reached \\(the stage the calendar expects now\\)  cmd: stage support\\-learning\\-path:praman 0 customer\\-facing\\-video** as incomplete";
        assert_eq!(task_note(extend), Some((id(Verb::Extend), true)));
        let marked = CommandId { stage: Some("customer-facing-video".into()), ..id(Verb::Stage) };
        assert_eq!(task_note(stage), Some((marked, false)));
        assert_eq!(
            task_note("marked the task **Pause  cmd: pause support\\-learning\\-path:praman 0** as completed"),
            Some((id(Verb::Pause), true))
        );
        for other in ["changed the description", "marked the checklist item **Read the guide** as completed"] {
            assert_eq!(task_note(other), None, "{other}");
        }

        // Newest first: the newest note about a box says who ticked it; a comment proves nothing.
        let ids: BTreeSet<CommandId> = [id(Verb::Extend), id(Verb::Pause)].into();
        let pause_done = "marked the checklist item **Pause: the pace clock stops  cmd: pause support\\-learning\\-path:praman 0** as completed";
        let notes = [
            note(3, "dwhitfield", false, extend),
            note(2, "praman", true, extend),
            note(1, "dwhitfield", true, extend),
            note(9, "onboarding-bot", true, &pause_done.replace("completed", "incomplete")),
            note(1, "dwhitfield", true, pause_done),
        ];
        let who = tickers(&notes, &ids);
        assert_eq!(who.get(&id(Verb::Extend)), Some(&Ticker { id: 2, username: Some("praman".into()) }));
        assert_eq!(who.get(&id(Verb::Pause)), None, "unticked since: whoever ticks it now left no note");
        assert!(told(&notes[..4], &ids) && !told(&notes[..2], &ids));
    }

    #[test]
    fn only_the_manager_and_the_admins_may_command() {
        let mut spec = super::super::table::tests::spec();
        spec.admins = vec!["mkowalski".into()];
        let t = |id: u64, name: &str| Ticker { id, username: Some(name.into()) };
        assert!(authority(&spec, Some(&t(1, "Dana"))).is_ok());
        assert!(authority(&spec, Some(&t(7, "mkowalski"))).is_ok());
        let refused = authority(&spec, Some(&t(5, "praman_x"))).unwrap_err();
        assert!(refused.starts_with("ticked by praman\\_x, who is neither"), "{refused}");
        assert!(authority(&spec, None).unwrap_err().contains("do not say who ticked it"));
        // With the roster's id for the manager, the id decides: a username can change hands.
        spec.known_user_ids = [("dana".to_string(), 1)].into();
        assert!(authority(&spec, Some(&t(1, "dana-renamed"))).is_ok());
        assert!(authority(&spec, Some(&t(2, "dana"))).is_err());
    }
}
