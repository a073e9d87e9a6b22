//! What onboarder records in a person's issue about its own last write (the state block): the
//! marks it decided, the comments it said, pauses, the days stages were reached, and the
//! manager's commands carried out. Read back on the next run. Pure: no IO.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::memo::Memo;
use crate::checklist::Mark;
use crate::desired::DesiredIssue;
use crate::issue::Observed;
use crate::progress::comments::{self, Subject};
use crate::progress::overrides::Overrides;
use crate::progress::Assessment;
use crate::region::{self, Live};
use crate::seal::{Place, Seal};

/// The state block of a person's issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IssueState {
    pub v: u32,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<String>,
    /// The GitLab ids the roster gave for `assignees` when onboarder last sent them: a roster
    /// that corrects an id is a roster change, and the assignees are sent again. Recorded only
    /// with a write that sends assignees (an issue written before has none, and gets no write
    /// for it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ids: BTreeMap<String, u64>,
    /// Per item, the mark onboarder itself last decided (see `merge`).
    #[serde(default)]
    pub items: Marks,
    /// Onboarder closed this issue; if it is open again, a person reopened it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
    /// The person's GitLab user id: the issue stays theirs when their username changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u64>,
    /// The manager's username when onboarder last wrote (to tell a new manager once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// Comments onboarder owed and posted (or chose not to owe), by key, with the day.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub said: BTreeMap<String, String>,
    /// An open-ended pause seen first on this day (YYYY-MM-DD); the pace clock stands still.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<String>,
    /// Days of pauses that have ended: the due date moved by this much.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub paused_days: u32,
    /// The day the last open-ended pause ended: nothing nags in the week after a return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed: Option<String>,
    /// The day each stage was first reached (stage id -> YYYY-MM-DD), recorded when the stage
    /// moves (a write that happens anyway), for the team dashboard's medians.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reached: BTreeMap<String, String>,
    /// The day the path's clock started, recorded with `reached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// What a manager's commands changed on this issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Overrides>,
    /// What the issue was last written from (see `memo`): lets a later run know it unchanged
    /// without rendering it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<Memo>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What an issue's state block is worth. Anyone who may edit an issue may edit every byte of
/// it, so only a block onboarder sealed for this issue and key counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Sealed by onboarder for this issue and key (or, in a run without the key, readable).
    Proven(Box<IssueState>),
    /// A block whose seal does not hold (forged, copied from another issue, written before
    /// blocks were sealed) or that does not read: treated as absent; what it claims is taken
    /// from what onboarder can prove, its own notes and the roster.
    Unproven,
    /// No block at all.
    Absent,
}

impl Trust {
    pub fn proven(self) -> Option<IssueState> {
        match self {
            Trust::Proven(s) => Some(*s),
            Trust::Unproven | Trust::Absent => None,
        }
    }
}

/// Where an issue's block is bound: its project, its iid and its key.
pub fn place<'a>(o: &Observed, key: &'a str) -> Place<'a> {
    Place { project_id: o.project_id, iid: o.iid, key }
}

impl IssueState {
    /// The state block of `live` (the description of `o`), as far as `seal` vouches for it under
    /// `key`. A block sealed at creation, before GitLab gave the issue its iid, is bound to the
    /// project and key (iid 0); the next write binds it to the issue.
    pub fn trust(live: &Live, o: &Observed, key: &str, seal: &Seal) -> Trust {
        IssueState::trust_text(live.state, live.seal, o, key, seal)
    }

    /// `trust` for a block's text and seal found without taking the description apart.
    pub fn trust_text(text: Option<&str>, seal_text: Option<&str>, o: &Observed, key: &str, seal: &Seal) -> Trust {
        let Some(text) = text else { return Trust::Absent };
        if !seal.vouches(&place(o, key), text, seal_text) {
            return Trust::Unproven;
        }
        match serde_json::from_str::<IssueState>(text) {
            Ok(state) if state.key == key => Trust::Proven(Box::new(state)),
            _ => Trust::Unproven,
        }
    }

    /// The proven state block of `o`'s description under `key`, if it has one.
    pub fn proven(o: &Observed, key: &str, seal: &Seal) -> Option<IssueState> {
        IssueState::trust(&region::parse(&o.description), o, key, seal).proven()
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// This state as a block at `place`, sealed; `live` keeps its seal when it already holds this
    /// very text sealed (a block unchanged since creation, or sealed with the previous key during
    /// a rotation, is not rewritten for its seal alone).
    pub fn block(&self, seal: &Seal, place: &Place, live: Option<&Live>) -> String {
        let text = region::state_text(&self.json());
        let kept = live
            .filter(|l| l.state == Some(text.as_str()))
            .and_then(|l| l.seal)
            .filter(|s| seal.vouches(place, &text, Some(s)));
        match kept {
            Some(s) => region::sealed(&text, Some(s)),
            None => region::sealed(&text, seal.sign(place, &text).as_deref()),
        }
    }

    pub fn asserted_marks(&self) -> BTreeMap<String, Mark> {
        self.items.asserted()
    }
}

/// A state block's marks by item id, kept as the JSON object they were written as and read only
/// when asked: an untouched issue is planned from its memo, and its ~70 item ids are never taken
/// apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Marks(Box<serde_json::value::RawValue>);

impl Marks {
    pub fn of(marks: &BTreeMap<String, Mark>) -> Marks {
        let map: BTreeMap<&str, char> = marks.iter().map(|(k, m)| (k.as_str(), m.as_char())).collect();
        let text = serde_json::to_string(&map).expect("a map of strings serializes");
        Marks(serde_json::value::RawValue::from_string(text).expect("serde_json wrote JSON"))
    }

    /// The marks, leaving out any entry that is not one (the block is sealed: only onboarder wrote it).
    pub fn asserted(&self) -> BTreeMap<String, Mark> {
        let map: BTreeMap<String, char> = serde_json::from_str(self.0.get()).unwrap_or_default();
        map.into_iter().filter_map(|(k, c)| Mark::from_char(c).map(|m| (k, m))).collect()
    }
}

impl Default for Marks {
    fn default() -> Marks {
        Marks::of(&BTreeMap::new())
    }
}

impl PartialEq for Marks {
    /// The same text, or the same map spelt differently (a block's `--` is written `-\u002d`).
    fn eq(&self, other: &Marks) -> bool {
        let map = |m: &Marks| serde_json::from_str::<BTreeMap<String, char>>(m.0.get()).ok();
        self.0.get() == other.0.get() || map(self) == map(other)
    }
}

impl Eq for Marks {}

/// What the state block records besides the marks.
pub(super) struct Record {
    pub said: BTreeMap<String, String>,
    pub paused_since: Option<NaiveDate>,
    pub paused_days: u32,
    pub resumed: Option<NaiveDate>,
    pub reached: BTreeMap<String, String>,
    pub since: Option<String>,
    pub overrides: Overrides,
}

/// The state block for `d` after this run.
pub(super) fn state_for(
    d: &DesiredIssue,
    asserted: &BTreeMap<String, Mark>,
    closed: bool,
    a: &Assessment,
    r: Record,
) -> IssueState {
    IssueState {
        v: 1,
        key: d.key.clone(),
        stage: d.stage_ids.get(a.reached).cloned(),
        title: Some(d.title.clone()),
        due: a.due.map(|d| d.to_string()),
        assignees: d.assignees.iter().map(|a| a.to_lowercase()).collect(),
        ids: d.known_user_ids.clone(),
        items: Marks::of(asserted),
        closed,
        uid: d.user_id,
        manager: d.manager.as_ref().map(|m| m.to_lowercase()),
        said: r.said,
        paused_since: r.paused_since.map(|p| p.to_string()),
        paused_days: r.paused_days,
        resumed: r.resumed.map(|d| d.to_string()),
        reached: r.reached,
        since: r.since,
        overrides: (!r.overrides.is_empty()).then_some(r.overrides),
        memo: None,
    }
}

/// Who and what a comment on `d`'s issue is about.
pub(super) fn subject<'a>(
    d: &'a DesiredIssue,
    a: Assessment,
    old: Option<&'a IssueState>,
    today: NaiveDate,
) -> Subject<'a> {
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
        holding: Vec::new(),
        open_count: 0,
        quiet: false,
        stated: d.path.stated,
    }
}

/// Everything the situation calls for now, recorded as said: a new issue, or one whose record was
/// lost, owes no comment for what was already so.
pub(super) fn already_so(d: &DesiredIssue, a: Assessment, today: NaiveDate) -> BTreeMap<String, String> {
    // A nudge never posted is recorded as such: no escalation is ever back-dated from it.
    let day = |k: &str| if k.starts_with("behind:") { comments::ADOPTED.to_string() } else { today.to_string() };
    comments::due_keys(&subject(d, a, None, today)).into_iter().map(|k| (day(&k), k)).map(|(v, k)| (k, v)).collect()
}

/// The stages reached by now that the record does not hold yet, recorded as reached today (the
/// first stage on the day the path began: every path starts there).
pub(super) fn reached_by(
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

/// The record a new issue starts with: everything the situation already calls for counts as said.
pub(super) fn initial_record(d: &DesiredIssue, a: Assessment, today: NaiveDate) -> Record {
    Record {
        said: already_so(d, a, today),
        paused_since: d.paused.then_some(today),
        paused_days: 0,
        resumed: None,
        reached: reached_by(d, &BTreeMap::new(), a.reached, today),
        since: Some(d.calendar.since.to_string()),
        overrides: Overrides::default(),
    }
}

/// An open-ended pause as the record keeps it: since when (while it lasts), the days of pauses
/// that ended, and the day the last one ended.
pub(super) struct PauseRecord {
    pub since: Option<NaiveDate>,
    pub days: u32,
    pub resumed: Option<NaiveDate>,
}

/// The pause record after today: an open-ended pause starts its clock the first day a run sees
/// it, and when it ends its days are added up (they move the due date) and its end is kept.
pub(super) fn pause_record(paused: bool, old: Option<&IssueState>, today: NaiveDate) -> PauseRecord {
    let day = |s: Option<&String>| s.and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok());
    let since = day(old.and_then(|o| o.paused_since.as_ref()));
    let days = old.map_or(0, |o| o.paused_days);
    let resumed = day(old.and_then(|o| o.resumed.as_ref()));
    match (paused, since) {
        (true, Some(since)) => PauseRecord { since: Some(since), days, resumed },
        (true, None) => PauseRecord { since: Some(today), days, resumed },
        (false, Some(since)) => PauseRecord {
            since: None,
            days: days.saturating_add(u32::try_from((today - since).num_days().max(0)).unwrap_or(0)),
            resumed: Some(today),
        },
        (false, None) => PauseRecord { since: None, days, resumed },
    }
}

/// Days after a return from leave or a pause during which nothing nags.
pub const QUIET_AFTER_RETURN_DAYS: i64 = 7;

/// Away today (leave, a pause), or back less than a week: no nudge, escalation or overdue notice.
pub(super) fn quiet(d: &DesiredIssue, paused: bool, resumed: Option<NaiveDate>, today: NaiveDate) -> bool {
    let just_back = |end: NaiveDate| end < today && (today - end).num_days() <= QUIET_AFTER_RETURN_DAYS;
    paused
        || d.calendar.leave.iter().any(|l| (l.from <= today && today <= l.to) || just_back(l.to))
        || resumed.is_some_and(|r| r <= today && (today - r).num_days() < QUIET_AFTER_RETURN_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_read_as_written_and_equal_however_spelt() {
        let marks = BTreeMap::from([("a--b".to_string(), Mark::Done), ("c".to_string(), Mark::Open)]);
        let written = Marks::of(&marks);
        assert_eq!(written.asserted(), marks);
        // A state block spells `--` as `-\u002d`; read back, it is the same marks.
        let block = region::state_text(&serde_json::to_string(&written).unwrap());
        let read: Marks = serde_json::from_str(&block).unwrap();
        assert_ne!(read.0.get(), written.0.get());
        assert_eq!(read, written);
        assert_ne!(Marks::of(&BTreeMap::from([("c".to_string(), Mark::Done)])), written);
        // Anything that is not a mark is left out.
        let odd: Marks = serde_json::from_str(r#"{"c":"?","d":"x"}"#).unwrap();
        assert_eq!(odd.asserted(), BTreeMap::from([("d".to_string(), Mark::Done)]));
        assert_eq!(Marks::default().asserted(), BTreeMap::new());
    }
}
