//! Pins docs/CONTRACT.md §2: foreign error responses are rewritten keeping headers.

mod common;

use axum::http::StatusCode;
use axum::{Router, routing::get};
use backstop_axum::Contract;

#[tokio::test]
async fn foreign_error_responses_are_rewritten_keeping_headers() {
    let app = Contract::new().apply(
        Router::new()
            .route(
                "/limited",
                get(|| async {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [
                            ("retry-after", "7"),
                            ("ratelimit", "\"default\";r=0;t=7"),
                            ("ratelimit-policy", "\"default\";q=100;w=60"),
                        ],
                        "slow down, you are hitting db-7.internal",
                    )
                }),
            )
            .route(
                "/auth",
                get(|| async {
                    (
                        StatusCode::UNAUTHORIZED,
                        [("www-authenticate", "Basic realm=\"x\"")],
                        "who are you",
                    )
                }),
            )
            .route(
                "/teapot",
                get(|| async { (StatusCode::IM_A_TEAPOT, "short and stout") }),
            ),
    );
    let addr = common::serve(app).await;
    let c = common::client();

    let resp = c
        .get(format!("http://{addr}/limited"))
        .send()
        .await
        .unwrap();
    let (h, body) = common::envelope(resp, 429, "RATE_LIMIT_EXCEEDED").await;
    assert_eq!(h["retry-after"], "7");
    assert_eq!(h["ratelimit"], "\"default\";r=0;t=7");
    assert_eq!(h["ratelimit-policy"], "\"default\";q=100;w=60");
    assert_eq!(body["error"]["retryable"], true);
    assert!(
        !body.to_string().contains("db-7"),
        "the old body is dropped"
    );

    let resp = c.get(format!("http://{addr}/auth")).send().await.unwrap();
    let (h, _) = common::envelope(resp, 401, "AUTHENTICATION_FAILED").await;
    assert_eq!(h["www-authenticate"], "Basic realm=\"x\"");

    let resp = c.get(format!("http://{addr}/teapot")).send().await.unwrap();
    let (_, body) = common::envelope(resp, 418, "I_M_A_TEAPOT").await;
    assert!(body["error"]["message"].is_string());
}
