//! 400, 404, 422 (and a body saying `retryable: false`) reach the server once; 409 IDEMPOTENCY_KEY_IN_USE is retried.
mod common;

use backstop::{ApiError, Code, Profile};
use backstop_client::Error;
use common::{Reply, fast_client, serve};

#[tokio::test]
async fn client_errors_are_sent_once() {
    for (status, error) in [
        (400, ApiError::new(Code::INVALID_REQUEST)),
        (404, ApiError::not_found("invoice", "inv_9")),
        (
            422,
            ApiError::validation().with_field("email", "Enter a valid email address."),
        ),
    ] {
        let server = serve(vec![Reply::encoded(&error, Profile::Backstop)]).await;
        let (waits, builder) = fast_client();
        let err = builder
            .build()
            .get(server.url("/x"))
            .send()
            .await
            .unwrap_err();

        assert_eq!(server.hits(), 1, "{status} must not be retried");
        assert!(waits.lock().unwrap().is_empty());
        match err {
            Error::Api {
                status: s,
                attempts,
                error: e,
                ..
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(attempts, 1);
                assert_eq!(e.code(), error.code());
            }
            other => panic!("expected an API error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_503_whose_body_says_not_retryable_is_sent_once() {
    let error = ApiError::new(Code::SERVICE_UNAVAILABLE).with_retryable(false);
    let server = serve(vec![Reply::encoded(&error, Profile::Backstop)]).await;
    let (_, builder) = fast_client();

    let err = builder
        .build()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();

    assert_eq!(server.hits(), 1);
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn idempotency_key_in_use_is_retried() {
    let in_use = ApiError::new(Code::IDEMPOTENCY_KEY_IN_USE);
    let server = serve(vec![Reply::encoded(&in_use, Profile::Flat), Reply::ok()]).await;
    let (_, builder) = fast_client();

    let response = builder
        .build()
        .post(server.url("/payments"))
        .idempotency_key("k-1")
        .body("{}")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_plain_409_conflict_is_not_retried() {
    let server = serve(vec![Reply::encoded(
        &ApiError::new(Code::CONFLICT),
        Profile::Backstop,
    )])
    .await;
    let (_, builder) = fast_client();

    let err = builder
        .build()
        .put(server.url("/a"))
        .body("x")
        .send()
        .await
        .unwrap_err();

    assert_eq!(server.hits(), 1);
    assert_eq!(err.status().unwrap().as_u16(), 409);
}
