//! A lesson's activities, in order. What an activity carries depends on its
//! kind and is kept as the API shows it (`content`); a quiz's answer key is
//! kept apart (`answer_key`) and never read back by a handler.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::db::schema::{learn_activities as a, learn_lessons as l};
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::store::learn::lessons::lesson_get;
use crate::store::learn::outline_event;
use crate::store::Page;
use crate::{close_gap, next_position, outline_lock, page_and_count, reorder_children, with_conn, write_tx};

pub const QUIZ: &str = "quiz";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Activity {
    pub tenant_id: i64,
    pub id: i64,
    pub lesson_id: i64,
    pub course_id: i64,
    pub kind: String,
    pub title: String,
    pub required: bool,
    pub position: i32,
    pub content: Json<Value>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A quiz activity's key, read only to score attempts.
#[derive(Debug, Clone, Queryable)]
pub struct ActivityKey {
    pub activity: Activity,
    pub answer_key: Option<Json<Value>>,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: String,
    pub title: String,
    pub required: bool,
    pub content: Value,
    pub answer_key: Option<Value>,
}

/// What an update sets; `content` replaces the kind's content (and its key) whole.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub title: Option<String>,
    pub required: Option<bool>,
    pub content: Option<(Value, Option<Value>)>,
}

pub async fn activity_list(db: &Db, tenant: i64, lesson: i64, after: Option<(i32, i64)>, limit: i64) -> Result<Page<Activity>, StoreError> {
    lesson_get(db, tenant, lesson).await?;
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = a::table.filter(a::tenant_id.eq(tenant).and(a::lesson_id.eq(lesson))).into_boxed();
        if let Some((pos, id)) = after {
            q = q.filter(a::position.gt(pos).or(a::position.eq(pos).and(a::id.gt(id))));
        }
        q.order((a::position.asc(), a::id.asc())).limit(limit).select(Activity::as_select()).load::<Activity>(conn)
    }, a::table.filter(a::tenant_id.eq(tenant).and(a::lesson_id.eq(lesson))).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

pub async fn activity_get(db: &Db, tenant: i64, id: i64) -> Result<Activity, StoreError> {
    with_conn!(db, |conn| {
        Ok(a::table.filter(a::tenant_id.eq(tenant).and(a::id.eq(id))).select(Activity::as_select()).first(conn).await.optional()?)
    })
    .found()
}

/// Appends an activity to the lesson; `MissingRow("lesson")` when the lesson
/// is not the tenant's (or was deleted meanwhile).
pub async fn activity_create(db: &Db, tenant: i64, lesson: i64, new: &NewActivity) -> Result<Activity, StoreError> {
    let now = Ts::now();
    let parent = lesson_get(db, tenant, lesson).await.map_err(StoreError::missing("lesson"))?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, parent.course_id, now).map_err(StoreError::missing("lesson"))?;
        let still: i64 = l::table.filter(l::tenant_id.eq(tenant).and(l::id.eq(lesson))).count().get_result(conn).await?;
        if still == 0 {
            return Err(StoreError::MissingRow("lesson"));
        }
        let position = next_position!(conn, a, lesson_id, tenant, lesson);
        let activity: Activity = diesel::insert_into(a::table)
            .values((
                a::tenant_id.eq(tenant),
                a::lesson_id.eq(lesson),
                a::course_id.eq(parent.course_id),
                a::kind.eq(&new.kind),
                a::title.eq(&new.title),
                a::required.eq(new.required),
                a::position.eq(position),
                a::content.eq(Json(&new.content)),
                a::answer_key.eq(new.answer_key.as_ref().map(Json)),
                a::created_at.eq(now),
                a::updated_at.eq(now),
            ))
            .returning(Activity::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, outline_event(tenant, activity.course_id, "activity.created", None, Some(lesson), Some(activity.id)));
        Ok(activity)
    })
}

pub async fn activity_update(db: &Db, tenant: i64, id: i64, changes: &ActivityChanges) -> Result<Activity, StoreError> {
    let now = Ts::now();
    let before = activity_get(db, tenant, id).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, before.course_id, now)?;
        let activity: Activity = diesel::update(a::table.filter(a::tenant_id.eq(tenant).and(a::id.eq(id))))
            .set((
                changes.title.as_ref().map(|t| a::title.eq(t.clone())),
                changes.required.map(|r| a::required.eq(r)),
                changes.content.as_ref().map(|(c, _)| a::content.eq(Json(c.clone()))),
                changes.content.as_ref().map(|(_, k)| a::answer_key.eq(k.clone().map(Json))),
                a::updated_at.eq(now),
            ))
            .returning(Activity::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, outline_event(tenant, activity.course_id, "activity.updated", None, Some(activity.lesson_id), Some(activity.id)));
        Ok(activity)
    })
}

pub async fn activity_delete(db: &Db, tenant: i64, id: i64) -> Result<Activity, StoreError> {
    let now = Ts::now();
    let before = activity_get(db, tenant, id).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, before.course_id, now)?;
        let activity: Activity = diesel::delete(a::table.filter(a::tenant_id.eq(tenant).and(a::id.eq(id))))
            .returning(Activity::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        close_gap!(conn, a, lesson_id, tenant, activity.lesson_id, activity.position);
        crate::record_event!(conn, outline_event(tenant, activity.course_id, "activity.deleted", None, Some(activity.lesson_id), Some(activity.id)));
        Ok(activity)
    })
}

pub async fn activity_reorder(db: &Db, tenant: i64, lesson: i64, ids: &[i64]) -> Result<Vec<Activity>, StoreError> {
    let now = Ts::now();
    let parent = lesson_get(db, tenant, lesson).await?;
    write_tx!(db, |conn| {
        outline_lock!(conn, tenant, parent.course_id, now)?;
        reorder_children!(conn, a, lesson_id, tenant, lesson, ids, "activity_ids", now);
        crate::record_event!(conn, outline_event(tenant, parent.course_id, "activities.reordered", None, Some(lesson), None));
        Ok(())
    })?;
    // every child, in the new order (a reorder names at most 500)
    Ok(activity_list(db, tenant, lesson, None, 501).await?.rows)
}
