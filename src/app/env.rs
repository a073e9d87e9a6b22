//! What a run takes from its environment: GitLab's address and the tokens.

use crate::config::Config;
use crate::gitlab::Token;

/// GitLab's address: `GITLAB_URL`, else `CI_SERVER_URL`, else the config's `gitlab.url`.
pub fn gitlab_url(config: &Config) -> Option<String> {
    ["GITLAB_URL", "CI_SERVER_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .or_else(|| config.gitlab.url.clone())
}

/// The read-only token a merge request pipeline can see (`read_api`, not protected): `plan` only.
pub const READ_TOKEN_VAR: &str = "GITLAB_READ_TOKEN";

/// The token in `var`, if it is set to something.
pub fn env_token(var: &str) -> Option<Token> {
    std::env::var(var).ok().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).map(Token::new)
}

/// How far a run against GitLab goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plan,
    DryRun,
    Sync,
}

/// The token a run may use: `GITLAB_TOKEN`; for `plan` only, else `GITLAB_READ_TOKEN`, so that a
/// merge request pipeline, which cannot see a protected variable, still plans against GitLab.
/// A sync never uses the read token: it could not write, and it is not protected.
pub fn token(mode: Mode) -> Option<Token> {
    token_and_source(mode).map(|(t, _)| t)
}

/// The token a run uses, and whether it is the read token (another account than the one that
/// writes, so it cannot tell which issues onboarder's account opened).
pub fn token_and_source(mode: Mode) -> Option<(Token, bool)> {
    match env_token("GITLAB_TOKEN") {
        Some(t) => Some((t, false)),
        None if mode == Mode::Plan => env_token(READ_TOKEN_VAR).map(|t| (t, true)),
        None => None,
    }
}
