//! `search` and `in` on the issue list, the way IssuableFinder#by_search matches
//! (app/finders/issuable_finder.rb).
//!
//! A query of Latin text (`FULL_TEXT_SEARCH_TERM_REGEX`) runs as PostgreSQL full-text search over
//! the title (weight A) and description (weight B) (app/models/concerns/
//! pg_full_text_searchable.rb, `build_tsquery`): characters other than letters, digits, space and
//! `. @ / - _ "` become spaces, the query splits on spaces (a `"quoted phrase"` stays whole), and
//! every term must match: a plain term as a prefix of a word (`term:*`), a phrase as its words in
//! a row. English stop words count for nothing on either side. Case does not matter. `in=title`
//! or `in=description` restricts the weights; anything else searches both. Not modelled: the
//! English stemmer (GitLab finds `onboarder` for `onboarding`, the fake does not), accent folding,
//! and PostgreSQL's parsing of paths, hosts and hyphenated words (the fake splits them into words).
//!
//! Any other query (Cyrillic, CJK, ...) runs as `Issuable.full_search` (lib/gitlab/sql/pattern.rb):
//! in each searched column every word of three or more characters must appear as a substring; a
//! query without such a word must equal the whole column. Either column may match.

use crate::params::Params;

/// The query and the columns it searches.
pub(super) struct Search {
    query: String,
    title: bool,
    description: bool,
}

/// PostgreSQL's English stop words (the Snowball list its `english` configuration uses).
const STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

/// Words of at least this many characters take part in a pattern search
/// (`MIN_CHARS_FOR_PARTIAL_MATCHING`, lib/gitlab/sql/pattern.rb).
const MIN_PATTERN_WORD: usize = 3;

/// `FULL_TEXT_SEARCH_TERM_PATTERN`: Latin scripts, spacing modifiers, Latin Extended Additional,
/// sub- and superscripts, letterlike symbols and number forms.
fn is_full_text_query(q: &str) -> bool {
    q.chars().all(|c| matches!(c as u32, 0..=0x2FF | 0x1E00..=0x1EFF | 0x2070..=0x218F))
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.contains(&w)
}

/// The lexemes of one column as the fake indexes them: lower-cased words, stop words left out.
/// Tags lose their brackets first (`XML_TAG_REGEX`), so `<!-- key:x -->` indexes `key` and `x`.
fn lexemes(column: &str) -> Vec<String> {
    let lower = column.to_lowercase();
    words(&lower).filter(|w| !is_stop_word(w)).map(str::to_string).collect()
}

/// `Gitlab::SQL::Pattern.split_query_to_search_terms`: quoted phrases, then the other words.
fn split_terms(query: &str) -> (Vec<String>, Vec<String>) {
    let mut phrases = Vec::new();
    let mut rest = Vec::new();
    let mut in_quote: Option<Vec<&str>> = None;
    for token in query.split(' ').filter(|t| !t.is_empty()) {
        match in_quote.as_mut() {
            None if token.starts_with('"') && token.len() > 1 && token.ends_with('"') => {
                phrases.push(token.trim_matches('"').to_string());
            }
            None if token.starts_with('"') => in_quote = Some(vec![token.trim_start_matches('"')]),
            None => rest.push(token.to_string()),
            Some(open) if token.ends_with('"') => {
                open.push(token.trim_end_matches('"'));
                phrases.push(open.join(" "));
                in_quote = None;
            }
            Some(open) => open.push(token),
        }
    }
    // An unclosed quote is plain words.
    rest.extend(in_quote.unwrap_or_default().into_iter().map(str::to_string));
    (phrases, rest)
}

impl Search {
    /// `None` when there is no (non-blank) `search` parameter.
    pub(super) fn parse(p: &Params) -> Option<Search> {
        let query = p.get("search").map(str::trim).filter(|s| !s.is_empty())?.to_string();
        let columns: Vec<&str> = p.get("in").unwrap_or_default().split(',').map(str::trim).collect();
        let (title, description) = (columns.contains(&"title"), columns.contains(&"description"));
        // No known column: both (`matched_columns = allowed_columns if matched_columns.empty?`).
        let both = !title && !description;
        Some(Search { query, title: title || both, description: description || both })
    }

    pub(super) fn matches(&self, title: &str, description: &str) -> bool {
        if is_full_text_query(&self.query) {
            self.full_text(title, description)
        } else {
            self.pattern(title, description)
        }
    }

    fn full_text(&self, title: &str, description: &str) -> bool {
        let cleaned: String = self
            .query
            .split(' ')
            // `remove_url_scheme`: `https://x` searches for `x`.
            .map(|t| t.split_once("://").filter(|(s, _)| s.chars().all(char::is_alphanumeric)).map_or(t, |(_, r)| r))
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || " .@/-_\"".contains(c) { c } else { ' ' })
            .collect::<String>()
            .to_lowercase();
        let (phrases, rest) = split_terms(&cleaned);
        let mut have = Vec::new();
        if self.title {
            have.extend(lexemes(title));
        }
        if self.description {
            have.extend(lexemes(description));
        }
        let prefixes: Vec<&str> = rest.iter().flat_map(|t| words(t)).filter(|w| !is_stop_word(w)).collect();
        let phrases: Vec<Vec<&str>> = phrases
            .iter()
            .map(|p| words(p).filter(|w| !is_stop_word(w)).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect();
        if prefixes.is_empty() && phrases.is_empty() {
            // Only stop words: an empty tsquery matches nothing.
            return false;
        }
        prefixes.iter().all(|t| have.iter().any(|w| w.starts_with(t)))
            && phrases.iter().all(|p| have.windows(p.len()).any(|win| win.iter().zip(p).all(|(a, b)| a == b)))
    }

    fn pattern(&self, title: &str, description: &str) -> bool {
        let query = self.query.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let (phrases, rest) = split_terms(&query);
        let terms: Vec<String> =
            phrases.into_iter().chain(rest).filter(|t| t.chars().count() >= MIN_PATTERN_WORD).collect();
        let column_matches = |column: &str| {
            let column = column.to_lowercase();
            if terms.is_empty() {
                column == query
            } else {
                terms.iter().all(|t| column.contains(t.as_str()))
            }
        };
        (self.title && column_matches(title)) || (self.description && column_matches(description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(query: &str, columns: &str) -> Search {
        Search::parse(&Params::from_query(&format!("search={query}&in={columns}"))).unwrap()
    }

    #[test]
    fn latin_queries_match_word_prefixes() {
        let found = |q: &str, t: &str, d: &str| search(q, "").matches(t, d);
        assert!(found("onboard", "Onboarding: Alice", ""));
        assert!(found("alice onboarding", "Onboarding: Alice", ""));
        assert!(!found("boarding", "Onboarding: Alice", ""), "not a substring");
        assert!(!found("bob", "Onboarding: Alice", ""));
        assert!(found("Al", "Onboarding: Alice", ""), "short terms are prefixes too");
        assert!(!found("xy alice", "Onboarding: Alice", ""), "every term must match");
        assert!(found("the alice", "Onboarding: Alice", ""), "stop words are dropped");
        assert!(!found("the", "The end", ""), "only stop words: nothing");
        assert!(found("onboarder:key=alice", "t", "<!-- onboarder:key=alice-se -->"));
        assert!(found("%22git basics%22 module", "Module: Git basics", ""));
        assert!(!found("%22basics git%22", "Module: Git basics", ""), "a phrase keeps its order");
    }

    #[test]
    fn in_restricts_the_columns() {
        assert!(search("rebase", "title").matches("Git: rebase", "nothing"));
        assert!(!search("rebase", "title").matches("Git", "learn rebase"));
        assert!(search("rebase", "description").matches("Git", "learn rebase"));
        assert!(search("rebase", "title,description").matches("Git", "learn rebase"));
        assert!(search("rebase", "bogus").matches("Git", "learn rebase"));
    }

    #[test]
    fn other_scripts_match_substrings_of_three_or_more_characters() {
        let found = |q: &str, t: &str| search(q, "").matches(t, "");
        assert!(found("учен", "Обучение"), "a substring");
        assert!(found("уч обучение", "Обучение"), "short words are left out");
        assert!(!found("уч", "Обучение"));
        assert!(found("уч", "УЧ"), "a short query must equal the column");
    }
}
