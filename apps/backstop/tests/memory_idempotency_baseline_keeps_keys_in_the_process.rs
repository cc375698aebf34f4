//! The hidden `--idempotency-store memory` baseline (what `bench/load.sh` compares durable keys
//! with) keeps keys in the process: a keyed create is replayed while the server runs, no record of
//! the key reaches the database, and a restart forgets it. With the default store, the record is in
//! the database and the replay survives the restart.

mod common;

use backstop_app::config::IdempotencyStoreKind;
use common::*;

async fn keys_in_database(url: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM idempotency_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// A keyed customer create: its status, id and whether it was a replay.
async fn keyed_create(srv: &TestServer, token: &str, biz: &str) -> (u16, String, bool) {
    let r = client()
        .post(srv.url(&format!("/v1/platform/businesses/{biz}/customers/")))
        .bearer_auth(token)
        .idempotency_key("create-ana-once")
        .json(&serde_json::json!({"name": "Ana", "email": "ana@example.com"}))
        .send()
        .await
        .expect("customer created");
    let status = r.status().as_u16();
    let replayed = r.headers().get("idempotent-replayed").is_some();
    let body: serde_json::Value = r.json().await.unwrap();
    (
        status,
        body["id"].as_str().unwrap_or("").to_owned(),
        replayed,
    )
}

#[tokio::test]
async fn memory_baseline_keeps_keys_out_of_the_database_and_durable_keys_survive_a_restart() {
    for kind in [IdempotencyStoreKind::Memory, IdempotencyStoreKind::Database] {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("backstop.db").display());
        let mut cfg = config(&url);
        cfg.idempotency_store = kind;
        let srv = start(cfg.clone()).await;
        let Tenant { biz, btoken, .. } = tenant(&srv).await;

        let (status, first, replayed) = keyed_create(&srv, &btoken, &biz).await;
        assert_eq!((status, replayed), (201, false), "{kind:?}");
        let (status, again, replayed) = keyed_create(&srv, &btoken, &biz).await;
        assert_eq!(
            (status, replayed),
            (201, true),
            "{kind:?}: replayed while running"
        );
        assert_eq!(again, first, "{kind:?}");
        srv.stop().await;

        let durable = kind == IdempotencyStoreKind::Database;
        assert_eq!(keys_in_database(&url).await, i64::from(durable), "{kind:?}");
        let srv = start(cfg).await;
        let (_, after, replayed) = keyed_create(&srv, &btoken, &biz).await;
        assert_eq!(replayed, durable, "{kind:?}: replayed after a restart");
        assert_eq!(after == first, durable, "{kind:?}");
        srv.stop().await;
    }
}
