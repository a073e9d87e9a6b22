//! An issue description as onboarder lays it out: a managed region between markers, holding a
//! checklist and a hidden state block, with whatever people wrote around it kept byte for byte.
//! It knows the layout only: what the checklist and the state block mean belongs to the layers
//! that write them. Pure: no IO.

use std::borrow::Cow;

use serde::Deserialize;

use crate::checklist::{derive_id, parse_task_line, write_task_line, Fences, Mark};

const BEGIN: &str = "<!-- onboarder:begin ";
const END: &str = "<!-- onboarder:end -->";
const STATE: &str = "<!-- onboarder:state ";
const KEPT_HEADING: &str = "### Kept from an earlier version of this checklist";

/// What separates a state block's JSON from its seal.
const SEAL: &str = " seal:";

/// A state block's JSON as written: `--` spelt so that the HTML comment cannot end early. This
/// text is what a seal is made over.
pub fn state_text(json: &str) -> String {
    // JSON lets a dash be spelt as \u002d inside a string, and `--` appears nowhere else in JSON.
    json.replace("--", "-\\u002d")
}

/// A state block: its text and, when the run has a key, the seal of that text.
pub fn sealed(text: &str, seal: Option<&str>) -> String {
    match seal {
        Some(s) => format!("{text}{SEAL}{s}"),
        None => text.to_string(),
    }
}

fn state_comment(block: &str) -> String {
    format!("{STATE}{block} -->")
}

/// A state line's content split into its JSON and its seal, if it has one.
fn split_seal(content: &str) -> (&str, Option<&str>) {
    match content.rsplit_once(SEAL) {
        Some((json, seal)) if json.ends_with('}') && !seal.is_empty() && !seal.contains(char::is_whitespace) => {
            (json, Some(seal))
        }
        _ => (content, None),
    }
}

/// Just the key a state block names, when its begin marker is gone.
#[derive(Deserialize)]
struct KeyOnly {
    key: String,
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
    /// The state block's JSON, as written (whoever reads it knows its shape and checks its seal).
    pub state: Option<&'a str>,
    /// The state block's seal, if it has one.
    pub seal: Option<&'a str>,
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
        return Live {
            before: "",
            after: description,
            key: None,
            state: None,
            seal: None,
            items: Vec::new(),
            intact: false,
        };
    };
    let (start, end_byte) = (spans[first].0, spans[last].1);
    let mut key = begin.and_then(|b| marker_key(spans[b].2));
    let mut state = None;
    let mut seal = None;
    let mut items = Vec::new();
    // The ids taken, so a repeated id is dropped without scanning the items before it.
    let mut ids = std::collections::HashSet::new();
    let mut fences = Fences::default();
    for &(_, _, line) in &spans[first..=last] {
        if fences.in_code(line) {
            continue;
        }
        if let Some(content) = line.trim().strip_prefix(STATE).and_then(|r| r.strip_suffix("-->")) {
            let (json, s) = split_seal(content.trim());
            (state, seal) = (Some(json), s);
        } else if let Some(t) = parse_task_line(line) {
            let id = t.id.map_or_else(|| derive_id(t.text), str::to_string);
            if !id.is_empty() && ids.insert(id.clone()) {
                items.push(LiveItem { id, mark: t.mark, text: t.text.to_string() });
            }
        }
    }
    if key.is_none() {
        key = state.and_then(|s| serde_json::from_str::<KeyOnly>(s).ok()).map(|s| s.key).filter(|k| !k.is_empty());
    }
    Live {
        before: &description[..start],
        after: &description[end_byte..],
        key,
        state,
        seal,
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

/// Write the managed region: markers, the body (`write_body` writes it), kept items, and the
/// state block (`sealed`).
pub fn region(key: &str, write_body: impl FnOnce(&mut String), kept: &[LiveItem], block: &str) -> String {
    finish(head(key, write_body, kept), block)
}

/// The managed region up to its state block: the begin marker, the body and kept items. What
/// a later run compares, byte for byte, to know the region is as onboarder wrote it.
pub fn head(key: &str, write_body: impl FnOnce(&mut String), kept: &[LiveItem]) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(BEGIN);
    out.push_str(key);
    out.push_str(
        ": onboarder keeps this part up to date. Tick boxes freely; write your own notes below the end marker. -->\n",
    );
    write_body(&mut out);
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
    out
}

/// A region's `head` closed with its state block (`sealed`) and the end marker.
pub fn finish(mut head: String, block: &str) -> String {
    head.push_str(&state_comment(block));
    head.push('\n');
    head.push_str(END);
    head
}

/// A region laid out exactly as `region` writes it, found without taking it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Laid<'a> {
    /// From the begin marker to the state block (`head`).
    pub head: &'a str,
    /// The state block's JSON and its seal.
    pub state: &'a str,
    pub seal: Option<&'a str>,
}

/// The region of `description` if it is laid out as onboarder writes it: a begin marker at the
/// start of a line, then the state block's line right before the end marker. Anything else
/// (a moved marker, a second block, a line between them) is `None`, for `parse` to take apart.
pub fn laid_out(description: &str) -> Option<Laid<'_>> {
    // memmem: the end marker is searched for across the whole checklist of every issue listed.
    let begin = memchr::memmem::find(description.as_bytes(), BEGIN.as_bytes())?;
    if begin > 0 && !description[..begin].ends_with('\n') {
        return None;
    }
    let closing = format!("\n{END}");
    let end = begin + memchr::memmem::find(&description.as_bytes()[begin..], closing.as_bytes())?;
    let line_start = description[..end].rfind('\n').map_or(0, |n| n + 1);
    let content = description[line_start..end].strip_prefix(STATE)?.strip_suffix(" -->")?;
    let rest = &description[end + closing.len()..];
    if !(rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n")) || line_start <= begin {
        return None;
    }
    let (state, seal) = split_seal(content.trim());
    Some(Laid { head: &description[begin..line_start], state, seal })
}

/// The text of each task line of a `head`, in order (lines inside code fences are not items).
pub fn item_texts(head: &str) -> impl Iterator<Item = &str> {
    let mut fences = Fences::default();
    head.lines().filter(move |l| !fences.in_code(l)).filter_map(|l| parse_task_line(l).map(|t| t.text))
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

/// The description with its state block replaced by `block` (`sealed`), or unchanged if it has none.
pub fn with_state(description: &str, block: &str) -> String {
    let mut out = String::with_capacity(description.len() + 16);
    for line in description.split_inclusive('\n') {
        if line.trim_start().starts_with(STATE) {
            out.push_str(&state_comment(block));
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

    fn state(key: &str) -> String {
        serde_json::json!({ "v": 1, "key": key }).to_string()
    }

    /// The state block's JSON as a value: its text may spell dashes as escapes.
    fn value(json: Option<&str>) -> Option<serde_json::Value> {
        json.map(|j| serde_json::from_str(j).expect("JSON"))
    }

    #[test]
    fn round_trip_keeps_peoples_text_byte_for_byte() {
        let region = region("k:jdoe", |out| out.push_str("## Stage\n"), &[], &state("k:jdoe"));
        let before = "My own intro\r\nwith CRLF\r\n";
        let after = "\n\nNotes: 🚀 <b>mine</b>\n-- signed";
        let full = compose(before, &region, after);
        let live = parse(&full);
        assert_eq!(live.before, before);
        assert_eq!(live.after, after);
        assert_eq!(live.key.as_deref(), Some("k:jdoe"));
        assert_eq!(value(live.state), value(Some(&state("k:jdoe"))));
        assert!(live.intact);
    }

    #[test]
    fn state_block_never_contains_a_comment_end() {
        let json = serde_json::json!({ "v": 1, "key": "a--b:x", "title": "--> <!-- --" }).to_string();
        let c = state_comment(&state_text(&json));
        assert_eq!(c.matches("-->").count(), 1, "{c}");
        let text = format!("{BEGIN}a--b:x -->\n{c}\n{END}");
        let parsed = parse(&text);
        assert_eq!(value(parsed.state), value(Some(&json)));
    }

    #[test]
    fn a_seal_is_read_back_apart_from_the_json() {
        let json = state("k:u");
        let text = format!("{BEGIN}k:u -->\n{}\n{END}", state_comment(&sealed(&json, Some("AbC-_9"))));
        let live = parse(&text);
        assert_eq!((live.state, live.seal), (Some(json.as_str()), Some("AbC-_9")));
        // No seal, or something that only looks like one inside the JSON: no seal.
        let text = format!("{}\n{END}", state_comment(&json));
        let live = parse(&text);
        assert_eq!((live.state, live.seal), (Some(json.as_str()), None));
        let inside = r#"{"v":1,"key":"k:u","title":"a seal:x"}"#;
        let text = format!("{}\n{END}", state_comment(inside));
        let live = parse(&text);
        assert_eq!((live.state, live.seal), (Some(inside), None));
    }

    #[test]
    fn mangled_regions_are_found_and_nothing_else_is_taken() {
        let items = "- [x] one <!-- id: one -->\n- [ ] two <!-- id: two -->\n";
        let st = state_comment(&state_text(&state("k:u")));
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
        // Both deleted and the state block mangled: ticks still found, no key.
        let d = format!("intro\n{items}<!-- onboarder:state {{broken -->\ntail");
        let live = parse(&d);
        assert_eq!((live.before, live.after, live.key.is_none()), ("intro\n", "\ntail", true));
        assert_eq!(live.items[0].mark, Mark::Done);
        // Nothing of ours at all: everything is the person's.
        let live = parse("just text\n- [x] my own item");
        assert_eq!((live.before, live.after, live.items.len()), ("", "just text\n- [x] my own item", 0));
    }

    #[test]
    fn the_quick_key_agrees_with_the_full_parse() {
        let st = state_comment(&state_text(&state("k:u")));
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
    use std::collections::BTreeMap;

    use super::*;
    use proptest::prelude::*;

    fn marks() -> impl Strategy<Value = BTreeMap<String, (Mark, String)>> {
        let mark = prop_oneof![Just(Mark::Open), Just(Mark::Done), Just(Mark::Skipped)];
        proptest::collection::btree_map("[a-z]{1,8}(-[a-z0-9]{1,4})?", (mark, "[A-Za-z0-9 ,.'()]{1,40}"), 0..12)
    }

    /// People's text: anything, as long as it does not itself carry onboarder's markers.
    fn people_text() -> impl Strategy<Value = String> {
        "(\\PC|\n|\r|\t){0,200}".prop_filter("no markers", |s| !s.contains("onboarder:") && !s.contains("<!-- id: "))
    }

    proptest! {
        #[test]
        fn parsing_what_we_render_gives_back_the_checklist(items in marks()) {
            let st = serde_json::json!({ "v": 1, "key": "t:u" }).to_string();
            let body = |out: &mut String| {
                out.push_str("## Stage\n");
                for (id, (m, text)) in &items {
                    write_task_line(out, "- ", *m, &format!("x{}", text.trim()), id);
                    out.push('\n');
                }
            };
            let text = region("t:u", body, &[], &st);
            let live = parse(&text);
            let got: BTreeMap<String, Mark> = live.items.iter().map(|i| (i.id.clone(), i.mark)).collect();
            let want: BTreeMap<String, Mark> = items.iter().map(|(id, (m, _))| (id.clone(), *m)).collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(live.state, Some(st.as_str()));
        }

        #[test]
        fn text_outside_the_region_is_kept_byte_for_byte(before in people_text(), after in people_text()) {
            let before = if before.is_empty() || before.ends_with('\n') { before } else { format!("{before}\n") };
            let after = if after.is_empty() || after.starts_with('\n') { after } else { format!("\n{after}") };
            let st = serde_json::json!({ "v": 1, "key": "t:u" }).to_string();
            let text = compose(&before, &region("t:u", |_| {}, &[], &st), &after);
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
