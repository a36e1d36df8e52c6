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
    pub scorm_package_id: Option<i64>,
    pub live_session_id: Option<i64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A quiz activity's key, read only to score attempts.
#[derive(Debug, Clone, Queryable)]
pub struct ActivityKey {
    pub activity: Activity,
    pub answer_key: Option<Json<Value>>,
}

/// What an activity's content points at outside the outline.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Link {
    #[default]
    None,
    /// A SCORM package of the tenant, and maybe one of its SCOs.
    Package { id: i64, sco: Option<String> },
    /// A live session of the activity's course.
    Session(i64),
}

/// What the kind carries: as shown, its answer key (a quiz's), its link.
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub shown: Value,
    pub answer_key: Option<Value>,
    pub link: Link,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: String,
    pub title: String,
    pub required: bool,
    pub content: Content,
}

/// What an update sets; `content` replaces the kind's content (its key and
/// link too) whole.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub title: Option<String>,
    pub required: Option<bool>,
    pub content: Option<Content>,
}

/// Checks the content's link inside the activity's write transaction (the
/// course's outline lock held): the package is the tenant's — its row
/// locked, so it cannot be deleted meanwhile — and names the SCO, the
/// session is the course's. Gives the (package, session) columns.
#[macro_export]
macro_rules! link_columns {
    ($conn:expr, $tenant:expr, $course:expr, $link:expr, $now:expr) => {{
        use $crate::db::schema::learn_live_sessions as __ls;
        use $crate::store::learn::activities::Link;
        match $link {
            Link::None => (None::<i64>, None::<i64>),
            Link::Package { id, sco } => {
                let Some(__structure) = $crate::package_lock!($conn, $tenant, *id, $now) else {
                    return Err($crate::db::StoreError::invalid("scorm.package_id", "no such SCORM package"));
                };
                if let Some(__sco) = sco
                    && !__structure.0.has_sco(__sco)
                {
                    return Err($crate::db::StoreError::invalid("scorm.sco", format!("`{__sco}` is not a SCO of the package")));
                }
                (Some(*id), None)
            }
            Link::Session(id) => {
                let __course: Option<i64> = __ls::table
                    .filter(__ls::tenant_id.eq($tenant).and(__ls::id.eq(*id)))
                    .select(__ls::course_id)
                    .first($conn)
                    .await
                    .optional()?;
                match __course {
                    None => return Err($crate::db::StoreError::invalid("live.session_id", "no such live session")),
                    Some(c) if c != $course => {
                        return Err($crate::db::StoreError::invalid("live.session_id", "the session belongs to another course"))
                    }
                    Some(_) => (None, Some(*id)),
                }
            }
        }
    }};
}

/// The activity `$activity`, which must be a `$kind` of the enrollment's
/// course (inside a transaction holding the enrollment's row lock).
#[macro_export]
macro_rules! course_activity {
    ($conn:expr, $tenant:expr, $enrollment:expr, $activity:expr, $kind:expr) => {{
        use $crate::db::schema::learn_activities as __a;
        use $crate::store::learn::activities::Activity;
        let __found: Option<Activity> = __a::table
            .filter(__a::tenant_id.eq($tenant).and(__a::id.eq($activity)))
            .select(Activity::as_select())
            .first($conn)
            .await
            .optional()?;
        let Some(__activity) = __found else { return Err($crate::db::StoreError::MissingRow("activity")) };
        if __activity.course_id != $enrollment.course_id {
            return Err($crate::db::StoreError::invalid("activity_id", "the activity is not part of the enrollment's course"));
        }
        if __activity.kind != $kind {
            return Err($crate::db::StoreError::invalid("activity_id", format!("a {} activity, not a {}", __activity.kind, $kind)));
        }
        __activity
    }};
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
        let (package, session) = crate::link_columns!(conn, tenant, parent.course_id, &new.content.link, now);
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
                a::content.eq(Json(&new.content.shown)),
                a::answer_key.eq(new.content.answer_key.as_ref().map(Json)),
                a::scorm_package_id.eq(package),
                a::live_session_id.eq(session),
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
        let links = match &changes.content {
            Some(c) => Some(crate::link_columns!(conn, tenant, before.course_id, &c.link, now)),
            None => None,
        };
        let activity: Activity = diesel::update(a::table.filter(a::tenant_id.eq(tenant).and(a::id.eq(id))))
            .set((
                changes.title.as_ref().map(|t| a::title.eq(t.clone())),
                changes.required.map(|r| a::required.eq(r)),
                changes.content.as_ref().map(|c| a::content.eq(Json(c.shown.clone()))),
                changes.content.as_ref().map(|c| a::answer_key.eq(c.answer_key.clone().map(Json))),
                links.map(|(p, _)| a::scorm_package_id.eq(p)),
                links.map(|(_, s)| a::live_session_id.eq(s)),
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
