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

/// One row: a report's issue as the plan assessed it.
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace: Option<Pace>,
    pub checked: usize,
    pub total: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// The day the person's own marks last changed, as far as this dashboard saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticked: Option<String>,
    /// A digest of the person's own marks (see `plan::Facts`), to notice the next change.
    #[serde(default)]
    pub own: u64,
    /// Commands carried out on the issue so far: the serial of the next one.
    #[serde(default)]
    pub serial: u32,
    /// Paused from the dashboard (the box offered is "resume").
    #[serde(default)]
    pub paused_here: bool,
}

/// A dashboard's own record, in its state block: its rows and what its commands did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub rows: Vec<Row>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
}

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
