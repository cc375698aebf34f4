//! Authentication: API keys and HS256 bearer tokens checked against a pluggable
//! [`CredentialStore`], with every outcome mapped to its own catalog code.
//!
//! [`AuthLayer`] reads `Authorization: Bearer <key-or-token>` or `X-API-Key: <key>`, verifies it and
//! puts the authenticated [`Principal`] into the request's extensions (handlers extract it with
//! `Principal` or `Option<Principal>`, the rate limiter and the idempotency layer read it from there)
//! and into the response's extensions (for the log line).
//!
//! | outcome | status | code |
//! |---|---|---|
//! | no credentials | 401 | `AUTHENTICATION_REQUIRED` |
//! | unsupported scheme (`Basic …`) | 401 | `AUTHENTICATION_FAILED` |
//! | malformed or unknown key, wrong secret | 401 | `INVALID_API_KEY` |
//! | expired key | 401 | `EXPIRED_API_KEY` |
//! | revoked key | 401 | `REVOKED_API_KEY` |
//! | bad signature, malformed or expired token | 401 | `INVALID_TOKEN` |
//! | suspended account | 403 | `SUSPENDED_ACCOUNT` |
//! | [`Principal::require_scope`] fails | 403 | `INSUFFICIENT_PERMISSIONS` |
//! | [`Principal::require_tenant`] fails | 403 | `PERMISSION_DENIED` |
//!
//! A key's status (expired, revoked, suspended) is only revealed after its secret matched, so an
//! attacker who knows a key's public prefix learns nothing from it.
//!
//! The three policies stack in this order (outermost first): authentication, rate limiting,
//! idempotency; the rate limiter and the idempotency layer read the principal the first one found.
//!
//! (The example needs the `jwt`, `rate-limit` and `idempotency` features; without them it is not run.)
//!
#![cfg_attr(
    all(feature = "jwt", feature = "rate-limit", feature = "idempotency"),
    doc = "```"
)]
#![cfg_attr(
    not(all(feature = "jwt", feature = "rate-limit", feature = "idempotency")),
    doc = "```ignore"
)]
//! use std::time::Duration;
//! use axum::{Router, routing::post};
//! use backstop_axum::auth::{ApiKey, AuthLayer, Authenticator, JwtVerifier, KeyStatus,
//!     MemoryCredentialStore, Principal, PrincipalKind, StoredKey};
//! use backstop_axum::idempotency::{IdempotencyLayer, MemoryIdempotencyStore};
//! use backstop_axum::rate_limit::{MemoryRateLimitStore, Policies, Quota, RateLimitLayer};
//!
//! let keys = MemoryCredentialStore::new();
//! let generated = ApiKey::generate("sk_live"); // show generated.key() to its owner once
//! keys.insert(StoredKey {
//!     prefix: generated.prefix().to_owned(),
//!     hash: generated.hash(),
//!     principal: Principal::new("acct_1", PrincipalKind::ApiKey).with_tier("pro"),
//!     expires_at: None,
//!     status: KeyStatus::Active,
//! });
//! let auth = Authenticator::new(keys).with_jwt(JwtVerifier::hs256(b"a-32-byte-or-longer-shared-secret"));
//! let policies = Policies::new(Quota::per_minute(100).unwrap())
//!     .tier("pro", Quota::per_minute(1000).unwrap());
//!
//! let app: Router = Router::new()
//!     .route("/invoices", post(|p: Principal| async move { format!("created for {}", p.id()) }))
//!     .layer(IdempotencyLayer::new(MemoryIdempotencyStore::new()).retention(Duration::from_secs(24 * 3600)))
//!     .layer(RateLimitLayer::new(MemoryRateLimitStore::new(), policies))
//!     .layer(AuthLayer::new(auth));
//! // Serve with `app.into_make_service_with_connect_info::<std::net::SocketAddr>()` so anonymous
//! // callers are limited per IP.
//! ```

#[cfg(feature = "auth")]
mod api_key;
mod extract;
#[cfg(feature = "jwt")]
mod jwt;
#[cfg(feature = "auth")]
mod layer;
mod principal;
#[cfg(feature = "auth")]
mod store;

pub use crate::store::StoreError;
#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub use api_key::{ApiKey, GeneratedKey, KeyHash, ParseApiKeyError};
#[cfg(feature = "jwt")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
pub use jwt::{Claims, JwtError, JwtIssuer, JwtVerifier};
#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub use layer::{AuthLayer, AuthService, Authenticator};
pub use principal::{Principal, PrincipalKind, ScopeError};
#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub use store::{CredentialStore, KeyStatus, MemoryCredentialStore, StoredKey};
