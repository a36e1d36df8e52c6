//! Live sessions of a course: scheduled (or held already), rescheduled,
//! cancelled, with a recording attached afterwards. Listed in the order
//! they take place. A `live` activity of the course points at one; the
//! attendance recorded for it ([`super::live_attendance`]) completes it.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{files as f, learn_courses as c, learn_live_attendance as la, learn_live_sessions as ls, users as u};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::events::NewEvent;
use crate::store::Page;
use crate::{page_and_count, with_conn, write_tx};

pub const SCHEDULED: &str = "scheduled";
pub const CANCELLED: &str = "cancelled";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ls, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct LiveSession {
    pub tenant_id: i64,
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub starts_at: Ts,
    pub duration_minutes: i32,
    pub ends_at: Ts,
    pub host_user_id: i64,
    pub join_url: String,
    pub status: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<Ts>,
    pub recording_file_id: Option<i64>,
    pub recording_url: Option<String>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone)]
pub struct LiveSessionWithCount {
    pub session: LiveSession,
    pub attendee_count: i64,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub course_id: i64,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub host_user_id: i64,
    pub join_url: String,
}

#[derive(Debug, Clone, Default)]
pub struct SessionChanges {
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i32>,
    pub host_user_id: Option<i64>,
    pub join_url: Option<String>,
}

/// The recording: a file of the tenant or a URL.
#[derive(Debug, Clone)]
pub enum Recording {
    File(i64),
    Url(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionFilter {
    pub course: Option<i64>,
    pub status: Option<String>,
    /// Only scheduled sessions that end after this moment.
    pub ending_after: Option<DateTime<Utc>>,
}

fn ends(starts: DateTime<Utc>, minutes: i32) -> Ts {
    Ts::from(starts + TimeDelta::minutes(minutes.into()))
}

fn session_event(event_type: &str, s: &LiveSession) -> NewEvent {
    NewEvent::new(s.tenant_id, event_type, json!({ "session_id": s.id, "course_id": s.course_id, "starts_at": s.starts_at, "status": s.status }))
}

/// Attendee counts of `sessions`, in one grouped read.
macro_rules! with_counts {
    ($conn:expr, $tenant:expr, $sessions:expr) => {{
        let __sessions: Vec<LiveSession> = $sessions;
        let __ids: Vec<i64> = __sessions.iter().map(|s| s.id).collect();
        let __counts: HashMap<i64, i64> = la::table
            .filter(la::tenant_id.eq($tenant).and(la::session_id.eq_any(__ids)))
            .group_by(la::session_id)
            .select((la::session_id, diesel::dsl::count_star()))
            .load::<(i64, i64)>($conn)
            .await?
            .into_iter()
            .collect();
        __sessions
            .into_iter()
            .map(|s| LiveSessionWithCount { attendee_count: __counts.get(&s.id).copied().unwrap_or(0), session: s })
            .collect::<Vec<_>>()
    }};
}

/// In the order they take place: (starts_at, id) after the cursor's.
pub async fn session_list(db: &Db, tenant: i64, f: &SessionFilter, after: Option<(Ts, i64)>, limit: i64) -> Result<Page<LiveSessionWithCount>, StoreError> {
    macro_rules! filtered {
        () => {{
            let mut q = ls::table.filter(ls::tenant_id.eq(tenant)).into_boxed();
            if let Some(course) = f.course {
                q = q.filter(ls::course_id.eq(course));
            }
            if let Some(s) = &f.status {
                q = q.filter(ls::status.eq(s.clone()));
            }
            if let Some(t) = f.ending_after {
                q = q.filter(ls::status.eq(SCHEDULED).and(ls::ends_at.gt(Ts::from(t))));
            }
            q
        }};
    }
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!();
        if let Some((starts, id)) = after {
            q = q.filter(ls::starts_at.gt(starts).or(ls::starts_at.eq(starts).and(ls::id.gt(id))));
        }
        q.order((ls::starts_at.asc(), ls::id.asc())).limit(limit).select(LiveSession::as_select()).load::<LiveSession>(conn)
    }, filtered!().count().get_result::<i64>(conn));
    // the page's attendee counts, as of just after the page
    let rows = with_conn!(db, |conn| Ok::<_, StoreError>(with_counts!(conn, tenant, rows)))?;
    Ok(Page { rows, total })
}

pub async fn session_get(db: &Db, tenant: i64, id: i64) -> Result<LiveSessionWithCount, StoreError> {
    with_conn!(db, |conn| {
        let found: Option<LiveSession> =
            ls::table.filter(ls::tenant_id.eq(tenant).and(ls::id.eq(id))).select(LiveSession::as_select()).first(conn).await.optional()?;
        Ok(match found {
            None => None,
            Some(s) => with_counts!(conn, tenant, vec![s]).pop(),
        })
    })
    .found()
}

/// `Invalid` on `host_user_id` unless the host is a user of the tenant.
macro_rules! check_host {
    ($conn:expr, $tenant:expr, $host:expr) => {{
        let __n: i64 = u::table.filter(u::tenant_id.eq($tenant).and(u::id.eq($host))).count().get_result($conn).await?;
        if __n == 0 {
            return Err(StoreError::invalid("host_user_id", "no such user"));
        }
    }};
}

pub async fn session_schedule(db: &Db, tenant: i64, new: &NewSession) -> Result<LiveSessionWithCount, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let course: i64 = c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(new.course_id))).count().get_result(conn).await?;
        if course == 0 {
            return Err(StoreError::MissingRow("course"));
        }
        check_host!(conn, tenant, new.host_user_id);
        let session: LiveSession = diesel::insert_into(ls::table)
            .values((
                ls::tenant_id.eq(tenant),
                ls::course_id.eq(new.course_id),
                ls::title.eq(&new.title),
                ls::starts_at.eq(Ts::from(new.starts_at)),
                ls::duration_minutes.eq(new.duration_minutes),
                ls::ends_at.eq(ends(new.starts_at, new.duration_minutes)),
                ls::host_user_id.eq(new.host_user_id),
                ls::join_url.eq(&new.join_url),
                ls::status.eq(SCHEDULED),
                ls::created_at.eq(now),
                ls::updated_at.eq(now),
            ))
            .returning(LiveSession::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, session_event("learn.live_session.scheduled", &session));
        Ok(LiveSessionWithCount { session, attendee_count: 0 })
    })
}

/// Locks the session's row for the rest of the transaction and reads it.
#[macro_export]
macro_rules! session_lock {
    ($conn:expr, $tenant:expr, $id:expr, $now:expr) => {{
        use $crate::db::schema::learn_live_sessions as __ls;
        use $crate::store::learn::live_sessions::LiveSession;
        diesel::update(__ls::table.filter(__ls::tenant_id.eq($tenant).and(__ls::id.eq($id))))
            .set(__ls::updated_at.eq($now))
            .returning(LiveSession::as_returning())
            .get_result::<LiveSession>($conn)
            .await
            .optional()?
            .ok_or($crate::db::StoreError::NotFound)?
    }};
}

fn refuse_cancelled(s: &LiveSession, what: &str) -> Result<(), StoreError> {
    if s.status == CANCELLED {
        return Err(StoreError::Refused(format!("The session is cancelled: {what}.")));
    }
    Ok(())
}

pub async fn session_update(db: &Db, tenant: i64, id: i64, changes: &SessionChanges) -> Result<LiveSessionWithCount, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let before = crate::session_lock!(conn, tenant, id, now);
        refuse_cancelled(&before, "it cannot be changed")?;
        if let Some(host) = changes.host_user_id {
            check_host!(conn, tenant, host);
        }
        let starts = changes.starts_at.unwrap_or(before.starts_at.0);
        let minutes = changes.duration_minutes.unwrap_or(before.duration_minutes);
        let session: LiveSession = diesel::update(ls::table.filter(ls::tenant_id.eq(tenant).and(ls::id.eq(id))))
            .set((
                changes.title.as_ref().map(|t| ls::title.eq(t.clone())),
                ls::starts_at.eq(Ts::from(starts)),
                ls::duration_minutes.eq(minutes),
                ls::ends_at.eq(ends(starts, minutes)),
                changes.host_user_id.map(|h| ls::host_user_id.eq(h)),
                changes.join_url.as_ref().map(|j| ls::join_url.eq(j.clone())),
            ))
            .returning(LiveSession::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, session_event("learn.live_session.updated", &session));
        Ok(with_counts!(conn, tenant, vec![session]).remove(0))
    })
}

/// Cancels a scheduled session (a cancelled one is answered as it is).
pub async fn session_cancel(db: &Db, tenant: i64, id: i64, reason: Option<&str>) -> Result<LiveSessionWithCount, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let before = crate::session_lock!(conn, tenant, id, now);
        let session = if before.status == CANCELLED {
            before
        } else {
            let s: LiveSession = diesel::update(ls::table.filter(ls::tenant_id.eq(tenant).and(ls::id.eq(id))))
                .set((ls::status.eq(CANCELLED), ls::cancel_reason.eq(reason), ls::cancelled_at.eq(Some(now))))
                .returning(LiveSession::as_returning())
                .get_result(conn)
                .await?;
            crate::record_event!(conn, session_event("learn.live_session.cancelled", &s));
            s
        };
        Ok(with_counts!(conn, tenant, vec![session]).remove(0))
    })
}

pub async fn session_attach_recording(db: &Db, tenant: i64, id: i64, recording: &Recording) -> Result<LiveSessionWithCount, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let before = crate::session_lock!(conn, tenant, id, now);
        refuse_cancelled(&before, "it has no recording")?;
        let (file, url) = match recording {
            Recording::File(file) => {
                let n: i64 = f::table.filter(f::tenant_id.eq(tenant).and(f::id.eq(*file))).count().get_result(conn).await?;
                if n == 0 {
                    return Err(StoreError::invalid("file_id", "no such file"));
                }
                (Some(*file), None)
            }
            Recording::Url(url) => (None, Some(url.clone())),
        };
        let session: LiveSession = diesel::update(ls::table.filter(ls::tenant_id.eq(tenant).and(ls::id.eq(id))))
            .set((ls::recording_file_id.eq(file), ls::recording_url.eq(url)))
            .returning(LiveSession::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, session_event("learn.live_session.updated", &session));
        Ok(with_counts!(conn, tenant, vec![session]).remove(0))
    })
}
