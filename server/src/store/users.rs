//! Community members.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::users as u;
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::{CreatedRange, Page};
use crate::{list_total, page_and_count, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = u, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct User {
    pub tenant_id: i64,
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    pub created_at: Ts,
    pub status: String,
    pub warning_count: i32,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFilter {
    pub role: Option<String>,
    pub created: CreatedRange,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = u::table.filter(u::tenant_id.eq($tenant)).into_boxed();
        if let Some(r) = &$f.role {
            q = q.filter(u::role.eq(r.clone()));
        }
        if let Some(a) = $f.created.after {
            q = q.filter(u::created_at.ge(a));
        }
        if let Some(b) = $f.created.before {
            q = q.filter(u::created_at.lt(b));
        }
        q
    }};
}

pub async fn user_list(db: &Db, tenant: i64, f: &UserFilter, before_id: Option<i64>, limit: i64) -> Result<Page<User>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(u::id.lt(id));
        }
        q.order(u::id.desc()).limit(limit).select(User::as_select()).load::<User>(conn)
    }, list_total!(conn, tenant, counts::USERS, 0, *f == UserFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn user_get(db: &Db, tenant: i64, id: i64) -> Result<User, StoreError> {
    with_conn!(db, |conn| {
        Ok(u::table
            .filter(u::tenant_id.eq(tenant).and(u::id.eq(id)))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}

/// Creates a member and its `user.created` event in one transaction.
pub async fn user_create(db: &Db, tenant: i64, new: &NewUser) -> Result<User, StoreError> {
    write_tx!(db, |conn| {
        let user: User = diesel::insert_into(u::table)
            .values((
                u::tenant_id.eq(tenant),
                u::username.eq(&new.username),
                u::username_folded.eq(crate::store::fold(&new.username)),
                u::display_name.eq(&new.display_name),
                u::email.eq(&new.email),
                u::role.eq(&new.role),
                u::created_at.eq(Ts::now()),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("username"))?;
        crate::record_event!(conn, NewEvent::new(tenant, "user.created", json!({ "user_id": user.id, "username": user.username })));
        Ok(user)
    })
}
