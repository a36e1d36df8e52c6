//! Member reports and the acts that close or reopen them. An act changes the
//! report, applies its effect (hide the target, warn or suspend the author),
//! writes the moderation action and its events — one transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{listings as l, moderation_actions as ma, posts as p, reports as r, users as u};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::moderation::{ModActor, ModerationAction};
use crate::store::Page;
use crate::{list_total, page_and_count, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = r, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Report {
    pub tenant_id: i64,
    pub id: i64,
    pub target_kind: String,
    pub target_id: i64,
    pub target_author_id: Option<i64>,
    pub reporter_id: i64,
    pub reason: String,
    pub details: String,
    pub status: String,
    pub resolution_note: Option<String>,
    pub resolution_effect: Option<String>,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub closed_at: Option<Ts>,
}

#[derive(Debug, Clone)]
pub struct NewReport {
    pub target_kind: String,
    pub target_id: i64,
    pub reporter_id: i64,
    pub reason: String,
    pub details: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilter {
    pub status: Option<String>,
    pub target_kind: Option<String>,
}

/// What a moderator does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAct {
    Resolve,
    Dismiss,
    Reopen,
}

impl ReportAct {
    pub fn name(self) -> &'static str {
        match self {
            ReportAct::Resolve => "resolve",
            ReportAct::Dismiss => "dismiss",
            ReportAct::Reopen => "reopen",
        }
    }
    /// The report's status after the act, and the statuses it applies to.
    fn transition(self) -> (&'static str, &'static [&'static str]) {
        match self {
            ReportAct::Resolve => ("resolved", &["open"]),
            ReportAct::Dismiss => ("dismissed", &["open"]),
            ReportAct::Reopen => ("open", &["resolved", "dismissed"]),
        }
    }
    fn event_type(self) -> &'static str {
        match self {
            ReportAct::Resolve => "report.resolved",
            ReportAct::Dismiss => "report.dismissed",
            ReportAct::Reopen => "report.reopened",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActRequest {
    pub act: ReportAct,
    pub note: Option<String>,
    /// `hide_target`, `warn_author` or `suspend_author` (resolve only).
    pub effect: Option<String>,
    pub actor: ModActor,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = r::table.filter(r::tenant_id.eq($tenant)).into_boxed();
        if let Some(s) = &$f.status {
            q = q.filter(r::status.eq(s.clone()));
        }
        if let Some(k) = &$f.target_kind {
            q = q.filter(r::target_kind.eq(k.clone()));
        }
        q
    }};
}

pub async fn report_list(db: &Db, tenant: i64, f: &ReportFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Report>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(r::id.lt(id));
        }
        q.order(r::id.desc()).limit(limit).select(Report::as_select()).load::<Report>(conn)
    }, list_total!(conn, tenant, counts::REPORTS, 0, *f == ReportFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn report_get(db: &Db, tenant: i64, id: i64) -> Result<Report, StoreError> {
    with_conn!(db, |conn| {
        Ok(r::table
            .filter(r::tenant_id.eq(tenant).and(r::id.eq(id)))
            .select(Report::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}

/// Files a report (members do this in the product; the demo and tests call
/// it directly) with its `report.created` event. The target's author is
/// looked up now, so acting on the report later needs no second lookup.
pub async fn report_create(db: &Db, tenant: i64, new: &NewReport) -> Result<Report, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let author: Option<i64> = match new.target_kind.as_str() {
            "post" => p::table
                .filter(p::tenant_id.eq(tenant).and(p::id.eq(new.target_id)))
                .select(p::author_id)
                .first(conn)
                .await
                .optional()?,
            "listing" => l::table
                .filter(l::tenant_id.eq(tenant).and(l::id.eq(new.target_id)))
                .select(l::seller_id)
                .first(conn)
                .await
                .optional()?,
            "user" => u::table
                .filter(u::tenant_id.eq(tenant).and(u::id.eq(new.target_id)))
                .select(u::id)
                .first(conn)
                .await
                .optional()?,
            _ => return Err(StoreError::invalid("target_kind", "must be post, listing or user")),
        };
        let author = author.ok_or(StoreError::MissingRow("target"))?;
        let report: Report = diesel::insert_into(r::table)
            .values((
                r::tenant_id.eq(tenant),
                r::target_kind.eq(&new.target_kind),
                r::target_id.eq(new.target_id),
                r::target_author_id.eq(Some(author)),
                r::reporter_id.eq(new.reporter_id),
                r::reason.eq(&new.reason),
                r::details.eq(&new.details),
                r::status.eq("open"),
                r::created_at.eq(now),
                r::updated_at.eq(now),
            ))
            .returning(Report::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, NewEvent::new(tenant, "report.created", json!({
            "report_id": report.id,
            "target": { "kind": report.target_kind, "id": report.target_id },
            "reason": report.reason,
            "reporter_id": report.reporter_id,
        })));
        Ok(report)
    })
}

/// Resolves, dismisses or reopens a report. The status change is a
/// conditional UPDATE, so of two concurrent acts on one report only one
/// applies; the other sees the new status and is refused.
pub async fn report_act(db: &Db, tenant: i64, id: i64, req: &ActRequest) -> Result<(Report, ModerationAction), StoreError> {
    let now = Ts::now();
    let (to, from) = req.act.transition();
    let closing = req.act != ReportAct::Reopen;
    write_tx!(db, |conn| {
        let changed: Option<Report> = diesel::update(
            r::table.filter(r::tenant_id.eq(tenant).and(r::id.eq(id)).and(r::status.eq_any(from))),
        )
        .set((
            r::status.eq(to),
            r::updated_at.eq(now),
            r::closed_at.eq(if closing { Some(now) } else { None }),
            r::resolution_note.eq(if closing { req.note.clone() } else { None }),
            r::resolution_effect.eq(if closing { req.effect.clone() } else { None }),
        ))
        .returning(Report::as_returning())
        .get_result(conn)
        .await
        .optional()?;
        let report = match changed {
            Some(r) => r,
            None => {
                let status: Option<String> = r::table
                    .filter(r::tenant_id.eq(tenant).and(r::id.eq(id)))
                    .select(r::status)
                    .first(conn)
                    .await
                    .optional()?;
                return Err(match status {
                    None => StoreError::NotFound,
                    Some(s) => StoreError::invalid(
                        "status",
                        format!("the report is {s}; `{}` applies only to a report that is {}", req.act.name(), from.join(" or ")),
                    ),
                });
            }
        };
        if let Some(effect) = req.effect.as_deref() {
            let author = report.target_author_id;
            let applied = match (effect, report.target_kind.as_str()) {
                ("hide_target", "post") => diesel::update(p::table.filter(p::tenant_id.eq(tenant).and(p::id.eq(report.target_id))))
                    .set(p::hidden_at.eq(Some(now)))
                    .execute(conn)
                    .await?,
                ("hide_target", "listing") => diesel::update(l::table.filter(l::tenant_id.eq(tenant).and(l::id.eq(report.target_id))))
                    .set((l::status.eq("hidden"), l::updated_at.eq(now)))
                    .execute(conn)
                    .await?,
                ("hide_target", _) => {
                    return Err(StoreError::invalid("effect", "a user cannot be hidden; use suspend_author"));
                }
                ("warn_author", _) => diesel::update(u::table.filter(u::tenant_id.eq(tenant).and(u::id.eq(author.unwrap_or(-1)))))
                    .set(u::warning_count.eq(u::warning_count + 1))
                    .execute(conn)
                    .await?,
                ("suspend_author", _) => diesel::update(u::table.filter(u::tenant_id.eq(tenant).and(u::id.eq(author.unwrap_or(-1)))))
                    .set(u::status.eq("suspended"))
                    .execute(conn)
                    .await?,
                _ => return Err(StoreError::invalid("effect", "must be hide_target, warn_author or suspend_author")),
            };
            if applied == 0 {
                return Err(StoreError::invalid("effect", "the report's target no longer exists"));
            }
        }
        let action: ModerationAction = diesel::insert_into(ma::table)
            .values((
                ma::tenant_id.eq(tenant),
                ma::report_id.eq(Some(report.id)),
                ma::action.eq(req.act.name()),
                ma::effect.eq(&req.effect),
                ma::target_kind.eq(&report.target_kind),
                ma::target_id.eq(report.target_id),
                ma::author_id.eq(report.target_author_id),
                ma::actor_kind.eq(req.actor.kind),
                ma::actor_id.eq(Some(req.actor.id)),
                ma::actor_name.eq(&req.actor.name),
                ma::note.eq(&req.note),
                ma::created_at.eq(now),
            ))
            .returning(ModerationAction::as_returning())
            .get_result(conn)
            .await?;
        let target = json!({ "kind": report.target_kind, "id": report.target_id });
        crate::record_event!(conn, NewEvent::new(tenant, req.act.event_type(), json!({
            "report_id": report.id, "target": target, "status": report.status,
            "effect": req.effect, "note": req.note, "action_id": action.id,
        })));
        crate::record_event!(conn, NewEvent::new(tenant, "moderation.action_taken", json!({
            "action_id": action.id, "action": action.action, "effect": action.effect, "report_id": action.report_id,
            "target": target, "author_id": action.author_id,
            "actor": { "kind": req.actor.kind, "id": req.actor.id, "name": req.actor.name },
        })));
        Ok((report, action))
    })
}
