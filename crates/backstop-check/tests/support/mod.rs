//! A fixture server that replays recorded framework responses (tests/fixtures/<framework>/NNN.json + NNN.body,
//! written by tests/fixtures/record.py), and counts what a check run would have done to the real app.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use regex::Regex;
use serde_json::Value;

/// One recorded response.
#[derive(Debug, Clone)]
struct Recorded {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    records_delta: i64,
}

/// What the replayed API saw.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests received.
    pub requests: AtomicUsize,
    /// Requests with a method other than GET, HEAD and OPTIONS.
    pub unsafe_requests: AtomicUsize,
    /// Records the real app gained (+) or lost (-) from the requests replayed.
    pub records_delta: AtomicI64,
    /// Requests no fixture matched (the replay answers them 599).
    pub unmatched: Mutex<Vec<String>>,
    seen: Mutex<HashMap<String, usize>>,
}

/// A running replay server.
pub struct Replay {
    pub base: String,
    pub stats: Arc<Stats>,
}

/// The replay key, as record.py computes it.
fn request_key(method: &str, path: &str, headers: &axum::http::HeaderMap, body: &[u8]) -> String {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let auth = h("authorization").or_else(|| h("x-api-key"));
    let auth_class = match auth {
        None => "none",
        Some(a) if a.contains("garbage") => "garbage",
        Some(_) => "given",
    };
    let rid_class = match h("x-request-id") {
        None => "-".to_owned(),
        Some(r) if r.chars().count() <= 64 => norm(&r),
        Some(r) => format!("len{}", r.chars().count()),
    };
    let head = String::from_utf8_lossy(&body[..body.len().min(64)]).into_owned();
    [
        method.to_owned(),
        norm(path),
        format!("ct={}", h("content-type").unwrap_or_else(|| "-".to_owned())),
        format!("auth={auth_class}"),
        format!(
            "idem={}",
            norm(&h("idempotency-key").unwrap_or_else(|| "-".to_owned()))
        ),
        format!("rid={rid_class}"),
        format!("body={}:{}", body.len(), norm(&head)),
    ]
    .join("\n")
}

fn norm(s: &str) -> String {
    let ids = Regex::new(r"backstop-check-[0-9a-f]{32}").unwrap();
    let keys = Regex::new(r"\bcheck-[0-9a-f]{32}").unwrap();
    let s = ids.replace_all(s, "backstop-check-ID");
    keys.replace_all(&s, "check-ID").into_owned()
}

fn load(dir: &Path) -> HashMap<String, Vec<Recorded>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut map: HashMap<String, Vec<Recorded>> = HashMap::new();
    for p in names {
        let meta: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let body = std::fs::read(p.with_extension("body")).unwrap();
        let headers = meta["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|kv| {
                (
                    kv[0].as_str().unwrap().to_owned(),
                    kv[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        map.entry(meta["key"].as_str().unwrap().to_owned())
            .or_default()
            .push(Recorded {
                status: meta["status"].as_u64().unwrap() as u16,
                headers,
                body,
                records_delta: meta["records_delta"].as_i64().unwrap(),
            });
    }
    map
}

/// Starts a replay of `framework`'s fixtures on 127.0.0.1:0.
pub async fn start(framework: &str) -> Replay {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(framework);
    let fixtures = Arc::new(load(&dir));
    let stats = Arc::new(Stats::default());
    let st = stats.clone();
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let fixtures = fixtures.clone();
        let stats = st.clone();
        async move { answer(req, &fixtures, &stats).await }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Replay { base, stats }
}

async fn answer(
    req: Request<Body>,
    fixtures: &HashMap<String, Vec<Recorded>>,
    stats: &Stats,
) -> Response<Body> {
    let method = req.method().as_str().to_owned();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    stats.requests.fetch_add(1, Ordering::SeqCst);
    if !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        stats.unsafe_requests.fetch_add(1, Ordering::SeqCst);
    }
    let key = request_key(&method, &path, &headers, &body);
    let Some(list) = fixtures.get(&key) else {
        stats.unmatched.lock().unwrap().push(key);
        return Response::builder().status(599).body(Body::empty()).unwrap();
    };
    let n = {
        let mut seen = stats.seen.lock().unwrap();
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        *n - 1
    };
    let rec = &list[n.min(list.len() - 1)];
    stats
        .records_delta
        .fetch_add(rec.records_delta, Ordering::SeqCst);
    let mut resp = Response::new(Body::from(rec.body.clone()));
    *resp.status_mut() = StatusCode::from_u16(rec.status).unwrap();
    for (k, v) in &rec.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}
