//! Task list items in a description: GitLab's `task_completion_status` and ticking a box.

use crate::markdown::{code_and_comment_mask, lines_with_offsets};

/// One task item: byte offset of the character between the brackets, that character, its line,
/// and what follows the checkbox on that line.
struct TaskItem<'a> {
    mark_at: usize,
    mark: char,
    line: &'a str,
    rest: &'a str,
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Offset of the checkbox mark in `line`, if the line is a task item:
/// optional `>` prefixes, one or more list markers (`-`, `*`, `+`, `1.`, `1)`), whitespace,
/// `[ ]`/`[x]`/`[X]`/`[~]`, then whitespace and some text.
fn parse_task(line: &str) -> Option<usize> {
    let b = line.trim_end_matches(['\n', '\r']).as_bytes();
    let mut i = 0;
    while i < b.len() && b[i] == b'>' {
        i += 1;
        let mut n = 0;
        while i < b.len() && is_ws(b[i]) && n < 4 {
            i += 1;
            n += 1;
        }
    }
    let mut markers = 0;
    loop {
        let mut j = i;
        while j < b.len() && is_ws(b[j]) {
            j += 1;
        }
        if j < b.len() && matches!(b[j], b'-' | b'*' | b'+') {
            i = j + 1;
        } else {
            let digits = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || j + digits >= b.len() || !matches!(b[j + digits], b'.' | b')') {
                break;
            }
            i = j + digits + 1;
        }
        markers += 1;
    }
    if markers == 0 {
        return None;
    }
    let mut j = i;
    while j < b.len() && is_ws(b[j]) {
        j += 1;
    }
    if j == i || j + 3 > b.len() || b[j] != b'[' || b[j + 2] != b']' {
        return None;
    }
    if !matches!(b[j + 1], b' ' | b'\t' | b'x' | b'X' | b'~') {
        return None;
    }
    let rest = &b[j + 3..];
    if rest.is_empty() || !is_ws(rest[0]) || rest.iter().all(|&c| is_ws(c)) {
        return None;
    }
    Some(j + 1)
}

fn task_items(text: &str) -> Vec<TaskItem<'_>> {
    let mask = code_and_comment_mask(text);
    lines_with_offsets(text)
        .into_iter()
        .filter_map(|(start, line)| {
            let at = parse_task(line)?;
            if mask[start + at] {
                return None;
            }
            let rest = line[at + 2..].trim_end_matches(['\n', '\r']);
            Some(TaskItem { mark_at: start + at, mark: line.as_bytes()[at] as char, line, rest })
        })
        .collect()
}

/// Every task item in order: the character between its brackets (` `, `x`, `X`, `~`, tab) and
/// the Markdown after the checkbox on its line.
pub(crate) fn items(text: &str) -> Vec<(char, &str)> {
    task_items(text).into_iter().map(|t| (t.mark, t.rest)).collect()
}

/// `(count, completed_count)`; `[~]` items count neither way.
pub(crate) fn task_status(text: &str) -> (usize, usize) {
    let items = task_items(text);
    let applicable = items.iter().filter(|t| t.mark != '~');
    let count = applicable.clone().count();
    let done = applicable.filter(|t| t.mark == 'x' || t.mark == 'X').count();
    (count, done)
}

/// Sets the first task item whose line contains `needle` to checked or unchecked.
pub(crate) fn set_task(text: &mut String, needle: &str, checked: bool) -> bool {
    let found = task_items(text).into_iter().find(|t| t.line.contains(needle)).map(|t| t.mark_at);
    match found {
        Some(at) => {
            let mark = if checked { "x" } else { " " };
            text.replace_range(at..at + 1, mark);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_list_form() {
        let text = "- [ ] a\n* [x] b\n+ [X] c\n1. [ ] d\n2) [x] e\n  - [ ] nested\n> - [ ] quoted\n- [~] skip\n";
        assert_eq!(task_status(text), (7, 3));
    }

    #[test]
    fn ignores_non_items() {
        let text = "[ ] no list\n- [ ]\n-[ ] tight\n- [ ]   \n- [y] other\n```\n- [ ] in code\n```\n<!--\n- [ ] commented\n-->\n~~~\n- [x] tilde\n~~~\n- [ ] real";
        assert_eq!(task_status(text), (1, 0));
    }

    #[test]
    fn set_task_ticks_first_match_outside_code() {
        let mut text = "```\n- [ ] Read docs\n```\n- [ ] Read docs\n- [ ] Read docs again".to_string();
        assert!(set_task(&mut text, "Read docs", true));
        assert_eq!(text, "```\n- [ ] Read docs\n```\n- [x] Read docs\n- [ ] Read docs again");
        assert!(set_task(&mut text, "again", true));
        assert!(set_task(&mut text, "Read docs", false));
        assert_eq!(task_status(&text), (2, 1));
        assert!(!set_task(&mut text, "missing", true));
    }
}
