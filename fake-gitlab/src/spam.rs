//! The spam check of issue create and update, with verdicts a test decides.
//!
//! GitLab asks its spam service about an issue only when the issue is publicly visible (a
//! public project, not confidential) and its title or description changes (`check_for_spam?`
//! in app/models/issue.rb, app/services/spam/spam_action_service.rb). A verdict that asks for a
//! CAPTCHA (`CONDITIONAL_ALLOW`), with reCAPTCHA enabled, makes the REST API answer 409 with the
//! fields a client needs to show one (app/controllers/concerns/spammable_actions/captcha_check/
//! rest_api_actions_support.rb, app/services/spam/concerns/has_spam_action_response_fields.rb):
//! `{"needs_captcha_response":true,"spam_log_id":N,"captcha_site_key":"...",
//! "message":{"error":"Your issue has been recognized as spam. Please, change the content or
//! solve the reCAPTCHA to proceed."}}`. Without reCAPTCHA (or on a `DISALLOW` verdict) the
//! issue is just invalid: 400 `{"message":{"base":["Your issue has been recognized as spam.
//! Please, change the content to proceed."]}}` (app/models/concerns/spammable.rb). Nothing is
//! saved either way.

use serde_json::json;

use crate::groups;
use crate::model::Issue;
use crate::reply::Reply;
use crate::spam_rules::{SpamLog, SpamRule};
use crate::state::State;
use crate::FakeGitlab;

/// The `captcha_site_key` the fake's instance has configured.
pub const RECAPTCHA_SITE_KEY: &str = "6Lfake-gitlab-recaptcha-site-key";

/// Checks an issue about to be created (`before` is `None`) or updated, with the title and
/// description it would have; `Err` is the answer when the spam service says spam.
pub(crate) fn check(
    st: &mut State,
    project_id: u64,
    user_id: u64,
    before: Option<&Issue>,
    confidential: bool,
    title: &str,
    description: &str,
) -> Result<(), Reply> {
    let changed = before.is_none_or(|b| b.title != title || b.description != description);
    if !changed || confidential || !groups::is_public(st, project_id) {
        return Ok(());
    }
    let rules = &mut st.spam.rules;
    let Some(index) = rules.iter().position(|r| r.matches(title, description)) else {
        return Ok(());
    };
    let captcha = rules[index].captcha;
    if let Some(n) = rules[index].remaining.as_mut() {
        *n -= 1;
        if *n == 0 {
            rules.remove(index);
        }
    }
    let id = st.spam.logs.len() as u64 + 1;
    st.spam.logs.push(SpamLog { id, user_id, title: title.to_string(), description: description.to_string() });
    if !captcha {
        let message = "Your issue has been recognized as spam. Please, change the content to proceed.";
        return Err(Reply::validation(&[("base", message.to_string())]));
    }
    Err(Reply::json(
        409,
        &json!({
            "needs_captcha_response": true,
            "spam_log_id": id,
            "captcha_site_key": RECAPTCHA_SITE_KEY,
            "message": {
                "error": "Your issue has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed."
            },
        }),
    ))
}

impl FakeGitlab {
    /// From now on the spam service calls spam the checked issue writes the rule selects (see
    /// `SpamRule`). Only writes GitLab checks count: in a public project (`set_public`), to an
    /// issue that is not confidential, changing its title or description.
    pub fn flag_spam(&self, rule: SpamRule) {
        if rule.remaining != Some(0) {
            self.lock().spam.rules.push(rule);
        }
    }

    /// The spam log, oldest first.
    pub fn spam_logs(&self) -> Vec<SpamLog> {
        self.lock().spam.logs.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_select_by_text_or_count() {
        assert!(SpamRule::containing("buy").matches("t", "please buy now"));
        assert!(!SpamRule::containing("buy").matches("t", "d"));
        assert!(SpamRule::next(1).matches("anything", ""));
        assert!(!SpamRule::next(1).without_captcha().captcha);
    }
}
