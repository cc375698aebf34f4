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
//! backstop_app::serve(listener, app.router, std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod api;
mod chaos;
pub mod cli;
pub mod config;
pub mod db;

use std::future::Future;
use std::net::SocketAddr;

pub use config::{ChaosConfig, ServeConfig};
pub use db::Db;

/// Serves `router` on `listener` (with client addresses, for per-IP rate limits) until `shutdown`
/// completes, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
