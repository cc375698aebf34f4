//! docs/CONTRACT.md §7.4 with a real OAuth2 client (the `oauth2` crate): the client-credentials grant
//! works with `client_secret_basic` and `client_secret_post`, and every failure reaches the client as
//! RFC 6749's error code (`invalid_client`, `unauthorized_client`, `invalid_scope`,
//! `unsupported_grant_type`, `invalid_request`), with the contract's code and request id alongside.

mod common;

use common::*;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

/// The `oauth2` crate's HTTP client, on reqwest.
async fn http(request: HttpRequest) -> Result<HttpResponse, std::io::Error> {
    let (parts, body) = request.into_parts();
    let r = reqwest::Client::new()
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(std::io::Error::other)?;
    let mut response = oauth2::http::Response::builder().status(r.status());
    for (name, value) in r.headers() {
        response = response.header(name, value);
    }
    let body = r.bytes().await.map_err(std::io::Error::other)?.to_vec();
    response.body(body).map_err(std::io::Error::other)
}

type Outcome = Result<String, (Option<BasicErrorResponseType>, Option<String>)>;

async fn token(url: &str, id: &str, secret: &str, auth: AuthType, scope: Option<&str>) -> Outcome {
    let client = BasicClient::new(ClientId::new(id.to_owned()))
        .set_client_secret(ClientSecret::new(secret.to_owned()))
        .set_token_uri(TokenUrl::new(url.to_owned()).unwrap())
        .set_auth_type(auth);
    let mut request = client.exchange_client_credentials();
    if let Some(scope) = scope {
        request = request.add_scope(Scope::new(scope.to_owned()));
    }
    match request.request_async(&http).await {
        Ok(t) => Ok(t.access_token().secret().to_owned()),
        Err(RequestTokenError::ServerResponse(e)) => {
            Err((Some(e.error().clone()), e.error_description().cloned()))
        }
        Err(other) => Err((None, Some(other.to_string()))),
    }
}

#[tokio::test]
async fn oauth2_client_gets_tokens_and_reads_errors() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(config(&format!(
        "sqlite://{}",
        dir.path().join("b.db").display()
    )))
    .await;
    let p = partner(&srv.db, "Acme").await;
    let url = srv.url("/v1/platform/oauth2/token/");

    // Success, both ways of authenticating the client; the token works on the API.
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let t = token(&url, &p.id, &p.api_key, auth.clone(), None)
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        let r = reqwest::Client::new()
            .get(srv.url("/v1/platform/businesses/"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{auth:?}");
    }
    let t = token(
        &url,
        &p.id,
        &p.api_key,
        AuthType::BasicAuth,
        Some("partner"),
    )
    .await;
    assert!(t.is_ok(), "the partner scope may be asked for");

    // Failures, as the client library reports them.
    let wrong = token(&url, &p.id, "bsk_nope_0000", AuthType::BasicAuth, None).await;
    assert!(
        matches!(&wrong, Err((Some(BasicErrorResponseType::InvalidClient), Some(d))) if !d.is_empty()),
        "{wrong:?}"
    );
    let wrong = token(&url, &p.id, "garbage", AuthType::RequestBody, None).await;
    assert!(
        matches!(
            &wrong,
            Err((Some(BasicErrorResponseType::InvalidClient), _))
        ),
        "{wrong:?}"
    );
    let scope = token(&url, &p.id, &p.api_key, AuthType::BasicAuth, Some("admin")).await;
    assert!(
        matches!(&scope, Err((Some(BasicErrorResponseType::InvalidScope), _))),
        "{scope:?}"
    );
    let other = partner(&srv.db, "Suspended").await;
    srv.db
        .set_partner_status(&other.id, backstop_app::db::PartnerStatus::Suspended)
        .await
        .unwrap();
    let suspended = token(&url, &other.id, &other.api_key, AuthType::BasicAuth, None).await;
    assert!(
        matches!(
            &suspended,
            Err((Some(BasicErrorResponseType::UnauthorizedClient), _))
        ),
        "{suspended:?}"
    );

    // What the library cannot send wrong, sent by hand.
    let raw = reqwest::Client::new();
    let r = raw
        .post(&url)
        .header("authorization", basic(&p.id, &p.api_key))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    expect_oauth2_error(
        &srv,
        r,
        400,
        "unsupported_grant_type",
        "UNSUPPORTED_GRANT_TYPE",
    )
    .await;
    let r = raw
        .post(&url)
        .header("authorization", basic(&p.id, &p.api_key))
        .form(&[
            ("client_id", p.id.as_str()),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 400, "invalid_request", "INVALID_REQUEST").await;
    let r = raw
        .post(&url)
        .header("authorization", basic(&p.id, &p.api_key))
        .form(&[("scope", "partner")])
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 400, "invalid_request", "INVALID_REQUEST").await;
    // RFC 6749 §3.2: a parameter must not be repeated, even with the same value.
    let r = raw
        .post(&url)
        .header("authorization", basic(&p.id, &p.api_key))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let body = expect_oauth2_error(&srv, r, 400, "invalid_request", "VALIDATION_ERROR").await;
    assert!(body.get("access_token").is_none(), "{body}");
    // Credentials are checked before the body is read (docs/CONTRACT.md §6): wrong credentials with
    // a body that is not a form is invalid_client, not invalid_request.
    let r = raw
        .post(&url)
        .header("authorization", basic(&p.id, "bsk_nope_0000"))
        .header("idempotency-key", "")
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    expect_oauth2_error(&srv, r, 401, "invalid_client", "INVALID_API_KEY").await;
    // The router's 405 stays an envelope.
    let r = raw.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "METHOD_NOT_ALLOWED");
    srv.stop().await;
}
