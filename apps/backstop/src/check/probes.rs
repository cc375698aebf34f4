//! The probes. Each sends a bounded number of requests and returns one verdict.

use std::time::{Duration, SystemTime};

use backstop::{is_valid_request_id, parse_retry_after};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Client, Method, StatusCode};

use super::CheckConfig;
use super::inspect::{MAX_BODY, Seen};
use super::report::ProbeResult;

/// Runs the probes and remembers every error response for the envelope-wide checks.
pub struct Prober {
    config: CheckConfig,
    client: Client,
    errors: Vec<Seen>,
}

type Outcome = Result<Seen, String>;

const PROBES: usize = 14;

impl Prober {
    pub fn new(config: CheckConfig) -> Self {
        let client = Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A fresh connection per request: a server may close a connection after an error (413
            // without reading the body), and a pooled one would then fail the next probe.
            .pool_max_idle_per_host(0)
            .build()
            .unwrap_or_default();
        Prober {
            config,
            client,
            errors: Vec::new(),
        }
    }

    pub async fn run_all(
        mut self,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> Vec<ProbeResult> {
        let mut out = Vec::with_capacity(PROBES);
        macro_rules! step {
            ($name:literal, $call:expr) => {{
                progress(out.len() + 1, PROBES, $name);
                out.push($call);
            }};
        }
        step!("request_id_echoed", self.request_id_echoed().await);
        step!(
            "request_id_crlf_replaced",
            self.request_id_replaced(
                "request_id_crlf_replaced",
                "evil%0d%0aSet-Cookie: x=1\tinjected"
            )
            .await
        );
        step!(
            "request_id_1kb_replaced",
            self.request_id_replaced("request_id_1kb_replaced", &"a".repeat(1024))
                .await
        );
        step!("unknown_route", self.unknown_route().await);
        step!("wrong_method", self.wrong_method().await);
        step!("malformed_json", self.malformed_json().await);
        step!("wrong_content_type", self.wrong_content_type().await);
        step!("oversized_body", self.oversized_body().await);
        step!("missing_credentials", self.missing_credentials().await);
        step!("garbage_token", self.garbage_token().await);
        let (replay, mismatch) = self.idempotency().await;
        step!("idempotency_replay", replay);
        step!("idempotency_mismatch", mismatch);
        // Last: it spends the rate budget the other probes need.
        step!("rate_limit", self.rate_limit().await);
        step!("error_envelopes", self.error_envelopes());
        out
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        with_auth: bool,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Outcome {
        let url = format!("{}{}", self.config.base_url, path);
        let mut req = self.client.request(method.clone(), &url).headers(headers);
        if with_auth && let Some((name, value)) = &self.config.auth {
            req = req.header(name.clone(), value.clone());
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let request = format!("{method} {path}");
        let mut resp = req
            .send()
            .await
            .map_err(|e| format!("{request}: {}", transport(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{request}: reading the body: {}", transport(&e)))?
        {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
        let seen = Seen {
            request,
            status,
            headers,
            body,
        };
        if status.is_client_error() || status.is_server_error() {
            self.errors.push(Seen {
                request: seen.request.clone(),
                status,
                headers: seen.headers.clone(),
                body: seen.body.clone(),
            });
        }
        Ok(seen)
    }

    async fn request_id_echoed(&mut self) -> ProbeResult {
        let id = format!("check-{}", uuid::Uuid::now_v7().simple());
        let mut h = HeaderMap::new();
        h.insert(
            "x-request-id",
            HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("check-1")),
        );
        let path = self.plain_path();
        match self.send(Method::GET, &path, true, h, None).await {
            Err(e) => fail("request_id_echoed", e),
            Ok(seen) => {
                let mut v = Vec::new();
                match seen.header("x-request-id") {
                    Some(got) if got == id => {}
                    Some(got) => v.push(format!("sent X-Request-Id {id}, got back {got}")),
                    None => v.push("no X-Request-Id on the response".to_owned()),
                }
                ProbeResult::verdict(
                    "request_id_echoed",
                    "a valid incoming X-Request-Id is echoed",
                    v,
                    Some(seen.evidence()),
                )
            }
        }
    }

    async fn request_id_replaced(&mut self, probe: &'static str, bad: &str) -> ProbeResult {
        let Ok(value) = HeaderValue::from_str(bad) else {
            return ProbeResult::skip(probe, "the id cannot be sent as a header value");
        };
        let mut h = HeaderMap::new();
        h.insert("x-request-id", value);
        let path = self.plain_path();
        match self.send(Method::GET, &path, true, h, None).await {
            Err(e) => fail(probe, e),
            Ok(seen) => {
                let mut v = Vec::new();
                match seen.header("x-request-id") {
                    Some(got) if got == bad => {
                        v.push("the invalid X-Request-Id was echoed back".to_owned())
                    }
                    Some(got) if !is_valid_request_id(got) => v.push(format!(
                        "the replacement id {got:?} is not a valid request id"
                    )),
                    Some(_) => {}
                    None => v.push("no X-Request-Id on the response".to_owned()),
                }
                if seen.headers.contains_key("set-cookie") && bad.contains("Set-Cookie") {
                    v.push("a header was injected through the request id".to_owned());
                }
                ProbeResult::verdict(
                    probe,
                    "an invalid incoming id is replaced by a fresh one",
                    v,
                    Some(seen.evidence()),
                )
            }
        }
    }

    async fn unknown_route(&mut self) -> ProbeResult {
        let path = format!("/backstop-check-{}", uuid::Uuid::now_v7().simple());
        match self
            .send(Method::GET, &path, false, HeaderMap::new(), None)
            .await
        {
            Err(e) => fail("unknown_route", e),
            Ok(seen) => {
                let mut v = expect_status(&seen, &[StatusCode::NOT_FOUND]);
                match seen.code() {
                    Some(code) if code == "NOT_FOUND" || code.ends_with("_NOT_FOUND") => {}
                    Some(code) => v.push(format!("code {code}, expected NOT_FOUND")),
                    None => v.push("no error envelope, expected code NOT_FOUND".to_owned()),
                }
                ProbeResult::verdict(
                    "unknown_route",
                    "404 NOT_FOUND envelope",
                    v,
                    Some(seen.evidence()),
                )
            }
        }
    }

    async fn wrong_method(&mut self) -> ProbeResult {
        let Some((route, method)) = self.config.routes.with_undeclared_method() else {
            return ProbeResult::skip(
                "wrong_method",
                "no known route (give --openapi or --get-route/--post-route)",
            );
        };
        let path = route.path.clone();
        let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::DELETE);
        match self
            .send(method, &path, true, json_headers(), Some(b"{}".to_vec()))
            .await
        {
            Err(e) => fail("wrong_method", e),
            Ok(seen) => {
                let mut v = expect_status(&seen, &[StatusCode::METHOD_NOT_ALLOWED]);
                if seen.status == StatusCode::METHOD_NOT_ALLOWED
                    && seen.header("allow").is_none_or(str::is_empty)
                {
                    v.push("405 without an Allow header".to_owned());
                }
                expect_code(&seen, &["METHOD_NOT_ALLOWED"], &mut v);
                ProbeResult::verdict(
                    "wrong_method",
                    "405 METHOD_NOT_ALLOWED with Allow",
                    v,
                    Some(seen.evidence()),
                )
            }
        }
    }

    async fn post_probe(
        &mut self,
        probe: &'static str,
        headers: HeaderMap,
        body: Vec<u8>,
        status: StatusCode,
        codes: &[&str],
        passed: &str,
    ) -> ProbeResult {
        let Some(route) = self.config.routes.post().cloned() else {
            return ProbeResult::skip(
                probe,
                "no POST route known (give --openapi or --post-route)",
            );
        };
        match self
            .send(Method::POST, &route.path, true, headers, Some(body))
            .await
        {
            Err(e) => fail(probe, e),
            Ok(seen) => {
                if route.secured
                    && self.config.auth.is_none()
                    && seen.status == StatusCode::UNAUTHORIZED
                {
                    return ProbeResult::skip(
                        probe,
                        "the POST route needs credentials (give --auth-header)",
                    );
                }
                let mut v = expect_status(&seen, &[status]);
                expect_code(&seen, codes, &mut v);
                ProbeResult::verdict(probe, passed, v, Some(seen.evidence()))
            }
        }
    }

    async fn malformed_json(&mut self) -> ProbeResult {
        self.post_probe(
            "malformed_json",
            json_headers(),
            br#"{"broken": "#.to_vec(),
            StatusCode::BAD_REQUEST,
            &["INVALID_FORMAT"],
            "400 INVALID_FORMAT for bad JSON syntax",
        )
        .await
    }

    async fn wrong_content_type(&mut self) -> ProbeResult {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        self.post_probe(
            "wrong_content_type",
            h,
            b"hello".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &["UNSUPPORTED_MEDIA_TYPE"],
            "415 UNSUPPORTED_MEDIA_TYPE for text/plain",
        )
        .await
    }

    /// Sends bodies of growing size until one gets 413: a server that answers 413 and closes before
    /// the upload ends can break the pipe under a body far over its limit, so the probe starts just
    /// over the common limits (1, 2, 4, 8 MiB) and stops at `--oversize-bytes`.
    async fn oversized_body(&mut self) -> ProbeResult {
        const PROBE: &str = "oversized_body";
        let Some(route) = self.config.routes.post().cloned() else {
            return ProbeResult::skip(
                PROBE,
                "no POST route known (give --openapi or --post-route)",
            );
        };
        let max = self.config.oversize_bytes;
        let mut sizes: Vec<usize> = [1usize, 2, 4, 8]
            .iter()
            .map(|mib| mib * 1024 * 1024 + 1024)
            .filter(|n| *n < max)
            .collect();
        sizes.push(max);
        let mut last = String::new();
        for n in sizes {
            let mut body = Vec::with_capacity(n + 16);
            body.extend_from_slice(br#"{"pad":""#);
            body.resize(n, b'a');
            body.extend_from_slice(br#""}"#);
            match self
                .send(Method::POST, &route.path, true, json_headers(), Some(body))
                .await
            {
                Ok(seen) if seen.status == StatusCode::PAYLOAD_TOO_LARGE => {
                    let mut v = Vec::new();
                    expect_code(&seen, &["PAYLOAD_TOO_LARGE"], &mut v);
                    return ProbeResult::verdict(
                        PROBE,
                        format!("413 PAYLOAD_TOO_LARGE at {n} bytes"),
                        v,
                        Some(seen.evidence()),
                    );
                }
                Ok(seen)
                    if route.secured
                        && self.config.auth.is_none()
                        && seen.status == StatusCode::UNAUTHORIZED =>
                {
                    return ProbeResult::skip(
                        PROBE,
                        "the POST route needs credentials (give --auth-header)",
                    );
                }
                Ok(seen) => last = format!("{n} bytes got {}", seen.status.as_u16()),
                Err(e) => last = format!("{n} bytes: {e}"),
            }
        }
        fail(
            PROBE,
            format!("no 413 for bodies up to {max} bytes (last: {last})"),
        )
    }

    async fn missing_credentials(&mut self) -> ProbeResult {
        let Some(route) = self.config.routes.secured().cloned() else {
            return ProbeResult::skip("missing_credentials", "no route known to need credentials");
        };
        let method = if route.methods.iter().any(|m| m == "GET") {
            Method::GET
        } else {
            Method::POST
        };
        match self
            .send(method, &route.path, false, json_headers(), None)
            .await
        {
            Err(e) => fail("missing_credentials", e),
            Ok(seen) => {
                let mut v = expect_status(&seen, &[StatusCode::UNAUTHORIZED]);
                expect_code(&seen, &["AUTHENTICATION_REQUIRED"], &mut v);
                if seen.status == StatusCode::UNAUTHORIZED
                    && seen.header("www-authenticate").is_none()
                {
                    v.push("401 without WWW-Authenticate".to_owned());
                }
                ProbeResult::verdict(
                    "missing_credentials",
                    "401 AUTHENTICATION_REQUIRED with WWW-Authenticate",
                    v,
                    Some(seen.evidence()),
                )
            }
        }
    }

    async fn garbage_token(&mut self) -> ProbeResult {
        let Some(route) = self.config.routes.secured().cloned() else {
            return ProbeResult::skip("garbage_token", "no route known to need credentials");
        };
        let method = if route.methods.iter().any(|m| m == "GET") {
            Method::GET
        } else {
            Method::POST
        };
        let mut h = json_headers();
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer backstop-check.garbage.token"),
        );
        match self.send(method, &route.path, false, h, None).await {
            Err(e) => fail("garbage_token", e),
            Ok(seen) => {
                let mut v = expect_status(&seen, &[StatusCode::UNAUTHORIZED]);
                expect_code(
                    &seen,
                    &["INVALID_TOKEN", "INVALID_API_KEY", "AUTHENTICATION_FAILED"],
                    &mut v,
                );
                match seen.header("www-authenticate") {
                    Some(c) if c.contains("invalid_token") => {}
                    Some(c) => v.push(format!(
                        "WWW-Authenticate {c:?} lacks error=\"invalid_token\""
                    )),
                    None if seen.status == StatusCode::UNAUTHORIZED => {
                        v.push("401 without WWW-Authenticate".to_owned())
                    }
                    None => {}
                }
                ProbeResult::verdict(
                    "garbage_token",
                    "401 INVALID_TOKEN with WWW-Authenticate: Bearer error=\"invalid_token\"",
                    v,
                    Some(seen.evidence()),
                )
            }
        }
    }

    async fn idempotency(&mut self) -> (ProbeResult, ProbeResult) {
        let Some(route) = self.config.routes.post().cloned() else {
            let why = "no POST route known (give --openapi or --post-route)";
            return (
                ProbeResult::skip("idempotency_replay", why),
                ProbeResult::skip("idempotency_mismatch", why),
            );
        };
        if route.secured && self.config.auth.is_none() {
            let why = "the POST route needs credentials (give --auth-header)";
            return (
                ProbeResult::skip("idempotency_replay", why),
                ProbeResult::skip("idempotency_mismatch", why),
            );
        }
        let key = format!("backstop-check-{}", uuid::Uuid::now_v7().simple());
        let body = self
            .config
            .post_body
            .clone()
            .unwrap_or_else(|| "{}".to_owned())
            .into_bytes();
        let mut h = json_headers();
        h.insert(
            "idempotency-key",
            HeaderValue::from_str(&key).unwrap_or(HeaderValue::from_static("k")),
        );
        let first = self
            .send(
                Method::POST,
                &route.path,
                true,
                h.clone(),
                Some(body.clone()),
            )
            .await;
        let second = self
            .send(
                Method::POST,
                &route.path,
                true,
                h.clone(),
                Some(body.clone()),
            )
            .await;
        let replay = match (first, second) {
            (Err(e), _) | (_, Err(e)) => fail("idempotency_replay", e),
            (Ok(a), Ok(b)) => {
                let mut v = Vec::new();
                if a.status.is_server_error() || a.status == StatusCode::TOO_MANY_REQUESTS {
                    v.push(format!(
                        "the first POST got {}, which is not stored; cannot test the replay",
                        a.status.as_u16()
                    ));
                } else {
                    if b.header("idempotent-replayed") != Some("true") {
                        v.push("the repeat lacks Idempotent-Replayed: true".to_owned());
                    }
                    if a.status != b.status {
                        v.push(format!(
                            "first got {}, repeat got {}",
                            a.status.as_u16(),
                            b.status.as_u16()
                        ));
                    }
                }
                ProbeResult::verdict(
                    "idempotency_replay",
                    "the repeat is a replay with Idempotent-Replayed: true",
                    v,
                    Some(b.evidence()),
                )
            }
        };
        let mut other = body.clone();
        other.extend_from_slice(b" ");
        let other = if body == b"{}" {
            br#"{"backstop_check":1}"#.to_vec()
        } else {
            other
        };
        let mismatch = match self
            .send(Method::POST, &route.path, true, h, Some(other))
            .await
        {
            Err(e) => fail("idempotency_mismatch", e),
            Ok(seen) => {
                let mut v = expect_status(&seen, &[StatusCode::UNPROCESSABLE_ENTITY]);
                expect_code(&seen, &["IDEMPOTENCY_KEY_MISMATCH"], &mut v);
                ProbeResult::verdict(
                    "idempotency_mismatch",
                    "422 IDEMPOTENCY_KEY_MISMATCH for another body",
                    v,
                    Some(seen.evidence()),
                )
            }
        };
        (replay, mismatch)
    }

    async fn rate_limit(&mut self) -> ProbeResult {
        let (path, with_auth) = match (self.config.routes.secured(), &self.config.auth) {
            (Some(r), Some(_)) if r.methods.iter().any(|m| m == "GET") => (r.path.clone(), true),
            _ => (self.plain_path(), false),
        };
        let max = self.config.max_requests;
        let mut saw_fields_on_success = false;
        let mut sent = 0;
        while sent < max {
            let batch = (max - sent).min(16);
            let url = format!("{}{}", self.config.base_url, path);
            let mut tasks = Vec::with_capacity(batch as usize);
            for _ in 0..batch {
                let mut req = self.client.get(&url);
                if with_auth && let Some((n, v)) = &self.config.auth {
                    req = req.header(n.clone(), v.clone());
                }
                tasks.push(tokio::spawn(async move {
                    let r = req.send().await.ok()?;
                    Some((r.status(), r.headers().clone()))
                }));
            }
            sent += batch;
            for t in tasks {
                if let Ok(Some((status, headers))) = t.await
                    && status.is_success()
                    && headers.contains_key("ratelimit")
                    && headers.contains_key("ratelimit-policy")
                {
                    saw_fields_on_success = true;
                }
            }
            // Look at one limited response in full.
            let seen = match self
                .send(Method::GET, &path, with_auth, HeaderMap::new(), None)
                .await
            {
                Ok(s) => s,
                Err(e) => return fail("rate_limit", e),
            };
            sent += 1;
            if seen.status.is_success() && seen.headers.contains_key("ratelimit") {
                saw_fields_on_success = true;
            }
            if seen.status == StatusCode::TOO_MANY_REQUESTS {
                let mut v = Vec::new();
                expect_code(&seen, &["RATE_LIMIT_EXCEEDED"], &mut v);
                match seen.header("retry-after") {
                    None => v.push("429 without Retry-After".to_owned()),
                    Some(r) if parse_retry_after(r, SystemTime::now()).is_none() => v.push(
                        format!("Retry-After {r:?} is neither seconds nor an HTTP-date"),
                    ),
                    _ => {}
                }
                for h in ["ratelimit", "ratelimit-policy"] {
                    if !seen.headers.contains_key(h) {
                        v.push(format!("429 without {h}"));
                    }
                }
                if with_auth && !saw_fields_on_success {
                    v.push(
                        "successful responses carry no RateLimit / RateLimit-Policy fields"
                            .to_owned(),
                    );
                }
                return ProbeResult::verdict(
                    "rate_limit",
                    format!(
                        "429 RATE_LIMIT_EXCEEDED after {sent} requests, with Retry-After and RateLimit fields"
                    ),
                    v,
                    Some(seen.evidence()),
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        ProbeResult::verdict(
            "rate_limit",
            "",
            vec![format!(
                "no 429 after {sent} requests to {path} (raise --max-requests if the quota is larger)"
            )],
            None,
        )
    }

    fn error_envelopes(&self) -> ProbeResult {
        let mut v = Vec::new();
        let mut evidence = None;
        for seen in &self.errors {
            let found = seen.envelope_violations();
            if !found.is_empty() {
                if evidence.is_none() {
                    evidence = Some(seen.evidence());
                }
                v.push(format!(
                    "{} ({}): {}",
                    seen.request,
                    seen.status.as_u16(),
                    found.join(", ")
                ));
            }
        }
        v.dedup();
        ProbeResult::verdict(
            "error_envelopes",
            format!(
                "all {} error responses: envelope, Content-Type, request_id = X-Request-Id, no leaks",
                self.errors.len()
            ),
            v,
            evidence,
        )
    }

    /// A path any client may GET: a public GET route, or else a path that does not exist.
    fn plain_path(&self) -> String {
        self.config
            .routes
            .get(Some(false))
            .map(|r| r.path.clone())
            .unwrap_or_else(|| "/backstop-check-probe".to_owned())
    }
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h
}

fn expect_status(seen: &Seen, want: &[StatusCode]) -> Vec<String> {
    if want.contains(&seen.status) {
        Vec::new()
    } else {
        let want: Vec<String> = want.iter().map(|s| s.as_u16().to_string()).collect();
        vec![format!(
            "got {}, expected {}",
            seen.status.as_u16(),
            want.join(" or ")
        )]
    }
}

fn expect_code(seen: &Seen, codes: &[&str], v: &mut Vec<String>) {
    if !(seen.status.is_client_error() || seen.status.is_server_error()) {
        return;
    }
    match seen.code() {
        Some(c) if codes.contains(&c.as_str()) => {}
        Some(c) => v.push(format!("code {c}, expected {}", codes.join(" or "))),
        None => v.push(format!(
            "no error envelope, expected code {}",
            codes.join(" or ")
        )),
    }
}

fn fail(probe: &'static str, why: String) -> ProbeResult {
    ProbeResult::verdict(probe, "", vec![why], None)
}

/// A transport error in one line, without the URL's query (which may carry secrets).
fn transport(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "the request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({detail})")
    }
}
