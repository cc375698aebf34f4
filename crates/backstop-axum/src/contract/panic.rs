//! Panics become 500 `INTERNAL_ERROR`; the panic text is kept as the error's source, for the log only.

use std::any::Any;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use backstop::ApiError;
use tower_http::catch_panic::ResponseForPanic;

/// The contract's answer to a panic, as a handler for tower-http's
/// [`CatchPanicLayer`](tower_http::catch_panic::CatchPanicLayer): 500 `INTERNAL_ERROR`, with the panic
/// message kept as the error's source, so it reaches the log (once, with the request id) and never the
/// client. The contract itself does not use `CatchPanicLayer`: it catches panics in its own future
/// (which does not box the body) and answers the same way; this type gives that answer to a
/// `CatchPanicLayer` an application places elsewhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct PanicToEnvelope;

/// The source error of a caught panic.
#[derive(Debug, thiserror::Error)]
#[error("handler panicked: {0}")]
struct Panicked(String);

impl ResponseForPanic for PanicToEnvelope {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, err: Box<dyn Any + Send + 'static>) -> Response<Body> {
        panic_response(err)
    }
}

/// 500 `INTERNAL_ERROR` for a caught panic, its text kept as the source for the log.
pub(crate) fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    {
        let text = if let Some(s) = err.downcast_ref::<String>() {
            s.clone()
        } else if let Some(s) = err.downcast_ref::<&str>() {
            (*s).to_owned()
        } else {
            "non-string panic payload".to_owned()
        };
        crate::Error(ApiError::internal(Panicked(text))).into_response()
    }
}
