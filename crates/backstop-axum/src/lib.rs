//! # backstop-axum: the backstop error contract for axum
//!
//! Every failure path of an axum app answers with the contract's envelope (docs/CONTRACT.md §2), with one
//! line of set-up: `Contract::new().apply(router)`.
//!
//! - [`Error`]: a [`backstop::ApiError`] as a response; return `Result<T, backstop_axum::Error>` from
//!   handlers and use `?` on anything that converts into an `ApiError`.
//! - [`extract`]: drop-in [`Json`], [`Query`], [`Path`], [`Form`] whose rejections follow §4 (400
//!   `INVALID_FORMAT`, 415, 422 `VALIDATION_ERROR` listing **every** offending field, 400
//!   `MISSING_PARAMETER`/`INVALID_PARAMETER`), and [`Valid`] to run the type's `garde` rules into the
//!   same field map.
//! - [`Contract`]: one layer for the request id (§3), a tracing span, panics (500), timeouts (504), the
//!   body limit (413, chunked bodies too), load shedding (503 + `Retry-After`), the router's 404 and 405
//!   (`Allow` kept), a safety net rewriting any other error response into the envelope, one structured
//!   log line per error and an [`ErrorSink`] of error records (in memory by default).
//!
//! ```
//! use std::time::Duration;
//!
//! use axum::{Router, routing::{get, post}};
//! use backstop::{ApiError, Profile};
//! use backstop_axum::{Contract, Error, Json, Path, RequestId, Valid};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize, garde::Validate)]
//! struct NewInvoice {
//!     #[garde(email)]
//!     email: String,
//!     #[garde(range(min = 1))]
//!     amount: u64,
//! }
//!
//! #[derive(Serialize)]
//! struct Invoice {
//!     id: u64,
//!     amount: u64,
//! }
//!
//! // A body of the wrong shape is 422 listing every field; broken garde rules too.
//! async fn create(Valid(Json(new)): Valid<Json<NewInvoice>>) -> Json<Invoice> {
//!     Json(Invoice { id: 1, amount: new.amount })
//! }
//!
//! // `/invoices/abc` is 400 INVALID_PARAMETER; an unknown id is 404 INVOICE_NOT_FOUND.
//! async fn show(Path(id): Path<u64>, request_id: RequestId) -> Result<Json<Invoice>, Error> {
//!     tracing::info!(%request_id, "looking up invoice {id}");
//!     if id == 1 {
//!         Ok(Json(Invoice { id, amount: 100 }))
//!     } else {
//!         Err(ApiError::not_found("invoice", id).into())
//!     }
//! }
//!
//! fn app() -> Router {
//!     let router = Router::new()
//!         .route("/invoices", post(create))
//!         .route("/invoices/{id}", get(show));
//!     // Add every route first, then the contract: it wraps what the router has at this point.
//!     Contract::new()
//!         .profile(Profile::Backstop)
//!         .timeout(Duration::from_secs(10))
//!         .body_limit(1024 * 1024)
//!         .concurrency_limit(512)
//!         .apply(router)
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app()).await
//! # }
//! # let _ = app();
//! ```
//!
//! ## What to know
//!
//! - **Install last.** [`Contract::apply`] is `router.layer(contract)`: it wraps the routes and fallback
//!   present at that point. The default fallback becomes 404 `NOT_FOUND`; a custom fallback that
//!   answers a plain 404 is rewritten into the envelope too. Other layers (auth, rate limit,
//!   idempotency) go on the router *before* the contract so their errors are wrapped.
//! - **The profile** is one server setting; handler and extractor errors are re-encoded in it by the
//!   layer, and it is available to handlers as the [`ErrorProfile`] request extension.
//! - **The safety net** rewrites every response with status >= 400 that was not built from an
//!   [`Error`] into the catalog code for its status, keeping its headers except those describing the
//!   old body. A handler that wants its own JSON error body must therefore use [`Error`].
//! - **The request id** is in the request's own `X-Request-Id` header for everything inside the
//!   layer (a missing or invalid one is replaced): read it with the [`RequestId`] extractor, or
//!   forward the header to upstream services as it is.
//! - **Error records**: every error is recorded in the [`ErrorSink`] except 404s for paths no route
//!   matched (scanner noise that would evict real records; see [`Contract::record_unmatched`]).
//! - **Layers outside the contract** (metrics by error code, say) find the error in the response's
//!   [`ErrorExtension`] only with [`Contract::error_extension`]`(true)`; layers inside always do.
//! - **Logging**: one event per error, target `backstop_axum::contract::log`, fields `request_id`,
//!   `method`, `route` (matched template), `status`, `code`, `latency_ms`, `principal`; 5xx at `ERROR`
//!   with the `source` chain (panic text, database errors: the log only), 404/405 at `INFO`, other 4xx
//!   at `WARN`. An auth layer reports who made the request by inserting [`PrincipalId`] into the
//!   response extensions.
//! - **Limits** are counted across all routes the layer wraps: one semaphore for the concurrency
//!   limit; the body limit also sets axum's `DefaultBodyLimit`, so `Json`/`Form`/`Bytes` agree with it.
//! - Requests hyper rejects before axum sees them (a malformed request line, oversized headers) get
//!   hyper's own bare 400/431: no axum layer can reach them.
//!
//! ## Features
//!
//! One per policy, so an app compiles only what it uses; the contract layer, the extractors, the
//! error sink and [`serve`] need none.
//!
//! | feature | adds | default |
//! |---|---|---|
//! | `validate` | [`Valid`] and [`extract::Validation`] (garde) | yes |
//! | `auth` | [`AuthLayer`] with API keys | no |
//! | `jwt` | bearer JWTs in the [`AuthLayer`] (implies `auth`) | no |
//! | `rate-limit` | [`RateLimitLayer`] (governor) | no |
//! | `idempotency` | [`IdempotencyLayer`] | no |
//! | `redis` | Redis stores for the enabled policies | no |
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod caller;
mod context;
mod contract;
pub mod extract;
#[cfg(feature = "idempotency")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
pub mod idempotency;
#[cfg(feature = "rate-limit")]
#[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
pub mod rate_limit;
#[cfg(any(feature = "auth", feature = "rate-limit", feature = "idempotency"))]
mod ready;
mod response;
pub mod serve;
mod sink;
mod store;

#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub use auth::AuthLayer;
pub use auth::Principal;
pub use context::{ErrorProfile, PrincipalId, RequestId};
pub use contract::{Contract, ContractService, InnerStack, PanicToEnvelope, ResponseFuture};
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use extract::Valid;
pub use extract::{Form, Json, Path, Query};
#[cfg(feature = "idempotency")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
pub use idempotency::IdempotencyLayer;
#[cfg(feature = "rate-limit")]
#[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
pub use rate_limit::RateLimitLayer;
pub use response::{Error, ErrorExtension, encode_response};
pub use sink::{ErrorRecord, ErrorSink, MemoryErrorSink};
pub use store::{BoxFuture, StoreError};
