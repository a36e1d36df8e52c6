use mobieus_api::server::{
    CreateLearnEnrollmentHeaders, GetLearnEnrollmentPath, LearnEnrollmentsService, ListLearnEnrollmentsQuery, MarkLearnActivityDoneHeaders,
    MarkLearnActivityDonePath, WithdrawLearnEnrollmentHeaders, WithdrawLearnEnrollmentPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::enrollments::{
    activity_mark_done, enrollment_create, enrollment_get, enrollment_list, enrollment_withdraw, EnrollmentFilter, EnrollmentWithProgress,
};

pub fn enrollment_out(e: EnrollmentWithProgress) -> Result<types::Enrollment, ApiError> {
    let (en, p) = (e.enrollment, e.progress);
    Ok(types::Enrollment {
        id: en.id,
        course_id: en.course_id,
        user_id: en.user_id,
        status: stored("enrollment status", &en.status)?,
        progress: types::EnrollmentProgress { required_done: p.required_done, required_total: p.required_total, percent: p.percent() as i32 },
        enrolled_at: en.enrolled_at.0,
        completed_at: en.completed_at.map(|t| t.0),
        withdrawn_at: en.withdrawn_at.map(|t| t.0),
        updated_at: en.updated_at.0,
    })
}

fn envelope(e: EnrollmentWithProgress) -> Result<types::EnrollmentEnvelope, ApiError> {
    Ok(types::EnrollmentEnvelope { data: enrollment_out(e)?, next_cursor: None, request_id: String::new() })
}

impl LearnEnrollmentsService for AppContext {
    async fn list_learn_enrollments(call: &Call<'_, Self>, query: ListLearnEnrollmentsQuery) -> Result<types::EnrollmentList, ApiError> {
        let paging = Paging::new(call, "learn_enrollments", query.cursor.as_deref(), query.limit)?;
        let filter = EnrollmentFilter { course: query.course, user: query.user, status: query.status.map(|s| s.to_string()) };
        let page = enrollment_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("enrollment"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |e| json!([e.enrollment.id]));
        Ok(types::EnrollmentList {
            data: rows.into_iter().map(enrollment_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_learn_enrollment(
        call: &Call<'_, Self>,
        _headers: CreateLearnEnrollmentHeaders,
        body: types::EnrollmentCreate,
    ) -> Result<types::EnrollmentEnvelope, ApiError> {
        let db = &call.context().db;
        let tenant = call.principal.tenant_id;
        let e = enrollment_create(db, tenant, body.course_id, body.user_id).await.map_err(store_error("enrollment"))?;
        envelope(enrollment_get(db, tenant, e.id).await.map_err(store_error("enrollment"))?)
    }

    async fn get_learn_enrollment(call: &Call<'_, Self>, path: GetLearnEnrollmentPath) -> Result<types::EnrollmentEnvelope, ApiError> {
        envelope(enrollment_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("enrollment"))?)
    }

    async fn withdraw_learn_enrollment(
        call: &Call<'_, Self>,
        path: WithdrawLearnEnrollmentPath,
        _headers: WithdrawLearnEnrollmentHeaders,
    ) -> Result<types::EnrollmentEnvelope, ApiError> {
        let db = &call.context().db;
        let tenant = call.principal.tenant_id;
        let e = enrollment_withdraw(db, tenant, path.id).await.map_err(store_error("enrollment"))?;
        envelope(enrollment_get(db, tenant, e.id).await.map_err(store_error("enrollment"))?)
    }

    async fn mark_learn_activity_done(
        call: &Call<'_, Self>,
        path: MarkLearnActivityDonePath,
        _headers: MarkLearnActivityDoneHeaders,
        body: types::ActivityDone,
    ) -> Result<types::EnrollmentEnvelope, ApiError> {
        let recorded = activity_mark_done(&call.context().db, call.principal.tenant_id, path.id, body.activity_id)
            .await
            .map_err(store_error("enrollment"))?;
        envelope(recorded.enrollment)
    }
}
