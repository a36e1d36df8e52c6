//! What SCOs reported through the SCORM runtime for an enrollment: the
//! latest state per activity and SCO. A SCO reporting completed or passed
//! can complete its `scorm` activity (`Via::Scorm`), which counts towards
//! the enrollment's progress like any done activity.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::db::schema::{learn_enrollments as en, learn_scorm_packages as sp, learn_scorm_results as sr};
use crate::db::{Db, Json, StoreError, Ts};
use crate::scorm::{Structure, Version};
use crate::store::events::NewEvent;
use crate::store::learn::enrollments::{Enrollment, EnrollmentWithProgress, Via, WITHDRAWN};
use crate::store::Page;
use crate::{page_and_count, write_tx};

pub const SCORM: &str = "scorm";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sr, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ScormResult {
    pub tenant_id: i64,
    pub id: i64,
    pub enrollment_id: i64,
    pub activity_id: i64,
    pub package_id: i64,
    pub sco: String,
    pub lesson_status: Option<String>,
    pub completion_status: Option<String>,
    pub success_status: Option<String>,
    pub score_raw: Option<f64>,
    pub score_min: Option<f64>,
    pub score_max: Option<f64>,
    pub score_scaled: Option<f64>,
    pub done: bool,
    pub recorded_at: Ts,
}

/// What the player relayed (enum values already checked by the contract).
#[derive(Debug, Clone, Default)]
pub struct ScormReport {
    pub activity_id: i64,
    pub sco: Option<String>,
    pub lesson_status: Option<String>,
    pub completion_status: Option<String>,
    pub success_status: Option<String>,
    pub score_raw: Option<f64>,
    pub score_min: Option<f64>,
    pub score_max: Option<f64>,
    pub score_scaled: Option<f64>,
}

impl ScormReport {
    /// The other version's fields and scores out of range, as (field, problem).
    fn problems(&self, version: Version) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut wrong = |field: &str, sent: bool, edition: &str| {
            if sent {
                found.push((field.to_owned(), format!("not a field of SCORM {edition} results; the package is SCORM {}", version.as_str())));
            }
        };
        match version {
            Version::Scorm12 => {
                wrong("completion_status", self.completion_status.is_some(), "2004");
                wrong("success_status", self.success_status.is_some(), "2004");
                wrong("score_scaled", self.score_scaled.is_some(), "2004");
            }
            Version::Scorm2004 => wrong("lesson_status", self.lesson_status.is_some(), "1.2"),
        }
        if let (Some(min), Some(max)) = (self.score_min, self.score_max)
            && min > max
        {
            found.push(("score_min".into(), "above score_max".into()));
        }
        if let Some(raw) = self.score_raw {
            if self.score_min.is_some_and(|min| raw < min) {
                found.push(("score_raw".into(), "below score_min".into()));
            }
            if self.score_max.is_some_and(|max| raw > max) {
                found.push(("score_raw".into(), "above score_max".into()));
            }
        }
        found
    }

    /// Whether the report counts the SCO as done.
    fn done(&self) -> bool {
        matches!(self.lesson_status.as_deref(), Some("completed" | "passed"))
            || self.completion_status.as_deref() == Some("completed")
            || self.success_status.as_deref() == Some("passed")
    }
}

/// The SCO a report is for: the one named, else the activity's, else the
/// package's only one.
fn sco_of(report: &ScormReport, activity_sco: Option<&str>, structure: &Structure) -> Result<String, StoreError> {
    let sco = match (report.sco.as_deref(), activity_sco) {
        (Some(s), _) | (None, Some(s)) => s.to_owned(),
        (None, None) if structure.scos.len() == 1 => structure.scos[0].identifier.clone(),
        (None, None) => {
            return Err(StoreError::invalid(
                "sco",
                format!("required: the activity names no SCO and the package has {}", structure.scos.len()),
            ))
        }
    };
    if !structure.has_sco(&sco) {
        return Err(StoreError::invalid("sco", format!("`{sco}` is not a SCO of the activity's package")));
    }
    Ok(sco)
}

/// Records a report (replacing the SCO's earlier one) and, when it makes the
/// activity done, records that. Gives the result and the enrollment after.
pub async fn scorm_result_record(db: &Db, tenant: i64, enrollment: i64, report: &ScormReport) -> Result<(ScormResult, EnrollmentWithProgress), StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        // the enrollment's row lock first (completion is decided under it)
        let e: Enrollment = crate::enrollment_lock!(conn, tenant, enrollment, now).ok_or(StoreError::NotFound)?;
        if e.status == WITHDRAWN {
            return Err(StoreError::Refused("The enrollment is withdrawn: nothing more is recorded for it.".into()));
        }
        let activity = crate::course_activity!(conn, tenant, e, report.activity_id, SCORM);
        let Some(package) = activity.scorm_package_id else {
            return Err(StoreError::invalid("activity_id", "the SCORM activity points at no package"));
        };
        let structure: Json<Structure> = sp::table.filter(sp::tenant_id.eq(tenant).and(sp::id.eq(package))).select(sp::structure).first(conn).await?;
        let problems = report.problems(structure.0.version);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let activity_sco = activity.content.0.get("sco").and_then(Value::as_str).map(str::to_owned);
        let sco = sco_of(report, activity_sco.as_deref(), &structure.0)?;
        let done = report.done();
        let fields = (
            sr::package_id.eq(package),
            sr::lesson_status.eq(report.lesson_status.clone()),
            sr::completion_status.eq(report.completion_status.clone()),
            sr::success_status.eq(report.success_status.clone()),
            sr::score_raw.eq(report.score_raw),
            sr::score_min.eq(report.score_min),
            sr::score_max.eq(report.score_max),
            sr::score_scaled.eq(report.score_scaled),
            sr::done.eq(done),
            sr::recorded_at.eq(now),
        );
        let result: ScormResult = diesel::insert_into(sr::table)
            .values((sr::tenant_id.eq(tenant), sr::enrollment_id.eq(enrollment), sr::activity_id.eq(activity.id), sr::sco.eq(&sco), fields.clone()))
            .on_conflict((sr::tenant_id, sr::enrollment_id, sr::activity_id, sr::sco))
            .do_update()
            .set(fields)
            .returning(ScormResult::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(
            conn,
            NewEvent::new(tenant, "learn.scorm_result.recorded", json!({
                "result_id": result.id, "enrollment_id": enrollment, "activity_id": activity.id, "sco": sco, "done": done,
            }))
        );
        // the activity is done when its SCO is, or (naming none) every SCO
        let needed: Vec<String> = match &activity_sco {
            Some(s) => vec![s.clone()],
            None => structure.0.scos.iter().map(|s| s.identifier.clone()).collect(),
        };
        let done_scos: i64 = sr::table
            .filter(sr::tenant_id.eq(tenant).and(sr::enrollment_id.eq(enrollment)).and(sr::activity_id.eq(activity.id)))
            .filter(sr::done.eq(true).and(sr::sco.eq_any(&needed)))
            .count()
            .get_result(conn)
            .await?;
        let after = if done_scos as usize >= needed.len() {
            crate::record_done!(conn, tenant, enrollment, activity.id, Via::Scorm, now).enrollment
        } else {
            crate::progress_of!(conn, tenant, std::slice::from_ref(&e)).remove(0)
        };
        Ok((result, after))
    })
}

pub async fn scorm_result_list(db: &Db, tenant: i64, enrollment: i64, before_id: Option<i64>, limit: i64) -> Result<Page<ScormResult>, StoreError> {
    let exists: i64 = crate::with_conn!(db, |conn| Ok::<i64, StoreError>(en::table.filter(en::tenant_id.eq(tenant).and(en::id.eq(enrollment))).count().get_result::<i64>(conn).await?))?;
    if exists == 0 {
        return Err(StoreError::NotFound);
    }
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = sr::table.filter(sr::tenant_id.eq(tenant).and(sr::enrollment_id.eq(enrollment))).into_boxed();
        if let Some(id) = before_id {
            q = q.filter(sr::id.lt(id));
        }
        q.order(sr::id.desc()).limit(limit).select(ScormResult::as_select()).load::<ScormResult>(conn)
    }, sr::table.filter(sr::tenant_id.eq(tenant).and(sr::enrollment_id.eq(enrollment))).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}
