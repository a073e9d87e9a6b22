//! HTTP answers and the body shapes GitLab (and the proxy in front of it) uses for errors.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{json, Map, Value};

/// A response before it is turned into HTTP.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

/// Handlers answer `Err` for early exits; both sides are sent as they are.
pub(crate) type Answer = Result<Reply, Reply>;

impl Reply {
    pub fn json(status: u16, value: &Value) -> Self {
        Reply { status, content_type: "application/json", body: value.to_string().into_bytes(), headers: Vec::new() }
    }

    pub fn text(status: u16, content_type: &'static str, body: &str) -> Self {
        Reply::bytes(status, content_type, body.as_bytes().to_vec())
    }

    /// A body sent byte for byte (file contents need not be UTF-8).
    pub fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Reply { status, content_type, body, headers: Vec::new() }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers.extend(headers);
        self
    }

    /// `{"message": "..."}`
    pub fn message(status: u16, message: &str) -> Self {
        Reply::json(status, &json!({ "message": message }))
    }

    /// `{"error": "..."}` (Grape parameter errors, unknown routes).
    pub fn error(status: u16, error: &str) -> Self {
        Reply::json(status, &json!({ "error": error }))
    }

    /// `400 {"message": {"field": ["msg", ...]}}` (model validation).
    pub fn validation(errors: &[(&str, String)]) -> Self {
        let mut map = Map::new();
        for (field, msg) in errors {
            let entry = map.entry(field.to_string()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(Value::String(msg.clone()));
            }
        }
        Reply::json(400, &json!({ "message": map }))
    }

    pub fn route_not_found() -> Self {
        Reply::error(404, "404 Not Found")
    }

    pub fn method_not_allowed() -> Self {
        Reply::error(405, "405 Not Allowed")
    }

    pub fn project_not_found() -> Self {
        Reply::message(404, "404 Project Not Found")
    }

    /// A missing issue (or note): GitLab's RecordNotFound answer.
    pub fn not_found() -> Self {
        Reply::message(404, "404 Not found")
    }

    pub fn unauthorized() -> Self {
        Reply::message(401, "401 Unauthorized")
    }

    pub fn revoked() -> Self {
        Reply::json(
            401,
            &json!({
                "error": "invalid_token",
                "error_description": "Token was revoked. You have to re-authorize from the user."
            }),
        )
    }

    /// An expired token (lib/gitlab/auth/auth_finders.rb, ExpiredError).
    pub fn expired() -> Self {
        Reply::json(401, &json!({ "error": "invalid_token", "error_description": "Token has expired." }))
    }

    pub fn insufficient_scope() -> Self {
        Reply::json(
            403,
            &json!({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": "api"
            }),
        )
    }

    pub fn forbidden() -> Self {
        Reply::message(403, "403 Forbidden")
    }

    /// An application rate limit: JSON, no Retry-After, no RateLimit headers.
    pub fn application_limit() -> Self {
        Reply::json(
            429,
            &json!({ "message": { "error": "This endpoint has been requested too many times. Try again later." } }),
        )
    }

    /// The body GitLab, or the proxy in front of it, sends with `status`.
    pub fn for_status(status: u16) -> Self {
        match status {
            400 => Reply::message(400, "400 Bad request"),
            401 => Reply::unauthorized(),
            403 => Reply::forbidden(),
            404 => Reply::message(404, "404 Not Found"),
            405 => Reply::method_not_allowed(),
            409 => Reply::message(409, "409 Conflict"),
            422 => Reply::message(422, "422 Unprocessable Entity"),
            429 => Reply::application_limit(),
            500 => Reply::message(500, "500 Internal Server Error"),
            502 => Reply::text(502, "text/html; charset=utf-8", &proxy_page(502, "Bad Gateway")),
            503 => Reply::text(503, "text/plain; charset=utf-8", "503 Service Unavailable: no healthy upstream\n"),
            504 => Reply::text(504, "text/html; charset=utf-8", &proxy_page(504, "Gateway Timeout")),
            other => {
                let reason = StatusCode::from_u16(other).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
                Reply::message(other, &format!("{other} {reason}"))
            }
        }
    }

    /// A redirect as nginx in front of GitLab sends it: an HTML page and `Location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Redirect");
        Reply::text(status, "text/html; charset=utf-8", &proxy_page(status, reason)).with_header("Location", location)
    }

    pub fn into_response(self) -> Response<Body> {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static(self.content_type));
        for (name, value) in self.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                headers.append(n, v);
            }
        }
        response
    }
}

fn proxy_page(status: u16, reason: &str) -> String {
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}
