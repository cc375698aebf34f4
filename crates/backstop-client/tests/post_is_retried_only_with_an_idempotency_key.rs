//! POST without an `Idempotency-Key` is sent once; with one (given or generated) it is retried with the SAME key.
mod common;

use common::{Reply, fast_client, serve};

#[tokio::test]
async fn post_without_a_key_is_not_retried() {
    let server = serve(vec![Reply::status(503), Reply::ok()]).await;
    let (_, builder) = fast_client();

    let err = builder
        .build()
        .post(server.url("/payments"))
        .body("{}")
        .send()
        .await
        .unwrap_err();

    assert_eq!(server.hits(), 1);
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.status().unwrap().as_u16(), 503);
}

#[tokio::test]
async fn patch_without_a_key_is_not_retried() {
    let server = serve(vec![Reply::status(500), Reply::ok()]).await;
    let (_, builder) = fast_client();

    builder
        .build()
        .patch(server.url("/p"))
        .body("{}")
        .send()
        .await
        .unwrap_err();

    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn post_with_a_key_is_retried_with_the_same_key_and_body() {
    let server = serve(vec![Reply::status(503), Reply::status(502), Reply::ok()]).await;
    let (_, builder) = fast_client();

    let response = builder
        .build()
        .post(server.url("/payments"))
        .idempotency_key("pay-42")
        .body(r#"{"amount":10}"#)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_eq!(s.idempotency_key.as_deref(), Some("pay-42"));
        assert_eq!(&s.body[..], br#"{"amount":10}"#);
    }
}

#[tokio::test]
async fn an_automatic_key_is_a_uuid_v7_kept_across_attempts_and_fresh_per_request() {
    let server = serve(vec![Reply::status(503), Reply::ok(), Reply::ok()]).await;
    let (_, builder) = fast_client();
    let client = builder.auto_idempotency_key(true).build();

    client
        .post(server.url("/a"))
        .body("1")
        .send()
        .await
        .unwrap();
    client
        .post(server.url("/b"))
        .body("2")
        .send()
        .await
        .unwrap();

    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let first = seen[0].idempotency_key.clone().expect("generated key");
    assert_eq!(
        seen[1].idempotency_key.as_deref(),
        Some(first.as_str()),
        "same logical request"
    );
    let uuid = uuid::Uuid::parse_str(&first).unwrap();
    assert_eq!(uuid.get_version_num(), 7);
    assert_ne!(
        seen[2].idempotency_key.as_deref(),
        Some(first.as_str()),
        "new logical request"
    );
}

#[tokio::test]
async fn a_streaming_body_on_a_retryable_request_is_a_clear_error() {
    let server = serve(vec![Reply::ok()]).await;
    let (_, builder) = fast_client();
    let client = builder.build();
    let stream = || {
        let chunks: Vec<Result<&'static str, std::io::Error>> = vec![Ok("a"), Ok("b")];
        reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
    };

    let err = client
        .put(server.url("/up"))
        .body(stream())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, backstop_client::Error::BodyNotReplayable),
        "{err:?}"
    );
    assert_eq!(server.hits(), 0);

    let ok = client
        .put(server.url("/up"))
        .body(stream())
        .no_retry()
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(&server.seen()[0].body[..], b"ab");
}
