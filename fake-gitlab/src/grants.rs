//! The kinds and scopes of the fake's tokens, as its state holds them (`scopes` decides with them).

use std::collections::HashMap;

/// What kind of credential a token is. Project and group access tokens are personal access
/// tokens of a bot user (`Personal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Personal,
    /// An OAuth application's token (sent as `Authorization: Bearer`).
    OAuth,
    /// A CI/CD job token: it authenticates only on routes marked `job_token_allowed`, and
    /// carries no scopes.
    CiJob,
}

/// A token's kind and scopes.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub kind: TokenKind,
    pub scopes: Vec<String>,
}

/// Kinds and scopes of the tokens that are not plain `api` personal access tokens.
#[derive(Default)]
pub(crate) struct Grants {
    pub(crate) by_token: HashMap<String, Grant>,
}

impl Grants {
    /// The token's grant; a token added with `add_token` is an `api` personal access token.
    pub fn get(&self, token: &str) -> Grant {
        self.by_token
            .get(token)
            .cloned()
            .unwrap_or_else(|| Grant { kind: TokenKind::Personal, scopes: vec!["api".to_string()] })
    }
}
