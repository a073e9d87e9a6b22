//! What to do about one issue: create it, reconcile it with the roster (the checklist merge, the
//! stage reached, the pace, the comments owed), close it, or leave a comment on a path the person
//! left. Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{own_marks, Action, Edit, Facts, ItemChange, Kind, NewIssue, Observed, Settings};
use crate::checklist::Mark;
use crate::comments::{self, Comment, Subject};
use crate::dashboard::{command, Overrides};
use crate::description::{self, Live, LiveItem, State};
use crate::desired::{Body, DesiredIssue, Want};
use crate::error::InputError;
use crate::merge::merge;
use crate::progress::{self, Assessment, Calendar};
use crate::selection::SHARD_LABEL_PREFIX;

/// The labels an issue of `d` should carry: the marker, the template's, the stage, the pace and,
/// in a sharded run, the shard's.
pub(super) fn wanted_labels(d: &DesiredIssue, a: &Assessment, s: &Settings) -> Vec<String> {
    let mut labels = d.labels.clone();
    labels.extend(d.stage_ids.get(a.reached).map(|id| format!("{}::{id}", s.stage_label_prefix)));
    labels.push(format!("{}::{}", s.pace_label_prefix, a.pace.id()));
    labels.extend(s.shard.map(|sh| sh.label()));
    labels
}

/// The labels to add and to take off an issue carrying `have` so it carries `wanted`. Scoped
/// labels do not replace each other on GitLab Free: the old stage, pace and shard are taken off;
/// every other label a person added stays.
fn label_changes(have: &[String], wanted: &[String], s: &Settings) -> (Vec<String>, Vec<String>) {
    let scopes = [
        format!("{}::", s.stage_label_prefix),
        format!("{}::", s.pace_label_prefix),
        format!("{SHARD_LABEL_PREFIX}::"),
    ];
    let add = wanted.iter().filter(|l| !have.contains(l)).cloned().collect();
    let remove = have
        .iter()
        .filter(|l| scopes.iter().any(|sc| l.starts_with(sc.as_str())) && !wanted.contains(l))
        .cloned()
        .collect();
    (add, remove)
}

/// What the state block records besides the marks.
struct Record {
    said: BTreeMap<String, String>,
    paused_since: Option<NaiveDate>,
    paused_days: u32,
    reached: BTreeMap<String, String>,
    since: Option<String>,
    overrides: Overrides,
}

fn state_for(d: &DesiredIssue, asserted: &BTreeMap<String, Mark>, closed: bool, a: &Assessment, r: Record) -> State {
    State {
        v: 1,
        key: d.key.clone(),
        stage: d.stage_ids.get(a.reached).cloned(),
        title: Some(d.title.clone()),
        due: a.due.map(|d| d.to_string()),
        assignees: d.assignees.iter().map(|a| a.to_lowercase()).collect(),
        items: asserted.iter().map(|(k, m)| (k.clone(), m.as_char())).collect(),
        closed,
        uid: d.user_id,
        manager: d.manager.as_ref().map(|m| m.to_lowercase()),
        said: r.said,
        paused_since: r.paused_since.map(|p| p.to_string()),
        paused_days: r.paused_days,
        reached: r.reached,
        since: r.since,
        overrides: (!r.overrides.is_empty()).then_some(r.overrides),
        board: None,
    }
}

fn subject<'a>(d: &'a DesiredIssue, a: Assessment, old: Option<&'a State>, today: NaiveDate) -> Subject<'a> {
    Subject {
        person: &d.username,
        buddy: d.notify.get(1).map(String::as_str),
        manager: d.manager.as_deref(),
        previous_manager: old.and_then(|o| o.manager.as_deref()),
        stage_ids: &d.stage_ids,
        stage_titles: &d.stage_titles,
        assessment: a,
        today,
        closing: false,
    }
}

/// Everything the situation calls for now, recorded as said: a new issue, or one whose record was
/// lost, owes no comment for what was already so.
fn already_so(d: &DesiredIssue, a: Assessment, today: NaiveDate) -> BTreeMap<String, String> {
    comments::due_keys(&subject(d, a, None, today)).into_iter().map(|k| (k, today.to_string())).collect()
}

/// The stages reached by now that the record does not hold yet, recorded as reached today (the
/// first stage on the day the path began: every path starts there).
fn reached_by(
    d: &DesiredIssue,
    old: &BTreeMap<String, String>,
    reached: usize,
    today: NaiveDate,
) -> BTreeMap<String, String> {
    let mut out = old.clone();
    for (i, id) in d.stage_ids.iter().take(reached + 1).enumerate() {
        let day = if i == 0 { d.calendar.since.min(today) } else { today };
        out.entry(id.clone()).or_insert_with(|| day.to_string());
    }
    out
}

fn initial_record(d: &DesiredIssue, today: NaiveDate) -> Record {
    let a = d.assessment;
    Record {
        said: already_so(d, a, today),
        paused_since: d.paused.then_some(today),
        paused_days: 0,
        reached: reached_by(d, &BTreeMap::new(), a.reached, today),
        since: Some(d.calendar.since.to_string()),
        overrides: Overrides::default(),
    }
}

/// `d` with the counts and the assessment its rendered body gives: the planner renders each body
/// once, where it creates or compares the issue (see `desired::Bodies`).
pub fn with_body(d: &DesiredIssue, body: &Body, s: &Settings) -> DesiredIssue {
    DesiredIssue {
        checked: body.staged.iter().filter(|(_, m)| *m == Mark::Done).count(),
        total: body.staged.len(),
        assessment: progress::assess(&d.path, &d.calendar, &body.staged, d.paused, s.today, s.grace_days),
        ..d.clone()
    }
}

/// The description a brand-new issue gets.
pub fn initial_description(d: &DesiredIssue, body: &Body, s: &Settings) -> String {
    let d = &with_body(d, body, s);
    let record = initial_record(d, s.today);
    description::region(&d.key, &body.lines, &body.marks, &[], &state_for(d, &body.marks, false, &d.assessment, record))
}

/// The action for a person's issue that does not exist yet. Its body is rendered here for the
/// counts and the stage; the description itself is written when it is sent (`initial_description`),
/// and here only for a preview (`Settings::preview`).
pub fn create(d: &DesiredIssue, s: &Settings, render: Render) -> Action {
    let want = if s.preview.is_some() { Want::Lines } else { Want::Marks };
    let body = match render(d, d.due_date, want) {
        Ok(b) => b,
        Err(e) => return Action::for_desired(Kind::Skip, d, s).cannot_render(e),
    };
    if let Some(preview) = s.preview {
        preview(d, &initial_description(d, &body, s));
    }
    create_from(&with_body(d, &body, s), s)
}

fn create_from(d: &DesiredIssue, s: &Settings) -> Action {
    let mut a = Action::for_desired(Kind::Create, d, s);
    let r = initial_record(d, s.today);
    a.facts = Some(Facts { reached: r.reached, since: r.since, ..Facts::default() });
    a.create = Some(NewIssue {
        title: d.title.clone(),
        labels: a.labels.clone(),
        assignees: d.assignees.clone(),
        due_date: d.assessment.due,
    });
    a
}

/// The pause record after today: an open-ended pause starts its clock the first day a run sees
/// it, and when it ends its days are added up (they move the due date).
fn pause_record(paused: bool, old: Option<&State>, today: NaiveDate) -> (Option<NaiveDate>, u32) {
    let since = old.and_then(|o| o.paused_since.as_deref()).and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok());
    let days = old.map_or(0, |o| o.paused_days);
    match (paused, since) {
        (true, Some(since)) => (Some(since), days),
        (true, None) => (Some(today), days),
        (false, Some(since)) => {
            (None, days.saturating_add(u32::try_from((today - since).num_days().max(0)).unwrap_or(0)))
        }
        (false, None) => (None, days),
    }
}

/// Renders a desired issue's body showing a given due date, when a decision needs it.
pub type Render<'a> = &'a dyn Fn(&DesiredIssue, Option<NaiveDate>, Want) -> Result<Body, InputError>;

/// The items of a body with their marks, as (stage index, mark), for progress.
fn staged(body: &Body, marks: &BTreeMap<String, Mark>) -> Vec<(usize, Mark)> {
    body.lines
        .iter()
        .filter_map(|l| match l {
            crate::template::BodyLine::Item(i) => Some((i.stage, marks.get(&i.id).copied().unwrap_or(Mark::Open))),
            crate::template::BodyLine::Text(_) => None,
        })
        .collect()
}

/// Did a person change the assignees since onboarder set `recorded`? GitLab Free keeping only
/// the first one is not a person's change; someone new, or nobody at all, is.
fn assignees_changed_by_person(recorded: &[String], now: &[String]) -> bool {
    let recorded: BTreeSet<String> = recorded.iter().map(|a| a.to_lowercase()).collect();
    (now.is_empty() && !recorded.is_empty()) || now.iter().any(|a| !recorded.contains(&a.to_lowercase()))
}

/// Bring one existing issue in line with its desired state: the three-way merge of the checklist,
/// the stage reached from the marks, the pace from the calendar, and the comments owed.
pub fn reconcile(d: &DesiredIssue, o: &Observed, s: &Settings, render: Render) -> Result<Action, InputError> {
    let live = description::parse(&o.description);
    let base = Action::for_desired(Kind::Unchanged, d, s).observed(o);
    if !o.open {
        let by_us = live.state.as_ref().is_some_and(|st| st.closed);
        return Ok(if by_us {
            base
        } else {
            Action { kind: Kind::Skip, ..base }.because("closed by a person; left closed")
        });
    }
    let old = live.state.clone();
    // Dashboard commands change onboarder's own record only; the roster wins over older ones.
    let mut overrides = old.as_ref().and_then(|o| o.overrides.clone()).unwrap_or_default();
    let commands = s.commands.to_apply(&d.key);
    let stage_id = |i: Option<usize>| i.and_then(|i| d.stage_ids.get(i)).map(String::as_str);
    let roster = command::Roster {
        paused: d.paused,
        stage: stage_id(d.path.stated),
        expected: None,
        reached: None,
        has_due_date: d.path.due_days.is_some(),
    };
    command::roster_wins(&mut overrides, &roster);
    command::apply_calendar(&mut overrides, &commands, s.today);
    let paused = d.paused || overrides.paused_by_dashboard.is_some();
    let (paused_since, paused_days) = pause_record(paused, old.as_ref(), s.today);
    let calendar = Calendar { paused_since, paused_days, extra_days: overrides.extra_days, ..d.calendar.clone() };
    let expected = progress::expected_stage(&d.path.weeks, calendar.working_days(s.today));
    command::apply_stage(
        &mut overrides,
        &commands,
        &command::Roster { expected: stage_id(expected), ..roster },
        s.today,
    );
    let stated = overrides.stated_stage.as_ref().and_then(|id| d.stage_ids.iter().position(|x| x == id));
    let adjusted;
    let d = if paused != d.paused || stated > d.path.stated {
        let path = progress::Path { stated: stated.max(d.path.stated), ..d.path.clone() };
        adjusted = DesiredIssue { paused, path, ..d.clone() };
        &adjusted
    } else {
        d
    };
    let due = progress::assess(&d.path, &calendar, &[], d.paused, s.today, s.grace_days).due;
    let body = render(d, due, Want::Lines)?;
    let asserted = old.as_ref().map(State::asserted_marks);
    let current: Vec<(String, Mark)> = live.items.iter().map(|i| (i.id.clone(), i.mark)).collect();
    let merged = merge(&body.marks, asserted.as_ref(), &current);
    let kept: Vec<LiveItem> = merged
        .kept
        .iter()
        .filter_map(|(id, m)| live.items.iter().find(|i| &i.id == id).map(|i| LiveItem { mark: *m, ..i.clone() }))
        .collect();
    let items = staged(&body, &merged.marks);
    let a = progress::assess(&d.path, &calendar, &items, d.paused, s.today, s.grace_days);
    let reopened_by_person = old.as_ref().is_some_and(|st| st.closed);
    let close = s.close_completed && a.complete && kept.iter().all(|i| i.mark != Mark::Open) && !reopened_by_person;

    let mut said = old.as_ref().map(|o| o.said.clone()).unwrap_or_default();
    let subject = Subject { closing: close, ..subject(d, a, old.as_ref(), s.today) };
    let note = match &old {
        Some(_) => comments::owed(&subject, &said),
        // No record of what was said (a lost state block): owe nothing for what was already so.
        None => {
            said.extend(already_so(d, a, s.today));
            None
        }
    };
    if let Some(c) = &note {
        for k in comments::settled_keys(&subject, c) {
            said.entry(k).or_insert_with(|| s.today.to_string());
        }
    }
    // The day each stage was first reached: recorded when the stage moves (a write anyway).
    let moved = old.as_ref().is_none_or(|o| o.stage.as_deref() != stage_id(Some(a.reached)));
    let (reached, since) = match &old {
        Some(o) if !moved => (o.reached.clone(), o.since.clone()),
        _ => (
            reached_by(d, &old.as_ref().map(|o| o.reached.clone()).unwrap_or_default(), a.reached, s.today),
            Some(d.calendar.since.to_string()),
        ),
    };
    let record = Record { said, paused_since, paused_days, reached, since, overrides };
    let state = state_for(d, &merged.asserted, reopened_by_person || close, &a, record);
    let facts = Facts::of(&state, own_marks(&merged.marks, &merged.asserted));
    let region = description::region(&d.key, &body.lines, &merged.marks, &kept, &state);
    let new_description = description::compose(live.before, &region, live.after);

    let mut edit = Edit::default();
    // Byte-equal is the common case (nothing changed) and costs one comparison.
    if new_description != o.description
        && description::normal_form(&new_description) != description::normal_form(&o.description)
    {
        // Quick actions a template holds ran when the issue was created; never send them again.
        edit.description = Some(description::without_quick_actions(&new_description));
    }
    // Title, due date and assignees follow the roster when the roster changed them, and are
    // otherwise the person's to change.
    if let Some(old) = &old {
        if old.title.as_deref().is_some_and(|t| t != d.title) && o.title != d.title {
            edit.title = Some(d.title.clone());
        }
        if old.due != state.due && o.due_date != a.due {
            edit.due_date = Some(a.due);
        }
        if old.assignees != state.assignees && !assignees_changed_by_person(&old.assignees, &o.assignees) {
            edit.assignees = Some(d.assignees.clone());
        }
    }
    let wanted = wanted_labels(d, &a, s);
    (edit.add_labels, edit.remove_labels) = label_changes(&o.labels, &wanted, s);
    edit.close = close;

    let mut action = base;
    action.stage = d.stage_ids.get(a.reached).cloned();
    action.expected_stage = a.expected.and_then(|e| d.stage_ids.get(e).cloned());
    action.pace = Some(a.pace);
    action.labels = wanted;
    action.due_date = a.due;
    action.changes = item_changes(&body, &live, &merged.marks, &kept);
    action.checked = merged.marks.values().filter(|m| **m == Mark::Done).count();
    action.total = body.marks.len();
    action.facts = Some(facts);
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

fn item_changes(body: &Body, live: &Live, marks: &BTreeMap<String, Mark>, kept: &[LiveItem]) -> Vec<ItemChange> {
    let now: BTreeMap<&str, Mark> = live.items.iter().map(|i| (i.id.as_str(), i.mark)).collect();
    let mut out: Vec<ItemChange> = body
        .lines
        .iter()
        .filter_map(|l| match l {
            crate::template::BodyLine::Item(i) => Some(i),
            crate::template::BodyLine::Text(_) => None,
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

/// Why the issue of someone missing from the roster is closed.
pub const NOT_IN_ROSTER: &str = "this person is no longer in the roster";

/// The row of a person whose roster entry cannot be used: nothing is planned for them.
pub fn unusable(username: &str, reason: String) -> Action {
    let blank = Action::blank(Kind::Skip, "", "", "");
    Action { username: username.to_string(), template: "roster entry".into(), ..blank }.because(reason)
}

/// Close the issue of someone who left (or whose program ended), once; a person's reopen stands.
pub fn retire(key: &str, o: &Observed, reason: &str, today: NaiveDate) -> Action {
    let live = description::parse(&o.description);
    let base = Action::for_observed(Kind::Unchanged, key, o);
    let closed_before = live.state.as_ref().is_some_and(|s| s.closed);
    if !o.open {
        return base.because("already closed");
    }
    if closed_before {
        return Action { kind: Kind::Skip, ..base }.because("reopened by a person; left open");
    }
    let mut edit = Edit { close: true, ..Edit::default() };
    let mut note = Comment::join(vec![(
        "closed".into(),
        format!(
            "Closing this issue: {reason}. onboarder will not reopen it; reopen it yourself if it is still needed."
        ),
    )]);
    if let Some(mut state) = live.state.clone() {
        state.closed = true;
        if state.said.contains_key("closed") {
            // Said on an earlier run whose close did not land: close without saying it again.
            note = None;
        }
        state.said.entry("closed".into()).or_insert_with(|| today.to_string());
        edit.description = Some(description::with_state(&o.description, &state));
    }
    Action { kind: Kind::Close, edit: Some(edit), note, ..base }.because(reason)
}

/// The description with `keys` taken out of its record of comments said (their comment could not
/// be posted, so it stays owed).
pub fn unsay(description: &str, keys: &[String]) -> String {
    match description::parse(description).state {
        Some(mut state) => {
            state.said.retain(|k, _| !keys.contains(k));
            description::with_state(description, &state)
        }
        None => description.to_string(),
    }
}

/// The issue of a path that is no longer the person's (their role or paths changed): left to
/// the people, with one comment linking the issue of their new path once it exists.
pub fn supersede(key: &str, o: &Observed, new_url: Option<&str>, today: NaiveDate) -> Action {
    let base = Action::for_observed(Kind::Skip, key, o).because("not one of this person's paths any more; left alone");
    let Some(mut state) = description::parse(&o.description).state else { return base };
    let (Some(new_url), true) = (new_url, o.open) else { return base };
    if state.said.contains_key("superseded") {
        return base;
    }
    state.said.insert("superseded".into(), today.to_string());
    let note = Comment::join(vec![(
        "superseded".into(),
        format!(
            "This path is no longer on this person's roster entry (their role or paths changed). Their new path is {new_url}; onboarder leaves this issue as it is, for you to close when it suits."
        ),
    )]);
    let edit = Edit { description: Some(description::with_state(&o.description, &state)), ..Edit::default() };
    Action { kind: Kind::Update, edit: Some(edit), note, link: Some(new_url.to_string()), ..base }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::Commands;

    #[test]
    fn label_changes_take_off_an_old_stage_pace_or_shard_and_keep_a_persons_labels() {
        let commands = Commands::default();
        let everyone = |_: &str| true;
        let s = Settings {
            marker_label: "onboarder",
            stage_label_prefix: "onboarding-stage",
            pace_label_prefix: "onboarding-pace",
            close_completed: false,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            grace_days: 14,
            selected: &everyone,
            shard: None,
            commands: &commands,
            preview: None,
        };
        const M: &str = "onboarder";
        const STAGE: &str = "onboarding-stage::one";
        const PACE: &str = "onboarding-pace::on-track";
        /// Labels the issue has, labels wanted, added, taken off.
        type Row<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str]);
        let table: &[Row] = &[
            // Nothing to do; a person's own label stays.
            (&[M, STAGE, PACE, "team-x"], &[M, STAGE, PACE], &[], &[]),
            // A first sharded run: the shard's label added.
            (&[M, STAGE, PACE], &[M, STAGE, PACE, "onboarder-shard::2-of-3"], &["onboarder-shard::2-of-3"], &[]),
            (&[M, "onboarder-shard::2-of-3"], &[M, "onboarder-shard::2-of-3"], &[], &[]),
            // N changed (2 to 3): the old shard label goes, a person's stays.
            (
                &[M, "onboarder-shard::1-of-2", "team-x"],
                &[M, "onboarder-shard::2-of-3"],
                &["onboarder-shard::2-of-3"],
                &["onboarder-shard::1-of-2"],
            ),
            // Sharding turned off: the label goes.
            (&[M, "onboarder-shard::2-of-3"], &[M], &[], &["onboarder-shard::2-of-3"]),
            // Labels that only look like one are a person's.
            (&[M, "onboarder-shard-notes", "shard::1-of-3"], &[M], &[], &[]),
            // The stage and the pace moved on.
            (
                &[M, "onboarding-stage::zero", PACE],
                &[M, STAGE, "onboarding-pace::behind"],
                &[STAGE, "onboarding-pace::behind"],
                &["onboarding-stage::zero", PACE],
            ),
        ];
        let owned = |l: &[&str]| l.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        for (have, wanted, add, remove) in table {
            let changes = label_changes(&owned(have), &owned(wanted), &s);
            assert_eq!(changes, (owned(add), owned(remove)), "{have:?} to {wanted:?}");
        }
    }
}
