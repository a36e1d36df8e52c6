//! Enrollments: a learner in a course, `active` → `completed`, or
//! `withdrawn`; and what each has done, from which progress is counted.
//!
//! Progress counts the course's required activities (all of them when none
//! is marked required) and the ones the enrollment has done. Completion is
//! decided in the transaction that records a done activity, after taking the
//! enrollment's row lock (the first statement updates it), so concurrent
//! marks and submissions complete an enrollment exactly once.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{learn_courses as c, learn_enrollments as en, users as u};
use crate::db::{Db, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::learn::courses::PUBLISHED;
use crate::store::Page;
use crate::{list_total, page_and_count, with_conn, write_tx};

pub const ACTIVE: &str = "active";
pub const COMPLETED: &str = "completed";
pub const WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = en, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Enrollment {
    pub tenant_id: i64,
    pub id: i64,
    pub course_id: i64,
    pub user_id: i64,
    pub status: String,
    pub enrolled_at: Ts,
    pub completed_at: Option<Ts>,
    pub withdrawn_at: Option<Ts>,
    pub updated_at: Ts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub required_done: i64,
    pub required_total: i64,
}

impl Progress {
    /// Whole percent, rounded down: 100 only when everything is done.
    pub fn percent(&self) -> i64 {
        if self.required_total == 0 { 0 } else { (self.required_done * 100 / self.required_total).min(100) }
    }

    pub fn complete(&self) -> bool {
        self.required_total > 0 && self.required_done >= self.required_total
    }
}

#[derive(Debug, Clone)]
pub struct EnrollmentWithProgress {
    pub enrollment: Enrollment,
    pub progress: Progress,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnrollmentFilter {
    pub course: Option<i64>,
    pub user: Option<i64>,
    pub status: Option<String>,
}

/// What recording a done activity did.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub enrollment: EnrollmentWithProgress,
    /// False when the activity was already done.
    pub newly_done: bool,
    /// True when this call completed the enrollment.
    pub completed_now: bool,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = en::table.filter(en::tenant_id.eq($tenant)).into_boxed();
        if let Some(course) = $f.course {
            q = q.filter(en::course_id.eq(course));
        }
        if let Some(user) = $f.user {
            q = q.filter(en::user_id.eq(user));
        }
        if let Some(s) = &$f.status {
            q = q.filter(en::status.eq(s.clone()));
        }
        q
    }};
}

/// Takes the enrollment's row lock for the rest of the transaction (the
/// first statement of anything that can complete it): the row, or `None`
/// when it is not the tenant's.
#[macro_export]
macro_rules! enrollment_lock {
    ($conn:expr, $tenant:expr, $id:expr, $now:expr) => {{
        use $crate::db::schema::learn_enrollments as __en;
        use $crate::store::learn::enrollments::Enrollment;
        diesel::update(__en::table.filter(__en::tenant_id.eq($tenant).and(__en::id.eq($id))))
            .set(__en::updated_at.eq($now))
            .returning(Enrollment::as_returning())
            .get_result::<Enrollment>($conn)
            .await
            .optional()?
    }};
}

/// Progress for each of `rows`, in two grouped reads whatever their number.
#[macro_export]
macro_rules! progress_of {
    ($conn:expr, $tenant:expr, $rows:expr) => {{
        use $crate::db::schema::{learn_activities as a, learn_activity_completions as ac};
        use $crate::store::learn::enrollments::Enrollment;
        let __rows: &[Enrollment] = $rows;
        let __courses: Vec<i64> = __rows.iter().map(|e| e.course_id).collect();
        let __ids: Vec<i64> = __rows.iter().map(|e| e.id).collect();
        // (course, required, how many)
        let __totals: Vec<(i64, bool, i64)> = a::table
            .filter(a::tenant_id.eq($tenant).and(a::course_id.eq_any(__courses)))
            .group_by((a::course_id, a::required))
            .select((a::course_id, a::required, diesel::dsl::count_star()))
            .load($conn)
            .await?;
        // (enrollment, required, how many done)
        let __done: Vec<(i64, bool, i64)> = ac::table
            .inner_join(a::table.on(a::tenant_id.eq(ac::tenant_id).and(a::id.eq(ac::activity_id))))
            .filter(ac::tenant_id.eq($tenant).and(ac::enrollment_id.eq_any(__ids)))
            .group_by((ac::enrollment_id, a::required))
            .select((ac::enrollment_id, a::required, diesel::dsl::count_star()))
            .load($conn)
            .await?;
        $crate::store::learn::enrollments::progress_from(__rows, &__totals, &__done)
    }};
}

/// Counts the required activities (every activity when none is required).
pub fn progress_from(rows: &[Enrollment], totals: &[(i64, bool, i64)], done: &[(i64, bool, i64)]) -> Vec<EnrollmentWithProgress> {
    let mut by_course: HashMap<i64, (i64, i64)> = HashMap::new(); // (required, all)
    for (course, required, n) in totals {
        let e = by_course.entry(*course).or_default();
        if *required {
            e.0 += n;
        }
        e.1 += n;
    }
    let mut by_enrollment: HashMap<i64, (i64, i64)> = HashMap::new();
    for (enrollment, required, n) in done {
        let e = by_enrollment.entry(*enrollment).or_default();
        if *required {
            e.0 += n;
        }
        e.1 += n;
    }
    rows.iter()
        .map(|e| {
            let (req, all) = by_course.get(&e.course_id).copied().unwrap_or_default();
            let (req_done, all_done) = by_enrollment.get(&e.id).copied().unwrap_or_default();
            let progress = if req > 0 {
                Progress { required_done: req_done, required_total: req }
            } else {
                Progress { required_done: all_done, required_total: all }
            };
            EnrollmentWithProgress { enrollment: e.clone(), progress }
        })
        .collect()
}

fn enrollment_event(event_type: &str, e: &Enrollment) -> NewEvent {
    NewEvent::new(e.tenant_id, event_type, json!({ "enrollment_id": e.id, "course_id": e.course_id, "user_id": e.user_id }))
}

pub async fn enrollment_list(db: &Db, tenant: i64, f: &EnrollmentFilter, before_id: Option<i64>, limit: i64) -> Result<Page<EnrollmentWithProgress>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(en::id.lt(id));
        }
        q.order(en::id.desc()).limit(limit).select(Enrollment::as_select()).load::<Enrollment>(conn)
    }, list_total!(conn, tenant, counts::LEARN_ENROLLMENTS, 0, *f == EnrollmentFilter::default(), filtered!(tenant, f)));
    let rows = with_conn!(db, |conn| Ok::<_, StoreError>(crate::progress_of!(conn, tenant, &rows)))?;
    Ok(Page { rows, total })
}

pub async fn enrollment_get(db: &Db, tenant: i64, id: i64) -> Result<EnrollmentWithProgress, StoreError> {
    with_conn!(db, |conn| {
        let Some(e) = en::table.filter(en::tenant_id.eq(tenant).and(en::id.eq(id))).select(Enrollment::as_select()).first(conn).await.optional()? else {
            return Err(StoreError::NotFound);
        };
        Ok(crate::progress_of!(conn, tenant, &[e]).remove(0))
    })
}

/// Enrolls the user in a published course. A withdrawn learner is enrolled
/// again on the same enrollment (its progress kept); an active or completed
/// one is `Conflict`. Returns the enrollment and whether it is new.
pub async fn enrollment_create(db: &Db, tenant: i64, course: i64, user: i64) -> Result<Enrollment, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let status: Option<String> = c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq(course))).select(c::status).first(conn).await.optional()?;
        match status.as_deref() {
            None => return Err(StoreError::MissingRow("course")),
            Some(PUBLISHED) => {}
            Some(other) => return Err(StoreError::invalid("course_id", format!("the course is {other}: only published courses take enrollments"))),
        }
        let users: i64 = u::table.filter(u::tenant_id.eq(tenant).and(u::id.eq(user))).count().get_result(conn).await?;
        if users == 0 {
            return Err(StoreError::MissingRow("user"));
        }
        crate::enroll!(conn, tenant, course, user, now)
    })
}

/// Inserts (or re-activates) one enrollment, with its event: `Ok(enrollment)`
/// or `Conflict("user_id")` when the user is already enrolled.
#[macro_export]
macro_rules! enroll {
    ($conn:expr, $tenant:expr, $course:expr, $user:expr, $now:expr) => {{
        use $crate::db::schema::learn_enrollments as __en;
        use $crate::store::learn::enrollments::{Enrollment, ACTIVE, WITHDRAWN};
        let __again: Option<Enrollment> = diesel::update(
            __en::table.filter(__en::tenant_id.eq($tenant).and(__en::course_id.eq($course)).and(__en::user_id.eq($user)).and(__en::status.eq(WITHDRAWN))),
        )
        .set((__en::status.eq(ACTIVE), __en::withdrawn_at.eq(None::<$crate::db::Ts>), __en::updated_at.eq($now)))
        .returning(Enrollment::as_returning())
        .get_result($conn)
        .await
        .optional()?;
        let __e: Enrollment = match __again {
            Some(e) => e,
            None => diesel::insert_into(__en::table)
                .values((
                    __en::tenant_id.eq($tenant),
                    __en::course_id.eq($course),
                    __en::user_id.eq($user),
                    __en::status.eq(ACTIVE),
                    __en::enrolled_at.eq($now),
                    __en::updated_at.eq($now),
                ))
                .returning(Enrollment::as_returning())
                .get_result($conn)
                .await
                .map_err($crate::db::StoreError::unique("user_id"))?,
        };
        $crate::record_event!($conn, $crate::store::learn::enrollments::enrollment_created(&__e));
        Ok(__e)
    }};
}

pub fn enrollment_created(e: &Enrollment) -> NewEvent {
    enrollment_event("learn.enrollment.created", e)
}

/// Withdraws an active enrollment; a completed one stays completed
/// (`Refused`), a withdrawn one is answered as it is.
pub async fn enrollment_withdraw(db: &Db, tenant: i64, id: i64) -> Result<Enrollment, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let updated: Option<Enrollment> = diesel::update(en::table.filter(en::tenant_id.eq(tenant).and(en::id.eq(id)).and(en::status.eq(ACTIVE))))
            .set((en::status.eq(WITHDRAWN), en::withdrawn_at.eq(Some(now)), en::updated_at.eq(now)))
            .returning(Enrollment::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if let Some(e) = updated {
            crate::record_event!(conn, enrollment_event("learn.enrollment.withdrawn", &e));
            return Ok(e);
        }
        let e: Enrollment = en::table
            .filter(en::tenant_id.eq(tenant).and(en::id.eq(id)))
            .select(Enrollment::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        if e.status == COMPLETED {
            return Err(StoreError::Refused("The enrollment is completed; a completed enrollment cannot be withdrawn.".into()));
        }
        Ok(e)
    })
}

/// How an activity got done; each kind of activity is done one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Marked done: a video, a reading, an assignment.
    Mark,
    /// A passing quiz attempt.
    Attempt,
    /// A SCO reported completed or passed.
    Scorm,
    /// Attendance of the live session.
    Attendance,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Mark => "mark",
            Via::Attempt => "attempt",
            Via::Scorm => "scorm",
            Via::Attendance => "attendance",
        }
    }

    /// Why an activity of `kind` cannot be done this way, if it cannot.
    pub fn refuses(self, kind: &str) -> Option<&'static str> {
        let own = match kind {
            "quiz" => Via::Attempt,
            "scorm" => Via::Scorm,
            "live" => Via::Attendance,
            _ => Via::Mark,
        };
        if own == self {
            return None;
        }
        Some(match own {
            Via::Attempt => "a quiz is done when an attempt passes, not by marking it",
            Via::Scorm => "a SCORM activity is done when its SCO reports completed or passed",
            Via::Attendance => "a live activity is done when attendance of its session is recorded",
            Via::Mark => "this activity is done by marking it done",
        })
    }
}

/// Records that the enrollment did the activity (once), and completes the
/// enrollment when that was the last required one. Inside the caller's
/// write transaction: the enrollment's row lock is its first statement.
/// `$via` must be the activity kind's own way (`Via::refuses`).
#[macro_export]
macro_rules! record_done {
    ($conn:expr, $tenant:expr, $enrollment:expr, $activity:expr, $via:expr, $now:expr) => {{
        use $crate::db::schema::{learn_activities as __a, learn_activity_completions as __ac, learn_enrollments as __en};
        use $crate::store::learn::enrollments::{Enrollment, Recorded, ACTIVE, COMPLETED};
        let __via: $crate::store::learn::enrollments::Via = $via;
        let __e: Enrollment = $crate::enrollment_lock!($conn, $tenant, $enrollment, $now).ok_or($crate::db::StoreError::NotFound)?;
        if __e.status != ACTIVE && __e.status != COMPLETED {
            return Err($crate::db::StoreError::Refused(format!("The enrollment is {}: nothing more is recorded for it.", __e.status)));
        }
        let __kind: Option<(i64, String)> = __a::table
            .filter(__a::tenant_id.eq($tenant).and(__a::id.eq($activity)))
            .select((__a::course_id, __a::kind))
            .first($conn)
            .await
            .optional()?;
        match __kind {
            Some((course, _)) if course != __e.course_id => {
                return Err($crate::db::StoreError::invalid("activity_id", "the activity is not part of the enrollment's course"));
            }
            None => return Err($crate::db::StoreError::MissingRow("activity")),
            Some((_, kind)) => {
                if let Some(__why) = __via.refuses(&kind) {
                    return Err($crate::db::StoreError::invalid("activity_id", __why));
                }
            }
        }
        let __inserted = diesel::insert_into(__ac::table)
            .values((
                __ac::tenant_id.eq($tenant),
                __ac::enrollment_id.eq($enrollment),
                __ac::activity_id.eq($activity),
                __ac::via.eq(__via.as_str()),
                __ac::done_at.eq($now),
            ))
            .on_conflict((__ac::tenant_id, __ac::enrollment_id, __ac::activity_id))
            .do_nothing()
            .execute($conn)
            .await?;
        let mut __with = $crate::progress_of!($conn, $tenant, std::slice::from_ref(&__e)).remove(0);
        if __inserted > 0 {
            $crate::record_event!(
                $conn,
                $crate::store::events::NewEvent::new(
                    $tenant,
                    "learn.activity.completed",
                    serde_json::json!({
                        "enrollment_id": __e.id, "course_id": __e.course_id, "user_id": __e.user_id, "activity_id": $activity,
                        "via": __via.as_str(), "percent": __with.progress.percent(),
                    })
                )
            );
            $crate::state_progress!($conn, $tenant, __e.id, __e.user_id, __e.course_id, $crate::store::learn::xapi_statements::Stated::ActivityCompleted($activity), $now);
        }
        let mut __completed_now = false;
        if __e.status == ACTIVE && __with.progress.complete() {
            let __done: Enrollment = diesel::update(__en::table.filter(__en::tenant_id.eq($tenant).and(__en::id.eq($enrollment))))
                .set((__en::status.eq(COMPLETED), __en::completed_at.eq(Some($now))))
                .returning(Enrollment::as_returning())
                .get_result($conn)
                .await?;
            $crate::record_event!(
                $conn,
                $crate::store::events::NewEvent::new(
                    $tenant,
                    "learn.course.completed",
                    serde_json::json!({ "enrollment_id": __done.id, "course_id": __done.course_id, "user_id": __done.user_id, "completed_at": $now })
                )
            );
            $crate::state_progress!($conn, $tenant, __done.id, __done.user_id, __done.course_id, $crate::store::learn::xapi_statements::Stated::CourseCompleted, $now);
            $crate::issue_certificate!($conn, $tenant, &__done, $now);
            __with.enrollment = __done;
            __completed_now = true;
        }
        Recorded { enrollment: __with, newly_done: __inserted > 0, completed_now: __completed_now }
    }};
}

/// Marks a non-graded activity (video, reading, assignment) done.
pub async fn activity_mark_done(db: &Db, tenant: i64, enrollment: i64, activity: i64) -> Result<Recorded, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| Ok(crate::record_done!(conn, tenant, enrollment, activity, Via::Mark, now)))
}
