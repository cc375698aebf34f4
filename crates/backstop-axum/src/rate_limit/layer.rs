//! [`RateLimitLayer`]: checks every request against its principal's (or IP's) quota.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use backstop::ApiError;
use backstop::headers::{RATELIMIT, RATELIMIT_POLICY};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use super::policy::{Named, Policies, Quota};
use super::store::{Decision, LimitKey, RateLimitStore};
use crate::Error;
use crate::auth::Principal;
use crate::caller::CallerIdentity;

/// What to do when the store cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// Let the request through unlimited (the default: an outage of the limiter is not an outage of
    /// the API).
    Open,
    /// Refuse with 503 `SERVICE_UNAVAILABLE` and this `Retry-After`.
    Closed {
        /// The `Retry-After` sent.
        retry_after: Duration,
    },
}

/// Rate limits requests per principal (or client IP) with GCRA. See the [module docs](super).
#[derive(Clone)]
pub struct RateLimitLayer {
    shared: Arc<Shared>,
}

struct Shared {
    settings: Settings,
    outage: OutageLog,
}

#[derive(Clone)]
struct Settings {
    store: Arc<dyn RateLimitStore>,
    policies: Policies,
    caller: CallerIdentity,
    fail_mode: FailMode,
    by_address: bool,
}

impl fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("policies", &self.shared.settings.policies)
            .field("caller", &self.shared.settings.caller)
            .field("fail_mode", &self.shared.settings.fail_mode)
            .finish_non_exhaustive()
    }
}

impl RateLimitLayer {
    /// Limits with `policies`, keeping state in `store`; fails open; ignores proxy headers.
    pub fn new(store: impl RateLimitStore, policies: Policies) -> Self {
        Self::from_arc(Arc::new(store), policies)
    }

    /// Like [`new`](Self::new) with a shared store.
    pub fn from_arc(store: Arc<dyn RateLimitStore>, policies: Policies) -> Self {
        RateLimitLayer {
            shared: Arc::new(Shared {
                settings: Settings {
                    store,
                    policies,
                    caller: CallerIdentity::default(),
                    fail_mode: FailMode::Open,
                    by_address: false,
                },
                outage: OutageLog::default(),
            }),
        }
    }

    /// Limits every request by its client address alone, principal or not, with one quota (policy
    /// name `"address"`): the per-address limit that goes *outside* the
    /// [`AuthLayer`](crate::auth::AuthLayer), so a flood of bad credentials from one address is
    /// refused with 429 before any authentication work (docs/CONTRACT.md §6, §10.4). Give it a
    /// store of its own (its keys would otherwise mix with the per-principal layer's anonymous
    /// ones) and a quota above any one principal's. It writes its `RateLimit` fields only on
    /// responses that carry none (its own 429s, and answers that stopped before the per-principal
    /// layer), so clients see their principal's quota.
    pub fn per_address(store: Arc<dyn RateLimitStore>, quota: Quota) -> Self {
        let mut layer = Self::from_arc(store, Policies::single("address", quota));
        if let Some(shared) = Arc::get_mut(&mut layer.shared) {
            shared.settings.by_address = true;
        }
        layer
    }

    fn configure(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = self.shared.settings.clone();
        f(&mut settings);
        self.shared = Arc::new(Shared {
            settings,
            outage: OutageLog::default(),
        });
        self
    }

    /// Trusts `hops` proxies to set `Forwarded` / `X-Forwarded-For` (see
    /// [`client_ip`](crate::caller::client_ip)); short for
    /// [`caller_identity`](Self::caller_identity) with [`CallerIdentity::trusted_hops`].
    pub fn trust_forwarded_hops(self, hops: usize) -> Self {
        self.configure(|s| s.caller = s.caller.trusted_hops(hops))
    }

    /// How anonymous callers are told apart (default: the TCP peer, IPv6 by /64). Give the
    /// [`IdempotencyLayer`](crate::IdempotencyLayer) the same value.
    pub fn caller_identity(self, caller: CallerIdentity) -> Self {
        self.configure(|s| s.caller = caller)
    }

    /// What to do when the store is unreachable.
    pub fn fail_mode(self, mode: FailMode) -> Self {
        self.configure(|s| s.fail_mode = mode)
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimitService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RateLimitService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service made by [`RateLimitLayer`].
#[derive(Clone)]
pub struct RateLimitService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: fmt::Debug> fmt::Debug for RateLimitService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request> for RateLimitService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let mut inner = crate::ready::take_ready(&mut self.inner);
        let shared = self.shared.clone();
        Box::pin(async move {
            let principal = if shared.settings.by_address {
                None
            } else {
                req.extensions().get::<Principal>()
            };
            let (key, policy) = match principal {
                Some(p) => (
                    LimitKey::Principal(p.id_arc().clone()),
                    shared.settings.policies.named_for_tier(p.tier()),
                ),
                None => {
                    let key = shared
                        .settings
                        .caller
                        .address(req.headers(), req.extensions())
                        .map(LimitKey::Ip)
                        .unwrap_or(LimitKey::Unknown);
                    (key, shared.settings.policies.named_anonymous())
                }
            };
            let quota = policy.quota;
            let store = &shared.settings.store;
            let checked = match store.check_ready(&key, quota) {
                Some(ready) => ready,
                None => store.check(&key, quota).await,
            };
            match checked {
                Ok(decision) => {
                    shared.outage.recovered();
                    let mut response = if decision.allowed {
                        inner.call(req).await?
                    } else {
                        tracing::debug!(key = %key, policy = &*policy.name, "rate limit exceeded");
                        Error(
                            ApiError::rate_limited(
                                decision.retry_after.max(Duration::from_secs(1)),
                            )
                            .with_detail("limit", quota.limit())
                            .with_detail("window_seconds", quota.window().as_secs()),
                        )
                        .into_response()
                    };
                    if !(shared.settings.by_address && response.headers().contains_key(RATELIMIT)) {
                        set_headers(response.headers_mut(), policy, &decision);
                    }
                    Ok(response)
                }
                Err(e) => {
                    shared.outage.failed(&e, shared.settings.fail_mode);
                    match shared.settings.fail_mode {
                        FailMode::Open => inner.call(req).await,
                        FailMode::Closed { retry_after } => {
                            Ok(Error(ApiError::unavailable(retry_after)).into_response())
                        }
                    }
                }
            }
        })
    }
}

/// Draft-11 `RateLimit-Policy` and `RateLimit` fields.
///
/// On every limited response, so written without `format!`: the policy field is built once per
/// policy, the state field is one exactly-sized allocation (the load benchmark showed `format!` plus
/// `HeaderValue::from_str` and parsing the header names at about 4,700 instructions a request).
fn set_headers(headers: &mut HeaderMap, policy: &Named, d: &Decision) {
    if let Some(value) = &policy.policy_header {
        headers.insert(RATELIMIT_POLICY, value.clone());
    }
    let reset = d.reset.as_secs() + u64::from(d.reset.subsec_nanos() > 0);
    let mut remaining = itoa::Buffer::new();
    let remaining = remaining.format(d.remaining).as_bytes();
    let mut reset_buf = itoa::Buffer::new();
    let reset = reset_buf.format(reset).as_bytes();
    let prefix = &policy.state_prefix;
    let mut state = Vec::with_capacity(prefix.len() + remaining.len() + 3 + reset.len());
    state.extend_from_slice(prefix);
    state.extend_from_slice(remaining);
    state.extend_from_slice(b";t=");
    state.extend_from_slice(reset);
    // Exactly sized, so `Bytes::from` takes the allocation over without a second one.
    if let Ok(value) = HeaderValue::from_maybe_shared(bytes::Bytes::from(state)) {
        headers.insert(RATELIMIT, value);
    }
}

/// Logs a store outage at warn at most once per 10 s, and the recovery once.
#[derive(Default)]
struct OutageLog {
    down: AtomicBool,
    last_log_ms: AtomicU64,
    suppressed: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
}

const OUTAGE_LOG_EVERY_MS: u64 = 10_000;

impl OutageLog {
    fn now_ms(&self) -> u64 {
        // Offset by one period so the very first failure is always due for a log line.
        self.epoch.get_or_init(Instant::now).elapsed().as_millis() as u64 + OUTAGE_LOG_EVERY_MS
    }

    fn failed(&self, error: &super::store::StoreError, mode: FailMode) {
        let first = !self.down.swap(true, Ordering::AcqRel);
        let now = self.now_ms();
        let last = self.last_log_ms.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= OUTAGE_LOG_EVERY_MS;
        if (first || due)
            && self
                .last_log_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
            let fail_mode = match mode {
                FailMode::Open => "open",
                FailMode::Closed { .. } => "closed",
            };
            tracing::warn!(error = %error, fail_mode, suppressed, "rate limit store unavailable");
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn recovered(&self) {
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::AcqRel) {
            let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
            self.last_log_ms.store(0, Ordering::Relaxed);
            tracing::info!(suppressed, "rate limit store reachable again");
        }
    }
}
