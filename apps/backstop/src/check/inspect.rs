//! What every error response must get right, whatever probe produced it: a JSON envelope of one of the
//! contract's profiles with the right `Content-Type`, a `request_id` equal to `X-Request-Id`, and no leaks.

use backstop::{ApiError, Detected, decode_detailed};
use reqwest::header::HeaderMap;

use super::report::Evidence;

/// A response, read whole (bounded) so several checks can look at it.
pub struct Seen {
    /// The request, as `METHOD path`.
    pub request: String,
    /// The status.
    pub status: reqwest::StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body (at most [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
}

/// The most of a body a probe reads.
pub const MAX_BODY: usize = 64 * 1024;

/// Headers worth showing as evidence.
const SHOWN: [&str; 9] = [
    "content-type",
    "x-request-id",
    "allow",
    "retry-after",
    "www-authenticate",
    "ratelimit",
    "ratelimit-policy",
    "idempotent-replayed",
    "content-length",
];

/// Substrings that betray internals in an error body: stack traces, panics, SQL, file paths, drivers.
const LEAKS: [&str; 19] = [
    "panicked at",
    "stack backtrace",
    "traceback (most recent call last)",
    "at java.",
    "exception in thread",
    "select * from",
    "insert into",
    "delete from",
    "syntax error at or near",
    "sqlstate",
    "sqlx::",
    "postgres://",
    "mysql://",
    "src/main.rs",
    ".rs:",
    "/home/",
    "/usr/src/",
    "/var/www/",
    "c:\\",
];

impl Seen {
    /// The evidence to show for this response.
    pub fn evidence(&self) -> Evidence {
        let headers = SHOWN
            .iter()
            .filter_map(|h| {
                self.headers.get(*h).map(|v| {
                    (
                        h.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
            })
            .collect();
        let excerpt: String = String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        Evidence {
            request: self.request.clone(),
            status: self.status.as_u16(),
            headers,
            body_excerpt: excerpt,
        }
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Decodes the body as the contract's error, saying which shape it had.
    pub fn decoded(&self) -> (ApiError, Detected) {
        decode_detailed(self.status, Some(&self.headers), &self.body)
    }

    /// Every way this error response breaks the contract's envelope rules (§1, §3).
    pub fn envelope_violations(&self) -> Vec<String> {
        let mut v = Vec::new();
        let ct = self.header("content-type").unwrap_or("");
        let (error, detected) = self.decoded();
        match detected {
            Detected::Profile(profile) => {
                let want = profile.content_type();
                if !ct.starts_with(want) && !ct.starts_with("application/json") {
                    v.push(format!("Content-Type is {ct:?}, expected {want}"));
                }
            }
            Detected::Empty => v.push("empty error body".to_owned()),
            Detected::NotJson => v.push(format!("error body is not JSON (Content-Type {ct:?})")),
            Detected::UnknownJson => {
                v.push("error body is JSON but not an error envelope".to_owned())
            }
            Detected::Provider(p) => v.push(format!(
                "error body has {p:?}'s error shape, not one of the contract's profiles"
            )),
            _ => v.push("error body is not an error envelope".to_owned()),
        }
        if matches!(detected, Detected::Profile(_)) {
            let header_id = self.header("x-request-id");
            match (error.request_id(), header_id) {
                (_, None) => v.push("no X-Request-Id header".to_owned()),
                (None, Some(_)) => v.push("no request_id in the error body".to_owned()),
                (Some(body), Some(hdr)) if body != hdr => v.push(format!(
                    "request_id in the body ({body}) differs from X-Request-Id ({hdr})"
                )),
                _ => {}
            }
        }
        v.extend(self.leaks());
        v
    }

    /// Internals found in the body.
    pub fn leaks(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.body).to_ascii_lowercase();
        LEAKS
            .iter()
            .filter(|needle| text.contains(*needle))
            .map(|needle| format!("body leaks internals ({needle:?})"))
            .collect()
    }

    /// The decoded code, if the body was an envelope.
    pub fn code(&self) -> Option<String> {
        match self.decoded() {
            (e, Detected::Profile(_)) => Some(e.code().name().to_owned()),
            _ => None,
        }
    }
}
