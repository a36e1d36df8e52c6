//! Connection pools that serve waiters in arrival order.
//!
//! bb8 hands a returned connection to whoever asks next, and a task that
//! has just returned one usually asks again at once (an idempotent request
//! claims its key, runs its transaction, records its answer: three turns in
//! a row), so it takes the connection before the tasks already waiting,
//! which can wait for a very long time: under load the idempotent write path
//! had a p99 forty times its median. A FIFO semaphore with one permit per
//! connection, taken before the pool is asked, puts every turn in line.
//!
//! While the database refuses connections, a request does not wait the
//! whole `wait` for one: the pool notes each failed connect and each made
//! one ([`Reachability`]); a failed connect ends the waits in progress, and
//! until a connection is made again a request waits only [`FAIL_FAST`]
//! (then it is answered 503).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bb8::{CustomizeConnection, ErrorSink, ManageConnection, Pool, PooledConnection};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use tokio::sync::{Notify, Semaphore, SemaphorePermit};

use super::StoreError;

pub struct FairPool<C: 'static>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Error = diesel_async::pooled_connection::PoolError>,
{
    pool: Pool<AsyncDieselConnectionManager<C>>,
    turns: Semaphore,
    wait: Duration,
    size: u32,
    reachability: Reachability,
}

/// How long a request waits for a connection while the last attempt to
/// connect failed (a new attempt on loopback or a LAN takes milliseconds).
pub const FAIL_FAST: Duration = Duration::from_millis(500);

/// Whether the database's last connect failed, and when: set by the pool's
/// error sink, cleared by each connection made.
#[derive(Debug, Clone, Default)]
pub struct Reachability {
    failed_at: Arc<Mutex<Option<Instant>>>,
    failed: Arc<Notify>,
}

impl Reachability {
    /// A connect failed within the last `within` with none made since.
    fn failing(&self, within: Duration) -> bool {
        self.failed_at.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|at| at.elapsed() < within)
    }

    fn set(&self, failed_at: Option<Instant>) {
        *self.failed_at.lock().unwrap_or_else(|p| p.into_inner()) = failed_at;
    }
}

impl<E> ErrorSink<E> for Reachability {
    fn sink(&self, _error: E) {
        // a failed connect (bb8 goes on retrying it in the background)
        self.set(Some(Instant::now()));
        self.failed.notify_waiters();
    }

    fn boxed_clone(&self) -> Box<dyn ErrorSink<E>> {
        Box::new(self.clone())
    }
}

impl<C: Send + 'static, E: 'static> CustomizeConnection<C, E> for Reachability {
    fn on_acquire<'a>(&'a self, _connection: &'a mut C) -> std::pin::Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'a>> {
        self.set(None);
        Box::pin(async { Ok(()) })
    }
}

/// A connection, held: its turn ends when it is dropped (the connection goes
/// back to the pool first, then the next in line is let in).
pub struct Pooled<'a, C: 'static>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    conn: PooledConnection<'a, AsyncDieselConnectionManager<C>>,
    _turn: SemaphorePermit<'a>,
}

impl<C: 'static> std::ops::Deref for Pooled<'_, C>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    type Target = C;
    fn deref(&self) -> &C {
        &self.conn
    }
}

impl<C: 'static> std::ops::DerefMut for Pooled<'_, C>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    fn deref_mut(&mut self) -> &mut C {
        &mut self.conn
    }
}

impl<C: Send + 'static> FairPool<C>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    /// `size` connections; a turn waits at most `wait` (then the pool is
    /// reported unavailable).
    pub async fn build(manager: AsyncDieselConnectionManager<C>, size: u32, wait: Duration) -> Result<Self, StoreError> {
        // no test query before every use (bb8's default): that was a round
        // trip per request; a connection that broke is dropped when it comes
        // back to the pool, and its one failed query is answered as an error
        let reachability = Reachability::default();
        let pool = Pool::builder()
            .max_size(size)
            .test_on_check_out(false)
            .connection_timeout(wait)
            .error_sink(Box::new(reachability.clone()))
            .connection_customizer(Box::new(reachability.clone()))
            .build(manager)
            .await
            .map_err(StoreError::pool)?;
        Ok(FairPool { pool, turns: Semaphore::new(size as usize), wait, size, reachability })
    }

    /// (size, open connections, idle connections), for the metrics.
    pub fn state(&self) -> (u32, u32, u32) {
        let s = self.pool.state();
        (self.size, s.connections, s.idle_connections)
    }

    pub async fn get(&self) -> Result<Pooled<'_, C>, StoreError> {
        // a failure older than the full wait says nothing about now
        let wait = if self.reachability.failing(self.wait) { FAIL_FAST.min(self.wait) } else { self.wait };
        let refused = self.reachability.failed.notified();
        let got = async {
            let turn = self.turns.acquire().await.map_err(StoreError::pool)?;
            let conn = self.pool.get().await.map_err(StoreError::pool)?;
            Ok::<_, StoreError>(Pooled { conn, _turn: turn })
        };
        tokio::select! {
            got = got => got,
            _ = refused => Err(StoreError::Pool("the database refused a connection".into())),
            _ = tokio::time::sleep(wait) => Err(StoreError::Pool("timed out waiting for a database connection".into())),
        }
    }
}
