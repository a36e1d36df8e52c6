use mobieus_api::server::{ListModerationActionsQuery, ListModerationQueueQuery, ModerationService};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::reports::target_out;
use super::{created_range, stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::moderation::{action_list, queue, ActionFilter, ModerationAction, QueueItem};

fn item_out(q: QueueItem) -> Result<types::ModerationQueueItem, ApiError> {
    Ok(types::ModerationQueueItem {
        target: target_out(&q.target_kind, q.target_id)?,
        author_id: q.author_id,
        open_reports: q.report_ids.len() as i64,
        reasons: q.reasons.iter().map(|r| stored("report reason", r)).collect::<Result<_, _>>()?,
        report_ids: q.report_ids,
        first_reported_at: q.first_reported_at.0,
        last_reported_at: q.last_reported_at.0,
    })
}

fn action_out(a: ModerationAction) -> Result<types::ModerationAction, ApiError> {
    Ok(types::ModerationAction {
        id: a.id,
        action: stored("moderation action", &a.action)?,
        effect: a.effect.as_deref().map(|e| stored("moderation effect", e)).transpose()?,
        report_id: a.report_id,
        target: target_out(&a.target_kind, a.target_id)?,
        author_id: a.author_id,
        actor: types::ModerationActor {
            kind: stored("moderation actor kind", &a.actor_kind)?,
            id: a.actor_id.unwrap_or_default(),
            name: a.actor_name,
        },
        note: a.note,
        created_at: a.created_at.0,
    })
}

impl ModerationService for AppContext {
    async fn list_moderation_queue(call: &Call<'_, Self>, query: ListModerationQueueQuery) -> Result<types::ModerationQueueList, ApiError> {
        let paging = Paging::new(call, "moderation_queue", query.cursor.as_deref(), query.limit)?;
        let page = queue(&call.context().db, call.principal.tenant_id, query.target_kind.as_deref(), paging.id()?, paging.fetch())
            .await
            .map_err(store_error("report"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |q| json!([q.first_report_id]));
        Ok(types::ModerationQueueList {
            data: rows.into_iter().map(item_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn list_moderation_actions(call: &Call<'_, Self>, query: ListModerationActionsQuery) -> Result<types::ModerationActionList, ApiError> {
        let paging = Paging::new(call, "moderation_actions", query.cursor.as_deref(), query.limit)?;
        let filter = ActionFilter {
            action: query.action,
            target_kind: query.target_kind,
            created: created_range(query.created_after, query.created_before),
        };
        let page = action_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("moderation_action"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |a| json!([a.id]));
        Ok(types::ModerationActionList {
            data: rows.into_iter().map(action_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }
}
