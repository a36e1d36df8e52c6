//! Tenants: the directory rows that keys point to.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::db::schema::tenants as t;
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::{with_conn, write_conn};

pub const PLANS: [&str; 4] = ["starter", "pro", "creator_plus", "sovereign"];
/// Plans that include the public API.
pub const API_PLANS: [&str; 3] = ["pro", "creator_plus", "sovereign"];

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Tenant {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub plan: String,
    pub cors_allowed_origins: Json<Vec<String>>,
    pub created_at: Ts,
    /// SCIM provisioning answers only while this is on (`scim enable`).
    pub scim_enabled: bool,
}

pub async fn tenant_create(db: &Db, slug: &str, name: &str, plan: &str) -> Result<Tenant, StoreError> {
    write_conn!(db, |conn| {
        diesel::insert_into(t::table)
            .values((
                t::slug.eq(slug),
                t::name.eq(name),
                t::plan.eq(plan),
                t::cors_allowed_origins.eq(Json(Vec::<String>::new())),
                t::created_at.eq(Ts::now()),
            ))
            .returning(Tenant::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))
    })
}

pub async fn tenant_by_slug(db: &Db, slug: &str) -> Result<Tenant, StoreError> {
    with_conn!(db, |conn| {
        Ok(t::table.filter(t::slug.eq(slug)).select(Tenant::as_select()).first(conn).await.optional()?)
    })
    .found()
}

pub async fn tenant_list(db: &Db) -> Result<Vec<Tenant>, StoreError> {
    with_conn!(db, |conn| Ok(t::table.order(t::id).select(Tenant::as_select()).load(conn).await?))
}

/// Sets one tenant setting (`$assignment`, a column's `.eq(..)`) by slug.
macro_rules! tenant_set {
    ($db:expr, $slug:expr, $assignment:expr) => {
        write_conn!($db, |conn| {
            Ok(diesel::update(t::table.filter(t::slug.eq($slug)))
                .set($assignment)
                .returning(Tenant::as_returning())
                .get_result(conn)
                .await
                .optional()?)
        })
        .found()
    };
}

pub async fn tenant_set_plan(db: &Db, slug: &str, plan: &str) -> Result<Tenant, StoreError> {
    tenant_set!(db, slug, t::plan.eq(plan))
}

pub async fn tenant_set_cors(db: &Db, slug: &str, origins: Vec<String>) -> Result<Tenant, StoreError> {
    tenant_set!(db, slug, t::cors_allowed_origins.eq(Json(origins.clone())))
}

pub async fn tenant_set_scim(db: &Db, slug: &str, enabled: bool) -> Result<Tenant, StoreError> {
    tenant_set!(db, slug, t::scim_enabled.eq(enabled))
}
