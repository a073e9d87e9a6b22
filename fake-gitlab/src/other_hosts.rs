//! Hosts other than GitLab, for tests that prove the token goes nowhere else: a recorder that
//! answers anything, and a port where nothing listens.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{to_bytes, Body};
use axum::http::{Request, Response, StatusCode};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::server::stopped;

/// One request as the recorder saw it, every header included (`private-token` too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedCall {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A listener on 127.0.0.1 that answers every request `200 {}` and records it: the target of a
/// redirect in a test. Stops when dropped.
#[derive(Debug)]
pub struct Recorder {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<RecordedCall>>>,
    stop: watch::Sender<bool>,
}

impl Recorder {
    /// Starts a recorder on a free port of 127.0.0.1.
    pub async fn start() -> Recorder {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("recorder: cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("recorder: local address");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopping) = watch::channel(false);
        tokio::spawn(accept(listener, calls.clone(), stopping));
        Recorder { addr, calls, stop }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

async fn accept(listener: TcpListener, calls: Arc<Mutex<Vec<RecordedCall>>>, stopping: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r { Ok((s, _)) => s, Err(_) => continue },
            _ = stopped(stopping.clone()) => return,
        };
        let calls = calls.clone();
        let service = service_fn(move |req: Request<hyper::body::Incoming>| {
            let calls = calls.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = to_bytes(Body::new(body), 16 * 1024 * 1024).await.unwrap_or_default();
                calls.lock().unwrap_or_else(PoisonError::into_inner).push(RecordedCall {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_string(),
                    query: parts.uri.query().unwrap_or("").to_string(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                        .collect(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let mut answer = Response::new(Body::from("{}"));
                *answer.status_mut() = StatusCode::OK;
                answer.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
                Ok::<_, Infallible>(answer)
            }
        });
        let stopping = stopping.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service) => {}
                _ = stopped(stopping) => {}
            }
        });
    }
}

/// A port of 127.0.0.1 where nothing listens (bound, then released): connecting to it is
/// refused. Another process could take it in between; tests use it right away.
pub fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("cannot bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
