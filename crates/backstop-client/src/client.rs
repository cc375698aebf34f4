//! [`Client`]: a `reqwest::Client` that retries right, budgets its retries and breaks circuits.

use std::fmt;
use std::sync::Arc;

use reqwest::{IntoUrl, Method};

use crate::breaker::{Breakers, CircuitState};
use crate::error::Error;
use crate::policies::{Inner, RequestOptions};
use crate::request::RequestBuilder;

/// An HTTP client speaking the backstop contract (docs/CONTRACT.md §11). Cheap to clone: clones share
/// the connection pool, the retry budget, the circuit breakers, the pacing holds and the refreshed
/// credential.
#[derive(Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("max_attempts", &self.inner.max_attempts)
            .field("backoff", &self.inner.backoff)
            .field("deadline", &self.inner.deadline)
            .field("retry_budget", &self.inner.budget.is_some())
            .field("circuit_breaker", &self.inner.breakers.is_some())
            .field("pacing", &self.inner.pacer.is_some())
            .field("hedge_after", &self.inner.hedge_after)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn from_inner(http: reqwest::Client, inner: Inner) -> Self {
        Client {
            http,
            inner: Arc::new(inner),
        }
    }

    /// The underlying `reqwest::Client` (requests sent through it directly bypass every policy).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// Starts a request.
    pub fn request<U: IntoUrl>(&self, method: Method, url: U) -> RequestBuilder {
        RequestBuilder::new(self.inner.clone(), self.http.request(method, url))
    }

    /// Starts a GET.
    pub fn get<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// Starts a POST (retried only with an `Idempotency-Key`).
    pub fn post<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// Starts a PUT.
    pub fn put<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// Starts a PATCH (retried only with an `Idempotency-Key`).
    pub fn patch<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// Starts a DELETE.
    pub fn delete<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// Starts a HEAD.
    pub fn head<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::HEAD, url)
    }

    /// Sends any `reqwest::Request` through every policy (retries, budget, breaker, refresh).
    ///
    /// Returns the response for statuses below 400; an error status becomes [`Error::Api`] with the
    /// decoded envelope.
    pub fn execute(
        &self,
        request: reqwest::Request,
    ) -> impl Future<Output = Result<reqwest::Response, Error>> + Send + '_ {
        crate::execute::run(
            &*self.inner,
            &self.http,
            Ok(request),
            RequestOptions::default(),
        )
    }

    /// The circuit state of one host, given as its authority (`"api.example.com:443"`); `Closed` for hosts
    /// never seen or when the breaker is off.
    pub fn circuit_state(&self, authority: &str) -> CircuitState {
        self.inner
            .breakers
            .as_ref()
            .map_or(CircuitState::Closed, |b| b.state(authority))
    }

    /// Every host seen so far with its circuit state, sorted by host.
    pub fn circuit_states(&self) -> Vec<(String, CircuitState)> {
        self.inner
            .breakers
            .as_ref()
            .map(Breakers::states)
            .unwrap_or_default()
    }
}
