//! A module's lessons, in order.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{learn_lessons as l, learn_modules as m};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::learn::modules::module_get;
use crate::store::learn::outline_event;
use crate::store::Page;
use crate::{close_gap, next_position, outline_lock, page_and_count, reorder_children, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = l, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Lesson {
    pub tenant_id: i64,
    pub id: i64,
    pub module_id: i64,
    pub course_id: i64,
    pub title: String,
    pub summary: Option<String>,
    pub position: i32,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// What an update sets; `summary: Some(None)` empties it.
#[derive(Debug, Clone, Default)]
pub struct LessonChanges {
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
}

pub async fn lesson_list(db: &Db, tenant: i64, module: i64, after: Option<(i32, i64)>, limit: i64) -> Result<Page<Lesson>, StoreError> {
    module_get(db, tenant, module).await?;
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = l::table.filter(l::tenant_id.eq(tenant).and(l::module_id.eq(module))).into_boxed();
        if let Some((pos, id)) = after {
            q = q.filter(l::position.gt(pos).or(l::position.eq(pos).and(l::id.gt(id))));
        }
        q.order((l::position.asc(), l::id.asc())).limit(limit).select(Lesson::as_select()).load::<Lesson>(conn)
    }, l::table.filter(l::tenant_id.eq(tenant).and(l::module_id.eq(module))).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

pub async fn lesson_get(db: &Db, tenant: i64, id: i64) -> Result<Lesson, StoreError> {
    with_conn!(db, |conn| {
        Ok(l::table.filter(l::tenant_id.eq(tenant).and(l::id.eq(id))).select(Lesson::as_select()).first(conn).await.optional()?)
    })
    .found()
}

/// Appends a lesson to the module; `MissingRow("module")` when the module is
/// not the tenant's (or was deleted meanwhile).
pub async fn lesson_create(db: &Db, tenant: i64, module: i64, title: &str, summary: Option<&str>) -> Result<Lesson, StoreError> {
    let now = Ts::now();
    let parent = module_get(db, tenant, module).await.map_err(StoreError::missing("module"))?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, parent.course_id, now).map_err(StoreError::missing("module"))?;
        let still: i64 = m::table.filter(m::tenant_id.eq(tenant).and(m::id.eq(module))).count().get_result(conn).await?;
        if still == 0 {
            return Err(StoreError::MissingRow("module"));
        }
        let position = next_position!(conn, l, module_id, tenant, module);
        let lesson: Lesson = diesel::insert_into(l::table)
            .values((
                l::tenant_id.eq(tenant),
                l::module_id.eq(module),
                l::course_id.eq(parent.course_id),
                l::title.eq(title),
                l::summary.eq(summary),
                l::position.eq(position),
                l::created_at.eq(now),
                l::updated_at.eq(now),
            ))
            .returning(Lesson::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, outline_event(tenant, lesson.course_id, "lesson.created", Some(module), Some(lesson.id), None));
        Ok(lesson)
    })
}

pub async fn lesson_update(db: &Db, tenant: i64, id: i64, changes: &LessonChanges) -> Result<Lesson, StoreError> {
    let now = Ts::now();
    let before = lesson_get(db, tenant, id).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, before.course_id, now)?;
        let lesson: Lesson = diesel::update(l::table.filter(l::tenant_id.eq(tenant).and(l::id.eq(id))))
            .set((
                changes.title.as_ref().map(|t| l::title.eq(t.clone())),
                changes.summary.as_ref().map(|s| l::summary.eq(s.clone())),
                l::updated_at.eq(now),
            ))
            .returning(Lesson::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, outline_event(tenant, lesson.course_id, "lesson.updated", Some(lesson.module_id), Some(lesson.id), None));
        Ok(lesson)
    })
}

pub async fn lesson_delete(db: &Db, tenant: i64, id: i64) -> Result<Lesson, StoreError> {
    let now = Ts::now();
    let before = lesson_get(db, tenant, id).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, before.course_id, now)?;
        let lesson: Lesson = diesel::delete(l::table.filter(l::tenant_id.eq(tenant).and(l::id.eq(id))))
            .returning(Lesson::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        close_gap!(conn, l, module_id, tenant, lesson.module_id, lesson.position);
        crate::record_event!(conn, outline_event(tenant, lesson.course_id, "lesson.deleted", Some(lesson.module_id), Some(lesson.id), None));
        Ok(lesson)
    })
}

pub async fn lesson_reorder(db: &Db, tenant: i64, module: i64, ids: &[i64]) -> Result<Vec<Lesson>, StoreError> {
    let now = Ts::now();
    let parent = module_get(db, tenant, module).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, parent.course_id, now)?;
        reorder_children!(conn, l, module_id, tenant, module, ids, "lesson_ids", now);
        crate::record_event!(conn, outline_event(tenant, parent.course_id, "lessons.reordered", Some(module), None, None));
        Ok(())
    })?;
    // every child, in the new order (a reorder names at most 500)
    Ok(lesson_list(db, tenant, module, None, 501).await?.rows)
}
