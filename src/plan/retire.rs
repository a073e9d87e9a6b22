//! Issues onboarder stops keeping up to date: a leaver's is closed once (a person's reopen
//! stands), a path the person left gets one comment linking their new one, and a person whose
//! roster entry cannot be used gets a row saying so. Pure: no IO.

use chrono::NaiveDate;

use super::action::{Action, Kind};
use super::record::{place, IssueState};
use crate::issue::{Edit, Observed};
use crate::progress::comments::Comment;
use crate::region;
use crate::seal::{Place, Seal};

/// Why the issue of someone missing from the roster is closed.
pub const NOT_IN_ROSTER: &str = "this person is no longer in the roster";

/// The row of a person whose roster entry cannot be used: nothing is planned for them.
pub fn unusable(username: &str, reason: String) -> Action {
    let blank = Action::blank(Kind::Skip, "", "", "");
    Action { username: username.to_string(), template: "roster entry".into(), ..blank }.because(reason)
}

/// Close the issue of someone who left (or whose program ended), once; a person's reopen stands.
pub fn retire(key: &str, o: &Observed, reason: &str, today: NaiveDate, seal: &Seal) -> Action {
    let live = region::parse(&o.description);
    let state = IssueState::trust(&live, o, key, seal).proven();
    let base = Action::for_observed(Kind::Unchanged, key, o, None);
    let closed_before = state.as_ref().is_some_and(|s| s.closed);
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
    if let Some(mut state) = state {
        state.closed = true;
        if state.said.contains_key("closed") {
            // Said on an earlier run whose close did not land: close without saying it again.
            note = None;
        }
        state.said.entry("closed".into()).or_insert_with(|| today.to_string());
        edit.description = Some(region::with_state(&o.description, &state.block(seal, &place(o, key), Some(&live))));
    }
    Action { kind: Kind::Close, edit: Some(edit), note, ..base }.because(reason)
}

/// The description onboarder just made for the issue at `at`, with `keys` taken out of its record
/// of comments said (their comment could not be posted, so it stays owed), sealed again.
pub fn unsay(description: &str, keys: &[String], seal: &Seal, at: &Place) -> String {
    let live = region::parse(description);
    match live.state.and_then(|json| serde_json::from_str::<IssueState>(json).ok()) {
        Some(mut state) => {
            state.said.retain(|k, _| !keys.contains(k));
            region::with_state(description, &state.block(seal, at, None))
        }
        None => description.to_string(),
    }
}

/// The issue of a path that is no longer the person's (their role or paths changed): left to
/// the people, with one comment linking the issue of their new path once it exists.
pub fn supersede(key: &str, o: &Observed, new_url: Option<&str>, today: NaiveDate, seal: &Seal) -> Action {
    let base =
        Action::for_observed(Kind::Skip, key, o, None).because("not one of this person's paths any more; left alone");
    let live = region::parse(&o.description);
    let Some(mut state) = IssueState::trust(&live, o, key, seal).proven() else { return base };
    let (Some(new_url), true) = (new_url, o.open) else { return base };
    if state.said.contains_key("superseded") {
        return base;
    }
    state.said.insert("superseded".into(), today.to_string());
    let note = Comment::join(vec![(
        "superseded".into(),
        format!(
            "This path is no longer on this person's roster entry (their role or paths changed). Their new path is {}; onboarder leaves this issue as it is, for you to close when it suits.",
            crate::escape::web_url(new_url)
        ),
    )]);
    let block = state.block(seal, &place(o, key), Some(&live));
    let edit = Edit { description: Some(region::with_state(&o.description, &block)), ..Edit::default() };
    Action { kind: Kind::Update, edit: Some(edit), note, link: Some(new_url.to_string()), ..base }
}
