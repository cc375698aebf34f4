//! The way out: every error response becomes the envelope in the configured profile, with the
//! request id stamped in, logged once and recorded.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::http::uri::PathAndQuery;
use axum::http::{Method, header};
use axum::response::Response;
use backstop::headers::X_REQUEST_ID;
use backstop::trace::TraceId;
use backstop::{ApiError, Code, Profile};
use tracing::Span;

use super::Shared;
use super::foreign::decode_foreign;
use super::language::set_language_headers;
use super::log::{Logged, log_error};
use crate::context::{PrincipalId, RequestId};
use crate::response::{
    ErrorExtension, drop_default_challenge, encode_body, encode_body_with, set_error_headers,
    set_headers_for,
};

/// What the way out needs to know about the request.
pub(crate) struct Finish {
    pub(crate) id: RequestId,
    /// The trace id of the request's valid `traceparent`, if any.
    pub(crate) trace_id: Option<TraceId>,
    /// The request's `Accept-Language`, when the contract localizes.
    pub(crate) accept_language: Option<axum::http::HeaderValue>,
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

/// Removes the headers that described the old body ([`DESCRIBE_BODY`]).
fn strip_body_headers(headers: &mut axum::http::HeaderMap) {
    if !headers.is_empty() {
        for name in DESCRIBE_BODY {
            headers.remove(name);
        }
    }
}

/// The headers of a token endpoint's RFC 6749 error (docs/CONTRACT.md §7.4): JSON, never cached,
/// `Retry-After` when waiting helps, and on a 401 a `Basic` challenge unless the endpoint set its own.
fn set_oauth2_headers(
    headers: &mut axum::http::HeaderMap,
    error: &ApiError,
    request_id: axum::http::HeaderValue,
) {
    use axum::http::HeaderValue;
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Some(wait) = error.retry_after() {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(backstop::retry_after_secs(wait)),
        );
    }
    if backstop::oauth2::OAuth2Error::for_error(error)
        == backstop::oauth2::OAuth2Error::InvalidClient
        && !headers.contains_key(header::WWW_AUTHENTICATE)
    {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"backstop\""),
        );
    }
    headers.insert(X_REQUEST_ID, request_id);
}

impl Finish {
    fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_ref().map(TraceId::as_str)
    }

    fn route(&self) -> &str {
        match (&self.route, &self.path) {
            (Some(route), _) => route.as_str(),
            (None, Some(path)) => path.path(),
            (None, None) => "",
        }
    }

    /// Whether an error with `code` goes to the sink: every one, except a 404 for a path no route
    /// matched unless [`record_unmatched`](super::Contract::record_unmatched) says so.
    fn records(&self, code: &Code) -> bool {
        self.shared.sink.is_some()
            && (self.shared.record_unmatched || self.route.is_some() || *code != Code::NOT_FOUND)
    }

    /// Whether a bare error status with `code` can be answered without building its [`ApiError`]:
    /// in the canonical profile, when neither the sink nor a layer outside the contract will want
    /// the error (the log line needs only its request id and code).
    fn needs_no_error(&self, code: &Code) -> bool {
        self.shared.profile == Profile::Backstop
            && !self.shared.oauth2
            && !self.shared.error_extension
            && !self.records(code)
    }

    /// The envelope of a bare error status (the router's own 404 above all), written straight from
    /// the status and the code's `message` in the request's language (`None`: as written): the same response as the general path, without the `ApiError` (two allocations,
    /// ~360 instructions per unknown-path 404 by callgrind).
    fn finish_bare(
        self,
        mut parts: axum::http::response::Parts,
        code: &Code,
        message: Option<&str>,
        content_language: Option<axum::http::HeaderValue>,
        span: &Span,
    ) -> Response {
        span.record("error.type", code.name());
        let status = parts.status;
        let profile = self.shared.profile;
        strip_body_headers(&mut parts.headers);
        if let Some(value) = content_language {
            set_language_headers(&mut parts.headers, value);
        }
        set_headers_for(
            &mut parts.headers,
            status,
            code,
            None,
            profile,
            Some(self.id.header_value().clone()),
        );
        let principal = parts.extensions.get::<PrincipalId>().map(|p| p.0.as_str());
        let logged = Logged {
            request_id: self.id.as_str(),
            trace_id: self.trace_id(),
            code: code.name(),
            error: None,
        };
        log_error(
            logged,
            status,
            &self.method,
            self.route(),
            principal,
            self.start,
            self.shared.log_budget.as_ref(),
        );
        let at = time::OffsetDateTime::now_utc();
        let body = encode_body_with(|buf| {
            profile.encode_status_with_message_into(status, message, self.id.as_str(), at, buf);
        });
        Response::from_parts(parts, body)
    }

    /// Echoes the request id; rewrites, logs and records an error response, and records its code
    /// as `error.type` on the request's `span`.
    pub(crate) fn finish(self, mut response: Response, span: &Span) -> Response {
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
        let languages = self.shared.languages.clone();
        let lang = languages
            .as_ref()
            .map(|l| (l, l.negotiate(self.accept_language.as_ref())));
        let mut error = match parts.extensions.remove::<ErrorExtension>() {
            Some(ErrorExtension(shared)) => {
                // The old body (an unread `Error` body holds the error too) goes first, so the
                // error is ours alone and keeps its source for the log.
                drop(old_body);
                let error =
                    Arc::try_unwrap(shared).unwrap_or_else(|shared| shared.clone_without_source());
                drop_default_challenge(&mut parts.headers, &error);
                error
            }
            // The safety net: an error response in another shape. A JSON error body in a known
            // shape keeps its code, message and details (see `foreign.rs`); anything else (axum's
            // empty 404/405, a plain-text rejection of another layer) keeps its status, and the
            // catalog names it.
            None => match decode_foreign(&parts, old_body) {
                Some(error) => error,
                None => {
                    let retry_after = parts
                        .headers
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| backstop::parse_retry_after(v, std::time::SystemTime::now()));
                    if retry_after.is_none() {
                        let code = Code::for_status(parts.status);
                        // The code's message in the language: as written (the default message)
                        // in a language that needs no work, else as the catalog has it ready.
                        let bare = match lang {
                            None => Some((None, None)),
                            Some((l, lang)) if l.as_written(lang) => {
                                Some((None, Some(l.content_language(lang))))
                            }
                            Some((l, lang)) => l.catalog().code_message(lang, code.name()).map(
                                |(message, used)| (Some(message), Some(l.content_language(used))),
                            ),
                        };
                        if let Some((message, content_language)) = bare
                            && self.needs_no_error(&code)
                        {
                            return self.finish_bare(parts, &code, message, content_language, span);
                        }
                    }
                    let error = ApiError::from_status(parts.status);
                    match retry_after {
                        Some(wait) => error.with_retry_after(wait),
                        None => error,
                    }
                }
            },
        };
        error.set_request_id(self.id.as_str());
        let content_language = lang.map(|(l, lang)| {
            let keep = self.shared.error_extension || self.records(error.code());
            l.localize(&mut error, lang, keep)
        });

        let profile = self.shared.profile;
        let oauth2 = self.shared.oauth2 && backstop::oauth2::applies_to(error.status());
        strip_body_headers(&mut parts.headers);
        if oauth2 {
            set_oauth2_headers(&mut parts.headers, &error, self.id.header_value().clone());
        } else {
            parts.status = profile.status_for(&error);
            set_error_headers(
                &mut parts.headers,
                &error,
                profile,
                Some(self.id.header_value().clone()),
            );
        }

        if let Some(value) = content_language {
            set_language_headers(&mut parts.headers, value);
        }

        let principal = parts.extensions.get::<PrincipalId>().map(|p| p.0.as_str());
        let status = parts.status;
        span.record("error.type", error.code().name());
        log_error(
            Logged {
                trace_id: self.trace_id(),
                ..(&error).into()
            },
            status,
            &self.method,
            self.route(),
            principal,
            self.start,
            self.shared.log_budget.as_ref(),
        );
        if let Some(sink) = &self.shared.sink
            && self.records(error.code())
        {
            sink.record_error(
                &error,
                status.as_u16(),
                self.method.as_str(),
                self.route(),
                principal,
                self.trace_id(),
            );
        }

        let body = if oauth2 {
            let mut status = parts.status;
            let body = encode_body_with(|buf| status = backstop::oauth2::encode_into(&error, buf));
            parts.status = status;
            body
        } else {
            encode_body(&error, profile)
        };
        if self.shared.error_extension {
            parts.extensions.insert(ErrorExtension(Arc::new(error)));
        }
        Response::from_parts(parts, body)
    }
}
