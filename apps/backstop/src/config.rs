//! [`ServeConfig`]: everything `backstop serve` is configured with.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::time::Duration;

use backstop::Profile;

/// Fault injection for exercising clients: off by default.
#[derive(Clone, Debug, PartialEq)]
pub struct ChaosConfig {
    /// The fraction of API requests (0.0..=1.0) answered with an injected error.
    pub error_rate: f64,
    /// The status of injected errors (4xx or 5xx; 503 by default).
    pub status: u16,
    /// Extra latency added to every API request, in milliseconds, drawn uniformly from this range.
    pub latency_ms: RangeInclusive<u64>,
}

impl ChaosConfig {
    /// Whether this configuration injects anything.
    pub fn is_active(&self) -> bool {
        self.error_rate > 0.0 || *self.latency_ms.end() > 0
    }
}

/// Where `backstop serve` keeps idempotency keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdempotencyStoreKind {
    /// In the database, completed in the same transaction as the creates they protect
    /// (docs/CONTRACT.md §9.4): the default.
    #[default]
    Database,
    /// In memory: not crash-safe; a benchmark baseline only.
    Memory,
}

/// The settings of `backstop serve`.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// `sqlite://PATH` (created if missing) or `postgres://...`.
    pub database_url: String,
    /// Shared rate-limit and idempotency state in Redis (in memory when `None`).
    pub redis_url: Option<String>,
    /// The wire profile of error bodies.
    pub error_format: Profile,
    /// The HS256 secret for access tokens; when `None`, one is generated on first start and kept in
    /// the database's `settings` table.
    pub jwt_secret: Option<String>,
    /// Requests per minute per partner (and per client IP for unauthenticated requests).
    pub rate_limit_per_minute: u32,
    /// Requests per minute per client address, checked before any authentication work (so a
    /// flood of bad credentials costs next to nothing); keep it above the per-partner quota.
    pub rate_limit_per_address_per_minute: u32,
    /// The longest a request may take before it gets 504 `TIMEOUT`; keep it under the
    /// idempotency lease (30 s) so a timed-out request's key is released before another may claim it.
    pub request_timeout: Duration,
    /// How long a client may take to send a request head (and a keep-alive connection may sit idle).
    pub header_read_timeout: Duration,
    /// How long a response write may make no progress before its connection is closed.
    pub write_timeout: Duration,
    /// The most connections served at once (beyond: 503 + `Retry-After`, then close).
    pub max_connections: usize,
    /// The most requests handled at once (beyond: 503 + `Retry-After` at once, never queued).
    pub max_in_flight: usize,
    /// How long a database connection may be waited for before the request gets 503.
    pub db_acquire_timeout: Duration,
    /// How long shutdown (SIGTERM, SIGINT) waits for requests in flight.
    pub shutdown_timeout: Duration,
    /// Where idempotency keys live.
    pub idempotency_store: IdempotencyStoreKind,
    /// How long a claimed idempotency key holds while its request runs; a claim orphaned by a crash
    /// is taken over after it (docs/CONTRACT.md §9.4).
    pub idempotency_lease: Duration,
    /// Access token lifetime.
    pub token_ttl: Duration,
    /// How long a partner's active/suspended status is cached (0 = read it on every request).
    pub suspension_cache_ttl: Duration,
    /// Fault injection, if any.
    pub chaos: Option<ChaosConfig>,
    /// Benchmark baseline: bare handlers without the contract, auth store, rate limit and idempotency
    /// layers (tokens are still verified, without any database lookup).
    pub bare: bool,
    /// Prefix of the Redis keys (so several deployments or test runs can share one Redis).
    pub redis_prefix: String,
    /// The language of error messages when a request's `Accept-Language` names none the API
    /// speaks (one of [`messages::LANGUAGES`](crate::messages::LANGUAGES)).
    pub default_language: String,
}

impl ServeConfig {
    /// Defaults: `127.0.0.1:8080`, `sqlite://backstop.db`, canonical errors, 120 requests a minute,
    /// a 25 s request timeout, 10 s to send a request head, 4,096 connections, 512 requests in
    /// flight, 1 s to get a database connection, 30 s to drain on shutdown, a 30 s idempotency
    /// lease, one-hour tokens, a one-second suspension cache, English by default, no chaos.
    pub fn new(database_url: impl Into<String>) -> Self {
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: database_url.into(),
            redis_url: None,
            error_format: Profile::Backstop,
            jwt_secret: None,
            rate_limit_per_minute: 120,
            rate_limit_per_address_per_minute: 180,
            request_timeout: Duration::from_secs(25),
            header_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            max_connections: 4096,
            max_in_flight: 512,
            db_acquire_timeout: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(30),
            idempotency_store: IdempotencyStoreKind::Database,
            idempotency_lease: Duration::from_secs(30),
            token_ttl: Duration::from_secs(3600),
            suspension_cache_ttl: Duration::from_secs(1),
            chaos: None,
            bare: false,
            redis_prefix: "backstop".to_owned(),
            default_language: "en".to_owned(),
        }
    }
}
