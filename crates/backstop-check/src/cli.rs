//! `backstop check` on the command line: flags, progress, output and exit status (0 clean, 1 violations, 2 the
//! check could not start).

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use serde_json::Value;

use crate::config::{CheckConfig, SetupError, check_route, parse_header};
use crate::routes::Routes;

/// `backstop check <base-url>`: probe an HTTP API against the contract (read-only unless --allow-writes).
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The API's base URL, `http://` or `https://` (TLS by rustls, system roots), e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// The API's OpenAPI 3 document (JSON), as a URL or a file path: routes, methods, security, rate-limited
    /// routes and request schemas are read from it.
    #[arg(long)]
    pub openapi: Option<String>,
    /// A route that takes GET, as a path (repeatable).
    #[arg(long = "get-route")]
    pub get_routes: Vec<String>,
    /// A route that takes a JSON POST, as a path (repeatable).
    #[arg(long = "post-route")]
    pub post_routes: Vec<String>,
    /// Treat the routes given by flags as needing credentials.
    #[arg(long)]
    pub routes_need_auth: bool,
    /// A credential header for the probes that need one, as `Name: value` (withheld from the credential
    /// probes). Never printed.
    #[arg(long, env = "BACKSTOP_CHECK_AUTH_HEADER", hide_env_values = true)]
    pub auth_header: Option<String>,
    /// A header sent with every request, as `Name: value` (repeatable; credentials go in --auth-header).
    #[arg(long = "header")]
    pub headers: Vec<String>,
    /// A JSON body the POST route accepts: the idempotency probes send it, the validation probe breaks its
    /// shape.
    #[arg(long)]
    pub post_body: Option<String>,
    /// Run the probes that may create something (bodies, oversize, idempotency), marked `[writes]` below.
    #[arg(long)]
    pub allow_writes: bool,
    /// The most requests the rate-limit probe sends (it stops at the first 429).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_requests: u32,
    /// The largest body the oversize probe sends, in bytes.
    #[arg(long, default_value_t = 12 * 1024 * 1024)]
    pub oversize_bytes: usize,
    /// The time limit to connect (TCP and TLS), in seconds.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub connect_timeout_secs: u64,
    /// The time limit of each request, start to end, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout_secs: u64,
    /// Print the report as JSON (pass/fail/skip counts, results, findings).
    #[arg(long)]
    pub json: bool,
    /// Also write the report as JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<std::path::PathBuf>,
}

/// Headers that carry credentials: they go in `--auth-header`, so the credential probes can leave them out.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "x-api-key",
    "cookie",
    "proxy-authorization",
];

/// Runs the check: the report on stdout, progress on stderr when it is a terminal, a setup failure as one line on
/// stderr. Returns the exit status: 0 no violation, 1 violations, 2 the check could not start.
pub async fn run(args: CheckArgs) -> u8 {
    let config = match config(&args).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: check: {e}");
            return 2;
        }
    };
    let tty = std::io::stderr().is_terminal();
    let result = crate::run(config, &mut |i, n, name| {
        if tty {
            eprint!("\r\x1b[2K[{i}/{n}] {name}");
        }
    })
    .await;
    if tty {
        eprint!("\r\x1b[2K");
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: check: {e}");
            return 2;
        }
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, report.to_junit())
    {
        eprintln!("error: check: --junit {}: {e}", path.display());
        return 2;
    }
    u8::from(report.has_failures())
}

/// The configuration the flags describe, with the OpenAPI document read.
pub async fn config(args: &CheckArgs) -> Result<CheckConfig, SetupError> {
    let mut config = CheckConfig::new(&args.base_url)?;
    config.connect_timeout = Duration::from_secs(args.connect_timeout_secs);
    config.timeout = Duration::from_secs(args.timeout_secs);
    config.routes = match &args.openapi {
        Some(source) => Routes::from_openapi(&load_openapi(source, &config).await?),
        None => Routes::default(),
    };
    for r in &args.get_routes {
        check_route("--get-route", r)?;
        config.routes.add(r, "GET", args.routes_need_auth);
    }
    for r in &args.post_routes {
        check_route("--post-route", r)?;
        config.routes.add(r, "POST", args.routes_need_auth);
    }
    if let Some(h) = &args.auth_header {
        config.auth = Some(parse_header(h).map_err(|why| SetupError::Flag {
            flag: "--auth-header",
            why,
        })?);
    }
    for h in &args.headers {
        let (name, value) = parse_header(h).map_err(|why| SetupError::Flag {
            flag: "--header",
            why,
        })?;
        if CREDENTIAL_HEADERS.contains(&name.as_str()) {
            return Err(SetupError::Flag {
                flag: "--header",
                why: format!("{name} carries credentials: give it with --auth-header"),
            });
        }
        config.headers.push((name, value));
    }
    if let Some(b) = &args.post_body {
        config.post_body = Some(serde_json::from_str(b).map_err(|e| SetupError::Flag {
            flag: "--post-body",
            why: format!("not JSON: {e}"),
        })?);
    }
    config.allow_writes = args.allow_writes;
    config.max_requests = args.max_requests;
    config.oversize_bytes = args.oversize_bytes.clamp(1024, 256 * 1024 * 1024);
    Ok(config)
}

/// Reads the OpenAPI document from a URL (same client settings as the probes) or a file.
async fn load_openapi(source: &str, config: &CheckConfig) -> Result<Value, SetupError> {
    let fail = |why: String| SetupError::OpenApi {
        source_name: source.to_owned(),
        why,
    };
    let bytes = if source.starts_with("http://") || source.starts_with("https://") {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| fail(crate::http::transport(&e)))?;
        let resp = client
            .get(source)
            .send()
            .await
            .map_err(|e| fail(crate::http::transport(&e)))?;
        if !resp.status().is_success() {
            return Err(fail(format!("status {}", resp.status().as_u16())));
        }
        resp.bytes()
            .await
            .map_err(|e| fail(crate::http::transport(&e)))?
            .to_vec()
    } else {
        tokio::fs::read(source)
            .await
            .map_err(|e| fail(e.to_string()))?
    };
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| fail(format!("not JSON: {e}")))?;
    if doc.get("paths").and_then(Value::as_object).is_none() {
        return Err(fail(
            "no `paths` object: not an OpenAPI 3 document".to_owned(),
        ));
    }
    Ok(doc)
}
