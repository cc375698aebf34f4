//! docs/CONTRACT.md §10.3: connections that send nothing, or send a request head a few bytes at a
//! time (slowloris), are closed once the header-read timeout runs out, while normal clients are
//! served all along; so is a keep-alive connection left idle between requests.

mod common;

use std::time::{Duration, Instant};

use common::process::ServeProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the server closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match tokio::time::timeout(deadline - Instant::now(), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // a 408 or similar before closing: still closed next
            Err(_) => return false,
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let server = ServeProcess::start(&url, dir.path(), &["--header-read-timeout-secs", "2"]).await;
    let addr = format!("127.0.0.1:{}", server.port());

    // 200 idle connections and 100 slowloris ones.
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    let dribble = tokio::spawn(async move {
        // One more header line every 300 ms, for at most 6 s: never a complete head.
        for i in 0..20 {
            for s in slow.iter_mut() {
                let _ = s.write_all(format!("X-Slow-{i}: y\r\n").as_bytes()).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        slow
    });

    // Meanwhile, normal clients are served quickly.
    let http = reqwest::Client::new();
    let started = Instant::now();
    for _ in 0..50 {
        let r = http
            .get(server.url("/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .expect("a normal client is served while slow ones hold connections");
        assert_eq!(r.status(), 200);
    }
    assert!(started.elapsed() < Duration::from_secs(10));

    // The idle ones are closed by the timeout (2 s), long before 75 s.
    let mut closed = 0;
    for s in idle.iter_mut() {
        if closed_within(s, Duration::from_secs(5)).await {
            closed += 1;
        }
    }
    assert_eq!(
        closed, 200,
        "idle connections closed by the header-read timeout"
    );
    let mut slow = dribble.await.unwrap();
    let mut closed = 0;
    for s in slow.iter_mut() {
        if closed_within(s, Duration::from_secs(3)).await {
            closed += 1;
        }
    }
    assert_eq!(
        closed, 100,
        "slowloris connections closed by the header-read timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keep_alive_connection_idle_between_requests_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let server = ServeProcess::start(&url, dir.path(), &["--header-read-timeout-secs", "1"]).await;
    let mut s = TcpStream::connect(format!("127.0.0.1:{}", server.port()))
        .await
        .unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Kept alive, then idle: closed after about a second.
    let started = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(4)).await);
    assert!(started.elapsed() >= Duration::from_millis(800));
}
