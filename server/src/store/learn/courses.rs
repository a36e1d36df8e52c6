//! Courses: `draft` → `published` ⇄ `archived`. Lists run newest first.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{learn_activities as a, learn_courses as c, learn_enrollments as en, learn_lessons as l, learn_modules as m};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::learn::activities::Activity;
use crate::store::learn::lessons::Lesson;
use crate::store::learn::modules::Module;
use crate::store::Page;
use crate::{list_total, page_and_count, with_conn, write_tx};

pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";
pub const ARCHIVED: &str = "archived";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = c, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Course {
    pub tenant_id: i64,
    pub id: i64,
    pub title: String,
    pub summary: Option<String>,
    pub status: String,
    pub certificate_template_id: Option<i64>,
    pub published_at: Option<Ts>,
    pub archived_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A course with every module, lesson and activity, each level in order.
#[derive(Debug, Clone)]
pub struct Outline {
    pub course: Course,
    pub modules: Vec<Module>,
    pub lessons: Vec<Lesson>,
    pub activities: Vec<Activity>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseFilter {
    pub status: Option<String>,
    /// Lower-cased; matched as a substring of the folded title.
    pub title_contains: Option<String>,
    pub updated_after: Option<Ts>,
    pub updated_before: Option<Ts>,
}

/// What an update sets; `summary: Some(None)` empties it.
#[derive(Debug, Clone, Default)]
pub struct CourseChanges {
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub certificate_template_id: Option<Option<i64>>,
}

impl CourseChanges {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.summary.is_none() && self.certificate_template_id.is_none()
    }
}

/// `MissingRow("certificate_template")` unless the template is the tenant's.
macro_rules! check_template {
    ($conn:expr, $tenant:expr, $template:expr) => {
        if let Some(id) = $template {
            use crate::db::schema::learn_certificate_templates as tpl;
            let n: i64 = tpl::table.filter(tpl::tenant_id.eq($tenant).and(tpl::id.eq(id))).count().get_result($conn).await?;
            if n == 0 {
                return Err(StoreError::MissingRow("certificate_template"));
            }
        }
    };
}

pub use crate::store::fold;

/// A title search: the folded text anywhere in the title.
fn like_pattern(folded: &str) -> String {
    format!("%{}%", crate::store::like_literal(folded))
}

fn course_event(event_type: &str, course: &Course) -> NewEvent {
    NewEvent::new(course.tenant_id, event_type, json!({ "course_id": course.id, "title": course.title, "status": course.status }))
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = c::table.filter(c::tenant_id.eq($tenant)).into_boxed();
        if let Some(s) = &$f.status {
            q = q.filter(c::status.eq(s.clone()));
        }
        if let Some(t) = &$f.title_contains {
            q = q.filter(c::title_folded.like(like_pattern(t)).escape('\\'));
        }
        if let Some(a) = $f.updated_after {
            q = q.filter(c::updated_at.ge(a));
        }
        if let Some(b) = $f.updated_before {
            q = q.filter(c::updated_at.lt(b));
        }
        q
    }};
}

pub async fn course_list(db: &Db, tenant: i64, f: &CourseFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Course>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(c::id.lt(id));
        }
        q.order(c::id.desc()).limit(limit).select(Course::as_select()).load::<Course>(conn)
    }, list_total!(conn, tenant, counts::LEARN_COURSES, 0, *f == CourseFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn course_get(db: &Db, tenant: i64, id: i64) -> Result<Course, StoreError> {
    with_conn!(db, |conn| {
        Ok(c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id))).select(Course::as_select()).first(conn).await.optional()?)
    })
    .found()
}

/// The course and its whole outline, in four indexed reads.
pub async fn course_outline(db: &Db, tenant: i64, id: i64) -> Result<Outline, StoreError> {
    with_conn!(db, |conn| {
        let Some(course) = c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id))).select(Course::as_select()).first(conn).await.optional()? else {
            return Err(StoreError::NotFound);
        };
        let modules = m::table
            .filter(m::tenant_id.eq(tenant).and(m::course_id.eq(id)))
            .order((m::position.asc(), m::id.asc()))
            .select(Module::as_select())
            .load(conn)
            .await?;
        let lessons = l::table
            .filter(l::tenant_id.eq(tenant).and(l::course_id.eq(id)))
            .order((l::position.asc(), l::id.asc()))
            .select(Lesson::as_select())
            .load(conn)
            .await?;
        let activities = a::table
            .filter(a::tenant_id.eq(tenant).and(a::course_id.eq(id)))
            .order((a::position.asc(), a::id.asc()))
            .select(Activity::as_select())
            .load(conn)
            .await?;
        Ok(Outline { course, modules, lessons, activities })
    })
}

/// Creates a `draft` course and its `learn.course.created` event.
pub async fn course_create(db: &Db, tenant: i64, title: &str, summary: Option<&str>, template: Option<i64>) -> Result<Course, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        check_template!(conn, tenant, template);
        let course: Course = diesel::insert_into(c::table)
            .values((
                c::tenant_id.eq(tenant),
                c::title.eq(title),
                c::title_folded.eq(fold(title)),
                c::summary.eq(summary),
                c::certificate_template_id.eq(template),
                c::status.eq(DRAFT),
                c::created_at.eq(now),
                c::updated_at.eq(now),
            ))
            .returning(Course::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, course_event("learn.course.created", &course));
        Ok(course)
    })
}

pub async fn course_update(db: &Db, tenant: i64, id: i64, changes: &CourseChanges) -> Result<Course, StoreError> {
    let now = Ts::now();
    let title_folded = changes.title.as_deref().map(fold);
    write_tx!(db, |conn| {
        check_template!(conn, tenant, changes.certificate_template_id.flatten());
        let course: Course = diesel::update(c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id))))
            .set((
                changes.title.as_ref().map(|t| c::title.eq(t.clone())),
                title_folded.as_ref().map(|t| c::title_folded.eq(t.clone())),
                changes.summary.as_ref().map(|s| c::summary.eq(s.clone())),
                changes.certificate_template_id.map(|t| c::certificate_template_id.eq(t)),
                c::updated_at.eq(now),
            ))
            .returning(Course::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, course_event("learn.course.updated", &course));
        Ok(course)
    })
}

/// Publishes a course that has at least one activity; publishing a published
/// course changes nothing (and writes no event).
pub async fn course_publish(db: &Db, tenant: i64, id: i64) -> Result<Course, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        crate::outline_lock!(conn, tenant, id, now)?;
        let course: Course = c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id))).select(Course::as_select()).first(conn).await?;
        if course.status == PUBLISHED {
            return Ok(course);
        }
        let activities: i64 = a::table.filter(a::tenant_id.eq(tenant).and(a::course_id.eq(id))).count().get_result(conn).await?;
        if activities == 0 {
            let modules: i64 = m::table.filter(m::tenant_id.eq(tenant).and(m::course_id.eq(id))).count().get_result(conn).await?;
            let lessons: i64 = l::table.filter(l::tenant_id.eq(tenant).and(l::course_id.eq(id))).count().get_result(conn).await?;
            let missing = match (modules, lessons) {
                (0, _) => "the course has no module, lesson or activity yet: add a module, a lesson in it and an activity in that",
                (_, 0) => "the course's modules have no lesson yet: add a lesson and an activity in it",
                _ => "the course's lessons have no activity yet: add at least one activity",
            };
            return Err(StoreError::invalid("outline", missing));
        }
        let course: Course = diesel::update(c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id))))
            .set((c::status.eq(PUBLISHED), c::published_at.eq(Some(now)), c::archived_at.eq(None::<Ts>), c::updated_at.eq(now)))
            .returning(Course::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, course_event("learn.course.updated", &course));
        Ok(course)
    })
}

/// Archives the course (idempotent: an archived course is answered as is).
pub async fn course_archive(db: &Db, tenant: i64, id: i64) -> Result<Course, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let updated: Option<Course> = diesel::update(c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id)).and(c::status.ne(ARCHIVED))))
            .set((c::status.eq(ARCHIVED), c::archived_at.eq(Some(now)), c::updated_at.eq(now)))
            .returning(Course::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        match updated {
            Some(course) => {
                crate::record_event!(conn, course_event("learn.course.updated", &course));
                Ok(course)
            }
            None => Ok(c::table
                .filter(c::tenant_id.eq(tenant).and(c::id.eq(id)))
                .select(Course::as_select())
                .first(conn)
                .await
                .optional()?
                .ok_or(StoreError::NotFound)?),
        }
    })
}

/// Deletes the course, its outline and its finished enrollments; refused
/// while any enrollment is active.
pub async fn course_delete(db: &Db, tenant: i64, id: i64) -> Result<Course, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        // the lock first: an enrollment cannot be made between the check and the delete
        crate::outline_lock!(conn, tenant, id, now)?;
        let active: i64 = en::table
            .filter(en::tenant_id.eq(tenant).and(en::course_id.eq(id)).and(en::status.eq(crate::store::learn::enrollments::ACTIVE)))
            .count()
            .get_result(conn)
            .await?;
        if active > 0 {
            return Err(StoreError::Refused(format!(
                "The course has {active} active enrollment(s): withdraw them, or archive the course instead."
            )));
        }
        diesel::delete(en::table.filter(en::tenant_id.eq(tenant).and(en::course_id.eq(id)))).execute(conn).await?;
        let course: Course = diesel::delete(c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(id))))
            .returning(Course::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, course_event("learn.course.deleted", &course));
        Ok(course)
    })
}
