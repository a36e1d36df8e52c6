//! Idempotency keys, shared by every process through the database.
//!
//! A request claims `(tenant, key, path)` with one upsert: it wins when the
//! slot is free, expired (older than 24 h), or held by a request that died
//! (its lock ran out). Otherwise the existing row decides: another body is a
//! mismatch, a live claim is "in progress", a completed one is replayed.

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
    Claimed,
    Replay { status: u16, body: Vec<u8> },
    Mismatch,
    InProgress,
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
            return Ok(Claim::Claimed);
        }
        let existing: Option<Existing> = ik::table
            .filter(ik::tenant_id.eq(tenant_id).and(ik::idem_key.eq(key)).and(ik::path.eq(path)))
            .select((ik::fingerprint, ik::state, ik::response_status, ik::response_body))
            .first(conn)
            .await
            .optional()?;
        Ok(match existing {
            // released between our insert and this read: the caller may retry
            None => Claim::InProgress,
            Some(e) if e.fingerprint != fingerprint => Claim::Mismatch,
            Some(e) if e.state == "in_progress" => Claim::InProgress,
            Some(e) => Claim::Replay {
                status: e.response_status.unwrap_or(200) as u16,
                body: e.response_body.unwrap_or_default().into_bytes(),
            },
        })
    })
}

/// Stores the answer, or (with `None`) frees the slot so a retry runs again.
pub async fn idempotency_complete(
    db: &Db,
    tenant_id: i64,
    key: &str,
    path: &str,
    response: Option<(u16, Vec<u8>)>,
) -> Result<(), StoreError> {
    let slot = ik::table.filter(ik::tenant_id.eq(tenant_id).and(ik::idem_key.eq(key)).and(ik::path.eq(path)));
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
                diesel::delete(slot).execute(conn).await?;
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


#[cfg(test)]
mod tests {
    use super::*;

    async fn age_all(db: &Db) -> Result<usize, StoreError> {
        let old = Ts(Ts::now().0 - RETENTION - chrono::TimeDelta::minutes(1));
        write_conn!(db, |conn| Ok(diesel::update(ik::table).set(ik::created_at.eq(old)).execute(conn).await?))
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn claims_replays_mismatches_and_purges() {
        let db = Db::connect(&crate::testkit::fresh_sqlite(), 2).await.unwrap();
        let tenant = crate::store::tenants::tenant_create(&db, "t", "t", "pro").await.unwrap().id;
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f1").await.unwrap(), Claim::Claimed);
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f1").await.unwrap(), Claim::InProgress);
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f2").await.unwrap(), Claim::Mismatch);
        idempotency_complete(&db, tenant, "k", "/p", Some((201, b"{}".to_vec()))).await.unwrap();
        assert_eq!(idempotency_claim(&db, tenant, "k", "/p", "f1").await.unwrap(), Claim::Replay { status: 201, body: b"{}".to_vec() });
        // a released slot (after a 5xx) runs again
        idempotency_claim(&db, tenant, "k2", "/p", "f").await.unwrap();
        idempotency_complete(&db, tenant, "k2", "/p", None).await.unwrap();
        assert_eq!(idempotency_claim(&db, tenant, "k2", "/p", "f").await.unwrap(), Claim::Claimed);
        // nothing is past retention yet
        assert_eq!(idempotency_purge(&db).await.unwrap(), 0);
        age_all(&db).await.unwrap();
        assert_eq!(idempotency_purge(&db).await.unwrap(), 2);
    }
}
