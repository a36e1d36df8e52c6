//! A course's modules, in order.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::learn_modules as m;
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::learn::outline_event;
use crate::store::Page;
use crate::{close_gap, next_position, outline_lock, page_and_count, reorder_children, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = m, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Module {
    pub tenant_id: i64,
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub position: i32,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A page of the course's modules after `after` (position, id); `NotFound`
/// when the course is not the tenant's.
pub async fn module_list(db: &Db, tenant: i64, course: i64, after: Option<(i32, i64)>, limit: i64) -> Result<Page<Module>, StoreError> {
    crate::store::learn::courses::course_get(db, tenant, course).await?;
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = m::table.filter(m::tenant_id.eq(tenant).and(m::course_id.eq(course))).into_boxed();
        if let Some((pos, id)) = after {
            q = q.filter(m::position.gt(pos).or(m::position.eq(pos).and(m::id.gt(id))));
        }
        q.order((m::position.asc(), m::id.asc())).limit(limit).select(Module::as_select()).load::<Module>(conn)
    }, m::table.filter(m::tenant_id.eq(tenant).and(m::course_id.eq(course))).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

pub async fn module_get(db: &Db, tenant: i64, id: i64) -> Result<Module, StoreError> {
    with_conn!(db, |conn| {
        Ok(m::table.filter(m::tenant_id.eq(tenant).and(m::id.eq(id))).select(Module::as_select()).first(conn).await.optional()?)
    })
    .found()
}

/// Appends a module to the course; `MissingRow("course")` when the course is
/// not the tenant's.
pub async fn module_create(db: &Db, tenant: i64, course: i64, title: &str) -> Result<Module, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, course, now).map_err(StoreError::missing("course"))?;
        let position = next_position!(conn, m, course_id, tenant, course);
        let module: Module = diesel::insert_into(m::table)
            .values((
                m::tenant_id.eq(tenant),
                m::course_id.eq(course),
                m::title.eq(title),
                m::position.eq(position),
                m::created_at.eq(now),
                m::updated_at.eq(now),
            ))
            .returning(Module::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, outline_event(tenant, course, "module.created", Some(module.id), None, None));
        Ok(module)
    })
}

pub async fn module_update(db: &Db, tenant: i64, id: i64, title: Option<&str>) -> Result<Module, StoreError> {
    let now = Ts::now();
    let before = module_get(db, tenant, id).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, before.course_id, now)?;
        let module: Module = diesel::update(m::table.filter(m::tenant_id.eq(tenant).and(m::id.eq(id))))
            .set((title.map(|t| m::title.eq(t)), m::updated_at.eq(now)))
            .returning(Module::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, outline_event(tenant, module.course_id, "module.updated", Some(module.id), None, None));
        Ok(module)
    })
}

/// Deletes the module with its lessons and activities (by cascade) and
/// closes the gap in the course's positions.
pub async fn module_delete(db: &Db, tenant: i64, id: i64) -> Result<Module, StoreError> {
    let now = Ts::now();
    let before = module_get(db, tenant, id).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, before.course_id, now)?;
        let module: Module = diesel::delete(m::table.filter(m::tenant_id.eq(tenant).and(m::id.eq(id))))
            .returning(Module::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        close_gap!(conn, m, course_id, tenant, module.course_id, module.position);
        crate::record_event!(conn, outline_event(tenant, module.course_id, "module.deleted", Some(module.id), None, None));
        Ok(module)
    })
}

pub async fn module_reorder(db: &Db, tenant: i64, course: i64, ids: &[i64]) -> Result<Vec<Module>, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, course, now)?;
        reorder_children!(conn, m, course_id, tenant, course, ids, "module_ids", now);
        crate::record_event!(conn, outline_event(tenant, course, "modules.reordered", None, None, None));
        Ok(())
    })?;
    // every child, in the new order (a reorder names at most 500)
    Ok(module_list(db, tenant, course, None, 501).await?.rows)
}
