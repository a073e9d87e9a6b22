//! Finds `@user`, `@group/sub`, `@all` and `#123` references the way GitLab's reference filters see them.

use crate::markdown::reference_mask;

/// A reference: kind (`"user"` or `"issue"`) and the text as written.
pub(crate) type Reference = (&'static str, String);

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Length of a namespace path segment at the start of `b` (GitLab's NAMESPACE_FORMAT_REGEX:
/// letters, digits, `_`, `-`, `.`; not starting with `-`, not ending with `.`).
fn segment_len(b: &[u8]) -> usize {
    if b.is_empty() || b[0] == b'-' {
        return 0;
    }
    let mut n = b.iter().take_while(|&&c| is_name_byte(c)).count();
    while n > 0 && b[n - 1] == b'.' {
        n -= 1;
    }
    n
}

/// Every reference in `text` outside code, HTML comments and URLs, not escaped with `\`
/// and not glued to a preceding word character (so `a@b.com` is no mention).
pub(crate) fn scan(text: &str) -> Vec<Reference> {
    let mask = reference_mask(text);
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if mask[i] || (c != b'@' && c != b'#') {
            i += 1;
            continue;
        }
        let prev = text[..i].chars().next_back();
        if prev.is_some_and(|p| is_word(p) || p == '\\' || p == '&' || p == '@' || p == '#') {
            i += 1;
            continue;
        }
        if c == b'@' {
            let mut end = i + 1;
            let first = segment_len(&b[end..]);
            if first == 0 {
                i += 1;
                continue;
            }
            end += first;
            while end < b.len() && b[end] == b'/' {
                let more = segment_len(&b[end + 1..]);
                if more == 0 {
                    break;
                }
                end += 1 + more;
            }
            if mask[i..end].iter().all(|&m| !m) {
                out.push(("user", text[i..end].to_string()));
            }
            i = end;
        } else {
            let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
            if digits > 0 {
                out.push(("issue", text[i..i + 1 + digits].to_string()));
            }
            i += 1 + digits;
        }
    }
    out
}

/// References in `new` that `old` did not already have (GitLab notifies only new mentions).
pub(crate) fn added(old: &str, new: &str) -> Vec<Reference> {
    let before: Vec<String> = scan(old).into_iter().map(|(_, t)| t.to_lowercase()).collect();
    let mut seen = Vec::new();
    scan(new)
        .into_iter()
        .filter(|(_, t)| {
            let key = t.to_lowercase();
            if before.contains(&key) || seen.contains(&key) {
                return false;
            }
            seen.push(key);
            true
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        scan(text).into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn finds_users_groups_and_issues() {
        assert_eq!(
            texts("hi @alice, @all and @gitlab-com/support. See #12 (#3)."),
            ["@alice", "@all", "@gitlab-com/support", "#12", "#3"]
        );
    }

    #[test]
    fn skips_code_comments_escapes_and_emails() {
        let text = "`@a` a@b.com \\@c \\#4 <!-- @d #5 --> x#6 https://h.example/@e\n```\n@f #7\n```\n&#8; @@g";
        assert!(texts(text).is_empty(), "{:?}", texts(text));
    }

    #[test]
    fn added_only_reports_new_references() {
        let got = added("cc @alice #1", "cc @Alice #1 @bob @bob #2");
        assert_eq!(got, vec![("user", "@bob".to_string()), ("issue", "#2".to_string())]);
    }
}
