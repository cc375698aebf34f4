//! What the policy stores (credentials, rate-limit state, idempotency records) have in common: one
//! [`StoreError`] and one [`BoxFuture`] alias, re-exported by each policy module.

use std::future::Future;
use std::pin::Pin;

/// A boxed future, as returned by the stores and [`ErrorSink::lookup`](crate::ErrorSink::lookup).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A store could not answer (database or Redis unreachable, a timeout…). The layer decides what the
/// client sees (503, or failing open); the source is logged, never sent.
#[derive(Debug, thiserror::Error)]
#[error("store unavailable: {0}")]
pub struct StoreError(#[source] pub backstop::BoxError);

/// The Redis connection settings of the Redis stores: reconnect quickly and give up on a command
/// quickly, so a policy never holds requests up.
#[cfg(all(
    feature = "redis",
    any(feature = "rate-limit", feature = "idempotency")
))]
pub(crate) fn redis_manager_config(
    timeout: std::time::Duration,
) -> redis::aio::ConnectionManagerConfig {
    use std::time::Duration;
    redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(10))
        .set_max_delay(Duration::from_millis(200))
}
