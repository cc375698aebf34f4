//! A 401 calls the refresh hook once and retries once with the new credential, which later requests reuse.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use backstop::{ApiError, Code, Profile};
use backstop_client::{BoxError, Client};
use common::{Reply, serve_fn};
use reqwest::header::HeaderValue;

fn refresher(
    calls: Arc<AtomicUsize>,
    token: &'static str,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<HeaderValue, BoxError>> + Send>>
+ Send
+ Sync
+ 'static {
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { Ok(HeaderValue::from_str(&format!("Bearer {token}"))?) })
    }
}

async fn guarded() -> common::Server {
    serve_fn(|_, seen| {
        if seen.authorization.as_deref() == Some("Bearer fresh") {
            Reply::ok()
        } else {
            Reply::encoded(&ApiError::new(Code::INVALID_TOKEN), Profile::Backstop)
                .header("www-authenticate", r#"Bearer error="invalid_token""#)
        }
    })
    .await
}

#[tokio::test]
async fn a_401_refreshes_then_succeeds() {
    let server = guarded().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let client = Client::builder()
        .credential_refresher(refresher(calls.clone(), "fresh"))
        .build();

    let response = client
        .get(server.url("/me"))
        .bearer_auth("stale")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let auth: Vec<_> = server
        .seen()
        .into_iter()
        .map(|s| s.authorization.unwrap())
        .collect();
    assert_eq!(auth, ["Bearer stale", "Bearer fresh"]);

    // Later requests carry the refreshed credential at once.
    client
        .get(server.url("/me"))
        .bearer_auth("stale")
        .send()
        .await
        .unwrap();
    assert_eq!(server.hits(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn concurrent_401s_share_one_refresh() {
    // A token expires under load: every in-flight request gets a 401 at once. The hook runs once
    // (it is slow, as a token endpoint is), and every request retries with its result.
    let server = guarded().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let client = Client::builder()
        .credential_refresher(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                Ok::<_, BoxError>(HeaderValue::from_static("Bearer fresh"))
            })
                as std::pin::Pin<Box<dyn Future<Output = Result<HeaderValue, BoxError>> + Send>>
        })
        .build();

    let requests: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            let url = server.url("/me");
            tokio::spawn(async move { client.get(url).bearer_auth("stale").send().await })
        })
        .collect();
    for request in requests {
        let response = request.await.unwrap().unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one refresh for 20 401s");
}

#[tokio::test]
async fn a_second_401_is_returned_after_one_refresh() {
    let server = guarded().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let client = Client::builder()
        .credential_refresher(refresher(calls.clone(), "still-bad"))
        .build();

    let err = client
        .post(server.url("/me"))
        .bearer_auth("stale")
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.status().unwrap().as_u16(), 401);
    assert_eq!(err.api_error().unwrap().code(), &Code::INVALID_TOKEN);
    assert_eq!(err.attempts(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.hits(), 2);
    assert!(
        !format!("{err:?}{err}").contains("still-bad"),
        "credentials never appear in errors"
    );
}

#[tokio::test]
async fn without_a_hook_a_401_is_returned_at_once() {
    let server = guarded().await;
    let err = Client::new()
        .get(server.url("/me"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 401);
    assert_eq!(server.hits(), 1);
}
