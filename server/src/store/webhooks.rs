//! Webhook endpoints and the delivery outbox. Deliveries are queued by
//! `record_event!` in the event's own transaction; the worker
//! (`crate::webhooks`) claims due rows with a lease and records each attempt.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rand::RngCore;
use serde_json::json;

use crate::db::schema::{webhook_attempts as wa, webhook_deliveries as wd, webhook_endpoints as we};
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::secrets::{Keyring, SealError};
use crate::store::counts;
use crate::store::events::{Event, NewEvent};
use crate::store::Page;
use crate::{list_total, page_and_count, with_conn, write_conn, write_tx};

/// How long the secret before a rotation keeps signing beside the new one.
pub const ROTATION_GRACE: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Sent to one endpoint only (`sendWebhookTest`), never fanned out.
pub const TEST_EVENT: &str = "webhook.test";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = we, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Endpoint {
    pub tenant_id: i64,
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Json<Vec<String>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<Ts>,
    pub failing_since: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl Endpoint {
    /// The secrets that sign a delivery now, opened: the current one, and
    /// the one before the last rotation while its grace lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>, secrets: &Keyring) -> Result<Vec<String>, SealError> {
        let context = secret_context(self.tenant_id);
        let mut v = vec![secrets.open(&self.secret, &context)?];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
            && until.0 > now {
                v.push(secrets.open(prev, &context)?);
            }
        Ok(v)
    }
}

/// What a tenant's signing secrets are sealed for (the associated data):
/// a sealed secret copied into another tenant's row does not open.
pub fn secret_context(tenant: i64) -> String {
    format!("webhook-secret:tenant:{tenant}")
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wd, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Delivery {
    pub tenant_id: i64,
    pub id: i64,
    pub endpoint_id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub body: String,
    pub status: String,
    pub attempt_count: i32,
    pub next_attempt_at: Option<Ts>,
    pub locked_until: Option<Ts>,
    pub last_status_code: Option<i32>,
    pub replay_of: Option<i64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl Delivery {
    /// The `webhook-id` header: the same on every attempt of this delivery.
    pub fn webhook_id(&self) -> String {
        format!("msg_{}", self.id)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wa, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Attempt {
    pub tenant_id: i64,
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub webhook_timestamp: i64,
    pub signature: String,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    pub created_at: Ts,
}

/// `None` is written as NULL (SQLite's batch insert has no DEFAULT).
#[derive(Debug, Insertable)]
#[diesel(table_name = wd, treat_none_as_default_value = false)]
pub struct NewDelivery {
    pub tenant_id: i64,
    pub endpoint_id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub body: String,
    pub status: &'static str,
    pub attempt_count: i32,
    pub next_attempt_at: Option<Ts>,
    pub replay_of: Option<i64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl NewDelivery {
    fn new(event: &Event, endpoint_id: i64) -> Self {
        Self::pending(event.tenant_id, endpoint_id, event.id, &event.event_type, event.to_json().to_string(), None)
    }

    /// The same event to the same endpoint again, as a new delivery.
    fn replaying(original: &Delivery) -> Self {
        let o = original;
        Self::pending(o.tenant_id, o.endpoint_id, o.event_id, &o.event_type, o.body.clone(), Some(o.id))
    }

    fn pending(tenant_id: i64, endpoint_id: i64, event_id: i64, event_type: &str, body: String, replay_of: Option<i64>) -> Self {
        let now = Ts::now();
        NewDelivery {
            tenant_id,
            endpoint_id,
            event_id,
            event_type: event_type.to_owned(),
            body,
            status: "pending",
            attempt_count: 0,
            next_attempt_at: Some(now),
            replay_of,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Whether an endpoint subscribed to `event_type` (`*` is every type).
pub fn subscribed(types: &[String], event_type: &str) -> bool {
    types.iter().any(|t| t == "*" || t == event_type)
}

/// The deliveries an event queues: one per subscribed endpoint (the test
/// event goes only where `sendWebhookTest` sends it).
pub fn fan_out(event: &Event, subscribers: &[(i64, Json<Vec<String>>)]) -> Vec<NewDelivery> {
    if event.event_type == TEST_EVENT {
        return vec![];
    }
    subscribers
        .iter()
        .filter(|(_, types)| subscribed(&types.0, &event.event_type))
        .map(|(id, _)| NewDelivery::new(event, *id))
        .collect()
}

/// `whsec_` + base64 of 32 random bytes (the Standard Webhooks format).
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", B64.encode(key))
}

#[derive(Debug, Clone)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// The endpoint and its signing secret (shown once; stored sealed).
pub async fn endpoint_create(
    db: &Db,
    secrets: &Keyring,
    tenant: i64,
    url: &str,
    event_types: &[String],
    description: Option<&str>,
) -> Result<(Endpoint, String), StoreError> {
    let now = Ts::now();
    let secret = new_secret();
    let sealed = secrets.seal_if_keyed(&secret, &secret_context(tenant));
    // a transaction, so that an Idempotency-Key is marked applied with it
    let endpoint: Endpoint = write_tx!(db, |conn| {
        Ok(diesel::insert_into(we::table)
            .values((
                we::tenant_id.eq(tenant),
                we::url.eq(url),
                we::description.eq(description),
                we::event_types.eq(Json(event_types.to_vec())),
                we::enabled.eq(true),
                we::secret.eq(sealed),
                we::created_at.eq(now),
                we::updated_at.eq(now),
            ))
            .returning(Endpoint::as_returning())
            .get_result(conn)
            .await?)
    })?;
    Ok((endpoint, secret))
}

pub async fn endpoint_list(db: &Db, tenant: i64, before_id: Option<i64>, limit: i64) -> Result<Page<Endpoint>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = we::table.filter(we::tenant_id.eq(tenant)).into_boxed();
        if let Some(id) = before_id {
            q = q.filter(we::id.lt(id));
        }
        q.order(we::id.desc()).limit(limit).select(Endpoint::as_select()).load::<Endpoint>(conn)
    }, crate::maintained_count!(conn, tenant, counts::WEBHOOK_ENDPOINTS, 0));
    Ok(Page { rows, total })
}

pub async fn endpoint_get(db: &Db, tenant: i64, id: i64) -> Result<Endpoint, StoreError> {
    with_conn!(db, |conn| {
        Ok(we::table
            .filter(we::tenant_id.eq(tenant).and(we::id.eq(id)))
            .select(Endpoint::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}

/// The columns an update sets (`None`: left as it is), in one statement.
#[derive(AsChangeset)]
#[diesel(table_name = we)]
struct EndpointChangeset {
    url: Option<String>,
    event_types: Option<Json<Vec<String>>>,
    description: Option<Option<String>>,
    enabled: Option<bool>,
    disabled_reason: Option<Option<&'static str>>,
    failing_since: Option<Option<Ts>>,
    updated_at: Ts,
}

pub async fn endpoint_update(db: &Db, tenant: i64, id: i64, c: &EndpointChanges) -> Result<Endpoint, StoreError> {
    let changes = EndpointChangeset {
        url: c.url.clone(),
        event_types: c.event_types.clone().map(Json),
        description: c.description.clone().map(Some),
        enabled: c.enabled,
        // turning an endpoint on again starts its failure clock afresh
        disabled_reason: c.enabled.map(|on| if on { None } else { Some("disabled_by_api") }),
        failing_since: c.enabled.map(|_| None),
        updated_at: Ts::now(),
    };
    write_tx!(db, |conn| {
        if c.enabled == Some(true) {
            // its waiting deliveries are deliverable again
            crate::db::commits::queued_delivery();
        }
        Ok(diesel::update(we::table.filter(we::tenant_id.eq(tenant).and(we::id.eq(id))))
            .set(&changes)
            .returning(Endpoint::as_returning())
            .get_result(conn)
            .await
            .optional()?)
    })
    .found()
}

/// Deletes the endpoint; its deliveries and attempts go with it.
pub async fn endpoint_delete(db: &Db, tenant: i64, id: i64) -> Result<(), StoreError> {
    let n = write_tx!(db, |conn| {
        diesel::delete(wa::table.filter(wa::tenant_id.eq(tenant).and(
            wa::delivery_id.eq_any(wd::table.filter(wd::tenant_id.eq(tenant).and(wd::endpoint_id.eq(id))).select(wd::id)),
        )))
        .execute(conn)
        .await?;
        diesel::delete(wd::table.filter(wd::tenant_id.eq(tenant).and(wd::endpoint_id.eq(id)))).execute(conn).await?;
        Ok(diesel::delete(we::table.filter(we::tenant_id.eq(tenant).and(we::id.eq(id)))).execute(conn).await?)
    })?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A new secret (returned, shown once); the current one keeps signing for
/// `ROTATION_GRACE`.
pub async fn endpoint_rotate(db: &Db, secrets: &Keyring, tenant: i64, id: i64) -> Result<(Endpoint, String), StoreError> {
    let now = Ts::now();
    let secret = new_secret();
    let sealed = secrets.seal_if_keyed(&secret, &secret_context(tenant));
    let until = Ts::from(now.0 + ROTATION_GRACE);
    write_tx!(db, |conn| {
        let current: Option<String> = we::table
            .filter(we::tenant_id.eq(tenant).and(we::id.eq(id)))
            .select(we::secret)
            .first(conn)
            .await
            .optional()?;
        let Some(current) = current else { return Ok(None) };
        Ok(diesel::update(we::table.filter(we::tenant_id.eq(tenant).and(we::id.eq(id))))
            .set((
                we::previous_secret.eq(Some(current)),
                we::previous_secret_expires_at.eq(Some(until)),
                we::secret.eq(sealed),
                we::updated_at.eq(now),
            ))
            .returning(Endpoint::as_returning())
            .get_result(conn)
            .await
            .optional()?)
    })
    .found()
    .map(|e| (e, secret))
}

/// One endpoint's stored secrets, for a master-key rotation.
#[derive(Debug, Clone, Queryable)]
pub struct StoredSecrets {
    pub tenant_id: i64,
    pub id: i64,
    pub secret: String,
    pub previous_secret: Option<String>,
}

/// Every endpoint's stored secrets after `(tenant, id)`, in that order, a
/// batch at a time.
pub async fn endpoint_secrets_after(db: &Db, after: (i64, i64), limit: i64) -> Result<Vec<StoredSecrets>, StoreError> {
    let (t, i) = after;
    with_conn!(db, |conn| Ok(we::table
        .filter(we::tenant_id.gt(t).or(we::tenant_id.eq(t).and(we::id.gt(i))))
        .order((we::tenant_id, we::id))
        .limit(limit)
        .select((we::tenant_id, we::id, we::secret, we::previous_secret))
        .load(conn)
        .await?))
}

/// Replaces an endpoint's stored secrets by their resealed forms, only if
/// they are still what was read (a rotation through the API in between
/// wins; the next pass reseals it). Whether it was written.
pub async fn endpoint_secrets_replace(db: &Db, read: &StoredSecrets, secret: &str, previous_secret: Option<&str>) -> Result<bool, StoreError> {
    let n: usize = write_conn!(db, |conn| {
        let matches = we::tenant_id.eq(read.tenant_id).and(we::id.eq(read.id)).and(we::secret.eq(&read.secret));
        let q = diesel::update(we::table).set((we::secret.eq(secret), we::previous_secret.eq(previous_secret)));
        match &read.previous_secret {
            Some(p) => q.filter(matches.and(we::previous_secret.eq(p))).execute(conn).await?,
            None => q.filter(matches.and(we::previous_secret.is_null())).execute(conn).await?,
        }
    });
    Ok(n == 1)
}

/// Writes a `webhook.test` event and queues it for this endpoint only.
pub async fn send_test(db: &Db, tenant: i64, endpoint_id: i64) -> Result<Delivery, StoreError> {
    write_tx!(db, |conn| {
        let exists: Option<i64> = we::table
            .filter(we::tenant_id.eq(tenant).and(we::id.eq(endpoint_id)))
            .select(we::id)
            .first(conn)
            .await
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let event = crate::record_event!(conn, NewEvent::new(tenant, TEST_EVENT, json!({
            "endpoint_id": endpoint_id, "message": "A test event from mobieusCore.",
        })));
        crate::db::commits::queued_delivery();
        Ok(diesel::insert_into(wd::table)
            .values(NewDelivery::new(&event, endpoint_id))
            .returning(Delivery::as_returning())
            .get_result(conn)
            .await?)
    })
}

/// Queues the delivery's event to its endpoint again, as a new delivery.
pub async fn delivery_replay(db: &Db, tenant: i64, id: i64) -> Result<Delivery, StoreError> {
    write_tx!(db, |conn| {
        let original: Option<Delivery> = wd::table
            .filter(wd::tenant_id.eq(tenant).and(wd::id.eq(id)))
            .select(Delivery::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(original) = original else { return Err(StoreError::NotFound) };
        crate::db::commits::queued_delivery();
        Ok(diesel::insert_into(wd::table)
            .values(NewDelivery::replaying(&original))
            .returning(Delivery::as_returning())
            .get_result(conn)
            .await?)
    })
}

/// An endpoint's deliveries, newest first; `NotFound` when the endpoint is
/// not the tenant's.
pub async fn delivery_list(db: &Db, tenant: i64, endpoint_id: i64, status: Option<&str>, before_id: Option<i64>, limit: i64) -> Result<Page<Delivery>, StoreError> {
    endpoint_get(db, tenant, endpoint_id).await?;
    macro_rules! filtered {
        () => {{
            let mut q = wd::table.filter(wd::tenant_id.eq(tenant).and(wd::endpoint_id.eq(endpoint_id))).into_boxed();
            if let Some(s) = status {
                q = q.filter(wd::status.eq(s.to_owned()));
            }
            q
        }};
    }
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!();
        if let Some(id) = before_id {
            q = q.filter(wd::id.lt(id));
        }
        q.order(wd::id.desc()).limit(limit).select(Delivery::as_select()).load::<Delivery>(conn)
    }, list_total!(conn, tenant, counts::WEBHOOK_DELIVERIES, endpoint_id, status.is_none(), filtered!()));
    Ok(Page { rows, total })
}

/// A delivery, its endpoint and its attempts (oldest first).
pub async fn delivery_get(db: &Db, tenant: i64, id: i64) -> Result<(Delivery, Endpoint, Vec<Attempt>), StoreError> {
    with_conn!(db, |conn| {
        let delivery: Option<Delivery> = wd::table
            .filter(wd::tenant_id.eq(tenant).and(wd::id.eq(id)))
            .select(Delivery::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(delivery) = delivery else { return Err(StoreError::NotFound) };
        let endpoint: Endpoint = we::table
            .filter(we::tenant_id.eq(tenant).and(we::id.eq(delivery.endpoint_id)))
            .select(Endpoint::as_select())
            .first(conn)
            .await?;
        let attempts: Vec<Attempt> = wa::table
            .filter(wa::tenant_id.eq(tenant).and(wa::delivery_id.eq(id)))
            .order(wa::attempt.asc())
            .select(Attempt::as_select())
            .load(conn)
            .await?;
        Ok((delivery, endpoint, attempts))
    })
}
