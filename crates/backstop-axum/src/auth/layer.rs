//! [`AuthLayer`]: authenticates every request before it reaches the inner service.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code};
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use super::api_key::{ApiKey, KeyHash};
#[cfg(feature = "jwt")]
use super::jwt::{JwtError, JwtVerifier};
use super::principal::{Principal, PrincipalKind};
use super::store::{CredentialStore, KeyStatus};
use crate::Error;

/// `X-API-Key`.
use backstop::headers::X_API_KEY;

/// Checks credentials against a [`CredentialStore`] (API keys) and, with the `jwt` feature, an
/// optional `JwtVerifier` (bearer tokens). Usable on its own (`authenticate`) or through [`AuthLayer`].
pub struct Authenticator {
    store: Arc<dyn CredentialStore>,
    #[cfg(feature = "jwt")]
    jwt: Option<JwtVerifier>,
    allow_anonymous: bool,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Authenticator");
        #[cfg(feature = "jwt")]
        d.field("jwt", &self.jwt);
        d.field("allow_anonymous", &self.allow_anonymous)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// API keys from `store`; no tokens; credentials required.
    pub fn new(store: impl CredentialStore) -> Self {
        Self::from_arc(Arc::new(store))
    }

    /// Like [`new`](Self::new) with a shared store.
    pub fn from_arc(store: Arc<dyn CredentialStore>) -> Self {
        Authenticator {
            store,
            #[cfg(feature = "jwt")]
            jwt: None,
            allow_anonymous: false,
        }
    }

    /// Also accepts bearer JWTs verified by `verifier`.
    #[cfg(feature = "jwt")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
    pub fn with_jwt(mut self, verifier: JwtVerifier) -> Self {
        self.jwt = Some(verifier);
        self
    }

    /// Lets requests without any credentials through as anonymous (no [`Principal`] in the
    /// extensions; the rate limiter then keys them by client IP). Bad credentials are still refused.
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.allow_anonymous = allow;
        self
    }

    /// Authenticates a request by its headers: `Ok(Some(principal))`, `Ok(None)` for an allowed
    /// anonymous request, or the error to answer with.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
        let principal = match credential(headers)? {
            None if self.allow_anonymous => return Ok(None),
            None => return Err(ApiError::new(Code::AUTHENTICATION_REQUIRED)),
            Some(Credential::Bearer(value)) if looks_like_jwt(value) => self.token(value)?,
            // An API key may be sent as a bearer token too; anything else after `Bearer` is a
            // malformed token (docs/CONTRACT.md §7.2), not an API key.
            Some(Credential::Bearer(value)) if ApiKey::parse(value).is_err() => {
                tracing::debug!("malformed bearer token refused");
                return Err(ApiError::new(Code::INVALID_TOKEN));
            }
            Some(Credential::Bearer(value)) | Some(Credential::ApiKey(value)) => {
                self.api_key(value).await?
            }
        };
        match self.store.is_suspended(&principal).await {
            Ok(false) => Ok(Some(principal)),
            Ok(true) => {
                tracing::debug!(principal = principal.id(), "suspended account refused");
                Err(ApiError::new(Code::SUSPENDED_ACCOUNT))
            }
            Err(e) => Err(store_down(e)),
        }
    }

    #[cfg(not(feature = "jwt"))]
    fn token(&self, _token: &str) -> Result<Principal, ApiError> {
        tracing::debug!("bearer token refused: built without the jwt feature");
        Err(ApiError::new(Code::INVALID_TOKEN))
    }

    #[cfg(feature = "jwt")]
    fn token(&self, token: &str) -> Result<Principal, ApiError> {
        let Some(verifier) = &self.jwt else {
            return Err(ApiError::new(Code::INVALID_TOKEN));
        };
        verifier.principal(token).map_err(|e| {
            let reason = match &e {
                JwtError::Expired => "expired",
                _ => "invalid",
            };
            tracing::debug!(reason, error = %e, "bearer token refused");
            let error = ApiError::new(Code::INVALID_TOKEN);
            if matches!(e, JwtError::Expired) {
                error.with_message("The access token has expired")
            } else {
                error
            }
        })
    }

    async fn api_key(&self, value: &str) -> Result<Principal, ApiError> {
        let key = ApiKey::parse(value).map_err(|e| {
            tracing::debug!(reason = %e, "malformed API key refused");
            ApiError::new(Code::INVALID_API_KEY)
        })?;
        let stored = self
            .store
            .find_key(key.prefix())
            .await
            .map_err(store_down)?;
        let Some(stored) = stored else {
            // Same work as a found key, so timing does not tell unknown prefixes apart.
            let _ = key.verify(&KeyHash([0; 32]));
            tracing::debug!(prefix = key.prefix(), "unknown API key refused");
            return Err(ApiError::new(Code::INVALID_API_KEY));
        };
        if !key.verify(&stored.hash) {
            tracing::debug!(prefix = key.prefix(), "API key with a wrong secret refused");
            return Err(ApiError::new(Code::INVALID_API_KEY));
        }
        if stored.status == KeyStatus::Revoked {
            tracing::debug!(prefix = key.prefix(), "revoked API key refused");
            return Err(ApiError::new(Code::REVOKED_API_KEY));
        }
        if stored.expires_at.is_some_and(|at| at <= SystemTime::now()) {
            tracing::debug!(prefix = key.prefix(), "expired API key refused");
            return Err(ApiError::new(Code::EXPIRED_API_KEY));
        }
        Ok(stored.principal.with_kind(PrincipalKind::ApiKey))
    }
}

fn store_down(e: super::store::StoreError) -> ApiError {
    tracing::debug!(error = %e, "credential store unavailable");
    ApiError::unavailable(Duration::from_secs(1)).with_source(e)
}

enum Credential<'a> {
    Bearer(&'a str),
    ApiKey(&'a str),
}

/// The presented credential: `Authorization` wins over `X-API-Key`.
fn credential(headers: &HeaderMap) -> Result<Option<Credential<'_>>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::new(Code::AUTHENTICATION_FAILED))?
            .trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::new(Code::AUTHENTICATION_FAILED)
                .with_message("Unsupported authorization scheme; use Bearer"));
        }
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(ApiError::new(Code::INVALID_TOKEN));
        }
        return Ok(Some(Credential::Bearer(rest)));
    }
    if let Some(value) = headers.get(X_API_KEY) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::new(Code::INVALID_API_KEY))?
            .trim();
        if value.is_empty() {
            return Err(ApiError::new(Code::INVALID_API_KEY));
        }
        return Ok(Some(Credential::ApiKey(value)));
    }
    Ok(None)
}

/// A JWS compact serialization has exactly two dots; API keys have none.
///
/// Three `find`s (memchr) rather than counting every byte: a token is a few hundred bytes and this
/// runs on every request.
fn looks_like_jwt(value: &str) -> bool {
    let Some(first) = value.find('.') else {
        return false;
    };
    let rest = &value[first + 1..];
    match rest.find('.') {
        Some(second) => !rest[second + 1..].contains('.'),
        None => false,
    }
}

/// Authenticates requests with an [`Authenticator`]; refused requests get the contract's error
/// (401/403/503), accepted ones carry their [`Principal`] in the request extensions and, when the
/// answer is an error, in the response extensions too, with a [`PrincipalId`](crate::PrincipalId)
/// for the contract's error record.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    auth: Arc<Authenticator>,
}

impl AuthLayer {
    /// A layer using `authenticator`.
    pub fn new(authenticator: Authenticator) -> Self {
        AuthLayer {
            auth: Arc::new(authenticator),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    auth: Arc<Authenticator>,
}

impl<S> Service<Request> for AuthService<S>
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

    fn call(&mut self, mut req: Request) -> Self::Future {
        let mut inner = crate::ready::take_ready(&mut self.inner);
        let auth = self.auth.clone();
        Box::pin(async move {
            let principal = match auth.authenticate(req.headers()).await {
                Ok(p) => p,
                Err(e) => return Ok(Error(e).into_response()),
            };
            if let Some(p) = &principal {
                req.extensions_mut().insert(p.clone());
            }
            let mut response = inner.call(req).await?;
            // Error responses say who made the request, for the contract's log line and error
            // record; a success response needs nothing (three allocations saved per request).
            if let Some(p) = principal
                && (response.status().is_client_error() || response.status().is_server_error())
            {
                let extensions = response.extensions_mut();
                extensions.insert(crate::PrincipalId(p.id().to_owned()));
                extensions.insert(p);
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_jwt;

    #[test]
    fn only_values_with_exactly_two_dots_look_like_a_jwt() {
        assert!(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        assert!(looks_like_jwt(".."));
        assert!(!looks_like_jwt("bsk_prefix_secret"));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt("..."));
        assert!(!looks_like_jwt(""));
    }
}
