//! The smallest adoption: an axum app with only the contract layer. Built with
//! `--no-default-features` it is the baseline of the feature measurements in benches/README.md.

use axum::Router;
use axum::routing::get;
use backstop::ApiError;
use backstop_axum::{Contract, Error};

async fn hello() -> &'static str {
    "hello"
}

async fn missing() -> Result<&'static str, Error> {
    Err(ApiError::not_found("thing", 1).into())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let router = Router::new()
        .route("/", get(hello))
        .route("/missing", get(missing));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, Contract::new().apply(router)).await
}
