//! `backstop`: see `backstop --help`.
#![forbid(unsafe_code)]

use clap::Parser;

/// mimalloc rather than the system allocator: after a load spike (thousands of connections), glibc's
/// malloc kept the server's resident memory at its peak (28 MB idle, 73 MB after 2,000 connections,
/// 157 MB after 6,000, unchanged 30 s later); mimalloc returns freed pages to the system on its own
/// (see apps/backstop/bench/README.md for the figures).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // jemalloc purges unused pages on a background thread (10 s decay), so memory returns to the
    // system while the server is idle after a spike, not only when it next allocates.
    let _ = tikv_jemalloc_ctl::background_thread::write(true);
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
