//! [`Error`]: every way a logical request can fail, with the attempt count and request id.

use backstop::ApiError;
use backstop::http::StatusCode;

/// A boxed error returned by a credential refresh hook.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The one error a [`Client`](crate::Client) returns.
///
/// API errors (the server answered with an error status; the body decoded from any wire profile or
/// provider shape) are distinguished from network errors ([`Error::Transport`]) and from local
/// refusals ([`Error::CircuitOpen`], [`Error::BudgetExhausted`], [`Error::DeadlineExceeded`]), which
/// keep the last attempt's error in `last`: [`api_error`](Self::api_error), [`status`](Self::status)
/// and [`request_id`](Self::request_id) look through them. Nothing here carries header values or
/// URLs with their query strings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status.
    #[error("HTTP {status} {}: {} (after {attempts} attempt(s))", error.code().name(), error.message())]
    Api {
        /// The decoded envelope.
        error: ApiError,
        /// The HTTP status of the last response.
        status: StatusCode,
        /// The request id from the body or the `X-Request-Id` header.
        request_id: Option<String>,
        /// Attempts that reached the network.
        attempts: u32,
    },
    /// The request never got a response: connection refused or reset, timeout, ...
    #[error("transport error after {attempts} attempt(s): {source}")]
    Transport {
        /// The underlying error, with the URL removed.
        #[source]
        source: reqwest::Error,
        /// Attempts that reached the network.
        attempts: u32,
    },
    /// The host's circuit breaker is open (or half-open with every probe slot taken): nothing was sent.
    #[error("circuit open for {host} (after {attempts} attempt(s))")]
    CircuitOpen {
        /// The authority (`host:port`) whose circuit is open.
        host: String,
        /// Attempts that reached the network before the circuit refused this one.
        attempts: u32,
        /// The previous attempt's error, if there was one.
        last: Option<Box<Error>>,
    },
    /// A retry was warranted but the client's retry budget was spent; `last` is the error it would have retried.
    #[error("retry budget exhausted after {attempts} attempt(s); last error: {last}")]
    BudgetExhausted {
        /// The error of the last attempt.
        #[source]
        last: Box<Error>,
        /// Attempts that reached the network.
        attempts: u32,
    },
    /// The overall deadline of the logical request passed (or the next backoff would pass it).
    #[error("deadline exceeded after {attempts} attempt(s)")]
    DeadlineExceeded {
        /// Attempts that reached the network.
        attempts: u32,
        /// The error of the last completed attempt, if any.
        last: Option<Box<Error>>,
    },
    /// The request is retryable but its body is a stream, which cannot be sent twice.
    /// Buffer the body, or send it with [`RequestBuilder::no_retry`](crate::RequestBuilder::no_retry).
    #[error(
        "the request body is a stream and cannot be replayed for retries; buffer it or disable retries"
    )]
    BodyNotReplayable,
    /// The credential refresh hook failed after a 401.
    #[error("credential refresh failed after {attempts} attempt(s): {source}")]
    Refresh {
        /// The hook's error.
        #[source]
        source: BoxError,
        /// Attempts that reached the network.
        attempts: u32,
    },
    /// The request could not be built (invalid URL, header, JSON body, ...).
    #[error("invalid request: {0}")]
    Build(#[source] reqwest::Error),
    /// Another middleware of a `reqwest-middleware` stack failed (only with the `middleware`
    /// feature); not retried.
    #[cfg(feature = "middleware")]
    #[error("middleware error after {attempts} attempt(s): {source}")]
    Middleware {
        /// The middleware's error.
        #[source]
        source: BoxError,
        /// Attempts that reached the network.
        attempts: u32,
    },
}

impl Error {
    /// Attempts that reached the network (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::CircuitOpen { attempts, .. }
            | Error::BudgetExhausted { attempts, .. }
            | Error::DeadlineExceeded { attempts, .. }
            | Error::Refresh { attempts, .. } => *attempts,
            #[cfg(feature = "middleware")]
            Error::Middleware { attempts, .. } => *attempts,
            Error::BodyNotReplayable | Error::Build(_) => 0,
        }
    }

    /// The server's request id for the last response, where known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            Error::BudgetExhausted { last, .. } => last.request_id(),
            Error::CircuitOpen { last, .. } | Error::DeadlineExceeded { last, .. } => {
                last.as_ref().and_then(|l| l.request_id())
            }
            _ => None,
        }
    }

    /// The decoded envelope of the last error response, where there was one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { error, .. } => Some(error),
            Error::BudgetExhausted { last, .. } => last.api_error(),
            Error::CircuitOpen { last, .. } | Error::DeadlineExceeded { last, .. } => {
                last.as_ref().and_then(|l| l.api_error())
            }
            _ => None,
        }
    }

    /// The language of the last error response's messages (its `Content-Language`), where the
    /// server said: what to tell an end user the message is written in, or whether to show it
    /// at all (docs/CONTRACT.md §13). Ask for a language with
    /// [`ClientBuilder::accept_language`](crate::ClientBuilder::accept_language) or
    /// [`RequestBuilder::accept_language`](crate::RequestBuilder::accept_language).
    pub fn language(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::language)
    }

    /// The HTTP status of the last error response, where there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::BudgetExhausted { last, .. } => last.status(),
            Error::CircuitOpen { last, .. } | Error::DeadlineExceeded { last, .. } => {
                last.as_ref().and_then(|l| l.status())
            }
            _ => None,
        }
    }

    /// Whether the circuit breaker refused the request.
    pub fn is_circuit_open(&self) -> bool {
        matches!(self, Error::CircuitOpen { .. })
    }

    /// Whether the last attempt's failure may be retried, by the contract's one rule
    /// ([`backstop::is_retryable`] for error responses; connection errors and timeouts are). The
    /// client has already retried what its policies allowed; this says whether a later, separate
    /// attempt could succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { error, .. } => error.is_retryable(),
            Error::Transport { source, .. } => crate::attempt::transport_retryable(source),
            Error::BudgetExhausted { last, .. } => last.is_retryable(),
            Error::CircuitOpen { .. } | Error::DeadlineExceeded { .. } => true,
            _ => false,
        }
    }

    /// Whether the failure was at the network level (no HTTP response), for the last attempt.
    pub fn is_transport(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::BudgetExhausted { last, .. } => last.is_transport(),
            Error::CircuitOpen { last, .. } | Error::DeadlineExceeded { last, .. } => {
                last.as_ref().is_some_and(|l| l.is_transport())
            }
            _ => false,
        }
    }
}
