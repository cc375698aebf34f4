//! The probes as data: what each sends, what it expects, which clause it checks, whether it may write.

/// One probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSpec {
    /// Its name, e.g. `unknown_route`.
    pub name: &'static str,
    /// The section of docs/CONTRACT.md it checks.
    pub clause: &'static str,
    /// Whether it may create something on the API (runs only with `--allow-writes`).
    pub writes: bool,
    /// What it sends.
    pub sends: &'static str,
    /// What it expects back.
    pub expects: &'static str,
}

macro_rules! probes {
    ($($id:ident = $name:literal, $clause:literal, $writes:literal, $sends:literal, $expects:literal;)*) => {
        $(
            #[doc = concat!("`", $name, "`, expects: `", $expects, "`")]
            pub const $id: ProbeSpec = ProbeSpec {
                name: $name,
                clause: $clause,
                writes: $writes,
                sends: $sends,
                expects: $expects,
            };
        )*
        /// Every probe, in the order they run (the rate-limit burst last but the two that only read what the
        /// others saw: it spends the budget the others need).
        pub const ALL: &[ProbeSpec] = &[$($id),*];
    };
}

probes! {
    REQUEST_ID_ECHOED = "request_id_echoed", "4", false,
        "GET of a public route (else an unknown path) with a valid X-Request-Id",
        "the same X-Request-Id back";
    REQUEST_ID_REPLACED = "request_id_replaced", "4", false,
        "two GETs with invalid X-Request-Id values (CR/LF-like text, 1 KiB)",
        "a fresh valid X-Request-Id, never the value sent, no injected header";
    UNKNOWN_ROUTE = "unknown_route", "3.1", false,
        "GET /backstop-check-<random>, without credentials",
        "404 NOT_FOUND";
    LANGUAGES = "languages", "13", false,
        "GET /backstop-check-<random> with Accept-Language: fr, de;q=0.5, then with a malformed Accept-Language",
        "the error in French or German with Content-Language and Vary: Accept-Language (advice when not: a recommendation); the malformed header answered as if absent, never with an error of its own";
    UNKNOWN_RESOURCE = "unknown_resource", "3.1", false,
        "GET of a route with parameters, each a random id no resource has",
        "404 NOT_FOUND, RESOURCE_NOT_FOUND or <RESOURCE>_NOT_FOUND (400/422 for a malformed id)";
    WRONG_METHOD = "wrong_method", "3.1", false,
        "DELETE or PATCH on a route with parameters (random ids) whose document does not declare it; else a method an OPTIONS Allow leaves out",
        "405 METHOD_NOT_ALLOWED with Allow";
    MISSING_CREDENTIALS = "missing_credentials", "7.2", false,
        "GET of a route that needs credentials, without any",
        "401 AUTHENTICATION_REQUIRED with WWW-Authenticate";
    GARBAGE_TOKEN = "garbage_token", "7.3", false,
        "GET of a route that needs credentials, with Authorization: Bearer <garbage>",
        "401 INVALID_TOKEN, INVALID_API_KEY or AUTHENTICATION_FAILED with WWW-Authenticate: Bearer error=\"invalid_token\"";
    MALFORMED_JSON = "malformed_json", "3.1", true,
        "POST of broken JSON to the create route",
        "400 INVALID_FORMAT";
    WRONG_CONTENT_TYPE = "wrong_content_type", "3.1", true,
        "POST of text/plain to the create route",
        "415 UNSUPPORTED_MEDIA_TYPE";
    VALIDATION = "validation", "5", true,
        "POST of a JSON body of the wrong shape (every field of the OpenAPI request schema or --post-body given the wrong type; else {})",
        "422 VALIDATION_ERROR naming every offending field";
    OVERSIZED_BODY = "oversized_body", "3.1", true,
        "POSTs of JSON bodies just over 1, 2, 4 and 8 MiB, up to --oversize-bytes, until a 413",
        "413 PAYLOAD_TOO_LARGE";
    IDEMPOTENCY_REPLAY = "idempotency_replay", "9.2", true,
        "the same POST (--post-body, else {}) twice with one Idempotency-Key",
        "the second is a replay: same status, Idempotent-Replayed: true";
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch", "9.3", true,
        "a third POST with that key and another body",
        "422 IDEMPOTENCY_KEY_MISMATCH";
    RATE_LIMIT = "rate_limit", "8.1", false,
        "up to --max-requests GETs of a route the API limits (a 429 in the document, else an API route; never a health check), stopping at the first 429",
        "429 RATE_LIMIT_EXCEEDED with Retry-After, RateLimit and RateLimit-Policy";
    ERROR_ENVELOPES = "error_envelopes", "2.1", false,
        "nothing: reads every error response the other probes got",
        "an envelope of one profile with its members: code, message, request_id = X-Request-Id, RFC 3339 timestamp";
    NO_LEAKS = "no_leaks", "2.1", false,
        "nothing: reads every error response the other probes got (up to 1 MiB each)",
        "no stack trace, file path, debug page, SQL or driver error, echoed input, or body over 1 MiB";
}

/// The probe list for `--help`: name, clause, whether it writes, what it sends and expects.
pub fn help() -> String {
    let mut out = String::from(
        "Probes (run in this order; [writes] ones only with --allow-writes, as they may create a record):\n",
    );
    for p in ALL {
        out.push_str(&format!(
            "  {} (docs/CONTRACT.md §{}){}\n      sends: {}\n      expects: {}\n",
            p.name,
            p.clause,
            if p.writes { " [writes]" } else { "" },
            p.sends,
            p.expects
        ));
    }
    out.push_str(
        "\nExit status: 0 no violation, 1 violations found, 2 the check could not start (bad URL or flag, \
         unreachable host, TLS failure, unreadable --openapi).",
    );
    out
}
