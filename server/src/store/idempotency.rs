//! Idempotency keys, shared by every process through the database.
//!
//! A request claims `(tenant, key, path)` with one upsert: it wins when the
//! slot is free, expired (older than 24 h), or held by a request that died
//! (its lock ran out). Otherwise the existing row decides: another body is a
//! mismatch, a live claim is "in progress", a completed one is replayed.
//!
//! Exactly once, even when the process dies: while a claimed request runs,
//! its claim is held in a task-local ([`within_claim`]), and every write
//! transaction it commits marks the claim `applied` in that same transaction
//! ([`mark_applied!`]). A claim that was never applied is taken over once
//! its lock runs out (the write did not happen; running it is safe). An
//! applied claim whose answer was never recorded (the process died between
//! the commit and the answer) is never run again: a retry is told
//! [`Claim::AnswerLost`]. And a request whose lock ran out and was taken over
//! cannot commit at all: its mark finds the claim no longer its own and the
//! transaction rolls back.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use crate::db::schema::idempotency_keys as ik;
use crate::db::types::UtcTs;
use crate::db::{Db, StoreError, Ts};
use crate::{with_conn, write_conn};

/// How long a stored answer is replayed.
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How long a claim holds before a retry may take it over (the first request
/// is presumed dead).
pub const LOCK: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// What a tenant's stored answers are sealed for: an answer may carry a
/// secret shown once (a webhook endpoint's signing secret), so it is kept
/// sealed like the secret itself.
pub fn answer_context(tenant: i64) -> String {
    format!("idempotent-answer:tenant:{tenant}")
}

#[derive(Debug, PartialEq)]
pub enum Claim {
    /// Ours until `held_until`, which also names this claim (a takeover sets
    /// another).
    Claimed { held_until: Ts },
    Replay { status: u16, body: Vec<u8> },
    Mismatch,
    InProgress,
    /// The first request changed data, but its answer was not recorded.
    AnswerLost,
}

/// A claim held by the running request.
#[derive(Debug, Clone)]
pub struct Held {
    pub tenant_id: i64,
    pub key: String,
    pub path: String,
    pub held_until: Ts,
}

tokio::task_local! {
    static HELD: Held;
}

/// Runs a claimed request's work with its claim in scope of `write_tx!`.
pub async fn within_claim<F: std::future::Future>(held: Held, work: F) -> F::Output {
    HELD.scope(held, work).await
}

/// The claim the current task holds, if any.
pub fn held() -> Option<Held> {
    HELD.try_with(Held::clone).ok()
}

/// Inside a write transaction (`write_tx!` expands it on both backends):
/// marks the current task's claim `applied`, or refuses the commit when the
/// claim is no longer this request's.
#[doc(hidden)]
#[macro_export]
macro_rules! mark_claim_applied {
    ($conn:expr) => {
        if let Some(held) = $crate::store::idempotency::held() {
            use $crate::db::schema::idempotency_keys as ik;
            use diesel::prelude::*;
            let marked = diesel_async::RunQueryDsl::execute(
                diesel::update(
                    ik::table.filter(
                        ik::tenant_id
                            .eq(held.tenant_id)
                            .and(ik::idem_key.eq(&held.key))
                            .and(ik::path.eq(&held.path))
                            .and(ik::locked_until.eq(held.held_until))
                            .and(ik::state.ne("completed")),
                    ),
                )
                .set(ik::state.eq("applied")),
                $conn,
            )
            .await?;
            if marked == 0 {
                return Err($crate::db::StoreError::ClaimLost);
            }
        }
    };
}

const CLAIM: &str = "\
INSERT INTO idempotency_keys (tenant_id, idem_key, path, fingerprint, state, created_at, locked_until) \
VALUES ($1, $2, $3, $4, 'in_progress', $5, $6) \
ON CONFLICT (tenant_id, idem_key, path) DO UPDATE SET \
  fingerprint = excluded.fingerprint, state = 'in_progress', response_status = NULL, response_body = NULL, \
  created_at = excluded.created_at, locked_until = excluded.locked_until \
WHERE idempotency_keys.created_at < $7 \
   OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_until < $5) \
RETURNING state";

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    state: String,
}

#[derive(Queryable)]
struct Existing {
    fingerprint: String,
    state: String,
    response_status: Option<i32>,
    response_body: Option<String>,
    locked_until: Ts,
}

pub async fn idempotency_claim(db: &Db, tenant_id: i64, key: &str, path: &str, fingerprint: &str) -> Result<Claim, StoreError> {
    let now = Ts::now();
    let locked_until = Ts(now.0 + LOCK);
    let expired_before = Ts(now.0 - RETENTION);
    write_conn!(db, |conn| {
        let claimed = diesel::sql_query(CLAIM)
            .bind::<BigInt, _>(tenant_id)
            .bind::<Text, _>(key)
            .bind::<Text, _>(path)
            .bind::<Text, _>(fingerprint)
            .bind::<UtcTs, _>(now)
            .bind::<UtcTs, _>(locked_until)
            .bind::<UtcTs, _>(expired_before)
            .get_result::<ClaimedRow>(conn)
            .await
            .optional()?;
        if claimed.is_some() {
            return Ok(Claim::Claimed { held_until: locked_until });
        }
        let existing: Option<Existing> = ik::table
            .filter(ik::tenant_id.eq(tenant_id).and(ik::idem_key.eq(key)).and(ik::path.eq(path)))
            .select((ik::fingerprint, ik::state, ik::response_status, ik::response_body, ik::locked_until))
            .first(conn)
            .await
            .optional()?;
        Ok(match existing {
            // released between our insert and this read: the caller may retry
            None => Claim::InProgress,
            Some(e) if e.fingerprint != fingerprint => Claim::Mismatch,
            Some(e) if e.state == "in_progress" => Claim::InProgress,
            // applied, its answer not yet recorded: still running, or died
            Some(e) if e.state == "applied" && e.locked_until.0 > now.0 => Claim::InProgress,
            Some(e) if e.state == "applied" => Claim::AnswerLost,
            Some(e) => Claim::Replay {
                status: e.response_status.unwrap_or(200) as u16,
                body: e.response_body.unwrap_or_default().into_bytes(),
            },
        })
    })
}

/// Stores the answer of the claim held until `held_until`, or (with `None`,
/// after a server error) gives the slot up: a claim that wrote nothing is
/// freed so a retry runs again; an applied one is left applied, its lock
/// ended, so a retry learns at once that its answer is lost. A claim taken
/// over meanwhile is not touched.
pub async fn idempotency_complete(
    db: &Db,
    held: &Held,
    response: Option<(u16, Vec<u8>)>,
) -> Result<(), StoreError> {
    let slot = ik::table.filter(
        ik::tenant_id
            .eq(held.tenant_id)
            .and(ik::idem_key.eq(held.key.clone()))
            .and(ik::path.eq(held.path.clone()))
            .and(ik::locked_until.eq(held.held_until)),
    );
    write_conn!(db, |conn| {
        match response {
            Some((status, body)) => {
                diesel::update(slot)
                    .set((
                        ik::state.eq("completed"),
                        ik::response_status.eq(Some(status as i32)),
                        ik::response_body.eq(Some(String::from_utf8_lossy(&body).into_owned())),
                    ))
                    .execute(conn)
                    .await?;
            }
            None => {
                diesel::delete(slot.clone().filter(ik::state.eq("in_progress"))).execute(conn).await?;
                diesel::update(slot.filter(ik::state.eq("applied"))).set(ik::locked_until.eq(Ts::now())).execute(conn).await?;
            }
        }
        Ok(())
    })
}

/// A stored answer's position and body, for a master-key rotation.
#[derive(Debug, Clone, Queryable)]
pub struct StoredAnswer {
    pub tenant_id: i64,
    pub key: String,
    pub path: String,
    pub body: String,
}

/// Stored answers after `after` (tenant, key, path), in that order, a batch
/// at a time.
pub async fn idempotency_answers_after(db: &Db, after: &(i64, String, String), limit: i64) -> Result<Vec<StoredAnswer>, StoreError> {
    let (t, k, p) = after.clone();
    with_conn!(db, |conn| Ok(ik::table
        .filter(ik::response_body.is_not_null())
        .filter(
            ik::tenant_id
                .gt(t)
                .or(ik::tenant_id.eq(t).and(ik::idem_key.gt(k.clone())))
                .or(ik::tenant_id.eq(t).and(ik::idem_key.eq(k.clone())).and(ik::path.gt(p.clone()))),
        )
        .order((ik::tenant_id, ik::idem_key, ik::path))
        .limit(limit)
        .select((ik::tenant_id, ik::idem_key, ik::path, ik::response_body.assume_not_null()))
        .load(conn)
        .await?))
}

/// Replaces a stored answer by its resealed form, only if it is still what
/// was read. Whether it was written.
pub async fn idempotency_answer_replace(db: &Db, read: &StoredAnswer, resealed: &str) -> Result<bool, StoreError> {
    let n: usize = write_conn!(db, |conn| diesel::update(
        ik::table.filter(ik::tenant_id.eq(read.tenant_id).and(ik::idem_key.eq(&read.key)).and(ik::path.eq(&read.path)).and(ik::response_body.eq(&read.body))),
    )
    .set(ik::response_body.eq(resealed))
    .execute(conn)
    .await?);
    Ok(n == 1)
}

/// Drops answers past retention (background housekeeping; touches every tenant).
pub async fn idempotency_purge(db: &Db) -> Result<usize, StoreError> {
    let before = Ts(Ts::now().0 - RETENTION);
    write_conn!(db, |conn| Ok(diesel::delete(ik::table.filter(ik::created_at.lt(before))).execute(conn).await?))
}

/// Ends every claim's lock, as if a minute had passed (for tests of what a
/// retry after a crash finds).
pub async fn idempotency_locks_end(db: &Db) -> Result<usize, StoreError> {
    let past = Ts(Ts::now().0 - chrono::TimeDelta::seconds(1));
    write_conn!(db, |conn| Ok(diesel::update(ik::table).set(ik::locked_until.eq(past)).execute(conn).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn age_all(db: &Db) -> Result<usize, StoreError> {
        let old = Ts(Ts::now().0 - RETENTION - chrono::TimeDelta::minutes(1));
        write_conn!(db, |conn| Ok(diesel::update(ik::table).set(ik::created_at.eq(old)).execute(conn).await?))
    }

    fn held(tenant_id: i64, key: &str, claim: Claim) -> Held {
        let Claim::Claimed { held_until } = claim else { panic!("not claimed: {claim:?}") };
        Held { tenant_id, key: key.into(), path: "/p".into(), held_until }
    }

    /// A write transaction that runs as the claimed request would.
    async fn write_as(db: &Db, held: Held, slug: &'static str) -> Result<(), StoreError> {
        within_claim(held, async {
            crate::write_tx!(db, |conn| {
                diesel::sql_query("UPDATE tenants SET name = name || '' WHERE slug = $1")
                    .bind::<Text, _>(slug)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn claims_replays_mismatches_and_purges() {
        let db = Db::connect(&crate::testkit::fresh_sqlite(), 2).await.unwrap();
        let tenant = crate::store::tenants::tenant_create(&db, "t", "t", "pro").await.unwrap().id;
        let k = held(tenant, "k", idempotency_claim(&db, tenant, "k", "/p", "f1").await.unwrap());
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f1").await.unwrap(), Claim::InProgress);
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f2").await.unwrap(), Claim::Mismatch);
        idempotency_complete(&db, &k, Some((201, b"{}".to_vec()))).await.unwrap();
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f1").await.unwrap(), Claim::Replay { status: 201, body: b"{}".to_vec() });
        // a released slot (after a 5xx that wrote nothing) runs again
        let k2 = held(tenant, "k2", idempotency_claim(&db, tenant, "k2", "/p", "f").await.unwrap());
        idempotency_complete(&db, &k2, None).await.unwrap();
        assert!(matches!(idempotency_claim(&db, tenant, "k2", "/p", "f").await.unwrap(), Claim::Claimed { .. }));
        // nothing is past retention yet
        assert_eq!(idempotency_purge(&db).await.unwrap(), 0);
        age_all(&db).await.unwrap();
        assert_eq!(idempotency_purge(&db).await.unwrap(), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_claim_applied_in_its_write_never_runs_twice() {
        let db = Db::connect(&crate::testkit::fresh_sqlite(), 2).await.unwrap();
        let tenant = crate::store::tenants::tenant_create(&db, "t", "t", "pro").await.unwrap().id;
        // the write commits, then the process "dies" before the answer
        let k = held(tenant, "k", idempotency_claim(&db, tenant, "k", "/p", "f").await.unwrap());
        write_as(&db, k.clone(), "t").await.unwrap();
        // while its lock holds, a retry waits; after, it is told the answer is lost
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f").await.unwrap(), Claim::InProgress);
        idempotency_locks_end(&db).await.unwrap();
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f").await.unwrap(), Claim::AnswerLost);
        // a claim that never wrote is taken over after its lock
        let slow = held(tenant, "slow", idempotency_claim(&db, tenant, "slow", "/p", "f").await.unwrap());
        idempotency_locks_end(&db).await.unwrap();
        let retry = held(tenant, "slow", idempotency_claim(&db, tenant, "slow", "/p", "f").await.unwrap());
        // the first request, still running, can no longer commit; the retry can
        assert!(matches!(write_as(&db, slow.clone(), "t").await, Err(StoreError::ClaimLost)));
        write_as(&db, retry.clone(), "t").await.unwrap();
        // the first's late answer does not overwrite the retry's claim
        idempotency_complete(&db, &slow, Some((200, b"late".to_vec()))).await.unwrap();
        idempotency_complete(&db, &retry, Some((201, b"{}".to_vec()))).await.unwrap();
        assert_eq!(idempotency_claim(&db, tenant, "slow", "/p", "f").await.unwrap(), Claim::Replay { status: 201, body: b"{}".to_vec() });
        // an applied claim whose request then failed (5xx) is not run again
        let failed = held(tenant, "failed", idempotency_claim(&db, tenant, "failed", "/p", "f").await.unwrap());
        write_as(&db, failed.clone(), "t").await.unwrap();
        idempotency_complete(&db, &failed, None).await.unwrap();
        assert_eq!(idempotency_claim(&db, tenant, "failed", "/p", "f").await.unwrap(), Claim::AnswerLost);
    }
}
