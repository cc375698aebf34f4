//! Query strings and forms (docs/CONTRACT.md §5): a repeated key fills a list (`tag=a&tag=b`); a
//! repeated key for a field that takes one value is refused with an error naming that field, next
//! to every other offending field, without echoing the values.

mod common;

use axum::{Router, routing::get};
use backstop_axum::{Contract, Form, Query};
use serde::Deserialize;

#[derive(Deserialize)]
struct Search {
    q: String,
    #[serde(default)]
    tag: Vec<String>,
    #[serde(default)]
    id: Vec<u32>,
    page: Option<u32>,
}

fn describe(s: &Search) -> String {
    format!("{} {:?} {:?} {:?}", s.q, s.tag, s.id, s.page)
}

async fn query(Query(s): Query<Search>) -> String {
    describe(&s)
}

async fn form(Form(s): Form<Search>) -> String {
    describe(&s)
}

#[tokio::test]
async fn repeated_keys_fill_lists_and_name_a_single_valued_field() {
    let app = Contract::new().apply(Router::new().route("/search", get(query).post(form)));
    let addr = common::serve(app).await;
    let c = common::client();
    let get = |q: &str| c.get(format!("http://{addr}/search?{q}")).send();
    let post = |body: &'static str| {
        c.post(format!("http://{addr}/search"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    // Lists: repeated, once, or absent.
    for (q, expected) in [
        ("q=x&tag=a&tag=b&id=1&id=2", r#"x ["a", "b"] [1, 2] None"#),
        ("q=x&tag=a&page=3", r#"x ["a"] [] Some(3)"#),
        ("tag=a&q=x&tag=b", r#"x ["a", "b"] [] None"#),
        ("q=x", "x [] [] None"),
    ] {
        let r = get(q).await.unwrap();
        assert_eq!(r.status(), 200, "{q}");
        assert_eq!(r.text().await.unwrap(), expected, "query {q}");
    }
    let r = post("q=x&tag=a&tag=b&id=7").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), r#"x ["a", "b"] [7] None"#);

    // A repeated single-valued key names its field; the other fields are still checked.
    let (_, body) = common::envelope(
        get("q=secret1&q=secret2&page=1&page=2").await.unwrap(),
        400,
        "INVALID_PARAMETER",
    )
    .await;
    let details = body["error"]["details"].as_object().unwrap();
    let mut fields: Vec<&str> = details.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(fields, ["page", "q"], "{body}");
    assert_eq!(details["q"][0], "Expected a single value, got 2.", "{body}");
    assert!(
        !body.to_string().contains("secret"),
        "values are not echoed: {body}"
    );

    // A bad element of a list is named by its index, next to a repeated scalar.
    let (_, body) = common::envelope(
        get("q=x&id=1&id=zz&page=1&page=1&page=1").await.unwrap(),
        400,
        "INVALID_PARAMETER",
    )
    .await;
    let details = body["error"]["details"].as_object().unwrap();
    let mut fields: Vec<&str> = details.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(fields, ["id[1]", "page"], "{body}");
    assert_eq!(details["page"][0], "Expected a single value, got 3.");

    // The same in a form body: 422, the field named.
    let (_, body) = common::envelope(
        post("q=a&q=b&tag=t&tag=u").await.unwrap(),
        422,
        "VALIDATION_ERROR",
    )
    .await;
    let details = body["error"]["details"].as_object().unwrap();
    assert_eq!(details.keys().collect::<Vec<_>>(), ["q"], "{body}");
    assert_eq!(details["q"][0], "Expected a single value, got 2.");
}
