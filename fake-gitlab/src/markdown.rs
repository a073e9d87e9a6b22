//! Small Markdown helpers: fenced code blocks, HTML comments, code spans and URLs as byte masks.

/// Lines of `text` with their byte offsets; each line keeps its trailing `\n`.
pub(crate) fn lines_with_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        out.push((start, line));
        start += line.len();
    }
    out
}

/// Leading indentation in columns (a tab counts to the next multiple of 4).
pub(crate) fn indent_of(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col += 4 - col % 4,
            _ => break,
        }
    }
    col
}

pub(crate) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// An opening code fence (``` or ~~~, three or more) after any indentation: `(char, length)`.
pub(crate) fn fence_open(line: &str) -> Option<(char, usize)> {
    let rest = line.trim_start_matches([' ', '\t']);
    let ch = rest.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let len = rest.chars().take_while(|&c| c == ch).count();
    if len < 3 {
        return None;
    }
    let info = &rest[len..];
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((ch, len))
}

/// Whether `line` closes a fence opened with `len` times `ch`.
pub(crate) fn fence_close(line: &str, ch: char, len: usize) -> bool {
    let rest = line.trim_start_matches([' ', '\t']);
    let run = rest.chars().take_while(|&c| c == ch).count();
    run >= len && rest[run..].trim().is_empty()
}

/// True for every byte inside a fenced code block (fence lines included) or an HTML comment.
pub(crate) fn code_and_comment_mask(text: &str) -> Vec<bool> {
    let mut mask = vec![false; text.len()];
    let mut fence: Option<(char, usize)> = None;
    let mut in_comment = false;
    for (start, line) in lines_with_offsets(text) {
        let end = start + line.len();
        if let Some((ch, len)) = fence {
            mask[start..end].fill(true);
            if fence_close(line, ch, len) {
                fence = None;
            }
            continue;
        }
        let mut pos = 0;
        if in_comment {
            match line.find("-->") {
                Some(k) => {
                    mask[start..start + k + 3].fill(true);
                    in_comment = false;
                    pos = k + 3;
                }
                None => {
                    mask[start..end].fill(true);
                    continue;
                }
            }
        } else if let Some(f) = fence_open(line) {
            fence = Some(f);
            mask[start..end].fill(true);
            continue;
        }
        while let Some(k) = line[pos..].find("<!--") {
            let open = pos + k;
            match line[open + 4..].find("-->") {
                Some(c) => {
                    let close = open + 4 + c + 3;
                    mask[start + open..start + close].fill(true);
                    pos = close;
                }
                None => {
                    mask[start + open..end].fill(true);
                    in_comment = true;
                    break;
                }
            }
        }
    }
    mask
}

/// `code_and_comment_mask` plus inline code spans and URLs: where references are not references.
pub(crate) fn reference_mask(text: &str) -> Vec<bool> {
    let mut mask = code_and_comment_mask(text);
    mask_code_spans(text, &mut mask);
    mask_urls(text, &mut mask);
    mask
}

fn mask_code_spans(text: &str, mask: &mut [bool]) {
    let b = text.as_bytes();
    let run_at = |i: usize, mask: &[bool]| {
        let mut j = i;
        while j < b.len() && b[j] == b'`' && !mask[j] {
            j += 1;
        }
        j - i
    };
    let mut i = 0;
    while i < b.len() {
        if mask[i] || b[i] != b'`' || (i > 0 && b[i - 1] == b'\\') {
            i += 1;
            continue;
        }
        let n = run_at(i, mask);
        let mut j = i + n;
        let mut closing = None;
        while j < b.len() {
            if b[j] == b'\n' && paragraph_ends_after(b, j) {
                break;
            }
            if b[j] == b'`' && !mask[j] {
                let m = run_at(j, mask);
                if m == n {
                    closing = Some(j + m);
                    break;
                }
                j += m.max(1);
                continue;
            }
            j += 1;
        }
        match closing {
            Some(end) => {
                mask[i..end].fill(true);
                i = end;
            }
            None => i += n,
        }
    }
}

/// Whether the newline at `nl` is followed by a blank line (a code span cannot cross it).
fn paragraph_ends_after(b: &[u8], nl: usize) -> bool {
    let mut k = nl + 1;
    while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
        k += 1;
    }
    k >= b.len() || b[k] == b'\n'
}

fn mask_urls(text: &str, mask: &mut [bool]) {
    let b = text.as_bytes();
    let stop = |c: u8| c.is_ascii_whitespace() || matches!(c, b'(' | b')' | b'<' | b'>' | b'"' | b'\'' | b'[' | b']');
    let mut from = 0;
    while let Some(k) = text[from..].find("://") {
        let at = from + k;
        let mut s = at;
        while s > 0 && !stop(b[s - 1]) {
            s -= 1;
        }
        let mut e = at + 3;
        while e < b.len() && !stop(b[e]) {
            e += 1;
        }
        if s < at {
            mask[s..e].fill(true);
        }
        from = e.max(at + 3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str, mask: &[bool]) -> String {
        text.bytes().zip(mask).map(|(c, &m)| if m && c != b'\n' { '_' } else { c as char }).collect()
    }

    #[test]
    fn fences_and_comments_are_masked() {
        let text = "a\n```\ncode\n```\nb <!-- c --> d\n<!--\nx\n-->e\n~~~~\ny\n~~~\nz\n~~~~\nf";
        let m = code_and_comment_mask(text);
        assert_eq!(masked(text, &m), "a\n___\n____\n___\nb __________ d\n____\n_\n___e\n____\n_\n___\n_\n____\nf");
    }

    #[test]
    fn code_spans_and_urls_are_masked() {
        let text = "x `@a` y ``b ` c`` \\`@d` see https://h.example/@e ok";
        let m = reference_mask(text);
        assert_eq!(masked(text, &m), "x ____ y _________ \\`@d` see ____________________ ok");
    }

    #[test]
    fn unclosed_code_span_masks_nothing() {
        let text = "a `b\n\nc` d";
        let m = reference_mask(text);
        assert!(m.iter().all(|&x| !x));
    }
}
