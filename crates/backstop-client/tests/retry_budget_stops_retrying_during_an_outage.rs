//! During a total outage the client's retries stay under 20% of its requests (plus a small floor).
mod common;

use backstop_client::Error;
use common::{Reply, fast_client, serve};

#[tokio::test]
async fn retries_stay_under_the_budget_while_everything_fails() {
    let server = serve(vec![Reply::status(503)]).await;
    let (_, builder) = fast_client();
    let client = builder.build();
    let requests = 200;

    let mut exhausted = 0;
    for _ in 0..requests {
        match client.get(server.url("/")).send().await.unwrap_err() {
            Error::BudgetExhausted { last, .. } => {
                assert_eq!(last.status().unwrap().as_u16(), 503);
                exhausted += 1;
            }
            Error::Api { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    let hits = server.hits();
    // Without a budget this would be 3 * 200 = 600.
    assert!(
        hits <= requests + requests / 5 + 3,
        "{hits} upstream attempts for {requests} requests"
    );
    assert!(hits > requests, "a few retries still happen");
    assert!(
        exhausted > requests / 2,
        "most requests hit the spent budget: {exhausted}"
    );
}

#[tokio::test]
async fn without_a_budget_every_request_uses_all_its_attempts() {
    let server = serve(vec![Reply::status(503)]).await;
    let (_, builder) = fast_client();
    let client = builder.no_retry_budget().build();

    for _ in 0..20 {
        assert_eq!(
            client
                .get(server.url("/"))
                .send()
                .await
                .unwrap_err()
                .attempts(),
            3
        );
    }
    assert_eq!(server.hits(), 60);
}
