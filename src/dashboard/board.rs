//! What a dashboard holds: a row per report as the plan assessed them, its own record (its rows
//! and what its commands did, kept in its state block), and the dashboard as a run wants it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::command::Decided;
use super::spec::Spec;
use crate::plan::Action;
use crate::progress::Pace;
use crate::region::{self, Live};
use crate::seal::{Place, Seal};

/// Something a manager should know at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    /// On leave until this day (YYYY-MM-DD).
    Leave(String),
    /// Paused (the roster's `status: paused`, or from this dashboard).
    Paused,
    /// The roster names no onboarding buddy.
    NoBuddy,
}

/// One row: a report's issue as the plan assessed it. Stages are ids; their names come from the
/// dashboard's paths when the row is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The key.
    pub key: String,
    pub user: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub path: String,
    /// The week of the path (1 in its first week); none before it begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace: Option<Pace>,
    /// The first open items holding the person back, and how many there are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holding: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub open: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// The day the person's own marks last changed, as far as this dashboard saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticked: Option<String>,
    /// A digest of the person's own marks (see `plan::Facts`), to notice the next change.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own: u64,
    /// Commands carried out on the issue so far: the serial of the next one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub serial: u32,
    /// Paused from the dashboard (the box offered is "resume").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused_here: bool,
    /// Finished (the issue closed, or every item done) on this day, or `-` when GitLab does not
    /// say when its issue was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// A report the dashboard does not show (past its size budget): what later runs need to count
/// them. Kept in the record as `rest`, one entry per path, standing and stage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hidden {
    pub path: String,
    /// A pace id, `finished`, or `-` when there is none.
    pub standing: String,
    /// The stage id reached, or `-`.
    pub stage: String,
    pub user: String,
}

impl Hidden {
    pub fn of(r: &Row) -> Hidden {
        Hidden {
            path: r.path.clone(),
            standing: standing(r).to_string(),
            stage: r.stage.clone().unwrap_or_else(|| "-".into()),
            user: r.user.clone(),
        }
    }
}

/// How a row counts: its pace, or `finished`.
pub fn standing(r: &Row) -> &'static str {
    match (&r.finished, r.pace) {
        (Some(_), _) => "finished",
        (None, Some(p)) => p.id(),
        (None, None) => "-",
    }
}

/// A dashboard's own record, in its state block: what later runs need and nothing else. The rows
/// shown (they are kept as they are for the people a run does not cover), the people not shown,
/// what its commands did, and whether it was made confidential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub rows: Vec<Row>,
    /// The people not shown, by `path standing stage`, as space-separated usernames (usernames
    /// hold no space): a few bytes a person, so that the largest team fits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rest: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
    /// The dashboard was made confidential once: if a person turns that back, it stands.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
}

impl Record {
    /// The people not shown.
    pub fn hidden(&self) -> Vec<Hidden> {
        let mut out = Vec::new();
        for (group, users) in &self.rest {
            let mut parts = group.split(' ');
            let (Some(path), Some(standing), Some(stage)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            out.extend(users.split(' ').filter(|u| !u.is_empty()).map(|u| Hidden {
                path: path.into(),
                standing: standing.into(),
                stage: stage.into(),
                user: u.into(),
            }));
        }
        out
    }

    /// Set the people not shown.
    pub fn hide(&mut self, mut hidden: Vec<Hidden>) {
        hidden.sort();
        self.rest.clear();
        for h in hidden {
            let users = self.rest.entry(format!("{} {} {}", h.path, h.standing, h.stage)).or_default();
            if !users.is_empty() {
                users.push(' ');
            }
            users.push_str(&h.user);
        }
    }

    /// Everyone on the dashboard, shown or not, by how they count.
    pub fn standings(&self) -> BTreeMap<&'static str, usize> {
        let mut out: BTreeMap<&'static str, usize> = BTreeMap::new();
        for r in &self.rows {
            *out.entry(standing(r)).or_default() += 1;
        }
        for h in self.hidden() {
            let s = STANDINGS.iter().find(|s| **s == h.standing).copied().unwrap_or("-");
            *out.entry(s).or_default() += 1;
        }
        out
    }
}

/// Every standing a row can have, most in need of attention first.
pub const STANDINGS: [&str; 7] = ["overdue", "behind", "on-track", "paused", "complete", "finished", "-"];

/// A dashboard as this run wants it: the spec, the rows this run decides, and its commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub spec: Spec,
    /// Rows of the reports this run covers; the others' rows are kept from the issue.
    pub rows: Vec<Row>,
    /// Usernames this run covers.
    pub covered: BTreeSet<String>,
    /// The commands seen ticked on this dashboard, with their verdicts.
    pub decided: Vec<Decided>,
    /// The team dashboard's medians: per path, per stage id, days to reach it.
    pub medians: BTreeMap<String, BTreeMap<String, u32>>,
    pub today: NaiveDate,
}

/// A dashboard's state block: its key and title, and its record. Read only by the dashboards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardState {
    pub v: u32,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Always empty: a dashboard's boxes are commands, not items onboarder decides.
    #[serde(default)]
    pub items: BTreeMap<String, char>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<Record>,
}

impl BoardState {
    /// A dashboard's record, from its parsed description, if onboarder sealed it for this issue
    /// and key (a forged or copied record is no record: its rows are rebuilt from this run).
    pub fn record(live: &Live, at: &Place, seal: &Seal) -> Option<Record> {
        let text = live.state?;
        if !seal.vouches(at, text, live.seal) {
            return None;
        }
        serde_json::from_str::<BoardState>(text).ok().filter(|s| s.key == at.key).and_then(|s| s.board)
    }

    /// This state as a sealed block at `at`; `live` keeps its seal when it holds this very text.
    pub fn block(&self, seal: &Seal, at: &Place, live: Option<&Live>) -> String {
        let text = region::state_text(&serde_json::to_string(self).unwrap_or_default());
        let kept = live
            .filter(|l| l.state == Some(text.as_str()))
            .and_then(|l| l.seal)
            .filter(|s| seal.vouches(at, &text, Some(s)));
        match kept {
            Some(s) => region::sealed(&text, Some(s)),
            None => region::sealed(&text, seal.sign(at, &text).as_deref()),
        }
    }
}

/// A dashboard's action and the dashboard as this run wants it: what sync carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub action: Action,
    pub board: Box<Board>,
}
