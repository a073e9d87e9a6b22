//! The plain text of one line of inline Markdown, as GitLab reads it from the rendered HTML: what
//! a task item's system note names (`Banzai::Filter::TaskListFilter.text_for_task_item_from_input`,
//! lib/banzai/filter/task_list_filter.rb, joins the `text` of the nodes after the checkbox).
//!
//! Rendered that way, emphasis and link markup disappear, code spans keep their content, raw HTML
//! tags vanish, and an HTML comment gives its content (Nokogiri's `text` of a comment node), so
//! `Read <!-- id: a -->` reads `Read  id: a `. An approximation of CommonMark's inline rules that
//! covers what checklists hold; reference-style links and images' alt text are not modelled.

/// A run of `*`, `_` or `~` that may open or close emphasis (or strikethrough).
struct Delim {
    ch: char,
    left: usize,
    can_open: bool,
    can_close: bool,
}

enum Piece {
    Text(String),
    Delim(Delim),
}

fn is_punct(c: Option<char>) -> bool {
    c.is_some_and(|c| !c.is_alphanumeric() && !c.is_whitespace())
}

fn is_space(c: Option<char>) -> bool {
    c.is_none_or(char::is_whitespace)
}

/// The delimiter run of `ch` starting at `chars[i]`, with CommonMark's flanking rules.
fn delim(chars: &[char], i: usize, ch: char) -> (Delim, usize) {
    let len = chars[i..].iter().take_while(|&&c| c == ch).count();
    let prev = i.checked_sub(1).map(|p| chars[p]);
    let next = chars.get(i + len).copied();
    let left = !is_space(next) && (!is_punct(next) || is_space(prev) || is_punct(prev));
    let right = !is_space(prev) && (!is_punct(prev) || is_space(next) || is_punct(next));
    let (can_open, can_close) = match ch {
        // Intraword underscores are not emphasis.
        '_' => (left && (!right || is_punct(prev)), right && (!left || is_punct(next))),
        // GFM strikethrough: one or two tildes.
        '~' if len > 2 => (false, false),
        _ => (left, right),
    };
    (Delim { ch, left: len, can_open, can_close }, len)
}

/// Where the code span opened by `n` backticks at `start` closes: the index after the closing run.
fn code_span_end(chars: &[char], start: usize, n: usize) -> Option<usize> {
    let mut i = start;
    while i < chars.len() {
        if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            if run == n {
                return Some(i + run);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// A code span's content: line ends become spaces, one space is stripped from each side when
/// both are there and the content is not all spaces (CommonMark 6.1).
fn code_span_text(inner: &str) -> String {
    let inner = inner.replace('\n', " ");
    let all_spaces = inner.chars().all(|c| c == ' ');
    match inner.strip_prefix(' ').and_then(|s| s.strip_suffix(' ')) {
        Some(s) if !all_spaces => s.to_string(),
        _ => inner,
    }
}

/// The index just after the `]` closing the bracket opened at `open`, nesting counted.
fn bracket_end(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just after the `)` of a link destination starting with `(` at `open`.
fn paren_end(chars: &[char], open: usize) -> Option<usize> {
    if chars.get(open) != Some(&'(') {
        return None;
    }
    let mut depth = 0usize;
    for (k, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Raw HTML at `<`: a comment gives its content, an autolink its address, a tag nothing.
/// Returns the text and the index after it, or `None` when `<` is a literal.
fn html_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    let rest: String = chars[i..].iter().collect();
    if let Some(body) = rest.strip_prefix("<!--") {
        let end = body.find("-->")?;
        return Some((body[..end].to_string(), i + 4 + body[..end].chars().count() + 3));
    }
    let close = rest.find('>')?;
    let inner = &rest[1..close];
    let after = i + inner.chars().count() + 2;
    let is_scheme = |s: &str| {
        s.len() >= 2
            && s.len() <= 32
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    };
    // Only a tag may hold spaces (between attributes).
    let autolink = !inner.contains([' ', '<', '\n'])
        && (inner.split_once(':').is_some_and(|(scheme, _)| is_scheme(scheme)) || inner.contains('@'));
    if autolink {
        return Some((inner.to_string(), after));
    }
    let name = inner.strip_prefix('/').unwrap_or(inner);
    let tag_name_len = name.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').count();
    let is_tag = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name[tag_name_len..].chars().next().is_none_or(|c| c.is_whitespace() || c == '/');
    is_tag.then(|| (String::new(), after))
}

/// `&amp;`, `&lt;`, `&#35;` and friends: the character and the index after the entity (only the
/// common named entities are known; others stay as written).
fn entity_at(chars: &[char], i: usize) -> Option<(char, usize)> {
    let end = chars[i..].iter().take(12).position(|&c| c == ';')? + i;
    let name: String = chars[i + 1..end].iter().collect();
    let c = match name.as_str() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        n => {
            let code = match n.strip_prefix('#') {
                Some(hex) if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16).ok()?,
                Some(dec) => dec.parse().ok()?,
                None => return None,
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

fn tokenize(chars: &[char]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let flush = |text: &mut String, pieces: &mut Vec<Piece>| {
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(text)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                text.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let n = chars[i..].iter().take_while(|&&c| c == '`').count();
                match code_span_end(chars, i + n, n) {
                    Some(end) => {
                        let inner: String = chars[i + n..end - n].iter().collect();
                        text.push_str(&code_span_text(&inner));
                        i = end;
                    }
                    None => {
                        text.extend(std::iter::repeat_n('`', n));
                        i += n;
                    }
                }
            }
            '<' => match html_at(chars, i) {
                Some((t, end)) => {
                    text.push_str(&t);
                    i = end;
                }
                None => {
                    text.push(c);
                    i += 1;
                }
            },
            '&' => match entity_at(chars, i) {
                Some((e, end)) => {
                    text.push(e);
                    i = end;
                }
                None => {
                    text.push(c);
                    i += 1;
                }
            },
            '!' | '[' => {
                let open = if c == '!' { i + 1 } else { i };
                let link = (chars.get(open) == Some(&'['))
                    .then(|| bracket_end(chars, open))
                    .flatten()
                    .and_then(|close| paren_end(chars, close).map(|end| (close, end)));
                match link {
                    // An image shows no text; a link shows its own.
                    Some((_, end)) if c == '!' => i = end,
                    Some((close, end)) => {
                        let inner: String = chars[open + 1..close - 1].iter().collect();
                        text.push_str(&plain_text(&inner));
                        i = end;
                    }
                    None => {
                        text.push(c);
                        i += 1;
                    }
                }
            }
            '*' | '_' | '~' => {
                let (d, len) = delim(chars, i, c);
                flush(&mut text, &mut pieces);
                pieces.push(Piece::Delim(d));
                i += len;
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    flush(&mut text, &mut pieces);
    pieces
}

/// Pairs closers with openers of the same character (strikethrough runs must match in length)
/// and uses up the delimiters they consume, as CommonMark's delimiter algorithm does.
fn match_delims(pieces: &mut [Piece]) {
    let mut openers: Vec<usize> = Vec::new();
    for k in 0..pieces.len() {
        let Piece::Delim(d) = &pieces[k] else { continue };
        let (ch, can_open, can_close) = (d.ch, d.can_open, d.can_close);
        if can_close {
            while let Some(pos) = openers.iter().rposition(|&o| match &pieces[o] {
                Piece::Delim(od) => od.ch == ch && od.left > 0 && (ch != '~' || od.left == pieces_left(&pieces[k])),
                Piece::Text(_) => false,
            }) {
                let o = openers[pos];
                let closer_left = pieces_left(&pieces[k]);
                if closer_left == 0 {
                    break;
                }
                let take = if pieces_left(&pieces[o]) >= 2 && closer_left >= 2 { 2 } else { 1 };
                for idx in [o, k] {
                    if let Piece::Delim(d) = &mut pieces[idx] {
                        d.left -= take;
                    }
                }
                // Openers between the pair can no longer match anything after it.
                openers.truncate(pos + 1);
                if pieces_left(&pieces[o]) == 0 {
                    openers.pop();
                }
            }
        }
        if can_open && pieces_left(&pieces[k]) > 0 {
            openers.push(k);
        }
    }
}

fn pieces_left(p: &Piece) -> usize {
    match p {
        Piece::Delim(d) => d.left,
        Piece::Text(_) => 0,
    }
}

/// The text a browser shows for `markdown` (one line of inline content).
pub(crate) fn plain_text(markdown: &str) -> String {
    let chars: Vec<char> = markdown.chars().collect();
    let mut pieces = tokenize(&chars);
    match_delims(&mut pieces);
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(&t),
            Piece::Delim(d) => out.extend(std::iter::repeat_n(d.ch, d.left)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_goes_and_text_stays() {
        let cases = [
            ("Read the guide <!-- id: read-guide -->", "Read the guide  id: read-guide "),
            ("**Bold** and _em_ and ~~gone~~", "Bold and em and gone"),
            ("a `code *span*` b", "a code *span* b"),
            ("[the docs](https://example.com/x_(y)) now", "the docs now"),
            ("![logo](a.png)text", "text"),
            ("<https://gitlab.com> or <b>bold</b>", "https://gitlab.com or bold"),
            (r"\#4 and a \*star\*", "#4 and a *star*"),
            ("snake_case_name and 2 * 3 * 4", "snake_case_name and 2 * 3 * 4"),
            ("AT&amp;T &#35;1 a < b", "AT&T #1 a < b"),
            ("**unclosed and *nested **bold** em*", "**unclosed and nested bold em"),
        ];
        for (md, want) in cases {
            assert_eq!(plain_text(md), want, "{md}");
        }
    }
}
