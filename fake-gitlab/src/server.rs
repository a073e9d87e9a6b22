//! The HTTP side: accept loop, connections that can be dropped on purpose, and the request
//! pipeline (hooks, injected faults, random failures, routing, recording, latency).

use std::convert::Infallible;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{HeaderMap, Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

use crate::api;
use crate::faults::FaultKind;
use crate::model::RecordedRequest;
use crate::ratelimit;
use crate::reply::Reply;
use crate::router::{self, Route};
use crate::state::State;
use crate::{FakeGitlab, Guard, Shared};

/// Request bodies larger than this are read as empty.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long a hanging request hangs when the server is not shut down first.
const HANG: Duration = Duration::from_secs(3600);

/// What the server task holds: the state, and a weak link to the handles' shutdown guard
/// (so that a running server does not keep itself alive).
pub(crate) struct Server {
    pub shared: Arc<Shared>,
    pub guard: Weak<Guard>,
}

/// Resolves once shutdown was requested or every handle is gone.
pub(crate) async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|&stop| stop).await;
}

pub(crate) async fn serve(listener: TcpListener, server: Arc<Server>) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stopped(server.shared.shutdown.clone()) => return,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, server.clone()));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn connection(stream: TcpStream, server: Arc<Server>) {
    let kill = Arc::new(Notify::new());
    let service = {
        let server = server.clone();
        let kill = kill.clone();
        service_fn(move |req| {
            let server = server.clone();
            let kill = kill.clone();
            // Handled on its own task: like GitLab, the fake finishes a request whose client
            // went away (a create slower than the client's timeout still lands).
            let handling = tokio::spawn(async move { dispatch(&server, req, &kill).await });
            async move { Ok::<_, Infallible>(handling.await.unwrap_or_else(|_| Reply::for_status(500).into_response())) }
        })
    };
    let conn = http1::Builder::new().timer(TokioTimer::new()).serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = stopped(server.shared.shutdown.clone()) => {}
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// `PRIVATE-TOKEN`, a bearer token, or a CI/CD job's `JOB-TOKEN`.
fn token(headers: &HeaderMap) -> Option<String> {
    header(headers, "private-token")
        .or_else(|| {
            header(headers, "authorization").and_then(|a| {
                a.strip_prefix("Bearer ").or_else(|| a.strip_prefix("bearer ")).map(|t| t.trim().to_string())
            })
        })
        .or_else(|| header(headers, "job-token"))
}

async fn hang(server: &Server) {
    tokio::select! {
        _ = tokio::time::sleep(HANG) => {}
        _ = stopped(server.shared.shutdown.clone()) => {}
    }
}

/// Records the request with its final status (0: no answer) and returns the latency to add.
fn record(st: &mut State, mut request: RecordedRequest, status: u16) -> Duration {
    request.status = status;
    if status == 429 {
        st.rate_limited += 1;
    }
    st.requests.push(request);
    st.options.latency
}

/// Runs, once each, the before-request hooks that match this request.
fn run_hooks(server: &Server, r: &RecordedRequest) {
    let hooks: Vec<_> = {
        let mut st = server.shared.lock();
        let mut taken = Vec::new();
        let mut i = 0;
        while i < st.hooks.len() {
            if st.hooks[i].0.matches(&r.method, &r.route, &r.path, &r.query) {
                taken.push(st.hooks.remove(i).1);
            } else {
                i += 1;
            }
        }
        taken
    };
    if hooks.is_empty() {
        return;
    }
    if let Some(guard) = server.guard.upgrade() {
        let handle = FakeGitlab::from_parts(server.shared.clone(), guard);
        for hook in hooks {
            hook(&handle);
        }
    }
}

/// The offset-pagination headers a stripping proxy drops (`Link` is kept).
fn is_pagination_header(name: &str) -> bool {
    ["X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "X-Total", "X-Total-Pages"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

async fn dispatch(server: &Server, req: Request<Incoming>, kill: &Notify) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = to_bytes(Body::new(body), MAX_BODY).await.unwrap_or_default();
    let route = router::match_path(parts.uri.path());
    let token = token(&parts.headers);
    let content_type = header(&parts.headers, "content-type");
    let request = RecordedRequest {
        method: parts.method.as_str().to_ascii_uppercase(),
        route: route.as_ref().map_or("", Route::template).to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        status: 0,
        auth: token.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        other_headers: parts
            .headers
            .iter()
            .filter(|(n, _)| !matches!(n.as_str(), "private-token" | "authorization" | "job-token"))
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
    };

    run_hooks(server, &request);

    let fault = server.shared.lock().faults.take(&request.method, &request.route, &request.path, &request.query);
    let handle_normally = |request: RecordedRequest| {
        let mut st = server.shared.lock();
        let reply = match (st.faults.random_status(), &route) {
            (Some(status), _) => Reply::for_status(status),
            (None, None) => Reply::route_not_found(),
            (None, Some(r)) if !r.allows(&request.method) => Reply::method_not_allowed(),
            (None, Some(r)) => api::handle(
                &mut st,
                &api::Request {
                    method: &request.method,
                    route: r,
                    path: &request.path,
                    query: &request.query,
                    token: token.as_deref(),
                    content_type: content_type.as_deref(),
                    body: &body,
                },
            ),
        };
        let latency = record(&mut st, request, reply.status);
        (reply, latency)
    };
    let answered = |request: RecordedRequest, reply: Reply| {
        let latency = record(&mut server.shared.lock(), request, reply.status);
        (reply, latency)
    };

    let (reply, latency) = match fault {
        None => handle_normally(request),
        Some(FaultKind::Latency(extra)) => {
            tokio::time::sleep(extra).await;
            handle_normally(request)
        }
        Some(FaultKind::Status(status)) => answered(request, Reply::for_status(status)),
        Some(FaultKind::ApplicationLimit) => answered(request, Reply::application_limit()),
        Some(FaultKind::Throttle { retry_after_secs }) => {
            let limit = server.shared.lock().options.request_throttle;
            let reply = ratelimit::injected_throttle(limit, retry_after_secs, ratelimit::now_ms());
            answered(request, reply)
        }
        Some(FaultKind::LandThenStatus(status)) => {
            let (_, latency) = handle_normally(request);
            let mut st = server.shared.lock();
            if let Some(last) = st.requests.last_mut() {
                last.status = status;
            }
            if status == 429 {
                st.rate_limited += 1;
            }
            (Reply::for_status(status), latency)
        }
        Some(FaultKind::Redirect { status, location }) => answered(request, Reply::redirect(status, &location)),
        Some(FaultKind::StripPaginationHeaders) => {
            let (mut reply, latency) = handle_normally(request);
            reply.headers.retain(|(name, _)| !is_pagination_header(name));
            (reply, latency)
        }
        Some(FaultKind::StripAllPaginationHeaders) => {
            let (mut reply, latency) = handle_normally(request);
            reply.headers.retain(|(name, _)| !is_pagination_header(name) && !name.eq_ignore_ascii_case("Link"));
            (reply, latency)
        }
        Some(FaultKind::LandThenHang) => {
            let (reply, _) = handle_normally(request);
            hang(server).await;
            return reply.into_response();
        }
        Some(FaultKind::HangBeforeHandling) => {
            record(&mut server.shared.lock(), request, 0);
            hang(server).await;
            return Reply::for_status(504).into_response();
        }
        Some(FaultKind::CloseConnection) => {
            record(&mut server.shared.lock(), request, 0);
            kill.notify_one();
            // Never answer: the connection task drops the connection first.
            hang(server).await;
            return Reply::for_status(504).into_response();
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    reply.into_response()
}
