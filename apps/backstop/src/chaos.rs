//! `--chaos-*`: injected errors and latency, for exercising clients. Injected errors are real
//! envelopes (through the contract layer) with `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code};
use rand::Rng;

use crate::config::ChaosConfig;

/// Middleware: sleeps a random latency from the range, then answers an injected error with the
/// configured probability, else runs the request.
pub async fn inject(State(chaos): State<Arc<ChaosConfig>>, req: Request, next: Next) -> Response {
    let (delay, fail) = {
        let mut rng = rand::rng();
        let (lo, hi) = (*chaos.latency_ms.start(), *chaos.latency_ms.end());
        let delay = if hi > lo {
            rng.random_range(lo..=hi)
        } else {
            hi
        };
        (delay, rng.random_bool(chaos.error_rate.clamp(0.0, 1.0)))
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if fail {
        let status = StatusCode::from_u16(chaos.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let code = Code::for_status(status);
        let error = ApiError::new(code)
            .with_status(status)
            .with_message("Injected failure (chaos mode)")
            .with_retry_after(Duration::from_secs(1));
        return backstop_axum::Error(error).into_response();
    }
    next.run(req).await
}
