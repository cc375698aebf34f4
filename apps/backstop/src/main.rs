//! `backstop`: see `backstop --help`.
#![forbid(unsafe_code)]

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = backstop_app::cli::Cli::parse();
    let _log_guard = match &cli.command {
        backstop_app::cli::Command::Serve(args) => {
            Some(backstop_app::cli::init_tracing(&args.log_format))
        }
        _ => None,
    };
    match backstop_app::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            std::process::ExitCode::FAILURE
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
