//! SCIM tokens: per-tenant bearer tokens for identity providers, shown once
//! at minting and stored as a SHA-256 hash (as API keys are; they carry 190
//! bits of randomness). A token's hash decides its tenant, so the table is a
//! directory table like `api_keys`; the two never stand in for each other.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::db::schema::{scim_tokens as s, tenants as t};
use crate::db::{Db, Found, StoreError, Ts};
use crate::rate_limit::Limits;
use crate::store::api_keys::{mint, Minted};
use crate::store::tenants::Tenant;
use crate::{with_conn, write_conn};

pub const TOKEN_PREFIX: &str = "scim_";
/// A token's rate limits unless minted with others (identity providers
/// provision in bursts).
pub const DEFAULT_LIMITS: Limits = Limits { per_minute: 1200, per_hour: 36_000 };

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = s, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ScimToken {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub prefix: String,
    pub per_minute: i32,
    pub per_hour: i32,
    pub created_at: Ts,
    pub revoked_at: Option<Ts>,
}

/// Mints a token for the tenant with its rate limits; returns it and its
/// secret (the only time the secret exists).
pub async fn scim_token_create(db: &Db, tenant_id: i64, name: &str, limits: Limits) -> Result<(ScimToken, String), StoreError> {
    let Minted { secret, hash, shown: prefix } = mint(TOKEN_PREFIX);
    let token = write_conn!(db, |conn| {
        diesel::insert_into(s::table)
            .values((
                s::tenant_id.eq(tenant_id),
                s::name.eq(name),
                s::prefix.eq(&prefix),
                s::secret_hash.eq(&hash),
                s::per_minute.eq(limits.per_minute),
                s::per_hour.eq(limits.per_hour),
                s::created_at.eq(Ts::now()),
            ))
            .returning(ScimToken::as_returning())
            .get_result(conn)
            .await?
    });
    Ok((token, secret))
}

pub async fn scim_token_list(db: &Db, tenant_id: i64) -> Result<Vec<ScimToken>, StoreError> {
    with_conn!(db, |conn| Ok(s::table.filter(s::tenant_id.eq(tenant_id)).order(s::id).select(ScimToken::as_select()).load(conn).await?))
}

pub async fn scim_token_revoke(db: &Db, id: i64) -> Result<ScimToken, StoreError> {
    write_conn!(db, |conn| {
        Ok(diesel::update(s::table.filter(s::id.eq(id)))
            .set(s::revoked_at.eq(Ts::now()))
            .returning(ScimToken::as_returning())
            .get_result(conn)
            .await
            .optional()?)
    })
    .found()
}

/// The live token with this hash and its tenant (one indexed lookup).
pub async fn scim_token_lookup(db: &Db, secret_hash: &str) -> Result<Option<(ScimToken, Tenant)>, StoreError> {
    with_conn!(db, |conn| {
        Ok(s::table
            .inner_join(t::table)
            .filter(s::secret_hash.eq(secret_hash).and(s::revoked_at.is_null()))
            .select((ScimToken::as_select(), Tenant::as_select()))
            .first(conn)
            .await
            .optional()?)
    })
}

impl ScimToken {
    pub fn limits(&self) -> Limits {
        Limits { per_minute: self.per_minute, per_hour: self.per_hour }
    }
}
