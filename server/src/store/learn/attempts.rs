//! Quiz attempts: started for an enrollment, submitted once, scored by the
//! server against the key. Attempt numbers are unique per enrollment and
//! quiz, and are handed out under the enrollment's row lock, so a quiz's
//! `max_attempts` holds under concurrent starts; a passing submission marks
//! the quiz done in its transaction (and may complete the enrollment).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::db::schema::{learn_activities as a, learn_attempts as at, learn_enrollments as en};
use crate::store::learn::xapi_statements::Stated;
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::learn::activities::QUIZ;
use crate::store::learn::enrollments::{Enrollment, Recorded, Via, WITHDRAWN};
use crate::store::learn::quiz::{score, Answer, KeyEntry, PublicQuiz};
use crate::store::Page;
use crate::{list_total, page_and_count, with_conn, write_tx};

pub const IN_PROGRESS: &str = "in_progress";
pub const SUBMITTED: &str = "submitted";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = at, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Attempt {
    pub tenant_id: i64,
    pub id: i64,
    pub enrollment_id: i64,
    pub activity_id: i64,
    pub number: i32,
    pub status: String,
    pub answers: Option<Json<Value>>,
    pub results: Option<Json<Value>>,
    pub score: Option<i32>,
    pub max_score: i32,
    pub passed: Option<bool>,
    pub started_at: Ts,
    pub submitted_at: Option<Ts>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttemptFilter {
    pub enrollment: Option<i64>,
    pub activity: Option<i64>,
}

/// A submitted attempt and, when it passed, what marking the quiz done did.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub attempt: Attempt,
    pub recorded: Option<Recorded>,
}

fn attempt_event(event_type: &str, attempt: &Attempt, user_id: i64) -> NewEvent {
    NewEvent::new(
        attempt.tenant_id,
        event_type,
        json!({
            "attempt_id": attempt.id, "enrollment_id": attempt.enrollment_id, "activity_id": attempt.activity_id,
            "user_id": user_id, "number": attempt.number, "score": attempt.score, "passed": attempt.passed,
        }),
    )
}

/// A JSON column read back as the type it was written from.
fn stored<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Query(diesel::result::Error::DeserializationError(Box::new(e))))
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = at::table.filter(at::tenant_id.eq($tenant)).into_boxed();
        if let Some(e) = $f.enrollment {
            q = q.filter(at::enrollment_id.eq(e));
        }
        if let Some(act) = $f.activity {
            q = q.filter(at::activity_id.eq(act));
        }
        q
    }};
}

pub async fn attempt_list(db: &Db, tenant: i64, f: &AttemptFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Attempt>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(at::id.lt(id));
        }
        q.order(at::id.desc()).limit(limit).select(Attempt::as_select()).load::<Attempt>(conn)
    }, list_total!(conn, tenant, counts::LEARN_ATTEMPTS, 0, *f == AttemptFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn attempt_get(db: &Db, tenant: i64, id: i64) -> Result<Attempt, StoreError> {
    with_conn!(db, |conn| {
        Ok(at::table.filter(at::tenant_id.eq(tenant).and(at::id.eq(id))).select(Attempt::as_select()).first(conn).await.optional()?)
    })
    .found()
}

/// Starts the next attempt of a quiz for an enrollment.
pub async fn attempt_start(db: &Db, tenant: i64, enrollment: i64, activity: i64) -> Result<Attempt, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        // the enrollment's row lock first: starts for one enrollment queue here
        let e: Enrollment = crate::enrollment_lock!(conn, tenant, enrollment, now).ok_or(StoreError::MissingRow("enrollment"))?;
        if e.status == WITHDRAWN {
            return Err(StoreError::Refused("The enrollment is withdrawn: no attempt can be started.".into()));
        }
        let quiz_activity = crate::course_activity!(conn, tenant, e, activity, QUIZ);
        let quiz: PublicQuiz = stored(quiz_activity.content.0)?;
        let earlier: Vec<(i32, String)> = at::table
            .filter(at::tenant_id.eq(tenant).and(at::enrollment_id.eq(enrollment)).and(at::activity_id.eq(activity)))
            .select((at::number, at::status))
            .load(conn)
            .await?;
        if let Some((open, _)) = earlier.iter().find(|(_, s)| s == IN_PROGRESS) {
            return Err(StoreError::Refused(format!("Attempt {open} of this quiz is in progress: submit it first.")));
        }
        if let Some(max) = quiz.max_attempts
            && earlier.len() as i32 >= max
        {
            return Err(StoreError::invalid("activity_id", format!("all {max} attempts of this quiz are used")));
        }
        let attempt: Attempt = diesel::insert_into(at::table)
            .values((
                at::tenant_id.eq(tenant),
                at::enrollment_id.eq(enrollment),
                at::activity_id.eq(activity),
                at::number.eq(earlier.len() as i32 + 1),
                at::status.eq(IN_PROGRESS),
                at::max_score.eq(quiz.points),
                at::started_at.eq(now),
            ))
            .returning(Attempt::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, attempt_event("learn.attempt.started", &attempt, e.user_id));
        Ok(attempt)
    })
}

/// Scores and submits an attempt in progress; a second submission is
/// `Refused`, answers that do not fit the quiz are `Invalid` (and the
/// attempt stays in progress).
pub async fn attempt_submit(db: &Db, tenant: i64, id: i64, answers: &[Answer]) -> Result<Submitted, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let open: Option<Attempt> = diesel::update(at::table.filter(at::tenant_id.eq(tenant).and(at::id.eq(id)).and(at::status.eq(IN_PROGRESS))))
            .set(at::status.eq(SUBMITTED))
            .returning(Attempt::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(open) = open else {
            let exists: i64 = at::table.filter(at::tenant_id.eq(tenant).and(at::id.eq(id))).count().get_result(conn).await?;
            return Err(if exists == 0 { StoreError::NotFound } else { StoreError::Refused("The attempt is already submitted.".into()) });
        };
        // the enrollment's row lock before any event: every learn write takes
        // its rows' locks first and the tenant's event head last, so a
        // submission and a concurrent done mark cannot wait on each other
        let (user_id, course_id): (i64, i64) = diesel::update(en::table.filter(en::tenant_id.eq(tenant).and(en::id.eq(open.enrollment_id))))
            .set(en::updated_at.eq(now))
            .returning((en::user_id, en::course_id))
            .get_result(conn)
            .await?;
        let (content, key): (Json<Value>, Option<Json<Value>>) = a::table
            .filter(a::tenant_id.eq(tenant).and(a::id.eq(open.activity_id)))
            .select((a::content, a::answer_key))
            .first(conn)
            .await?;
        let quiz: PublicQuiz = stored(content.0)?;
        let key: Vec<KeyEntry> = key.map(|k| stored(k.0)).transpose()?.unwrap_or_default();
        let scored = score(&quiz, &key, answers).map_err(StoreError::Invalid)?;
        let attempt: Attempt = diesel::update(at::table.filter(at::tenant_id.eq(tenant).and(at::id.eq(id))))
            .set((
                at::answers.eq(Some(Json(json!(answers)))),
                at::results.eq(Some(Json(json!(scored.results)))),
                at::score.eq(Some(scored.score)),
                at::max_score.eq(scored.max_score),
                at::passed.eq(Some(scored.passed)),
                at::submitted_at.eq(Some(now)),
            ))
            .returning(Attempt::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, attempt_event("learn.attempt.submitted", &attempt, user_id));
        let stated = Stated::AttemptScored { activity: attempt.activity_id, score: scored.score as i64, max: scored.max_score as i64, passed: scored.passed };
        crate::state_progress!(conn, tenant, attempt.enrollment_id, user_id, course_id, stated, now);
        let recorded = if scored.passed {
            Some(crate::record_done!(conn, tenant, attempt.enrollment_id, attempt.activity_id, Via::Attempt, now))
        } else {
            None
        };
        Ok(Submitted { attempt, recorded })
    })
}
