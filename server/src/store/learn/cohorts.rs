//! Cohorts: named groups of learners (an identity provider's group, through
//! SCIM, lands here with its `external_id`), and the grant that enrolls
//! cohorts or users into courses in one transaction.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{
    learn_cohort_members as cm, learn_cohorts as co, learn_courses as c, learn_enrollments as en, user_group_members as ugm, user_groups as ug, users as u,
};
use crate::store::scim::users::DEACTIVATED;
use crate::db::{Db, StoreError, Ts};
use crate::store::events::NewEvent;
use crate::store::learn::courses::PUBLISHED;
use crate::store::learn::enrollments::{ACTIVE, COMPLETED};
use crate::store::Page;
use crate::{page_and_count, with_conn, write_tx};

/// The most members one add or remove call may name, and the most cohorts,
/// users and courses one grant may name (a grant of 50 cohorts × 20
/// courses is one transaction; bigger ones are split by the caller).
pub const MAX_IDS: usize = 1000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = co, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Cohort {
    pub tenant_id: i64,
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone)]
pub struct CohortWithCount {
    pub cohort: Cohort,
    pub member_count: i64,
}

#[derive(Debug, Clone, Default)]
pub struct CohortChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub changed: i64,
    pub unchanged: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granted {
    pub enrolled: i64,
    pub already_enrolled: i64,
    pub learners: i64,
    pub courses: i64,
}

fn cohort_event(event_type: &str, c: &Cohort) -> NewEvent {
    NewEvent::new(c.tenant_id, event_type, json!({ "cohort_id": c.id, "name": c.name, "external_id": c.external_id }))
}

/// Member counts for each of `rows`, in one grouped read.
macro_rules! with_counts {
    ($conn:expr, $tenant:expr, $rows:expr) => {{
        let rows: Vec<Cohort> = $rows;
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let counts: Vec<(i64, i64)> = cm::table
            .filter(cm::tenant_id.eq($tenant).and(cm::cohort_id.eq_any(ids)))
            .group_by(cm::cohort_id)
            .select((cm::cohort_id, diesel::dsl::count_star()))
            .load($conn)
            .await?;
        rows.into_iter()
            .map(|cohort| {
                let member_count = counts.iter().find(|(id, _)| *id == cohort.id).map(|(_, n)| *n).unwrap_or(0);
                CohortWithCount { cohort, member_count }
            })
            .collect::<Vec<_>>()
    }};
}

pub async fn cohort_list(db: &Db, tenant: i64, before_id: Option<i64>, limit: i64) -> Result<Page<CohortWithCount>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = co::table.filter(co::tenant_id.eq(tenant)).into_boxed();
        if let Some(id) = before_id {
            q = q.filter(co::id.lt(id));
        }
        q.order(co::id.desc()).limit(limit).select(Cohort::as_select()).load::<Cohort>(conn)
    }, co::table.filter(co::tenant_id.eq(tenant)).count().get_result::<i64>(conn));
    let rows = with_conn!(db, |conn| Ok::<_, StoreError>(with_counts!(conn, tenant, rows)))?;
    Ok(Page { rows, total })
}

pub async fn cohort_get(db: &Db, tenant: i64, id: i64) -> Result<CohortWithCount, StoreError> {
    with_conn!(db, |conn| {
        let Some(cohort) = co::table.filter(co::tenant_id.eq(tenant).and(co::id.eq(id))).select(Cohort::as_select()).first(conn).await.optional()? else {
            return Err(StoreError::NotFound);
        };
        Ok(with_counts!(conn, tenant, vec![cohort]).remove(0))
    })
}

pub async fn cohort_create(db: &Db, tenant: i64, name: &str, description: Option<&str>, external_id: Option<&str>) -> Result<Cohort, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let cohort: Cohort = diesel::insert_into(co::table)
            .values((
                co::tenant_id.eq(tenant),
                co::name.eq(name),
                co::description.eq(description),
                co::external_id.eq(external_id),
                co::created_at.eq(now),
                co::updated_at.eq(now),
            ))
            .returning(Cohort::as_returning())
            .get_result(conn)
            .await
            .map_err(unique_field(external_id.is_some()))?;
        crate::record_event!(conn, cohort_event("learn.cohort.created", &cohort));
        Ok(cohort)
    })
}

/// A unique violation names `external_id` when that constraint refused it
/// (both backends name it in the error), else `name`.
fn unique_field(external_sent: bool) -> impl Fn(diesel::result::Error) -> StoreError {
    move |e| match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info) => {
            let detail = format!("{} {}", info.message(), info.constraint_name().unwrap_or(""));
            StoreError::Conflict(if external_sent && detail.contains("external") { "external_id" } else { "name" })
        }
        e => StoreError::Query(e),
    }
}

pub async fn cohort_update(db: &Db, tenant: i64, id: i64, changes: &CohortChanges) -> Result<Cohort, StoreError> {
    let now = Ts::now();
    let external_sent = matches!(changes.external_id, Some(Some(_)));
    write_tx!(db, |conn| {
        let cohort: Cohort = diesel::update(co::table.filter(co::tenant_id.eq(tenant).and(co::id.eq(id))))
            .set((
                changes.name.as_ref().map(|n| co::name.eq(n.clone())),
                changes.description.as_ref().map(|d| co::description.eq(d.clone())),
                changes.external_id.as_ref().map(|x| co::external_id.eq(x.clone())),
                co::updated_at.eq(now),
            ))
            .returning(Cohort::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(unique_field(external_sent))?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, cohort_event("learn.cohort.updated", &cohort));
        Ok(cohort)
    })
}

/// Deletes the cohort and its memberships; enrollments made through it stay.
pub async fn cohort_delete(db: &Db, tenant: i64, id: i64) -> Result<Cohort, StoreError> {
    write_tx!(db, |conn| {
        let cohort: Cohort = diesel::delete(co::table.filter(co::tenant_id.eq(tenant).and(co::id.eq(id))))
            .returning(Cohort::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, cohort_event("learn.cohort.deleted", &cohort));
        Ok(cohort)
    })
}

/// A page of the cohort's members (user ids, ascending).
pub async fn cohort_members(db: &Db, tenant: i64, id: i64, after_user: Option<i64>, limit: i64) -> Result<Page<(i64, Ts)>, StoreError> {
    cohort_get(db, tenant, id).await?;
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = cm::table.filter(cm::tenant_id.eq(tenant).and(cm::cohort_id.eq(id))).into_boxed();
        if let Some(user) = after_user {
            q = q.filter(cm::user_id.gt(user));
        }
        q.order(cm::user_id.asc()).limit(limit).select((cm::user_id, cm::added_at)).load::<(i64, Ts)>(conn)
    }, cm::table.filter(cm::tenant_id.eq(tenant).and(cm::cohort_id.eq(id))).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

/// `Invalid(field)` naming the ids that are not the tenant's users.
macro_rules! check_users {
    ($conn:expr, $tenant:expr, $ids:expr, $field:expr) => {{
        let ids: &[i64] = $ids;
        let known: Vec<i64> = u::table.filter(u::tenant_id.eq($tenant).and(u::id.eq_any(ids))).select(u::id).load($conn).await?;
        let unknown: Vec<String> = ids.iter().filter(|id| !known.contains(id)).map(|id| id.to_string()).collect();
        if !unknown.is_empty() {
            return Err(StoreError::invalid($field, format!("no such user: {}", unknown.join(", "))));
        }
    }};
}

/// Who a grant enrolls: cohorts' members, SCIM groups' active members, and
/// users by id.
#[derive(Debug, Clone, Copy)]
pub struct Grantees<'a> {
    pub cohorts: &'a [i64],
    pub groups: &'a [i64],
    pub users: &'a [i64],
}

/// Touches the cohort and takes its row lock (membership changes to one
/// cohort queue on it); `NotFound` when it is not the tenant's.
macro_rules! cohort_lock {
    ($conn:expr, $tenant:expr, $id:expr, $now:expr) => {{
        let cohort: Cohort = diesel::update(co::table.filter(co::tenant_id.eq($tenant).and(co::id.eq($id))))
            .set(co::updated_at.eq($now))
            .returning(Cohort::as_returning())
            .get_result($conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        cohort
    }};
}

/// Adds users to the cohort; those already in it are counted, not added twice.
pub async fn cohort_add_members(db: &Db, tenant: i64, id: i64, users: &[i64]) -> Result<Membership, StoreError> {
    let users: Vec<i64> = users.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let now = Ts::now();
    write_tx!(db, |conn| {
        let cohort = cohort_lock!(conn, tenant, id, now);
        check_users!(conn, tenant, &users, "user_ids");
        let mut added = 0;
        for user in &users {
            added += diesel::insert_into(cm::table)
                .values((cm::tenant_id.eq(tenant), cm::cohort_id.eq(id), cm::user_id.eq(user), cm::added_at.eq(now)))
                .on_conflict((cm::tenant_id, cm::cohort_id, cm::user_id))
                .do_nothing()
                .execute(conn)
                .await? as i64;
        }
        if added > 0 {
            crate::record_event!(conn, NewEvent::new(tenant, "learn.cohort.members_changed", json!({ "cohort_id": cohort.id, "added": added, "removed": 0 })));
        }
        Ok(Membership { changed: added, unchanged: users.len() as i64 - added })
    })
}

/// Removes users from the cohort (their enrollments stay).
pub async fn cohort_remove_members(db: &Db, tenant: i64, id: i64, users: &[i64]) -> Result<Membership, StoreError> {
    let users: Vec<i64> = users.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let now = Ts::now();
    write_tx!(db, |conn| {
        let cohort = cohort_lock!(conn, tenant, id, now);
        let removed = diesel::delete(cm::table.filter(cm::tenant_id.eq(tenant).and(cm::cohort_id.eq(id)).and(cm::user_id.eq_any(&users))))
            .execute(conn)
            .await? as i64;
        if removed > 0 {
            crate::record_event!(conn, NewEvent::new(tenant, "learn.cohort.members_changed", json!({ "cohort_id": cohort.id, "added": 0, "removed": removed })));
        }
        Ok(Membership { changed: removed, unchanged: users.len() as i64 - removed })
    })
}

/// Enrolls every member of the cohorts and every listed user into every
/// listed course, in one transaction: all or nothing. Only published
/// courses; an unknown cohort, user or course refuses the whole grant.
pub async fn cohort_grant(db: &Db, tenant: i64, grantees: Grantees<'_>, courses: &[i64]) -> Result<Granted, StoreError> {
    let unique = |ids: &[i64]| -> Vec<i64> { ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect() };
    let (cohorts, groups, users, courses) = (unique(grantees.cohorts), unique(grantees.groups), unique(grantees.users), unique(courses));
    let now = Ts::now();
    write_tx!(db, |conn| {
        let found: Vec<(i64, String)> = c::table.filter(c::tenant_id.eq(tenant).and(c::id.eq_any(&courses))).select((c::id, c::status)).load(conn).await?;
        let mut problems = Vec::new();
        for course in &courses {
            match found.iter().find(|(id, _)| id == course) {
                None => problems.push(format!("{course} is no course")),
                Some((_, status)) if status != PUBLISHED => problems.push(format!("{course} is {status}, not published")),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::invalid("course_ids", problems.join("; ")));
        }
        let known: Vec<i64> = co::table.filter(co::tenant_id.eq(tenant).and(co::id.eq_any(&cohorts))).select(co::id).load(conn).await?;
        let unknown: Vec<String> = cohorts.iter().filter(|id| !known.contains(id)).map(|id| id.to_string()).collect();
        if !unknown.is_empty() {
            return Err(StoreError::invalid("cohort_ids", format!("no such cohort: {}", unknown.join(", "))));
        }
        let known: Vec<i64> = ug::table.filter(ug::tenant_id.eq(tenant).and(ug::id.eq_any(&groups))).select(ug::id).load(conn).await?;
        let unknown: Vec<String> = groups.iter().filter(|id| !known.contains(id)).map(|id| format!("g{id}")).collect();
        if !unknown.is_empty() {
            return Err(StoreError::invalid("group_ids", format!("no such group: {}", unknown.join(", "))));
        }
        check_users!(conn, tenant, &users, "user_ids");
        let mut learners: BTreeSet<i64> = users.iter().copied().collect();
        let members: Vec<i64> = cm::table.filter(cm::tenant_id.eq(tenant).and(cm::cohort_id.eq_any(&cohorts))).select(cm::user_id).load(conn).await?;
        learners.extend(members);
        let group_members: Vec<i64> = ugm::table
            .inner_join(u::table.on(u::tenant_id.eq(ugm::tenant_id).and(u::id.eq(ugm::user_id))))
            .filter(ugm::tenant_id.eq(tenant).and(ugm::group_id.eq_any(&groups)).and(u::status.ne(DEACTIVATED)))
            .select(ugm::user_id)
            .load(conn)
            .await?;
        learners.extend(group_members);
        let (mut enrolled, mut already) = (0, 0);
        for course in &courses {
            let existing: Vec<(i64, String)> = en::table
                .filter(en::tenant_id.eq(tenant).and(en::course_id.eq(course)).and(en::user_id.eq_any(learners.iter().copied().collect::<Vec<_>>())))
                .select((en::user_id, en::status))
                .load(conn)
                .await?;
            for user in &learners {
                match existing.iter().find(|(u, _)| u == user) {
                    Some((_, s)) if s == ACTIVE || s == COMPLETED => already += 1,
                    _ => {
                        let made: Result<crate::store::learn::enrollments::Enrollment, StoreError> =
                            async { crate::enroll!(conn, tenant, *course, *user, now) }.await;
                        made?;
                        enrolled += 1;
                    }
                }
            }
        }
        Ok(Granted { enrolled, already_enrolled: already, learners: learners.len() as i64, courses: courses.len() as i64 })
    })
}
