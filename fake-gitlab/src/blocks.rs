//! CommonMark-ish block structure: which lines of a text form top-level paragraphs.
//!
//! Only top-level paragraphs can hold quick actions; fenced and indented code, HTML blocks,
//! block quotes (`>` and GitLab's `>>>`), list items (with lazy continuation lines), headings
//! (ATX and setext) and tables cannot.

use crate::markdown::{fence_close, fence_open, indent_of, is_blank};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HtmlEnd {
    Marker(&'static str),
    BlankLine,
}

#[derive(Debug, Clone, Copy)]
enum Block {
    None,
    Paragraph { start: usize },
    Fence { ch: char, len: usize },
    Html { end: HtmlEnd },
    Indented,
    Table,
    MultiQuote,
    Quote { lazy: bool },
    List { content: usize, lazy: bool, blank: bool, fence: Option<(char, usize)> },
}

const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

fn body(line: &str) -> &str {
    line.trim_end_matches('\n')
}

/// Content after at most three spaces of indentation, or None when indented four or more.
fn shallow(line: &str) -> Option<&str> {
    (indent_of(line) < 4).then(|| line.trim_start_matches([' ', '\t']))
}

fn atx_heading(line: &str) -> bool {
    let Some(s) = shallow(line) else { return false };
    let s = body(s);
    let hashes = s.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes) && s[hashes..].chars().next().is_none_or(|c| c == ' ' || c == '\t')
}

fn thematic_break(line: &str) -> bool {
    let Some(s) = shallow(line) else { return false };
    let s = body(s);
    let Some(ch) = s.chars().next().filter(|c| matches!(c, '*' | '-' | '_')) else {
        return false;
    };
    s.chars().filter(|&c| c == ch).count() >= 3 && s.chars().all(|c| c == ch || c == ' ' || c == '\t')
}

fn setext_underline(line: &str) -> bool {
    let Some(s) = shallow(line) else { return false };
    let s = body(s).trim_end();
    !s.is_empty() && (s.chars().all(|c| c == '=') || s.chars().all(|c| c == '-'))
}

fn top_fence_open(line: &str) -> Option<(char, usize)> {
    shallow(line).and_then(fence_open)
}

fn quote_start(line: &str) -> Option<&str> {
    shallow(line)?.strip_prefix('>')
}

fn multi_quote(line: &str) -> bool {
    body(line).trim_end() == ">>>"
}

/// A list item: (content indent, has content, can interrupt a paragraph).
fn list_item(line: &str) -> Option<(usize, bool, bool)> {
    let indent = indent_of(line);
    if indent >= 4 {
        return None;
    }
    let s = body(line.trim_start_matches([' ', '\t']));
    let (marker_len, bullet_or_one) = if s.starts_with(['-', '+', '*']) {
        (1, true)
    } else {
        let digits = s.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 9 || !s[digits..].starts_with(['.', ')']) {
            return None;
        }
        (digits + 1, &s[..digits] == "1")
    };
    let rest = &s[marker_len..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let has_content = !rest.trim().is_empty();
    let spaces = rest.chars().take_while(|&c| c == ' ').count();
    let pad = if !has_content || spaces > 4 { 1 } else { spaces };
    Some((indent + marker_len + pad, has_content, bullet_or_one && has_content))
}

fn html_start(line: &str) -> Option<(u8, HtmlEnd)> {
    let s = body(shallow(line)?);
    let lower = s.to_ascii_lowercase();
    if !lower.starts_with('<') {
        return None;
    }
    for tag in ["script", "pre", "style", "textarea"] {
        if let Some(rest) = lower.strip_prefix('<').and_then(|r| r.strip_prefix(tag)) {
            if rest.is_empty() || rest.starts_with([' ', '\t', '>']) {
                let end: &'static str = match tag {
                    "script" => "</script>",
                    "pre" => "</pre>",
                    "style" => "</style>",
                    _ => "</textarea>",
                };
                return Some((1, HtmlEnd::Marker(end)));
            }
        }
    }
    if lower.starts_with("<!--") {
        return Some((2, HtmlEnd::Marker("-->")));
    }
    if lower.starts_with("<?") {
        return Some((3, HtmlEnd::Marker("?>")));
    }
    if lower.starts_with("<![cdata[") {
        return Some((5, HtmlEnd::Marker("]]>")));
    }
    if lower.starts_with("<!") && lower[2..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some((4, HtmlEnd::Marker(">")));
    }
    let name_from = if lower.starts_with("</") { 2 } else { 1 };
    let name: String = lower[name_from..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = &lower[name_from + name.len()..];
    if !(after.is_empty() || after.starts_with([' ', '\t', '>']) || after.starts_with("/>")) {
        return None;
    }
    if BLOCK_TAGS.contains(&name.as_str()) {
        return Some((6, HtmlEnd::BlankLine));
    }
    // Type 7: a complete tag alone on its line.
    let trimmed = s.trim_end();
    if trimmed.ends_with('>') && !trimmed[1..trimmed.len() - 1].contains(['<', '>']) {
        return Some((7, HtmlEnd::BlankLine));
    }
    None
}

fn table_delimiter(line: &str) -> bool {
    let s = body(line).trim();
    if !s.contains('|') || !s.contains('-') {
        return false;
    }
    let inner = s.trim_start_matches('|').trim_end_matches('|');
    inner.split('|').all(|cell| {
        let c = cell.trim();
        let c = c.strip_prefix(':').unwrap_or(c);
        let c = c.strip_suffix(':').unwrap_or(c);
        !c.is_empty() && c.chars().all(|x| x == '-')
    })
}

/// Whether `line` starts a block that can interrupt a paragraph.
fn interrupts_paragraph(line: &str) -> bool {
    atx_heading(line)
        || top_fence_open(line).is_some()
        || quote_start(line).is_some()
        || thematic_break(line)
        || list_item(line).is_some_and(|(_, _, interrupts)| interrupts)
        || html_start(line).is_some_and(|(kind, _)| kind <= 6)
}

/// Whether a line inside a container is paragraph text that later lines may lazily continue.
fn lazy_text(content: &str) -> bool {
    !is_blank(content)
        && top_fence_open(content).is_none()
        && !atx_heading(content)
        && !thematic_break(content)
        && html_start(content).is_none()
}

/// Inclusive line ranges of the top-level paragraphs.
pub(crate) fn top_level_paragraphs(lines: &[String]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut block = Block::None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].as_str();
        let mut reprocess = false;
        block = match block {
            Block::Fence { ch, len } => {
                if shallow(line).is_some_and(|s| fence_close(s, ch, len)) {
                    Block::None
                } else {
                    block
                }
            }
            Block::Html { end } => match end {
                HtmlEnd::BlankLine if is_blank(line) => Block::None,
                HtmlEnd::Marker(m) if line.to_ascii_lowercase().contains(m) => Block::None,
                _ => block,
            },
            Block::MultiQuote => {
                if multi_quote(line) {
                    Block::None
                } else {
                    block
                }
            }
            Block::Indented => {
                if is_blank(line) || indent_of(line) >= 4 {
                    block
                } else {
                    reprocess = true;
                    Block::None
                }
            }
            Block::Table => {
                if is_blank(line) {
                    Block::None
                } else if interrupts_paragraph(line) {
                    reprocess = true;
                    Block::None
                } else {
                    block
                }
            }
            Block::Quote { lazy } => {
                if let Some(content) = quote_start(line) {
                    Block::Quote { lazy: lazy_text(content) }
                } else if is_blank(line) {
                    Block::None
                } else if lazy && !interrupts_paragraph(line) {
                    block
                } else {
                    reprocess = true;
                    Block::None
                }
            }
            Block::List { content, lazy, blank, fence } => {
                let indented = indent_of(line) >= content;
                if let Some((ch, len)) = fence {
                    if is_blank(line) || indented {
                        let closed = fence_close(line, ch, len);
                        Block::List { content, lazy: false, blank: false, fence: (!closed).then_some((ch, len)) }
                    } else {
                        reprocess = true;
                        Block::None
                    }
                } else if is_blank(line) {
                    Block::List { content, lazy: false, blank: true, fence: None }
                } else if indented {
                    let inner = line.trim_start_matches([' ', '\t']);
                    Block::List { content, lazy: lazy_text(inner), blank: false, fence: fence_open(inner) }
                } else if let Some((content, has_text, _)) = list_item(line).filter(|_| !thematic_break(line)) {
                    Block::List { content, lazy: has_text, blank: false, fence: None }
                } else if !blank && lazy && !interrupts_paragraph(line) {
                    block
                } else {
                    reprocess = true;
                    Block::None
                }
            }
            Block::Paragraph { start } => {
                if is_blank(line) {
                    out.push((start, i - 1));
                    Block::None
                } else if setext_underline(line) {
                    // The paragraph was a heading.
                    Block::None
                } else if table_delimiter(line) && lines[i - 1].contains('|') {
                    if i - 1 > start {
                        out.push((start, i - 2));
                    }
                    Block::Table
                } else if interrupts_paragraph(line) {
                    out.push((start, i - 1));
                    reprocess = true;
                    Block::None
                } else {
                    block
                }
            }
            Block::None => start_block(line, i),
        };
        if reprocess {
            block = start_block(line, i);
        }
        i += 1;
    }
    if let Block::Paragraph { start } = block {
        out.push((start, lines.len() - 1));
    }
    out
}

fn start_block(line: &str, i: usize) -> Block {
    if is_blank(line) {
        return Block::None;
    }
    if indent_of(line) >= 4 {
        return Block::Indented;
    }
    if let Some((ch, len)) = top_fence_open(line) {
        return Block::Fence { ch, len };
    }
    if multi_quote(line) && !line.starts_with([' ', '\t']) {
        return Block::MultiQuote;
    }
    if let Some(content) = quote_start(line) {
        return Block::Quote { lazy: lazy_text(content) };
    }
    if atx_heading(line) || thematic_break(line) {
        return Block::None;
    }
    if let Some((content, has_text, _)) = list_item(line) {
        return Block::List { content, lazy: has_text, blank: false, fence: None };
    }
    if let Some((_, end)) = html_start(line) {
        let done = match end {
            HtmlEnd::Marker(m) => {
                // The end marker may sit on the opening line itself (after the opener).
                let lower = line.to_ascii_lowercase();
                let skip = if m == "-->" { 4 } else { 2 };
                lower.get(skip..).is_some_and(|rest| rest.contains(m))
            }
            HtmlEnd::BlankLine => false,
        };
        return if done { Block::None } else { Block::Html { end } };
    }
    Block::Paragraph { start: i }
}
