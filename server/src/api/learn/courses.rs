use mobieus_api::server::{
    ArchiveLearnCourseHeaders, ArchiveLearnCoursePath, CreateLearnCourseHeaders, DeleteLearnCourseHeaders, DeleteLearnCoursePath,
    GetLearnCoursePath, LearnCoursesService, ListLearnCoursesQuery, PublishLearnCourseHeaders, PublishLearnCoursePath,
    UpdateLearnCourseHeaders, UpdateLearnCoursePath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::activities::activity_out;
use super::deleted;
use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::db::Ts;
use crate::errors::store_error;
use crate::store::learn::courses::{
    course_archive, course_create, course_delete, course_get, course_list, course_outline, course_publish, course_update, fold,
    Course, CourseChanges, CourseFilter, Outline,
};

pub fn course_out(c: Course) -> Result<types::Course, ApiError> {
    Ok(types::Course {
        id: c.id,
        status: stored("course status", &c.status)?,
        certificate_template_id: c.certificate_template_id,
        title: c.title,
        summary: c.summary,
        published_at: c.published_at.map(|t| t.0),
        archived_at: c.archived_at.map(|t| t.0),
        created_at: c.created_at.0,
        updated_at: c.updated_at.0,
    })
}

fn envelope(c: Course) -> Result<types::CourseEnvelope, ApiError> {
    Ok(types::CourseEnvelope { data: course_out(c)?, next_cursor: None, request_id: String::new() })
}

/// The outline nested: modules → lessons → activities, each in order (the
/// store read each level already ordered).
fn outline_out(o: Outline) -> Result<types::CourseWithOutline, ApiError> {
    let mut activities: Vec<_> = o.activities.into_iter().map(activity_out).collect::<Result<_, _>>()?;
    let modules = o
        .modules
        .into_iter()
        .map(|m| {
            let lessons = o
                .lessons
                .iter()
                .filter(|l| l.module_id == m.id)
                .map(|l| types::LessonOutline {
                    id: l.id,
                    title: l.title.clone(),
                    summary: l.summary.clone(),
                    position: l.position,
                    activities: {
                        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut activities).into_iter().partition(|a| a.lesson_id == l.id);
                        activities = rest;
                        mine
                    },
                })
                .collect();
            types::ModuleOutline { id: m.id, title: m.title, position: m.position, lessons }
        })
        .collect();
    let c = course_out(o.course)?;
    Ok(types::CourseWithOutline {
        id: c.id,
        status: c.status,
        certificate_template_id: c.certificate_template_id,
        title: c.title,
        summary: c.summary,
        published_at: c.published_at,
        archived_at: c.archived_at,
        created_at: c.created_at,
        updated_at: c.updated_at,
        modules,
    })
}

impl LearnCoursesService for AppContext {
    async fn list_learn_courses(call: &Call<'_, Self>, query: ListLearnCoursesQuery) -> Result<types::CourseList, ApiError> {
        let paging = Paging::new(call, "learn_courses", query.cursor.as_deref(), query.limit)?;
        let filter = CourseFilter {
            status: query.status.map(|s| s.to_string()),
            title_contains: query.q.as_deref().map(fold),
            updated_after: query.updated_after.map(Ts::from),
            updated_before: query.updated_before.map(Ts::from),
        };
        let page = course_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("course"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |c| json!([c.id]));
        Ok(types::CourseList {
            data: rows.into_iter().map(course_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_learn_course(call: &Call<'_, Self>, _headers: CreateLearnCourseHeaders, body: types::CourseCreate) -> Result<types::CourseEnvelope, ApiError> {
        let summary = body.summary.map(String::from);
        let course = course_create(&call.context().db, call.principal.tenant_id, &String::from(body.title), summary.as_deref(), body.certificate_template_id)
            .await
            .map_err(store_error("course"))?;
        envelope(course)
    }

    async fn get_learn_course(call: &Call<'_, Self>, path: GetLearnCoursePath) -> Result<types::CourseOutlineEnvelope, ApiError> {
        let outline = course_outline(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("course"))?;
        Ok(types::CourseOutlineEnvelope { data: outline_out(outline)?, next_cursor: None, request_id: String::new() })
    }

    async fn update_learn_course(
        call: &Call<'_, Self>,
        path: UpdateLearnCoursePath,
        _headers: UpdateLearnCourseHeaders,
        body: types::CourseUpdate,
    ) -> Result<types::CourseEnvelope, ApiError> {
        let clears = |f: types::CourseUpdateClearItem| body.clear.iter().flatten().any(|c| *c == f);
        let changes = CourseChanges {
            title: body.title.clone().map(String::from),
            summary: if clears(types::CourseUpdateClearItem::Summary) { Some(None) } else { body.summary.clone().map(|s| Some(String::from(s))) },
            certificate_template_id: if clears(types::CourseUpdateClearItem::CertificateTemplateId) {
                Some(None)
            } else {
                body.certificate_template_id.map(Some)
            },
        };
        let db = &call.context().db;
        let course = if changes.is_empty() {
            course_get(db, call.principal.tenant_id, path.id).await
        } else {
            course_update(db, call.principal.tenant_id, path.id, &changes).await
        }
        .map_err(store_error("course"))?;
        envelope(course)
    }

    async fn publish_learn_course(call: &Call<'_, Self>, path: PublishLearnCoursePath, _headers: PublishLearnCourseHeaders) -> Result<types::CourseEnvelope, ApiError> {
        envelope(course_publish(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("course"))?)
    }

    async fn archive_learn_course(call: &Call<'_, Self>, path: ArchiveLearnCoursePath, _headers: ArchiveLearnCourseHeaders) -> Result<types::CourseEnvelope, ApiError> {
        envelope(course_archive(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("course"))?)
    }

    async fn delete_learn_course(call: &Call<'_, Self>, path: DeleteLearnCoursePath, _headers: DeleteLearnCourseHeaders) -> Result<types::DeletedEnvelope, ApiError> {
        let course = course_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("course"))?;
        Ok(deleted(course.id, "learn_course"))
    }
}
