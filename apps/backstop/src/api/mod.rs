//! The HTTP API: routes, shared state and the layer stack.
//!
//! Outermost first: metrics, the [`Contract`] (request id, envelope, logging, error records), then
//! for `/v1` routes chaos (when enabled), [`AuthLayer`] (partner tokens, business tokens and API keys
//! checked against [`DbCredentialStore`]), the per-partner [`RateLimitLayer`] and the
//! [`IdempotencyLayer`]. Every path answers with and without a trailing slash.

mod auth;
mod businesses;
mod created;
mod customers;
mod invoices;
mod metrics;
pub mod openapi;
mod page;
mod requests;
mod schema_fields;
mod validate;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use backstop::{ApiError, Code};
use backstop_axum::auth::{AuthLayer, Authenticator, JwtIssuer, JwtVerifier};
use backstop_axum::idempotency::{IdempotencyLayer, IdempotencyStore, MemoryIdempotencyStore};
use backstop_axum::rate_limit::{
    MemoryRateLimitStore, Policies, Quota, RateLimitLayer, RateLimitStore,
};
use backstop_axum::{Contract, ErrorSink};
use tower::ServiceBuilder;

pub use auth::DbCredentialStore;
pub use metrics::{Metrics, MetricsLayer};

use crate::chaos;
use crate::config::{IdempotencyStoreKind, ServeConfig};
use crate::db::{Db, DbErrorSink, DbIdempotencyStore};

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database is unreachable or could not be migrated.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// Redis could not be set up.
    #[error("cannot use Redis: {0}")]
    Redis(String),
    /// A setting is invalid.
    #[error("invalid setting: {0}")]
    Config(String),
}

/// The state every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    pub(crate) issuer: JwtIssuer,
    pub(crate) authenticator: Arc<Authenticator>,
    pub(crate) sink: Option<Arc<dyn ErrorSink>>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) openapi: Arc<String>,
    pub(crate) token_ttl: std::time::Duration,
    /// Whether idempotency keys live in the database (completed in the creates' transactions).
    pub(crate) durable_idempotency: bool,
}

impl AppState {
    /// The claim a create completes in its own transaction: the request's, when keys live in the
    /// database (with the `--idempotency-store memory` baseline, the layer completes it).
    pub(crate) fn claims<'a>(
        &self,
        claim: &'a Option<backstop_axum::idempotency::IdempotencyClaim>,
    ) -> Option<&'a backstop_axum::idempotency::IdempotencyClaim> {
        claim.as_ref().filter(|_| self.durable_idempotency)
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// A built application: its router and the state behind it.
#[derive(Debug)]
pub struct App {
    /// The router (serve it with `into_make_service_with_connect_info::<SocketAddr>()`).
    pub router: Router,
    /// The shared state (database, metrics...).
    pub state: AppState,
}

/// Connects to the database (migrating it), loads or creates the token secret, and builds the router.
pub async fn build(config: &ServeConfig) -> Result<App, StartError> {
    let db = Db::connect_with(&config.database_url, config.db_acquire_timeout).await?;
    build_with_db(config, db).await
}

/// Like [`build`] on an already connected database.
pub async fn build_with_db(config: &ServeConfig, db: Db) -> Result<App, StartError> {
    let secret = match &config.jwt_secret {
        Some(s) if s.len() >= 32 => s.clone(),
        Some(_) => {
            return Err(StartError::Config(
                "--jwt-secret must be at least 32 characters".to_owned(),
            ));
        }
        None => db.setting_or_insert("jwt_secret", random_secret).await?,
    };
    let store: Arc<dyn backstop_axum::auth::CredentialStore> = Arc::new(DbCredentialStore::new(
        db.clone(),
        config.suspension_cache_ttl,
    ));
    let verifier = JwtVerifier::hs256(secret.as_bytes()).with_tenant_claim("business_id");
    let make_authenticator = || Authenticator::from_arc(store.clone()).with_jwt(verifier.clone());
    let authenticator = Arc::new(make_authenticator());
    let sink: Option<Arc<dyn ErrorSink>> = if config.bare {
        None
    } else {
        Some(DbErrorSink::start(db.clone()))
    };
    let state = AppState {
        db,
        issuer: JwtIssuer::hs256(secret.as_bytes()),
        authenticator,
        sink: sink.clone(),
        metrics: Arc::new(Metrics::default()),
        openapi: Arc::new(openapi::document(
            config.error_format,
            config
                .chaos
                .as_ref()
                .filter(|c| c.error_rate > 0.0)
                .map(|c| c.status),
        )),
        token_ttl: config.token_ttl,
        durable_idempotency: config.idempotency_store == IdempotencyStoreKind::Database,
    };

    if config.bare {
        let router = Router::new()
            .merge(token_routes(&|m| m))
            .merge(authenticated_routes(&|m| m))
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(verifier),
                auth::bare_principal,
            ))
            .merge(open_routes())
            .with_state(state.clone());
        return Ok(App { router, state });
    }

    let rate_store = rate_limit_store(config)?;
    // Idempotency keys live in the database, completed in the same transaction as the creates they
    // protect (docs/CONTRACT.md §9.4), whether or not Redis holds the rate limits. The hidden
    // `--idempotency-store memory` baseline keeps them in this process instead (not crash-safe).
    let idem_store: Arc<dyn IdempotencyStore> = match config.idempotency_store {
        IdempotencyStoreKind::Database => {
            let store = Arc::new(DbIdempotencyStore::new(state.db.clone()));
            store.start_purge(DbIdempotencyStore::DEFAULT_MAX_KEYS);
            store
        }
        IdempotencyStoreKind::Memory => Arc::new(MemoryIdempotencyStore::new()),
    };
    let quota = Quota::per_minute(config.rate_limit_per_minute.max(1))
        .ok_or_else(|| StartError::Config("--rate-limit-per-minute must be > 0".to_owned()))?;
    let rate_limit = RateLimitLayer::from_arc(rate_store, Policies::new(quota));
    let address_quota = Quota::per_minute(config.rate_limit_per_address_per_minute.max(1))
        .ok_or_else(|| {
            StartError::Config("--rate-limit-per-address-per-minute must be > 0".to_owned())
        })?;
    let per_address = RateLimitLayer::per_address(address_store(config)?, address_quota);
    // Every keyed route's side effect is a create that commits its key's outcome, inserted only if
    // no live record holds the key (or has none: a token): a new key needs no read first
    // (docs/CONTRACT.md §9.4). The memory store does not support it and looks up as before.
    let idempotency = IdempotencyLayer::from_arc(idem_store)
        .lease(config.idempotency_lease)
        .check_at_commit(true);

    // The metrics layer sits outside the contract and counts errors by code: it reads the
    // `ErrorExtension` the contract leaves on error responses when asked to.
    let catalog = crate::messages::catalog(&config.default_language)
        .map_err(|e| StartError::Config(format!("--default-language: {e}")))?;
    let mut contract = Contract::new()
        .profile(config.error_format)
        .catalog(catalog)
        .timeout(config.request_timeout)
        .concurrency_limit(config.max_in_flight)
        .error_extension(true);
    if let Some(sink) = sink {
        contract = contract.error_sink(sink);
    }
    let chaos = config.chaos.clone().filter(|c| c.is_active()).map(|chaos| {
        tracing::warn!(
            error_rate = chaos.error_rate,
            status = chaos.status,
            latency_ms = ?chaos.latency_ms,
            "CHAOS MODE ON: injecting errors and latency into /v1 requests"
        );
        axum::middleware::from_fn_with_state(Arc::new(chaos), chaos::inject)
    });

    // Each route group gets its stack from two `ServiceBuilder`s: the policies in one
    // `route_layer` call, the outer layers in one `layer` call; unknown paths get the outer part as
    // the fallback. Each such call wraps every route in one more boxed `Route`, and axum clones a
    // route's whole boxed stack for every request it serves, so stacking the layers with separate
    // calls (as this app first did, five of them) cost about 30% more instructions per invoice read
    // (callgrind: docs/DECISIONS.md); the one extra level buys the order of checks below.
    // The token endpoint answers OAuth2 clients in RFC 6749 form (docs/CONTRACT.md §7.4): its own
    // clone of the contract, sharing the concurrency limit and the error sink.
    let token_outer = ServiceBuilder::new()
        .layer(metrics::MetricsLayer(state.metrics.clone()))
        .layer(contract.clone().oauth2_token_endpoint(true));
    let outer = ServiceBuilder::new()
        .layer(metrics::MetricsLayer(state.metrics.clone()))
        .layer(contract);
    // The order of checks (docs/CONTRACT.md §6): the router answers an unknown path (404) and a
    // known path with a wrong method (405 + `Allow`) before any policy runs, because the policies
    // are method route layers (they wrap only the handler a request matched); then the per-address limit,
    // before any authentication work; credentials; the per-principal limit; then the idempotency
    // key. The outer layers (metrics, contract) wrap everything, 404/405 included.
    let v1 = ServiceBuilder::new().option_layer(chaos).layer(per_address);
    // The token endpoint authenticates its client itself (HTTP Basic or the form); it has no
    // per-principal limit beyond the per-address one and takes no `Idempotency-Key`.
    let public_policies = v1.clone();
    let public = token_routes(&|m| m.route_layer(public_policies.clone())).layer(token_outer);
    let protected_policies = v1
        .layer(AuthLayer::new(make_authenticator()))
        .layer(rate_limit)
        .layer(idempotency);
    let protected =
        authenticated_routes(&|m| m.route_layer(protected_policies.clone())).layer(outer.clone());
    let open = open_routes().layer(outer.clone());
    // The router's own 404 (an empty body) becomes the contract's `NOT_FOUND` envelope.
    let not_found = outer.service(tower::service_fn(|_: axum::extract::Request| async {
        Ok::<_, std::convert::Infallible>(axum::http::StatusCode::NOT_FOUND.into_response())
    }));
    let router = Router::new()
        .merge(public)
        .merge(protected)
        .merge(open)
        .fallback_service(not_found)
        .with_state(state.clone());
    Ok(App { router, state })
}

fn rate_limit_store(config: &ServeConfig) -> Result<Arc<dyn RateLimitStore>, StartError> {
    limit_store(config, "rl")
}

/// The per-address limiter's own store (its keys must not mix with the per-partner limiter's
/// anonymous ones).
fn address_store(config: &ServeConfig) -> Result<Arc<dyn RateLimitStore>, StartError> {
    limit_store(config, "rl-addr")
}

fn limit_store(config: &ServeConfig, name: &str) -> Result<Arc<dyn RateLimitStore>, StartError> {
    match &config.redis_url {
        None => Ok(Arc::new(MemoryRateLimitStore::new())),
        Some(url) => {
            let prefix = &config.redis_prefix;
            let rate = backstop_axum::rate_limit::RedisRateLimitStore::new(
                url,
                format!("{prefix}:{name}"),
            )
            .map_err(|e| StartError::Redis(e.to_string()))?;
            Ok(Arc::new(rate))
        }
    }
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Adds `path` with and without its trailing slash.
fn both(router: Router<AppState>, path: &str, method: MethodRouter<AppState>) -> Router<AppState> {
    let trimmed = path.trim_end_matches('/');
    router
        .route(trimmed, method.clone())
        .route(&format!("{trimmed}/"), method)
}

/// Wraps each method's handler in the policies: as a `MethodRouter::route_layer`, they run only for
/// a method the route has, so a wrong method gets its 405 before any policy (docs/CONTRACT.md §6).
/// (`Router::route_layer` would wrap the whole path, the 405 fallback included.)
type Wrap<'a> = &'a dyn Fn(MethodRouter<AppState>) -> MethodRouter<AppState>;

fn token_routes(wrap: Wrap<'_>) -> Router<AppState> {
    both(
        Router::new(),
        "/v1/platform/oauth2/token/",
        wrap(post(auth::partner_token)),
    )
}

fn authenticated_routes(wrap: Wrap<'_>) -> Router<AppState> {
    let r = Router::new();
    let r = both(
        r,
        "/v1/platform/{business_id}/oauth2/token/",
        wrap(post(auth::business_token)),
    );
    let r = both(
        r,
        "/v1/platform/businesses/",
        wrap(get(businesses::list).post(businesses::create)),
    );
    let r = both(
        r,
        "/v1/platform/businesses/{business_id}/",
        wrap(get(businesses::show)),
    );
    let r = both(
        r,
        "/v1/platform/businesses/{business_id}/customers/",
        wrap(get(customers::list).post(customers::create)),
    );
    let r = both(
        r,
        "/v1/platform/businesses/{business_id}/customers/{customer_id}/",
        wrap(get(customers::show)),
    );
    let r = both(
        r,
        "/v1/platform/businesses/{business_id}/invoices/",
        wrap(get(invoices::list).post(invoices::create)),
    );
    let r = both(
        r,
        "/v1/platform/businesses/{business_id}/invoices/{invoice_id}/",
        wrap(get(invoices::show)),
    );
    both(r, "/v1/requests/{request_id}", wrap(get(requests::show)))
}

fn open_routes() -> Router<AppState> {
    let r = both(Router::new(), "/healthz", get(healthz));
    let r = both(r, "/metrics", get(metrics::show));
    both(r, "/openapi.json", get(openapi_json))
}

/// `GET /healthz`'s answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` (a failing database gets 503 instead).
    status: HealthStatus,
}

/// The only status `/healthz` reports.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Up, database reachable.
    Ok,
}

async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, backstop_axum::Error> {
    state.db.ping().await.map_err(|e| {
        ApiError::new(Code::SERVICE_UNAVAILABLE)
            .with_retry_after(std::time::Duration::from_secs(1))
            .with_message("The database is unreachable")
            .with_source(e)
    })?;
    Ok(axum::Json(Health {
        status: HealthStatus::Ok,
    }))
}

async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        state.openapi.as_str().to_owned(),
    )
}
