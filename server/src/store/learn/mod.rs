//! mobieusLearn: courses and their outline, enrollments and progress. One
//! file per resource family.
//!
//! Every change to a course's outline (modules, lessons, activities) first
//! updates the course's row (`outline_lock!`): on PostgreSQL that row lock
//! queues concurrent changes to one course, so positions stay 1..n without
//! gaps or doubles; SQLite has one writer anyway.

pub mod activities;
pub mod attempts;
pub mod certificates;
pub mod cohorts;
pub mod courses;
pub mod enrollments;
pub mod lessons;
pub mod modules;
pub mod live_attendance;
pub mod live_sessions;
pub mod quiz;
pub mod scorm_packages;
pub mod scorm_results;
pub mod xapi_documents;
pub mod xapi_statements;

use serde_json::json;

use crate::store::events::NewEvent;

/// A course's outline changed: which change and on what.
pub fn outline_event(tenant: i64, course_id: i64, change: &str, module: Option<i64>, lesson: Option<i64>, activity: Option<i64>) -> NewEvent {
    NewEvent::new(
        tenant,
        "learn.course.outline_changed",
        json!({ "course_id": course_id, "change": change, "module_id": module, "lesson_id": lesson, "activity_id": activity }),
    )
}

/// Updates the course's `updated_at` (its outline changed) and takes its row
/// lock for the rest of the transaction: `Ok(())`, or `NotFound` when the
/// course is not the tenant's.
#[macro_export]
macro_rules! outline_lock {
    ($conn:expr, $tenant:expr, $course:expr, $now:expr) => {{
        use $crate::db::schema::learn_courses as __c;
        let __n: Result<usize, diesel::result::Error> =
            diesel::update(__c::table.filter(__c::tenant_id.eq($tenant).and(__c::id.eq($course))))
                .set(__c::updated_at.eq($now))
                .execute($conn)
                .await;
        match __n {
            Ok(0) => Err($crate::db::StoreError::NotFound),
            Ok(_) => Ok(()),
            Err(e) => Err($crate::db::StoreError::from(e)),
        }
    }};
}

/// Positions within a parent, the same for modules (in a course), lessons (in
/// a module) and activities (in a lesson): `$t` is the child table's schema
/// module and `$parent` its parent column.
#[macro_export]
macro_rules! next_position {
    ($conn:expr, $t:ident, $parent:ident, $tenant:expr, $parent_id:expr) => {{
        let __max: Option<i32> = $t::table
            .filter($t::tenant_id.eq($tenant).and($t::$parent.eq($parent_id)))
            .select(diesel::dsl::max($t::position))
            .first($conn)
            .await?;
        __max.unwrap_or(0) + 1
    }};
}

/// Closes the gap a deleted child left at `$position`.
#[macro_export]
macro_rules! close_gap {
    ($conn:expr, $t:ident, $parent:ident, $tenant:expr, $parent_id:expr, $position:expr) => {{
        diesel::update($t::table.filter($t::tenant_id.eq($tenant).and($t::$parent.eq($parent_id)).and($t::position.gt($position))))
            .set($t::position.eq($t::position - 1))
            .execute($conn)
            .await?;
    }};
}

/// Sets the whole order: `$ids` must name every child of the parent exactly
/// once (else `Invalid` on `$field`). Positions become 1..n in that order.
#[macro_export]
macro_rules! reorder_children {
    ($conn:expr, $t:ident, $parent:ident, $tenant:expr, $parent_id:expr, $ids:expr, $field:expr, $now:expr) => {{
        let __ids: &[i64] = $ids;
        let __current: Vec<i64> = $t::table
            .filter($t::tenant_id.eq($tenant).and($t::$parent.eq($parent_id)))
            .select($t::id)
            .load($conn)
            .await?;
        if let Some(__problem) = $crate::store::learn::order_problem(&__current, __ids) {
            return Err($crate::db::StoreError::invalid($field, __problem));
        }
        for (__i, __id) in __ids.iter().enumerate() {
            diesel::update($t::table.filter($t::tenant_id.eq($tenant).and($t::id.eq(*__id))))
                .set(($t::position.eq(__i as i32 + 1), $t::updated_at.eq($now)))
                .execute($conn)
                .await?;
        }
    }};
}

/// What is wrong with a new order of `current`'s ids, if anything.
pub fn order_problem(current: &[i64], new: &[i64]) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    for id in new {
        if !current.contains(id) {
            return Some(format!("{id} is not one of the parent's items"));
        }
        if !seen.insert(*id) {
            return Some(format!("{id} is listed twice"));
        }
    }
    let missing: Vec<String> = current.iter().filter(|id| !seen.contains(*id)).map(|id| id.to_string()).collect();
    if missing.is_empty() { None } else { Some(format!("every item must be listed; missing: {}", missing.join(", "))) }
}

#[cfg(test)]
mod tests {
    use super::order_problem;

    #[test]
    fn an_order_names_every_item_once() {
        assert_eq!(order_problem(&[1, 2, 3], &[3, 1, 2]), None);
        assert_eq!(order_problem(&[], &[]), None);
        assert!(order_problem(&[1, 2, 3], &[3, 1]).unwrap().contains("missing: 2"));
        assert!(order_problem(&[1, 2], &[1, 2, 2]).unwrap().contains("twice"));
        assert!(order_problem(&[1, 2], &[1, 9]).unwrap().contains("9 is not"));
    }
}
