//! `backstop check` on the command line: flags, progress, output and exit code.

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;

use super::{CheckConfig, Routes, parse_header};

/// `backstop check <base-url>`: probe an API against the contract.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The API's base URL, e.g. `http://127.0.0.1:8080` (http only: no TLS stack is built in).
    pub base_url: String,
    /// The API's OpenAPI document, as a URL or a file path; routes are read from it.
    #[arg(long)]
    pub openapi: Option<String>,
    /// A route that takes POST (repeatable).
    #[arg(long = "post-route")]
    pub post_routes: Vec<String>,
    /// A route that takes GET (repeatable).
    #[arg(long = "get-route")]
    pub get_routes: Vec<String>,
    /// Treat the routes given by flags as needing credentials.
    #[arg(long)]
    pub routes_need_auth: bool,
    /// A credential header for the probes that need one, as `Name: value`. Never printed.
    #[arg(long, env = "BACKSTOP_CHECK_AUTH_HEADER", hide_env_values = true)]
    pub auth_header: Option<String>,
    /// A JSON body the POST route accepts, for the idempotency probes.
    #[arg(long)]
    pub post_body: Option<String>,
    /// The most requests the rate-limit burst sends.
    #[arg(long, default_value_t = 200)]
    pub max_requests: u32,
    /// The size of the oversized body, in bytes.
    #[arg(long, default_value_t = 12 * 1024 * 1024)]
    pub oversize_bytes: usize,
    /// The time limit of each request, in seconds.
    #[arg(long, default_value_t = 10)]
    pub timeout_secs: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the check: the report on stdout, progress on stderr when it is a terminal. `Ok(true)` when no
/// probe failed, `Ok(false)` on any violation, `Err` when the check could not start.
pub async fn run(args: CheckArgs) -> Result<bool, String> {
    match config(&args).await {
        Err(e) => Err(e),
        Ok(config) => {
            let tty = std::io::stderr().is_terminal();
            let report = super::run(config, &mut |i, n, name| {
                if tty {
                    eprint!("\r\x1b[2K[{i}/{n}] {name}");
                }
            })
            .await;
            if tty {
                eprint!("\r\x1b[2K");
            }
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print!("{}", report.to_table());
            }
            Ok(!report.has_failures())
        }
    }
}

async fn config(args: &CheckArgs) -> Result<CheckConfig, String> {
    let mut config = CheckConfig::new(&args.base_url);
    if !config.base_url.starts_with("http://") {
        return Err(format!(
            "{} is not an http:// URL (https is not supported by this build)",
            args.base_url
        ));
    }
    config.routes = match &args.openapi {
        Some(source) => Routes::from_openapi(&load_openapi(source).await?),
        None => Routes::default(),
    };
    for r in &args.post_routes {
        config.routes.add(r, "POST", args.routes_need_auth);
    }
    for r in &args.get_routes {
        config.routes.add(r, "GET", args.routes_need_auth);
    }
    if let Some(h) = &args.auth_header {
        config.auth = Some(parse_header(h).map_err(|e| format!("--auth-header: {e}"))?);
    }
    config.post_body = args.post_body.clone();
    config.max_requests = args.max_requests.clamp(1, 100_000);
    config.oversize_bytes = args.oversize_bytes.clamp(1024, 256 * 1024 * 1024);
    config.timeout = Duration::from_secs(args.timeout_secs.clamp(1, 300));
    Ok(config)
}

async fn load_openapi(source: &str) -> Result<serde_json::Value, String> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let resp = reqwest::Client::new()
            .get(source)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("--openapi {source}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("--openapi {source}: status {}", resp.status()));
        }
        resp.text()
            .await
            .map_err(|e| format!("--openapi {source}: {e}"))?
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("--openapi {source}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("--openapi {source}: not JSON: {e}"))
}
