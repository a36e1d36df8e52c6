//! Connection pools that serve waiters in arrival order.
//!
//! bb8 hands a returned connection to whoever asks next, and a task that
//! has just returned one usually asks again at once (an idempotent request
//! claims its key, runs its transaction, records its answer: three turns in
//! a row), so it takes the connection before the tasks already waiting,
//! which can wait for a very long time: under load the idempotent write path
//! had a p99 forty times its median. A FIFO semaphore with one permit per
//! connection, taken before the pool is asked, puts every turn in line.

use std::time::Duration;

use bb8::{ManageConnection, Pool, PooledConnection};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::StoreError;

pub struct FairPool<C: 'static>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Error = diesel_async::pooled_connection::PoolError>,
{
    pool: Pool<AsyncDieselConnectionManager<C>>,
    turns: Semaphore,
    wait: Duration,
    size: u32,
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

impl<C: 'static> FairPool<C>
where
    AsyncDieselConnectionManager<C>: ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    /// `size` connections; a turn waits at most `wait` (then the pool is
    /// reported unavailable).
    pub async fn build(manager: AsyncDieselConnectionManager<C>, size: u32, wait: Duration) -> Result<Self, StoreError> {
        // no test query before every use (bb8's default): that was a round
        // trip per request; a connection that broke is dropped when it comes
        // back to the pool, and its one failed query is answered as an error
        let pool = Pool::builder()
            .max_size(size)
            .test_on_check_out(false)
            .connection_timeout(wait)
            .build(manager)
            .await
            .map_err(StoreError::pool)?;
        Ok(FairPool { pool, turns: Semaphore::new(size as usize), wait, size })
    }

    /// (size, open connections, idle connections), for the metrics.
    pub fn state(&self) -> (u32, u32, u32) {
        let s = self.pool.state();
        (self.size, s.connections, s.idle_connections)
    }

    pub async fn get(&self) -> Result<Pooled<'_, C>, StoreError> {
        let waited = tokio::time::timeout(self.wait, async {
            let turn = self.turns.acquire().await.map_err(StoreError::pool)?;
            let conn = self.pool.get().await.map_err(StoreError::pool)?;
            Ok::<_, StoreError>(Pooled { conn, _turn: turn })
        })
        .await;
        waited.map_err(|_| StoreError::Pool("timed out waiting for a database connection".into()))?
    }
}
