//! The cost of answering an error in a language other than the default (docs/CONTRACT.md §13):
//! the same router behind `Contract::new()` (the shipped catalog, English by default), driven
//! through `tower::ServiceExt::oneshot` as in `contract_overhead`, each error asked for with no
//! preference (`default_*`) and with `Accept-Language: fr-CA;q=0.9, de;q=0.5` (`fr_*`): a 404 for
//! an unknown path (the router's own), a 401 from a handler, and a 422 with three field
//! violations; `en_*` asks for the default language in a header of the same shape as the French
//! one, so that it differs from `fr_*` only in the language. The success path is measured with and without localization
//! (`hello_localizing` against `hello_as_written`, both sending `Accept-Language`): the contract
//! only copies the header for a request that might fail. Compare each `fr_*` with its
//! `default_*` from the same run (the bound: at most 1.05×).
//!
//! Wall-clock timings on a shared machine swing with its load; `localized_errors.sh` counts
//! instructions per request with callgrind instead (`LOCALIZED_LOOP=<case>:<n>` runs one case in a
//! plain loop).

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderValue, Request};
use axum::routing::get;
use backstop::{ApiError, Code};
use backstop_axum::{Contract, Error};
use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use futures_util::FutureExt;
use tower::ServiceExt;

const FRENCH: &str = "fr-CA;q=0.9, de;q=0.5";
/// The same preference naming the default language: the baseline that differs only in language.
const ENGLISH: &str = "en-GB;q=0.9, de;q=0.5";

async fn unauthenticated() -> Result<&'static str, Error> {
    Err(ApiError::new(Code::AUTHENTICATION_REQUIRED).into())
}

async fn invalid() -> Result<&'static str, Error> {
    Err(ApiError::validation()
        .with_field("email", "Enter a valid email address.")
        .with_field("name", "Ensure this field has no more than 255 characters.")
        .with_field("country", "This field is required.")
        .into())
}

fn router() -> Router {
    Router::new()
        .route("/hello", get(|| async { "Hello, world!" }))
        .route("/private", get(unauthenticated))
        .route("/invalid", get(invalid))
}

/// A request as hyper hands it over: header values are slices of the connection's read buffer
/// (a shared `Bytes`, whose clone is a reference count), not copies. Building them with
/// `HeaderValue::from_str` instead would make every clone of `Accept-Language` allocate, a cost no
/// served request has.
fn request(path: &'static str, language: Option<&'static str>) -> Request<Body> {
    thread_local! {
        static READ_BUFFER: (Bytes, Bytes) = {
            let french = Bytes::from(FRENCH.as_bytes().to_vec());
            let english = Bytes::from(ENGLISH.as_bytes().to_vec());
            // The first clone makes each buffer shared, as hyper's are by the time headers are parsed.
            (french.clone(), english.clone())
        };
    }
    let mut r = Request::get(path).header("host", "127.0.0.1");
    if let Some(language) = language {
        let value = READ_BUFFER.with(|(french, english)| {
            let bytes = if language == FRENCH { french } else { english };
            debug_assert!(language == FRENCH || language == ENGLISH);
            HeaderValue::from_maybe_shared(bytes.clone())
        });
        if let Ok(value) = value {
            r = r.header(ACCEPT_LANGUAGE, value);
        }
    }
    r.body(Body::empty()).unwrap_or_default()
}

/// One request through `app`, answered synchronously; returns the status.
fn drive(app: &Router, path: &'static str, language: Option<&'static str>) -> u16 {
    app.clone()
        .oneshot(request(path, language))
        .now_or_never()
        .map(|r| r.map(|r| r.status().as_u16()).unwrap_or(0))
        .unwrap_or(0)
}

/// The `Content-Language` of one answer, to check the setup.
fn language(app: &Router, path: &'static str, language: Option<&'static str>) -> String {
    app.clone()
        .oneshot(request(path, language))
        .now_or_never()
        .and_then(|r| r.ok())
        .and_then(|r| {
            r.headers()
                .get("content-language")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

fn localized(c: &mut Criterion) {
    let app = Contract::new().apply(router()).with_state::<()>(());
    let as_written = Contract::new()
        .without_localization()
        .apply(router())
        .with_state::<()>(());
    for path in ["/missing", "/private", "/invalid"] {
        assert_eq!(language(&app, path, None), "en", "{path}");
        assert_eq!(language(&app, path, Some(FRENCH)), "fr", "{path}");
    }
    // The steady state: the error sink's ring full, each new error replacing the oldest.
    for _ in 0..backstop_axum::MemoryErrorSink::DEFAULT_CAPACITY {
        assert_eq!(drive(&app, "/private", None), 401);
    }

    let mut group = c.benchmark_group("localized_errors");
    for (name, path) in [
        ("404", "/missing"),
        ("401", "/private"),
        ("422", "/invalid"),
    ] {
        group.bench_function(format!("default_{name}"), |b| {
            b.iter(|| black_box(drive(&app, path, None)))
        });
        group.bench_function(format!("en_{name}"), |b| {
            b.iter(|| black_box(drive(&app, path, Some(ENGLISH))))
        });
        group.bench_function(format!("fr_{name}"), |b| {
            b.iter(|| black_box(drive(&app, path, Some(FRENCH))))
        });
    }
    group.bench_function("hello_as_written", |b| {
        b.iter(|| black_box(drive(&as_written, "/hello", Some(FRENCH))))
    });
    group.bench_function("hello_localizing", |b| {
        b.iter(|| black_box(drive(&app, "/hello", Some(FRENCH))))
    });
    group.finish();
}

criterion_group!(benches, localized);

/// `LOCALIZED_LOOP=<case>:<iterations>` runs one case in a plain loop instead of criterion, for
/// `valgrind --tool=callgrind` (see `localized_errors.sh`). Cases: `default_*`, `en_*` and `fr_*`
/// for `404`, `401` and `422`, `hello_as_written`, `hello_localizing`,
/// `none` (the setup alone).
fn main() {
    if let Ok(spec) = std::env::var("LOCALIZED_LOOP") {
        let (case, n) = spec.split_once(':').unwrap_or((spec.as_str(), "10000"));
        let n: usize = n.parse().unwrap_or(10_000);
        let app = Contract::new().apply(router()).with_state::<()>(());
        let as_written = Contract::new()
            .without_localization()
            .apply(router())
            .with_state::<()>(());
        // The same setup for every case: the sink's ring full, the catalog's caches built.
        for _ in 0..backstop_axum::MemoryErrorSink::DEFAULT_CAPACITY {
            drive(&app, "/private", None);
        }
        for path in ["/missing", "/private", "/invalid"] {
            drive(&app, path, Some(FRENCH));
        }
        for _ in 0..n {
            let status = match case {
                "default_404" => drive(&app, "/missing", None),
                "en_404" => drive(&app, "/missing", Some(ENGLISH)),
                "en_401" => drive(&app, "/private", Some(ENGLISH)),
                "en_422" => drive(&app, "/invalid", Some(ENGLISH)),
                "fr_404" => drive(&app, "/missing", Some(FRENCH)),
                "default_401" => drive(&app, "/private", None),
                "fr_401" => drive(&app, "/private", Some(FRENCH)),
                "default_422" => drive(&app, "/invalid", None),
                "fr_422" => drive(&app, "/invalid", Some(FRENCH)),
                "hello_as_written" => drive(&as_written, "/hello", Some(FRENCH)),
                "hello_localizing" => drive(&app, "/hello", Some(FRENCH)),
                _ => 0,
            };
            black_box(status);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
