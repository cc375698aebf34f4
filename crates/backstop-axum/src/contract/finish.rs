//! The way out: every error response becomes the envelope in the configured profile, with the
//! request id stamped in, logged once and recorded.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::http::uri::PathAndQuery;
use axum::http::{Method, header};
use axum::response::Response;
use backstop::{ApiError, Code};

use super::Shared;
use super::log::log_error;
use super::service::X_REQUEST_ID;
use crate::context::{PrincipalId, RequestId};
use crate::response::{ErrorExtension, encode_body, set_error_headers};

/// What the way out needs to know about the request.
pub(crate) struct Finish {
    pub(crate) id: RequestId,
    pub(crate) method: Method,
    pub(crate) route: Option<MatchedPath>,
    /// The raw path, when no route matched and an error could be logged or recorded.
    pub(crate) path: Option<PathAndQuery>,
    /// When the request came in; `None` when nothing could log its latency.
    pub(crate) start: Option<Instant>,
    pub(crate) shared: Arc<Shared>,
}

/// A bodiless response carrying `error` in its extensions, for the contract's own errors (413, 503,
/// 504, 500): [`Finish::finish`] always follows and encodes it once, in the configured profile.
pub(crate) fn error_response(error: ApiError) -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = error.status();
    response
        .extensions_mut()
        .insert(ErrorExtension(Arc::new(error)));
    response
}

/// Headers that describe the old body (or carry a request id of its own) and must not survive a
/// rewrite. Every other header (`Allow`, `RateLimit*`, `Set-Cookie`, a 401's own `WWW-Authenticate`,
/// ...) is kept.
const DESCRIBE_BODY: [header::HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONTENT_ENCODING,
    header::CONTENT_RANGE,
    X_REQUEST_ID,
];

impl Finish {
    fn route(&self) -> &str {
        match (&self.route, &self.path) {
            (Some(route), _) => route.as_str(),
            (None, Some(path)) => path.path(),
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

        // The response is rewritten in place: its header map and extensions are reused, only the
        // body and the headers that described it are replaced.
        let (mut parts, old_body) = response.into_parts();
        drop(old_body);
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
        parts.status = profile.status_for(&error);
        if !parts.headers.is_empty() {
            for name in DESCRIBE_BODY {
                parts.headers.remove(name);
            }
        }
        set_error_headers(
            &mut parts.headers,
            &error,
            profile,
            Some(self.id.header_value().clone()),
        );

        let principal = parts.extensions.get::<PrincipalId>().map(|p| p.0.as_str());
        let status = parts.status;
        log_error(
            &error,
            status,
            &self.method,
            self.route(),
            principal,
            self.start,
        );
        let unmatched = self.route.is_none() && *error.code() == Code::NOT_FOUND;
        if let Some(sink) = &self.shared.sink
            && (!unmatched || self.shared.record_unmatched)
        {
            sink.record_error(
                &error,
                status.as_u16(),
                self.method.as_str(),
                self.route(),
                principal,
            );
        }

        let body = encode_body(&error, profile);
        if self.shared.error_extension {
            parts.extensions.insert(ErrorExtension(Arc::new(error)));
        }
        Response::from_parts(parts, body)
    }
}
