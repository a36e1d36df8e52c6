use mobieus_api::server::{
    CreateLearnLessonHeaders, CreateLearnLessonPath, DeleteLearnLessonHeaders, DeleteLearnLessonPath, GetLearnLessonPath,
    LearnLessonsService, ListLearnLessonsPath, ListLearnLessonsQuery, ReorderLearnLessonsHeaders, ReorderLearnLessonsPath,
    UpdateLearnLessonHeaders, UpdateLearnLessonPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::deleted;
use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::lessons::{lesson_create, lesson_delete, lesson_get, lesson_list, lesson_reorder, lesson_update, Lesson, LessonChanges};

fn lesson_out(l: Lesson) -> types::Lesson {
    types::Lesson {
        id: l.id,
        module_id: l.module_id,
        course_id: l.course_id,
        title: l.title,
        summary: l.summary,
        position: l.position,
        created_at: l.created_at.0,
        updated_at: l.updated_at.0,
    }
}

fn envelope(l: Lesson) -> types::LessonEnvelope {
    types::LessonEnvelope { data: lesson_out(l), next_cursor: None, request_id: String::new() }
}

impl LearnLessonsService for AppContext {
    async fn list_learn_lessons(call: &Call<'_, Self>, path: ListLearnLessonsPath, query: ListLearnLessonsQuery) -> Result<types::LessonList, ApiError> {
        let paging = Paging::new(call, "learn_lessons", query.cursor.as_deref(), query.limit)?;
        let page = lesson_list(&call.context().db, call.principal.tenant_id, path.id, paging.ordered()?, paging.fetch())
            .await
            .map_err(store_error("module"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |l| json!([l.position, l.id]));
        Ok(types::LessonList { data: rows.into_iter().map(lesson_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn create_learn_lesson(
        call: &Call<'_, Self>,
        path: CreateLearnLessonPath,
        _headers: CreateLearnLessonHeaders,
        body: types::LessonCreate,
    ) -> Result<types::LessonEnvelope, ApiError> {
        let summary = body.summary.map(String::from);
        let lesson = lesson_create(&call.context().db, call.principal.tenant_id, path.id, &String::from(body.title), summary.as_deref())
            .await
            .map_err(store_error("lesson"))?;
        Ok(envelope(lesson))
    }

    async fn reorder_learn_lessons(
        call: &Call<'_, Self>,
        path: ReorderLearnLessonsPath,
        _headers: ReorderLearnLessonsHeaders,
        body: types::ReorderLessons,
    ) -> Result<types::LessonOrderEnvelope, ApiError> {
        let lessons = lesson_reorder(&call.context().db, call.principal.tenant_id, path.id, &body.lesson_ids)
            .await
            .map_err(store_error("module"))?;
        Ok(types::LessonOrderEnvelope { data: lessons.into_iter().map(lesson_out).collect(), next_cursor: None, request_id: String::new() })
    }

    async fn get_learn_lesson(call: &Call<'_, Self>, path: GetLearnLessonPath) -> Result<types::LessonEnvelope, ApiError> {
        Ok(envelope(lesson_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("lesson"))?))
    }

    async fn update_learn_lesson(
        call: &Call<'_, Self>,
        path: UpdateLearnLessonPath,
        _headers: UpdateLearnLessonHeaders,
        body: types::LessonUpdate,
    ) -> Result<types::LessonEnvelope, ApiError> {
        let clear_summary = body.clear.iter().flatten().any(|f| *f == types::LessonUpdateClearItem::Summary);
        let changes = LessonChanges {
            title: body.title.map(String::from),
            summary: if clear_summary { Some(None) } else { body.summary.map(|s| Some(String::from(s))) },
        };
        let db = &call.context().db;
        let lesson = if changes.title.is_none() && changes.summary.is_none() {
            lesson_get(db, call.principal.tenant_id, path.id).await
        } else {
            lesson_update(db, call.principal.tenant_id, path.id, &changes).await
        }
        .map_err(store_error("lesson"))?;
        Ok(envelope(lesson))
    }

    async fn delete_learn_lesson(call: &Call<'_, Self>, path: DeleteLearnLessonPath, _headers: DeleteLearnLessonHeaders) -> Result<types::DeletedEnvelope, ApiError> {
        let lesson = lesson_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("lesson"))?;
        Ok(deleted(lesson.id, "learn_lesson"))
    }
}
