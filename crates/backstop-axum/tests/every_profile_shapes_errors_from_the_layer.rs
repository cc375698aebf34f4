//! Pins docs/CONTRACT.md §2.2: every profile shapes errors from the layer.

mod common;

use axum::{Router, routing::post};
use backstop::Profile;
use backstop_axum::{Contract, Json};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Signup {
    email: String,
    age: u8,
}

async fn shape(profile: Profile, path: &str, body: &str) -> (u16, String, Value, String) {
    let app = Contract::new()
        .profile(profile)
        .apply(Router::new().route("/signup", post(|Json(_s): Json<Signup>| async { "ok" })));
    let addr = common::serve(app).await;
    let resp = common::client()
        .post(format!("http://{addr}{path}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    (status, ct, resp.json().await.unwrap(), id)
}

const BAD: &str = r#"{"age": "old"}"#;

#[tokio::test]
async fn backstop_profile() {
    let (status, ct, body, id) = shape(Profile::Backstop, "/signup", BAD).await;
    assert_eq!((status, ct.as_str()), (422, "application/json"));
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(body["error"]["request_id"], id.as_str());
    assert!(body["error"]["details"]["email"].is_array());
    assert!(body["error"]["details"]["age"].is_array());
}

#[tokio::test]
async fn flat_profile() {
    let (status, ct, body, id) = shape(Profile::Flat, "/signup", BAD).await;
    assert_eq!((status, ct.as_str()), (400, "application/json"));
    assert_eq!(body["error_code"], "validation_error");
    assert!(body["error"].is_string());
    assert_eq!(body["request_id"], id.as_str());
    assert!(body["details"]["age"].is_array());
    // Router fallbacks too.
    let (status, _, body, _) = shape(Profile::Flat, "/nope", "{}").await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "not_found");
}

#[tokio::test]
async fn status_profile() {
    let (status, _, body, id) = shape(Profile::Status, "/signup", BAD).await;
    assert_eq!(status, 422);
    assert_eq!(body["status"], 422);
    assert_eq!(body["code"], "VALIDATION_ERROR");
    assert_eq!(body["request_id"], id.as_str());
    let (status, _, body, _) = shape(Profile::Status, "/nope", "{}").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
}

#[tokio::test]
async fn problem_profile() {
    let (status, ct, body, id) = shape(Profile::Problem, "/signup", BAD).await;
    assert_eq!((status, ct.as_str()), (422, "application/problem+json"));
    assert_eq!(body["status"], 422);
    assert_eq!(body["code"], "VALIDATION_ERROR");
    assert_eq!(body["request_id"], id.as_str());
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.contains(&"#/email") && pointers.contains(&"#/age"),
        "{body}"
    );
    let (status, ct, body, _) = shape(Profile::Problem, "/signup", "{").await;
    assert_eq!((status, ct.as_str()), (400, "application/problem+json"));
    assert_eq!(body["code"], "INVALID_FORMAT");
}
