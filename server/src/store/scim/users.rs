//! Members as SCIM Users: the profile columns `/api/v1/users` shows, plus
//! what SCIM keeps beside them (`scim_attributes`, `external_id`, the
//! `version` that is the ETag). Every write checks the version it read, so
//! two provisioning calls racing on one member never lose one's change.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::db::schema::{user_group_members as m, user_groups as g, users as u};
use crate::db::{Db, Json, StoreError, Ts};
use crate::store::events::NewEvent;
use crate::store::fold;
use crate::{record_event, with_conn, write_tx};

/// The most members a filter that no index answers reads (a larger tenant
/// filters by `userName`, `externalId` or `id`, which read one row).
pub const MAX_SCAN: i64 = 100_000;

pub const DEACTIVATED: &str = "deactivated";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = u, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ScimUserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub status: String,
    pub created_at: Ts,
    pub updated_at: Option<Ts>,
    pub version: i64,
    pub external_id: Option<String>,
    pub scim_attributes: Option<Json<Value>>,
}

/// What a SCIM write sets.
#[derive(Debug, Clone)]
pub struct UserWrite {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub active: bool,
    pub external_id: Option<String>,
    /// The normalised SCIM User, without `id`, `meta` and `groups`.
    pub attributes: Value,
}

/// Which members an indexed filter names.
pub enum Lookup<'a> {
    UserName(&'a str),
    ExternalId(&'a str),
    Id(i64),
}

macro_rules! live {
    ($tenant:expr) => {
        u::table.filter(u::tenant_id.eq($tenant).and(u::scim_deleted_at.is_null()))
    };
}

/// Every live member, by id (at most [`MAX_SCAN`]).
pub async fn scim_users_all(db: &Db, tenant: i64) -> Result<Vec<ScimUserRow>, StoreError> {
    with_conn!(db, |conn| Ok(live!(tenant).order(u::id).limit(MAX_SCAN).select(ScimUserRow::as_select()).load(conn).await?))
}

/// The live members an indexed equality names.
pub async fn scim_users_by(db: &Db, tenant: i64, lookup: Lookup<'_>) -> Result<Vec<ScimUserRow>, StoreError> {
    with_conn!(db, |conn| {
        let q = live!(tenant).into_boxed();
        let q = match lookup {
            Lookup::UserName(name) => q.filter(u::username_folded.eq(fold(name))),
            Lookup::ExternalId(id) => q.filter(u::external_id.eq(id.to_owned())),
            Lookup::Id(id) => q.filter(u::id.eq(id)),
        };
        Ok(q.order(u::id).select(ScimUserRow::as_select()).load(conn).await?)
    })
}

pub async fn scim_user_get(db: &Db, tenant: i64, id: i64) -> Result<ScimUserRow, StoreError> {
    scim_users_by(db, tenant, Lookup::Id(id)).await?.into_iter().next().ok_or(StoreError::NotFound)
}

/// `(user_id, group_id, group display name)` of the members' groups (read
/// for the tenant whole when they are many, see [`super::IN_LIST_MAX`]; the
/// caller picks its own).
pub async fn memberships_of(db: &Db, tenant: i64, users: &[i64]) -> Result<Vec<(i64, i64, String)>, StoreError> {
    with_conn!(db, |conn| {
        let mut q = m::table
            .inner_join(g::table.on(g::tenant_id.eq(m::tenant_id).and(g::id.eq(m::group_id))))
            .filter(m::tenant_id.eq(tenant))
            .into_boxed();
        if users.len() <= super::IN_LIST_MAX {
            q = q.filter(m::user_id.eq_any(users.to_vec()));
        }
        Ok(q.order((m::user_id, m::group_id)).select((m::user_id, m::group_id, g::display_name)).load(conn).await?)
    })
}

fn status_after(old: &str, active: bool) -> &str {
    match (active, old) {
        (false, _) => DEACTIVATED,
        (true, DEACTIVATED) => "active",
        (true, other) => other,
    }
}

/// Creates a member (or brings back one a SCIM DELETE removed, with the
/// same user name), with `user.created`, in one transaction.
pub async fn scim_user_create(db: &Db, tenant: i64, w: &UserWrite) -> Result<ScimUserRow, StoreError> {
    let folded = fold(&w.username);
    write_tx!(db, |conn| {
        let now = Ts::now();
        let removed: Option<i64> = u::table
            .filter(u::tenant_id.eq(tenant).and(u::username_folded.eq(&folded)).and(u::scim_deleted_at.is_not_null()))
            .select(u::id)
            .first(conn)
            .await
            .optional()?;
        let row: ScimUserRow = match removed {
            Some(id) => diesel::update(u::table.filter(u::tenant_id.eq(tenant).and(u::id.eq(id))))
                .set((
                    u::username.eq(&w.username),
                    u::display_name.eq(&w.display_name),
                    u::email.eq(&w.email),
                    u::status.eq(status_after(DEACTIVATED, w.active)),
                    u::external_id.eq(&w.external_id),
                    u::scim_attributes.eq(Some(Json(w.attributes.clone()))),
                    u::updated_at.eq(Some(now)),
                    u::version.eq(u::version + 1),
                    u::scim_deleted_at.eq(None::<Ts>),
                ))
                .returning(ScimUserRow::as_returning())
                .get_result(conn)
                .await?,
            None => diesel::insert_into(u::table)
                .values((
                    u::tenant_id.eq(tenant),
                    u::username.eq(&w.username),
                    u::username_folded.eq(&folded),
                    u::display_name.eq(&w.display_name),
                    u::email.eq(&w.email),
                    u::role.eq("member"),
                    u::created_at.eq(now),
                    u::status.eq(if w.active { "active" } else { DEACTIVATED }),
                    u::external_id.eq(&w.external_id),
                    u::scim_attributes.eq(Some(Json(w.attributes.clone()))),
                    u::updated_at.eq(Some(now)),
                    u::version.eq(1),
                ))
                .returning(ScimUserRow::as_returning())
                .get_result(conn)
                .await
                .map_err(StoreError::unique("userName"))?,
        };
        record_event!(conn, NewEvent::new(tenant, "user.created", json!({ "user_id": row.id, "username": row.username })));
        Ok(row)
    })
}

/// Replaces what SCIM keeps of a member if it is still at `version`
/// (otherwise `PreconditionFailed`), with `user.updated` (and
/// `user.deactivated` when it turns inactive), in one transaction.
pub async fn scim_user_update(db: &Db, tenant: i64, id: i64, version: i64, w: &UserWrite) -> Result<ScimUserRow, StoreError> {
    let folded = fold(&w.username);
    write_tx!(db, |conn| {
        let old: Option<String> = live!(tenant).filter(u::id.eq(id)).select(u::status).first(conn).await.optional()?;
        let old = old.ok_or(StoreError::NotFound)?;
        let status = status_after(&old, w.active);
        let row: Option<ScimUserRow> = diesel::update(u::table.filter(u::tenant_id.eq(tenant).and(u::id.eq(id)).and(u::version.eq(version))))
            .set((
                u::username.eq(&w.username),
                u::username_folded.eq(&folded),
                u::display_name.eq(&w.display_name),
                u::email.eq(&w.email),
                u::status.eq(status),
                u::external_id.eq(&w.external_id),
                u::scim_attributes.eq(Some(Json(w.attributes.clone()))),
                u::updated_at.eq(Some(Ts::now())),
                u::version.eq(version + 1),
            ))
            .returning(ScimUserRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(StoreError::unique("userName"))?;
        let row = row.ok_or_else(|| StoreError::PreconditionFailed(format!("User {id} changed since version {version}.")))?;
        let data = json!({ "user_id": row.id, "username": row.username });
        record_event!(conn, NewEvent::new(tenant, "user.updated", data.clone()));
        if status == DEACTIVATED && old != DEACTIVATED {
            record_event!(conn, NewEvent::new(tenant, "user.deactivated", data));
        }
        Ok(row)
    })
}

/// A SCIM DELETE: the member is deactivated and leaves SCIM and its groups;
/// their history stays.
pub async fn scim_user_delete(db: &Db, tenant: i64, id: i64, version: Option<i64>) -> Result<(), StoreError> {
    write_tx!(db, |conn| {
        let row: Option<(String, i64, String)> = live!(tenant).filter(u::id.eq(id)).select((u::status, u::version, u::username)).first(conn).await.optional()?;
        let (status, current, username) = row.ok_or(StoreError::NotFound)?;
        if version.is_some_and(|v| v != current) {
            return Err(StoreError::PreconditionFailed(format!("User {id} is at version {current}.")));
        }
        diesel::delete(m::table.filter(m::tenant_id.eq(tenant).and(m::user_id.eq(id)))).execute(conn).await?;
        diesel::update(u::table.filter(u::tenant_id.eq(tenant).and(u::id.eq(id))))
            .set((u::status.eq(DEACTIVATED), u::scim_deleted_at.eq(Some(Ts::now())), u::version.eq(current + 1), u::updated_at.eq(Some(Ts::now()))))
            .execute(conn)
            .await?;
        if status != DEACTIVATED {
            record_event!(conn, NewEvent::new(tenant, "user.deactivated", json!({ "user_id": id, "username": username })));
        }
        Ok(())
    })
}
