//! Planning while the listing is read: each selected person's open issue is reconciled as soon as
//! its page arrives, and only its plan is kept (see `Preparer`). Pure, like the rest of `plan`.

use std::collections::HashMap;
use std::sync::Mutex;

use super::action::Action;
use super::issue::{reconcile_parsed, unchanged};
use super::matching::is_ours;
use super::record::{IssueState, Trust};
use super::settings::{Render, Settings};
use crate::desired::Desired;
use crate::issue::Observed;
use crate::region;

/// The actions planned while listing, by project and iid, for the issues whose descriptions were
/// dropped (see `Observed::key_kept`).
#[derive(Debug, Default)]
pub struct Planned(HashMap<(String, u64), Action>);

impl Planned {
    /// The action planned for `o` while it was listed, if its description was dropped then. It is
    /// taken, not copied: a plan uses each once, and a plan made again reads the issues again.
    pub fn take(&mut self, o: &Observed) -> Option<Action> {
        o.dropped().then(|| self.0.remove(&(o.project.clone(), o.iid))).flatten()
    }
}

/// Plans each issue as it is listed (`prepare`), so that a run never holds every description at
/// once: the open issue of a selected desired issue is reconciled there and then, and `plan`
/// later takes that action as it is. Pure, like `plan`: the same inputs give the same action.
pub struct Preparer<'a> {
    desired: &'a Desired,
    by_key: HashMap<&'a str, usize>,
    settings: &'a Settings<'a>,
    render: Render<'a>,
    planned: Mutex<Planned>,
}

impl<'a> Preparer<'a> {
    pub fn new(desired: &'a Desired, settings: &'a Settings<'a>, render: Render<'a>) -> Preparer<'a> {
        let by_key = desired.issues.iter().enumerate().map(|(i, d)| (d.key.as_str(), i)).collect();
        Preparer { desired, by_key, settings, render, planned: Mutex::default() }
    }

    /// The issue with its action planned and its description dropped, or as it was when it is not
    /// a selected person's open issue, a command applies to it, or it cannot be planned alone
    /// (`plan` then decides with everything in view).
    pub fn prepare(&self, o: Observed) -> Observed {
        if !o.open || o.moved_to_id.is_some() || o.dropped() {
            return o;
        }
        let Some(key) = region::key_of(&o.description) else { return o };
        let Some(d) = self.by_key.get(key.as_str()).map(|i| &self.desired.issues[*i]) else { return o };
        let s = self.settings;
        if !(s.selected)(&d.username) || !s.commands.to_apply(&d.key).is_empty() {
            return o;
        }
        if !is_ours(&o, s) {
            return o;
        }
        // An untouched issue is known from its memo, without taking its description apart.
        let action = match unchanged(d, &o, s) {
            Some(action) => action,
            None => {
                // A block onboarder cannot vouch for is planned later, with what its notes prove.
                let live = region::parse(&o.description);
                let Trust::Proven(old) = IssueState::trust(&live, &o, &key, s.seal) else { return o };
                let Ok(action) = reconcile_parsed(d, &o, &live, Some(*old), s, self.render) else { return o };
                action
            }
        };
        self.planned.lock().expect("planned lock").0.insert((o.project.clone(), o.iid), action);
        Observed { description: String::new(), key_kept: Some(key), ..o }
    }

    /// What was planned so far.
    pub fn planned(&self) -> std::sync::MutexGuard<'_, Planned> {
        self.planned.lock().expect("planned lock")
    }
}
