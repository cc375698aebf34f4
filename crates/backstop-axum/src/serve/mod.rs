//! [`Server`]: serves a [`Router`] with the connection-level defences of docs/CONTRACT.md §10.3.
//!
//! `axum::serve` has no timeouts and no cap on connections: a few hundred slowloris or idle
//! connections hold their sockets forever, and with the process's descriptors gone every new
//! client times out. [`Server`] is the same accept loop on hyper-util's connection builder with:
//!
//! - a **header-read timeout** (10 s by default): a client must send a complete request head within
//!   it. hyper starts the timer whenever a connection waits for a request head, so it also bounds
//!   how long an idle keep-alive connection stays open;
//! - a **write timeout** (30 s): a response write that makes no progress for that long (a client
//!   that stopped reading) closes the connection;
//! - a **connection cap** (4,096): a connection beyond it gets `503 SERVICE_UNAVAILABLE` with
//!   `Retry-After` in the configured profile, written straight to the socket, and is closed. Beyond
//!   twice the cap, connections are closed without an answer (answering costs too);
//! - **graceful shutdown** with a bound: when `shutdown` completes, the listener closes, idle
//!   connections close, requests in flight finish (their connections close after the response),
//!   and whatever is still running after the drain timeout (30 s) is dropped.
//!
//! Requests get the client's address as axum's `ConnectInfo<SocketAddr>` (what the rate limiter
//! keys anonymous callers by).
//!
//! ```no_run
//! use std::time::Duration;
//! use axum::{Router, routing::get};
//! use backstop_axum::{Contract, serve::Server};
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Contract::new().apply(Router::new().route("/", get(|| async { "hi" })));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! Server::new()
//!     .header_read_timeout(Duration::from_secs(5))
//!     .max_connections(10_000)
//!     .serve(listener, app, async { let _ = tokio::signal::ctrl_c().await; })
//!     .await
//! # }
//! ```
//!
//! Requests hyper itself cannot parse (a malformed request line, a head over its size limit) are
//! answered by hyper with a bare `400`/`431` and the connection is closed: hyper gives no hook to
//! shape that answer (docs/CONTRACT.md §10.5).

mod io;
mod overload;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use backstop::Profile;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::{Layer, ServiceExt};

use self::io::TimedIo;

/// Serves a [`Router`] with timeouts, a connection cap and a bounded graceful shutdown. See the
/// [module docs](self).
#[derive(Clone, Debug)]
pub struct Server {
    header_read_timeout: Duration,
    write_timeout: Duration,
    max_connections: usize,
    shutdown_timeout: Duration,
    overload_retry_after: Duration,
    profile: Profile,
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

impl Server {
    /// 10 s to send a request head (and at most that idle between requests), 30 s write timeout,
    /// 4,096 connections, 30 s to drain on shutdown, `Retry-After: 1` when over the cap, canonical
    /// profile.
    pub fn new() -> Self {
        Server {
            header_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            max_connections: 4096,
            shutdown_timeout: Duration::from_secs(30),
            overload_retry_after: Duration::from_secs(1),
            profile: Profile::Backstop,
        }
    }

    /// How long a client may take to send a request head; also how long a keep-alive connection
    /// may sit idle waiting for the next one.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a response write may make no progress before the connection is closed.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The most connections served at once; beyond it, 503 + `Retry-After` and close.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.clamp(1, Semaphore::MAX_PERMITS / 2);
        self
    }

    /// The most connections served at once.
    pub fn connection_limit(&self) -> usize {
        self.max_connections
    }

    /// How long shutdown waits for requests in flight before dropping them.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The `Retry-After` of the 503 sent to connections over the cap.
    pub fn overload_retry_after(mut self, wait: Duration) -> Self {
        self.overload_retry_after = wait;
        self
    }

    /// The wire profile of the 503 sent to connections over the cap (the router's own errors are
    /// the [`Contract`](crate::Contract)'s business).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Serves `router` on `listener` until `shutdown` completes, then drains (see the module docs).
    pub async fn serve(
        self,
        listener: TcpListener,
        router: Router,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let connections = Arc::new(Semaphore::new(self.max_connections));
        let answering = Arc::new(Semaphore::new(self.max_connections));
        let shed = Arc::new(ShedLog::default());
        let graceful = GracefulShutdown::new();
        let settings = Arc::new(self);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, remote) = tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        accept_failed(e).await;
                        continue;
                    }
                },
            };
            match connections.clone().try_acquire_owned() {
                Ok(permit) => {
                    let watcher = graceful.watcher();
                    let router = router.clone();
                    let settings = settings.clone();
                    tokio::spawn(async move {
                        serve_connection(&settings, stream, remote, router, watcher).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    shed.shed();
                    if let Ok(permit) = answering.clone().try_acquire_owned() {
                        let response = overload::overload_response(
                            settings.profile,
                            settings.overload_retry_after,
                        );
                        tokio::spawn(async move {
                            overload::answer(stream, response).await;
                            drop(permit);
                        });
                    }
                    // else: dropped, closing the socket.
                }
            }
        }
        drop(listener);
        let in_flight = graceful.count();
        tracing::info!(
            connections = in_flight,
            "shutting down: draining connections"
        );
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("every connection drained"),
            () = tokio::time::sleep(settings.shutdown_timeout) => {
                tracing::warn!(
                    timeout_secs = settings.shutdown_timeout.as_secs(),
                    "shutdown timeout: dropping connections still open"
                );
            }
        }
        Ok(())
    }
}

async fn serve_connection(
    settings: &Server,
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(TimedIo::new(
        stream,
        settings.header_read_timeout,
        settings.write_timeout,
    ));
    let service = axum::Extension(ConnectInfo(remote))
        .layer(router)
        .map_request(|req: axum::http::Request<Incoming>| req.map(Body::new));
    let service = TowerToHyperService::new(service);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(settings.header_read_timeout)
        .keep_alive_timeout(settings.header_read_timeout)
        .max_concurrent_streams(256);
    let connection = builder.serve_connection_with_upgrades(io, service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(error = %e, %remote, "connection closed with an error");
    }
}

/// Accept errors: per-connection ones (reset before accept) are skipped; running out of
/// descriptors or memory pauses accepting briefly instead of spinning (what `axum::serve` does).
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; pausing 50 ms");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Counts connections shed over the cap; logs a WARN at most every 10 s with the count since.
#[derive(Default)]
struct ShedLog {
    since_last: AtomicU64,
    last_log_secs: AtomicU64,
    epoch: std::sync::OnceLock<std::time::Instant>,
}

impl ShedLog {
    fn shed(&self) {
        self.since_last.fetch_add(1, Ordering::Relaxed);
        // Offset by one period so the first shed connection is always logged.
        let now = self
            .epoch
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs()
            + 10;
        let last = self.last_log_secs.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 10
            && self
                .last_log_secs
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            let shed = self.since_last.swap(0, Ordering::Relaxed);
            tracing::warn!(shed, "connection cap reached: new connections answered 503");
        }
    }
}
