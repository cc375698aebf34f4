//! The group writer's rules, on a SQLite file: writes that wait share one commit, each is stored
//! when it is answered, and one write's failure or cancellation costs the others only what it must.

use std::sync::Arc;
use std::time::Duration;

use super::GroupWriter;
use crate::db::{Db, DbError, Pool, on_pool, write_tx};

async fn open() -> (tempfile::TempDir, Db, Arc<GroupWriter>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("group.db").display());
    let db = Db::connect(&url).await.expect("connect");
    let Pool::Sqlite { write, .. } = &db.pool else {
        unreachable!("a sqlite URL")
    };
    let writer = Arc::clone(write);
    (dir, db, writer)
}

/// Inserts the setting `$name` on the connection `$c` of a [`write_tx!`] body (a macro: the body
/// is written for both backends).
macro_rules! insert {
    ($c:ident, $name:expr) => {{
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, 'v')")
            .bind($name)
            .execute(&mut *$c)
            .await?;
        Ok(())
    }};
}

async fn put(db: &Db, name: &str) -> Result<(), DbError> {
    write_tx!(db, |c| insert!(c, name))
}

/// Like [`put`], once `waiting` other writes queue behind it (at most 5 s).
async fn put_when_queued(
    db: &Db,
    writer: &GroupWriter,
    name: &str,
    waiting: usize,
) -> Result<(), DbError> {
    write_tx!(db, |c| {
        for _ in 0..5000 {
            if writer.queued.load(std::sync::atomic::Ordering::Acquire) >= waiting {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        insert!(c, name)
    })
}

/// Spawns [`put_when_queued`] and returns once it holds the writer (at most 5 s).
async fn spawn_first(
    db: &Db,
    writer: &Arc<GroupWriter>,
    waiting: usize,
) -> tokio::task::JoinHandle<Result<(), DbError>> {
    let task = {
        let (db, writer) = (db.clone(), Arc::clone(writer));
        tokio::spawn(async move { put_when_queued(&db, &writer, "first", waiting).await })
    };
    for _ in 0..5000 {
        if writer.open.try_lock().is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    task
}

async fn stored(db: &Db, name: &str) -> bool {
    let (n,): (i64,) = on_pool!(db, |p| {
        sqlx::query_as("SELECT count(*) FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(p)
            .await
            .expect("read")
    });
    n == 1
}

fn commits(writer: &GroupWriter) -> usize {
    writer.commits.load(std::sync::atomic::Ordering::Relaxed)
}

/// Spawns `put(name)` for each name; each task reads its row right after its answer.
fn spawn_puts(
    db: &Db,
    names: impl IntoIterator<Item = String>,
) -> Vec<tokio::task::JoinHandle<(Result<(), DbError>, bool)>> {
    names
        .into_iter()
        .map(|name| {
            let db = db.clone();
            tokio::spawn(async move {
                let result = put(&db, &name).await;
                let seen = stored(&db, &name).await;
                (result, seen)
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_wait_share_one_commit_and_each_is_stored_when_answered() {
    let (_dir, db, writer) = open().await;
    let before = commits(&writer);
    let first = spawn_first(&db, &writer, 63).await;
    let others = spawn_puts(&db, (0..63).map(|i| format!("w{i}")));
    first.await.expect("task").expect("first write");
    assert!(stored(&db, "first").await);
    for task in others {
        let (result, seen) = task.await.expect("task");
        result.expect("write");
        assert!(seen, "a write answered Ok is readable at once");
    }
    assert_eq!(
        commits(&writer) - before,
        1,
        "64 waiting writes, one commit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_constraint_violation_fails_only_its_own_write() {
    let (_dir, db, writer) = open().await;
    put(&db, "taken").await.expect("first insert");
    let first = spawn_first(&db, &writer, 3).await;
    let others = spawn_puts(&db, ["a", "taken", "b"].map(String::from));
    first.await.expect("task").expect("first write");
    let results: Vec<_> = futures_util::future::join_all(others)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert!(results[0].0.is_ok() && results[0].1);
    assert!(
        matches!(&results[1].0, Err(DbError::Query(sqlx::Error::Database(d))) if d.is_unique_violation()),
        "{:?}",
        results[1].0
    );
    assert!(results[2].0.is_ok() && results[2].1);
    assert!(stored(&db, "first").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_breaks_the_transaction_fails_its_batch_and_the_next_batch_commits() {
    let (_dir, db, writer) = open().await;
    let first = spawn_first(&db, &writer, 1).await;
    // Not a constraint: the transaction's state is not known afterwards.
    let broken = {
        let db = db.clone();
        tokio::spawn(async move {
            write_tx!(db, |c| {
                sqlx::query("INSERT INTO no_such_table VALUES (1)")
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
    };
    let first = first.await.expect("task");
    let broken = broken.await.expect("task");
    assert!(broken.is_err());
    assert!(
        first.is_err(),
        "a write in a failed batch is not acknowledged"
    );
    assert!(!stored(&db, "first").await, "and not stored");
    put(&db, "after").await.expect("the next batch commits");
    assert!(stored(&db, "after").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_cancelled_in_its_statements_is_rolled_back_and_its_batch_commits() {
    let (_dir, db, writer) = open().await;
    let first = spawn_first(&db, &writer, 1).await;
    // Inserts, then hangs until its caller gives up (a client gone, a timeout).
    let cancelled = tokio::time::timeout(Duration::from_millis(300), async {
        write_tx!(db, |c| {
            sqlx::query("INSERT INTO settings (name, value) VALUES ('cancelled', 'v')")
                .execute(&mut *c)
                .await?;
            std::future::pending::<()>().await;
            Ok(())
        })
    })
    .await;
    assert!(cancelled.is_err(), "the hanging write timed out");
    tokio::time::timeout(Duration::from_secs(5), first)
        .await
        .expect("the batch was committed without the cancelled write")
        .expect("task")
        .expect("first write");
    assert!(stored(&db, "first").await);
    assert!(!stored(&db, "cancelled").await);
    put(&db, "after").await.expect("the writer is free again");
}
