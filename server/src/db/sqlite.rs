//! SQLite: one writer, many readers.
//!
//! SQLite lets one connection write at a time. Rather than let writers race
//! for the file lock and sleep in busy-timeout back-offs (which is what made
//! reads stall behind writes), every write of this process goes through one
//! writer connection, queued in arrival order (`tokio::sync::Mutex` is
//! fair; a bb8 pool of one is not — a task that puts the connection back and
//! asks again at once takes it before the waiters, so a busy writer could
//! starve the rest). Reads run in parallel on a pool of read-only
//! connections: in WAL mode they read while the writer writes. A write sent
//! to a reader fails (`query_only`), so one that bypasses the queue is found
//! by the tests, not by a stall in production.

use std::time::Duration;

use diesel::{Connection, ConnectionError, ConnectionResult, SqliteConnection};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, PoolableConnection};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use diesel_migrations::MigrationHarness;
use futures::future::{BoxFuture, FutureExt};

use super::pool::{FairPool, Pooled};
use super::{StoreError, SQLITE_MIGRATIONS};

/// The writer: its queries run on the blocking pool (a commit may flush the
/// WAL to disk; a worker thread must not wait for that).
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

/// A reader: its queries run inline on the task's thread. A read from the
/// page cache takes microseconds, less than handing it to the blocking pool
/// and back (two thread wake-ups per query, which dominated the read
/// profile).
pub type SqliteReadConn = SyncConnectionWrapper<SqliteConnection, Inline>;

/// Runs a "blocking" task at once, on the calling thread.
pub struct Inline;

impl SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        std::future::ready(Ok(task())).boxed()
    }

    fn get_runtime() -> Self {
        Inline
    }
}

/// How long a write may wait for its turn, or a read for a connection.
const WAIT: Duration = Duration::from_secs(30);

// `busy_timeout` remains only for other processes on the file (the admin
// commands): this process queues its own writes. `synchronous = FULL`: in WAL
// mode every commit is synced to disk before it is acknowledged (one
// fdatasync, ~0.12 ms more per commit here: bench/sqlite-sync-cost.py), as
// PostgreSQL does. With `NORMAL` a commit
// reached only the page cache: safe from a process crash, lost with the
// file system or the power (tests/sqlite_read_only.rs found acknowledged
// tickets missing after the repair that way).
const READER: &[&str] = &["PRAGMA busy_timeout = 10000;", "PRAGMA query_only = ON;"];
const WRITER: &[&str] = &["PRAGMA busy_timeout = 10000;", "PRAGMA synchronous = FULL;", "PRAGMA foreign_keys = ON;"];

#[derive(Clone)]
pub struct SqlitePools {
    read: std::sync::Arc<FairPool<SqliteReadConn>>,
    write: std::sync::Arc<Writer>,
}

impl SqlitePools {
    /// A read-only connection from the pool.
    pub async fn reader(&self) -> Result<Pooled<'_, SqliteReadConn>, StoreError> {
        self.read.get().await
    }

    /// The readers' pool and the writer, for the metrics.
    pub fn pool_states(&self) -> [super::PoolState; 2] {
        let (size, open, idle) = self.read.state();
        let writing = self.write.conn.try_lock().is_err();
        [
            super::PoolState { pool: "sqlite_read", size, open, idle },
            super::PoolState { pool: "sqlite_write", size: 1, open: 1, idle: u32::from(!writing) },
        ]
    }

    /// The writer, in arrival order.
    pub async fn writer(&self) -> Result<WriterTurn<'_>, StoreError> {
        self.write.turn().await
    }
}

/// The writer connection and its queue.
struct Writer {
    path: String,
    conn: tokio::sync::Mutex<Option<SqliteConn>>,
}

/// The writer, held: this task's turn to write.
pub struct WriterTurn<'a>(tokio::sync::MutexGuard<'a, Option<SqliteConn>>);

impl std::ops::Deref for WriterTurn<'_> {
    type Target = SqliteConn;
    fn deref(&self) -> &SqliteConn {
        self.0.as_ref().expect("the writer holds a connection during its turn")
    }
}

impl std::ops::DerefMut for WriterTurn<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConn {
        self.0.as_mut().expect("the writer holds a connection during its turn")
    }
}

impl Writer {
    /// Waits for this task's turn. A connection left inside a transaction
    /// (its task was cancelled mid-write) is replaced, which rolls it back.
    async fn turn(&self) -> Result<WriterTurn<'_>, StoreError> {
        let mut held = tokio::time::timeout(WAIT, self.conn.lock())
            .await
            .map_err(|_| StoreError::Pool("timed out waiting for the SQLite writer".into()))?;
        if held.as_mut().is_none_or(|c| c.is_broken()) {
            *held = None;
            *held = Some(establish(&self.path, WRITER).await?);
        }
        Ok(WriterTurn(held))
    }
}

async fn establish<S: SpawnBlocking + Send>(path: &str, pragmas: &[&str]) -> ConnectionResult<SyncConnectionWrapper<SqliteConnection, S>> {
    let mut conn = SyncConnectionWrapper::<SqliteConnection, S>::establish(path).await?;
    for pragma in pragmas {
        conn.batch_execute(pragma).await.map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    }
    Ok(conn)
}

fn reader(path: &str) -> BoxFuture<'_, ConnectionResult<SqliteReadConn>> {
    establish(path, READER).boxed()
}

/// Opens (creating if missing) and migrates the file, then its readers and
/// writer.
pub async fn connect(path: String, readers: u32) -> Result<SqlitePools, StoreError> {
    let migrate_path = path.clone();
    tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
        let mut c = SqliteConnection::establish(&migrate_path)?;
        // WAL is a property of the file: set once, every connection uses it
        diesel::connection::SimpleConnection::batch_execute(&mut c, "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(())
    })
    .await
    .map_err(StoreError::pool)??;
    let mut config = ManagerConfig::<SqliteReadConn>::default();
    config.custom_setup = Box::new(reader);
    let manager = AsyncDieselConnectionManager::<SqliteReadConn>::new_with_config(path.clone(), config);
    let read = std::sync::Arc::new(FairPool::build(manager, readers.max(1), WAIT).await?);
    let conn = establish(&path, WRITER).await?;
    Ok(SqlitePools { read, write: std::sync::Arc::new(Writer { path, conn: tokio::sync::Mutex::new(Some(conn)) }) })
}
