//! The way out: every error response becomes the envelope in the configured profile, with the
//! request id stamped in, logged once and recorded.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use backstop::ApiError;

use super::Shared;
use super::log::log_error;
use super::service::X_REQUEST_ID;
use crate::context::{PrincipalId, RequestId};
use crate::response::{ErrorExtension, build_response};

/// What the way out needs to know about the request.
pub(crate) struct Finish {
    pub(crate) id: RequestId,
    pub(crate) method: Method,
    pub(crate) route: Option<MatchedPath>,
    pub(crate) uri: Option<Uri>,
    /// When the request came in; `None` when nothing could log its latency.
    pub(crate) start: Option<Instant>,
    pub(crate) shared: Arc<Shared>,
}

/// A response carrying `error` in its extensions (encoded for real by [`Finish::finish`]).
pub(crate) fn error_response(error: ApiError) -> Response {
    crate::Error(error).into_response()
}

/// Headers that describe the old body and must not survive a rewrite.
fn describes_body(name: &header::HeaderName) -> bool {
    name == header::CONTENT_TYPE
        || name == header::CONTENT_LENGTH
        || name == header::TRANSFER_ENCODING
        || name == header::CONTENT_ENCODING
        || name == header::CONTENT_RANGE
        || name == X_REQUEST_ID
}

impl Finish {
    fn route(&self) -> &str {
        match (&self.route, &self.uri) {
            (Some(route), _) => route.as_str(),
            (None, Some(uri)) => uri.path(),
            (None, None) => "",
        }
    }

    /// Echoes the request id; rewrites, logs and records an error response.
    pub(crate) fn finish(self, mut response: Response) -> Response {
        if !(response.status().is_client_error() || response.status().is_server_error()) {
            // The hot path: one header insert, nothing else.
            response
                .headers_mut()
                .insert(X_REQUEST_ID, self.id.header_value().clone());
            return response;
        }

        let (mut parts, _old_body) = response.into_parts();
        let mut error = match parts.extensions.remove::<ErrorExtension>() {
            Some(ErrorExtension(shared)) => {
                Arc::try_unwrap(shared).unwrap_or_else(|shared| shared.clone_without_source())
            }
            // The safety net: an error response in another shape (axum's empty 404/405, a plain-text
            // rejection of another layer). Its status is kept; the catalog names it.
            None => {
                let mut error = ApiError::from_status(parts.status);
                if let Some(wait) = parts
                    .headers
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| backstop::parse_retry_after(v, std::time::SystemTime::now()))
                {
                    error = error.with_retry_after(wait);
                }
                error
            }
        };
        error.set_request_id(self.id.as_str());

        let profile = self.shared.profile;
        let mut out = build_response(&error, profile, Some(self.id.header_value().clone()));
        if !parts.headers.is_empty() {
            merge_headers(out.headers_mut(), &parts.headers);
            // The layer that answered 401 knows its scheme better than the default Bearer challenge.
            if let Some(challenge) = parts.headers.get(header::WWW_AUTHENTICATE) {
                out.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, challenge.clone());
            }
        }

        let principal = parts.extensions.get::<PrincipalId>().map(|p| p.0.as_str());
        let status = out.status();
        log_error(
            &error,
            status,
            &self.method,
            self.route(),
            principal,
            self.start,
        );
        if let Some(sink) = &self.shared.sink {
            sink.record_error(
                &error,
                status.as_u16(),
                self.method.as_str(),
                self.route(),
                principal,
            );
        }

        *out.extensions_mut() = std::mem::take(&mut parts.extensions);
        out.extensions_mut().insert(ErrorExtension(Arc::new(error)));
        out
    }
}

/// Copies the old response's headers that the encoded one does not set (`Allow`, `RateLimit*`,
/// `Set-Cookie`, ...), except those that described the old body.
fn merge_headers(new: &mut HeaderMap, old: &HeaderMap) {
    for name in old.keys() {
        if describes_body(name) || new.contains_key(name) {
            continue;
        }
        for value in old.get_all(name) {
            new.append(name.clone(), value.clone());
        }
    }
}
