//! Task lists: parse and write GitLab checklist items, each with a stable id.
//!
//! Pure: no IO. An item line looks like `- [ ] text <!-- id: some-id -->`; the id comment is what
//! lets a person's tick survive a template edit.

use std::collections::BTreeMap;

/// The state of one checkbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mark {
    Open,
    Done,
    /// `[~]`: marked inapplicable by a person (GitLab 15.3+).
    Skipped,
}

impl Mark {
    pub fn from_char(c: char) -> Option<Mark> {
        match c {
            ' ' => Some(Mark::Open),
            'x' | 'X' => Some(Mark::Done),
            '~' => Some(Mark::Skipped),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        match self {
            Mark::Open => ' ',
            Mark::Done => 'x',
            Mark::Skipped => '~',
        }
    }
}

/// One item of a path as progress judges it: its stage, its mark, and whether it may hold the
/// stage back (an optional item never does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedItem {
    pub stage: usize,
    pub mark: Mark,
    pub optional: bool,
}

impl StagedItem {
    /// A required item (most are).
    pub fn required(stage: usize, mark: Mark) -> StagedItem {
        StagedItem { stage, mark, optional: false }
    }
}

/// A task-list item found on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine<'a> {
    /// Everything before the checkbox: indentation and the bullet (`- `, `1. `).
    pub lead: &'a str,
    pub mark: Mark,
    /// The item's text, without the checkbox and without our trailing comments.
    pub text: &'a str,
    pub id: Option<&'a str>,
    pub module: Option<&'a str>,
    /// `<!-- optional -->`: the item never holds a stage back (see `progress`).
    pub optional: bool,
}

/// Read a task item from one line, or `None` if the line is not one.
pub fn parse_task_line(line: &str) -> Option<TaskLine<'_>> {
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    let rest = &line[indent..];
    let after_bullet = if let Some(r) = rest.strip_prefix(['-', '*', '+']) {
        r
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        rest[digits..].strip_prefix(['.', ')'])?
    };
    let spaces = after_bullet.len() - after_bullet.trim_start_matches(' ').len();
    if spaces == 0 || spaces > 4 {
        return None;
    }
    let boxed = &after_bullet[spaces..];
    let bytes = boxed.as_bytes();
    if bytes.len() < 3 || bytes[0] != b'[' || bytes[2] != b']' {
        return None;
    }
    let mark = Mark::from_char(bytes[1] as char)?;
    let after_box = &boxed[3..];
    if !(after_box.is_empty() || after_box.starts_with([' ', '\t'])) {
        return None;
    }
    let lead = &line[..line.len() - boxed.len()];
    let (text, id, module, optional) = split_comments(after_box.trim());
    Some(TaskLine { lead, mark, text, id, module, optional })
}

/// Split `text <!-- id: x --> <!-- module: y --> <!-- optional -->` into its parts.
fn split_comments(s: &str) -> (&str, Option<&str>, Option<&str>, bool) {
    let mut text = s;
    let mut id = None;
    let mut module = None;
    let mut optional = false;
    while let Some(stripped) = text.strip_suffix("-->") {
        // A char search is far cheaper than a substring search, and this runs for every item.
        let Some(open) = last_comment_open(stripped) else { break };
        let inner = stripped[open + 4..].trim();
        if let Some(v) = inner.strip_prefix("id:") {
            id = Some(v.trim());
        } else if let Some(v) = inner.strip_prefix("module:") {
            module = Some(v.trim());
        } else if inner == "optional" {
            optional = true;
        } else {
            break;
        }
        text = stripped[..open].trim_end();
    }
    (text, id, module, optional)
}

/// Where the last `<!--` in `s` starts.
fn last_comment_open(s: &str) -> Option<usize> {
    let mut end = s.len();
    while let Some(i) = s[..end].rfind('<') {
        if s[i..].starts_with("<!--") {
            return Some(i);
        }
        end = i;
    }
    None
}

/// Is `id` a well-formed item id: lowercase words joined by single dashes?
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// An id derived from an item's text: its first words, lowercased and joined by dashes.
pub fn derive_id(text: &str) -> String {
    // Link targets change more often than the words people read; ignore them.
    let mut plain = String::with_capacity(text.len());
    let mut skip_depth = 0usize;
    let mut prev = ' ';
    for c in text.chars() {
        match c {
            '(' if prev == ']' => skip_depth += 1,
            ')' if skip_depth > 0 => skip_depth -= 1,
            _ if skip_depth > 0 => {}
            _ => plain.push(c),
        }
        prev = c;
    }
    let mut id = String::new();
    for word in plain.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_ascii_lowercase();
        if id.len() + word.len() + 1 > 48 {
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(&word);
    }
    id
}

/// Write an item line with the given mark and id.
pub fn write_task_line(out: &mut String, lead: &str, mark: Mark, text: &str, id: &str) {
    out.push_str(lead);
    out.push('[');
    out.push(mark.as_char());
    out.push_str("] ");
    out.push_str(text);
    out.push_str(" <!-- id: ");
    out.push_str(id);
    out.push_str(" -->");
}

/// Tracks fenced code blocks, where task items and headings are only text.
#[derive(Default)]
pub struct Fences {
    open: Option<(char, usize)>,
}

impl Fences {
    /// Feed one line; true when the line is inside (or delimits) a fenced code block.
    pub fn in_code(&mut self, line: &str) -> bool {
        let t = line.trim_start();
        let fence_char = t.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence_char.map_or(0, |c| t.chars().take_while(|x| *x == c).count());
        match (self.open, fence_char) {
            (None, Some(c)) if run >= 3 => {
                self.open = Some((c, run));
                true
            }
            (Some((c, n)), Some(f)) if f == c && run >= n && t.trim_end().chars().all(|x| x == c) => {
                self.open = None;
                true
            }
            (Some(_), _) => true,
            _ => false,
        }
    }
}

/// The items of a Markdown text with their marks, keyed by id (explicit or derived).
pub fn marks_of(text: &str) -> BTreeMap<String, Mark> {
    let mut fences = Fences::default();
    text.lines()
        .filter(|l| !fences.in_code(l))
        .filter_map(parse_task_line)
        .map(|t| (t.id.map_or_else(|| derive_id(t.text), str::to_string), t.mark))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_lines() {
        let t = parse_task_line("- [ ] Read the handbook <!-- id: read-handbook -->").unwrap();
        assert_eq!(
            (t.lead, t.mark, t.text, t.id, t.module),
            ("- ", Mark::Open, "Read the handbook", Some("read-handbook"), None)
        );
        let t = parse_task_line("  1. [X] Done <!-- id: a --> <!-- module: GitLab-com SaaS Basics -->").unwrap();
        assert_eq!(
            (t.lead, t.mark, t.text, t.id, t.module),
            ("  1. ", Mark::Done, "Done", Some("a"), Some("GitLab-com SaaS Basics"))
        );
        let t = parse_task_line("* [~] n/a").unwrap();
        assert_eq!((t.mark, t.text, t.id), (Mark::Skipped, "n/a", None));
        assert_eq!(parse_task_line("+ [x]").map(|t| t.mark), Some(Mark::Done));
        assert_eq!(parse_task_line("1) [ ] paren").map(|t| t.text), Some("paren"));
        for not_item in ["- [] x", "-[ ] x", "- [y] x", "text - [ ] x", "- [ ]x", "[ ] x", "- x"] {
            assert_eq!(parse_task_line(not_item), None, "{not_item}");
        }
    }

    #[test]
    fn derived_ids() {
        assert_eq!(
            derive_id("You understand GitLab's mission, vision, values"),
            "you-understand-gitlab-s-mission-vision-values"
        );
        assert_eq!(derive_id("Read the [handbook](https://example.com/a-b) now"), "read-the-handbook-now");
        assert_eq!(derive_id("a ".repeat(40).as_str()).len(), 47);
        assert_eq!(derive_id("!!!"), "");
        assert!(is_valid_id(&derive_id("Hello, World 2")));
        assert!(!is_valid_id("a--b") && !is_valid_id("A") && !is_valid_id("-a") && !is_valid_id(""));
    }

    #[test]
    fn items_in_code_blocks_are_not_tasks() {
        let text = "- [x] real <!-- id: real -->\n```\n- [ ] fake <!-- id: fake -->\n```\n~~~~\n- [ ] also\n~~~~\n";
        let marks = marks_of(text);
        assert_eq!(marks.into_iter().collect::<Vec<_>>(), vec![("real".to_string(), Mark::Done)]);
    }
}
