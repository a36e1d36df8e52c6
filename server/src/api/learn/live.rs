use mobieus_api::server::{
    AttachLearnLiveRecordingHeaders, AttachLearnLiveRecordingPath, CancelLearnLiveSessionHeaders, CancelLearnLiveSessionPath,
    GetLearnLiveSessionPath, LearnLiveService, ListLearnLiveAttendancePath, ListLearnLiveAttendanceQuery, ListLearnLiveSessionsQuery,
    RecordLearnLiveAttendanceHeaders, RecordLearnLiveAttendancePath, ScheduleLearnLiveSessionHeaders, UpdateLearnLiveSessionHeaders,
    UpdateLearnLiveSessionPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::live_attendance::{attendance_list, attendance_record};
use crate::store::learn::live_sessions::{
    session_attach_recording, session_cancel, session_get, session_list, session_schedule, session_update, LiveSessionWithCount, NewSession,
    Recording, SessionChanges, SessionFilter,
};

fn session_out(s: LiveSessionWithCount) -> Result<types::LiveSession, ApiError> {
    let (n, s) = (s.attendee_count, s.session);
    Ok(types::LiveSession {
        id: s.id,
        course_id: s.course_id,
        status: stored("live session status", &s.status)?,
        title: s.title,
        starts_at: s.starts_at.0,
        duration_minutes: s.duration_minutes,
        ends_at: s.ends_at.0,
        host_user_id: s.host_user_id,
        join_url: s.join_url,
        cancel_reason: s.cancel_reason,
        cancelled_at: s.cancelled_at.map(|t| t.0),
        recording_file_id: s.recording_file_id,
        recording_url: s.recording_url,
        attendee_count: n,
        created_at: s.created_at.0,
        updated_at: s.updated_at.0,
    })
}

fn envelope(s: LiveSessionWithCount) -> Result<types::LiveSessionEnvelope, ApiError> {
    Ok(types::LiveSessionEnvelope { data: session_out(s)?, next_cursor: None, request_id: String::new() })
}

impl LearnLiveService for AppContext {
    async fn list_learn_live_sessions(call: &Call<'_, Self>, query: ListLearnLiveSessionsQuery) -> Result<types::LiveSessionList, ApiError> {
        let paging = Paging::new(call, "learn_live_sessions", query.cursor.as_deref(), query.limit)?;
        let filter = SessionFilter {
            course: query.course,
            status: query.status.map(|s| s.to_string()),
            ending_after: query.upcoming.unwrap_or(false).then(chrono::Utc::now),
        };
        let page = session_list(&call.context().db, call.principal.tenant_id, &filter, paging.timed()?, paging.fetch())
            .await
            .map_err(store_error("live_session"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |s| json!([s.session.starts_at.0, s.session.id]));
        Ok(types::LiveSessionList {
            data: rows.into_iter().map(session_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn schedule_learn_live_session(
        call: &Call<'_, Self>,
        _headers: ScheduleLearnLiveSessionHeaders,
        body: types::LiveSessionCreate,
    ) -> Result<types::LiveSessionEnvelope, ApiError> {
        let new = NewSession {
            course_id: body.course_id,
            title: String::from(body.title),
            starts_at: body.starts_at,
            duration_minutes: body.duration_minutes.get() as i32,
            host_user_id: body.host_user_id,
            join_url: String::from(body.join_url),
        };
        envelope(session_schedule(&call.context().db, call.principal.tenant_id, &new).await.map_err(store_error("live_session"))?)
    }

    async fn get_learn_live_session(call: &Call<'_, Self>, path: GetLearnLiveSessionPath) -> Result<types::LiveSessionEnvelope, ApiError> {
        envelope(session_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("live_session"))?)
    }

    async fn update_learn_live_session(
        call: &Call<'_, Self>,
        path: UpdateLearnLiveSessionPath,
        _headers: UpdateLearnLiveSessionHeaders,
        body: types::LiveSessionUpdate,
    ) -> Result<types::LiveSessionEnvelope, ApiError> {
        let changes = SessionChanges {
            title: body.title.map(String::from),
            starts_at: body.starts_at,
            duration_minutes: body.duration_minutes.map(|d| d.get() as i32),
            host_user_id: body.host_user_id,
            join_url: body.join_url.map(String::from),
        };
        envelope(session_update(&call.context().db, call.principal.tenant_id, path.id, &changes).await.map_err(store_error("live_session"))?)
    }

    async fn cancel_learn_live_session(
        call: &Call<'_, Self>,
        path: CancelLearnLiveSessionPath,
        _headers: CancelLearnLiveSessionHeaders,
        body: types::LiveSessionCancel,
    ) -> Result<types::LiveSessionEnvelope, ApiError> {
        let reason = body.reason.map(String::from);
        envelope(session_cancel(&call.context().db, call.principal.tenant_id, path.id, reason.as_deref()).await.map_err(store_error("live_session"))?)
    }

    async fn attach_learn_live_recording(
        call: &Call<'_, Self>,
        path: AttachLearnLiveRecordingPath,
        _headers: AttachLearnLiveRecordingHeaders,
        body: types::LiveRecordingInput,
    ) -> Result<types::LiveSessionEnvelope, ApiError> {
        let recording = match (body.file_id, body.url) {
            (Some(file), None) => Recording::File(file),
            (None, Some(url)) => Recording::Url(String::from(url)),
            (Some(_), Some(_)) => return Err(ApiError::field("url", "send `file_id` or `url`, not both")),
            (None, None) => return Err(ApiError::field("file_id", "send `file_id` or `url`")),
        };
        envelope(session_attach_recording(&call.context().db, call.principal.tenant_id, path.id, &recording).await.map_err(store_error("live_session"))?)
    }

    async fn list_learn_live_attendance(
        call: &Call<'_, Self>,
        path: ListLearnLiveAttendancePath,
        query: ListLearnLiveAttendanceQuery,
    ) -> Result<types::LiveAttendanceList, ApiError> {
        let paging = Paging::new(call, "learn_live_attendance", query.cursor.as_deref(), query.limit)?;
        let page = attendance_list(&call.context().db, call.principal.tenant_id, path.id, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("live_session"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |a| json!([a.id]));
        Ok(types::LiveAttendanceList {
            data: rows
                .into_iter()
                .map(|a| types::LiveAttendance { session_id: a.session_id, enrollment_id: a.enrollment_id, user_id: a.user_id, recorded_at: a.recorded_at.0 })
                .collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn record_learn_live_attendance(
        call: &Call<'_, Self>,
        path: RecordLearnLiveAttendancePath,
        _headers: RecordLearnLiveAttendanceHeaders,
        body: types::LiveAttendanceInput,
    ) -> Result<types::LiveAttendanceResultEnvelope, ApiError> {
        let out = attendance_record(&call.context().db, call.principal.tenant_id, path.id, &body.enrollment_ids)
            .await
            .map_err(store_error("live_session"))?;
        Ok(types::LiveAttendanceResultEnvelope {
            data: types::LiveAttendanceResult {
                session_id: path.id,
                recorded: out.recorded,
                already_recorded: out.already_recorded,
                completed_enrollment_ids: out.completed_enrollment_ids,
            },
            next_cursor: None,
            request_id: String::new(),
        })
    }
}
