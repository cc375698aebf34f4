//! Redis stopped in the middle: the fail-open layer lets requests through, the fail-closed one
//! answers 503 with Retry-After, the outage is logged once (not per request), and both recover by
//! themselves when Redis is back on the same port. Needs `redis-server` on PATH.
#![cfg(feature = "redis")]

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use backstop_axum::rate_limit::{FailMode, Policies, Quota, RateLimitLayer, RedisRateLimitStore};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct RedisServer(Child);

impl RedisServer {
    fn start(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(RedisServer(child))
    }

    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn wait_until_up(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("redis-server did not start on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_fails_as_configured_and_recovers_without_restart() {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: redis-server is not on PATH");
        return;
    }
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = RedisServer::start(port).expect("spawn redis-server");
    wait_until_up(port).await;
    let url = format!("redis://127.0.0.1:{port}/");

    let policies = Policies::new(Quota::new(1000, Duration::from_secs(60)).unwrap());
    let open_store = RedisRateLimitStore::new(&url, "open:").unwrap();
    let closed_store = RedisRateLimitStore::new(&url, "closed:").unwrap();
    let app = Router::new()
        .route(
            "/open",
            get(|| async { "hi" }).layer(RateLimitLayer::new(open_store, policies.clone())),
        )
        .route(
            "/closed",
            get(|| async { "hi" }).layer(RateLimitLayer::new(closed_store, policies).fail_mode(
                FailMode::Closed {
                    retry_after: Duration::from_secs(2),
                },
            )),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let client = reqwest::Client::new();
    let get = |path: &'static str| {
        let client = client.clone();
        async move {
            client
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .unwrap()
        }
    };

    for path in ["/open", "/closed"] {
        let r = get(path).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().contains_key("ratelimit"));
    }

    redis.stop();
    for _ in 0..10 {
        let r = get("/open").await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "fail open lets requests through"
        );
        assert!(
            !r.headers().contains_key("ratelimit"),
            "no budget is claimed when unknown"
        );
        let r = get("/closed").await;
        assert_eq!(
            r.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "fail closed refuses"
        );
        assert_eq!(r.headers()["retry-after"], "2");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    }
    let warnings = String::from_utf8(logs.0.lock().unwrap().clone())
        .unwrap()
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("rate limit store unavailable"))
        .count();
    assert_eq!(warnings, 2, "one warning per layer, not one per request");

    let _redis = RedisServer::start(port).expect("restart redis-server");
    wait_until_up(port).await;
    for path in ["/open", "/closed"] {
        let mut recovered = false;
        for _ in 0..100 {
            let r = get(path).await;
            if r.status() == StatusCode::OK && r.headers().contains_key("ratelimit") {
                recovered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(recovered, "{path} recovered by itself");
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("rate limit store reachable again"), "{logs}");
}
