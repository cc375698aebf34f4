//! The retry loop of one logical request: pacing, breaker, attempt (hedged or not), classification,
//! method gating, server hints and backoff, deadline, budget, and 401 refresh. The order of these
//! checks is the precedence table of the crate docs.

use std::ops::Deref;
use std::time::Duration;

use backstop::{is_idempotent_method, is_safe_method};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, Request, Response, StatusCode};
use tokio::time::Instant;

use crate::attempt::{Outcome, attempt, hedged};
use crate::auth::CredentialRefresher;
use crate::breaker::Admission;
use crate::budget::RetryToken;
use crate::error::{BoxError, Error};
use crate::policies::{IDEMPOTENCY_KEY, Inner, RequestOptions};
use crate::transport::{SendError, Transport};

/// What a request settles before its first attempt, kept in the retry loop's future and used in
/// place there: moving these into the loop's own locals would store each twice in that future
/// (a future keeps what it captured apart from its locals), and every request pays for moving the
/// future's bytes.
struct Prepared {
    /// Whether every attempt is sent from a copy of the request, which stays in place as the retry
    /// template (buffered bodies are reference-counted); otherwise the request itself is sent. One
    /// request kept for both roles instead of a request and a template: 264 bytes less of future
    /// for every request to move.
    replayable: bool,
    method: Method,
    /// The breakers' and the pacer's key; only built when one of them is on.
    key: HostKey,
    /// Only for debug events: not copied when nobody listens.
    path: String,
    /// Which refresh's credential the request carries (0: the caller's own), to tell after a 401
    /// whether another request has refreshed since.
    sent_generation: u64,
    max_attempts: u32,
    retry_allowed: bool,
    hedge_after: Option<Duration>,
    deadline: Option<Duration>,
}

/// Settles headers, retry rules and the retry template of `request` (no clock read, no policy
/// state touched: that waits for the first poll).
fn prepare(
    cfg: &Inner,
    request: &mut Request,
    options: &RequestOptions,
) -> Result<Prepared, Error> {
    if let Some(languages) = &cfg.accept_language {
        request
            .headers_mut()
            .entry(reqwest::header::ACCEPT_LANGUAGE)
            .or_insert_with(|| languages.clone());
    }
    let method = request.method().clone();
    let key = if cfg.breakers.is_some() || cfg.pacer.is_some() {
        HostKey::new(request.url())
    } else {
        HostKey::default()
    };
    let path = if tracing::enabled!(tracing::Level::DEBUG) {
        request.url().path().to_owned()
    } else {
        String::new()
    };

    let wants_key = options
        .auto_idempotency_key
        .unwrap_or(cfg.auto_idempotency_key);
    if wants_key
        && matches!(method, Method::POST | Method::PATCH)
        && !request.headers().contains_key(IDEMPOTENCY_KEY)
    {
        let key = uuid::Uuid::now_v7().hyphenated().to_string();
        if let Ok(v) = HeaderValue::from_str(&key) {
            request.headers_mut().insert(IDEMPOTENCY_KEY, v);
        }
    }
    let sent_generation = if cfg.refresher.is_some() {
        apply_credential(cfg, request)
    } else {
        0
    };

    let max_attempts = options.max_attempts.unwrap_or(cfg.max_attempts).max(1);
    let retry_allowed = max_attempts > 1
        && (is_idempotent_method(&method) || request.headers().contains_key(IDEMPOTENCY_KEY));
    let hedge_after = options
        .hedge_after
        .unwrap_or(cfg.hedge_after)
        .filter(|_| retry_allowed && is_safe_method(&method));
    let replayable = (retry_allowed || cfg.refresher.is_some()) && can_replay(request);
    if retry_allowed && !replayable {
        return Err(Error::BodyNotReplayable);
    }
    Ok(Prepared {
        replayable,
        method,
        key,
        path,
        sent_generation,
        max_attempts,
        retry_allowed,
        hedge_after,
        deadline: options.deadline.or(cfg.deadline),
    })
}

/// Runs `request` (or returns why it could not be built) through every policy, sending each attempt
/// with `transport`. A plain function returning the loop's future, not an `async fn`: the future
/// owns the client's policies and transport (so `RequestBuilder::send` need not wrap it in a
/// future of its own), and what `prepare` settles is stored once.
#[allow(
    clippy::manual_async_fn,
    reason = "an `async fn` keeps its arguments and their rebound copies apart in its state"
)]
pub(crate) fn run<C, T>(
    cfg: C,
    transport: T,
    mut unsent: Result<Request, Error>,
    options: RequestOptions,
) -> impl Future<Output = Result<Response, Error>> + Send
where
    C: Deref<Target = Inner> + Send,
    T: Transport + Send,
{
    // `unsent` is used in place by the loop: it holds the request until its first attempt.
    async move {
        let cfg: &Inner = &cfg;
        // Prepared at the first poll, not here: until then the future holds only the request, and
        // its callers move it around a few times before that poll.
        let p = match &mut unsent {
            Ok(request) => match prepare(cfg, request, &options) {
                Ok(p) => p,
                Err(e) => return Err(e),
            },
            // The placeholder left behind is never read.
            Err(e) => return Err(std::mem::replace(e, Error::BodyNotReplayable)),
        };
        let transport = &transport;
        let host = p.key.as_bytes();

        // One clock read for the first attempt's bookkeeping: deadline, budget and breaker.
        let started = Instant::now();
        let deadline = p.deadline.map(|d| started + d);
        if let Some(budget) = &cfg.budget {
            budget.record_request(started);
        }
        // Whether no time has passed since `started` but the request's own bookkeeping.
        let mut first = true;

        let mut attempts: u32 = 0;
        let mut refreshed = false;
        let mut previous_delay: Option<Duration> = None;
        let mut last: Option<Box<Error>> = None;
        // The budget's grant for the retry under way; it counts as in progress until its attempt
        // ends.
        let mut retry: Option<RetryToken<'_>> = None;

        loop {
            // Pacing: take a unit of the host's announced quota, or wait for its reset when none is
            // left and the wait fits the cap and the deadline (otherwise send: the server decides).
            if let Some(pacer) = &cfg.pacer {
                let mut waited = Duration::ZERO;
                while let Some(wait) = pacer.take(host) {
                    let fits = waited + wait <= cfg.retry_after_cap
                        && deadline.is_none_or(|at| Instant::now() + wait < at);
                    if !fits {
                        tracing::debug!(method = %p.method, path = p.path, ?wait, "pacing: the reset is beyond the cap or deadline; sending");
                        break;
                    }
                    tracing::debug!(method = %p.method, path = p.path, ?wait, "pacing: waiting for the quota to reset");
                    (cfg.sleep)(wait).await;
                    waited += wait;
                    first = false;
                }
            }

            let permit = match &cfg.breakers {
                None => None,
                Some(b) => {
                    let now = if first { started } else { Instant::now() };
                    let admitted = match b.admit(host, now) {
                        Admission::Permit(p) => Some(p),
                        // Rare (half-open with the probe busy): boxed, to keep this future small.
                        Admission::ProbeBusy(probe) => {
                            Box::pin(b.wait_for_probe(host, probe, deadline)).await
                        }
                        Admission::Open => None,
                    };
                    if admitted.is_none() {
                        let host = String::from_utf8_lossy(host).into_owned();
                        tracing::debug!(method = %p.method, path = p.path, host, "circuit open: request rejected locally");
                        return Err(Error::CircuitOpen {
                            host,
                            attempts,
                            last,
                        });
                    }
                    admitted
                }
            };

            first = false;
            // The attempt and what it came back with, in a block: its locals (the request, the
            // attempt's outcome and permit) end here instead of taking room in this future's state
            // across the waits below.
            let (error, retryable, retry_after, throttled) = {
                // Taken only now, after the waits: a request kept across an await would be one more
                // copy of it in this future's state.
                let request = if p.replayable {
                    match unsent.as_ref().ok().and_then(replay_copy) {
                        Some(r) => r,
                        None => return Err(Error::BodyNotReplayable),
                    }
                } else {
                    match std::mem::replace(&mut unsent, Err(Error::BodyNotReplayable)) {
                        Ok(r) => r,
                        Err(_) => return Err(Error::BodyNotReplayable),
                    }
                };
                attempts += 1;
                // Not even built when no subscriber wants it (with `log` compatibility on, building
                // a disabled span still costs ~120 instructions).
                let span = if tracing::enabled!(tracing::Level::DEBUG) {
                    tracing::debug_span!(
                        "backstop_client.attempt",
                        method = %p.method,
                        path = %p.path,
                        attempt = attempts,
                        status = tracing::field::Empty,
                        code = tracing::field::Empty,
                        request_id = tracing::field::Empty,
                    )
                } else {
                    tracing::Span::none()
                };
                let pacing = cfg.pacer.as_ref().map(|p| (p, host));
                let result = match p.hedge_after {
                    Some(after) => {
                        let hedge = || {
                            // The copy spends the host's announced quota too; with none left, no
                            // hedge.
                            if cfg.pacer.as_ref().is_some_and(|p| p.take(host).is_some()) {
                                return None;
                            }
                            let token = cfg.budget.as_ref().map(|b| b.try_retry());
                            if let Some(None) = token {
                                return None;
                            }
                            let permit = match &cfg.breakers {
                                Some(b) => Some(b.admit_now(host)?),
                                None => None,
                            };
                            let request = unsent.as_ref().ok().and_then(replay_copy)?;
                            Some((request, permit, token.flatten()))
                        };
                        // Boxed: two attempts and a timer would double the size of this future.
                        Box::pin(within(
                            deadline,
                            hedged(transport, request, permit, after, hedge, pacing, &span),
                        ))
                        .await
                    }
                    None => {
                        // A disabled span (no subscriber wants it) is not attached: instrumenting
                        // enters and exits it on every poll, about 700 instructions a request for
                        // nothing.
                        let sent = transport.send(request);
                        // No named future and no wrapper here: each would keep its own copy of the
                        // attempt in this future's state, and every request pays for moving that
                        // state.
                        let out = match deadline {
                            None if span.is_disabled() => Some(attempt(sent, pacing, &span).await),
                            Some(at) if span.is_disabled() => {
                                let fut = tokio::time::timeout_at(at, attempt(sent, pacing, &span));
                                Box::pin(fut).await.ok()
                            }
                            _ => {
                                let fut = tracing::Instrument::instrument(
                                    attempt(sent, pacing, &span),
                                    span.clone(),
                                );
                                Box::pin(within(deadline, fut)).await
                            }
                        };
                        out.map(|outcome| (outcome, permit, 1))
                    }
                };
                // The retry (if this was one) has had its attempt.
                drop(retry.take());
                let Some((outcome, permit, sent)) = result else {
                    tracing::debug!(parent: &span, "deadline exceeded during the attempt");
                    return Err(Error::DeadlineExceeded { attempts, last });
                };
                attempts += sent - 1;

                // Classify: what to return, whether the host failed, whether a retry may help.
                let (error, host_failed, retryable, retry_after, throttled) = match outcome {
                    Outcome::Response(response) => {
                        if let Some(p) = permit {
                            p.record(false);
                        }
                        return Ok(response);
                    }
                    Outcome::Api { error, status } => {
                        let retryable = error.is_retryable();
                        let host_failed = crate::attempt::host_failed(status, retryable);
                        let retry_after = error.retry_after();
                        let throttled = status == StatusCode::TOO_MANY_REQUESTS;
                        let request_id = error.request_id().map(str::to_owned);
                        let e = Error::Api {
                            error,
                            status,
                            request_id,
                            attempts,
                        };
                        (e, host_failed, retryable, retry_after, throttled)
                    }
                    Outcome::Transport(SendError::Reqwest(source)) => {
                        let retryable = crate::attempt::transport_retryable(&source);
                        let e = Error::Transport {
                            source: source.without_url(),
                            attempts,
                        };
                        (e, true, retryable, None, false)
                    }
                    #[cfg(feature = "middleware")]
                    Outcome::Transport(SendError::Other(source)) => {
                        return Err(Error::Middleware { source, attempts });
                    }
                };
                if let Some(p) = permit {
                    p.record(host_failed);
                }
                (error, retryable, retry_after, throttled)
            };

            // 401: refresh the credential once, then retry once with it (outside the attempt limit
            // and budget).
            if error.status() == Some(StatusCode::UNAUTHORIZED)
                && !refreshed
                && let Some(refresher) = &cfg.refresher
                && p.replayable
                && let Ok(t) = unsent.as_mut()
            {
                refreshed = true;
                match Box::pin(credential_after_401(
                    cfg,
                    refresher.as_ref(),
                    p.sent_generation,
                ))
                .await
                {
                    Ok(value) => {
                        t.headers_mut().insert(AUTHORIZATION, value);
                        last = Some(Box::new(error));
                        continue;
                    }
                    Err(source) => return Err(Error::Refresh { source, attempts }),
                }
            }

            let counted = attempts - u32::from(refreshed);
            if !retryable || !p.retry_allowed || counted >= p.max_attempts {
                return Err(error);
            }
            let delay = match retry_after {
                Some(wait) if wait > cfg.retry_after_cap => {
                    tracing::debug!(method = %p.method, path = p.path, ?wait, "server hint beyond the cap: not retrying");
                    return Err(error);
                }
                Some(wait) => wait,
                None if throttled => cfg.throttle_backoff.delay(counted, previous_delay),
                None => cfg.backoff.delay(counted, previous_delay),
            };
            if deadline.is_some_and(|at| Instant::now() + delay >= at) {
                return Err(Error::DeadlineExceeded {
                    attempts,
                    last: Some(Box::new(error)),
                });
            }
            if let Some(budget) = &cfg.budget {
                match budget.try_retry() {
                    Some(token) => retry = Some(token),
                    None => {
                        tracing::debug!(method = %p.method, path = p.path, "retry budget exhausted");
                        return Err(Error::BudgetExhausted {
                            last: Box::new(error),
                            attempts,
                        });
                    }
                }
            }
            tracing::debug!(method = %p.method, path = p.path, attempt = attempts, ?delay, "retrying");
            previous_delay = Some(delay);
            last = Some(Box::new(error));
            (cfg.sleep)(delay).await;
        }
    }
}

/// `fut`'s output, or `None` when `deadline` passes first. The timer is boxed: most requests have
/// no deadline, and a timer inline would grow every request's future.
async fn within<F: Future>(deadline: Option<Instant>, fut: F) -> Option<F::Output> {
    match deadline {
        Some(at) => Box::pin(tokio::time::timeout_at(at, fut)).await.ok(),
        None => Some(fut.await),
    }
}

/// Puts the last refreshed credential, if any, on `request`; returns the refresh it came from.
fn apply_credential(cfg: &Inner, request: &mut Request) -> u64 {
    let current = cfg.credential.read().unwrap_or_else(|p| p.into_inner());
    if let Some(value) = &current.value {
        request.headers_mut().insert(AUTHORIZATION, value.clone());
    }
    current.generation
}

/// The credential to retry with after a 401 on a request that carried refresh `sent`'s credential.
///
/// One refresh at a time: when a token expires under load, every in-flight request gets a 401 at
/// once, and calling the hook for each would send a burst of refreshes to the token endpoint (and
/// with rotating refresh tokens, invalidate all but one). The first caller refreshes; the others
/// wait for it and, finding a newer credential than the one they were sent with, use it. A caller
/// that still finds its own credential current (the previous refresh failed) calls the hook itself.
async fn credential_after_401(
    cfg: &Inner,
    refresher: &dyn CredentialRefresher,
    sent: u64,
) -> Result<HeaderValue, BoxError> {
    let _one_at_a_time = cfg.refreshing.lock().await;
    let newer = {
        let current = cfg.credential.read().unwrap_or_else(|p| p.into_inner());
        (current.generation != sent)
            .then(|| current.value.clone())
            .flatten()
    };
    if let Some(value) = newer {
        tracing::debug!("credential already refreshed by a concurrent request");
        return Ok(value);
    }
    let mut value = refresher.refresh().await?;
    value.set_sensitive(true);
    let mut current = cfg.credential.write().unwrap_or_else(|p| p.into_inner());
    current.value = Some(value.clone());
    current.generation += 1;
    tracing::debug!("credential refreshed after 401");
    Ok(value)
}

/// Whether [`replay_copy`] can copy `request`: it has no body, or a buffered one.
fn can_replay(request: &Request) -> bool {
    request.body().is_none_or(|b| b.as_bytes().is_some())
}

/// A copy of `request` to send again, or `None` when its body is a stream.
///
/// A request without a body is copied field by field: `Request::try_clone` also gives the copy a
/// map of extensions (reqwest keeps only the timeout there) that it then replaces, two allocations
/// and ~400 instructions on every request that may be retried (callgrind). The timeout is copied.
fn replay_copy(request: &Request) -> Option<Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// `host:port` of a URL (the breakers' and the pacer's key), built in place: a `String` per
/// request cost an allocation and ~350 instructions (callgrind). Up to 46 bytes (most hosts) it is
/// kept inline, in 64 bytes of the request's future; longer hosts go to the heap.
pub(crate) struct HostKey {
    inline: [u8; INLINE_HOST],
    len: u8,
    heap: Option<Box<[u8]>>,
}

const INLINE_HOST: usize = 46;

impl Default for HostKey {
    fn default() -> Self {
        HostKey {
            inline: [0; INLINE_HOST],
            len: 0,
            heap: None,
        }
    }
}

impl HostKey {
    pub(crate) fn new(url: &reqwest::Url) -> Self {
        let host = url.host_str().unwrap_or("").as_bytes();
        let mut digits = itoa::Buffer::new();
        let port = url
            .port_or_known_default()
            .map_or("", |p| digits.format(p))
            .as_bytes();
        let len = host.len() + usize::from(!port.is_empty()) + port.len();
        let mut key = HostKey::default();
        if len <= INLINE_HOST {
            key.inline[..host.len()].copy_from_slice(host);
            if !port.is_empty() {
                key.inline[host.len()] = b':';
                key.inline[host.len() + 1..len].copy_from_slice(port);
            }
            // At most INLINE_HOST (46): fits.
            key.len = len as u8;
        } else {
            let mut v = Vec::with_capacity(len);
            v.extend_from_slice(host);
            if !port.is_empty() {
                v.push(b':');
                v.extend_from_slice(port);
            }
            key.heap = Some(v.into_boxed_slice());
        }
        key
    }

    /// The key's bytes (ASCII: a URL's host is punycode or an IP literal).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.heap {
            Some(v) => v,
            None => &self.inline[..usize::from(self.len)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostKey;

    #[test]
    fn the_key_is_host_and_port() {
        let a = |u: &str| {
            String::from_utf8(
                HostKey::new(&reqwest::Url::parse(u).unwrap())
                    .as_bytes()
                    .to_vec(),
            )
            .unwrap()
        };
        assert_eq!(a("http://127.0.0.1:39001/x"), "127.0.0.1:39001");
        assert_eq!(a("https://api.example.com/v1"), "api.example.com:443");
        assert_eq!(a("http://api.example.com/"), "api.example.com:80");
        assert_eq!(a("http://[::1]:8/"), "[::1]:8");
        assert_eq!(a("http://h:65535/"), "h:65535");
        let long = format!("http://{}.example.com:8080/", "a".repeat(120));
        assert_eq!(a(&long), format!("{}.example.com:8080", "a".repeat(120)));
        let fits = format!("http://{}:8080/", "b".repeat(41));
        assert_eq!(a(&fits), format!("{}:8080", "b".repeat(41)));
        let over = format!("http://{}:8080/", "c".repeat(42));
        assert_eq!(a(&over), format!("{}:8080", "c".repeat(42)));
    }
}
