//! The spam service's rules and its log, as the fake's state holds them (`spam` checks with them).

/// Which checked writes the spam service calls spam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpamRule {
    contains: Option<String>,
    pub(crate) remaining: Option<usize>,
    pub(crate) captcha: bool,
}

impl SpamRule {
    /// Every checked write whose title or description contains `text`.
    pub fn containing(text: &str) -> Self {
        SpamRule { contains: Some(text.to_string()), remaining: None, captcha: true }
    }

    /// The next `n` checked writes, whatever they say.
    pub fn next(n: usize) -> Self {
        SpamRule { contains: None, remaining: Some(n), captcha: true }
    }

    /// The instance has no reCAPTCHA (or the verdict is `DISALLOW`): 400, no CAPTCHA to solve.
    pub fn without_captcha(mut self) -> Self {
        self.captcha = false;
        self
    }

    pub(crate) fn matches(&self, title: &str, description: &str) -> bool {
        self.contains.as_deref().is_none_or(|t| title.contains(t) || description.contains(t))
    }
}

/// A spam log entry the check wrote (`SpamLog`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpamLog {
    pub id: u64,
    pub user_id: u64,
    pub title: String,
    pub description: String,
}

/// The rules in force and the spam log.
#[derive(Default)]
pub(crate) struct Spam {
    pub(crate) rules: Vec<SpamRule>,
    pub(crate) logs: Vec<SpamLog>,
}
