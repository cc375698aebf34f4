//! Pins docs/CONTRACT.md §2.1: internal errors never leak.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use axum::{Router, routing::get};
use backstop::ApiError;
use backstop_axum::{Contract, Error};
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

async fn sql() -> Result<&'static str, Error> {
    Err(ApiError::internal(io::Error::other(
        "SELECT * FROM users WHERE password='hunter2'",
    ))
    .into())
}

async fn boom() -> &'static str {
    panic!("secret token sk_live_51Hxyz leaked in panic")
}

#[tokio::test]
async fn internal_errors_never_leak() {
    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);

    let app = Contract::new().apply(
        Router::new()
            .route("/sql", get(sql))
            .route("/boom", get(boom)),
    );
    let addr = common::serve(app).await;
    let c = common::client();

    let mut ids = Vec::new();
    for (path, secret) in [("/sql", "hunter2"), ("/boom", "sk_live_51Hxyz")] {
        let resp = c.get(format!("http://{addr}{path}")).send().await.unwrap();
        let visible_headers = format!("{:?}", resp.headers());
        assert!(!visible_headers.contains(secret));
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let (headers, body) = common::envelope(resp, 500, "INTERNAL_ERROR").await;
        let text = body.to_string();
        assert!(!text.contains(secret), "{text}");
        assert!(
            !text.contains("SELECT") && !text.contains("panic"),
            "{text}"
        );
        ids.push(headers["x-request-id"].to_str().unwrap().to_owned());
    }

    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for (id, secret) in ids.iter().zip(["hunter2", "sk_live_51Hxyz"]) {
        let line = log
            .lines()
            .find(|l| l.contains(id.as_str()) && l.contains("ERROR"))
            .unwrap_or_else(|| panic!("no error line for {id} in:\n{log}"));
        assert!(line.contains(secret), "the cause goes to the log: {line}");
        assert!(
            line.contains("INTERNAL_ERROR") && line.contains("status=500"),
            "{line}"
        );
        assert_eq!(
            log.lines()
                .filter(|l| l.contains(id.as_str()) && l.contains("request failed"))
                .count(),
            1,
            "logged once"
        );
    }
}
