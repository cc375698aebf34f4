//! docs/CONTRACT.md §6: a request with two faults is answered for the one checked first: route (404)
//! → method (405) → per-address limit (429) → credentials (401) → per-principal limit (429) →
//! headers such as `Idempotency-Key` (400) → content type (415) → body (400). Every pair of faults is
//! sent, and the earlier one must answer.
//!
//! Each request comes from a loopback address of its own (127.0.0.x), so only the address made to
//! spend its quota is limited, and with a partner of its own, so only the partner made to spend its
//! quota is limited.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use backstop_axum::auth::{Claims, JwtIssuer};
use common::*;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Route,
    Method,
    AddressLimit,
    Credentials,
    PrincipalLimit,
    IdempotencyKey,
    ContentType,
    Body,
}

const ORDER: [Fault; 8] = [
    Fault::Route,
    Fault::Method,
    Fault::AddressLimit,
    Fault::Credentials,
    Fault::PrincipalLimit,
    Fault::IdempotencyKey,
    Fault::ContentType,
    Fault::Body,
];

impl Fault {
    fn expected(self) -> (u16, &'static str) {
        match self {
            Fault::Route => (404, "NOT_FOUND"),
            Fault::Method => (405, "METHOD_NOT_ALLOWED"),
            // Told apart by the policy named in `RateLimit-Policy` (see `send`).
            Fault::AddressLimit => (429, "RATE_LIMIT_EXCEEDED address"),
            Fault::PrincipalLimit => (429, "RATE_LIMIT_EXCEEDED default"),
            Fault::Credentials => (401, "AUTHENTICATION_REQUIRED"),
            Fault::IdempotencyKey => (400, "INVALID_REQUEST"),
            Fault::ContentType => (415, "UNSUPPORTED_MEDIA_TYPE"),
            Fault::Body => (400, "INVALID_FORMAT"),
        }
    }
}

const QUOTA: u32 = 3;

struct Setup {
    srv: TestServer,
    next_address: u8,
}

impl Setup {
    fn address(&mut self) -> IpAddr {
        self.next_address += 1;
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, self.next_address))
    }

    fn client(&self, from: IpAddr) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(from)
            .build()
            .unwrap()
    }

    /// A partner's token, with its quota spent if `spent`.
    async fn token(&mut self, spent: bool) -> String {
        let name = format!("p{}", self.next_address);
        let p = partner(&self.srv.db, &name).await;
        // Minted as the token endpoint would (that endpoint has a per-address quota of its own).
        let claims = Claims::new(p.id, Duration::from_secs(600)).with_scopes(["partner"]);
        let token = JwtIssuer::hs256(SECRET.as_bytes()).issue(&claims).unwrap();
        if spent {
            let from = self.address();
            let http = self.client(from);
            for _ in 0..QUOTA {
                http.get(self.srv.url("/v1/platform/businesses/"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
            }
        }
        token
    }

    /// An address with its quota spent if `spent`.
    async fn from(&mut self, spent: bool) -> IpAddr {
        let from = self.address();
        if spent {
            let http = self.client(from);
            for _ in 0..QUOTA * 2 {
                http.get(self.srv.url("/v1/platform/businesses/"))
                    .send()
                    .await
                    .unwrap();
            }
        }
        from
    }

    /// Sends a create with `faults` and returns its status and code.
    async fn send(&mut self, faults: &[Fault]) -> (u16, String) {
        let has = |f: Fault| faults.contains(&f);
        let token = if has(Fault::Credentials) {
            None
        } else {
            Some(self.token(has(Fault::PrincipalLimit)).await)
        };
        let from = self.from(has(Fault::AddressLimit)).await;
        let path = if has(Fault::Route) {
            "/v1/platform/nothing-here/"
        } else {
            "/v1/platform/businesses/"
        };
        let method = if has(Fault::Method) {
            reqwest::Method::PATCH
        } else {
            reqwest::Method::POST
        };
        let mut req = self
            .client(from)
            .request(method, self.srv.url(path))
            .header(
                "content-type",
                if has(Fault::ContentType) {
                    "text/plain"
                } else {
                    "application/json"
                },
            )
            .header(
                "idempotency-key",
                if has(Fault::IdempotencyKey) {
                    String::new()
                } else {
                    format!("k-{}", self.next_address)
                },
            )
            .body(if has(Fault::Body) {
                "{\"external_id\": ".to_owned()
            } else {
                r#"{"external_id":"e","legal_name":"L","email":"a@b.example","country":"GB","base_currency":"GBP"}"#
                    .to_owned()
            });
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        // Which limit refused: the policy its `RateLimit-Policy` names.
        let policy = r
            .headers()
            .get("ratelimit-policy")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split('"').nth(1))
            .unwrap_or("")
            .to_owned();
        let body: Value = r.json().await.unwrap();
        let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
        if status == 429 {
            (status, format!("{code} {policy}"))
        } else {
            (status, code)
        }
    }
}

#[tokio::test]
async fn order_of_checks_decides_which_fault_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("sqlite://{}", dir.path().join("b.db").display()));
    cfg.rate_limit_per_minute = QUOTA;
    cfg.rate_limit_per_address_per_minute = QUOTA * 2;
    let mut setup = Setup {
        srv: start(cfg).await,
        next_address: 1,
    };
    // Each fault alone gets its own answer.
    for fault in ORDER {
        assert_eq!(
            setup.send(&[fault]).await,
            (fault.expected().0, fault.expected().1.to_owned()),
            "{fault:?} alone"
        );
    }
    let mut table = Vec::new();
    for (i, first) in ORDER.iter().enumerate() {
        for second in &ORDER[i + 1..] {
            if (*first, *second) == (Fault::Credentials, Fault::PrincipalLimit) {
                // No principal without credentials: nothing to limit.
                continue;
            }
            let got = setup.send(&[*first, *second]).await;
            table.push(format!("{first:?} + {second:?} -> {} {}", got.0, got.1));
            assert_eq!(
                got,
                (first.expected().0, first.expected().1.to_owned()),
                "{first:?} + {second:?}: the earlier check answers"
            );
        }
    }
    eprintln!("{}", table.join("\n"));
    assert_eq!(table.len(), 27);
    setup.srv.stop().await;
}
