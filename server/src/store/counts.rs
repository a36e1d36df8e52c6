//! Maintained row counts: the `total_count` of an unfiltered list, read in
//! O(1) instead of counting every row of the tenant's table.
//!
//! Triggers (migrations `*_row_counts`) keep, per tenant and list (and per
//! parent for lists scoped to one, such as an endpoint's deliveries), a count
//! that changes only inside the transactions that insert or delete the rows:
//! exact, never drifting. A count is `row_counts.n` plus the not yet folded
//! `row_count_deltas` (PostgreSQL appends a delta per statement rather than
//! lock a shared counter row, which could deadlock two transactions counting
//! two lists in opposite orders; [`row_counts_fold`] folds committed deltas
//! in the background). SQLite, with one writer, updates `row_counts` at once.
//!
//! A filtered list counts its matching rows with an index (`list_total!`).
//! Lists whose rows are few by nature (help topics, a ticket's thread, the
//! open reports of the moderation queue) count with an index too.

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{row_count_deltas as rcd, row_counts as rc};
use crate::db::{Db, StoreError};
use crate::with_conn;

/// A list whose count is maintained; its name is the table's, as the
/// migrations' triggers write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted(pub &'static str);

pub const EVENTS: Counted = Counted("events");
pub const USERS: Counted = Counted("users");
pub const POSTS: Counted = Counted("posts");
pub const LISTINGS: Counted = Counted("listings");
pub const FILES: Counted = Counted("files");
pub const REPORTS: Counted = Counted("reports");
pub const MODERATION_ACTIONS: Counted = Counted("moderation_actions");
pub const TICKETS: Counted = Counted("helpdesk_tickets");
pub const AUDIT_EVENTS: Counted = Counted("helpdesk_audit_events");
pub const TAGS: Counted = Counted("helpdesk_tags");
pub const CANNED_RESPONSES: Counted = Counted("helpdesk_canned_responses");
pub const QUEUES: Counted = Counted("helpdesk_queues");
pub const AGENTS: Counted = Counted("helpdesk_agents");
pub const WEBHOOK_ENDPOINTS: Counted = Counted("webhook_endpoints");
/// Scoped by endpoint.
pub const WEBHOOK_DELIVERIES: Counted = Counted("webhook_deliveries");

pub const LEARN_COURSES: Counted = Counted("learn_courses");
pub const LEARN_ENROLLMENTS: Counted = Counted("learn_enrollments");
pub const LEARN_ATTEMPTS: Counted = Counted("learn_attempts");
pub const LEARN_CERTIFICATES: Counted = Counted("learn_certificates");

/// Every maintained list (the schema test checks the migrations count
/// exactly these).
pub const ALL: &[Counted] = &[
    EVENTS, USERS, POSTS, LISTINGS, FILES, REPORTS, MODERATION_ACTIONS, TICKETS, AUDIT_EVENTS, TAGS, CANNED_RESPONSES,
    QUEUES, AGENTS, WEBHOOK_ENDPOINTS, WEBHOOK_DELIVERIES, LEARN_COURSES, LEARN_ENROLLMENTS,
    LEARN_ATTEMPTS, LEARN_CERTIFICATES,
];

/// The maintained count of `$list` (a [`Counted`]) for `$tenant` and
/// `$scope` (the parent's id, or 0): a query future giving `i64`. Two
/// indexed lookups in one statement, whatever the table's size.
#[macro_export]
macro_rules! maintained_count {
    ($conn:expr, $tenant:expr, $list:expr, $scope:expr) => {{
        use diesel::prelude::*;
        use futures::FutureExt;
        use $crate::db::schema::{row_count_deltas as __rcd, row_counts as __rc};
        let (__tenant, __list, __scope): (i64, $crate::store::counts::Counted, i64) = ($tenant, $list, $scope);
        diesel_async::RunQueryDsl::get_result::<(Option<i64>, Option<i64>)>(
            diesel::select((
                __rc::table
                    .filter(__rc::tenant_id.eq(__tenant).and(__rc::list.eq(__list.0)).and(__rc::scope_id.eq(__scope)))
                    .select(__rc::n)
                    .single_value(),
                __rcd::table
                    .filter(__rcd::tenant_id.eq(__tenant).and(__rcd::list.eq(__list.0)).and(__rcd::scope_id.eq(__scope)))
                    .select(diesel::dsl::sum(__rcd::d))
                    .single_value(),
            )),
            $conn,
        )
        .map(|r| r.map(|(base, pending)| base.unwrap_or(0) + pending.unwrap_or(0)))
    }};
}

/// A list's `total_count` as a boxed query future: the maintained count
/// when `$unfiltered`, else `count(*)` of `$filtered` (the list's filtered
/// query, counted from an index).
#[macro_export]
macro_rules! list_total {
    ($conn:expr, $tenant:expr, $list:expr, $scope:expr, $unfiltered:expr, $filtered:expr) => {{
        use futures::FutureExt;
        if $unfiltered {
            $crate::maintained_count!($conn, $tenant, $list, $scope).boxed()
        } else {
            diesel_async::RunQueryDsl::get_result::<i64>($filtered.count(), $conn).boxed()
        }
    }};
}

/// Folds committed deltas into `row_counts`, in one statement (readers see
/// the move whole or not at all). PostgreSQL only; one process at a time
/// (an advisory lock), the others skip their turn. Background work across
/// tenants, explicitly. Returns the delta rows folded.
pub async fn row_counts_fold(db: &Db) -> Result<usize, StoreError> {
    const LOCK: i64 = 0x726f_775f_636e; // "row_cn"
    let Db::Pg(pool) = db else { return Ok(0) };
    let mut conn = pool.get().await?;
    let folded = diesel_async::AsyncConnection::transaction(&mut *conn, async |conn: &mut diesel_async::AsyncPgConnection| {
        let ours: bool = diesel::select(
            diesel::dsl::sql::<diesel::sql_types::Bool>("pg_try_advisory_xact_lock(").bind::<diesel::sql_types::BigInt, _>(LOCK).sql(")"),
        )
        .get_result(conn)
        .await?;
        if !ours {
            return Ok::<usize, diesel::result::Error>(0);
        }
        // ordered, so that counter rows are always taken in one order
        diesel::sql_query(
            "WITH moved AS (DELETE FROM row_count_deltas RETURNING tenant_id, list, scope_id, d) \
             INSERT INTO row_counts (tenant_id, list, scope_id, n) \
             SELECT tenant_id, list, scope_id, sum(d) FROM moved GROUP BY tenant_id, list, scope_id \
             ORDER BY tenant_id, list, scope_id \
             ON CONFLICT (tenant_id, list, scope_id) DO UPDATE SET n = row_counts.n + excluded.n",
        )
        .execute(conn)
        .await
    })
    .await?;
    Ok(folded)
}

/// A maintained count that differs from the rows it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub tenant_id: i64,
    pub list: &'static str,
    pub scope_id: i64,
    pub maintained: i64,
    pub actual: i64,
}

/// Compares every maintained count with `count(*)` of its rows, for every
/// tenant (an operator's check, `mobieus-server counts verify`, and the
/// tests'). Counts every row: not for a request path.
pub async fn row_counts_verify(db: &Db) -> Result<Vec<Drift>, StoreError> {
    use std::collections::BTreeMap;
    use crate::db::schema::*;
    with_conn!(db, |conn| {
        let mut actual: BTreeMap<(i64, &'static str, i64), i64> = BTreeMap::new();
        macro_rules! tally {
            ($($table:ident => $list:expr),* $(,)?) => {$(
                for (t, n) in $table::table.group_by($table::tenant_id).select(($table::tenant_id, count_star())).load::<(i64, i64)>(conn).await? {
                    actual.insert((t, $list.0, 0), n);
                }
            )*};
        }
        tally!(
            events => EVENTS, users => USERS, posts => POSTS, listings => LISTINGS, files => FILES, reports => REPORTS,
            moderation_actions => MODERATION_ACTIONS, helpdesk_tickets => TICKETS, helpdesk_audit_events => AUDIT_EVENTS,
            helpdesk_tags => TAGS, helpdesk_canned_responses => CANNED_RESPONSES, helpdesk_queues => QUEUES,
            helpdesk_agents => AGENTS, webhook_endpoints => WEBHOOK_ENDPOINTS,
        );
        let by_endpoint: Vec<(i64, i64, i64)> = webhook_deliveries::table
            .group_by((webhook_deliveries::tenant_id, webhook_deliveries::endpoint_id))
            .select((webhook_deliveries::tenant_id, webhook_deliveries::endpoint_id, count_star()))
            .load(conn)
            .await?;
        for (t, e, n) in by_endpoint {
            actual.insert((t, WEBHOOK_DELIVERIES.0, e), n);
        }
        let base: Vec<(i64, String, i64, i64)> = rc::table.select((rc::tenant_id, rc::list, rc::scope_id, rc::n)).load(conn).await?;
        let deltas: Vec<(i64, String, i64, Option<i64>)> = rcd::table
            .group_by((rcd::tenant_id, rcd::list, rcd::scope_id))
            .select((rcd::tenant_id, rcd::list, rcd::scope_id, diesel::dsl::sum(rcd::d)))
            .load(conn)
            .await?;
        let name = |list: &str| ALL.iter().find(|c| c.0 == list).map(|c| c.0).unwrap_or("(unknown list)");
        let mut maintained: BTreeMap<(i64, &'static str, i64), i64> = BTreeMap::new();
        for (t, list, scope, n) in base {
            *maintained.entry((t, name(&list), scope)).or_default() += n;
        }
        for (t, list, scope, d) in deltas {
            *maintained.entry((t, name(&list), scope)).or_default() += d.unwrap_or(0);
        }
        let keys: std::collections::BTreeSet<_> = actual.keys().chain(maintained.keys()).copied().collect();
        Ok(keys
            .into_iter()
            .filter_map(|k| {
                let (m, a) = (maintained.get(&k).copied().unwrap_or(0), actual.get(&k).copied().unwrap_or(0));
                (m != a).then_some(Drift { tenant_id: k.0, list: k.1, scope_id: k.2, maintained: m, actual: a })
            })
            .collect())
    })
}
