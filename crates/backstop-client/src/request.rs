//! [`RequestBuilder`]: a `reqwest::RequestBuilder` with per-request retry settings.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use std::sync::Arc;

use crate::error::Error;
use crate::policies::{IDEMPOTENCY_KEY, Inner, RequestOptions};

/// A request being built; [`send`](Self::send) runs it through the client's policies.
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    /// The client's policies (the `reqwest::Client` is inside `inner`).
    policies: Arc<Inner>,
    inner: reqwest::RequestBuilder,
    options: RequestOptions,
}

impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("request", &self.inner)
            .field("options", &self.options)
            .finish()
    }
}

impl RequestBuilder {
    pub(crate) fn new(policies: Arc<Inner>, inner: reqwest::RequestBuilder) -> Self {
        RequestBuilder {
            policies,
            inner,
            options: RequestOptions::default(),
        }
    }

    /// Adds a header. Header values are never logged.
    pub fn header<K, V>(mut self, key: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.inner = self.inner.header(key, value);
        self
    }

    /// Adds headers.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.inner = self.inner.headers(headers);
        self
    }

    /// Sets `Authorization: Bearer <token>` (marked sensitive).
    pub fn bearer_auth<T: std::fmt::Display>(mut self, token: T) -> Self {
        self.inner = self.inner.bearer_auth(token);
        self
    }

    /// Sets `Accept-Language` for this request, overriding
    /// [`ClientBuilder::accept_language`](crate::ClientBuilder::accept_language): the languages
    /// error messages should come back in (docs/CONTRACT.md §13), such as `"de, en;q=0.5"`.
    pub fn accept_language(self, languages: &str) -> Self {
        self.header(reqwest::header::ACCEPT_LANGUAGE, languages)
    }

    /// Sets a buffered body (bytes, `String`, `Vec<u8>`, ...). A streaming body cannot be retried.
    pub fn body<T: Into<reqwest::Body>>(mut self, body: T) -> Self {
        self.inner = self.inner.body(body);
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, json: &T) -> Self {
        self.inner = self.inner.json(json);
        self
    }

    /// Sets a form body.
    pub fn form<T: Serialize + ?Sized>(mut self, form: &T) -> Self {
        self.inner = self.inner.form(form);
        self
    }

    /// A timeout for each attempt (a timed-out attempt is a retryable transport error).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.timeout(timeout);
        self
    }

    /// Sets the `Idempotency-Key`, which makes a POST or PATCH retryable; it is sent on every attempt.
    pub fn idempotency_key(self, key: impl AsRef<str>) -> Self {
        self.header(IDEMPOTENCY_KEY, key.as_ref())
    }

    /// Generates an `Idempotency-Key` (UUID v7) for this POST or PATCH if it has none (overrides the client's setting).
    pub fn auto_idempotency_key(mut self, on: bool) -> Self {
        self.options.auto_idempotency_key = Some(on);
        self
    }

    /// The overall deadline for this logical request, across attempts and waits.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = Some(deadline);
        self
    }

    /// Attempts for this request, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.options.max_attempts = Some(attempts.max(1));
        self
    }

    /// Hedges this request (a safe method: GET, HEAD, OPTIONS) after `after` without an outcome, or
    /// with `None` not at all, overriding [`ClientBuilder::hedge_after`](crate::ClientBuilder::hedge_after).
    pub fn hedge_after(mut self, after: Option<Duration>) -> Self {
        self.options.hedge_after = Some(after);
        self
    }

    /// Sends once, never retries (the way to send a streaming body).
    pub fn no_retry(self) -> Self {
        self.max_attempts(1)
    }

    /// Applies any other `reqwest::RequestBuilder` method (`query`, `basic_auth`, `version`, ...).
    pub fn map(
        mut self,
        f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Self {
        self.inner = f(self.inner);
        self
    }

    /// Builds the `reqwest::Request` without sending it.
    pub fn build(self) -> Result<reqwest::Request, Error> {
        self.inner
            .build()
            .map_err(|e| Error::Build(e.without_url()))
    }

    /// Sends the request through the client's policies.
    pub fn send(self) -> impl Future<Output = Result<reqwest::Response, Error>> + Send + 'static {
        let (http, request) = self.inner.build_split();
        let request = request.map_err(|e| Error::Build(e.without_url()));
        crate::execute::run(self.policies, http, request, self.options)
    }
}
