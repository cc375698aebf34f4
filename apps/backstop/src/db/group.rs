//! Group commit for the SQLite writer: writes that queue for the one writer connection share one
//! transaction and one `COMMIT`, and each is answered only after that commit.
//!
//! SQLite takes one writer at a time, and a commit costs far more than the statements before it:
//! the WAL's frames for every page the transaction touched, their checksums and, with
//! `synchronous = FULL`, an `fsync`. Under load, writes wait for the writer anyway; here the one
//! that holds it runs its statements inside a savepoint of the batch's transaction and, when others
//! are waiting, leaves the commit to them. The last write of a batch (no one else waiting, or
//! [`MAX_MEMBERS`] in it) commits it for all. Pages two writes share (a table's last leaf, an
//! index's) are written once per batch instead of once per write. With one writer in flight, a
//! batch is that one write: nothing waits to be grouped.
//!
//! The rules that keep "acknowledged only after its commit" true:
//! - A write's own result reaches its caller only after its batch ended. A write whose statements
//!   failed cleanly (a constraint, a lost idempotency claim) rolled its savepoint back; it still
//!   waits for the batch, so that what it reads next (the row it collided with) is committed.
//! - A failure that leaves the transaction in an unknown state (storage full, I/O, a failed
//!   savepoint) fails the whole batch: every write in it gets that error (503 with `Retry-After` for
//!   storage failures), and its connection is closed instead of going back to the pool.
//! - A failed `COMMIT` fails every write of the batch, and its connection is closed rather than
//!   pooled (see `write.rs` for why that matters on SQLite).
//! - Cancellation (a client gone, a timeout) never strands a batch: a write dropped in the middle of
//!   its statements has its savepoint rolled back by sqlx and the batch committed for the others;
//!   a write dropped while waiting makes sure someone commits its batch. The `COMMIT` itself runs in
//!   its own task, so it is never cut off halfway.
//!
//! Postgres takes many writers at once and groups commits itself (`commit_delay`); it keeps one
//! transaction per write (`write.rs`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::{Acquire, Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, MutexGuard, SetOnce};

use super::DbError;
use super::health::WriteHealth;
use super::write::{Durability, rolls_back_cleanly};

/// The most writes one batch takes before it commits even though others are waiting, which
/// bounds how long the first of them waits for its answer.
pub(crate) const MAX_MEMBERS: usize = 64;

/// The SQLite writer (see the [module docs](self)). Shared as an `Arc`: a commit runs in its own
/// task.
pub(crate) struct GroupWriter {
    /// The one-connection writer pool.
    pool: SqlitePool,
    /// The batch being filled, if any: its transaction holds the writer connection.
    open: Mutex<Option<Open>>,
    /// Writes waiting for `open`'s lock: a batch is left open for them.
    queued: AtomicUsize,
    /// Set just before a connection in an unknown state goes back to the pool, whose release hook
    /// then closes it (see [`GroupWriter::new`]).
    discard: Arc<AtomicBool>,
    /// How long a write waits for its turn before it is answered 503.
    acquire_timeout: Duration,
    /// Batches whose `COMMIT` was sent, for tests.
    #[cfg(test)]
    commits: AtomicUsize,
}

impl fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupWriter")
            .field("pool", &self.pool)
            .field("queued", &self.queued.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A batch being filled: the transaction and what its commit must know.
struct Open {
    tx: Transaction<'static, Sqlite>,
    batch: Arc<Batch>,
    /// Writes whose statements are in the transaction.
    members: usize,
}

/// How a batch ended, for the writes waiting on it.
#[derive(Default)]
struct Batch {
    outcome: SetOnce<Result<(), Arc<DbError>>>,
}

/// How one write's statements went inside the batch.
enum Member<T> {
    /// In the transaction, to be committed with the batch.
    Done(T),
    /// Failed cleanly; its savepoint is rolled back and the batch goes on.
    Refused(DbError),
    /// Failed with the transaction in an unknown state: the batch fails.
    Broken(DbError),
}

impl GroupWriter {
    /// A writer over `pool` (one connection), whose release hook closes a connection when
    /// `discard` is set (and clears it).
    pub(crate) fn new(
        pool: SqlitePool,
        discard: Arc<AtomicBool>,
        acquire_timeout: Duration,
    ) -> Arc<GroupWriter> {
        Arc::new(GroupWriter {
            pool,
            open: Mutex::new(None),
            queued: AtomicUsize::new(0),
            discard,
            acquire_timeout,
            #[cfg(test)]
            commits: AtomicUsize::new(0),
        })
    }

    /// The writer pool (migrations, closing).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Runs `body` in the current batch and answers after the batch's commit (see the module
    /// docs), noting the outcome in `health`.
    ///
    /// Every batch commits with `synchronous = FULL`, whatever `_durability` asks: the commit is
    /// shared, and SQLite cannot change its safety level inside a transaction, so a bookkeeping
    /// write ([`Durability::Relaxed`]) rides along with the others' flush (Postgres still relaxes
    /// it, `write.rs`). Alone, it costs one `fsync`; under load, its share of one.
    pub(crate) async fn in_tx<T>(
        self: &Arc<Self>,
        health: &WriteHealth,
        _durability: Durability,
        body: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let result = self.run(body).await;
        health.note(&result);
        result
    }

    async fn run<T>(
        self: &Arc<Self>,
        body: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut held = Held {
            writer: self,
            slot: Some(self.lock_in_turn().await?),
        };
        if held.open().is_none() {
            let tx = self.pool.begin().await?;
            *held.open() = Some(Open {
                tx,
                batch: Arc::default(),
                members: 0,
            });
        }
        let Some(open) = held.open().as_mut() else {
            unreachable!("a batch was opened above");
        };
        let batch = Arc::clone(&open.batch);
        let result = match member(&mut open.tx, body).await {
            Member::Done(value) => {
                open.members += 1;
                Ok(value)
            }
            Member::Refused(e) => Err(e),
            Member::Broken(e) => {
                let e = Arc::new(e);
                held.fail(Arc::clone(&e));
                return Err(DbError::Shared(e));
            }
        };
        let commit_now = self.queued.load(Ordering::Acquire) == 0 || open.members >= MAX_MEMBERS;
        held.leave(commit_now);
        let outcome = Waiting {
            writer: self,
            batch: &batch,
        }
        .outcome()
        .await;
        match (result, outcome) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(DbError::Shared(e)),
            (Err(e), _) => Err(e),
        }
    }

    /// The batch's lock, counted as waiting meanwhile; 503 after the acquire timeout.
    async fn lock_in_turn(&self) -> Result<MutexGuard<'_, Option<Open>>, DbError> {
        struct Queued<'a>(&'a AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        let _queued = Queued(&self.queued);
        tokio::time::timeout(self.acquire_timeout, self.open.lock())
            .await
            .map_err(|_| DbError::Query(sqlx::Error::PoolTimedOut))
    }

    /// Drops `tx` (rolling it back) and has the pool close its connection.
    fn discard_connection(&self, tx: Transaction<'static, Sqlite>) {
        self.discard.store(true, Ordering::Release);
        drop(tx);
    }

    /// Commits `open` in a task of its own and publishes the outcome to its writes.
    fn spawn_commit(self: &Arc<Self>, open: Open) {
        let writer = Arc::clone(self);
        tokio::spawn(async move {
            let batch = Arc::clone(&open.batch);
            let outcome = writer.commit(open).await.map_err(Arc::new);
            // Only this task sets a committed batch's outcome.
            let _ = batch.outcome.set(outcome);
        });
    }

    async fn commit(&self, open: Open) -> Result<(), DbError> {
        #[cfg(test)]
        self.commits.fetch_add(1, Ordering::Relaxed);
        let result = open.tx.commit().await;
        if result.is_err() {
            // sqlx has rolled the connection back (or will find it cannot, and the pool drops
            // it); close it in any case, as `write.rs` does. If it is back in the pool already, the
            // next connection released is closed instead: one reconnect, never a stale state.
            self.discard.store(true, Ordering::Release);
        }
        Ok(result?)
    }

    /// Commits `batch` if it is still the one being filled (a write of it is done waiting for
    /// others who did not come).
    fn commit_if_open(
        self: &Arc<Self>,
        mut slot: MutexGuard<'_, Option<Open>>,
        batch: &Arc<Batch>,
    ) {
        if slot
            .as_ref()
            .is_some_and(|open| Arc::ptr_eq(&open.batch, batch))
            && let Some(open) = slot.take()
        {
            drop(slot);
            self.spawn_commit(open);
        }
    }
}

/// Runs one write's `body` in a savepoint of the batch's transaction.
async fn member<T>(
    tx: &mut Transaction<'static, Sqlite>,
    body: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, DbError>,
) -> Member<T> {
    let mut savepoint = match tx.begin().await {
        Ok(savepoint) => savepoint,
        Err(e) => return Member::Broken(e.into()),
    };
    match body(&mut savepoint).await {
        Ok(value) => match savepoint.commit().await {
            Ok(()) => Member::Done(value),
            Err(e) => Member::Broken(e.into()),
        },
        Err(e) if rolls_back_cleanly(&e) => match savepoint.rollback().await {
            Ok(()) => Member::Refused(e),
            Err(_) => Member::Broken(e),
        },
        Err(e) => Member::Broken(e),
    }
}

/// A write holding the batch's lock. Dropped before [`Held::leave`] or [`Held::fail`] (the
/// write was cancelled), it commits the batch for the writes already in it.
struct Held<'a> {
    writer: &'a Arc<GroupWriter>,
    slot: Option<MutexGuard<'a, Option<Open>>>,
}

impl Held<'_> {
    fn open(&mut self) -> &mut Option<Open> {
        self.slot.as_mut().expect("held until leave or fail")
    }

    /// Lets the next write in; commits the batch first when `commit` is set.
    fn leave(mut self, commit: bool) {
        let Some(mut slot) = self.slot.take() else {
            return;
        };
        if commit && let Some(open) = slot.take() {
            drop(slot);
            self.writer.spawn_commit(open);
        }
    }

    /// Fails the batch with `e`: rolled back, its connection closed, every write in it told.
    fn fail(mut self, e: Arc<DbError>) {
        let Some(mut slot) = self.slot.take() else {
            return;
        };
        if let Some(open) = slot.take() {
            let _ = open.batch.outcome.set(Err(e));
            self.writer.discard_connection(open.tx);
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(mut slot) = self.slot.take()
            && let Some(open) = slot.take()
        {
            drop(slot);
            self.writer.spawn_commit(open);
        }
    }
}

/// A write waiting for its batch's outcome. It also takes the lock, so that when the writes it
/// left the batch open for went away, it commits the batch itself; dropped before the outcome (the
/// write was cancelled), it leaves that to a task.
struct Waiting<'a> {
    writer: &'a Arc<GroupWriter>,
    batch: &'a Arc<Batch>,
}

impl Waiting<'_> {
    async fn outcome(&self) -> Result<(), Arc<DbError>> {
        tokio::select! {
            biased;
            outcome = self.batch.outcome.wait() => return outcome.clone(),
            slot = self.writer.open.lock() => self.writer.commit_if_open(slot, self.batch),
        }
        self.batch.outcome.wait().await.clone()
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.batch.outcome.get().is_none() {
            let writer = Arc::clone(self.writer);
            let batch = Arc::clone(self.batch);
            tokio::spawn(async move {
                let slot = writer.open.lock().await;
                writer.commit_if_open(slot, &batch);
            });
        }
    }
}

#[cfg(test)]
mod tests;
