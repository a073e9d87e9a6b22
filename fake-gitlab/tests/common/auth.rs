//! Requests sent with a token other than the `Env`'s own, in any of the ways GitLab reads one.

use reqwest::{Method, Response};

use super::Env;

/// How the token travels.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// `PRIVATE-TOKEN`.
    Private(&'a str),
    /// `Authorization: Bearer` (OAuth, or a job token).
    Bearer(&'a str),
    /// `JOB-TOKEN`, as CI jobs send `CI_JOB_TOKEN`.
    Job(&'a str),
}

/// `method path` (with `{p}` for the encoded project) as `auth`, with a form body when given.
pub async fn send(env: &Env, method: &str, auth: Auth<'_>, path: &str, form: &[(&str, &str)]) -> Response {
    let client = reqwest::Client::new();
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client.request(method, env.api(path));
    request = match auth {
        Auth::Private(t) => request.header("PRIVATE-TOKEN", t),
        Auth::Bearer(t) => request.header("Authorization", format!("Bearer {t}")),
        Auth::Job(t) => request.header("JOB-TOKEN", t),
    };
    if !form.is_empty() {
        request = request.form(form);
    }
    request.send().await.expect("request")
}
