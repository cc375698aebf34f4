//! # backstop-client
//!
//! A [`reqwest`] client that survives an API: it retries what docs/CONTRACT.md §11 says is retryable and
//! nothing else, budgets its retries, breaks circuits per host, refreshes credentials after a 401, and
//! turns every failure into one typed [`Error`] carrying the decoded envelope (any wire profile), the
//! status, the request id and the number of attempts.
//!
//! ```no_run
//! use std::time::Duration;
//! use backstop_client::{Client, Error};
//!
//! # async fn run() -> Result<(), Error> {
//! let client = Client::builder()
//!     .max_attempts(3)                    // the default
//!     .deadline(Duration::from_secs(20))  // across every attempt and wait
//!     .auto_idempotency_key(true)         // POST/PATCH get a key, so they can be retried
//!     .build();
//!
//! match client.post("http://127.0.0.1:8080/invoices").body(r#"{"amount":10}"#).send().await {
//!     Ok(response) => println!("created: {}", response.status()),
//!     Err(Error::Api { error, status, request_id, attempts }) => {
//!         println!("{status} {} ({request_id:?}) after {attempts} attempt(s)", error.code().name());
//!     }
//!     Err(e) if e.is_circuit_open() => println!("not sent: {e}"),
//!     Err(e) => println!("network or local failure after {} attempt(s): {e}", e.attempts()),
//! }
//! # Ok(()) }
//! ```
//!
//! ## What is retried
//! * 408, 429, 500, 502, 503, 504, 409 `IDEMPOTENCY_KEY_IN_USE`, connection errors and timeouts; a body's
//!   own `retryable` wins (`backstop::is_retryable`). Never any other 4xx.
//! * Only GET, HEAD, OPTIONS, PUT, DELETE (and TRACE); POST and PATCH only with an `Idempotency-Key`
//!   (set one with [`RequestBuilder::idempotency_key`], or let the client generate one per logical
//!   request with [`ClientBuilder::auto_idempotency_key`]).
//! * At most 3 attempts; backoff exponential from 1 s, factor 2, capped at 30 s, full jitter
//!   ([`Jitter::Decorrelated`] as an option). `Retry-After` (seconds or HTTP-date) replaces the backoff
//!   when it is at most [`ClientBuilder::retry_after_cap`] (30 s); a longer one returns the error
//!   rather than come back early.
//! * Retries come from a budget shared by the client: at most 20% of the logical requests of the last
//!   10 s, with a floor of 3 per 10 s ([`RetryBudgetConfig`]). A spent budget gives
//!   [`Error::BudgetExhausted`].
//! * Request bodies must be buffered to be resent; a streaming body on a retryable request gives
//!   [`Error::BodyNotReplayable`] (send it with [`RequestBuilder::no_retry`]).
//!
//! ## Circuit breaker
//! One per authority (`host:port`): opens after 5 consecutive failed attempts (transport errors and
//! retryable 5xx; 4xx and 429 do not count) or, with [`TripPolicy::FailureRatio`], a failed fraction
//! over a window; rejects locally for 30 s ([`Error::CircuitOpen`], nothing sent); then admits at most
//! 1 concurrent probe; the probe's success closes it, its failure re-opens it. Transitions are traced
//! (`warn` when opening, `info` otherwise), reported to [`ClientBuilder::on_circuit_change`] and
//! visible through [`Client::circuit_state`] / [`Client::circuit_states`].
//!
//! ## 401
//! With a [`CredentialRefresher`], a 401 calls it once and retries once with the new `Authorization`
//! value, which then replaces `Authorization` on every later request of the client.
//!
//! ## Tracing
//! Every attempt runs in a `backstop_client.attempt` span (debug level) with `method`, `path` (never the
//! query), `attempt`, `status`, `code` and `request_id`. Header values are never logged, and errors
//! carry no URL.
#![forbid(unsafe_code)]

mod auth;
mod backoff;
mod breaker;
mod budget;
mod builder;
mod client;
mod error;
mod execute;
mod request;
mod window;

pub use auth::{CredentialRefresher, RefreshFuture};
pub use backoff::{Backoff, Jitter};
pub use breaker::{CircuitBreakerConfig, CircuitState, StateListener, TripPolicy};
pub use budget::RetryBudgetConfig;
pub use builder::{ClientBuilder, SleepFn};
pub use client::Client;
pub use error::{BoxError, Error};
pub use request::{IDEMPOTENCY_KEY, RequestBuilder};

/// Re-exported: the contract core (error type, codes, profiles).
pub use backstop;
/// Re-exported: the HTTP client underneath.
pub use reqwest;
