//! Who attended a live session. Recording attendance completes every `live`
//! activity pointing at the session for each attendee (`Via::Attendance`),
//! all in one transaction.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{learn_activities as a, learn_live_attendance as la, learn_live_sessions as ls};
use crate::db::{Db, StoreError, Ts};
use crate::store::events::NewEvent;
use crate::store::learn::enrollments::{Enrollment, Via, WITHDRAWN};
use crate::store::learn::live_sessions::{LiveSession, CANCELLED};
use crate::store::Page;
use crate::{page_and_count, with_conn, write_tx};

pub const LIVE: &str = "live";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = la, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Attendance {
    pub tenant_id: i64,
    pub id: i64,
    pub session_id: i64,
    pub enrollment_id: i64,
    pub user_id: i64,
    pub recorded_at: Ts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendanceRecorded {
    pub recorded: i64,
    pub already_recorded: i64,
    pub completed_enrollment_ids: Vec<i64>,
}

pub async fn attendance_record(db: &Db, tenant: i64, session: i64, enrollment_ids: &[i64]) -> Result<AttendanceRecorded, StoreError> {
    let now = Ts::now();
    // one lock order for every caller: ascending enrollment ids
    let ids: Vec<i64> = enrollment_ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    write_tx!(db, |conn| {
        let s: LiveSession = ls::table
            .filter(ls::tenant_id.eq(tenant).and(ls::id.eq(session)))
            .select(LiveSession::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        if s.status == CANCELLED {
            return Err(StoreError::Refused("The session is cancelled: no attendance can be recorded.".into()));
        }
        if s.starts_at.0 > now.0 {
            return Err(StoreError::Refused("The session has not started yet: attendance is recorded once it has.".into()));
        }
        // the enrollments' row locks before anything is written
        let mut attendees: Vec<Enrollment> = Vec::with_capacity(ids.len());
        let mut foreign: Vec<String> = Vec::new();
        for id in &ids {
            match crate::enrollment_lock!(conn, tenant, *id, now) {
                Some(e) if e.course_id == s.course_id => attendees.push(e),
                _ => foreign.push(id.to_string()),
            }
        }
        if !foreign.is_empty() {
            return Err(StoreError::invalid("enrollment_ids", format!("not enrollments of the session's course: {}", foreign.join(", "))));
        }
        if let Some(w) = attendees.iter().find(|e| e.status == WITHDRAWN) {
            return Err(StoreError::Refused(format!("Enrollment {} is withdrawn: no attendance is recorded for it.", w.id)));
        }
        let activities: Vec<i64> = a::table
            .filter(a::tenant_id.eq(tenant).and(a::live_session_id.eq(session)).and(a::kind.eq(LIVE)))
            .select(a::id)
            .order(a::id.asc())
            .load(conn)
            .await?;
        let mut out = AttendanceRecorded::default();
        for e in &attendees {
            let inserted = diesel::insert_into(la::table)
                .values((la::tenant_id.eq(tenant), la::session_id.eq(session), la::enrollment_id.eq(e.id), la::user_id.eq(e.user_id), la::recorded_at.eq(now)))
                .on_conflict((la::tenant_id, la::session_id, la::enrollment_id))
                .do_nothing()
                .execute(conn)
                .await?;
            if inserted == 0 {
                out.already_recorded += 1;
                continue;
            }
            out.recorded += 1;
            crate::record_event!(
                conn,
                NewEvent::new(tenant, "learn.live_session.attended", json!({ "session_id": session, "enrollment_id": e.id, "user_id": e.user_id }))
            );
            for activity in &activities {
                let done = crate::record_done!(conn, tenant, e.id, *activity, Via::Attendance, now);
                if done.completed_now {
                    out.completed_enrollment_ids.push(e.id);
                }
            }
        }
        Ok(out)
    })
}

/// In the order it was recorded.
pub async fn attendance_list(db: &Db, tenant: i64, session: i64, after_id: Option<i64>, limit: i64) -> Result<Page<Attendance>, StoreError> {
    let exists: i64 = with_conn!(db, |conn| Ok::<i64, StoreError>(ls::table.filter(ls::tenant_id.eq(tenant).and(ls::id.eq(session))).count().get_result::<i64>(conn).await?))?;
    if exists == 0 {
        return Err(StoreError::NotFound);
    }
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = la::table.filter(la::tenant_id.eq(tenant).and(la::session_id.eq(session))).into_boxed();
        if let Some(id) = after_id {
            q = q.filter(la::id.gt(id));
        }
        q.order(la::id.asc()).limit(limit).select(Attendance::as_select()).load::<Attendance>(conn)
    }, la::table.filter(la::tenant_id.eq(tenant).and(la::session_id.eq(session))).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}
