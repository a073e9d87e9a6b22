//! Planning while the listing is read: each selected person's open issue is reconciled as soon as
//! its page arrives, and only its plan is kept (see `Preparer`). Pure, like the rest of `plan`.

use std::collections::HashMap;

use super::{reconcile, Desired, Observed, Render, Settings, Slim};
use crate::description;

/// Plans each issue as it is listed (`prepare`), so that a run never holds every description at
/// once: the open issue of a selected desired issue is reconciled there and then, and `plan`
/// later takes that action as it is. Pure, like `plan`: the same inputs give the same action.
pub struct Preparer<'a> {
    desired: &'a Desired,
    by_key: HashMap<&'a str, usize>,
    settings: &'a Settings<'a>,
    render: Render<'a>,
}

impl<'a> Preparer<'a> {
    pub fn new(desired: &'a Desired, settings: &'a Settings<'a>, render: Render<'a>) -> Preparer<'a> {
        let by_key = desired.issues.iter().enumerate().map(|(i, d)| (d.key.as_str(), i)).collect();
        Preparer { desired, by_key, settings, render }
    }

    /// The issue with its action planned and its description dropped, or as it was when it is not
    /// a selected person's open issue, a dashboard command applies to it, or it cannot be planned
    /// alone (`plan` then decides with everything in view).
    pub fn prepare(&self, o: Observed) -> Observed {
        if !o.open || o.moved_to_id.is_some() || o.slim.is_some() {
            return o;
        }
        let Some(key) = description::key_of(&o.description) else { return o };
        let Some(d) = self.by_key.get(key.as_str()).map(|i| &self.desired.issues[*i]) else { return o };
        let s = self.settings;
        if !(s.selected)(&d.username) || !s.commands.to_apply(&d.key).is_empty() {
            return o;
        }
        let Ok(action) = reconcile(d, &o, s, self.render) else { return o };
        Observed { description: String::new(), slim: Some(Box::new(Slim { key, action })), ..o }
    }
}
