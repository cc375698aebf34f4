//! The client's policies as a `reqwest-middleware` [`Middleware`] (feature `middleware`), for teams
//! with an existing middleware stack.
//!
//! Every policy of [`Client`](crate::Client) applies in the same order (pacing, breaker, attempts,
//! hedging, server hints, backoff, budget, deadline, 401 refresh); each attempt runs the rest of the
//! stack (`next`). The caller sees what reqwest-middleware callers expect:
//!
//! * a final error **response** (the server answered with an error status and the policies did not
//!   retry) comes back as `Ok(response)` with its status, headers and body (at most
//!   [`backstop::MAX_DECODE_BYTES`] of it), as with a plain client; the decoded envelope is in its
//!   extensions as [`DecodedError`];
//! * a transport error comes back as `reqwest_middleware::Error::Reqwest`;
//! * every other [`Error`](crate::Error) (`CircuitOpen`, `BudgetExhausted`, `DeadlineExceeded`,
//!   `BodyNotReplayable`, `Refresh`) as `reqwest_middleware::Error::Middleware`, from which
//!   `downcast_ref::<backstop_client::Error>()` gets it back; another middleware's error is passed on
//!   unchanged.
//!
//! Each attempt gets a copy of the request's extensions, so that a hedge and the primary can run at
//! once; what inner middlewares put into them is not seen by outer ones.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let stack = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(backstop_client::Client::builder().max_attempts(3).build_middleware())
//!     .build();
//! # drop(stack);
//! # }
//! ```

use std::sync::{Arc, Mutex};

use backstop::MAX_DECODE_BYTES;
use bytes::Bytes;
use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::Next;

use crate::error::Error;
use crate::policies::{Inner, RequestOptions};
use crate::transport::{SendError, Transport};

/// The policies of a [`Client`](crate::Client) as a `reqwest-middleware` middleware; build it with
/// [`ClientBuilder::build_middleware`](crate::ClientBuilder::build_middleware). Cheap to clone:
/// clones share the budget, breakers and pacing holds.
#[derive(Clone)]
pub struct Middleware {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Middleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Middleware").finish_non_exhaustive()
    }
}

/// The decoded envelope of a final error response, put in its extensions by [`Middleware`].
#[derive(Debug, Clone)]
pub struct DecodedError(pub Arc<backstop::ApiError>);

impl Middleware {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Middleware {
            inner: Arc::new(inner),
        }
    }
}

/// The rest of the stack, as the transport of each attempt. Error responses are read here (at most
/// [`backstop::MAX_DECODE_BYTES`] of their body) and the last one kept, so that the final one can be
/// handed back to the caller whole after the policies have decoded it.
struct NextTransport<'a> {
    next: Next<'a>,
    extensions: Extensions,
    last_error: Mutex<Option<http::Response<Bytes>>>,
}

impl Transport for NextTransport<'_> {
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, SendError>> + Send {
        let next = self.next.clone();
        let mut extensions = self.extensions.clone();
        async move {
            let mut response = match next.run(request, &mut extensions).await {
                Ok(r) => r,
                Err(reqwest_middleware::Error::Reqwest(e)) => return Err(SendError::Reqwest(e)),
                Err(reqwest_middleware::Error::Middleware(e)) => {
                    return Err(SendError::Other(e.into_boxed_dyn_error()));
                }
            };
            let status = response.status();
            if !(status.is_client_error() || status.is_server_error()) {
                return Ok(response);
            }
            let mut body = Vec::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                let room = (MAX_DECODE_BYTES + 1).saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() > MAX_DECODE_BYTES {
                    break;
                }
            }
            let body = Bytes::from(body);
            let mut kept = http::Response::new(body.clone());
            *kept.status_mut() = status;
            *kept.version_mut() = response.version();
            *kept.headers_mut() = response.headers().clone();
            let mut again = http::Response::new(body);
            *again.status_mut() = status;
            *again.headers_mut() = std::mem::take(response.headers_mut());
            *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(kept);
            Ok(Response::from(again))
        }
    }
}

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Middleware {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let transport = NextTransport {
            next,
            extensions: extensions.clone(),
            last_error: Mutex::new(None),
        };
        let result =
            crate::execute::run(&*self.inner, &transport, Ok(req), RequestOptions::default()).await;
        match result {
            Ok(response) => Ok(response),
            Err(Error::Api { error, .. }) => {
                let kept = transport
                    .last_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
                match kept {
                    Some(mut response) => {
                        response
                            .extensions_mut()
                            .insert(DecodedError(Arc::new(error)));
                        Ok(Response::from(response))
                    }
                    // Every error response goes through `send`; kept for completeness.
                    None => Err(reqwest_middleware::Error::Middleware(anyhow::Error::new(
                        ApiErrorOnly(error),
                    ))),
                }
            }
            Err(Error::Transport { source, .. }) => Err(reqwest_middleware::Error::Reqwest(source)),
            Err(Error::Middleware { source, .. }) => Err(reqwest_middleware::Error::Middleware(
                anyhow::Error::from_boxed(source),
            )),
            Err(other) => Err(reqwest_middleware::Error::Middleware(anyhow::Error::new(
                other,
            ))),
        }
    }
}

/// An API error whose response was not kept (cannot happen: every response passes `send`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ApiErrorOnly(backstop::ApiError);
