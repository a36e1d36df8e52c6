//! The moderation queue (open reports grouped by target) and the log of
//! moderation acts.

use std::collections::BTreeMap;

use diesel::dsl::{count, max, min};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{moderation_actions as ma, reports as r, users as u};
use crate::db::{Db, StoreError, Ts};
use crate::store::counts;
use crate::store::{CreatedRange, Page};
use crate::{list_total, page_and_count, with_conn};

/// Who acted: the API key, or the moderator the request named.
#[derive(Debug, Clone)]
pub struct ModActor {
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ma, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ModerationAction {
    pub tenant_id: i64,
    pub id: i64,
    pub report_id: Option<i64>,
    pub action: String,
    pub effect: Option<String>,
    pub target_kind: String,
    pub target_id: i64,
    pub author_id: Option<i64>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub note: Option<String>,
    pub created_at: Ts,
}

/// One target in the queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub target_kind: String,
    pub target_id: i64,
    pub author_id: Option<i64>,
    pub first_report_id: i64,
    pub report_ids: Vec<i64>,
    pub reasons: Vec<String>,
    pub first_reported_at: Ts,
    pub last_reported_at: Ts,
}

/// A target's open reports, grouped: (kind, id, first report id, count,
/// author).
type Group = (String, i64, Option<i64>, i64, Option<i64>);
/// A report as the queue needs it: (id, reason, created_at).
type Brief = (i64, String, Ts);

pub const TARGET_KINDS: [&str; 3] = ["post", "listing", "user"];

/// A moderator named by a request: a user of the tenant whose role is
/// `moderator` or `admin`.
pub async fn moderator(db: &Db, tenant: i64, user_id: i64) -> Result<ModActor, StoreError> {
    let found: Option<(String, String)> = with_conn!(db, |conn| {
        u::table
            .filter(u::tenant_id.eq(tenant).and(u::id.eq(user_id)))
            .select((u::username, u::role))
            .first(conn)
            .await
            .optional()?
    });
    match found {
        None => Err(StoreError::invalid("moderator_id", "no user of this community has this id")),
        Some((_, role)) if role != "moderator" && role != "admin" => {
            Err(StoreError::invalid("moderator_id", format!("the user's role is {role}; a moderator or admin is needed")))
        }
        Some((username, _)) => Ok(ModActor { kind: "user", id: user_id, name: username }),
    }
}

/// Open reports grouped by target, the target reported first at the top;
/// `after_first_report` (the previous page's last target's first report id)
/// is the keyset cursor.
pub async fn queue(db: &Db, tenant: i64, kind: Option<&str>, after_first_report: Option<i64>, limit: i64) -> Result<Page<QueueItem>, StoreError> {
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k],
        None => TARGET_KINDS.to_vec(),
    };
    let after = after_first_report.unwrap_or(0);
    let (groups, reports, total) = with_conn!(db, |conn| {
        let open = r::tenant_id.eq(tenant).and(r::status.eq("open")).and(r::target_kind.eq_any(&kinds));
        let groups: Vec<Group> = r::table
            .filter(open.clone())
            .group_by((r::target_kind, r::target_id))
            .having(min(r::id).gt(after))
            .select((r::target_kind, r::target_id, min(r::id), count(r::id), max(r::target_author_id)))
            .order(min(r::id).asc())
            .limit(limit)
            .load(conn)
            .await?;
        let all_targets: Vec<(String, i64)> = r::table
            .filter(open.clone())
            .group_by((r::target_kind, r::target_id))
            .select((r::target_kind, r::target_id))
            .load(conn)
            .await?;
        let ids: Vec<i64> = groups.iter().map(|g| g.1).collect();
        let reports: Vec<(String, i64, i64, String, Ts)> = r::table
            .filter(open.and(r::target_id.eq_any(&ids)))
            .select((r::target_kind, r::target_id, r::id, r::reason, r::created_at))
            .order(r::id.asc())
            .load(conn)
            .await?;
        (groups, reports, all_targets.len() as i64)
    });
    let mut by_target: BTreeMap<(String, i64), Vec<Brief>> = BTreeMap::new();
    for (kind, target, id, reason, at) in reports {
        by_target.entry((kind, target)).or_default().push((id, reason, at));
    }
    let rows = groups
        .into_iter()
        .filter_map(|(kind, target, first, _count, author)| {
            let reports = by_target.remove(&(kind.clone(), target))?;
            let mut reasons: Vec<String> = reports.iter().map(|r| r.1.clone()).collect();
            reasons.sort();
            reasons.dedup();
            Some(QueueItem {
                target_kind: kind,
                target_id: target,
                author_id: author,
                first_report_id: first.unwrap_or(0),
                report_ids: reports.iter().map(|r| r.0).collect(),
                reasons,
                first_reported_at: <[_]>::first(&reports)?.2,
                last_reported_at: <[_]>::last(&reports)?.2,
            })
        })
        .collect();
    Ok(Page { rows, total })
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionFilter {
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub created: CreatedRange,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = ma::table.filter(ma::tenant_id.eq($tenant)).into_boxed();
        if let Some(a) = &$f.action {
            q = q.filter(ma::action.eq(a.clone()));
        }
        if let Some(k) = &$f.target_kind {
            q = q.filter(ma::target_kind.eq(k.clone()));
        }
        if let Some(a) = $f.created.after {
            q = q.filter(ma::created_at.ge(a));
        }
        if let Some(b) = $f.created.before {
            q = q.filter(ma::created_at.lt(b));
        }
        q
    }};
}

/// Newest first.
pub async fn action_list(db: &Db, tenant: i64, f: &ActionFilter, before_id: Option<i64>, limit: i64) -> Result<Page<ModerationAction>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(ma::id.lt(id));
        }
        q.order(ma::id.desc()).limit(limit).select(ModerationAction::as_select()).load::<ModerationAction>(conn)
    }, list_total!(conn, tenant, counts::MODERATION_ACTIONS, 0, *f == ActionFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}
