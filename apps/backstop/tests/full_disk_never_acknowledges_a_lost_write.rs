//! A full file system under a SQLite database (a small tmpfs this test mounts): while it is full,
//! creates get 503 `SERVICE_UNAVAILABLE` with `Retry-After` and `/healthz` says the store is
//! unhealthy; no create answers 201 without a resource that can be read back; once space returns,
//! creates succeed again without a restart, and everything acknowledged survives a restart. The
//! same holds for creates sent by 16 clients at once, which SQLite's writer groups into shared
//! commits (a failed commit fails every create of its batch).
//!
//! Needs permission to mount a tmpfs (root, as in CI); without it the test says so and does nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system holding `dir` with one file; returns its path.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    // Bounded: a tmpfs of a few MiB fills in well under 1,000 chunks.
    for _ in 0..100_000 {
        if f.write_all(&chunk).is_err() {
            break;
        }
    }
    let small = [0u8; 512];
    for _ in 0..1_000 {
        if f.write_all(&small).is_err() {
            break;
        }
    }
    let _ = f.flush();
    path
}

async fn create_invoice(
    srv: &TestServer,
    token: &str,
    biz: &str,
    cus: &str,
    n: usize,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(srv.url(&format!("/v1/platform/businesses/{biz}/invoices/")))
        .bearer_auth(token)
        .header("idempotency-key", format!("inv-{n}"))
        .json(&json!({
            "customer_id": cus,
            "currency": "GBP",
            "due_date": "2026-12-31",
            "line_items": [{"description": "x".repeat(400), "quantity": 1, "unit_amount": n}],
        }))
        .send()
        .await
        .unwrap()
}

async fn readable(srv: &TestServer, token: &str, biz: &str, id: &str) -> bool {
    reqwest::Client::new()
        .get(srv.url(&format!("/v1/platform/businesses/{biz}/invoices/{id}/")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        == 200
}

/// A server on a SQLite file in a 6 MiB tmpfs, with a business and a customer.
struct OnTmpfs {
    dir: tempfile::TempDir,
    /// Bound after `dir` where destructured, so it is unmounted first.
    _tmpfs: Tmpfs,
    cfg: backstop_app::ServeConfig,
    srv: TestServer,
    biz: String,
    btoken: String,
    cus: String,
}

/// [`OnTmpfs`], or `None` (said on stderr) where this test may not mount a tmpfs.
async fn on_small_tmpfs() -> Option<OnTmpfs> {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmpfs) = Tmpfs::mount(dir.path(), "6m") else {
        eprintln!("skipping: cannot mount a tmpfs here (needs root)");
        return None;
    };
    let url = format!("sqlite://{}", dir.path().join("backstop.db").display());
    let cfg = config(&url);
    let srv = start(cfg.clone()).await;
    let Tenant { biz, btoken, .. } = tenant(&srv).await;
    let cus = create_customer(&srv, &btoken, &biz).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Some(OnTmpfs {
        dir,
        _tmpfs: tmpfs,
        cfg,
        srv,
        biz,
        btoken,
        cus,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_never_acknowledges_a_lost_write() {
    let Some(OnTmpfs {
        dir,
        _tmpfs,
        cfg,
        srv,
        biz,
        btoken,
        cus,
    }) = on_small_tmpfs().await
    else {
        return;
    };

    let mut acknowledged: Vec<(usize, String)> = Vec::new();
    let mut n = 0;
    // Before: creates work.
    for _ in 0..20 {
        n += 1;
        let r = create_invoice(&srv, &btoken, &biz, &cus, n).await;
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        acknowledged.push((n, body["id"].as_str().unwrap().to_owned()));
    }

    // Full: no create is acknowledged unless it is really there; refusals are 503 + Retry-After.
    let filler = fill(dir.path());
    let mut refused = 0;
    for _ in 0..60 {
        n += 1;
        let r = create_invoice(&srv, &btoken, &biz, &cus, n).await;
        let status = r.status().as_u16();
        match status {
            201 => {
                let body: Value = r.json().await.unwrap();
                let id = body["id"].as_str().unwrap().to_owned();
                assert!(
                    readable(&srv, &btoken, &biz, &id).await,
                    "a 201 while full must be readable"
                );
                acknowledged.push((n, id));
            }
            503 => {
                assert!(
                    r.headers().contains_key("retry-after"),
                    "503 carries Retry-After"
                );
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
                refused += 1;
            }
            other => panic!(
                "while the disk is full, a create got {other}: {}",
                r.text().await.unwrap()
            ),
        }
    }
    assert!(refused > 0, "a full disk refuses writes");
    let health = reqwest::get(srv.url("/healthz")).await.unwrap();
    assert_eq!(
        health.status(),
        503,
        "/healthz reports the store unhealthy while writes fail"
    );
    assert!(health.headers().contains_key("retry-after"));

    // Space returns: writes succeed again without a restart.
    std::fs::remove_file(&filler).unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        n += 1;
        let r = create_invoice(&srv, &btoken, &biz, &cus, n).await;
        if r.status() == 201 {
            let body: Value = r.json().await.unwrap();
            acknowledged.push((n, body["id"].as_str().unwrap().to_owned()));
            recovered = true;
        } else {
            assert_eq!(r.status(), 503);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(recovered, "creates succeed again once space returns");
    for _ in 0..20 {
        let h = reqwest::get(srv.url("/healthz")).await.unwrap().status();
        if h == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        reqwest::get(srv.url("/healthz")).await.unwrap().status(),
        200
    );
    for (_, id) in &acknowledged {
        assert!(
            readable(&srv, &btoken, &biz, id).await,
            "{id} acknowledged and readable"
        );
    }
    // Every key answered before is replayed with the same invoice.
    for (k, id) in acknowledged.iter().take(5) {
        let r = create_invoice(&srv, &btoken, &biz, &cus, *k).await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["idempotent-replayed"], "true");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["id"], id.as_str());
    }
    srv.stop().await;

    // After a restart, every acknowledged invoice is still there.
    let srv = start(cfg).await;
    let mut missing = Vec::new();
    for (_, id) in &acknowledged {
        if !readable(&srv, &btoken, &biz, id).await {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged creates missing after restart",
        missing.len(),
        acknowledged.len()
    );
    srv.stop().await;
}

/// Creates `ns` from 16 clients at once (so that SQLite's writer groups them into shared commits);
/// returns each create's number, status and invoice id, checking every 201 reads back at once and
/// every 503 carries `Retry-After`.
async fn concurrent_creates(
    srv: &TestServer,
    token: &str,
    biz: &str,
    cus: &str,
    ns: std::ops::Range<usize>,
) -> Vec<(usize, u16, Option<String>)> {
    let ns: Vec<usize> = ns.collect();
    let clients = ns.chunks(ns.len().div_ceil(16)).map(|chunk| async move {
        let mut out = Vec::new();
        for &n in chunk {
            let r = create_invoice(srv, token, biz, cus, n).await;
            let status = r.status().as_u16();
            let retry_after = r.headers().contains_key("retry-after");
            let body: Value = r.json().await.unwrap();
            let id = body["id"].as_str().map(str::to_owned);
            match status {
                201 => assert!(
                    readable(srv, token, biz, id.as_deref().unwrap()).await,
                    "a 201 must be readable at once"
                ),
                503 => {
                    assert!(retry_after, "503 carries Retry-After");
                    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
                }
                other => panic!("a create got {other}: {body}"),
            }
            out.push((n, status, id));
        }
        out
    });
    futures_util::future::join_all(clients)
        .await
        .into_iter()
        .flatten()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_on_a_full_disk_are_refused_and_never_lost() {
    let Some(OnTmpfs {
        dir,
        _tmpfs,
        cfg,
        srv,
        biz,
        btoken,
        cus,
    }) = on_small_tmpfs().await
    else {
        return;
    };

    let before = concurrent_creates(&srv, &btoken, &biz, &cus, 1..65).await;
    assert!(before.iter().all(|(_, s, _)| *s == 201), "creates work");

    let filler = fill(dir.path());
    let full = concurrent_creates(&srv, &btoken, &biz, &cus, 1001..1161).await;
    assert!(
        full.iter().any(|(_, s, _)| *s == 503),
        "a full disk refuses writes"
    );

    std::fs::remove_file(&filler).unwrap();
    let mut after = Vec::new();
    // Bounded: 20 bursts of 32 creates, until one burst is all 201.
    for burst in 0..20 {
        let start = 2001 + burst * 32;
        let got = concurrent_creates(&srv, &btoken, &biz, &cus, start..start + 32).await;
        let recovered = got.iter().all(|(_, s, _)| *s == 201);
        after.extend(got);
        if recovered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        after.iter().rev().take(32).all(|(_, s, _)| *s == 201),
        "creates succeed again once space returns"
    );
    srv.stop().await;

    let srv = start(cfg).await;
    let acknowledged: Vec<String> = [before, full, after]
        .into_iter()
        .flatten()
        .filter_map(|(_, s, id)| (s == 201).then(|| id.unwrap()))
        .collect();
    let mut missing = 0;
    for id in &acknowledged {
        if !readable(&srv, &btoken, &biz, id).await {
            missing += 1;
        }
    }
    assert_eq!(
        missing,
        0,
        "of {} acknowledged creates, missing after restart",
        acknowledged.len()
    );
    srv.stop().await;
}
