//! Finds quick-action lines the way GitLab does (only in top-level paragraphs) and strips them.
//!
//! GitLab renders the text with CommonMark, keeps the top-level paragraphs, and in those removes
//! every line that starts with `/` + a known command word (case-insensitive) followed by a space
//! or the end of the line. Inline code (`` `...` ``) and `<tag>` ... `</tag>` runs are skipped.
//! The result has `\r` removed and trailing whitespace stripped.

use crate::blocks::top_level_paragraphs;

/// Known command words (aliases included) and the action each one performs.
const COMMANDS: &[(&str, &str)] = &[
    ("add_contacts", "add_contacts"),
    ("assign", "assign"),
    ("award", "award"),
    ("blocked_by", "blocked_by"),
    ("blocks", "blocks"),
    ("board_move", "board_move"),
    ("clear_health_status", "clear_health_status"),
    ("clear_weight", "clear_weight"),
    ("clone", "clone"),
    ("close", "close"),
    ("confidential", "confidential"),
    ("copy_metadata", "copy_metadata"),
    ("create_merge_request", "create_merge_request"),
    ("done", "done"),
    ("due", "due"),
    ("duplicate", "duplicate"),
    ("epic", "epic"),
    ("estimate", "estimate"),
    ("estimate_time", "estimate"),
    ("health_status", "health_status"),
    ("iteration", "iteration"),
    ("label", "label"),
    ("labels", "label"),
    ("lock", "lock"),
    ("milestone", "milestone"),
    ("move", "move"),
    ("open", "reopen"),
    ("promote", "promote"),
    ("promote_to", "promote_to"),
    ("promote_to_incident", "promote_to_incident"),
    ("react", "award"),
    ("reassign", "reassign"),
    ("relabel", "relabel"),
    ("relate", "relate"),
    ("remove_contacts", "remove_contacts"),
    ("remove_due_date", "remove_due_date"),
    ("remove_epic", "remove_epic"),
    ("remove_estimate", "remove_estimate"),
    ("remove_iteration", "remove_iteration"),
    ("remove_label", "unlabel"),
    ("remove_milestone", "remove_milestone"),
    ("remove_parent", "remove_parent"),
    ("remove_time_estimate", "remove_estimate"),
    ("remove_time_spent", "remove_time_spent"),
    ("remove_zoom", "remove_zoom"),
    ("reopen", "reopen"),
    ("set_parent", "set_parent"),
    ("severity", "severity"),
    ("spend", "spend"),
    ("spend_time", "spend"),
    ("spent", "spend"),
    ("status", "status"),
    ("subscribe", "subscribe"),
    ("timeline", "timeline"),
    ("title", "title"),
    ("todo", "todo"),
    ("type", "type"),
    ("unassign", "unassign"),
    ("unlabel", "unlabel"),
    ("unlink", "unlink"),
    ("unlock", "unlock"),
    ("unrelate", "unrelate"),
    ("unsubscribe", "unsubscribe"),
    ("weight", "weight"),
    ("zoom", "zoom"),
];

/// One extracted quick action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    /// The command word as written, lower-cased.
    pub name: String,
    /// What it does (`open` is `reopen`, `labels` is `label`, ...).
    pub action: &'static str,
    /// Arguments, trimmed.
    pub args: String,
}

/// The stored text and the commands to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extracted {
    pub text: String,
    pub commands: Vec<Command>,
}

/// Extracts and strips every quick action from `text`. With `previous` (an edit), commands that
/// the previous text already held are stripped but not returned for execution again.
pub(crate) fn extract(text: &str, previous: Option<&str>) -> Extracted {
    let (stored, mut commands) = extract_all(text);
    if let Some(prev) = previous {
        let (_, old) = extract_all(prev);
        commands.retain(|c| !old.iter().any(|o| o.action == c.action && o.args == c.args));
    }
    Extracted { text: stored, commands }
}

fn ruby_rstrip(s: &str) -> &str {
    s.trim_end_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r', '\0'])
}

fn extract_all(text: &str) -> (String, Vec<Command>) {
    let content = text.replace('\r', "");
    let mut lines: Vec<String> = content.split_inclusive('\n').map(str::to_string).collect();
    let mut commands = Vec::new();
    for (start, end) in top_level_paragraphs(&lines) {
        let mut last = end;
        if lines.get(end + 1).is_some_and(|l| l == "\n") {
            last += 1;
        }
        let chunk: String = lines[start..=last].concat();
        let (kept, found) = strip_commands(&chunk);
        commands.extend(found);
        for line in &mut lines[start..=last] {
            line.clear();
        }
        lines[start] = kept;
    }
    (ruby_rstrip(&lines.concat()).to_string(), commands)
}

fn lookup(word: &str) -> Option<&'static str> {
    COMMANDS.iter().find(|(name, _)| name.eq_ignore_ascii_case(word)).map(|&(_, action)| action)
}

/// Applies GitLab's command regex to one paragraph chunk.
fn strip_commands(chunk: &str) -> (String, Vec<Command>) {
    let b = chunk.as_bytes();
    let mut out = String::with_capacity(chunk.len());
    let mut found = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        if b[i] == b'`' {
            // `.+?` : at least one character, then the next backtick (newlines included).
            let first = chunk[i + 1..].chars().next().map_or(0, char::len_utf8);
            let from = i + 1 + first;
            if let Some(k) = chunk[from..].find('`').filter(|_| first > 0) {
                let end = from + k + 1;
                out.push_str(&chunk[i..end]);
                i = end;
                line_start = false;
                continue;
            }
        }
        if line_start && b[i] == b'<' {
            if let Some(end) = html_run(chunk, i) {
                out.push_str(&chunk[i..end]);
                i = end;
                line_start = false;
                continue;
            }
        }
        if line_start && b[i] == b'/' {
            if let Some((end, command)) = command_at(chunk, i) {
                found.push(command);
                i = end;
                line_start = true;
                continue;
            }
        }
        let ch = chunk[i..].chars().next().unwrap_or('\0');
        out.push(ch);
        line_start = ch == '\n';
        i += ch.len_utf8().max(1);
    }
    (out, found)
}

/// `^<[^>]+?>\n.+?\n</[^>]+?>$` starting at `i`: end offset of the run.
fn html_run(chunk: &str, i: usize) -> Option<usize> {
    let line_end = chunk[i..].find('\n').map(|k| i + k)?;
    let open = &chunk[i..line_end];
    if open.len() < 3 || !open.ends_with('>') || open[1..open.len() - 1].contains('>') {
        return None;
    }
    let mut pos = line_end + 1;
    // `.+?` needs at least one character before the closing line.
    let mut first = true;
    while pos < chunk.len() {
        let end = chunk[pos..].find('\n').map_or(chunk.len(), |k| pos + k);
        let line = &chunk[pos..end];
        if !first && line.starts_with("</") && line.ends_with('>') && line.len() > 3 {
            let inner = &line[2..line.len() - 1];
            if !inner.contains('>') {
                return Some(end);
            }
        }
        first = false;
        pos = end + 1;
    }
    None
}

/// `^/(?<cmd>names)(?:[ ](?<arg>[^\n]*))?(?:\s*\n|$)` at `i`.
fn command_at(chunk: &str, i: usize) -> Option<(usize, Command)> {
    let b = chunk.as_bytes();
    let word_len = b[i + 1..].iter().take_while(|c| c.is_ascii_alphabetic() || **c == b'_').count();
    if word_len == 0 {
        return None;
    }
    let word = &chunk[i + 1..i + 1 + word_len];
    let action = lookup(word)?;
    let mut pos = i + 1 + word_len;
    let mut args = "";
    if pos < b.len() && b[pos] == b' ' {
        let end = chunk[pos..].find('\n').map_or(chunk.len(), |k| pos + k);
        args = &chunk[pos + 1..end];
        pos = end;
    }
    // (?:\s*\n|$): swallow whitespace up to the last newline of the run, or stop at the end.
    let run_end = pos + b[pos..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    let end = match chunk[pos..run_end].rfind('\n') {
        Some(k) => pos + k + 1,
        None if pos == b.len() => pos,
        None => return None,
    };
    Some((end, Command { name: word.to_ascii_lowercase(), action, args: args.trim().to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (String, Vec<String>) {
        let e = extract(text, None);
        let names = e
            .commands
            .iter()
            .map(|c| if c.args.is_empty() { c.name.clone() } else { format!("{} {}", c.name, c.args) })
            .collect();
        (e.text, names)
    }

    #[test]
    fn strips_top_level_commands() {
        let (text, cmds) = run("Hello\n/close\n/label ~a ~\"b c\"\n\nBye\r\n/Assign @x\n\n");
        assert_eq!(text, "Hello\nBye");
        assert_eq!(cmds, ["close", "label ~a ~\"b c\"", "assign @x"]);
    }

    #[test]
    fn unknown_and_glued_words_stay() {
        let (text, cmds) = run("/foo bar\n/closed\n/close\tx\n/cc @a");
        assert_eq!(text, "/foo bar\n/closed\n/close\tx\n/cc @a");
        assert!(cmds.is_empty());
    }

    #[test]
    fn nested_blocks_are_not_commands() {
        let text = "\
```
/close
```

~~~
/close
~~~

> /close
> quoted
/close

- item
/close

- [ ] /close
  /close

1. one
   /close

# /close

| a | b |
|---|---|
/close

<!--
/close
-->

<details>
/close
</details>

    /close

\\/close
`/close`
>>>
/close
>>>";
        let (stored, cmds) = run(text);
        assert!(cmds.is_empty(), "{cmds:?}");
        assert_eq!(stored, text);
    }

    #[test]
    fn commands_after_closed_blocks_run() {
        let (text, cmds) = run("<!-- note -->\n/close\n\n- item\n\n/reopen\n\n```\nx\n```\n/title New");
        assert_eq!(text, "<!-- note -->\n- item\n\n```\nx\n```");
        assert_eq!(cmds, ["close", "reopen", "title New"]);
    }

    #[test]
    fn setext_heading_is_not_a_paragraph() {
        let (text, cmds) = run("/close\n---\nafter");
        assert!(cmds.is_empty());
        assert_eq!(text, "/close\n---\nafter");
    }

    #[test]
    fn multi_line_code_span_protects() {
        let (_, cmds) = run("a `b\n/close\nc` d");
        assert!(cmds.is_empty());
    }

    #[test]
    fn edits_do_not_rerun_old_commands() {
        let e = extract("x\n/label ~a\n/close", Some("x\n/label ~a"));
        assert_eq!(e.text, "x");
        assert_eq!(e.commands.len(), 1);
        assert_eq!(e.commands[0].action, "close");
    }

    #[test]
    fn trailing_whitespace_is_stripped() {
        assert_eq!(extract("a  \n\n", None).text, "a");
        assert_eq!(extract("", None).text, "");
    }
}
