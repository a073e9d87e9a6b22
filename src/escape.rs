//! Markdown-aware escaping: a roster value renders as one line of inert text, never as structure.
//!
//! GitLab runs quick actions (`/close`) from descriptions created through the API, notifies on
//! `@mentions`, cross-links `#123`, and our own state lives in HTML comments. A value from the
//! roster must do none of that, wherever the template puts it.

/// Characters that reorder or hide text (bidi controls, zero-width marks): removed.
fn is_hidden_control(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' | '\u{061C}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Does this word make GitLab create a mention or a cross-reference?
fn is_reference(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        match c {
            '@' => true,
            '#' | '!' | '&' | '$' => next.is_ascii_digit(),
            '~' | '%' => next.is_alphanumeric() || next == '"',
            _ => false,
        }
    })
}

/// A code span holding `word` literally, whatever backticks it contains.
fn code_span(word: &str) -> String {
    let longest = word.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if word.starts_with('`') || word.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{word}{pad}{fence}")
}

/// Backslash-escape what Markdown or HTML would read as markup.
fn escape_word(word: &str, out: &mut String) {
    let mut prev = '\0';
    for c in word.chars() {
        match c {
            // `&` too: `&#x40;all`, `&#64;all` or `&commat;all` would render as `@all`.
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '{' | '}' | '&' => {
                out.push('\\');
                out.push(c);
            }
            // Never let a value write `--`, which could end our HTML comments.
            '-' if prev == '-' => out.push_str("\\-"),
            _ => out.push(c),
        }
        prev = c;
    }
}

/// GitLab's username rule: letters, digits, `_`, `.`, `-`; not starting with `.`/`-`. (The base
/// holds it: the config names users too, and it may not import the roster.)
pub fn is_valid_username(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 255
        && u.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !u.starts_with(['.', '-'])
        && !u.ends_with('.')
        && !u.ends_with(".git")
        && !u.ends_with(".atom")
}

/// Render a roster value as inert Markdown: one line, no quick action, mention, reference,
/// HTML, heading, list or task item, whatever it contains.
pub fn inert(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .filter(|c| !is_hidden_control(*c))
        .map(|c| if c.is_control() || c == '\u{2028}' || c == '\u{2029}' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(cleaned.len() + 8);
    for (i, word) in cleaned.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if is_reference(word) {
            out.push_str(&code_span(word));
            continue;
        }
        let start = out.len();
        escape_word(word, &mut out);
        if i == 0 {
            escape_line_start(&mut out, start);
        }
    }
    out
}

/// The value may be placed at the start of a line: make sure it cannot start a block there.
fn escape_line_start(out: &mut String, start: usize) {
    let first = out[start..].chars().next();
    match first {
        Some('/' | '#' | '>' | '-' | '+' | '=' | '~') if !out[start..].starts_with('\\') => {
            out.insert(start, '\\');
        }
        Some(c) if c.is_ascii_digit() => {
            // "1." or "1)" would start an ordered list.
            let digits = out[start..].chars().take_while(char::is_ascii_digit).count();
            let after = start + digits;
            if matches!(out[after..].chars().next(), Some('.' | ')')) {
                out.insert(after, '\\');
            }
        }
        _ => {}
    }
}

/// A web address GitLab gave, for a Markdown link: the address itself when it is a plain
/// `http(s)` address with nothing that could end the link or add markup, else inert text.
pub fn web_url(url: &str) -> String {
    let plain = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(|c: char| c.is_whitespace() || c.is_control() || "()<>[]`\"'\\".contains(c));
    if plain {
        url.to_string()
    } else {
        inert(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_values() {
        let table = [
            ("Jane Doe", "Jane Doe"),
            ("Zoë O'Brien-Smith", "Zoë O'Brien-Smith"),
            ("/close", "\\/close"),
            ("x\n/assign @someone", "x /assign `@someone`"),
            ("@all", "`@all`"),
            ("see #123", "see `#123`"),
            ("<!-- onboarder:end -->", "\\<!-\\- onboarder:end -\\-\\>"),
            ("-->", "\\-\\-\\>"),
            ("## Heading", "\\## Heading"),
            ("- [x] fake", "\\- \\[x\\] fake"),
            ("1. [ ] fake", "1\\. \\[ \\] fake"),
            ("{{person.name}}", "\\{\\{person.name\\}\\}"),
            ("a\u{202E}evil\u{200B}x", "aevilx"),
            ("back`tick@x", "``back`tick@x``"),
            ("~label and %milestone", "`~label` and `%milestone`"),
            ("R&D team", "R\\&D team"),
            // Bug pinned: an entity or character reference rendered as `@all`, `#123`, `<!--`.
            ("&#x40;all", "\\&#x40;all"),
            ("&#64;all", "`&#64;all`"),
            ("&commat;all", "\\&commat;all"),
            ("&#X40;all", "\\&#X40;all"),
            ("&#x23;123", "\\&#x23;123"),
            ("&num;123", "\\&num;123"),
            ("&sol;close", "\\&sol;close"),
            ("&#47;close", "`&#47;close`"),
            ("&lt;!-- x", "\\&lt;!-\\- x"),
            ("&amp;#x40;all", "\\&amp;#x40;all"),
            ("&tilde;label", "\\&tilde;label"),
            ("  spaced\tout  ", "spaced out"),
        ];
        for (input, want) in table {
            assert_eq!(inert(input), want, "{input:?}");
        }
    }
}
