//! The command line: `backstop serve` and the admin subcommands on the same database.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::time::Duration;

use backstop::Profile;
use backstop_axum::auth::ApiKey;
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::config::{ChaosConfig, ServeConfig};
use crate::db::{Db, NewKey, PartnerStatus, millis_to_rfc3339, now_millis};

/// The namespace of generated API keys (`bsk_<id>_<secret>`).
pub const KEY_NAMESPACE: &str = "bsk";

/// `backstop`: the reference API of the backstop error contract, and its admin commands.
#[derive(Debug, Parser)]
#[command(name = "backstop", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// A subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server.
    Serve(ServeArgs),
    /// Manage partners.
    Partners {
        /// The action.
        #[command(subcommand)]
        action: PartnerAction,
        /// Database options.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Probe any HTTP API against the contract and report every violation (read-only unless --allow-writes).
    #[command(after_help = backstop_check::probe::catalog::help())]
    Check(backstop_check::cli::CheckArgs),
    /// Print the catalog of error codes: status, retryability, default message, and what each
    /// wire profile makes of each code (docs/CONTRACT.md §3.1).
    Codes(CodesArgs),
    /// Manage API keys.
    Keys {
        /// The action.
        #[command(subcommand)]
        action: KeyAction,
        /// Database options.
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Where the database is and how to print.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// `sqlite://PATH` (created if missing) or `postgres://...`.
    #[arg(
        long,
        global = true,
        env = "BACKSTOP_DATABASE_URL",
        default_value = "sqlite://backstop.db"
    )]
    pub database_url: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `backstop codes` options.
#[derive(Debug, Args)]
pub struct CodesArgs {
    /// Print JSON: one object per code with every profile's spelling and status.
    #[arg(long, conflicts_with_all = ["markdown", "schema"])]
    pub json: bool,
    /// Print the Markdown table of docs/CONTRACT.md §3.1 (the default).
    #[arg(long, conflicts_with = "schema")]
    pub markdown: bool,
    /// Print instead the JSON Schema (2020-12) of the envelope in this profile (what
    /// docs/schemas/PROFILE.schema.json holds).
    #[arg(long, value_name = "PROFILE", value_parser = parse_profile)]
    pub schema: Option<Profile>,
}

impl CodesArgs {
    /// What the command prints.
    pub fn output(&self) -> String {
        if self.json {
            let mut s = serde_json::to_string_pretty(&backstop::catalog_json()).unwrap_or_default();
            s.push('\n');
            s
        } else if let Some(profile) = self.schema {
            let mut s = serde_json::to_string_pretty(&backstop::envelope_schema(profile))
                .unwrap_or_default();
            s.push('\n');
            s
        } else {
            backstop::catalog_markdown()
        }
    }
}

/// `backstop partners ...`.
#[derive(Debug, Subcommand)]
pub enum PartnerAction {
    /// Create a partner and its first API key (the key is shown once).
    Create {
        /// The partner's name.
        #[arg(long)]
        name: String,
    },
    /// Suspend a partner: every request with its keys or tokens gets 403 SUSPENDED_ACCOUNT.
    Suspend {
        /// The partner id (`ptn_...`).
        id: String,
    },
}

/// `backstop keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Create an API key for a partner (shown once).
    Create {
        /// The partner id.
        #[arg(long)]
        partner: String,
        /// Expire the key after this many days.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List a partner's keys (never their secrets).
    List {
        /// The partner id.
        #[arg(long)]
        partner: String,
    },
    /// Revoke a key.
    Revoke {
        /// The key id (`key_...`).
        key_id: String,
    },
}

/// `backstop serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BACKSTOP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// `sqlite://PATH` (created if missing) or `postgres://...`.
    #[arg(
        long,
        env = "BACKSTOP_DATABASE_URL",
        default_value = "sqlite://backstop.db"
    )]
    pub database_url: String,
    /// Keep rate limits and idempotency keys in Redis (shared by every instance).
    #[arg(long, env = "BACKSTOP_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Wire profile of error bodies: backstop, flat, status or problem.
    #[arg(long, default_value = "backstop", value_parser = parse_profile)]
    pub error_format: Profile,
    /// HS256 secret for access tokens (at least 32 characters); default: generated once and kept
    /// in the database.
    #[arg(long, env = "BACKSTOP_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Requests per minute per partner (per client IP before authentication).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_per_minute: u32,
    /// Requests per minute per client address, checked before authentication (keep it above the
    /// per-partner quota: several partners may share an address).
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_per_address_per_minute: u32,
    /// Seconds a request may take before it gets 504 TIMEOUT.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
    /// Seconds a client may take to send a request head; also how long an idle keep-alive
    /// connection stays open.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout_secs: u64,
    /// The most connections served at once; beyond it, new connections get 503 with Retry-After.
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// The most requests handled at once; beyond it, requests get 503 with Retry-After at once.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_in_flight: u64,
    /// Milliseconds a request may wait for a database connection before it gets 503.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub db_acquire_timeout_ms: u64,
    /// Seconds shutdown (SIGTERM or SIGINT) waits for requests in flight before exiting.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_timeout_secs: u64,
    /// Seconds a claimed idempotency key holds while its request runs; a claim left by a crash is
    /// taken over after it.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idempotency_lease_secs: u64,
    /// Language of error messages when a request's Accept-Language names none the API speaks.
    #[arg(long, env = "BACKSTOP_DEFAULT_LANGUAGE", default_value = "en", value_parser = crate::messages::LANGUAGES)]
    pub default_language: String,
    /// Log format: `text` (plain, no colour unless stderr is a terminal) or `json` (one object a
    /// line).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// Fraction of API requests answered with an injected error (0.0..=1.0).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub chaos_error_rate: f64,
    /// Status of injected errors.
    #[arg(long, default_value_t = 503, value_parser = clap::value_parser!(u16).range(400..600))]
    pub chaos_status: u16,
    /// Injected latency in milliseconds: `N` or `MIN..MAX`.
    #[arg(long, default_value = "0", value_parser = parse_latency)]
    pub chaos_latency_ms: RangeInclusive<u64>,
    /// Benchmark baseline: idempotency keys in memory (not crash-safe) instead of the database.
    #[arg(long, hide = true, default_value = "database", value_parser = ["database", "memory"])]
    pub idempotency_store: String,
    /// Benchmark baseline: bare handlers, no contract, auth store, rate limit or idempotency layers.
    #[arg(long, hide = true, env = "BACKSTOP_BARE")]
    pub bare: bool,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    s.parse::<Profile>().map_err(|e| e.to_string())
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err("must be a number between 0.0 and 1.0".to_owned()),
    }
}

fn parse_latency(s: &str) -> Result<RangeInclusive<u64>, String> {
    let bad = || "must be N or MIN..MAX milliseconds".to_owned();
    match s.split_once("..") {
        None => s.trim().parse::<u64>().map(|n| n..=n).map_err(|_| bad()),
        Some((a, b)) => {
            let a = a.trim().parse::<u64>().map_err(|_| bad())?;
            let b = b
                .trim()
                .trim_start_matches('=')
                .parse::<u64>()
                .map_err(|_| bad())?;
            if a > b { Err(bad()) } else { Ok(a..=b) }
        }
    }
}

impl ServeArgs {
    /// The server configuration these options describe.
    pub fn config(&self) -> ServeConfig {
        let mut c = ServeConfig::new(self.database_url.clone());
        c.listen = self.listen;
        c.redis_url = self.redis_url.clone();
        c.error_format = self.error_format;
        c.jwt_secret = self.jwt_secret.clone();
        c.rate_limit_per_minute = self.rate_limit_per_minute;
        c.rate_limit_per_address_per_minute = self.rate_limit_per_address_per_minute;
        c.request_timeout = Duration::from_secs(self.request_timeout_secs);
        c.header_read_timeout = Duration::from_secs(self.header_read_timeout_secs);
        c.max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        c.max_in_flight = usize::try_from(self.max_in_flight).unwrap_or(usize::MAX);
        c.db_acquire_timeout = Duration::from_millis(self.db_acquire_timeout_ms);
        c.shutdown_timeout = Duration::from_secs(self.shutdown_timeout_secs);
        c.idempotency_lease = Duration::from_secs(self.idempotency_lease_secs);
        if self.idempotency_store == "memory" {
            c.idempotency_store = crate::config::IdempotencyStoreKind::Memory;
        }
        c.bare = self.bare;
        c.default_language = self.default_language.clone();
        let chaos = ChaosConfig {
            error_rate: self.chaos_error_rate,
            status: self.chaos_status,
            latency_ms: self.chaos_latency_ms.clone(),
        };
        c.chaos = chaos.is_active().then_some(chaos);
        c
    }
}

/// A command failed; printed as one line on stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The server could not start.
    #[error(transparent)]
    Start(#[from] crate::api::StartError),
    /// A database operation failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// Listening failed.
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    /// Serving failed.
    #[error("server error: {0}")]
    Serve(std::io::Error),
    /// No such partner or key.
    #[error("{0} not found")]
    NotFound(String),
    /// `backstop check` found violations (the report says which).
    #[error("check: the API violates the contract (see the report above)")]
    CheckFailed,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => serve(args.config()).await,
        Command::Check(args) => match backstop_check::cli::run(args).await {
            0 => Ok(()),
            1 => Err(CliError::CheckFailed),
            // The check could not start and has said why in one line: exit 2, apart from violations (1).
            code => std::process::exit(i32::from(code)),
        },
        Command::Codes(args) => {
            print!("{}", args.output());
            Ok(())
        }
        Command::Partners { action, db } => {
            let conn = Db::connect(&db.database_url).await?;
            let out = partners(&conn, action).await;
            conn.close().await;
            print(out?, db.json);
            Ok(())
        }
        Command::Keys { action, db } => {
            let conn = Db::connect(&db.database_url).await?;
            let out = keys(&conn, action).await;
            conn.close().await;
            print(out?, db.json);
            Ok(())
        }
    }
}

async fn serve(config: ServeConfig) -> Result<(), CliError> {
    let app = crate::api::build(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| CliError::Listen(config.listen, e))?;
    let addr = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(%addr, profile = config.error_format.name(), backend = ?app.state.db.backend(), bare = config.bare, "backstop serving");
    crate::serve(listener, app.router, &config, shutdown_signal())
        .await
        .map_err(CliError::Serve)?;
    app.state.db.close().await;
    Ok(())
}

/// Completes on SIGTERM (what Kubernetes, systemd and Docker send) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server")
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("SIGINT: shutting down");
}

/// A command's result: JSON, and the text shown without `--json`.
struct Output {
    json: serde_json::Value,
    text: String,
}

fn print(out: Output, as_json: bool) {
    if as_json {
        println!("{}", out.json);
    } else {
        println!("{}", out.text);
    }
}

async fn new_key(
    db: &Db,
    partner_id: &str,
    expires_in_days: Option<u32>,
) -> Result<(serde_json::Value, String), CliError> {
    let generated = ApiKey::generate(KEY_NAMESPACE);
    let expires_at = expires_in_days.map(|d| now_millis() + i64::from(d) * 86_400_000);
    let row = db
        .create_key(NewKey {
            partner_id: partner_id.to_owned(),
            prefix: generated.prefix().to_owned(),
            secret_hash: generated.hash().to_hex(),
            expires_at,
        })
        .await?;
    let json = json!({
        "key_id": row.id,
        "partner_id": row.partner_id,
        "api_key": generated.key(),
        "expires_at": row.expires_at.map(millis_to_rfc3339),
    });
    Ok((json, generated.key().to_owned()))
}

async fn partners(db: &Db, action: PartnerAction) -> Result<Output, CliError> {
    match action {
        PartnerAction::Create { name } => {
            let partner = db.create_partner(&name).await?;
            let (key, secret) = new_key(db, &partner.id, None).await?;
            Ok(Output {
                text: format!(
                    "partner_id: {}\nkey_id: {}\napi_key: {secret}\n(the API key is shown only once)",
                    partner.id,
                    key["key_id"].as_str().unwrap_or_default()
                ),
                json: json!({"partner_id": partner.id, "name": partner.name, "key_id": key["key_id"], "api_key": secret}),
            })
        }
        PartnerAction::Suspend { id } => {
            if !db.set_partner_status(&id, PartnerStatus::Suspended).await? {
                return Err(CliError::NotFound(format!("partner {id}")));
            }
            Ok(Output {
                text: format!("partner {id} suspended"),
                json: json!({"partner_id": id, "status": "suspended"}),
            })
        }
    }
}

async fn keys(db: &Db, action: KeyAction) -> Result<Output, CliError> {
    match action {
        KeyAction::Create {
            partner,
            expires_in_days,
        } => {
            if db.partner(&partner).await?.is_none() {
                return Err(CliError::NotFound(format!("partner {partner}")));
            }
            let (json, secret) = new_key(db, &partner, expires_in_days).await?;
            Ok(Output {
                text: format!(
                    "key_id: {}\napi_key: {secret}\n(the API key is shown only once)",
                    json["key_id"].as_str().unwrap_or_default()
                ),
                json,
            })
        }
        KeyAction::List { partner } => {
            if db.partner(&partner).await?.is_none() {
                return Err(CliError::NotFound(format!("partner {partner}")));
            }
            let keys = db.keys_of(&partner).await?;
            let now = now_millis();
            let rows: Vec<serde_json::Value> = keys
                .iter()
                .map(|k| {
                    let status = if k.revoked_at.is_some() {
                        "revoked"
                    } else if k.expires_at.is_some_and(|e| e <= now) {
                        "expired"
                    } else {
                        "active"
                    };
                    json!({
                        "key_id": k.id,
                        "prefix": k.prefix,
                        "status": status,
                        "created_at": millis_to_rfc3339(k.created_at),
                        "expires_at": k.expires_at.map(millis_to_rfc3339),
                        "revoked_at": k.revoked_at.map(millis_to_rfc3339),
                    })
                })
                .collect();
            let text = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}\t{}\t{}",
                        r["key_id"].as_str().unwrap_or_default(),
                        r["prefix"].as_str().unwrap_or_default(),
                        r["status"].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output {
                text,
                json: json!(rows),
            })
        }
        KeyAction::Revoke { key_id } => {
            if !db.revoke_key(&key_id).await? {
                return Err(CliError::NotFound(format!("key {key_id}")));
            }
            Ok(Output {
                text: format!("key {key_id} revoked"),
                json: json!({"key_id": key_id, "status": "revoked"}),
            })
        }
    }
}

/// Logs to stderr for operators (`RUST_LOG` filters, `info` by default): written by a background
/// thread (a slow terminal or pipe never stalls a request; lines beyond its buffer are dropped, not
/// waited for), plain text without colour codes unless stderr is a terminal, or one JSON object a
/// line with `json`. Keep the returned guard alive: dropping it flushes what is buffered.
pub fn init_tracing(format: &str) -> tracing_appender::non_blocking::WorkerGuard {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = if format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
    guard
}
