//! Groups of members (SCIM Groups): a name, an optional `external_id`, the
//! members, and the `version` that is the ETag. Members are replaced as a
//! set inside the write's transaction, checked to be live members of the
//! tenant.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{user_group_members as m, user_groups as g, users as u};
use crate::db::{Db, StoreError, Ts};
use crate::{with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = g, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct GroupRow {
    pub id: i64,
    pub display_name: String,
    pub external_id: Option<String>,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct GroupWrite {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member user ids, without repeats.
    pub members: Vec<i64>,
}

/// A member as a group shows it: `(group_id, user_id, user name, display name)`.
pub type Member = (i64, i64, String, String);

/// Every group of the tenant, by id, or those an equality names.
pub async fn groups_list(db: &Db, tenant: i64, display_name: Option<&str>, id: Option<i64>) -> Result<Vec<GroupRow>, StoreError> {
    with_conn!(db, |conn| {
        let mut q = g::table.filter(g::tenant_id.eq(tenant)).into_boxed();
        if let Some(name) = display_name {
            q = q.filter(g::display_name.eq(name.to_owned()));
        }
        if let Some(id) = id {
            q = q.filter(g::id.eq(id));
        }
        Ok(q.order(g::id).limit(super::users::MAX_SCAN).select(GroupRow::as_select()).load(conn).await?)
    })
}

pub async fn group_get(db: &Db, tenant: i64, id: i64) -> Result<GroupRow, StoreError> {
    groups_list(db, tenant, None, Some(id)).await?.into_iter().next().ok_or(StoreError::NotFound)
}

/// The members of the groups (read for the tenant whole when they are
/// many, see [`super::IN_LIST_MAX`]; the caller picks its own).
pub async fn members_of(db: &Db, tenant: i64, groups: &[i64]) -> Result<Vec<Member>, StoreError> {
    with_conn!(db, |conn| {
        let mut q = m::table
            .inner_join(u::table.on(u::tenant_id.eq(m::tenant_id).and(u::id.eq(m::user_id))))
            .filter(m::tenant_id.eq(tenant))
            .into_boxed();
        if groups.len() <= super::IN_LIST_MAX {
            q = q.filter(m::group_id.eq_any(groups.to_vec()));
        }
        Ok(q.order((m::group_id, m::user_id)).select((m::group_id, m::user_id, u::username, u::display_name)).load(conn).await?)
    })
}

/// Sets a group's members inside a write transaction: each must be a live
/// member of the tenant (`MissingRow("user")` otherwise).
macro_rules! set_members {
    ($conn:expr, $tenant:expr, $group:expr, $members:expr) => {{
        let live: Vec<i64> = u::table
            .filter(u::tenant_id.eq($tenant).and(u::id.eq_any($members.to_vec())).and(u::scim_deleted_at.is_null()))
            .select(u::id)
            .load($conn)
            .await?;
        if live.len() != $members.len() {
            return Err(StoreError::MissingRow("user"));
        }
        diesel::delete(m::table.filter(m::tenant_id.eq($tenant).and(m::group_id.eq($group)))).execute($conn).await?;
        // one row at a time: diesel's SQLite backend has no multi-row insert
        for user in $members.iter() {
            diesel::insert_into(m::table).values((m::tenant_id.eq($tenant), m::group_id.eq($group), m::user_id.eq(*user))).execute($conn).await?;
        }
    }};
}

pub async fn group_create(db: &Db, tenant: i64, w: &GroupWrite) -> Result<GroupRow, StoreError> {
    write_tx!(db, |conn| {
        let now = Ts::now();
        let row: GroupRow = diesel::insert_into(g::table)
            .values((
                g::tenant_id.eq(tenant),
                g::display_name.eq(&w.display_name),
                g::external_id.eq(&w.external_id),
                g::created_at.eq(now),
                g::updated_at.eq(now),
                g::version.eq(1),
            ))
            .returning(GroupRow::as_returning())
            .get_result(conn)
            .await?;
        set_members!(conn, tenant, row.id, w.members);
        Ok(row)
    })
}

/// Replaces the group if it is still at `version` (else `PreconditionFailed`).
pub async fn group_update(db: &Db, tenant: i64, id: i64, version: i64, w: &GroupWrite) -> Result<GroupRow, StoreError> {
    write_tx!(db, |conn| {
        let row: Option<GroupRow> = diesel::update(g::table.filter(g::tenant_id.eq(tenant).and(g::id.eq(id)).and(g::version.eq(version))))
            .set((
                g::display_name.eq(&w.display_name),
                g::external_id.eq(&w.external_id),
                g::updated_at.eq(Ts::now()),
                g::version.eq(version + 1),
            ))
            .returning(GroupRow::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(row) = row else {
            let exists: Option<i64> = g::table.filter(g::tenant_id.eq(tenant).and(g::id.eq(id))).select(g::id).first(conn).await.optional()?;
            return Err(match exists {
                Some(_) => StoreError::PreconditionFailed(format!("Group {id} changed since version {version}.")),
                None => StoreError::NotFound,
            });
        };
        set_members!(conn, tenant, id, w.members);
        Ok(row)
    })
}

pub async fn group_delete(db: &Db, tenant: i64, id: i64, version: Option<i64>) -> Result<(), StoreError> {
    write_tx!(db, |conn| {
        let current: Option<i64> = g::table.filter(g::tenant_id.eq(tenant).and(g::id.eq(id))).select(g::version).first(conn).await.optional()?;
        let current = current.ok_or(StoreError::NotFound)?;
        if version.is_some_and(|v| v != current) {
            return Err(StoreError::PreconditionFailed(format!("Group {id} is at version {current}.")));
        }
        diesel::delete(m::table.filter(m::tenant_id.eq(tenant).and(m::group_id.eq(id)))).execute(conn).await?;
        diesel::delete(g::table.filter(g::tenant_id.eq(tenant).and(g::id.eq(id)))).execute(conn).await?;
        Ok(())
    })
}
