//! What every request reads: the client's policies ([`Inner`], shared by `Client`, `RequestBuilder`
//! and `Middleware`), a request's own overrides and the sleep function. A leaf module: the builder,
//! the client, the request builder and the retry loop all import it, none through another.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::auth::CredentialRefresher;
use crate::backoff::Backoff;
use crate::breaker::Breakers;
use crate::budget::RetryBudget;
use crate::pacing::Pacer;

/// The sleep used between attempts and for pacing (replaceable for tests and simulations).
pub type SleepFn = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

pub(crate) struct Inner {
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Backoff,
    pub(crate) throttle_backoff: Backoff,
    pub(crate) retry_after_cap: Duration,
    pub(crate) hedge_after: Option<Duration>,
    pub(crate) pacer: Option<Pacer>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) auto_idempotency_key: bool,
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) breakers: Option<Breakers>,
    pub(crate) refresher: Option<Arc<dyn CredentialRefresher>>,
    /// The credential from the last refresh; replaces `Authorization` on every request once set.
    pub(crate) credential: RwLock<Credential>,
    /// Held while the refresh hook runs: concurrent 401s wait for one refresh and share its result.
    pub(crate) refreshing: tokio::sync::Mutex<()>,
    pub(crate) sleep: SleepFn,
    /// `Accept-Language` for requests that set none.
    pub(crate) accept_language: Option<HeaderValue>,
}

/// The refreshed credential and how many refreshes there have been (0: none yet, the caller's own
/// `Authorization` is used).
#[derive(Default)]
pub(crate) struct Credential {
    pub(crate) value: Option<HeaderValue>,
    pub(crate) generation: u64,
}

/// The `Idempotency-Key` header.
pub use backstop::headers::IDEMPOTENCY_KEY;

/// Per-request overrides of the client's settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOptions {
    pub(crate) max_attempts: Option<u32>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) auto_idempotency_key: Option<bool>,
    pub(crate) hedge_after: Option<Option<Duration>>,
}
