//! An issue description as onboarder lays it out: a managed region between markers, holding the
//! rendered checklist and a hidden state block, with whatever people wrote around it kept byte
//! for byte. Pure: no IO.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checklist::{derive_id, parse_task_line, write_task_line, Fences, Mark};
use crate::template::{write_body, BodyLine};

const BEGIN: &str = "<!-- onboarder:begin ";
const END: &str = "<!-- onboarder:end -->";
const STATE: &str = "<!-- onboarder:state ";
const KEPT_HEADING: &str = "### Kept from an earlier version of this checklist";

/// What onboarder records in the issue about its own last write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct State {
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
    /// Per item, the mark onboarder itself last decided (see `merge`).
    #[serde(default)]
    pub items: BTreeMap<String, char>,
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
    /// The day each stage was first reached (stage id -> YYYY-MM-DD), recorded when the stage
    /// moves (a write that happens anyway), for the team dashboard's medians.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reached: BTreeMap<String, String>,
    /// The day the path's clock started, recorded with `reached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// What a manager's dashboard commands changed on this issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<crate::dashboard::Overrides>,
    /// A dashboard's own record: its rows and what its commands did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<crate::dashboard::Record>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl State {
    pub fn asserted_marks(&self) -> BTreeMap<String, Mark> {
        self.items.iter().filter_map(|(k, c)| Mark::from_char(*c).map(|m| (k.clone(), m))).collect()
    }

    fn to_comment(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        // `--` could end the HTML comment early; JSON lets us spell a dash as \u002d.
        format!("{STATE}{} -->", json.replace("--", "-\\u002d"))
    }
}

/// An item found in an issue's managed region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveItem {
    pub id: String,
    pub mark: Mark,
    pub text: String,
}

/// An issue description taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live<'a> {
    /// People's text before and after the managed region, untouched.
    pub before: &'a str,
    pub after: &'a str,
    /// The key from the begin marker or the state block.
    pub key: Option<String>,
    pub state: Option<State>,
    pub items: Vec<LiveItem>,
    /// Both markers were found where they belong.
    pub intact: bool,
}

/// Take a description apart. Never fails: a mangled region is found as well as it can be, and
/// anything not clearly onboarder's is treated as a person's text and kept.
pub fn parse(description: &str) -> Live<'_> {
    let mut spans = Vec::new();
    let mut pos = 0;
    for line in description.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        spans.push((pos, pos + text.len(), text));
        pos += line.len();
    }
    let begin = spans.iter().position(|(_, _, l)| l.trim_start().starts_with(BEGIN));
    let end_after = |from: usize| spans.iter().skip(from).position(|(_, _, l)| l.trim() == END).map(|i| i + from);
    let end = end_after(begin.unwrap_or(0));
    let ours = |l: &str| l.contains("<!-- id: ") || l.contains(STATE);
    let first_ours = spans.iter().position(|(_, _, l)| ours(l));
    let last_ours = spans.iter().rposition(|(_, _, l)| ours(l));
    let region = match (begin, end) {
        (Some(b), Some(e)) => Some((b, e)),
        (Some(b), None) => Some((b, last_ours.filter(|l| *l >= b).unwrap_or(b))),
        (None, Some(e)) => Some((first_ours.filter(|f| *f <= e).unwrap_or(e), e)),
        (None, None) => first_ours.zip(last_ours),
    };
    let Some((first, last)) = region else {
        return Live { before: "", after: description, key: None, state: None, items: Vec::new(), intact: false };
    };
    let (start, end_byte) = (spans[first].0, spans[last].1);
    let mut key = begin.and_then(|b| marker_key(spans[b].2));
    let mut state = None;
    let mut items = Vec::new();
    let mut fences = Fences::default();
    for (_, _, line) in &spans[first..=last] {
        if fences.in_code(line) {
            continue;
        }
        if let Some(json) = line.trim().strip_prefix(STATE).and_then(|r| r.strip_suffix("-->")) {
            state = serde_json::from_str::<State>(json.trim()).ok();
        } else if let Some(t) = parse_task_line(line) {
            let id = t.id.map_or_else(|| derive_id(t.text), str::to_string);
            if !id.is_empty() && !items.iter().any(|i: &LiveItem| i.id == id) {
                items.push(LiveItem { id, mark: t.mark, text: t.text.to_string() });
            }
        }
    }
    if key.is_none() {
        key = state.as_ref().map(|s| s.key.clone()).filter(|k| !k.is_empty());
    }
    Live {
        before: &description[..start],
        after: &description[end_byte..],
        key,
        state,
        items,
        intact: begin.is_some() && end.is_some(),
    }
}

/// Just the key of a description, without taking the rest apart: from the begin marker, else
/// from the state block (the same answer as `parse(..).key`, for a fraction of the work).
pub fn key_of(description: &str) -> Option<String> {
    if let Some(key) = description.lines().find(|l| l.trim_start().starts_with(BEGIN)).and_then(marker_key) {
        return Some(key);
    }
    if description.contains(STATE) {
        return parse(description).key;
    }
    None
}

fn marker_key(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix(BEGIN)?;
    let key = rest.split_whitespace().next()?.trim_end_matches(':');
    (!key.is_empty() && key != "-->").then(|| key.to_string())
}

/// Write the managed region: markers, the rendered body with its marks, kept items, state.
pub fn region(
    key: &str,
    body: &[BodyLine],
    marks: &BTreeMap<String, Mark>,
    kept: &[LiveItem],
    state: &State,
) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(BEGIN);
    out.push_str(key);
    out.push_str(
        ": onboarder keeps this part up to date. Tick boxes freely; write your own notes below the end marker. -->\n",
    );
    write_body(body, marks, &mut out);
    if !kept.is_empty() {
        out.push('\n');
        out.push_str(KEPT_HEADING);
        out.push_str("\n\n");
        for item in kept {
            write_task_line(&mut out, "- ", item.mark, &item.text, &item.id);
            out.push('\n');
        }
    }
    out.push('\n');
    out.push_str(&state.to_comment());
    out.push('\n');
    out.push_str(END);
    out
}

/// Put people's text back around a new region. Separators are added only where a person's text
/// would otherwise run into the region; their text itself is never changed.
pub fn compose(before: &str, region: &str, after: &str) -> String {
    let mut out = String::with_capacity(before.len() + region.len() + after.len() + 4);
    out.push_str(before);
    if !before.is_empty() && !before.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(region);
    if !after.is_empty() && !after.starts_with('\n') && !after.starts_with("\r\n") {
        out.push_str("\n\n");
    }
    out.push_str(after);
    out
}

/// The description with its state block replaced by `state` (or unchanged if it has none).
pub fn with_state(description: &str, state: &State) -> String {
    let mut out = String::with_capacity(description.len() + 16);
    for line in description.split_inclusive('\n') {
        if line.trim_start().starts_with(STATE) {
            out.push_str(&state.to_comment());
            if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Quick-action commands GitLab runs from a description and removes from the stored text.
const QUICK_ACTIONS: &[&str] = &[
    "approve",
    "assign",
    "assign_reviewer",
    "award",
    "cc",
    "clear_health_status",
    "clear_weight",
    "close",
    "confidential",
    "copy_metadata",
    "done",
    "draft",
    "due",
    "duplicate",
    "epic",
    "estimate",
    "health_status",
    "iteration",
    "label",
    "lock",
    "milestone",
    "move",
    "parent_epic",
    "promote",
    "reassign",
    "relabel",
    "relate",
    "remove_due_date",
    "remove_estimate",
    "remove_milestone",
    "remove_parent_epic",
    "remove_time_spent",
    "reopen",
    "spend",
    "subscribe",
    "timeline",
    "title",
    "todo",
    "unassign",
    "unlabel",
    "unlock",
    "unsubscribe",
    "weight",
];

/// Is this line one GitLab would run as a quick action (at top level, outside code)?
pub fn is_quick_action(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('/') else { return false };
    let cmd: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    QUICK_ACTIONS.contains(&cmd.to_ascii_lowercase().as_str())
        && rest[cmd.len()..].chars().next().is_none_or(char::is_whitespace)
}

/// The text as GitLab stores it: quick-action lines gone, blank-line runs and trailing spaces
/// folded. Two descriptions with the same normal form need no write.
pub fn normal_form(text: &str) -> Cow<'_, str> {
    let mut fences = Fences::default();
    let mut in_comment = false;
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let code = fences.in_code(line);
        let was_comment = in_comment;
        if !code {
            if line.contains("<!--") && !line.contains("-->") {
                in_comment = true;
            } else if in_comment && line.contains("-->") {
                in_comment = false;
            }
        }
        if !code && !was_comment && is_quick_action(line) {
            continue;
        }
        let line = line.trim_end();
        if line.is_empty() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    Cow::Owned(out)
}

/// The description GitLab keeps when `text` is sent: quick-action lines removed.
pub fn without_quick_actions(text: &str) -> String {
    let mut fences = Fences::default();
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let code = fences.in_code(line.trim_end());
        if !code && is_quick_action(line.trim_end()) {
            continue;
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(key: &str) -> State {
        State { v: 1, key: key.into(), ..State::default() }
    }

    #[test]
    fn round_trip_keeps_peoples_text_byte_for_byte() {
        let body = vec![BodyLine::Text("## Stage".into())];
        let region = region("k:jdoe", &body, &BTreeMap::new(), &[], &state("k:jdoe"));
        let before = "My own intro\r\nwith CRLF\r\n";
        let after = "\n\nNotes: 🚀 <b>mine</b>\n-- signed";
        let full = compose(before, &region, after);
        let live = parse(&full);
        assert_eq!(live.before, before);
        assert_eq!(live.after, after);
        assert_eq!(live.key.as_deref(), Some("k:jdoe"));
        assert_eq!(live.state, Some(state("k:jdoe")));
        assert!(live.intact);
    }

    #[test]
    fn state_block_never_contains_a_comment_end() {
        let mut s = state("a--b:x");
        s.title = Some("--> <!-- --".into());
        let c = s.to_comment();
        assert_eq!(c.matches("-->").count(), 1, "{c}");
        let text = format!("{BEGIN}a--b:x -->\n{c}\n{END}");
        let parsed = parse(&text);
        assert_eq!(parsed.state, Some(s));
    }

    #[test]
    fn mangled_regions_are_found_and_nothing_else_is_taken() {
        let items = "- [x] one <!-- id: one -->\n- [ ] two <!-- id: two -->\n";
        let st = state("k:u").to_comment();
        // End marker deleted: the region stops at the last line that is ours.
        let d = format!("{BEGIN}k:u -->\n{items}{st}\nmy notes\n");
        let live = parse(&d);
        assert_eq!(live.after, "\nmy notes\n");
        assert_eq!(live.items.len(), 2);
        assert!(!live.intact);
        // Begin marker deleted: it starts at the first line that is ours.
        let d = format!("intro\n{items}{st}\n{END}\ntail");
        let live = parse(&d);
        assert_eq!((live.before, live.after, live.key.as_deref()), ("intro\n", "\ntail", Some("k:u")));
        // Both deleted and the state block mangled: ticks still found.
        let d = format!("intro\n{items}<!-- onboarder:state {{broken -->\ntail");
        let live = parse(&d);
        assert_eq!((live.before, live.after, live.state.is_none()), ("intro\n", "\ntail", true));
        assert_eq!(live.items[0].mark, Mark::Done);
        // Nothing of ours at all: everything is the person's.
        let live = parse("just text\n- [x] my own item");
        assert_eq!((live.before, live.after, live.items.len()), ("", "just text\n- [x] my own item", 0));
    }

    #[test]
    fn the_quick_key_agrees_with_the_full_parse() {
        let st = state("k:u").to_comment();
        for text in [
            format!("{BEGIN}k:u: note -->\n{st}\n{END}"),
            format!("intro\n- [ ] a <!-- id: a -->\n{st}\n{END}"),
            format!("{BEGIN}-->\n{st}"),
            "no region at all".to_string(),
            format!("{BEGIN}other:x -->\n"),
        ] {
            assert_eq!(key_of(&text), parse(&text).key, "{text}");
        }
    }

    #[test]
    fn quick_actions_are_predicted() {
        for yes in ["/close", "/label ~foo", "/assign @me", "/due tomorrow", "/TITLE x"] {
            assert!(is_quick_action(yes), "{yes}");
        }
        for no in ["\\/close", " /close", "- /close", "/closed", "/notacommand", "`/close`", "/"] {
            assert!(!is_quick_action(no), "{no}");
        }
        let sent = "Intro\n/label ~x\n```\n/close\n```\nend\n";
        assert_eq!(without_quick_actions(sent), "Intro\n```\n/close\n```\nend\n");
        assert_eq!(normal_form(sent), normal_form(&without_quick_actions(sent)));
        assert_eq!(normal_form("a\n\n\n/close\nb  \n"), "a\n\nb\n");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::template::BodyItem;
    use proptest::prelude::*;

    fn body_and_marks() -> impl Strategy<Value = (Vec<BodyLine>, BTreeMap<String, Mark>)> {
        let mark = prop_oneof![Just(Mark::Open), Just(Mark::Done), Just(Mark::Skipped)];
        proptest::collection::btree_map("[a-z]{1,8}(-[a-z0-9]{1,4})?", (mark, "[A-Za-z0-9 ,.'()]{1,40}"), 0..12)
            .prop_map(|items| {
                let mut body = vec![BodyLine::Text("## Stage".into())];
                let mut marks = BTreeMap::new();
                for (id, (m, text)) in items {
                    body.push(BodyLine::Item(BodyItem {
                        lead: "- ".into(),
                        text: format!("x{}", text.trim()),
                        id: id.clone(),
                        module: None,
                        stage: 0,
                    }));
                    marks.insert(id, m);
                }
                (body, marks)
            })
    }

    /// People's text: anything, as long as it does not itself carry onboarder's markers.
    fn people_text() -> impl Strategy<Value = String> {
        "(\\PC|\n|\r|\t){0,200}".prop_filter("no markers", |s| !s.contains("onboarder:") && !s.contains("<!-- id: "))
    }

    proptest! {
        #[test]
        fn parsing_what_we_render_gives_back_the_checklist((body, marks) in body_and_marks()) {
            let st = State { v: 1, key: "t:u".into(), ..State::default() };
            let text = region("t:u", &body, &marks, &[], &st);
            let live = parse(&text);
            let got: BTreeMap<String, Mark> = live.items.iter().map(|i| (i.id.clone(), i.mark)).collect();
            prop_assert_eq!(got, marks);
            prop_assert_eq!(live.state, Some(st));
        }

        #[test]
        fn text_outside_the_region_is_kept_byte_for_byte(before in people_text(), after in people_text()) {
            let before = if before.is_empty() || before.ends_with('\n') { before } else { format!("{before}\n") };
            let after = if after.is_empty() || after.starts_with('\n') { after } else { format!("\n{after}") };
            let st = State { v: 1, key: "t:u".into(), ..State::default() };
            let text = compose(&before, &region("t:u", &[], &BTreeMap::new(), &[], &st), &after);
            let live = parse(&text);
            prop_assert_eq!(live.before, before.as_str());
            prop_assert_eq!(live.after, after.as_str());
        }

        #[test]
        fn the_parser_never_panics(text in "(\\PC|\n|<!-- onboarder:(begin|end|state) |-->|- \\[[ x~]\\] |<!-- id: ){0,300}") {
            let _ = parse(&text);
            let _ = normal_form(&text);
        }
    }
}
