//! Connection errors and timeouts are retried and surface as `Error::Transport`; deadlines bound the whole request.
mod common;

use std::time::Duration;

use backstop_client::Error;
use common::{Reply, fast_client, serve};

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_transport() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (waits, builder) = fast_client();

    let err = builder
        .build()
        .get(format!("http://127.0.0.1:{port}/x?token=secret"))
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_transport());
    assert!(err.api_error().is_none());
    assert_eq!(waits.lock().unwrap().len(), 2);
    assert!(
        !format!("{err:?} {err}").contains("secret"),
        "no URL, no query in errors"
    );
}

#[tokio::test]
async fn an_attempt_timeout_is_retried() {
    let server = serve(vec![Reply::ok().delay(Duration::from_secs(5)), Reply::ok()]).await;
    let (_, builder) = fast_client();

    let response = builder
        .build()
        .get(server.url("/slow"))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn the_deadline_bounds_the_whole_logical_request() {
    let server = serve(vec![Reply::ok().delay(Duration::from_secs(5))]).await;
    let client = backstop_client::Client::builder()
        .deadline(Duration::from_millis(150))
        .build();
    let start = std::time::Instant::now();

    let err = client.get(server.url("/")).send().await.unwrap_err();

    assert!(
        matches!(err, Error::DeadlineExceeded { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_backoff_that_would_pass_the_deadline_is_not_slept() {
    let server = serve(vec![Reply::status(503).header("retry-after", "5")]).await;
    let (waits, builder) = fast_client();

    let err = builder
        .deadline(Duration::from_secs(2))
        .build()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(
            &err,
            Error::DeadlineExceeded {
                attempts: 1,
                last: Some(_)
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status().unwrap().as_u16(), 503);
    assert!(waits.lock().unwrap().is_empty());
}
