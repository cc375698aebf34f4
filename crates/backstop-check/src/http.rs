//! Sending the probes' requests: one client (rustls, connect and total timeouts, no redirects, no pooling), bodies
//! read up to [`MAX_BODY`], transport failures in one line.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Method, StatusCode};

use crate::config::{CheckConfig, SetupError};
use crate::wire::{self, Inspection, MAX_BODY};

/// A request a probe sends.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path (with any query), starting with `/`.
    pub path: String,
    /// Whether to add the configured credential.
    pub auth: bool,
    /// Headers of its own.
    pub headers: HeaderMap,
    /// The body.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A request without body or headers of its own.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            auth: false,
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// With the configured credential.
    pub fn authed(mut self, auth: bool) -> Self {
        self.auth = auth;
        self
    }

    /// With a header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }

    /// With a body and its content type.
    pub fn body(mut self, content_type: &'static str, body: Vec<u8>) -> Self {
        self.headers
            .insert("content-type", HeaderValue::from_static(content_type));
        self.body = Some(body);
        self
    }

    /// `METHOD /path`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A response as a probe saw it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request, as `METHOD /path`.
    pub request: String,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, at most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
    /// Whether the body was longer.
    pub truncated: bool,
    /// The strict reading, for an error status (4xx, 5xx).
    pub inspection: Option<Inspection>,
}

impl Exchange {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        wire::header(&self.headers, name)
    }

    /// The code the body sent, if any.
    pub fn code(&self) -> Option<String> {
        self.inspection.as_ref().and_then(Inspection::code_upper)
    }
}

/// The HTTP client of one check run.
pub struct Http {
    client: Client,
    config: CheckConfig,
}

impl Http {
    /// A client for `config`: rustls, its timeouts, no redirects, a fresh connection per request (a server may close
    /// a connection after an error, and a pooled one would then fail the next probe).
    pub fn new(config: &CheckConfig) -> Result<Self, SetupError> {
        let client = Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .user_agent(concat!("backstop-check/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SetupError::Flag {
                flag: "client",
                why: chain(&e),
            })?;
        Ok(Http {
            client,
            config: config.clone(),
        })
    }

    /// One GET of the base URL: any HTTP answer means the API can be probed; a transport failure is the reason it
    /// cannot (unreachable, TLS, timeout).
    pub async fn preflight(&self) -> Result<(), SetupError> {
        let mut req = self.client.get(self.config.base_url.clone());
        for (n, v) in &self.config.headers {
            req = req.header(n.clone(), v.clone());
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) => Err(setup_error(&self.config, &e)),
        }
    }

    /// Sends `request` and reads the response (body up to [`MAX_BODY`]); an error status is inspected strictly.
    pub async fn send(&self, request: Request) -> Result<Exchange, String> {
        let line = request.line();
        let mut req = self
            .client
            .request(request.method.clone(), self.config.url(&request.path));
        for (n, v) in &self.config.headers {
            req = req.header(n.clone(), v.clone());
        }
        req = req.headers(request.headers);
        if request.auth
            && let Some((n, v)) = &self.config.auth
        {
            req = req.header(n.clone(), v.clone());
        }
        if let Some(b) = request.body {
            req = req.body(b);
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| format!("{line}: {}", transport(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let total = resp.content_length();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{line}: reading the body: {}", transport(&e)))?
        {
            let room = MAX_BODY - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let inspection = (status.is_client_error() || status.is_server_error())
            .then(|| wire::inspect(status, &headers, &body, truncated, total));
        Ok(Exchange {
            request: line,
            status,
            headers,
            body,
            truncated,
            inspection,
        })
    }

    /// The client, for the rate-limit burst.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The configuration.
    pub fn config(&self) -> &CheckConfig {
        &self.config
    }
}

/// Why the base URL could not be reached, as a setup error.
fn setup_error(config: &CheckConfig, e: &reqwest::Error) -> SetupError {
    let target = config.target();
    let detail = chain(e);
    let lower = detail.to_ascii_lowercase();
    if [
        "tls",
        "certificate",
        "handshake",
        "ssl",
        "corrupt message",
        "invalidcontenttype",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        SetupError::Tls {
            target,
            why: detail,
        }
    } else if e.is_timeout() {
        SetupError::Unreachable {
            target,
            why: format!("no answer within {:?}", config.timeout),
        }
    } else {
        SetupError::Unreachable {
            target,
            why: detail,
        }
    }
}

/// A transport error in one line, without the URL (whose query may carry secrets).
pub fn transport(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "the request failed"
    };
    format!("{kind} ({})", chain(e))
}

/// The innermost causes of an error, joined; without the URL.
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(e.without_url_ref_string());
    }
    parts.join(": ")
}

trait WithoutUrl {
    fn without_url_ref_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref_string(&self) -> String {
        let mut s = self.to_string();
        if let Some(u) = self.url() {
            s = s.replace(u.as_str(), "");
        }
        s
    }
}
