//! Every authentication outcome of CONTRACT §2 over real TCP, with `WWW-Authenticate` where it
//! applies, and no secret in any response or captured log line.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use backstop_axum::Error;
use backstop_axum::auth::{
    ApiKey, AuthLayer, Authenticator, Claims, JwtIssuer, JwtVerifier, KeyStatus,
    MemoryCredentialStore, Principal, PrincipalKind, StoredKey,
};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const JWT_SECRET: &[u8] = b"test-hs256-secret-0123456789abcdef";

fn stored(g: &backstop_axum::auth::GeneratedKey, id: &str) -> StoredKey {
    StoredKey {
        prefix: g.prefix().to_owned(),
        hash: g.hash(),
        principal: Principal::new(id, PrincipalKind::ApiKey)
            .with_scopes(["invoices:read"])
            .with_tenant("biz_1"),
        expires_at: None,
        status: KeyStatus::Active,
    }
}

async fn me(p: Principal) -> String {
    p.id().to_owned()
}

async fn admin(p: Principal) -> Result<&'static str, backstop_axum::auth::ScopeError> {
    p.require_scope("admin")?;
    Ok("ok")
}

async fn business(p: Principal, Path(id): Path<String>) -> Result<String, Error> {
    p.require_tenant(&id)?;
    Ok(id)
}

/// Path, header, expected status, code and `WWW-Authenticate`.
type Case<'a> = (
    &'a str,
    Option<(&'a str, String)>,
    u16,
    Option<&'a str>,
    Option<&'a str>,
);

struct Reply {
    status: u16,
    www: Option<String>,
    code: Option<String>,
    raw: String,
}

#[tokio::test]
async fn every_auth_outcome_has_its_code_and_leaks_no_secret() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let store = MemoryCredentialStore::new();
    let active = ApiKey::generate("sk_test");
    let expired = ApiKey::generate("sk_test");
    let revoked = ApiKey::generate("sk_test");
    let suspended = ApiKey::generate("sk_test");
    store.insert(stored(&active, "acct_active"));
    store.insert(StoredKey {
        expires_at: Some(SystemTime::now() - Duration::from_secs(60)),
        ..stored(&expired, "acct_expired")
    });
    store.insert(StoredKey {
        status: KeyStatus::Revoked,
        ..stored(&revoked, "acct_revoked")
    });
    store.insert(stored(&suspended, "acct_suspended"));
    store.set_suspended("acct_suspended", true);
    store.set_suspended("user_suspended", true);

    let issuer = JwtIssuer::hs256(JWT_SECRET);
    let auth = Authenticator::new(store)
        .with_jwt(JwtVerifier::hs256(JWT_SECRET).with_tenant_claim("business_id"));
    let app = Router::new()
        .route("/me", get(me))
        .route("/admin", get(admin))
        .route("/businesses/{id}", get(business))
        .layer(AuthLayer::new(auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let good_token = issuer
        .issue(
            &Claims::new("user_1", Duration::from_secs(300))
                .with_scopes(["invoices:read"])
                .with_claim("business_id", "biz_7"),
        )
        .unwrap();
    let mut old = Claims::new("user_1", Duration::from_secs(300));
    old.exp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let expired_token = issuer.issue(&old).unwrap();
    let forged_token = JwtIssuer::hs256(b"some-other-secret-0123456789abcdef")
        .issue(&Claims::new("user_1", Duration::from_secs(300)))
        .unwrap();
    let suspended_token = issuer
        .issue(&Claims::new("user_suspended", Duration::from_secs(300)))
        .unwrap();
    let wrong_secret = format!("{}_{}", active.prefix(), "A".repeat(32));
    let unknown = ApiKey::generate("sk_test");

    let client = reqwest::Client::new();
    let call = |path: &str, header: Option<(&str, String)>| {
        let mut rb = client.get(format!("http://{addr}{path}"));
        if let Some((name, value)) = header {
            rb = rb.header(name, value);
        }
        async move {
            let r = rb.send().await.unwrap();
            let status = r.status().as_u16();
            let www = r
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            let headers = format!("{:?}", r.headers());
            let body = r.text().await.unwrap();
            let code = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
            Reply {
                status,
                www,
                code,
                raw: format!("{headers}{body}"),
            }
        }
    };
    let bearer = |v: &str| Some(("authorization", format!("Bearer {v}")));
    let x_api_key = |v: &str| Some(("x-api-key", v.to_owned()));

    let mut replies = Vec::new();
    let cases: Vec<Case> = vec![
        (
            "/me",
            None,
            401,
            Some("AUTHENTICATION_REQUIRED"),
            Some("Bearer"),
        ),
        (
            "/me",
            Some(("authorization", "Basic dXNlcjpwYXNz".into())),
            401,
            Some("AUTHENTICATION_FAILED"),
            Some("Bearer error=\"invalid_token\""),
        ),
        (
            "/me",
            x_api_key("not a key"),
            401,
            Some("INVALID_API_KEY"),
            Some("Bearer error=\"invalid_token\""),
        ),
        (
            "/me",
            x_api_key(unknown.key()),
            401,
            Some("INVALID_API_KEY"),
            None,
        ),
        (
            "/me",
            bearer(&wrong_secret),
            401,
            Some("INVALID_API_KEY"),
            None,
        ),
        (
            "/me",
            bearer(expired.key()),
            401,
            Some("EXPIRED_API_KEY"),
            None,
        ),
        (
            "/me",
            x_api_key(revoked.key()),
            401,
            Some("REVOKED_API_KEY"),
            None,
        ),
        (
            "/me",
            bearer(suspended.key()),
            403,
            Some("SUSPENDED_ACCOUNT"),
            None,
        ),
        ("/me", bearer(active.key()), 200, None, None),
        ("/me", x_api_key(active.key()), 200, None, None),
        ("/me", bearer(&good_token), 200, None, None),
        (
            "/me",
            bearer(&expired_token),
            401,
            Some("INVALID_TOKEN"),
            Some("Bearer error=\"invalid_token\""),
        ),
        (
            "/me",
            bearer(&forged_token),
            401,
            Some("INVALID_TOKEN"),
            Some("Bearer error=\"invalid_token\""),
        ),
        (
            "/me",
            bearer("abc.def.ghi"),
            401,
            Some("INVALID_TOKEN"),
            Some("Bearer error=\"invalid_token\""),
        ),
        (
            "/me",
            bearer(&suspended_token),
            403,
            Some("SUSPENDED_ACCOUNT"),
            None,
        ),
        (
            "/admin",
            bearer(&good_token),
            403,
            Some("INSUFFICIENT_PERMISSIONS"),
            Some("Bearer error=\"insufficient_scope\""),
        ),
        (
            "/businesses/biz_8",
            bearer(&good_token),
            403,
            Some("PERMISSION_DENIED"),
            None,
        ),
        ("/businesses/biz_7", bearer(&good_token), 200, None, None),
        (
            "/businesses/biz_1",
            x_api_key(active.key()),
            200,
            None,
            None,
        ),
    ];
    for (i, (path, header, status, code, www)) in cases.into_iter().enumerate() {
        let r = call(path, header).await;
        assert_eq!(r.status, status, "case {i}: {}", r.raw);
        assert_eq!(r.code.as_deref(), code, "case {i}: {}", r.raw);
        if let Some(www) = www {
            assert_eq!(r.www.as_deref(), Some(www), "case {i}");
        }
        if status == 200 {
            assert!(r.www.is_none());
        } else {
            assert!(r.raw.contains("application/json"), "case {i}: {}", r.raw);
        }
        replies.push(r.raw);
    }
    assert!(replies[8].ends_with("acct_active"));
    assert!(replies[10].ends_with("user_1"));

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("revoked API key refused"),
        "the refusals are logged: {logs}"
    );
    let secrets: Vec<String> = [&active, &expired, &revoked, &suspended, &unknown]
        .iter()
        .flat_map(|g| {
            let secret = g.key().rsplit('_').next().unwrap().to_owned();
            [g.key().to_owned(), secret]
        })
        .chain([
            String::from_utf8(JWT_SECRET.to_vec()).unwrap(),
            good_token.clone(),
            expired_token.clone(),
            forged_token.clone(),
            "A".repeat(32),
        ])
        .collect();
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret reached the log");
        for reply in &replies {
            assert!(
                !reply.contains(secret.as_str()),
                "a secret reached a response"
            );
        }
    }
}
