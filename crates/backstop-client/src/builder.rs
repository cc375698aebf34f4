//! [`ClientBuilder`]: every policy of docs/CONTRACT.md §11, with its defaults.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::auth::CredentialRefresher;
use crate::backoff::{Backoff, Jitter};
use crate::breaker::{Breakers, CircuitBreakerConfig, CircuitState, StateListener};
use crate::budget::{RetryBudget, RetryBudgetConfig};
use crate::client::Client;
use crate::pacing::Pacer;
use crate::policies::{Inner, SleepFn};

/// Builds a [`Client`]. Defaults (docs/CONTRACT.md §11):
///
/// | setting | default |
/// |---|---|
/// | max attempts per logical request | 3 |
/// | backoff after a transient failure (5xx, transport) | exponential from 1 s, factor 2, cap 30 s, full jitter |
/// | backoff after a 429 without a hint | exponential from 2 s, factor 2, cap 30 s, full jitter |
/// | server hints honoured up to (`RetryInfo`, `retry-after-ms`, `Retry-After`) | 30 s (a longer wait is not retried: the error is returned) |
/// | overall deadline per logical request | none |
/// | retry budget | 20% of the last 10 s of requests, and always 3 retries in progress |
/// | circuit breaker | per host; opens at ≥ 50% failed of ≥ 20 attempts in 10 s; open 30 s; 1 probe; others wait ≤ 5 s for it |
/// | pacing on announced quotas (`RateLimit`, `X-RateLimit-*`) | on, waits up to the hint cap and the deadline |
/// | hedging of safe methods | off |
/// | automatic `Idempotency-Key` on POST/PATCH | off |
/// | 401 credential refresh | off (see [`ClientBuilder::credential_refresher`]) |
pub struct ClientBuilder {
    http: Option<reqwest::Client>,
    max_attempts: u32,
    backoff: Backoff,
    throttle_backoff: Backoff,
    retry_after_cap: Duration,
    deadline: Option<Duration>,
    pacing: bool,
    hedge_after: Option<Duration>,
    auto_idempotency_key: bool,
    budget: Option<RetryBudgetConfig>,
    breaker: Option<CircuitBreakerConfig>,
    listener: Option<StateListener>,
    refresher: Option<Arc<dyn CredentialRefresher>>,
    sleep: Option<SleepFn>,
    accept_language: Option<reqwest::header::HeaderValue>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("throttle_backoff", &self.throttle_backoff)
            .field("retry_after_cap", &self.retry_after_cap)
            .field("deadline", &self.deadline)
            .field("pacing", &self.pacing)
            .field("hedge_after", &self.hedge_after)
            .field("auto_idempotency_key", &self.auto_idempotency_key)
            .field("budget", &self.budget)
            .field("breaker", &self.breaker)
            .field("credential_refresher", &self.refresher.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            http: None,
            max_attempts: 3,
            backoff: Backoff::default(),
            throttle_backoff: Backoff {
                base: Duration::from_secs(2),
                ..Backoff::default()
            },
            retry_after_cap: Duration::from_secs(30),
            deadline: None,
            pacing: true,
            hedge_after: None,
            auto_idempotency_key: false,
            budget: Some(RetryBudgetConfig::default()),
            breaker: Some(CircuitBreakerConfig::default()),
            listener: None,
            refresher: None,
            sleep: None,
            accept_language: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults above.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends through this `reqwest::Client` (its timeouts, TLS, default headers, pool). Default: `reqwest::Client::new()`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Attempts per logical request, the first included (at least 1). Default 3.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff schedule after a transient failure (a retryable 5xx, a transport error) that
    /// came with no server hint.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The backoff schedule after a 429 that came with no server hint. Default: from 2 s, factor 2,
    /// cap 30 s, full jitter.
    pub fn throttle_backoff(mut self, backoff: Backoff) -> Self {
        self.throttle_backoff = backoff;
        self
    }

    /// The first retry's (maximum) delay after a transient failure; later ones double. Default 1 s.
    pub fn backoff_base(mut self, base: Duration) -> Self {
        self.backoff.base = base;
        self
    }

    /// The longest backoff delay after a transient failure. Default 30 s.
    pub fn backoff_cap(mut self, cap: Duration) -> Self {
        self.backoff.cap = cap;
        self
    }

    /// The jitter of both backoff schedules: [`Jitter::Full`] (default), [`Jitter::Decorrelated`]
    /// or [`Jitter::None`].
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.backoff.jitter = jitter;
        self.throttle_backoff.jitter = jitter;
        self
    }

    /// The longest wait the client accepts from a server: a retry hint (`RetryInfo`,
    /// `retry-after-ms`, `Retry-After`) longer than this ends the retries with the error, and a
    /// pacing hold longer than this is not waited for. Default 30 s.
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// An overall deadline per logical request, across every attempt and wait. Default none.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Adds an `Idempotency-Key` (UUID v7) to every POST and PATCH that has none, the same on every
    /// attempt, so they can be retried. Default off.
    pub fn auto_idempotency_key(mut self, on: bool) -> Self {
        self.auto_idempotency_key = on;
        self
    }

    /// No pacing: requests are sent even after a host announced that its quota is spent
    /// (`RateLimit: "default";r=0;t=30`, `X-RateLimit-Remaining: 0`), and its 429s are retried as
    /// usual. By default each request to a host that announced its quota takes a unit of it, and one
    /// that finds none left waits for the reset, up to [`retry_after_cap`](Self::retry_after_cap) and
    /// the deadline.
    pub fn no_pacing(mut self) -> Self {
        self.pacing = false;
        self
    }

    /// Hedges safe requests (GET, HEAD, OPTIONS): when one has no outcome after `after`, a second
    /// copy is sent, drawn from the retry budget (and admitted by the breaker); the first final
    /// outcome wins and the other is cancelled. Both count as attempts. Default off.
    pub fn hedge_after(mut self, after: Duration) -> Self {
        self.hedge_after = Some(after);
        self
    }

    /// The retry budget settings.
    pub fn retry_budget(mut self, budget: RetryBudgetConfig) -> Self {
        self.budget = Some(budget);
        self
    }

    /// No retry budget: every retryable failure is retried up to the attempt limit.
    pub fn no_retry_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// The circuit breaker settings.
    pub fn circuit_breaker(mut self, breaker: CircuitBreakerConfig) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// No circuit breaker.
    pub fn no_circuit_breaker(mut self) -> Self {
        self.breaker = None;
        self
    }

    /// Called on every circuit state change with the host, the old state and the new one.
    pub fn on_circuit_change(
        mut self,
        listener: impl Fn(&str, CircuitState, CircuitState) + Send + Sync + 'static,
    ) -> Self {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// The hook that fetches a new credential after a 401 (see [`CredentialRefresher`]).
    pub fn credential_refresher(mut self, refresher: impl CredentialRefresher) -> Self {
        self.refresher = Some(Arc::new(refresher));
        self
    }

    /// Replaces the sleep between attempts (default `tokio::time::sleep`): for tests and simulations.
    pub fn sleep_with(
        mut self,
        sleep: impl Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static,
    ) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Sends `Accept-Language: <languages>` with every request that sets none, so that error
    /// messages come back in the end user's language (docs/CONTRACT.md §13):
    /// `HeaderValue::from_static("fr-CA, fr;q=0.9, en;q=0.5")`. Codes never change with the
    /// language; [`Error::language`](crate::Error::language) says which one the server answered in.
    pub fn accept_language(mut self, languages: reqwest::header::HeaderValue) -> Self {
        self.accept_language = Some(languages);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Client {
        let (http, inner) = self.into_parts();
        Client::from_inner(http.unwrap_or_default(), inner)
    }

    /// Builds the policies as a `reqwest-middleware` [`Middleware`](crate::Middleware), for a stack
    /// that already has its own client (the `reqwest::Client` given here, if any, is not used).
    #[cfg(feature = "middleware")]
    pub fn build_middleware(self) -> crate::Middleware {
        crate::Middleware::from_inner(self.into_parts().1)
    }

    pub(crate) fn into_parts(self) -> (Option<reqwest::Client>, Inner) {
        let sleep = self
            .sleep
            .unwrap_or_else(|| Arc::new(|d| Box::pin(tokio::time::sleep(d))));
        (
            self.http,
            Inner {
                max_attempts: self.max_attempts,
                backoff: self.backoff,
                throttle_backoff: self.throttle_backoff,
                retry_after_cap: self.retry_after_cap,
                hedge_after: self.hedge_after,
                pacer: self.pacing.then(Pacer::default),
                deadline: self.deadline,
                auto_idempotency_key: self.auto_idempotency_key,
                budget: self.budget.map(RetryBudget::new),
                breakers: self.breaker.map(|c| Breakers::new(c, self.listener)),
                refresher: self.refresher,
                credential: RwLock::default(),
                refreshing: tokio::sync::Mutex::new(()),
                sleep,
                accept_language: self.accept_language,
            },
        )
    }
}

// Here rather than in `client.rs`, so that the client does not import its builder (which builds it).
impl Client {
    /// A client with the defaults of [`ClientBuilder`].
    pub fn new() -> Self {
        ClientBuilder::new().build()
    }

    /// A builder for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}
