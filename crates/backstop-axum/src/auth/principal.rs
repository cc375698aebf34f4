//! [`Principal`]: who made the request.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code};

use crate::Error;

/// How a [`Principal`] authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrincipalKind {
    /// With an API key.
    ApiKey,
    /// With a bearer token (JWT).
    Token,
}

/// The authenticated caller: an id (never a secret), how it authenticated, its rate-limit tier, its
/// scopes and an optional tenant (for example a `business_id`).
///
/// Cheap to clone (shared internally).
#[derive(Clone, PartialEq, Eq)]
pub struct Principal(Arc<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    id: Arc<str>,
    kind: PrincipalKind,
    tier: Arc<str>,
    scopes: BTreeSet<String>,
    tenant: Option<String>,
}

impl Principal {
    /// A principal with this id and kind, tier `"default"`, no scopes and no tenant.
    pub fn new(id: impl Into<Arc<str>>, kind: PrincipalKind) -> Self {
        Principal(Arc::new(Inner {
            id: id.into(),
            kind,
            tier: Arc::from("default"),
            scopes: BTreeSet::new(),
            tenant: None,
        }))
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.0)
    }

    /// Sets the rate-limit tier (see `rate_limit::Policies`).
    pub fn with_tier(mut self, tier: impl Into<Arc<str>>) -> Self {
        self.inner_mut().tier = tier.into();
        self
    }

    /// Adds scopes.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.inner_mut()
            .scopes
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Sets the tenant (for example the `business_id` the credential belongs to).
    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.inner_mut().tenant = Some(tenant.into());
        self
    }

    /// Replaces the kind.
    pub fn with_kind(mut self, kind: PrincipalKind) -> Self {
        self.inner_mut().kind = kind;
        self
    }

    /// The principal's id (safe to log).
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The id, shared.
    pub fn id_arc(&self) -> &Arc<str> {
        &self.0.id
    }

    /// How it authenticated.
    pub fn kind(&self) -> PrincipalKind {
        self.0.kind
    }

    /// Its rate-limit tier.
    pub fn tier(&self) -> &str {
        &self.0.tier
    }

    /// Its scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.0.scopes.iter().map(String::as_str)
    }

    /// Whether it holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.contains(scope)
    }

    /// Its tenant, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.0.tenant.as_deref()
    }

    /// `Ok` if the principal holds `scope`, otherwise 403 `INSUFFICIENT_PERMISSIONS` with details
    /// `{"required_scope": scope}` and `WWW-Authenticate: Bearer error="insufficient_scope"`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ScopeError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ScopeError(
                ApiError::new(Code::INSUFFICIENT_PERMISSIONS)
                    .with_detail("required_scope", scope.to_owned()),
            ))
        }
    }

    /// `Ok` if the principal belongs to `tenant`, otherwise 403 `PERMISSION_DENIED` (for example a
    /// token for one business asking for another's resources).
    pub fn require_tenant(&self, tenant: &str) -> Result<(), Error> {
        if self.tenant() == Some(tenant) {
            Ok(())
        } else {
            Err(Error(ApiError::new(Code::PERMISSION_DENIED)))
        }
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("id", &self.0.id)
            .field("kind", &self.0.kind)
            .field("tier", &self.0.tier)
            .field("scopes", &self.0.scopes)
            .field("tenant", &self.0.tenant)
            .finish()
    }
}

/// A failed [`Principal::require_scope`]: answers 403 `INSUFFICIENT_PERMISSIONS` with an RFC 6750
/// `insufficient_scope` challenge. Converts into [`Error`] for handlers returning that.
#[derive(Debug)]
pub struct ScopeError(pub ApiError);

impl From<ScopeError> for Error {
    fn from(e: ScopeError) -> Self {
        Error(e.0)
    }
}

impl IntoResponse for ScopeError {
    fn into_response(self) -> Response {
        let mut response = Error(self.0).into_response();
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"insufficient_scope\""),
        );
        response
    }
}
