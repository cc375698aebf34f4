//! The repository's documents that tests compare with the code, and `BACKSTOP_BLESS=1` to rewrite
//! them from the code.

use std::path::PathBuf;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the run should rewrite the documents instead of failing (`BACKSTOP_BLESS=1`).
pub fn bless() -> bool {
    std::env::var_os("BACKSTOP_BLESS").is_some_and(|v| v == "1")
}
