//! # backstop-app
//!
//! The `backstop` binary's library: `backstop serve` runs a reference invoicing API (modelled on
//! seed 000's platform) that speaks the backstop error contract on every path, over SQLite by
//! default or Postgres, with in-memory or Redis rate limits and idempotency.
//!
//! Modules: [`config`] ([`ServeConfig`]), [`db`] (the [`Db`] repository and its migrations),
//! [`api`] (routes, state and layers), [`cli`] (the clap command line), `chaos` (fault injection).
//!
//! ```no_run
//! use backstop_app::{ServeConfig, api};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ServeConfig::new("sqlite://backstop.db");
//! let app = api::build(&config).await?;
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! backstop_app::serve(listener, app.router, &config, std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod api;
mod chaos;
pub mod cli;
pub mod config;
pub mod db;
pub mod messages;

use std::future::Future;

pub use config::{ChaosConfig, ServeConfig};
pub use db::Db;

/// Serves `router` on `listener` with `backstop serve`'s connection defences (timeouts, a
/// connection cap answered with 503, client addresses for per-IP limits; see
/// [`backstop_axum::serve::Server`]) until `shutdown` completes, then drains in-flight requests
/// within the configured bound.
pub fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    config: &ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = std::io::Result<()>> + Send + 'static {
    server(config).serve(listener, router, shutdown)
}

/// The connection-level server `backstop serve` runs, from `config`.
pub fn server(config: &ServeConfig) -> backstop_axum::serve::Server {
    backstop_axum::serve::Server::new()
        .header_read_timeout(config.header_read_timeout)
        .write_timeout(config.write_timeout)
        .max_connections(config.max_connections)
        .shutdown_timeout(config.shutdown_timeout)
        .profile(config.error_format)
}
