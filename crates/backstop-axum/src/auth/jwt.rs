//! HS256 bearer tokens (JWT) via `jsonwebtoken`: a [`JwtIssuer`] to mint them and a [`JwtVerifier`]
//! to turn them into a [`Principal`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::principal::{Principal, PrincipalKind};

/// A token's claims: `sub` (the principal id), `exp`, `iat`, a space-separated `scope`, an optional
/// `tier`, and any other claims in [`extra`](Self::extra) (the tenant claim among them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The principal id.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Space-separated scopes (RFC 8693 style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The rate-limit tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Every other claim, for example `business_id`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Claims for `sub` that expire `ttl` from now.
    pub fn new(sub: impl Into<String>, ttl: Duration) -> Self {
        let now = unix_now();
        Claims {
            sub: sub.into(),
            exp: now.saturating_add(ttl.as_secs()),
            iat: Some(now),
            scope: None,
            tier: None,
            extra: Map::new(),
        }
    }

    /// Sets the scopes.
    pub fn with_scopes<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, scopes: I) -> Self {
        let joined: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.scope = Some(joined.join(" "));
        self
    }

    /// Sets the tier.
    pub fn with_tier(mut self, tier: impl Into<String>) -> Self {
        self.tier = Some(tier.into());
        self
    }

    /// Adds any other claim.
    pub fn with_claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Why a token was refused. All of them answer 401 `INVALID_TOKEN`; the variant goes to the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token has expired.
    #[error("token expired")]
    Expired,
    /// Bad signature, wrong algorithm, malformed, or missing claims.
    #[error("token invalid: {0}")]
    Invalid(String),
}

/// Mints HS256 tokens. Its `Debug` never shows the secret. Cheap to clone (the key is shared), so
/// it can live in an axum state that is cloned for every request.
#[derive(Clone)]
pub struct JwtIssuer {
    key: Arc<EncodingKey>,
}

impl JwtIssuer {
    /// An issuer signing with this shared secret (use at least 32 random bytes).
    pub fn hs256(secret: &[u8]) -> Self {
        JwtIssuer {
            key: Arc::new(EncodingKey::from_secret(secret)),
        }
    }

    /// Signs `claims`.
    pub fn issue(&self, claims: &Claims) -> Result<String, JwtError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.key)
            .map_err(|e| JwtError::Invalid(e.to_string()))
    }
}

impl fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtIssuer(HS256, <redacted>)")
    }
}

/// Verifies HS256 tokens and builds the [`Principal`] from their claims. Its `Debug` never shows
/// the secret.
#[derive(Clone)]
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
    tenant_claim: String,
}

impl JwtVerifier {
    /// A verifier for tokens signed with this shared secret; 30 s leeway on `exp`, tenant claim
    /// `"tenant"`.
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "sub"]);
        JwtVerifier {
            key: DecodingKey::from_secret(secret),
            validation,
            tenant_claim: "tenant".to_owned(),
        }
    }

    /// Sets the clock-skew leeway on `exp`.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.validation.leeway = leeway.as_secs();
        self
    }

    /// Requires this issuer (`iss`).
    pub fn with_issuer(mut self, issuer: &str) -> Self {
        self.validation.set_issuer(&[issuer]);
        self
    }

    /// Requires this audience (`aud`).
    pub fn with_audience(mut self, audience: &str) -> Self {
        self.validation.set_audience(&[audience]);
        self
    }

    /// Names the claim that carries the tenant (for example `"business_id"`).
    pub fn with_tenant_claim(mut self, claim: impl Into<String>) -> Self {
        self.tenant_claim = claim.into();
        self
    }

    /// Verifies the signature and expiry and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, JwtError> {
        use jsonwebtoken::errors::ErrorKind;
        jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => JwtError::Expired,
                other => JwtError::Invalid(format!("{other:?}")),
            })
    }

    /// Verifies and builds the principal: id from `sub`, scopes from `scope`, tier from `tier`
    /// (default `"default"`), tenant from the tenant claim (string or number).
    pub fn principal(&self, token: &str) -> Result<Principal, JwtError> {
        let claims = self.verify(token)?;
        if claims.sub.is_empty() {
            return Err(JwtError::Invalid("empty sub".to_owned()));
        }
        let mut p = Principal::new(claims.sub.as_str(), PrincipalKind::Token);
        if let Some(scope) = &claims.scope {
            p = p.with_scopes(scope.split_ascii_whitespace());
        }
        if let Some(tier) = claims.tier {
            p = p.with_tier(tier);
        }
        match claims.extra.get(&self.tenant_claim) {
            Some(Value::String(s)) => p = p.with_tenant(s.clone()),
            Some(Value::Number(n)) => p = p.with_tenant(n.to_string()),
            _ => {}
        }
        Ok(p)
    }
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("algorithm", &"HS256")
            .field("key", &"<redacted>")
            .field("leeway", &self.validation.leeway)
            .field("tenant_claim", &self.tenant_claim)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_failures() {
        let issuer = JwtIssuer::hs256(b"0123456789abcdef0123456789abcdef");
        let verifier = JwtVerifier::hs256(b"0123456789abcdef0123456789abcdef")
            .with_tenant_claim("business_id");
        let token = issuer
            .issue(
                &Claims::new("user_1", Duration::from_secs(60))
                    .with_scopes(["invoices:read", "invoices:write"])
                    .with_claim("business_id", "biz_9"),
            )
            .unwrap();
        let p = verifier.principal(&token).unwrap();
        assert_eq!(p.id(), "user_1");
        assert!(p.has_scope("invoices:write"));
        assert_eq!(p.tenant(), Some("biz_9"));

        let other = JwtVerifier::hs256(b"another-secret-another-secret-xx");
        assert!(matches!(other.principal(&token), Err(JwtError::Invalid(_))));

        let mut old = Claims::new("user_1", Duration::ZERO);
        old.exp = unix_now() - 3600;
        let expired = issuer.issue(&old).unwrap();
        assert!(matches!(
            verifier.principal(&expired),
            Err(JwtError::Expired)
        ));
        assert!(verifier.principal("not.a.jwt").is_err());
        assert!(!format!("{verifier:?}{issuer:?}").contains("0123456789"));
    }
}
