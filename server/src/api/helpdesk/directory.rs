//! Queues, agents and help topics: what tickets are routed through.

use mobieus_api::server::{
    GetHelpdeskAgentPath, GetHelpdeskQueuePath, HelpdeskAgentsService, HelpdeskHelpTopicsService, HelpdeskQueuesService,
    ListHelpdeskAgentsQuery, ListHelpdeskHelpTopicsQuery, ListHelpdeskQueuesQuery,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::{json, Value};

use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::helpdesk::agents::{agent_get, agent_list, Agent, AgentFilter};
use crate::store::helpdesk::queues::{queue_get, queue_list, Queue, StatusCounts};
use crate::store::helpdesk::topics::{topic_list, HelpTopic};

/// The `[name, id]` position of a name-ordered list.
fn name_position(paging: &Paging) -> Result<Option<(String, i64)>, ApiError> {
    match &paging.position {
        None => Ok(None),
        Some(p) => match (p.get(0).and_then(Value::as_str), p.get(1).and_then(Value::as_i64)) {
            (Some(name), Some(id)) => Ok(Some((name.to_owned(), id))),
            _ => Err(ApiError::invalid_cursor()),
        },
    }
}

fn queue_out((q, counts): (Queue, StatusCounts)) -> types::Queue {
    let n = |s: &str| counts.get(s).copied().unwrap_or(0);
    types::Queue {
        id: q.id,
        slug: q.slug,
        name: q.name,
        description: q.description,
        ticket_counts: types::StatusCounts { open: n("open"), pending: n("pending"), on_hold: n("on_hold"), solved: n("solved"), closed: n("closed") },
        created_at: q.created_at.0,
    }
}

fn agent_out((a, queue_ids): (Agent, Vec<i64>)) -> Result<types::Agent, ApiError> {
    let availability = stored::<types::AgentAvailability>("agent availability", &a.availability)?;
    Ok(types::Agent { id: a.id, name: a.name, email: a.email, availability, queue_ids, created_at: a.created_at.0 })
}

fn topic_out(t: HelpTopic) -> Result<types::HelpTopic, ApiError> {
    let fields = t
        .fields
        .0
        .into_iter()
        .map(|f| {
            let kind = stored::<types::CustomFieldDefinitionType>("custom field type", &f.kind)?;
            Ok(types::CustomFieldDefinition { key: f.key, label: f.label, type_: kind, required: f.required, options: f.options })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(types::HelpTopic { id: t.id, slug: t.slug, name: t.name, queue_id: t.queue_id, fields })
}

impl HelpdeskQueuesService for AppContext {
    async fn list_helpdesk_queues(call: &Call<'_, Self>, query: ListHelpdeskQueuesQuery) -> Result<types::QueueList, ApiError> {
        let paging = Paging::new(call, "helpdesk_queues", query.cursor.as_deref(), query.limit)?;
        let page = queue_list(&call.context().db, call.principal.tenant_id, name_position(&paging)?, paging.fetch())
            .await
            .map_err(store_error("queue"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |(q, _)| json!([q.name, q.id]));
        Ok(types::QueueList { data: rows.into_iter().map(queue_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn get_helpdesk_queue(call: &Call<'_, Self>, path: GetHelpdeskQueuePath) -> Result<types::QueueEnvelope, ApiError> {
        let queue = queue_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("queue"))?;
        Ok(types::QueueEnvelope { data: queue_out(queue), next_cursor: None, request_id: String::new() })
    }
}

impl HelpdeskAgentsService for AppContext {
    async fn list_helpdesk_agents(call: &Call<'_, Self>, query: ListHelpdeskAgentsQuery) -> Result<types::AgentList, ApiError> {
        let paging = Paging::new(call, "helpdesk_agents", query.cursor.as_deref(), query.limit)?;
        let filter = AgentFilter { queue_id: query.queue, availability: query.availability };
        let page = agent_list(&call.context().db, call.principal.tenant_id, &filter, name_position(&paging)?, paging.fetch())
            .await
            .map_err(store_error("agent"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |(a, _)| json!([a.name, a.id]));
        Ok(types::AgentList {
            data: rows.into_iter().map(agent_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_helpdesk_agent(call: &Call<'_, Self>, path: GetHelpdeskAgentPath) -> Result<types::AgentEnvelope, ApiError> {
        let agent = agent_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("agent"))?;
        Ok(types::AgentEnvelope { data: agent_out(agent)?, next_cursor: None, request_id: String::new() })
    }
}

impl HelpdeskHelpTopicsService for AppContext {
    async fn list_helpdesk_help_topics(call: &Call<'_, Self>, query: ListHelpdeskHelpTopicsQuery) -> Result<types::HelpTopicList, ApiError> {
        let paging = Paging::new(call, "helpdesk_help_topics", query.cursor.as_deref(), query.limit)?;
        let page = topic_list(&call.context().db, call.principal.tenant_id, name_position(&paging)?, paging.fetch())
            .await
            .map_err(store_error("help_topic"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |t| json!([t.name, t.id]));
        Ok(types::HelpTopicList {
            data: rows.into_iter().map(topic_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }
}
