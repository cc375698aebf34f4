//! [`WriteHealth`]: whether the store takes writes, as the last write found out.
//!
//! A write that fails because of the storage itself (disk full, I/O error, the server gone) marks
//! the store unhealthy; the next write that commits marks it healthy again. `/healthz` reports it,
//! and while it is unhealthy, probes with a tiny write of its own so that recovery is seen even when
//! no client writes (docs/CONTRACT.md §10.2).

use std::sync::atomic::{AtomicBool, Ordering};

use super::DbError;

/// See the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct WriteHealth {
    failing: AtomicBool,
}

impl WriteHealth {
    /// Notes the outcome of a write.
    pub(crate) fn note<T>(&self, result: &Result<T, DbError>) {
        match result {
            Ok(_) => {
                if self.failing.load(Ordering::Relaxed)
                    && self.failing.swap(false, Ordering::AcqRel)
                {
                    tracing::warn!("database writes succeed again; store healthy");
                }
            }
            Err(e) if e.is_storage_failure() => {
                if !self.failing.swap(true, Ordering::AcqRel) {
                    tracing::error!(error = %e, "database writes fail; store unhealthy until a write succeeds");
                }
            }
            Err(_) => {}
        }
    }

    /// Whether the last storage-level outcome was a failure.
    pub(crate) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }
}
