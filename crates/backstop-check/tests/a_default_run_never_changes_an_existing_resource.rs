//! The story: with `--get-route /items/1` an old check sent `DELETE /items/1` to find a 405 and deleted
//! the record. A default run now sends nothing that can change or delete an existing resource, and the
//! probes that may create something run only with `--allow-writes`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use backstop_check::{Outcome, cli};
use clap::Parser;
use serde_json::{Value, json};

type Store = Arc<Mutex<BTreeMap<u64, Value>>>;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    args: cli::CheckArgs,
}

/// An API that accepts any JSON and deletes on request: what a careless probe would damage.
async fn items_api() -> (String, Store) {
    let store: Store = Arc::new(Mutex::new(BTreeMap::from([(
        1,
        json!({"name": "keep me"}),
    )])));
    let app = Router::new()
        .route(
            "/items",
            get(|State(s): State<Store>| async move {
                Json(s.lock().unwrap().values().cloned().collect::<Vec<_>>())
            })
            .post(|State(s): State<Store>, Json(v): Json<Value>| async move {
                let mut s = s.lock().unwrap();
                let id = s.keys().max().copied().unwrap_or(0) + 1;
                s.insert(id, v.clone());
                (StatusCode::CREATED, Json(v))
            }),
        )
        .route(
            "/items/{id}",
            get(|State(s): State<Store>, Path(id): Path<u64>| async move {
                s.lock()
                    .unwrap()
                    .get(&id)
                    .cloned()
                    .map(Json)
                    .ok_or(StatusCode::NOT_FOUND)
            })
            .delete(|State(s): State<Store>, Path(id): Path<u64>| async move {
                match s.lock().unwrap().remove(&id) {
                    Some(_) => StatusCode::NO_CONTENT,
                    None => StatusCode::NOT_FOUND,
                }
            }),
        )
        .with_state(store.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, store)
}

async fn run(argv: &[&str]) -> backstop_check::Report {
    let mut full = vec!["backstop-check"];
    full.extend_from_slice(argv);
    let config = cli::config(&Args::try_parse_from(full).unwrap().args)
        .await
        .unwrap();
    backstop_check::run(config, &mut |_, _, _| {})
        .await
        .unwrap()
}

#[tokio::test]
async fn a_default_run_keeps_every_record_and_skips_the_writes() {
    let (base, store) = items_api().await;
    let report = run(&[
        &base,
        "--get-route",
        "/items/1",
        "--post-route",
        "/items",
        "--max-requests",
        "20",
    ])
    .await;
    let table = report.to_text();
    assert_eq!(
        *store.lock().unwrap(),
        BTreeMap::from([(1, json!({"name": "keep me"}))]),
        "nothing created or deleted\n{table}"
    );
    for p in &report.probes {
        if p.writes {
            assert_eq!(p.outcome, Outcome::Skip, "{}\n{table}", p.probe);
            assert!(p.summary.contains("--allow-writes"), "{}", p.summary);
        }
    }
    // axum's 405 names what /items/1 allows, so the refused method is one it leaves out, not its DELETE.
    let wrong = report.probe("wrong_method").unwrap();
    let evidence = wrong.evidence.as_ref().unwrap();
    assert!(!evidence.request.starts_with("DELETE /items/1"), "{table}");
    assert_eq!(evidence.status, 405, "{table}");
    // A plain axum app: empty error bodies, no request ids; no code is made up for them.
    let unknown = report.probe("unknown_route").unwrap();
    assert_eq!(unknown.outcome, Outcome::Fail);
    assert_eq!(unknown.findings, ["envelope.none.empty"], "{table}");
    assert!(!table.contains("code NOT_FOUND"), "{table}");
    assert!(report.finding("request-id.absent").is_some(), "{table}");
}

#[tokio::test]
async fn allow_writes_runs_the_body_probes_and_they_may_create() {
    let (base, store) = items_api().await;
    let report = run(&[
        &base,
        "--get-route",
        "/items/1",
        "--post-route",
        "/items",
        "--allow-writes",
        "--max-requests",
        "20",
        "--oversize-bytes",
        "1100000",
    ])
    .await;
    let table = report.to_text();
    for name in [
        "malformed_json",
        "wrong_content_type",
        "validation",
        "idempotency_replay",
    ] {
        assert_eq!(
            report.probe(name).unwrap().outcome,
            Outcome::Fail,
            "{name}\n{table}"
        );
    }
    // axum accepts {} and the 1 MiB body: the records the probes made show why they need --allow-writes.
    assert!(store.lock().unwrap().len() > 1, "{table}");
    assert!(
        store.lock().unwrap().contains_key(&1),
        "the existing record is still there"
    );
    let idem = report
        .finding("idempotency.absent")
        .expect("one finding for no idempotency");
    assert_eq!(
        idem.probes,
        ["idempotency_replay", "idempotency_mismatch"],
        "{table}"
    );
}

#[tokio::test]
async fn a_probe_blocked_by_missing_credentials_is_skipped_with_the_reason() {
    // Every route wants a credential; none is given.
    let app = Router::new().route(
        "/items",
        get(|| async { StatusCode::UNAUTHORIZED }).post(|| async { StatusCode::UNAUTHORIZED }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let report = run(&[
        &base,
        "--post-route",
        "/items",
        "--allow-writes",
        "--max-requests",
        "5",
    ])
    .await;
    let table = report.to_text();
    for name in [
        "malformed_json",
        "wrong_content_type",
        "validation",
        "oversized_body",
        "idempotency_replay",
    ] {
        let p = report.probe(name).unwrap();
        assert_eq!(p.outcome, Outcome::Skip, "{name}\n{table}");
        assert!(
            p.summary.starts_with("blocked by missing credentials"),
            "{name}: {}",
            p.summary
        );
        assert!(p.summary.contains("--auth-header"), "{}", p.summary);
    }
}
