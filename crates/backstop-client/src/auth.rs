//! The credential refresh hook called after a 401.

use std::future::Future;
use std::pin::Pin;

use reqwest::header::HeaderValue;

use crate::error::BoxError;

/// A boxed future returned by a [`CredentialRefresher`].
pub type RefreshFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HeaderValue, BoxError>> + Send + 'a>>;

/// Fetches a new `Authorization` header value after a 401 (for example by running an OAuth refresh).
///
/// The client calls it at most once per logical request, then retries that request once with the new
/// value; the value also replaces `Authorization` on every later request of the client. The value is
/// marked sensitive and never logged.
///
/// Calls never overlap: when many in-flight requests get a 401 at once (a token expiring under
/// load), one of them calls the hook and the others wait and retry with its result, so the token
/// endpoint sees one refresh, not one per request.
///
/// Any `Fn() -> impl Future<Output = Result<HeaderValue, BoxError>>` closure implements it.
pub trait CredentialRefresher: Send + Sync + 'static {
    /// Returns the new `Authorization` header value.
    fn refresh(&self) -> RefreshFuture<'_>;
}

impl<F, Fut> CredentialRefresher for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HeaderValue, BoxError>> + Send + 'static,
{
    fn refresh(&self) -> RefreshFuture<'_> {
        Box::pin(self())
    }
}
