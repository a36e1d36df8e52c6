//! API keys: shown once at minting, stored as a SHA-256 hash plus a short
//! prefix. Keys carry 190 bits of randomness, so a fast hash is enough (no
//! password stretching); the lookup is one indexed equality on the hash.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::{api_keys as k, tenants as t};
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::store::tenants::Tenant;
use crate::{with_conn, write_conn, write_tx};

pub const KEY_PREFIX: &str = "mc_live_";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = k, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ApiKey {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Json<Vec<String>>,
    pub per_minute: i32,
    pub per_hour: i32,
    pub created_at: Ts,
    pub expires_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
}

impl ApiKey {
    /// Usable now: not revoked, not past its expiry (a rotated key's grace).
    pub fn is_live(&self, now: Ts) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

#[derive(Debug, Clone)]
pub struct NewKey {
    pub tenant_id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub per_minute: i32,
    pub per_hour: i32,
}

pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh bearer secret (`<prefix>` + 32 random alphanumerics, 190 bits),
/// its stored hash, and the short prefix lists show.
pub struct Minted {
    pub secret: String,
    pub hash: String,
    pub shown: String,
}

/// Mints a secret for API keys and SCIM tokens alike.
pub fn mint(prefix: &str) -> Minted {
    let secret = format!("{prefix}{}", Alphanumeric.sample_string(&mut rand::rng(), 32));
    let hash = hash_secret(&secret);
    let shown = secret[..prefix.len() + 4].to_owned();
    Minted { secret, hash, shown }
}

/// Returns the key and its secret (the only time the secret exists).
pub async fn key_create(db: &Db, new: &NewKey) -> Result<(ApiKey, String), StoreError> {
    let Minted { secret, hash, shown: prefix } = mint(KEY_PREFIX);
    let key = write_conn!(db, |conn| {
        diesel::insert_into(k::table)
            .values((
                k::tenant_id.eq(new.tenant_id),
                k::name.eq(&new.name),
                k::prefix.eq(&prefix),
                k::secret_hash.eq(&hash),
                k::scopes.eq(Json(new.scopes.clone())),
                k::per_minute.eq(new.per_minute),
                k::per_hour.eq(new.per_hour),
                k::created_at.eq(Ts::now()),
            ))
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await?
    });
    Ok((key, secret))
}

pub async fn key_list(db: &Db, tenant_id: i64) -> Result<Vec<ApiKey>, StoreError> {
    with_conn!(db, |conn| {
        Ok(k::table.filter(k::tenant_id.eq(tenant_id)).order(k::id).select(ApiKey::as_select()).load(conn).await?)
    })
}

pub async fn key_revoke(db: &Db, id: i64) -> Result<ApiKey, StoreError> {
    write_conn!(db, |conn| {
        Ok(diesel::update(k::table.find(id))
            .set(k::revoked_at.eq(Some(Ts::now())))
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await
            .optional()?)
    })
    .found()
}

/// Mints a successor with the same tenant, scopes and limits; the old key
/// stays valid for `grace_seconds` (0 = ends now).
pub async fn key_rotate(db: &Db, id: i64, grace_seconds: i64) -> Result<(ApiKey, String, ApiKey), StoreError> {
    let Minted { secret, hash, shown: prefix } = mint(KEY_PREFIX);
    let now = Ts::now();
    let ends = Ts(now.0 + chrono::TimeDelta::seconds(grace_seconds.max(0)));
    let (new, old) = write_tx!(db, |conn| {
        let old: ApiKey = k::table
            .find(id)
            .filter(k::revoked_at.is_null())
            .select(ApiKey::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let new: ApiKey = diesel::insert_into(k::table)
            .values((
                k::tenant_id.eq(old.tenant_id),
                k::name.eq(&old.name),
                k::prefix.eq(&prefix),
                k::secret_hash.eq(&hash),
                k::scopes.eq(old.scopes.clone()),
                k::per_minute.eq(old.per_minute),
                k::per_hour.eq(old.per_hour),
                k::created_at.eq(now),
            ))
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await?;
        let expires = match old.expires_at {
            Some(e) if e < ends => e,
            _ => ends,
        };
        let old: ApiKey = diesel::update(k::table.find(id))
            .set(k::expires_at.eq(Some(expires)))
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await?;
        Ok((new, old))
    })?;
    Ok((new, secret, old))
}

/// The one indexed lookup authentication costs (with its tenant).
pub async fn key_lookup(db: &Db, hash: &str) -> Result<Option<(ApiKey, Tenant)>, StoreError> {
    with_conn!(db, |conn| {
        Ok(k::table
            .inner_join(t::table)
            .filter(k::secret_hash.eq(hash))
            .select((ApiKey::as_select(), Tenant::as_select()))
            .first(conn)
            .await
            .optional()?)
    })
}
