//! docs/CONTRACT.md §9.3, §9.4: a repeat of a create while the first is still in flight gets 409
//! `IDEMPOTENCY_KEY_IN_USE`, retryable with `Retry-After` (listed in the OpenAPI document); once the
//! first has finished, repeats replay its response with `Idempotent-Replayed: true`. A claim left
//! behind by a crashed process blocks repeats the same way until its lease ends, then a repeat takes
//! it over and runs exactly once.
//!
//! A claim row left behind by a release that committed claims before the handler ran blocks
//! repeats until its lease ends too. Two instances sharing one database hold their claims apart;
//! of two requests with one key running on both, only one can commit, and the other gets 409.
//!
//! Live in flight (Postgres): the first request is held inside its handler, after its claim, by an
//! exclusive lock on the `invoices` table taken from another connection.

mod common;

use std::time::Duration;

use backstop_axum::idempotency::{Fingerprint, store_key};
use common::*;
use serde_json::{Value, json};
use sqlx::Connection;

const INV: &str = "/v1/platform/businesses/{business_id}/invoices/";

struct Fixture {
    srv: TestServer,
    partner: Partner,
    btoken: String,
    biz: String,
    body: Value,
}

async fn fixture(url: &str, lease: Duration) -> Fixture {
    let mut cfg = config(url);
    cfg.idempotency_lease = lease;
    let srv = start(cfg).await;
    let partner = partner(&srv.db, "A").await;
    let token = partner_token(&srv, &partner).await;
    let biz = create_business(&srv, &token, "idem-1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let btoken = business_token(&srv, &token, &biz).await;
    let cus = create_customer(&srv, &btoken, &biz).await;
    let body = json!({
        "customer_id": cus["id"],
        "currency": "GBP",
        "due_date": "2026-12-31",
        "line_items": [{"description": "Work", "quantity": 2, "unit_amount": 1500}],
    });
    Fixture {
        srv,
        partner,
        btoken,
        biz,
        body,
    }
}

impl Fixture {
    fn post(&self, key: &str) -> reqwest::RequestBuilder {
        self.post_to(&self.srv, key)
    }

    /// The create with `key` sent to `srv` (this fixture's server or another instance).
    fn post_to(&self, srv: &TestServer, key: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .post(srv.url(&format!("/v1/platform/businesses/{}/invoices/", self.biz)))
            .bearer_auth(&self.btoken)
            .header("idempotency-key", key)
            .timeout(Duration::from_secs(10))
            .json(&self.body)
    }

    async fn repeat_is_in_use(&self, key: &str) {
        let repeat = client()
            .post(
                self.srv
                    .url(&format!("/v1/platform/businesses/{}/invoices/", self.biz)),
            )
            .bearer_auth(&self.btoken)
            .header("idempotency-key", key)
            .json(&self.body)
            .send()
            .await;
        let e = expect_error(
            &self.srv,
            "post",
            INV,
            repeat,
            409,
            "IDEMPOTENCY_KEY_IN_USE",
        );
        assert!(e.is_retryable());
        assert!(
            e.retry_after().is_some(),
            "409 in flight carries Retry-After"
        );
    }

    async fn invoices(&self) -> usize {
        let list: Value = get_json(
            &self
                .srv
                .url(&format!("/v1/platform/businesses/{}/invoices/", self.biz)),
            &self.btoken,
        )
        .await;
        list["count"].as_u64().unwrap() as usize
    }
}

#[tokio::test]
async fn same_key_in_flight_gets_409_then_the_first_response_is_replayed() {
    let Some(url) = postgres_url().await else {
        eprintln!("skipping: BACKSTOP_TEST_DATABASE_URL is not set");
        return;
    };
    let f = fixture(&url, Duration::from_secs(30)).await;
    let mut lock = lock_invoices(&url).await;

    let first = tokio::spawn(f.post("inv-create-1").send());
    // Long enough for the first request to pass auth, rate limit and its idempotency claim (a few
    // milliseconds), far shorter than it may wait for the lock.
    tokio::time::sleep(Duration::from_millis(500)).await;
    f.repeat_is_in_use("inv-create-1").await;
    assert!(!first.is_finished(), "the first request was still waiting");

    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let created: Value = first.json().await.unwrap();

    let replay = f.post("inv-create-1").send().await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(
        replayed["id"], created["id"],
        "the same invoice, not a second one"
    );
    assert_eq!(f.invoices().await, 1);
    lock.close().await.unwrap();
    f.srv.stop().await;
}

#[tokio::test]
async fn the_same_key_on_two_instances_at_once_makes_one_invoice_and_both_get_it() {
    let Some(url) = postgres_url().await else {
        eprintln!("skipping: BACKSTOP_TEST_DATABASE_URL is not set");
        return;
    };
    let f = fixture(&url, Duration::from_secs(30)).await;
    let other = start(config(&url)).await;
    let mut lock = lock_invoices(&url).await;

    // Both requests pass their claims (each instance knows only its own) and wait on the lock.
    let on_first = tokio::spawn(f.post("inv-two").send());
    let on_other = tokio::spawn(f.post_to(&other, "inv-two").send());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!on_first.is_finished() && !on_other.is_finished());
    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();

    let mut answers = Vec::new();
    for answer in [on_first, on_other] {
        let answer = answer.await.unwrap().unwrap();
        let status = answer.status().as_u16();
        let replayed = answer.headers().get("idempotent-replayed").is_some();
        let body: Value = answer.json().await.unwrap();
        answers.push((replayed, status, body));
    }
    answers.sort_by_key(|(replayed, _, _)| *replayed);
    // The loser's write found the key taken at its commit and was rolled back; its instance then
    // read the winner's record and answered with it.
    assert_eq!(
        answers
            .iter()
            .map(|(replayed, status, _)| (*replayed, *status))
            .collect::<Vec<_>>(),
        [(false, 201), (true, 201)],
        "{answers:?}"
    );
    assert_eq!(answers[0].2["id"], answers[1].2["id"], "the same invoice");
    assert_eq!(f.invoices().await, 1, "one invoice, not two");

    // A later re-send, on either instance, replays it too.
    let replay = f.post_to(&other, "inv-two").send().await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        replay.json::<Value>().await.unwrap()["id"],
        answers[0].2["id"]
    );
    lock.close().await.unwrap();
    other.stop().await;
    f.srv.stop().await;
}

#[tokio::test]
async fn a_claim_orphaned_by_a_crash_blocks_until_its_lease_ends_then_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.path().join("b.db").display())];
    urls.extend(postgres_url().await);
    for url in urls {
        let lease = Duration::from_secs(2);
        let f = fixture(&url, lease).await;
        // What an earlier release killed inside the handler left behind: the committed claim, no
        // invoice.
        let path = format!("/v1/platform/businesses/{}/invoices/", f.biz);
        let fingerprint = Fingerprint::of(
            &reqwest::Method::POST,
            &path,
            &serde_json::to_vec(&f.body).unwrap(),
        );
        let key = store_key(&format!("p:{}", f.partner.id), "inv-orphan");
        let now = backstop_app::db::now_millis();
        orphan_claim(&url, &key, &hex(fingerprint.0), now + 2_000).await;

        f.repeat_is_in_use("inv-orphan").await;
        assert_eq!(f.invoices().await, 0);
        tokio::time::sleep(lease + Duration::from_millis(200)).await;
        let taken_over = f.post("inv-orphan").send().await.unwrap();
        assert_eq!(taken_over.status(), 201, "{url}");
        assert!(taken_over.headers().get("idempotent-replayed").is_none());
        let created: Value = taken_over.json().await.unwrap();
        let replay = f.post("inv-orphan").send().await.unwrap();
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        assert_eq!(replay.json::<Value>().await.unwrap()["id"], created["id"]);
        assert_eq!(f.invoices().await, 1, "exactly one invoice on {url}");
        f.srv.stop().await;
    }
}

/// A connection holding an exclusive lock on `invoices` in an open transaction: creates wait inside
/// their handlers, after their claims, until it rolls back.
async fn lock_invoices(url: &str) -> sqlx::PgConnection {
    let mut lock = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut lock).await.unwrap();
    sqlx::query("LOCK TABLE invoices IN EXCLUSIVE MODE")
        .execute(&mut lock)
        .await
        .unwrap();
    lock
}

fn hex(bytes: [u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn orphan_claim(url: &str, key: &str, fingerprint: &str, lease_until: i64) {
    let sql = "INSERT INTO idempotency_keys \
               (idem_key, fingerprint, state, claim, lease_until, response, expires_at, created_at) \
               VALUES ($1, $2, 'in_flight', 'dead', $3, NULL, $3, $3)";
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(key)
            .bind(fingerprint)
            .bind(lease_until)
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(key)
            .bind(fingerprint)
            .bind(lease_until)
            .execute(&mut c)
            .await
            .unwrap();
    }
}
