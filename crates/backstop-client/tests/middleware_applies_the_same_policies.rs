//! With the `middleware` feature, the client's policies run as a `reqwest-middleware` middleware:
//! retries, the final error response handed back whole with its decoded envelope, local refusals as
//! middleware errors, transport errors as reqwest errors.
#![cfg(feature = "middleware")]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use backstop_client::{CircuitBreakerConfig, Client, DecodedError, Error, TripPolicy};
use common::{Reply, recording_sleep, serve};
use reqwest_middleware::ClientWithMiddleware;

fn stack(builder: backstop_client::ClientBuilder) -> ClientWithMiddleware {
    let (_, sleep) = recording_sleep();
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(builder.sleep_with(sleep).build_middleware())
        .build()
}

#[tokio::test]
async fn a_503_is_retried_through_the_rest_of_the_stack() {
    let server = serve(vec![Reply::status(503), Reply::ok()]).await;
    let r = stack(Client::builder())
        .get(server.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn the_final_error_response_comes_back_whole_with_its_envelope() {
    let body = r#"{"detail":[{"loc":["body","email"],"msg":"value is not a valid email address","type":"value_error"}]}"#;
    let server = serve(vec![
        Reply::status(422)
            .header("x-request-id", "req-7")
            .body(body),
    ])
    .await;
    let r = stack(Client::builder())
        .post(server.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["x-request-id"], "req-7");
    let decoded = r.extensions().get::<DecodedError>().cloned().unwrap();
    assert_eq!(decoded.0.code().name(), "VALIDATION_ERROR");
    assert_eq!(
        decoded
            .0
            .details()
            .unwrap()
            .fields()
            .unwrap()
            .get("email")
            .unwrap(),
        ["value is not a valid email address"]
    );
    assert_eq!(
        r.text().await.unwrap(),
        body,
        "the body as the server sent it"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn local_refusals_are_middleware_errors_holding_the_client_error() {
    let server = serve(vec![Reply::status(503)]).await;
    let client = stack(
        Client::builder()
            .max_attempts(1)
            .no_retry_budget()
            .circuit_breaker(CircuitBreakerConfig {
                trip: TripPolicy::ConsecutiveFailures(2),
                ..Default::default()
            }),
    );
    for _ in 0..2 {
        assert_eq!(
            client.get(server.url("/")).send().await.unwrap().status(),
            503
        );
    }
    match client.get(server.url("/")).send().await.unwrap_err() {
        reqwest_middleware::Error::Middleware(e) => {
            let e = e.downcast_ref::<Error>().expect("a backstop_client::Error");
            assert!(e.is_circuit_open());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn transport_errors_are_reqwest_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    match stack(Client::builder()).get(url).send().await.unwrap_err() {
        reqwest_middleware::Error::Reqwest(e) => assert!(e.is_connect()),
        other => panic!("{other:?}"),
    }
}

struct Failing(Arc<AtomicUsize>);

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Failing {
    async fn handle(
        &self,
        _: reqwest::Request,
        _: &mut http::Extensions,
        _: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(reqwest_middleware::Error::middleware(
            std::io::Error::other("signing failed"),
        ))
    }
}

#[tokio::test]
async fn another_middlewares_error_is_passed_on_and_not_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(Client::builder().build_middleware())
        .with(Failing(calls.clone()))
        .build();
    let e = client.get("http://127.0.0.1:9/").send().await.unwrap_err();
    assert!(e.to_string().contains("signing failed"), "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
