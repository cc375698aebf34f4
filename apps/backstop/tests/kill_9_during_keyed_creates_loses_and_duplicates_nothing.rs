//! docs/CONTRACT.md §9.4, §10.2: `backstop serve` is killed with SIGKILL while clients send keyed
//! creates, five times per backend; after each restart every request is sent again, whether its
//! answer was lost with the process or had arrived. Every key ends with exactly one invoice, every
//! answer that arrived names an invoice that exists, and a re-send of an answered key replays that
//! same invoice.
//!
//! On SQLite always; on Postgres too when `BACKSTOP_TEST_DATABASE_URL` is set.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::process::ServeProcess;
use common::*;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const CRASHES: usize = 5;
const CLIENTS: usize = 8;

/// What each key got before the crash: the invoice id if an answer arrived.
type Answers = Arc<Mutex<HashMap<String, Option<String>>>>;

struct Api {
    base: String,
    token: String,
    biz: String,
    cus: String,
}

impl Api {
    fn create(&self, http: &reqwest::Client, key: &str, n: u64) -> reqwest::RequestBuilder {
        http.post(format!(
            "{}/v1/platform/businesses/{}/invoices/",
            self.base, self.biz
        ))
        .bearer_auth(&self.token)
        .header("idempotency-key", key)
        .timeout(Duration::from_secs(5))
        .json(&json!({
            "customer_id": self.cus,
            "currency": "EUR",
            "due_date": "2027-01-31",
            "line_items": [{"description": format!("item {key}"), "quantity": 1, "unit_amount": n}],
        }))
    }
}

/// Sends `key` until it gets a 201 (the first answer or a replay); an orphaned claim answers 409
/// with `Retry-After` until its lease ends. Bounded: 60 attempts.
async fn settle(api: &Api, http: &reqwest::Client, key: &str, n: u64) -> (String, bool) {
    for _ in 0..60 {
        match api.create(http, key, n).send().await {
            Ok(r) if r.status() == 201 => {
                let replayed = r.headers().contains_key("idempotent-replayed");
                let body: Value = r.json().await.unwrap();
                return (body["id"].as_str().unwrap().to_owned(), replayed);
            }
            Ok(r) if r.status() == 409 || r.status() == 503 => {
                let wait = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1);
                tokio::time::sleep(Duration::from_millis(wait.min(3) * 1000 / 2)).await;
            }
            Ok(r) => panic!(
                "{key}: unexpected {} {}",
                r.status(),
                r.text().await.unwrap()
            ),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("{key}: no 201 after 60 attempts");
}

async fn crash_runs(url: &str, dir: &std::path::Path) {
    let args = ["--idempotency-lease-secs", "2"];
    let mut server = ServeProcess::start(url, dir, &args).await;
    let port = server.port();
    let db = backstop_app::Db::connect(url).await.unwrap();
    let p = partner(&db, "Acme").await;
    db.close().await;
    let token = partner_token(&server, &p).await;
    let biz = create_business(&server, &token, "crash").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let btoken = business_token(&server, &token, &biz).await;
    let cus = create_customer(&server, &btoken, &biz).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = Arc::new(Api {
        base: server.base.clone(),
        token: btoken,
        biz,
        cus,
    });
    let answers: Answers = Arc::default();
    let mut lost_total = 0;
    let mut answered_total = 0;

    for run in 0..CRASHES {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let (api, answers, stop) = (api.clone(), answers.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                // Bounded: at most 2,000 creates per client per run.
                for i in 0..2_000u64 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("r{run}-c{client}-{i}");
                    answers.lock().await.insert(key.clone(), None);
                    match api.create(&http, &key, i).send().await {
                        Ok(r) if r.status() == 201 => {
                            let body: Value = r.json().await.unwrap_or_default();
                            if let Some(id) = body["id"].as_str() {
                                answers.lock().await.insert(key, Some(id.to_owned()));
                            }
                        }
                        // The answer is lost with the process (or refused): sent again below.
                        _ => break,
                    }
                }
            }));
        }
        // Let the load run for a moment that varies per run, then SIGKILL.
        tokio::time::sleep(Duration::from_millis(300 + 150 * run as u64)).await;
        server.kill9();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        server = ServeProcess::start_on(port, url, dir, &args).await;

        // Re-send every request of this run: the lost ones and the answered ones.
        let snapshot: Vec<(String, Option<String>)> = answers
            .lock()
            .await
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("r{run}-")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let http = reqwest::Client::new();
        for (key, first) in snapshot {
            let n: u64 = key.rsplit('-').next().unwrap().parse().unwrap();
            let (id, replayed) = settle(&api, &http, &key, n).await;
            match first {
                Some(first) => {
                    answered_total += 1;
                    assert!(replayed, "{key}: an answered create is replayed");
                    assert_eq!(id, first, "{key}: the replay names the first invoice");
                }
                None => {
                    lost_total += 1;
                    answers.lock().await.insert(key, Some(id));
                }
            }
        }
    }

    // Exactly one invoice per key, and every id handed out exists.
    let final_answers = answers.lock().await.clone();
    let db = backstop_app::Db::connect(url).await.unwrap();
    let biz = api.biz.clone();
    let page = db.invoices(&biz, 1_000_000, 0).await.unwrap();
    db.close().await;
    let stored: std::collections::HashSet<String> =
        page.items.iter().map(|i| i.id.clone()).collect();
    assert_eq!(
        page.count as usize,
        final_answers.len(),
        "one invoice per key: {} invoices for {} keys",
        page.count,
        final_answers.len()
    );
    for (key, id) in &final_answers {
        let id = id.as_ref().expect("every key settled");
        assert!(stored.contains(id), "{key}: {id} exists");
    }
    eprintln!(
        "{url}: {CRASHES} crashes, {} keys, {answered_total} answered before a crash and replayed, \
         {lost_total} answers lost and re-sent, {} invoices",
        final_answers.len(),
        page.count
    );
    server.kill9();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_keyed_creates_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_runs(&sqlite, dir.path()).await;
    match postgres_url().await {
        Some(url) => crash_runs(&url, dir.path()).await,
        None => eprintln!("skipping Postgres: BACKSTOP_TEST_DATABASE_URL is not set"),
    }
}
