//! docs/CONTRACT.md §6, §10.4, §12: 100,000 requests with garbage bearer tokens from one address.
//! The per-address limit answers 429 once its quota is spent, before any authentication work; no
//! attempt writes an error record; and the log stays bounded by its per-second budget instead of
//! growing with every attempt.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::process::ServeProcess;

const REQUESTS: u64 = 100_000;
const CONCURRENCY: u64 = 64;
const PER_ADDRESS_PER_MINUTE: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_token_flood_gets_429_with_bounded_logs_and_records() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("b.db");
    let url = format!("sqlite://{}", db_path.display());
    let server = ServeProcess::start(
        &url,
        dir.path(),
        &[
            "--rate-limit-per-address-per-minute",
            &PER_ADDRESS_PER_MINUTE.to_string(),
        ],
    )
    .await;
    let db_size_before = std::fs::metadata(&db_path).unwrap().len();

    let counts: Arc<[AtomicU64; 3]> = Arc::new(Default::default()); // 401, 429, other
    let started = Instant::now();
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (http, counts, url) = (
            http.clone(),
            counts.clone(),
            server.url("/v1/platform/businesses/"),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while i < REQUESTS {
                let r = http
                    .get(&url)
                    .bearer_auth(format!("garbage-{i}"))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                    .unwrap();
                let slot = match r.status().as_u16() {
                    401 => 0,
                    429 => 1,
                    _ => 2,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
                i += CONCURRENCY;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let [unauthorized, limited, other] = [0, 1, 2].map(|i| counts[i].load(Ordering::Relaxed));
    // The quota, plus what it refills while the flood runs.
    let allowed = PER_ADDRESS_PER_MINUTE + PER_ADDRESS_PER_MINUTE * (elapsed.as_secs() + 1) / 60;
    eprintln!(
        "{REQUESTS} bad tokens in {elapsed:?}: {unauthorized} x 401, {limited} x 429, {other} other"
    );
    assert_eq!(other, 0);
    assert!(
        unauthorized <= allowed,
        "{unauthorized} reached authentication"
    );
    assert_eq!(unauthorized + limited, REQUESTS);

    // No record for anyone to look up, so none written.
    let db = backstop_app::Db::connect(&url).await.unwrap();
    let stored = db.count_error_records().await.unwrap();
    db.close().await;
    assert_eq!(stored, 0, "error records written for anonymous failures");
    let db_growth = std::fs::metadata(&db_path).unwrap().len() as i64 - db_size_before as i64;
    assert!(db_growth < 1 << 20, "database grew by {db_growth} bytes");

    // The log: at most the budget (200 lines a second for 4xx) plus start-up lines, instead of
    // one line per attempt.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.log_text();
    let lines = log.lines().count() as u64;
    let budget = 200 * (elapsed.as_secs() + 2) + 50;
    eprintln!("log: {lines} lines, {} bytes", log.len());
    assert!(lines <= budget, "{lines} log lines for {REQUESTS} requests");
    assert!(
        log.contains("suppressed="),
        "the lines left out are counted"
    );
}
