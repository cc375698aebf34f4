//! Authentication: the credential store over the database and the two token endpoints.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backstop::{ApiError, Code};
use backstop_axum::auth::{
    Claims, CredentialStore, JwtVerifier, KeyHash, KeyStatus, Principal, PrincipalKind, StoreError,
    StoredKey,
};
use backstop_axum::extract::{Form, Path};
use base64::Engine;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::db::{Db, PartnerStatus};

/// The scope of partner tokens and API keys.
pub const PARTNER_SCOPE: &str = "partner";
/// The scope of business tokens.
pub const BUSINESS_SCOPE: &str = "business_access";

/// A [`CredentialStore`] over the `api_keys` and `partners` tables, with a short cache of each
/// partner's status (suspension takes effect within the cache's TTL).
pub struct DbCredentialStore {
    db: Db,
    ttl: Duration,
    status: Mutex<HashMap<String, (bool, Instant)>>,
}

impl std::fmt::Debug for DbCredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbCredentialStore")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl DbCredentialStore {
    /// A store over `db`, caching partner status for `ttl`.
    pub fn new(db: Db, ttl: Duration) -> Self {
        DbCredentialStore {
            db,
            ttl,
            status: Mutex::new(HashMap::new()),
        }
    }
}

fn millis_to_system_time(millis: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

impl CredentialStore for DbCredentialStore {
    fn find_key<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredKey>, StoreError>> {
        Box::pin(async move {
            let row = self
                .db
                .key_by_prefix(prefix)
                .await
                .map_err(|e| StoreError(Box::new(e)))?;
            Ok(row.and_then(|row| {
                Some(StoredKey {
                    hash: KeyHash::from_hex(&row.secret_hash)?,
                    principal: Principal::new(row.partner_id, PrincipalKind::ApiKey)
                        .with_scopes([PARTNER_SCOPE]),
                    expires_at: row.expires_at.map(millis_to_system_time),
                    status: if row.revoked_at.is_some() {
                        KeyStatus::Revoked
                    } else {
                        KeyStatus::Active
                    },
                    prefix: row.prefix,
                })
            }))
        })
    }

    fn is_suspended<'a>(
        &'a self,
        principal: &'a Principal,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let id = principal.id();
            if !self.ttl.is_zero() {
                let cache = self.status.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((suspended, at)) = cache.get(id)
                    && at.elapsed() < self.ttl
                {
                    return Ok(*suspended);
                }
            }
            let partner = self
                .db
                .partner(id)
                .await
                .map_err(|e| StoreError(Box::new(e)))?;
            // A principal whose partner is gone is refused like a suspended one.
            let suspended = partner.is_none_or(|p| p.status == PartnerStatus::Suspended);
            if !self.ttl.is_zero() {
                let mut cache = self.status.lock().unwrap_or_else(|p| p.into_inner());
                if cache.len() > 100_000 {
                    cache.clear();
                }
                cache.insert(id.to_owned(), (suspended, Instant::now()));
            }
            Ok(suspended)
        })
    }
}

/// The client-credentials form (RFC 6749 §4.4; `client_id` and `client_secret` for
/// `client_secret_post`, §2.3.1).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    /// Always `client_credentials` (RFC 6749 §4.4).
    #[schema(required = true, schema_with = grant_type)]
    grant_type: Option<String>,
    /// `client_secret_post`: the partner id. Not in the document: the operation declares HTTP
    /// Basic, and OpenAPI cannot say "these or Basic, not both"; its description says it.
    #[schema(ignore)]
    client_id: Option<String>,
    /// `client_secret_post`: an API key of that partner (see `client_id`).
    #[schema(ignore)]
    client_secret: Option<String>,
    /// Optional: the only scope granted is `partner` (a space-separated list naming only it; empty
    /// counts as absent).
    #[schema(schema_with = partner_scope)]
    scope: Option<String>,
}

/// The `scope` values the token endpoint grants, as a pattern: exactly what [`scope_granted`]
/// accepts (a unit test holds them together), so that the OpenAPI document neither refuses a value
/// the server takes (`""`, `"partner partner"`) nor allows one it refuses.
const PARTNER_SCOPE_PATTERN: &str = "^ *(partner +)*(partner)? *$";

fn partner_scope() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(PARTNER_SCOPE_PATTERN))
        .build()
}

/// Whether a partner token may be issued for `scope` (RFC 6749 §3.3, a space-separated list): every
/// scope it names is `partner`. Empty names none.
fn scope_granted(scope: &str) -> bool {
    scope.split(' ').all(|s| s.is_empty() || s == PARTNER_SCOPE)
}

/// The one grant type the token endpoint supports.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

fn grant_type() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([CLIENT_CREDENTIALS]))
        .build()
}

/// An access token (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The token: send it as `Authorization: Bearer <token>`.
    access_token: String,
    /// Always `Bearer`.
    token_type: TokenType,
    /// Seconds until it expires.
    expires_in: u64,
    /// The scope of a business token.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    /// The business a business token is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    business_id: Option<String>,
}

/// The token types issued.
#[derive(Debug, Serialize, ToSchema)]
pub enum TokenType {
    /// RFC 6750.
    Bearer,
}

/// `POST /v1/platform/oauth2/token/`: the client-credentials grant (RFC 6749 §4.4) gives a
/// one-hour partner token. The client authenticates with its partner id and an API key, by HTTP
/// Basic (`client_secret_basic`) or in the form (`client_secret_post`). Errors are RFC 6749 §5.2
/// bodies (the route's contract layer answers in that form, docs/CONTRACT.md §7.4).
///
/// Order (docs/CONTRACT.md §6): credentials in `Authorization` are checked before the body is
/// read; without them, the form is read for `client_id`/`client_secret` (step 4); then
/// `grant_type` and `scope`.
pub async fn partner_token(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, backstop_axum::Error> {
    let basic = basic_credentials(req.headers())?;
    if let Some((partner_id, api_key)) = &basic {
        authenticate_partner(&state, partner_id, api_key).await?;
    }
    let Form(form) = Form::<TokenForm>::from_request(req, &state).await?;
    // An empty parameter counts as absent (RFC 6749 §3.1).
    let given = |v: &Option<String>| v.as_deref().filter(|v| !v.is_empty()).map(str::to_owned);
    let (client_id, client_secret) = (given(&form.client_id), given(&form.client_secret));
    let partner_id = match (basic, client_id.as_deref(), client_secret.as_deref()) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ApiError::new(Code::INVALID_REQUEST)
                .with_message(
                    "Authenticate the client in one way: HTTP Basic or the form, not both",
                )
                .into());
        }
        (Some((partner_id, _)), None, None) => partner_id,
        (None, Some(id), Some(secret)) => {
            authenticate_partner(&state, id, secret).await?;
            id.to_owned()
        }
        (None, _, _) => {
            return Err(ApiError::new(Code::AUTHENTICATION_REQUIRED)
                .with_message(
                    "Authenticate the client: HTTP Basic partner_id:api_key, or client_id and \
                     client_secret in the form",
                )
                .into());
        }
    };
    match form.grant_type.as_deref() {
        None | Some("") => {
            return Err(ApiError::new(Code::INVALID_REQUEST)
                .with_message("The grant_type parameter is required")
                .with_detail("parameter", "grant_type")
                .into());
        }
        Some(CLIENT_CREDENTIALS) => {}
        Some(_) => {
            return Err(ApiError::new(backstop::oauth2::unsupported_grant_type())
                .with_message("Only the client_credentials grant is supported")
                .into());
        }
    }
    if let Some(scope) = given(&form.scope)
        && !scope_granted(&scope)
    {
        return Err(ApiError::new(backstop::oauth2::invalid_scope())
            .with_message("The only scope a partner token has is `partner`")
            .into());
    }
    let claims = Claims::new(partner_id, state.token_ttl).with_scopes([PARTNER_SCOPE]);
    let token = state.issuer.issue(&claims).map_err(ApiError::internal)?;
    Ok(token_response(token, state.token_ttl, None))
}

/// Checks that `api_key` is a valid, active key of `partner_id` (401/403 otherwise).
async fn authenticate_partner(
    state: &AppState,
    partner_id: &str,
    api_key: &str,
) -> Result<(), ApiError> {
    let mut key_headers = HeaderMap::new();
    let value = HeaderValue::from_str(api_key).map_err(|_| ApiError::new(Code::INVALID_API_KEY))?;
    key_headers.insert("x-api-key", value);
    let principal = state
        .authenticator
        .authenticate(&key_headers)
        .await?
        .ok_or(ApiError::new(Code::AUTHENTICATION_REQUIRED))?;
    if principal.id() != partner_id {
        tracing::debug!(partner = %partner_id, "API key presented for another partner");
        return Err(ApiError::new(Code::INVALID_API_KEY));
    }
    Ok(())
}

/// `POST /v1/platform/{business_id}/oauth2/token/`: a partner token gives a token scoped to one of
/// the partner's businesses.
pub async fn business_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(business_id): Path<String>,
) -> Result<Response, backstop_axum::Error> {
    principal.require_scope(PARTNER_SCOPE)?;
    if state
        .db
        .business(principal.id(), &business_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("business", &business_id).into());
    }
    let claims = Claims::new(principal.id(), state.token_ttl)
        .with_scopes([BUSINESS_SCOPE])
        .with_claim("business_id", business_id.clone());
    let token = state.issuer.issue(&claims).map_err(ApiError::internal)?;
    Ok(token_response(token, state.token_ttl, Some(business_id)))
}

fn token_response(token: String, ttl: Duration, business_id: Option<String>) -> Response {
    let body = TokenResponse {
        access_token: token,
        token_type: TokenType::Bearer,
        expires_in: ttl.as_secs(),
        scope: business_id.is_some().then_some(BUSINESS_SCOPE),
        business_id,
    };
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(body),
    )
        .into_response()
}

/// `Authorization: Basic base64(partner_id:api_key)` (RFC 6749 §2.3.1: both form-urlencoded):
/// `None` without an `Authorization` header, an error for any other value.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let failed = || {
        ApiError::new(Code::AUTHENTICATION_FAILED)
            .with_message("Send HTTP Basic credentials: partner_id and API key")
    };
    let value = value.to_str().map_err(|_| failed())?.trim();
    let (scheme, encoded) = value.split_once(' ').ok_or_else(failed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(failed());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| failed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| failed())?;
    let (id, key) = decoded.split_once(':').ok_or_else(failed)?;
    let (id, key) = (form_decode(id), form_decode(key));
    if id.is_empty() || key.is_empty() {
        return Err(failed());
    }
    Ok(Some((id, key)))
}

/// RFC 6749 §2.3.1 form-urlencodes the client id and secret before HTTP Basic encodes them.
fn form_decode(s: &str) -> String {
    form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Business-scoped endpoints: a business token for exactly this business.
pub fn require_business(
    principal: &Principal,
    business_id: &str,
) -> Result<(), backstop_axum::Error> {
    principal.require_scope(BUSINESS_SCOPE)?;
    principal.require_tenant(business_id)
}

/// The `--bare` baseline's only middleware: a verified bearer token becomes the [`Principal`]
/// (no database lookup, no suspension check).
pub async fn bare_principal(
    State(verifier): State<Arc<JwtVerifier>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    if let Some(p) = token.and_then(|t| verifier.principal(&t).ok()) {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI pattern of `scope` and the server's rule accept the same values.
    #[test]
    fn the_scope_pattern_is_the_servers_rule() {
        let pattern = regex::Regex::new(PARTNER_SCOPE_PATTERN).unwrap();
        let granted = ["", " ", "partner", " partner  partner ", "partner   "];
        let refused = [
            "admin",
            "partnerpartner",
            "partner admin",
            "\tpartner",
            "partner,partner",
            "Partner",
            "business_access",
            "IGj",
        ];
        for scope in granted {
            assert!(scope_granted(scope) && pattern.is_match(scope), "{scope:?}");
        }
        for scope in refused {
            assert!(
                !scope_granted(scope) && !pattern.is_match(scope),
                "{scope:?}"
            );
        }
    }
}
