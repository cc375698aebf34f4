//! Pins docs/CONTRACT.md §4 (trace context) and §12: a valid W3C `traceparent` puts its trace id
//! next to the request id in the request span, the error log line and the error record; the error's
//! code is the span's OpenTelemetry `error.type`. The request id rule does not change.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use backstop::ApiError;
use backstop_axum::{Contract, Error, ErrorSink, MemoryErrorSink, PrincipalId};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

async fn forbidden() -> Response {
    let mut resp = Error(ApiError::new(backstop::Code::PERMISSION_DENIED)).into_response();
    resp.extensions_mut().insert(PrincipalId("key_42".into()));
    resp
}

#[tokio::test]
async fn a_traceparent_is_logged_and_recorded_next_to_the_request_id() {
    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);

    let sink = Arc::new(MemoryErrorSink::new(16));
    let app = Contract::new().error_sink(sink.clone()).apply(
        Router::new()
            .route("/invoices/{id}", get(forbidden))
            .route("/ok", get(|| async { "fine" })),
    );
    let addr = common::serve(app).await;
    let send = |path: &str, request_id: &str, traceparent: Option<String>| {
        let mut req = common::client()
            .get(format!("http://{addr}{path}"))
            .header("x-request-id", request_id);
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        req.send()
    };

    // A valid traceparent: the request id is still the client's own, the trace id goes next to it.
    let resp = send(
        "/invoices/9",
        "req-traced",
        Some(format!("00-{TRACE}-00f067aa0ba902b7-01")),
    )
    .await
    .unwrap();
    let (headers, _) = common::envelope(resp, 403, "PERMISSION_DENIED").await;
    assert_eq!(headers["x-request-id"], "req-traced");
    let record = sink.lookup_for("req-traced", "key_42").await.unwrap();
    assert_eq!(record.trace_id.as_deref(), Some(TRACE));

    // A malformed one (uppercase hex) and none at all: no trace id anywhere.
    let resp = send(
        "/invoices/9",
        "req-bad-trace",
        Some(format!("00-{}-00f067aa0ba902b7-01", TRACE.to_uppercase())),
    )
    .await
    .unwrap();
    common::envelope(resp, 403, "PERMISSION_DENIED").await;
    let resp = send("/invoices/9", "req-untraced", None).await.unwrap();
    common::envelope(resp, 403, "PERMISSION_DENIED").await;
    for id in ["req-bad-trace", "req-untraced"] {
        let record = sink.lookup_for(id, "key_42").await.unwrap();
        assert_eq!(record.trace_id, None, "{id}");
    }

    // A success carries the trace in its span, and no error type.
    let resp = send(
        "/ok",
        "req-ok",
        Some(format!("00-{TRACE}-00f067aa0ba902b7-00")),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-request-id"], "req-ok");

    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line_of = |id: &str| {
        log.lines()
            .find(|l| l.contains(&format!("request_id=\"{id}\"")) && l.contains("request rejected"))
            .unwrap_or_else(|| panic!("no error line for {id} in:\n{log}"))
            .to_owned()
    };
    let traced = line_of("req-traced");
    // Twice: once in the span, once in the event itself.
    assert_eq!(
        traced.matches(&format!("trace_id=\"{TRACE}\"")).count(),
        2,
        "{traced}"
    );
    assert!(
        traced.contains("error.type=\"PERMISSION_DENIED\"")
            || traced.contains("error.type=PERMISSION_DENIED"),
        "{traced}"
    );
    for id in ["req-bad-trace", "req-untraced"] {
        let line = line_of(id);
        assert!(!line.contains("trace_id"), "{line}");
        assert!(line.contains("error.type"), "{line}");
    }
    assert!(
        !log.lines().any(|l| l.contains("req-ok")),
        "a success logs nothing: {log}"
    );
}
