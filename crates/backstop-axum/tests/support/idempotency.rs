//! The idempotency behaviour both stores must show; each test file runs it against one store.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use backstop_axum::idempotency::{Fingerprint, IdempotencyLayer, IdempotencyStore, store_key};
use futures_util::future::BoxFuture;
use tower::ServiceExt;

/// Inserts a claim as a crashed worker would have left it.
pub type InsertClaim =
    Box<dyn Fn(String, Fingerprint, Duration) -> BoxFuture<'static, ()> + Send + Sync>;

#[derive(Clone, Default)]
struct Counters {
    invoices: Arc<AtomicUsize>,
    flaky: Arc<AtomicUsize>,
    slow: Arc<AtomicUsize>,
}

fn app(store: Arc<dyn IdempotencyStore>, counters: Counters) -> Router {
    let c = counters.clone();
    let invoices = move |body: String| {
        let c = c.clone();
        async move {
            let n = c.invoices.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            (
                StatusCode::CREATED,
                [(header::LOCATION, format!("/invoices/{n}"))],
                axum::Json(serde_json::json!({"id": n, "echo": body})),
            )
        }
    };
    let c = counters.clone();
    let flaky = move || {
        let c = c.clone();
        async move {
            if c.flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                backstop_axum::Error(backstop::ApiError::new(
                    backstop::Code::EXTERNAL_SERVICE_ERROR,
                ))
                .into_response()
            } else {
                (StatusCode::CREATED, "made").into_response()
            }
        }
    };
    let c = counters;
    let slow = move || {
        let c = c.clone();
        async move {
            if c.slow.fetch_add(1, Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            (StatusCode::CREATED, "done")
        }
    };
    Router::new()
        .route("/invoices", post(invoices).get(|| async { "list" }))
        .route("/flaky", post(flaky))
        .route("/slow", post(slow))
        .layer(IdempotencyLayer::from_arc(store).lease(Duration::from_secs(5)))
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn code(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["error"]["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Runs every check against `store`. `tag` keeps keys distinct between runs sharing a store.
pub async fn run_all(store: Arc<dyn IdempotencyStore>, insert_claim: InsertClaim, tag: &str) {
    let counters = Counters::default();
    let router = app(store, counters.clone());
    let addr = serve(router.clone()).await;
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}{p}");

    // 200 concurrent identical POSTs: the side effect runs exactly once.
    let key = format!("{tag}-concurrent");
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (client, url, key) = (client.clone(), url("/invoices"), key.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("idempotency-key", key)
                .body("{\"amount\":100}")
                .send()
                .await
                .unwrap();
            let status = r.status();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let retry_after = r.headers().get("retry-after").is_some();
            let location = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            (
                status,
                replayed,
                retry_after,
                location,
                r.text().await.unwrap(),
            )
        }));
    }
    let (mut first, mut replays, mut conflicts) = (0, 0, 0);
    for t in tasks {
        let (status, replayed, retry_after, location, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                assert_eq!(location.as_deref(), Some("/invoices/1"));
                assert!(body.contains("\"id\":1"), "{body}");
                if replayed { replays += 1 } else { first += 1 }
            }
            StatusCode::CONFLICT => {
                assert_eq!(code(&body), "IDEMPOTENCY_KEY_IN_USE");
                assert!(retry_after, "a 409 in flight says when to come back");
                assert!(body.contains("\"retryable\":true"));
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(first, 1);
    assert_eq!(first + replays + conflicts, 200);
    assert_eq!(
        counters.invoices.load(Ordering::SeqCst),
        1,
        "the side effect ran exactly once"
    );

    // A later repeat is a replay, also with the quoted structured-field form of the key.
    let r = client
        .post(url("/invoices"))
        .header("idempotency-key", format!("\"{key}\""))
        .body("{\"amount\":100}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["location"], "/invoices/1");
    assert_eq!(counters.invoices.load(Ordering::SeqCst), 1);

    // Same key, another body: 422.
    let r = client
        .post(url("/invoices"))
        .header("idempotency-key", &key)
        .body("{\"amount\":999}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&r.text().await.unwrap()), "IDEMPOTENCY_KEY_MISMATCH");
    assert_eq!(counters.invoices.load(Ordering::SeqCst), 1);

    // A key over 255 characters: 400; GET is not subject to keys.
    let r = client
        .post(url("/invoices"))
        .header("idempotency-key", "k".repeat(256))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&r.text().await.unwrap()), "INVALID_REQUEST");
    for _ in 0..2 {
        let r = client
            .get(url("/invoices"))
            .header("idempotency-key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().get("idempotent-replayed").is_none());
    }

    // A 5xx is not stored: the retry runs again.
    let key = format!("{tag}-flaky");
    let r = client
        .post(url("/flaky"))
        .header("idempotency-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let r = client
        .post(url("/flaky"))
        .header("idempotency-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(counters.flaky.load(Ordering::SeqCst), 2);

    // A cancelled request (its future dropped mid-handler) releases its claim.
    let key = format!("{tag}-cancelled");
    let request = || {
        Request::builder()
            .method(Method::POST)
            .uri("/slow")
            .header("idempotency-key", &key)
            .body(Body::from("x"))
            .unwrap()
    };
    let cancelled = tokio::time::timeout(
        Duration::from_millis(200),
        router.clone().oneshot(request()),
    )
    .await;
    assert!(cancelled.is_err(), "the first request was cut off");
    let mut released = false;
    for _ in 0..50 {
        let r = router.clone().oneshot(request()).await.unwrap();
        if r.status() == StatusCode::CREATED {
            released = true;
            break;
        }
        assert_eq!(r.status(), StatusCode::CONFLICT);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(released, "the dropped request's claim was released");
    assert_eq!(counters.slow.load(Ordering::SeqCst), 2);

    // A crashed worker's claim (never released) blocks the key only until its lease ends.
    let key = format!("{tag}-crashed");
    let fp = Fingerprint::of(&Method::POST, "/invoices", b"{\"amount\":5}");
    insert_claim(store_key("anonymous", &key), fp, Duration::from_millis(400)).await;
    let send = || {
        client
            .post(url("/invoices"))
            .header("idempotency-key", &key)
            .body("{\"amount\":5}")
            .send()
    };
    let r = send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "claimable again after the lease"
    );
    assert_eq!(counters.invoices.load(Ordering::SeqCst), 2);
}
