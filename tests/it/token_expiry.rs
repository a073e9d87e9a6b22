//! A token about to expire is announced before it turns a green schedule red: from 14 days
//! before, in the log, the summary (text and Markdown) and the JUnit report, which stays green.
//! A token that cannot read its own details (its kind, an older GitLab) runs without a word.

use chrono::{Duration, Utc};
use fake_gitlab::{Options, Version};

use crate::support::{Ctx, TOKEN};

const TOKEN_SELF: &str = "/api/v4/personal_access_tokens/self";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expiry_warning_appears_ten_days_before_and_not_thirty() {
    let ctx = Ctx::new().await;
    // GitLab compares expiry dates with the real date, so the test does too.
    let in_10 = Utc::now().date_naive() + Duration::days(10);
    ctx.fake.set_token_expiry(TOKEN, Some(in_10));
    let (junit, md) = (ctx.path("junit.xml"), ctx.path("summary.md"));
    let args = ["--junit", junit.to_str().unwrap(), "--summary-md", md.to_str().unwrap()];
    let run = ctx.sync(&args).await.ok();
    let warning = format!("the GitLab token expires on {in_10}, in 10 days");
    assert!(run.stderr().contains(&format!("warning: {warning}")), "{}", run.stderr());
    let summary = run.stdout().lines().last().unwrap_or_default().to_string();
    assert!(summary.contains(&warning), "{summary}");
    assert!(ctx.read("summary.md").contains(&warning), "{}", ctx.read("summary.md"));
    let report = ctx.read("junit.xml");
    assert!(report.contains("<property name=\"warning\"") && report.contains(&warning), "{report}");
    assert!(!report.contains("<failure"), "a warning must not fail the pipeline: {report}");
    // One request for it per run.
    assert_eq!(ctx.fake.requests().iter().filter(|r| r.path == TOKEN_SELF).count(), 1);

    ctx.fake.set_token_expiry(TOKEN, Some(Utc::now().date_naive() + Duration::days(30)));
    let run = ctx.sync(&args).await.ok();
    assert!(!run.stderr().contains("token expires"), "{}", run.stderr());
    assert!(!run.stdout().contains("token expires"), "{}", run.stdout());
    assert!(!ctx.read("summary.md").contains("token expires"));
    assert!(!ctx.read("junit.xml").contains("token expires"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_cannot_read_its_own_details_runs_without_a_word() {
    let ctx = Ctx::new().await;
    // A job token or an older GitLab answers 404 (or 401/403) there: that is not an error.
    ctx.fake.inject(fake_gitlab::Fault::new(
        fake_gitlab::Matcher::path_contains("personal_access_tokens/self"),
        fake_gitlab::FaultKind::Status(404),
    ));
    let run = ctx.sync(&[]).await.ok();
    assert!(!run.stderr().contains("token"), "{}", run.stderr());
}

/// Bug pinned: a 400 (a token that is not a personal access token, such as an OAuth token) or a
/// 405 (GitLab 13.3 to 15.0, where only `DELETE /personal_access_tokens/:id` exists) was logged
/// as a failure to read the expiry date; like a 401, 403 or 404 it only means "cannot say".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_gitlab_cannot_describe_runs_without_a_word_even_with_v() {
    let oauth = Ctx::new().await;
    oauth.fake.add_oauth_token("oauth-token", oauth.bot, &["api"]);
    let older = Ctx::with_options(Options { gitlab_version: Version::new(14, 0), ..Options::default() }).await;
    for (ctx, token, status) in [(&oauth, "oauth-token", 400), (&older, TOKEN, 405)] {
        let url = ctx.fake.url();
        let run = ctx
            .run_env(
                &["-v", "sync", "--today", crate::support::TODAY],
                &[("GITLAB_URL", &url), ("GITLAB_TOKEN", token)],
            )
            .await
            .ok();
        let asked: Vec<u16> = ctx.fake.requests().iter().filter(|r| r.path == TOKEN_SELF).map(|r| r.status).collect();
        assert_eq!(asked, [status], "one request, answered {status}");
        assert!(!run.stderr().contains("expir"), "{status}: {}", run.stderr());
        assert!(!ctx.issues(crate::support::TRAINING).is_empty(), "the run went on");
    }
}
