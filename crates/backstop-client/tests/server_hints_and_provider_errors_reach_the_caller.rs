//! The client uses the decoder's server hints and the one retryability rule: `RetryInfo`,
//! `retry-after-ms` and `Retry-After` set the wait (in that order), an explicit "do not retry" stops
//! it, a code sent with another status does not, 429s back off on their own schedule, and a
//! provider's field violations reach the caller.
mod common;

use std::time::Duration;

use backstop_client::{Backoff, Error, Jitter};
use common::{Reply, fast_client, serve};

const GOOGLE_RETRY_2_5S: &str = r#"{"error":{"code":503,"message":"Backend unavailable","status":"UNAVAILABLE",
  "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.500s"}]}}"#;

#[tokio::test]
async fn retry_info_wins_over_the_headers() {
    let server = serve(vec![
        Reply::status(503)
            .header("retry-after", "7")
            .header("retry-after-ms", "750")
            .body(GOOGLE_RETRY_2_5S),
        Reply::ok(),
    ])
    .await;
    let (waits, builder) = fast_client();
    builder.build().get(server.url("/")).send().await.unwrap();
    assert_eq!(*waits.lock().unwrap(), [Duration::from_millis(2500)]);
}

#[tokio::test]
async fn retry_after_ms_wins_over_retry_after() {
    let server = serve(vec![
        Reply::status(429)
            .header("retry-after", "7")
            .header("retry-after-ms", "750"),
        Reply::ok(),
    ])
    .await;
    let (waits, builder) = fast_client();
    builder.build().get(server.url("/")).send().await.unwrap();
    assert_eq!(*waits.lock().unwrap(), [Duration::from_millis(750)]);
}

#[tokio::test]
async fn a_hint_beyond_the_cap_returns_the_error_with_its_wait() {
    let body = GOOGLE_RETRY_2_5S.replace("2.500s", "120s");
    let server = serve(vec![Reply::status(503).body(body)]).await;
    let (waits, builder) = fast_client();
    let e = builder
        .build()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.hits(), 1);
    assert!(waits.lock().unwrap().is_empty());
    assert_eq!(
        e.api_error().unwrap().retry_after(),
        Some(Duration::from_secs(120))
    );
}

#[tokio::test]
async fn should_retry_false_always_wins() {
    for (name, body) in [
        (
            "stripe-should-retry",
            r#"{"error":{"type":"api_error","message":"An unknown error occurred"}}"#,
        ),
        (
            "x-should-retry",
            r#"{"error":{"code":"INTERNAL_ERROR","message":"m","retryable":true}}"#,
        ),
    ] {
        let server = serve(vec![
            Reply::status(500).header(name, "false").body(body),
            Reply::ok(),
        ])
        .await;
        let (_, builder) = fast_client();
        let e = builder
            .build()
            .get(server.url("/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(server.hits(), 1, "{name}");
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn stripe_should_retry_true_retries_a_409() {
    let body = r#"{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"This object cannot be accessed right now"}}"#;
    let server = serve(vec![
        Reply::status(409)
            .header("stripe-should-retry", "true")
            .body(body),
        Reply::ok(),
    ])
    .await;
    let (_, builder) = fast_client();
    builder.build().get(server.url("/")).send().await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_503_carrying_conflict_is_retried_by_the_one_rule() {
    // No `retryable` member: CONFLICT's catalog status is 409, so at 503 the status decides.
    let body = r#"{"error":{"code":"CONFLICT","message":"Busy"}}"#;
    let server = serve(vec![Reply::status(503).body(body), Reply::ok()]).await;
    let (_, builder) = fast_client();
    builder.build().get(server.url("/")).send().await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_429_without_a_hint_backs_off_on_the_throttle_schedule() {
    let server = serve(vec![Reply::status(429), Reply::status(503), Reply::ok()]).await;
    let (waits, builder) = fast_client();
    let client = builder
        .backoff(Backoff {
            jitter: Jitter::None,
            ..Backoff::default()
        })
        .throttle_backoff(Backoff {
            base: Duration::from_secs(5),
            jitter: Jitter::None,
            ..Backoff::default()
        })
        .build();
    client.get(server.url("/")).send().await.unwrap();
    // First retry after the 429: the throttle schedule's 5 s; second after the 503: the transient 2 s.
    assert_eq!(
        *waits.lock().unwrap(),
        [Duration::from_secs(5), Duration::from_secs(2)]
    );
}

#[tokio::test]
async fn fastapi_field_violations_reach_the_caller() {
    let body = r#"{"detail":[{"type":"missing","loc":["body","items",2,"price"],"msg":"Field required","input":{}}]}"#;
    let server = serve(vec![
        Reply::status(422)
            .header("x-request-id", "req-42")
            .body(body),
    ])
    .await;
    let (_, builder) = fast_client();
    match builder
        .build()
        .post(server.url("/items"))
        .send()
        .await
        .unwrap_err()
    {
        Error::Api {
            error,
            status,
            request_id,
            attempts,
        } => {
            assert_eq!(status.as_u16(), 422);
            assert_eq!(attempts, 1);
            assert_eq!(request_id.as_deref(), Some("req-42"));
            assert_eq!(error.code().name(), "VALIDATION_ERROR");
            let fields = error.details().unwrap().fields().unwrap();
            assert_eq!(fields.get("items[2].price").unwrap(), ["Field required"]);
        }
        other => panic!("{other:?}"),
    }
}
