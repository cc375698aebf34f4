//! The server `benches/load.sh` measures: one `GET /hello` route, either bare axum or behind
//! [`backstop_axum::Contract`] with its defaults.
//!
//! `cargo run --release --example bench_server -- <bare|contract> <port>`

use axum::{Router, routing::get};
use backstop_axum::Contract;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "contract".to_owned());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(3000);

    let router = Router::new().route("/hello", get(|| async { "Hello, world!" }));
    let app = match mode.as_str() {
        "bare" => router,
        "contract" => Contract::new().apply(router),
        other => {
            eprintln!("unknown mode {other:?}: expected bare or contract");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("{mode} listening on 127.0.0.1:{port}");
    axum::serve(listener, app).await
}
