//! # backstop-client
//!
//! A [`reqwest`] client that survives an API: it retries what the contract says is retryable and
//! nothing else, paces itself on announced quotas, budgets its retries, breaks circuits per host,
//! hedges slow safe requests when asked, refreshes credentials after a 401, and turns every failure
//! into one typed [`Error`] carrying the decoded envelope (any wire profile, or the error shape of
//! Google, Microsoft, Stripe, GitHub, RFC 9457, FastAPI, Django REST framework, Spring Boot or AWS),
//! the status, the request id and the number of attempts.
//!
//! ```no_run
//! use std::time::Duration;
//! use backstop_client::{Client, Error};
//!
//! # async fn run() {
//! let client = Client::builder()
//!     .max_attempts(3)                    // the default
//!     .deadline(Duration::from_secs(20))  // across every attempt and wait
//!     .auto_idempotency_key(true)         // POST/PATCH get a key, so they can be retried
//!     .build();
//!
//! match client.post("http://127.0.0.1:8080/invoices").body(r#"{"amount":10}"#).send().await {
//!     Ok(response) => println!("created: {}", response.status()),
//!     // The server's answer, final: not retryable, or the attempts are used up.
//!     Err(Error::Api { error, status, request_id, attempts }) => {
//!         println!("{status} {} ({request_id:?}) after {attempts} attempt(s)", error.code().name());
//!         if let Some(fields) = error.details().and_then(|d| d.fields()) {
//!             for (field, messages) in fields.iter() {
//!                 println!("  {field}: {}", messages.join("; "));
//!             }
//!         }
//!     }
//!     // Retryable, but the client stopped: `last` is what it would have retried.
//!     Err(e @ (Error::BudgetExhausted { .. } | Error::DeadlineExceeded { .. })) => {
//!         println!("gave up ({e}); last status {:?}, request id {:?}", e.status(), e.request_id());
//!     }
//!     // Nothing was sent this time: the host's circuit is open.
//!     Err(Error::CircuitOpen { host, .. }) => println!("{host} is failing; not sent"),
//!     // No response at all: connection refused or reset, timeout.
//!     Err(e @ Error::Transport { .. }) => println!("network failure: {e}"),
//!     // The 401 refresh hook failed.
//!     Err(Error::Refresh { source, .. }) => println!("could not refresh the credential: {source}"),
//!     // Mistakes in the request itself: fix the code.
//!     Err(e @ (Error::Build(_) | Error::BodyNotReplayable)) => panic!("{e}"),
//!     Err(e) => println!("{e}"),
//! }
//! # }
//! ```
//!
//! ## What is retried: the precedence table
//!
//! After each attempt the checks below run in this order; the first that decides, decides.
//!
//! | # | check | outcome |
//! |---|---|---|
//! | 1 | **breaker** (before sending) | the host's circuit is open, or half-open with its probe busy and no outcome within `probe_wait`: [`Error::CircuitOpen`], nothing sent |
//! | 2 | **body flag / provider signal** | `retryable: false`, `Stripe-Should-Retry: false`, `X-Should-Retry: false`: not retried; an explicit `true` makes any status retryable |
//! | 3 | **code** | `IDEMPOTENCY_KEY_IN_USE` is retryable; a catalog code sent with its own status keeps its catalog value (`PROCESSING_FAILED` 500: no) |
//! | 4 | **status** | 408, 429, 500, 502, 503, 504 and transport errors (connect, timeout) are retryable; every other status is not |
//! | 5 | **method** | GET, HEAD, OPTIONS, PUT, DELETE, TRACE: retried |
//! | 6 | **key** | POST and PATCH: retried only with an `Idempotency-Key` ([`RequestBuilder::idempotency_key`], [`ClientBuilder::auto_idempotency_key`]) |
//! | 7 | **attempts** | at most [`ClientBuilder::max_attempts`] (3), hedges included |
//! | 8 | **server hint** | a wait from `RetryInfo`, `retry-after-ms` or `Retry-After` replaces the backoff; one longer than [`ClientBuilder::retry_after_cap`] (30 s) ends the retries with the error |
//! | 9 | **deadline** | a wait past the deadline: [`Error::DeadlineExceeded`] |
//! | 10 | **budget** | no retry left: [`Error::BudgetExhausted`] |
//!
//! Rows 2–4 are the contract's one retryability rule, [`backstop::is_retryable`]
//! (docs/CONTRACT.md §11.1); the same function gives the server's `retryable` member and
//! [`ApiError::is_retryable`](backstop::ApiError::is_retryable).
//!
//! * **Backoff** with no server hint: exponential with full jitter, from 1 s after a transient
//!   failure and from 2 s after a 429, each doubling to 30 s ([`ClientBuilder::backoff`],
//!   [`ClientBuilder::throttle_backoff`], [`Jitter::Decorrelated`] as an option).
//! * **Budget** ([`RetryBudgetConfig`]): retries stay under 20% of the logical requests of the last
//!   10 s, except that up to 3 retries may always be in progress (Envoy's `min_retry_concurrency`),
//!   so a quiet client can retry a blip while a storm stays at 1.2×.
//! * **Bodies** must be buffered to be resent; a streaming body on a retryable request gives
//!   [`Error::BodyNotReplayable`] (send it with [`RequestBuilder::no_retry`]).
//!
//! ## Pacing
//! When responses (successes or errors) announce the host's quota (`RateLimit: "default";r=3;t=30`
//! with `RateLimit-Policy: "default";q=100;w=60`, draft-ietf-httpapi-ratelimit-headers-11, or
//! `X-RateLimit-Remaining` with `X-RateLimit-Reset`), the client spends it unit by unit, and a
//! request that finds none left waits for the reset instead of drawing a 429, when the wait fits
//! [`ClientBuilder::retry_after_cap`] and the deadline (otherwise it is sent, and the server's answer
//! decides). Concurrent callers share the units, so a reset does not release them all at once.
//! Malformed fields are ignored. Off with [`ClientBuilder::no_pacing`].
//!
//! ## Circuit breaker
//! One per authority (`host:port`). By default it opens when at least 50% of at least 20 attempts in
//! the last 10 s failed (transport errors and retryable 5xx count; 4xx and 429 do not), so
//! independent noise cannot trip it; [`TripPolicy::ConsecutiveFailures`] is the alternative. Open, it
//! rejects locally for 30 s ([`Error::CircuitOpen`]); then one probe goes through while other callers
//! wait up to 5 s for its outcome ([`CircuitBreakerConfig::probe_wait`]): its success closes the
//! circuit and lets them through, its failure re-opens it. Transitions are traced (`warn` when
//! opening, `info` otherwise), reported to [`ClientBuilder::on_circuit_change`] and visible through
//! [`Client::circuit_state`] / [`Client::circuit_states`].
//!
//! ## Hedging
//! Off by default. With [`ClientBuilder::hedge_after`], a safe request (GET, HEAD, OPTIONS) with no
//! outcome after that long gets a second copy, drawn from the retry budget and admitted by the
//! breaker; the first final outcome wins and the other is cancelled.
//!
//! ## 401
//! With a [`CredentialRefresher`], a 401 calls it once and retries once with the new `Authorization`
//! value, which then replaces `Authorization` on every later request of the client.
//!
//! ## reqwest-middleware
//! With the `middleware` feature, [`ClientBuilder::build_middleware`] gives the same policies as a
//! `reqwest_middleware::Middleware` for an existing stack (see `Middleware`).
//!
//! ## Tracing
//! Every attempt runs in a `backstop_client.attempt` span (debug level) with `method`, `path` (never the
//! query), `attempt`, `status`, `code` and `request_id`. Header values are never logged, and errors
//! carry no URL.
#![forbid(unsafe_code)]
// docs.rs (nightly, `--cfg docsrs`): mark items that need a feature, such as `Middleware`.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod auth;
mod backoff;
mod breaker;
mod budget;
mod builder;
mod client;
mod error;
mod execute;
#[cfg(feature = "middleware")]
mod middleware;
mod pacing;
mod policies;
mod ratelimit;
mod request;
mod transport;
mod window;

pub use auth::{CredentialRefresher, RefreshFuture};
pub use backoff::{Backoff, Jitter};
pub use breaker::{CircuitBreakerConfig, CircuitState, StateListener, TripPolicy};
pub use budget::RetryBudgetConfig;
pub use builder::ClientBuilder;
pub use client::Client;
pub use error::{BoxError, Error};
#[cfg(feature = "middleware")]
pub use middleware::{DecodedError, Middleware};
pub use policies::{IDEMPOTENCY_KEY, SleepFn};
pub use request::RequestBuilder;

/// Re-exported: the contract core (error type, codes, profiles).
pub use backstop;
/// Re-exported: the HTTP client underneath.
pub use reqwest;

/// The README's examples, run as doctests so they cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
