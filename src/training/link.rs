//! Links from a module's item to its issue, or to a new issue opened from the module's template
//! and titled for the person. Every byte of a link that came from the roster or from GitLab is
//! percent-encoded, so a link can neither end early nor turn into other Markdown; the link texts
//! are onboarder's own words. Pure: no IO.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the unreserved characters (RFC 3986: letters, digits, `-._~`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// What an address keeps as it is: the unreserved characters and the delimiters a URL is built
/// of. Spaces, brackets, parentheses, angle brackets, quotes, backslashes, backticks and anything
/// not ASCII are encoded: none can end a Markdown link or mean something to Markdown.
const ADDRESS: &AsciiSet = &QUERY_VALUE
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'%');

/// Percent-encode everything but the unreserved characters: the form a query value takes
/// whatever it holds.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// An address fit for a Markdown link: http or https only, and every character that could end
/// the link or mean something to Markdown percent-encoded.
pub fn safe_url(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    Some(utf8_percent_encode(url, ADDRESS).to_string())
}

/// The page that opens a new issue in the project at `project_url` from the issue template
/// `module`, titled `<name> - <module>` (GitLab reads `issuable_template` and `issue[title]`
/// from the query: doc/user/project/description_templates.md, doc/user/project/issues/create_issues.md).
pub fn new_issue_url(project_url: &str, module: &str, name: &str) -> Option<String> {
    let base = safe_url(project_url.trim_end_matches('/'))?;
    Some(format!(
        "{base}/-/issues/new?issuable_template={}&issue[title]={}",
        encode(module),
        encode(&format!("{name} - {module}"))
    ))
}

/// What an item says after its text: ` ([module issue](url))` for an issue opened, open or
/// closed; ` ([open the module issue](url))` for one not opened yet.
pub fn suffix(opened: bool, url: &str) -> String {
    let text = if opened { "module issue" } else { "open the module issue" };
    format!(" ([{text}]({url}))")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_percent_encoded_whole() {
        assert_eq!(encode("GitLab-com SaaS Basics"), "GitLab-com%20SaaS%20Basics");
        assert_eq!(encode("License & Renewals"), "License%20%26%20Renewals");
        assert_eq!(encode("Diego Ramírez"), "Diego%20Ram%C3%ADrez");
        assert_eq!(encode("a](javascript:x) [b"), "a%5D%28javascript%3Ax%29%20%5Bb");
        assert_eq!(encode("<img src=x>`@all`\n/close"), "%3Cimg%20src%3Dx%3E%60%40all%60%0A%2Fclose");
    }

    #[test]
    fn the_link_that_opens_a_module_issue() {
        let url =
            new_issue_url("https://gitlab.com/gitlab-com/support/support-training/", "GitLab Omnibus", "Dee Diligent");
        assert_eq!(
            url.as_deref(),
            Some(
                "https://gitlab.com/gitlab-com/support/support-training/-/issues/new?issuable_template=GitLab%20Omnibus\
                 &issue[title]=Dee%20Diligent%20-%20GitLab%20Omnibus"
            )
        );
        assert_eq!(new_issue_url("javascript:alert(1)//", "m", "n"), None);
        assert_eq!(new_issue_url("", "m", "n"), None);
    }

    #[test]
    fn an_address_from_gitlab_cannot_break_out_of_its_link() {
        for (given, expected) in [
            ("https://gitlab.example.com/g/p/-/issues/12", Some("https://gitlab.example.com/g/p/-/issues/12")),
            ("http://127.0.0.1:8080/g/p/-/work_items/3", Some("http://127.0.0.1:8080/g/p/-/work_items/3")),
            ("HTTPS://x/a b)[c]<d>\"e`\\", Some("HTTPS://x/a%20b%29%5Bc%5D%3Cd%3E%22e%60%5C")),
            ("javascript:alert(1)", None),
            ("data:text/html,x", None),
            ("/relative", None),
        ] {
            assert_eq!(safe_url(given).as_deref(), expected, "{given:?}");
        }
    }

    #[test]
    fn the_words_after_an_item() {
        assert_eq!(suffix(true, "https://x/1"), " ([module issue](https://x/1))");
        assert_eq!(suffix(false, "https://x/new"), " ([open the module issue](https://x/new))");
    }
}
