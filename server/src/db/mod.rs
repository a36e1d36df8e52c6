//! Storage: one query code, two backends. `Db` holds a pool of either
//! PostgreSQL or SQLite connections; `with_conn!` (reads), `write_conn!` (one
//! write statement) and `write_tx!` (a write transaction) expand the same
//! diesel code once per backend (there is no async MultiConnection).
//! On SQLite, reads and writes use different connections (`db::sqlite`).

pub mod commits;
pub mod pool;
pub mod schema;
pub mod sqlite;
pub mod types;

use diesel::ConnectionError;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use pool::FairPool;
pub use sqlite::{SqliteConn, SqlitePools, SqliteReadConn};
pub use types::{Json, Ts};

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection pool as the metrics show it.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    pub pool: &'static str,
    pub size: u32,
    pub open: u32,
    pub idle: u32,
}

#[derive(Clone)]
pub enum Db {
    Pg(std::sync::Arc<FairPool<AsyncPgConnection>>),
    Sqlite(SqlitePools),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("row not found")]
    NotFound,
    /// A unique constraint refused the write; the field it guards.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("connection pool: {0}")]
    Pool(String),
    #[error("migration: {0}")]
    Migration(String),
    /// A row the request names (not the operation's own resource) is missing.
    #[error("no such {0}")]
    MissingRow(&'static str),
    /// A business rule refused the input: (field, problem) pairs.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<(String, String)>),
    /// The row's state refuses the change (a 409 with this message).
    #[error("refused: {0}")]
    Refused(String),
    /// As `Refused`, with what the caller needs to retry (the 409's `extra`).
    #[error("refused: {0}")]
    RefusedWith(String, serde_json::Value),
    /// The caller's precondition (`If-Match`, `If-None-Match`) does not
    /// hold for the row as it is (a 412 with this message).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// The request's Idempotency-Key claim was taken over by a retry (its
    /// lock ran out while it ran): its transaction must not commit.
    #[error("the idempotency claim was taken over")]
    ClaimLost,
}

impl From<ConnectionError> for StoreError {
    fn from(e: ConnectionError) -> Self {
        StoreError::Pool(e.to_string())
    }
}

/// Why the database could not serve a request that was itself fine: a
/// passing condition, answered 503 / 507 with `Retry-After`, never 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Unreachable, restarting, out of connections, its connection cut, or
    /// (SQLite) busy or its file not writable.
    Unavailable,
    /// No room left for the write.
    Full,
}

impl StoreError {
    /// The outage this error shows, if it is one. Classified by the
    /// drivers' kinds and messages (diesel keeps no SQLSTATE): PostgreSQL's
    /// classes 08 (connection), 53 (resources) and 57 (operator
    /// intervention), SQLite's BUSY, READONLY, CANTOPEN, IOERR and FULL.
    pub fn outage(&self) -> Option<Outage> {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match self {
            StoreError::Pool(_) => Some(Outage::Unavailable),
            StoreError::Query(E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand | K::ReadOnlyTransaction, _)) => {
                Some(Outage::Unavailable)
            }
            StoreError::Query(E::DatabaseError(_, info)) => outage_in(info.message()),
            StoreError::Query(E::BrokenTransactionManager) => Some(Outage::Unavailable),
            _ => None,
        }
    }
}

fn outage_in(message: &str) -> Option<Outage> {
    let m = message.to_ascii_lowercase();
    const FULL: [&str; 4] = ["database or disk is full", "no space left on device", "could not extend file", "disk quota exceeded"];
    const UNAVAILABLE: [&str; 13] = [
        "readonly database",
        "read-only file system",
        "disk i/o error",
        "unable to open database file",
        "database is locked",
        "terminating connection",
        "the database system is",
        "connection closed",
        "server closed the connection",
        "too many clients",
        "too many connections",
        "out of memory",
        "canceling statement due to conflict with recovery",
    ];
    if FULL.iter().any(|f| m.contains(f)) {
        Some(Outage::Full)
    } else if UNAVAILABLE.iter().any(|u| m.contains(u)) {
        Some(Outage::Unavailable)
    } else {
        None
    }
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        StoreError::Invalid(vec![(field.into(), problem.into())])
    }

    pub fn pool<E: std::fmt::Display>(e: E) -> Self {
        StoreError::Pool(e.to_string())
    }

    /// A unique violation becomes `Conflict(field)`; anything else stays.
    /// `NotFound` of a row the request names (not the operation's own
    /// resource) becomes `MissingRow(what)`.
    pub fn missing(what: &'static str) -> impl Fn(StoreError) -> StoreError {
        move |e| match e {
            StoreError::NotFound => StoreError::MissingRow(what),
            e => e,
        }
    }

    pub fn unique(field: &'static str) -> impl Fn(diesel::result::Error) -> StoreError {
        move |e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                StoreError::Conflict(field)
            }
            e => StoreError::Query(e),
        }
    }
}

/// Turns `Ok(None)` into `NotFound`.
pub trait Found<T> {
    fn found(self) -> Result<T, StoreError>;
}

impl<T> Found<T> for Result<Option<T>, StoreError> {
    fn found(self) -> Result<T, StoreError> {
        self.and_then(|o| o.ok_or(StoreError::NotFound))
    }
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Db {
    /// Connects and applies pending migrations. `postgres://…` selects
    /// PostgreSQL; `sqlite://PATH` (or a bare path) a SQLite file, created
    /// if missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        if is_postgres_url(url) {
            migrate_postgres(url).await?;
            let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
            let pool = FairPool::build(manager, max_connections.max(1), std::time::Duration::from_secs(10)).await?;
            Ok(Db::Pg(std::sync::Arc::new(pool)))
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url).to_owned();
            Ok(Db::Sqlite(sqlite::connect(path, max_connections).await?))
        }
    }

    /// Each connection pool's size and use, for the metrics.
    pub fn pool_states(&self) -> Vec<PoolState> {
        match self {
            Db::Pg(pool) => {
                let (size, open, idle) = pool.state();
                vec![PoolState { pool: "postgresql", size, open, idle }]
            }
            Db::Sqlite(pools) => pools.pool_states().to_vec(),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Pg(_) => "postgresql",
            Db::Sqlite(_) => "sqlite",
        }
    }
}

/// Several processes may start at once on one database: an advisory lock
/// held on a second connection serialises their migrations.
async fn migrate_postgres(url: &str) -> Result<(), StoreError> {
    const LOCK: i64 = 0x6d6f_6269_6575; // "mobieu"
    let mut lock_conn = AsyncPgConnection::establish(url).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(LOCK)
        .execute(&mut lock_conn)
        .await?;
    let conn = AsyncPgConnection::establish(url).await?;
    let result = tokio::task::block_in_place(|| {
        let mut harness = AsyncMigrationHarness::new(conn);
        harness.run_pending_migrations(PG_MIGRATIONS).map(|_| ()).map_err(|e| StoreError::Migration(e.to_string()))
    });
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(LOCK)
        .execute(&mut lock_conn)
        .await?;
    result
}

/// Runs `$body` with `$conn` bound to a pooled connection of either backend,
/// for reads (on SQLite a read-only connection: a write here fails).
#[macro_export]
macro_rules! with_conn {
    ($db:expr, |$conn:ident| $body:expr) => {
        $crate::on_conn!($db, reader, |$conn| $body)
    };
}

/// One write statement outside a transaction (on PostgreSQL it commits by
/// itself, one round trip; on SQLite it waits for the writer's turn).
/// Writes that touch more than one row set, or write an event, use
/// `write_tx!`.
#[macro_export]
macro_rules! write_conn {
    ($db:expr, |$conn:ident| $body:expr) => {
        $crate::on_conn!($db, writer, |$conn| $body)
    };
}

/// `with_conn!` and `write_conn!`: a pooled PostgreSQL connection, or the
/// SQLite connection `$sqlite` (`reader` or `writer`) hands out.
#[doc(hidden)]
#[macro_export]
macro_rules! on_conn {
    ($db:expr, $sqlite:ident, |$conn:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Pg(pool) => {
                let mut __guard = pool.get().await?;
                let $conn: &mut diesel_async::AsyncPgConnection = &mut *__guard;
                $body
            }
            $crate::db::Db::Sqlite(pools) => {
                let mut __guard = pools.$sqlite().await?;
                let $conn = &mut *__guard;
                $body
            }
        }
    };
}

/// A write transaction: BEGIN on PostgreSQL; on SQLite the writer's turn,
/// then BEGIN IMMEDIATE (the file lock is taken up front, so another process
/// on the file makes it wait rather than fail). After the commit it announces
/// what it wrote (`db::commits`) to this process's event streams and
/// delivery workers.
#[macro_export]
macro_rules! write_tx {
    ($db:expr, |$conn:ident| $body:expr) => {
        $crate::write_tx!($db, pg: |$conn| $body, sqlite: |$conn| $body)
    };
    // one body per backend, for the few writes that differ (row locks,
    // multi-row inserts)
    ($db:expr, pg: |$pc:ident| $pg:expr, sqlite: |$sc:ident| $sqlite:expr) => {
        $crate::db::commits::announced(async {
            match $db {
                $crate::db::Db::Pg(pool) => {
                    let mut __guard = pool.get().await?;
                    diesel_async::AsyncConnection::transaction(
                        &mut *__guard,
                        async |__tx: &mut diesel_async::AsyncPgConnection| -> Result<_, $crate::db::StoreError> {
                            #[allow(unused_mut)]
                            let mut __body = async |$pc: &mut diesel_async::AsyncPgConnection| -> Result<_, $crate::db::StoreError> { $pg };
                            let __done = __body(&mut *__tx).await?;
                            // an Idempotency-Key's claim is marked applied in
                            // the write itself (store::idempotency)
                            $crate::mark_claim_applied!(&mut *__tx);
                            Ok(__done)
                        },
                    )
                    .await
                }
                $crate::db::Db::Sqlite(pools) => {
                    let mut __turn = pools.writer().await?;
                    (&mut *__turn)
                        .immediate_transaction(async |__tx: &mut $crate::db::SqliteConn| -> Result<_, $crate::db::StoreError> {
                            #[allow(unused_mut)]
                            let mut __body = async |$sc: &mut $crate::db::SqliteConn| -> Result<_, $crate::db::StoreError> { $sqlite };
                            let __done = __body(&mut *__tx).await?;
                            $crate::mark_claim_applied!(&mut *__tx);
                            Ok(__done)
                        })
                        .await
                }
            }
        })
        .await
    };
}

/// A page and its count, read from one snapshot (so `total_count` agrees
/// with the page even while rows change): on PostgreSQL it pipelines
/// `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` and both queries on one
/// connection, then sends `COMMIT` once both have answered; SQLite runs them
/// in one read transaction.
///
/// `COMMIT` waits because a query whose statement is not yet prepared sends
/// its `Parse` first and its `Execute` only when the prepare answers: a
/// `COMMIT` pipelined with them would overtake that `Execute`, which would
/// then run outside the snapshot (a failed-deliveries page came back empty
/// beside a `total_count` of 1 that way).
/// `$rows` and `$count` are query futures built from `$conn`.
///
/// Every statement of the pipeline runs to its end (`join!`, not
/// `try_join!`), so the connection goes back to the pool outside any
/// transaction even when a query fails; handlers run detached, so a client
/// that goes away does not cut the pipeline short.
#[macro_export]
macro_rules! page_and_count {
    ($db:expr, |$conn:ident| $rows:expr, $count:expr) => {
        match $db {
            $crate::db::Db::Pg(pool) => {
                use diesel_async::SimpleAsyncConnection as _;
                let __guard = pool.get().await?;
                let shared: &diesel_async::AsyncPgConnection = &*__guard;
                let (mut opening, mut first, mut second, mut closing) = (shared, shared, shared, shared);
                let begin = opening.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
                let rows = {
                    let $conn = &mut first;
                    $rows
                };
                let count = {
                    let $conn = &mut second;
                    $count
                };
                let (begun, rows, count) = futures::join!(begin, rows, count);
                let committed = closing.batch_execute("COMMIT").await;
                begun?;
                let (rows, count) = (rows?, count?);
                committed?;
                (rows, count)
            }
            $crate::db::Db::Sqlite(pools) => {
                use diesel_async::SimpleAsyncConnection as _;
                let mut __guard = pools.reader().await?;
                let conn: &mut $crate::db::SqliteReadConn = &mut *__guard;
                conn.batch_execute("BEGIN").await?;
                let read = async {
                    let $conn: &mut $crate::db::SqliteReadConn = &mut *conn;
                    let rows = $rows.await?;
                    let $conn: &mut $crate::db::SqliteReadConn = &mut *conn;
                    let count = $count.await?;
                    Ok::<_, diesel::result::Error>((rows, count))
                }
                .await;
                let ended = conn.batch_execute(if read.is_ok() { "COMMIT" } else { "ROLLBACK" }).await;
                let read = read?;
                ended?;
                read
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::{outage_in, Outage};

    #[test]
    fn outages_are_told_from_the_drivers_messages() {
        for m in ["attempt to write a readonly database", "disk I/O error", "database is locked", "unable to open database file",
            "terminating connection due to administrator command", "the database system is shutting down", "connection closed",
            "sorry, too many clients already"] {
            assert_eq!(outage_in(m), Some(Outage::Unavailable), "{m}");
        }
        for m in ["database or disk is full", "could not extend file \"base/1/2\": No space left on device"] {
            assert_eq!(outage_in(m), Some(Outage::Full), "{m}");
        }
        for m in ["duplicate key value violates unique constraint", "syntax error at or near"] {
            assert_eq!(outage_in(m), None, "{m}");
        }
    }
}
