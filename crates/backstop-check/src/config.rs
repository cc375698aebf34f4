//! What to probe and how hard, and what stops a check before it starts.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use crate::routes::Routes;

/// What to probe and how hard.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The API's base URL (`http://` or `https://`, no query).
    pub base_url: Url,
    /// The routes to use.
    pub routes: Routes,
    /// A credential header (`Authorization: Bearer …`, `X-API-Key: …`) for the probes that need one; never
    /// printed, and withheld from the credential probes.
    pub auth: Option<(HeaderName, HeaderValue)>,
    /// Headers sent with every request (`--header`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// A JSON body the POST route accepts: the idempotency probes send it, the validation probe breaks its shape.
    pub post_body: Option<Value>,
    /// Whether probes that may create something run (`--allow-writes`).
    pub allow_writes: bool,
    /// The most requests the rate-limit probe sends.
    pub max_requests: u32,
    /// The largest body the oversize probe sends.
    pub oversize_bytes: usize,
    /// The time limit to connect (TCP and TLS).
    pub connect_timeout: Duration,
    /// The time limit of each request, start to end.
    pub timeout: Duration,
}

/// The check could not start: a bad URL or flag, an unreachable host, a TLS failure, an unreadable document.
/// Shown as one line; the CLI exits 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// The base URL is not an absolute http(s) URL.
    #[error("bad URL {url:?}: {why}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// A flag's value is unusable.
    #[error("{flag}: {why}")]
    Flag {
        /// The flag.
        flag: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// The OpenAPI document could not be read.
    #[error("--openapi {source_name}: {why}")]
    OpenApi {
        /// The URL or path given.
        source_name: String,
        /// What went wrong.
        why: String,
    },
    /// The host could not be reached (DNS, refused, timeout).
    #[error("cannot reach {target}: {why}")]
    Unreachable {
        /// host:port.
        target: String,
        /// What went wrong.
        why: String,
    },
    /// The TLS handshake failed.
    #[error("TLS with {target} failed: {why}")]
    Tls {
        /// host:port.
        target: String,
        /// What went wrong.
        why: String,
    },
}

impl CheckConfig {
    /// Defaults for `base_url`: no routes, no credentials, no writes, 200 requests, 12 MiB, 5 s to connect, 10 s a
    /// request.
    pub fn new(base_url: &str) -> Result<Self, SetupError> {
        Ok(CheckConfig {
            base_url: parse_base_url(base_url)?,
            routes: Routes::default(),
            auth: None,
            headers: Vec::new(),
            post_body: None,
            allow_writes: false,
            max_requests: 200,
            oversize_bytes: 12 * 1024 * 1024,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        })
    }

    /// The URL of `path` (which starts with `/`) under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }

    /// `host:port` of the base URL, for messages.
    pub fn target(&self) -> String {
        format!(
            "{}:{}",
            self.base_url.host_str().unwrap_or("?"),
            self.base_url.port_or_known_default().unwrap_or(0)
        )
    }
}

/// An absolute `http://` or `https://` URL with a host and no query or fragment.
pub fn parse_base_url(raw: &str) -> Result<Url, SetupError> {
    let bad = |why: &str| SetupError::Url {
        url: raw.to_owned(),
        why: why.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL has no query or fragment"));
    }
    Ok(url)
}

/// A header given as `Name: value`. The value is marked sensitive (never shown in Debug output).
pub fn parse_header(raw: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| "expected `Name: value`".to_owned())?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("bad header name {:?}", name.trim()))?;
    let mut value =
        HeaderValue::from_str(value.trim()).map_err(|_| "bad header value".to_owned())?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// A route given as a flag: an absolute path.
pub fn check_route(flag: &'static str, path: &str) -> Result<(), SetupError> {
    if !path.starts_with('/') {
        return Err(SetupError::Flag {
            flag,
            why: format!("{path:?} is not a path: a route starts with /"),
        });
    }
    if path.contains(['?', '#', ' ']) {
        return Err(SetupError::Flag {
            flag,
            why: format!("{path:?}: a route has no query, fragment or spaces"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        assert!(CheckConfig::new("http://127.0.0.1:8080").is_ok());
        assert!(CheckConfig::new("https://api.example.com/v2/").is_ok());
        for bad in [
            "127.0.0.1:8080",
            "ftp://x",
            "http://",
            "http://x/?a=1",
            "not a url",
        ] {
            assert!(
                matches!(CheckConfig::new(bad), Err(SetupError::Url { .. })),
                "{bad}"
            );
        }
        assert!(check_route("--get-route", "items/1").is_err());
        assert!(check_route("--get-route", "/items/1").is_ok());
    }
}
