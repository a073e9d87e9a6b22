//! Shared set-up for the fake's HTTP tests: a started fake, a bot user, a project, a client.
#![allow(dead_code)]

pub mod auth;
pub mod python;

use fake_gitlab::{FakeGitlab, Options};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Response};
use serde_json::Value;

pub const PROJECT: &str = "gitlab-com/support/support-training";
pub const ENCODED: &str = "gitlab-com%2Fsupport%2Fsupport-training";
pub const TOKEN: &str = "bot-token";

pub struct Env {
    pub fake: FakeGitlab,
    pub client: Client,
    pub bot: u64,
    pub project_id: u64,
}

impl Env {
    pub async fn start(options: Options) -> Env {
        let fake = FakeGitlab::start(options).await;
        let bot = fake.add_user("onboarding-bot", "Onboarding Bot");
        fake.add_token(TOKEN, bot);
        let project_id = fake.add_project(PROJECT);
        let mut headers = HeaderMap::new();
        headers.insert("PRIVATE-TOKEN", HeaderValue::from_static(TOKEN));
        let client = Client::builder().default_headers(headers).build().expect("client");
        Env { fake, client, bot, project_id }
    }

    pub async fn default() -> Env {
        Env::start(Options::default()).await
    }

    /// `{url}/api/v4{path}`; `{p}` in `path` becomes the encoded project path.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v4{}", self.fake.url(), path.replace("{p}", ENCODED))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.api(path)).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(self.api(path)).form(form).send().await.expect("POST")
    }

    pub async fn put(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.put(self.api(path)).form(form).send().await.expect("PUT")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(self.api(path)).send().await.expect("DELETE")
    }

    /// Creates an issue through the API and returns its JSON (asserting 201).
    pub async fn create(&self, form: &[(&str, &str)]) -> Value {
        let r = self.post("/projects/{p}/issues", form).await;
        assert_eq!(r.status().as_u16(), 201);
        r.json().await.expect("issue JSON")
    }
}

pub fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).map(|v| v.to_str().expect("ascii header").to_string())
}

/// Status and JSON body.
pub async fn json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON body"))
}
