//! What to do about one person's issue: create it, or reconcile it with the roster (the
//! checklist merge, the stage reached, the pace, the comments owed, a manager's commands). Pure:
//! no IO.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::action::{own_marks, Action, Facts, ItemChange, Kind, HELD_ON_A_DASHBOARD};
use super::labels::{label_changes, wanted_labels};
use super::memo::Memo;
use super::record::{
    already_so, initial_record, pause_record, place, quiet, reached_by, state_for, subject, IssueState, PauseRecord,
    Record,
};
use super::settings::{Render, Settings};
use crate::calendar::{self, Calendar};
use crate::checklist::{Mark, StagedItem};
use crate::desired::{Body, DesiredIssue, Path, Want};
use crate::error::InputError;
use crate::issue::{Edit, NewIssue, Observed};
use crate::merge::merge;
use crate::progress::comments::{self, Subject};
use crate::progress::overrides::{self, Overrides};
use crate::progress::{self, Assessment};
use crate::region::{self, Live, LiveItem};
use crate::seal::Place;
use crate::template::{write_body, BodyLine};

/// `d` with the counts and the assessment its rendered body gives: the planner renders each body
/// once, where it creates or compares the issue (see `desired::Bodies`).
pub fn with_body(d: &DesiredIssue, body: &Body, s: &Settings) -> (DesiredIssue, Assessment) {
    let d = DesiredIssue {
        checked: body.staged.iter().filter(|i| i.mark == Mark::Done).count(),
        total: body.staged.len(),
        ..d.clone()
    };
    let a = progress::assess(&d.path, &d.calendar, &body.staged, d.paused, s.today, s.rules);
    (d, a)
}

/// Where `d` stands by the roster's evidence alone, before its body is rendered or its issue read.
pub fn by_roster(d: &DesiredIssue, s: &Settings) -> Assessment {
    progress::assess(&d.path, &d.calendar, &[], d.paused, s.today, s.rules)
}

/// The description a brand-new issue gets in the project `project_id`: its state block is sealed
/// before GitLab gives the issue an iid, so it is bound to the project and key (iid 0).
pub fn initial_description(d: &DesiredIssue, body: &Body, s: &Settings, project_id: u64) -> String {
    let (d, a) = &with_body(d, body, s);
    let mut state = state_for(d, &body.marks, false, a, initial_record(d, *a, s.today));
    let head = region::head(&d.key, |out| write_body(&body.lines, &body.marks, out), &[]);
    let due = situation(d, None, s).due;
    state.memo = s.memo.and_then(|inputs| inputs(d, due)).and_then(|inputs| Memo::new(&inputs, &head, &body.staged, 0));
    let block = state.block(s.seal, &Place { project_id, iid: 0, key: &d.key }, None);
    region::finish(head, &block)
}

/// The action for a person's issue that does not exist yet. Its body is rendered here for the
/// counts and the stage; the description itself is written when it is sent (`initial_description`),
/// and here only for a preview (`Settings::preview`).
pub fn create(d: &DesiredIssue, s: &Settings, render: Render) -> Action {
    // A dashboard names the items holding a person back: the lines are needed once the calendar
    // expects some work done.
    let held = by_roster(d, s).expected_by_grace.is_some();
    let want = if s.preview.is_some() || held { Want::Lines } else { Want::Marks };
    let body = match render(d, d.due_date, want) {
        Ok(b) => b,
        Err(e) => return Action::for_desired(Kind::Skip, d, &by_roster(d, s), s).cannot_render(e),
    };
    if let Some(preview) = s.preview {
        preview(d, &initial_description(d, &body, s, 0));
    }
    let (d, a) = with_body(d, &body, s);
    let mut action = Action::for_desired(Kind::Create, &d, &a, s);
    let r = initial_record(&d, a, s.today);
    let (named, open) = holding(&body, &body.staged, &a);
    let holding = named.into_iter().take(HELD_ON_A_DASHBOARD).collect();
    action.facts = Some(Facts { reached: r.reached, since: r.since, holding, open, ..Facts::default() });
    action.create = Some(NewIssue {
        title: d.title.clone(),
        labels: action.labels.clone(),
        assignees: d.assignees.clone(),
        due_date: a.due,
        confidential: false,
    });
    action
}

/// The items of a body with their marks, for progress.
fn staged(body: &Body, marks: &BTreeMap<String, Mark>) -> Vec<StagedItem> {
    body.lines
        .iter()
        .filter_map(|l| match l {
            BodyLine::Item(i) => Some(StagedItem {
                stage: i.stage,
                mark: marks.get(&i.id).copied().unwrap_or(Mark::Open),
                optional: i.optional,
            }),
            BodyLine::Text(_) => None,
        })
        .collect()
}

/// The first open items that hold the person back, as plain text, and how many there are.
fn holding(body: &Body, items: &[StagedItem], a: &Assessment) -> (Vec<String>, usize) {
    let held = progress::holding_back(items, a, usize::MAX);
    let texts: Vec<&str> = body
        .lines
        .iter()
        .filter_map(|l| match l {
            BodyLine::Item(i) => Some(i.text.as_str()),
            BodyLine::Text(_) => None,
        })
        .collect();
    let named = held.iter().take(NAMED_IN_A_NUDGE).filter_map(|&n| texts.get(n)).map(|t| plain_text(t)).collect();
    (named, held.len())
}

/// Open items a nudge names at most.
const NAMED_IN_A_NUDGE: usize = 5;

/// An item's text as a nudge quotes it: links become their words (the words are escaped when the
/// comment is rendered), and a long one is cut.
fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else { break };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else { break };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    crate::error::truncate(out.trim(), 120)
}

/// Did a person change the assignees since onboarder set `recorded`? GitLab Free keeping only
/// the first one is not a person's change; someone new, or nobody at all, is.
fn assignees_changed_by_person(recorded: &[String], now: &[String]) -> bool {
    let recorded: BTreeSet<String> = recorded.iter().map(|a| a.to_lowercase()).collect();
    (now.is_empty() && !recorded.is_empty()) || now.iter().any(|a| !recorded.contains(&a.to_lowercase()))
}

/// The wanted assignees with an id from the roster that `o` lacks. GitLab Free keeping only the
/// person (the first) is not a lack.
fn unassigned(d: &DesiredIssue, o: &Observed) -> Vec<(String, u64)> {
    let free_kept_first =
        d.assignees.len() > 1 && o.assignees.len() == 1 && o.assignees[0].eq_ignore_ascii_case(&d.assignees[0]);
    if free_kept_first {
        return Vec::new();
    }
    d.assignees
        .iter()
        .filter_map(|u| d.known_user_ids.get(&u.to_lowercase()).map(|id| (u.clone(), *id)))
        .filter(|(_, id)| !o.assignee_ids.contains(id))
        .collect()
}

/// The action for a person's existing issue: the checklist merged (the person's changes win), the
/// stage, pace, labels and due date brought in line, the comment owed, a manager's commands
/// carried out. An issue nobody touched since onboarder wrote it is known from its record
/// (`unchanged`), without rendering it.
pub fn reconcile(d: &DesiredIssue, o: &Observed, s: &Settings, render: Render) -> Result<Action, InputError> {
    match unchanged(d, o, s) {
        Some(action) => Ok(action),
        None => reconcile_in_full(d, o, s, render),
    }
}

/// `reconcile` without looking for the memo: the issue is rendered, taken apart and merged.
pub(super) fn reconcile_in_full(
    d: &DesiredIssue,
    o: &Observed,
    s: &Settings,
    render: Render,
) -> Result<Action, InputError> {
    let live = region::parse(&o.description);
    let old = IssueState::trust(&live, o, &d.key, s.seal).proven();
    reconcile_parsed(d, o, &live, old, s, render)
}

/// `reconcile_in_full` of an issue already taken apart (`live`), with the state block `old`
/// onboarder vouches for, if any.
pub(super) fn reconcile_parsed(
    d: &DesiredIssue,
    o: &Observed,
    live: &Live,
    old: Option<IssueState>,
    s: &Settings,
    render: Render,
) -> Result<Action, InputError> {
    let base = Action::for_desired(Kind::Unchanged, d, &by_roster(d, s), s).observed(o);
    if !o.open {
        let by_us = old.as_ref().is_some_and(|st| st.closed);
        let closed = Some(o.closed_at.map(|t| t.date_naive()));
        let base = Action { facts: Some(Facts { closed, ..Facts::default() }), ..base };
        return Ok(if by_us {
            base
        } else {
            Action { kind: Kind::Skip, ..base }.because("closed by a person; left closed")
        });
    }
    let now = situation(d, old.as_ref(), s);
    let Situation { pause, calendar, due, .. } = &now;
    let d = now.d.as_ref();
    let body = render(d, *due, Want::Lines)?;
    let asserted = old.as_ref().map(IssueState::asserted_marks);
    let current: Vec<(String, Mark)> = live.items.iter().map(|i| (i.id.clone(), i.mark)).collect();
    let merged = merge(&body.marks, asserted.as_ref(), &current);
    let kept: Vec<LiveItem> = merged
        .kept
        .iter()
        .filter_map(|(id, m)| live.items.iter().find(|i| &i.id == id).map(|i| LiveItem { mark: *m, ..i.clone() }))
        .collect();
    let items = staged(&body, &merged.marks);
    let a = progress::assess(&d.path, calendar, &items, d.paused, s.today, s.rules);
    let reopened_by_person = old.as_ref().is_some_and(|st| st.closed);
    let close = s.close_completed && a.complete && kept.iter().all(|i| i.mark != Mark::Open) && !reopened_by_person;

    let mut said = old.as_ref().map(|o| o.said.clone()).unwrap_or_default();
    let (holding, open_count) = holding(&body, &items, &a);
    let held: Vec<String> = holding.iter().take(HELD_ON_A_DASHBOARD).cloned().collect();
    let subject = Subject {
        closing: close,
        holding,
        open_count,
        quiet: quiet(d, now.paused, pause.resumed, s.today),
        ..subject(d, a, old.as_ref(), s.today)
    };
    let proof = s.proofs.get(&(o.project.clone(), o.iid));
    let note = match &old {
        Some(_) => comments::owed(&subject, &said, s.words)?,
        // No record onboarder can vouch for (lost, mangled or forged): what its own notes prove
        // was said is said, on the day it was; and, as for a new issue, nothing is owed for what
        // was already so.
        None => {
            said.extend(proof.map(|p| p.said.clone()).unwrap_or_default());
            for (k, day) in already_so(d, a, s.today) {
                said.entry(k).or_insert(day);
            }
            None
        }
    };
    if let Some(c) = &note {
        for k in comments::settled_keys(&subject, c) {
            said.entry(k).or_insert_with(|| s.today.to_string());
        }
    }
    let (reached, since) = reached_and_since(d, old.as_ref(), proof, a.reached, s.today);
    let record = Record {
        said,
        paused_since: pause.since,
        paused_days: pause.days,
        resumed: pause.resumed,
        reached,
        since,
        overrides: now.overrides.clone(),
    };
    let mut state = state_for(d, &merged.asserted, reopened_by_person || close, &a, record);
    let send_assignees = old.as_ref().is_some_and(|old| sends_assignees(old, &state, d, o));
    if !send_assignees {
        state.ids = old.as_ref().map(|o| o.ids.clone()).unwrap_or_default();
    }
    let own = own_marks(&merged.marks, &merged.asserted);
    let facts = Facts { holding: held, open: open_count, ..Facts::of(&state, own) };

    let mut edit = roster_edits(old.as_ref(), &state, d, o, &a, s);
    if send_assignees {
        edit.assignees = Some(d.assignees.clone());
    }
    edit.close = close;
    // The region as it would be with the memo the record holds: a person's tick alone (which
    // changes the region's digest) writes nothing. Any other change, or a record without a memo,
    // writes the memo of what is written now.
    let head = region::head(&d.key, |out| write_body(&body.lines, &merged.marks, out), &kept);
    let memo = s.memo.and_then(|inputs| inputs(d, *due)).and_then(|inputs| Memo::new(&inputs, &head, &items, own));
    state.memo = old.as_ref().and_then(|o| o.memo.clone()).or_else(|| memo.clone());
    let mut new_description = described(&state, &head, live, o, d, s);
    if (!edit.is_empty() || differs(&new_description, &o.description)) && state.memo != memo {
        state.memo = memo;
        new_description = described(&state, &head, live, o, d, s);
    }
    if differs(&new_description, &o.description) {
        // Quick actions a template holds ran when the issue was created; never send them again.
        edit.description = Some(region::without_quick_actions(&new_description));
    }

    let mut action = assessed(base, d, &a, s);
    action.changes = item_changes(&body, live, &merged.marks, &kept);
    action.checked = merged.marks.values().filter(|m| **m == Mark::Done).count();
    action.total = body.marks.len();
    action.facts = Some(facts);
    if !send_assignees {
        action.unassigned = unassigned(d, o);
    }
    if let Some(preview) = s.preview {
        preview(d, &new_description);
    }
    if edit.is_empty() {
        return Ok(action);
    }
    action.kind = if close { Kind::Close } else { Kind::Update };
    action.note = note;
    if close {
        action.reason = Some("path complete".into());
    }
    action.edit = Some(edit);
    Ok(action)
}

/// `action` showing where `d` stands by `a`: stage, pace, labels, due date.
fn assessed(mut action: Action, d: &DesiredIssue, a: &Assessment, s: &Settings) -> Action {
    action.stage = d.stage_ids.get(a.reached).cloned();
    action.expected_stage = a.expected.and_then(|e| d.stage_ids.get(e).cloned());
    action.pace = Some(a.pace);
    action.labels = wanted_labels(d, a, s);
    action.due_date = a.due;
    action
}

/// Does a new description differ from GitLab's copy? Byte-equal is the common case (nothing
/// changed) and costs one comparison.
fn differs(new: &str, observed: &str) -> bool {
    new != observed && region::normal_form(new) != region::normal_form(observed)
}

/// The description with the region `head` and `state`'s block, people's text kept around it.
fn described(state: &IssueState, head: &str, live: &Live, o: &Observed, d: &DesiredIssue, s: &Settings) -> String {
    let block = state.block(s.seal, &place(o, &d.key), Some(live));
    region::compose(live.before, &region::finish(head.to_string(), &block), live.after)
}

/// An open issue before its checklist is looked at: the manager's commands and the roster applied
/// to the record's overrides, the pause, the calendar, the due date the body shows, and `d` with
/// the pause and the stated stage the commands gave.
struct Situation<'d> {
    d: Cow<'d, DesiredIssue>,
    overrides: Overrides,
    /// Commands carried out on this issue in this run.
    commanded: bool,
    paused: bool,
    pause: PauseRecord,
    calendar: Calendar,
    due: Option<NaiveDate>,
}

fn situation<'d>(d: &'d DesiredIssue, old: Option<&IssueState>, s: &Settings) -> Situation<'d> {
    // A manager's commands change onboarder's own record only; the roster wins over older ones.
    let mut overrides = old.and_then(|o| o.overrides.clone()).unwrap_or_default();
    let commands = s.commands.to_apply(&d.key);
    let stage_id = |i: Option<usize>| i.and_then(|i| d.stage_ids.get(i)).map(String::as_str);
    let roster = overrides::RosterSays {
        paused: d.paused,
        stage: stage_id(d.path.stated),
        expected: None,
        reached: None,
        has_due_date: d.path.due_days.is_some(),
    };
    overrides::roster_wins(&mut overrides, &roster);
    overrides::apply_calendar(&mut overrides, &commands, s.today);
    let paused = d.paused || overrides.paused_by_dashboard.is_some();
    let pause = pause_record(paused, old, s.today);
    let calendar = Calendar {
        paused_since: pause.since,
        paused_days: pause.days,
        extra_days: overrides.extra_days,
        ..d.calendar.clone()
    };
    let expected = calendar::expected_stage(&d.path.weeks, calendar.working_days(s.today));
    overrides::apply_stage(
        &mut overrides,
        &commands,
        &overrides::RosterSays { expected: stage_id(expected), ..roster },
        s.today,
    );
    let stated = overrides.stated_stage.as_ref().and_then(|id| d.stage_ids.iter().position(|x| x == id));
    let d = if paused != d.paused || stated > d.path.stated {
        let path = Path { stated: stated.max(d.path.stated), ..d.path.clone() };
        Cow::Owned(DesiredIssue { paused, path, ..d.clone() })
    } else {
        Cow::Borrowed(d)
    };
    let due = progress::assess(&d.path, &calendar, &[], d.paused, s.today, s.rules).due;
    Situation { d, overrides, commanded: !commands.is_empty(), paused, pause, calendar, due }
}

/// The days each stage was first reached and the day the path's clock started: recorded when
/// the stage moves (a write anyway), else kept as the record has them.
fn reached_and_since(
    d: &DesiredIssue,
    old: Option<&IssueState>,
    proof: Option<&super::proof::Proof>,
    reached: usize,
    today: NaiveDate,
) -> (BTreeMap<String, String>, Option<String>) {
    let moved = old.is_none_or(|o| o.stage.as_deref() != d.stage_ids.get(reached).map(String::as_str));
    let known = match (old, proof) {
        (Some(o), _) if !moved => return (o.reached.clone(), o.since.clone()),
        (Some(o), _) => o.reached.clone(),
        (None, Some(p)) => p.reached(),
        (None, None) => BTreeMap::new(),
    };
    (reached_by(d, &known, reached, today), Some(d.calendar.since.to_string()))
}

/// Assignees follow the roster when the roster changed who, or corrected an id; otherwise they
/// are the person's to change.
fn sends_assignees(old: &IssueState, state: &IssueState, d: &DesiredIssue, o: &Observed) -> bool {
    let who_changed = old.assignees != state.assignees && !assignees_changed_by_person(&old.assignees, &o.assignees);
    let id_corrected = old.ids.iter().any(|(u, id)| d.known_user_ids.get(u).is_some_and(|now| now != id));
    who_changed || id_corrected
}

/// Title and due date follow the roster when the roster changed them, and are otherwise the
/// person's to change; labels follow the stage and the pace.
fn roster_edits(
    old: Option<&IssueState>,
    state: &IssueState,
    d: &DesiredIssue,
    o: &Observed,
    a: &Assessment,
    s: &Settings,
) -> Edit {
    let mut edit = Edit::default();
    if let Some(old) = old {
        if old.title.as_deref().is_some_and(|t| t != d.title) && o.title != d.title {
            edit.title = Some(d.title.clone());
        }
        if old.due != state.due && o.due_date != a.due {
            edit.due_date = Some(a.due);
        }
    }
    (edit.add_labels, edit.remove_labels) = label_changes(&o.labels, &wanted_labels(d, a, s), s);
    edit
}

/// The action for an issue nobody touched since onboarder last wrote it, from its record alone:
/// its region is laid out as onboarder wrote it, its memo matches the body's inputs and that
/// region, and nothing owed today (a command, a comment, a new stage, pace or due date, a close)
/// would change it. Anything else is `None`, and the issue is planned in full. The full plan
/// gives the same action (`tests/it/floor.rs` holds the two side by side).
pub(super) fn unchanged(d: &DesiredIssue, o: &Observed, s: &Settings) -> Option<Action> {
    if !o.open || s.preview.is_some() || !s.shortcut {
        return None;
    }
    let laid = region::laid_out(&o.description)?;
    let old = IssueState::trust_text(Some(laid.state), laid.seal, o, &d.key, s.seal).proven()?;
    let memo = old.memo.as_ref()?;
    let original = d;
    let now = situation(d, Some(&old), s);
    let d = now.d.as_ref();
    if now.commanded || !memo.matches(&(s.memo?)(d, now.due)?, laid.head) {
        return None;
    }
    let items = memo.items()?;
    let a = progress::assess(&d.path, &now.calendar, &items, d.paused, s.today, s.rules);
    if s.close_completed && a.complete {
        return None;
    }
    let subject =
        Subject { quiet: quiet(d, now.paused, now.pause.resumed, s.today), ..subject(d, a, Some(&old), s.today) };
    if comments::owes(&subject, &old.said) {
        return None;
    }
    let (reached, since) = reached_and_since(d, Some(&old), None, a.reached, s.today);
    let record = Record {
        said: old.said.clone(),
        paused_since: now.pause.since,
        paused_days: now.pause.days,
        resumed: now.pause.resumed,
        reached,
        since,
        overrides: now.overrides.clone(),
    };
    // The full plan records the marks the old state asserts, as they are: the same text, which
    // is not taken apart here.
    let mut state = state_for(d, &BTreeMap::new(), old.closed, &a, record);
    state.items = old.items.clone();
    if sends_assignees(&old, &state, d, o) {
        return None;
    }
    state.ids = old.ids.clone();
    state.memo = old.memo.clone();
    if state != old || !roster_edits(Some(&old), &state, d, o, &a, s).is_empty() {
        return None;
    }
    let held = progress::holding_back(&items, &a, usize::MAX);
    let shown: Vec<usize> = held.iter().copied().take(HELD_ON_A_DASHBOARD).collect();
    let holding = if shown.is_empty() {
        Vec::new()
    } else {
        let texts: Vec<&str> = region::item_texts(laid.head).take(shown.iter().max()? + 1).collect();
        shown.iter().map(|&n| texts.get(n).map(|t| plain_text(t))).collect::<Option<Vec<String>>>()?
    };
    let base = Action::for_desired(Kind::Unchanged, original, &by_roster(original, s), s).observed(o);
    let mut action = assessed(base, d, &a, s);
    action.checked = items.iter().filter(|i| i.mark == Mark::Done).count();
    action.total = items.len();
    action.facts = Some(Facts { holding, open: held.len(), ..Facts::of(&state, memo.own) });
    action.unassigned = unassigned(d, o);
    Some(action)
}

fn item_changes(body: &Body, live: &Live, marks: &BTreeMap<String, Mark>, kept: &[LiveItem]) -> Vec<ItemChange> {
    let now: BTreeMap<&str, Mark> = live.items.iter().map(|i| (i.id.as_str(), i.mark)).collect();
    let mut out: Vec<ItemChange> = body
        .lines
        .iter()
        .filter_map(|l| match l {
            BodyLine::Item(i) => Some(i),
            BodyLine::Text(_) => None,
        })
        .filter_map(|i| {
            let to = marks.get(&i.id).copied()?;
            let from = now.get(i.id.as_str()).copied();
            (from != Some(to)).then(|| ItemChange {
                id: i.id.clone(),
                text: i.text.clone(),
                from: from.map(Mark::as_char),
                to: Some(to.as_char()),
            })
        })
        .collect();
    let kept_ids: BTreeSet<&str> = kept.iter().map(|i| i.id.as_str()).collect();
    out.extend(
        live.items
            .iter()
            .filter(|i| !marks.contains_key(&i.id) && !kept_ids.contains(i.id.as_str()))
            .map(|i| ItemChange { id: i.id.clone(), text: i.text.clone(), from: Some(i.mark.as_char()), to: None }),
    );
    out
}
