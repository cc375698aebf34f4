//! Shared helpers: start the app in-process on 127.0.0.1:0, make partners, get tokens with
//! backstop-client, and check errors against the served OpenAPI document.
#![allow(dead_code)]

use std::time::Duration;

use backstop::ApiError;
use backstop_app::db::{Db, NewKey};
use backstop_app::{ServeConfig, api};
use backstop_axum::auth::ApiKey;
use backstop_client::{Client, Error};
use base64::Engine;
use serde_json::Value;
use tokio::sync::oneshot;

pub mod process;

pub const SECRET: &str = "test-secret-test-secret-test-secret!";

/// Something serving the API at a base URL: an in-process [`TestServer`] or a
/// [`process::ServeProcess`].
pub trait Served {
    fn url(&self, path: &str) -> String;
}

impl Served for TestServer {
    fn url(&self, path: &str) -> String {
        TestServer::url(self, path)
    }
}

impl Served for process::ServeProcess {
    fn url(&self, path: &str) -> String {
        process::ServeProcess::url(self, path)
    }
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub db: Db,
    pub openapi: Value,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops accepting, drains, and closes the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        self.db.close().await;
    }
}

/// A config for `url` with a known token secret and no status cache.
pub fn config(url: &str) -> ServeConfig {
    let mut c = ServeConfig::new(url);
    c.jwt_secret = Some(SECRET.to_owned());
    c.suspension_cache_ttl = Duration::ZERO;
    c.rate_limit_per_minute = 10_000;
    c.rate_limit_per_address_per_minute = 100_000;
    c
}

pub async fn start(config: ServeConfig) -> TestServer {
    let app = api::build(&config).await.expect("app builds");
    let db = app.state.db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(backstop_app::serve(
        listener,
        app.router,
        &config,
        async move {
            let _ = rx.await;
        },
    ));
    let openapi: Value = reqwest::get(format!("{base}/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    TestServer {
        base,
        db,
        openapi,
        shutdown: Some(tx),
        task: Some(task),
    }
}

/// The databases to run a scenario on: a fresh SQLite file always, and a fresh Postgres schema when
/// `BACKSTOP_TEST_DATABASE_URL` is set (a printed reason otherwise).
pub async fn database_urls(dir: &tempfile::TempDir) -> Vec<String> {
    let mut urls = vec![format!(
        "sqlite://{}",
        dir.path().join("backstop.db").display()
    )];
    match postgres_url().await {
        Some(u) => urls.push(u),
        None => eprintln!("skipping Postgres: BACKSTOP_TEST_DATABASE_URL is not set"),
    }
    urls
}

/// A URL to a fresh schema of the Postgres at `BACKSTOP_TEST_DATABASE_URL`, if set.
pub async fn postgres_url() -> Option<String> {
    let base = std::env::var("BACKSTOP_TEST_DATABASE_URL").ok()?;
    let schema = format!("bs_test_{}", uuid::Uuid::now_v7().simple());
    let pool = sqlx::PgPool::connect(&base)
        .await
        .expect("BACKSTOP_TEST_DATABASE_URL reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .unwrap();
    drop_stale_schemas(&pool).await;
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options[search_path]={schema}"))
}

/// Drops test schemas made over an hour ago (their names carry a UUID v7, whose first 48 bits are the
/// creation time in milliseconds), so repeated runs do not pile schemas up in the test database while
/// a run still in progress keeps its own.
async fn drop_stale_schemas(pool: &sqlx::PgPool) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bs\\_test\\_%'")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    for (name,) in names {
        let Some(hex) = name.strip_prefix("bs_test_").and_then(|h| h.get(..12)) else {
            continue;
        };
        let Ok(created_ms) = u64::from_str_radix(hex, 16) else {
            continue;
        };
        if now_ms.saturating_sub(created_ms) > 3_600_000
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(pool)
            .await;
        }
    }
}

/// A client that does not retry, so each error surfaces as sent.
pub fn client() -> Client {
    Client::builder()
        .max_attempts(1)
        .no_circuit_breaker()
        .no_retry_budget()
        .build()
}

pub struct Partner {
    pub id: String,
    pub api_key: String,
    pub key_id: String,
}

/// A partner with one key (optionally expiring at `expires_at` millis).
pub async fn partner(db: &Db, name: &str) -> Partner {
    let p = db.create_partner(name).await.unwrap();
    let (api_key, key_id) = key(db, &p.id, None).await;
    Partner {
        id: p.id,
        api_key,
        key_id,
    }
}

/// What most scenarios start from: partner "Acme" with its token, its business `b1` and that
/// business's token.
pub struct Tenant {
    pub partner: Partner,
    pub token: String,
    pub biz: String,
    pub btoken: String,
}

pub async fn tenant(srv: &TestServer) -> Tenant {
    let partner = partner(&srv.db, "Acme").await;
    let token = partner_token(srv, &partner).await;
    let biz = create_business(srv, &token, "b1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let btoken = business_token(srv, &token, &biz).await;
    Tenant {
        partner,
        token,
        biz,
        btoken,
    }
}

pub async fn key(db: &Db, partner_id: &str, expires_at: Option<i64>) -> (String, String) {
    let g = ApiKey::generate("bsk");
    let row = db
        .create_key(NewKey {
            partner_id: partner_id.to_owned(),
            prefix: g.prefix().to_owned(),
            secret_hash: g.hash().to_hex(),
            expires_at,
        })
        .await
        .unwrap();
    (g.key().to_owned(), row.id)
}

pub fn basic(id: &str, key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{key}"))
    )
}

pub async fn partner_token(srv: &impl Served, p: &Partner) -> String {
    let r: Value = client()
        .post(srv.url("/v1/platform/oauth2/token/"))
        .header("authorization", basic(&p.id, &p.api_key))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("partner token")
        .json()
        .await
        .unwrap();
    assert_eq!(r["token_type"], "Bearer");
    assert_eq!(r["expires_in"], 3600);
    r["access_token"].as_str().unwrap().to_owned()
}

pub async fn business_token(srv: &impl Served, partner_token: &str, business_id: &str) -> String {
    let r: Value = client()
        .post(srv.url(&format!("/v1/platform/{business_id}/oauth2/token/")))
        .bearer_auth(partner_token)
        .send()
        .await
        .expect("business token")
        .json()
        .await
        .unwrap();
    assert_eq!(r["scope"], "business_access");
    assert_eq!(r["business_id"], business_id);
    r["access_token"].as_str().unwrap().to_owned()
}

pub async fn create_business(srv: &impl Served, token: &str, external_id: &str) -> Value {
    client()
        .post(srv.url("/v1/platform/businesses/"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "external_id": external_id,
            "legal_name": "Acme Ltd",
            "email": "billing@acme.example",
            "country": "GB",
            "base_currency": "GBP",
        }))
        .send()
        .await
        .expect("business created")
        .json()
        .await
        .unwrap()
}

/// `GET url` with the bearer `token`: the 2xx body as JSON (panics on anything else).
pub async fn get_json(url: &str, token: &str) -> Value {
    client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap()
}

pub async fn create_customer(srv: &impl Served, token: &str, business_id: &str) -> Value {
    client()
        .post(srv.url(&format!("/v1/platform/businesses/{business_id}/customers/")))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": "Ana", "email": "ana@example.com"}))
        .send()
        .await
        .expect("customer created")
        .json()
        .await
        .unwrap()
}

/// Asserts `result` is the API error `status`/`code`, that the envelope carries the request id, and
/// that the OpenAPI document lists `status` for `method` on the path template `template`.
pub fn expect_error(
    srv: &TestServer,
    method: &str,
    template: &str,
    result: Result<reqwest::Response, Error>,
    status: u16,
    code: &str,
) -> ApiError {
    let err = match result {
        Ok(r) => panic!(
            "{method} {template}: expected {status} {code}, got {}",
            r.status()
        ),
        Err(e) => e,
    };
    let Error::Api {
        error,
        status: got,
        request_id,
        ..
    } = err
    else {
        panic!("{method} {template}: expected an API error, got {err}");
    };
    assert_eq!(got.as_u16(), status, "{method} {template}: {error:?}");
    assert_eq!(error.code().name(), code, "{method} {template}");
    assert!(request_id.is_some(), "{method} {template}: X-Request-Id");
    assert_eq!(
        error.request_id(),
        request_id.as_deref(),
        "body request_id matches header"
    );
    let responses = &srv.openapi["paths"][template][method]["responses"];
    assert!(
        responses.get(status.to_string()).is_some(),
        "OpenAPI lists {status} for {method} {template}: {responses}"
    );
    let listed = responses[status.to_string()]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        listed.contains(code),
        "OpenAPI names {code} under {status} for {method} {template}: {listed}"
    );
    // The response's schema lists the code in its enum (wherever the profile puts the code).
    let content = responses[status.to_string()]["content"]
        .as_object()
        .and_then(|c| c.values().next())
        .unwrap_or_else(|| panic!("{method} {template} {status}: no content"));
    let props = &content["schema"]["properties"];
    let enumerated = [
        &props["error"]["properties"]["code"]["enum"],
        &props["error_code"]["enum"],
        &props["code"]["enum"],
    ]
    .into_iter()
    .filter_map(|e| e.as_array())
    .flatten()
    .any(|c| c.as_str().is_some_and(|c| c.eq_ignore_ascii_case(code)));
    assert!(
        enumerated,
        "the {status} schema of {method} {template} lists {code} in its code enum: {content}"
    );
    error
}

/// Asserts a token endpoint error in RFC 6749 §5.2 form (docs/CONTRACT.md §7.4): `status`, `error`
/// and the contract's `code`, an `error_description`, the request id of `X-Request-Id`,
/// `Cache-Control: no-store`, a `Basic` challenge on a 401, and the OpenAPI document listing the code
/// under that status.
pub async fn expect_oauth2_error(
    srv: &TestServer,
    r: reqwest::Response,
    status: u16,
    error: &str,
    code: &str,
) -> Value {
    assert_eq!(r.status().as_u16(), status, "token endpoint: {code}");
    let headers = r.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-store");
    if status == 401 {
        assert_eq!(headers["www-authenticate"], "Basic realm=\"backstop\"");
    }
    let id = headers["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["request_id"], id.as_str());
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    let responses = &srv.openapi["paths"]["/v1/platform/oauth2/token/"]["post"]["responses"];
    let listed = responses[status.to_string()]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        listed.contains(code),
        "OpenAPI names {code} under {status} for the token endpoint: {listed}"
    );
    body
}
