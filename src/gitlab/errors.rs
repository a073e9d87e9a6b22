//! Why a request to GitLab failed, read from any of GitLab's four error-body shapes.

use std::fmt::Write as _;
use std::time::Duration;

use http::StatusCode;

/// Why a request failed, with GitLab's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("GitLab refused the token (401): {0}; check GITLAB_TOKEN")]
    Unauthorized(String),
    #[error("access denied (403): {0}")]
    Forbidden(String),
    #[error("not found (404): {0}")]
    NotFound(String),
    #[error("GitLab rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("rate limited by GitLab and out of retries: {0}")]
    RateLimited(String),
    /// A 429 on a request the client does not repeat itself (an edit: the caller re-reads first).
    #[error("rate limited by GitLab (told to wait {wait:?}): {message}")]
    Throttled { wait: Duration, message: String },
    #[error("GitLab server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("cannot reach GitLab: {0}")]
    Transport(String),
    /// Never followed: the token must go only to the configured origin.
    #[error(
        "GitLab answered {status} redirecting to {location}; onboarder follows no redirect, so the token goes only \
         to {origin}. Set GITLAB_URL (or gitlab.url) to the address GitLab really answers at"
    )]
    Redirect { status: u16, location: String, origin: String },
    #[error("{0}")]
    Config(String),
    #[error("no answer from GitLab within {0:?}")]
    Timeout(Duration),
    #[error("the answer is over the {0} byte limit; not read further")]
    TooLarge(u64),
    /// GitLab's spam check refused the issue's title or description: a 409 that asks for a
    /// CAPTCHA (`needs_captcha_response`), or a 400 `{"message":{"base":["...recognized as
    /// spam..."]}}` where there is none to solve (app/services/spam/spam_action_service.rb,
    /// app/models/concerns/spammable.rb). Nothing was saved, and sending the same text again
    /// gets the same answer. Only issues anyone can see are checked (`Issue#check_for_spam?`:
    /// a public project, not confidential), and a trusted user's never are (gitlab-org/gitlab!132402,
    /// doc/administration/moderate_users.md "Trust and untrust users"; Akismet's spam logs:
    /// doc/integration/akismet.md).
    #[error(
        "GitLab's spam check flagged the issue's text as spam ({status}: {message}); a job cannot pass it \
         (it asks for a CAPTCHA, or refuses the text outright), so this issue was not written and is not tried \
         again in this run. A GitLab administrator \
         can trust the token's user (Admin area > Users > Trust user: a trusted user's issues are not checked \
         for spam) or submit its entry in Admin area > Spam logs as ham (not spam); or make the project internal or \
         private (only issues in public projects are checked)"
    )]
    Spam { status: u16, message: String },
}

impl ApiError {
    /// The request may have been carried out although no success came back.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::Timeout(_) | ApiError::Server { .. } | ApiError::Transport(_))
    }

    /// Worth another try after a fresh read: GitLab was busy or unreachable.
    pub fn transient(&self) -> bool {
        self.outcome_unknown() || matches!(self, ApiError::Throttled { .. } | ApiError::RateLimited(_))
    }

    /// A problem with the token or the address, which no retry and no other person can fix.
    pub fn is_fatal(&self) -> bool {
        match self {
            ApiError::Unauthorized(_) | ApiError::Forbidden(_) | ApiError::Redirect { .. } => true,
            ApiError::NotFound(m) => m.contains("Project Not Found"),
            _ => false,
        }
    }
}

/// Turn a non-success answer into an error carrying GitLab's message, from any of its shapes.
pub(super) fn classify(status: StatusCode, body: &[u8]) -> ApiError {
    let message = error_message(status, body);
    if is_spam(status, body) {
        return ApiError::Spam { status: status.as_u16(), message };
    }
    match status.as_u16() {
        401 => ApiError::Unauthorized(message),
        403 => ApiError::Forbidden(message),
        404 => ApiError::NotFound(message),
        s if s >= 500 => ApiError::Server { status: s, message },
        s => ApiError::Rejected { status: s, message },
    }
}

/// Whether the answer is the spam check's: a 409 asking for a CAPTCHA, or a 400 whose `base`
/// error says the issue was recognized as spam.
fn is_spam(status: StatusCode, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else { return false };
    match status.as_u16() {
        409 => v["needs_captcha_response"].as_bool() == Some(true),
        400 => v["message"]["base"]
            .as_array()
            .is_some_and(|msgs| msgs.iter().filter_map(|m| m.as_str()).any(|m| m.contains("recognized as spam"))),
        _ => false,
    }
}

/// GitLab's error bodies: `{"message": "..."}`, `{"message": {"field": ["..."]}}`,
/// `{"error": "...", "error_description": "..."}`, or HTML/text from a proxy.
pub fn error_message(status: StatusCode, body: &[u8]) -> String {
    let fallback = || {
        let text = String::from_utf8_lossy(body);
        let plain: String = strip_tags(&text).split_whitespace().collect::<Vec<_>>().join(" ");
        if plain.is_empty() {
            format!("HTTP {status}")
        } else {
            crate::error::truncate(&plain, 200)
        }
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else { return fallback() };
    match (&v["message"], &v["error"]) {
        (serde_json::Value::String(m), _) => m.clone(),
        (serde_json::Value::Object(fields), _) => fields
            .iter()
            .map(|(field, msgs)| {
                let msgs = match msgs {
                    serde_json::Value::Array(a) => a.iter().filter_map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if field == "error" || field == "base" {
                    msgs
                } else {
                    format!("{field} {msgs}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        (_, serde_json::Value::String(e)) => {
            let mut m = match v["error_description"].as_str() {
                Some(d) => format!("{e}: {d}"),
                None => e.clone(),
            };
            // A 403 `insufficient_scope` names the scopes the endpoint accepts, space-separated
            // (rack-oauth2 `Resource::Forbidden#protocol_params`, lib/api/api_guard.rb).
            if let Some(scopes) = v["scope"].as_str().filter(|s| !s.trim().is_empty()) {
                let _ = write!(
                    m,
                    " (the scopes GitLab accepts here: {})",
                    scopes.split_whitespace().collect::<Vec<_>>().join(", ")
                );
            }
            m
        }
        _ => fallback(),
    }
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// An error and its causes in one line (DNS, refused, TLS); the token is in a header, never in it.
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_error_shapes_read_as_one_message() {
        let table: [(u16, &str, &str); 8] = [
            (404, r#"{"message":"404 Project Not Found"}"#, "404 Project Not Found"),
            (404, r#"{"error":"404 Not Found"}"#, "404 Not Found"),
            (400, r#"{"message":{"title":["can't be blank"]}}"#, "title can't be blank"),
            (400, r#"{"error":"title is missing"}"#, "title is missing"),
            (
                401,
                r#"{"error":"invalid_token","error_description":"Token was revoked."}"#,
                "invalid_token: Token was revoked.",
            ),
            (
                429,
                r#"{"message":{"error":"This endpoint has been requested too many times."}}"#,
                "This endpoint has been requested too many times.",
            ),
            (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway"),
            (429, "Retry later\n", "Retry later"),
        ];
        for (status, body, want) in table {
            assert_eq!(error_message(StatusCode::from_u16(status).unwrap(), body.as_bytes()), want, "{body}");
        }
        assert!(classify(StatusCode::NOT_FOUND, br#"{"message":"404 Project Not Found"}"#).is_fatal());
        let scope = br#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"read_user api read_api"}"#;
        let e = classify(StatusCode::FORBIDDEN, scope);
        assert!(e.is_fatal());
        assert!(
            e.to_string().contains("insufficient_scope") && e.to_string().contains("read_user, api, read_api"),
            "{e}"
        );
    }

    #[test]
    fn the_spam_check_is_neither_fatal_nor_worth_a_retry() {
        let captcha = br#"{"needs_captcha_response":true,"spam_log_id":3,"captcha_site_key":"k","message":{"error":"Your issue has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed."}}"#;
        let plain = br#"{"message":{"base":["Your issue has been recognized as spam. Please, change the content to proceed."]}}"#;
        for (status, body) in [(StatusCode::CONFLICT, &captcha[..]), (StatusCode::BAD_REQUEST, &plain[..])] {
            let e = classify(status, body);
            assert!(matches!(e, ApiError::Spam { .. }), "{e:?}");
            assert!(!e.is_fatal() && !e.transient() && !e.outcome_unknown());
            assert!(e.to_string().contains("Trust user"), "{e}");
        }
        // Other 409s and 400s are what they were.
        assert!(matches!(
            classify(StatusCode::CONFLICT, br#"{"message":"Label already exists"}"#),
            ApiError::Rejected { status: 409, .. }
        ));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, br#"{"message":{"base":["x"]}}"#),
            ApiError::Rejected { status: 400, .. }
        ));
        assert!(!classify(StatusCode::NOT_FOUND, br#"{"message":"404 Not found"}"#).is_fatal());
    }
}
