//! A scripted HTTP server on 127.0.0.1:0 for the behaviour tests.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    pub body: Bytes,
}

/// One scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    pub fn ok() -> Self {
        Reply::status(200).body("ok")
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
    /// An error encoded by the server side of the contract.
    pub fn encoded(error: &backstop::ApiError, profile: backstop::Profile) -> Self {
        let wire = profile.encode(error);
        Reply::status(wire.status.as_u16())
            .header("content-type", wire.content_type)
            .body(wire.body)
    }
}

type Script = Arc<dyn Fn(usize, &Seen) -> Reply + Send + Sync>;

/// The running server.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }
    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves `script(n, request)` for the n-th request (0-based).
pub async fn serve_fn(script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Server {
    let script: Script = Arc::new(script);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let seen = seen.clone();
                let script = script.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let s = Seen {
                        method,
                        path: uri.path().to_owned(),
                        idempotency_key: header("idempotency-key"),
                        authorization: header("authorization"),
                        body,
                    };
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(s.clone());
                        seen.len() - 1
                    };
                    let reply = script(n, &s);
                    if !reply.delay.is_zero() {
                        tokio::time::sleep(reply.delay).await;
                    }
                    let mut response: Response = reply.body.into_response();
                    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                    for (k, v) in reply.headers {
                        response.headers_mut().insert(
                            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                            v.parse().unwrap(),
                        );
                    }
                    response
                }
            },
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server { addr, seen }
}

/// Serves the replies in order; the last one repeats.
pub async fn serve(replies: Vec<Reply>) -> Server {
    assert!(!replies.is_empty());
    serve_fn(move |n, _| replies[n.min(replies.len() - 1)].clone()).await
}

/// The waits a client asked for.
pub type WaitLog = Arc<Mutex<Vec<Duration>>>;
/// A boxed sleep future.
pub type BoxSleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A sleep that records what the client asked for and returns at once.
pub fn recording_sleep() -> (
    WaitLog,
    impl Fn(Duration) -> BoxSleep + Send + Sync + 'static,
) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (log, move |d| {
        l.lock().unwrap().push(d);
        Box::pin(async {}) as BoxSleep
    })
}

/// A client that never really waits between attempts (records the waits instead), no breaker.
pub fn fast_client() -> (Arc<Mutex<Vec<Duration>>>, backstop_client::ClientBuilder) {
    let (log, sleep) = recording_sleep();
    (
        log,
        backstop_client::Client::builder()
            .sleep_with(sleep)
            .no_circuit_breaker(),
    )
}
