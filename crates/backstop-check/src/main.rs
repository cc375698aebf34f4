//! `backstop-check URL`: the `backstop check` subcommand as a binary of its own. See `backstop-check --help`.
#![forbid(unsafe_code)]

use clap::Parser;

/// Probe any HTTP API against the backstop error contract.
#[derive(Debug, Parser)]
#[command(name = "backstop-check", version, after_help = backstop_check::probe::catalog::help())]
struct Cli {
    #[command(flatten)]
    args: backstop_check::cli::CheckArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    std::process::ExitCode::from(backstop_check::cli::run(cli.args).await)
}
