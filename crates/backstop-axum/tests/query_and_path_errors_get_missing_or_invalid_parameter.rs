//! Pins docs/CONTRACT.md §5: query and path errors get missing or invalid parameter.

mod common;

use axum::{Router, routing::get};
use backstop_axum::{Contract, Path, Query};
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    page: u32,
    size: u32,
}

#[derive(Deserialize)]
struct Ids {
    business: u64,
    invoice: u64,
}

#[tokio::test]
async fn query_and_path_errors_get_missing_or_invalid_parameter() {
    let app =
        Contract::new().apply(
            Router::new()
                .route(
                    "/list",
                    get(|Query(p): Query<Page>| async move { format!("{} {}", p.page, p.size) }),
                )
                .route(
                    "/b/{business}/i/{invoice}",
                    get(|Path(ids): Path<Ids>| async move {
                        format!("{} {}", ids.business, ids.invoice)
                    }),
                )
                .route(
                    "/n/{n}",
                    get(|Path(n): Path<u32>| async move { n.to_string() }),
                ),
        );
    let addr = common::serve(app).await;
    let c = common::client();
    let get = |p: &str| c.get(format!("http://{addr}{p}")).send();

    let (_, body) = common::envelope(get("/list").await.unwrap(), 400, "MISSING_PARAMETER").await;
    let d = &body["error"]["details"];
    assert!(d["page"].is_array() && d["size"].is_array(), "{body}");

    let (_, body) = common::envelope(
        get("/list?page=x&size=-1").await.unwrap(),
        400,
        "INVALID_PARAMETER",
    )
    .await;
    let d = &body["error"]["details"];
    assert!(d["page"].is_array() && d["size"].is_array(), "{body}");

    assert_eq!(
        get("/list?page=2&size=10")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "2 10"
    );

    let (_, body) =
        common::envelope(get("/b/abc/i/-4").await.unwrap(), 400, "INVALID_PARAMETER").await;
    let d = &body["error"]["details"];
    assert!(
        d["business"].is_array() && d["invoice"].is_array(),
        "{body}"
    );

    let (_, body) = common::envelope(get("/n/zzz").await.unwrap(), 400, "INVALID_PARAMETER").await;
    assert!(body["error"]["details"]["n"].is_array(), "{body}");
    assert!(
        !body.to_string().contains("zzz"),
        "the bad value is not echoed: {body}"
    );

    assert_eq!(get("/b/1/i/2").await.unwrap().text().await.unwrap(), "1 2");
}
