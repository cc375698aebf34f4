//! How an attempt reaches the network: the client's own `reqwest::Client`, or the rest of a
//! `reqwest-middleware` stack (see `crate::middleware`).

use std::future::Future;

use reqwest::{Request, Response};

#[cfg(feature = "middleware")]
use backstop::BoxError;

/// Why an attempt got no response.
#[derive(Debug)]
pub(crate) enum SendError {
    /// From reqwest: connect, timeout, reset, ...
    Reqwest(reqwest::Error),
    /// From another middleware of a `reqwest-middleware` stack: not retried, returned as it is.
    #[cfg(feature = "middleware")]
    Other(BoxError),
}

/// Sends one attempt.
pub(crate) trait Transport: Sync {
    /// Sends `request` once.
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, SendError>> + Send;
}

impl Transport for reqwest::Client {
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, SendError>> + Send {
        let pending = self.execute(request);
        async move { pending.await.map_err(SendError::Reqwest) }
    }
}

impl<T: Transport> Transport for &T {
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, SendError>> + Send {
        (**self).send(request)
    }
}
