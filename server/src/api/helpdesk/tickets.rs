use mobieus_api::server::{
    ChangeHelpdeskTicketStatusHeaders, ChangeHelpdeskTicketStatusPath, CreateHelpdeskTicketHeaders,
    GetHelpdeskTicketPath, HelpdeskTicketsService, ListHelpdeskTicketMessagesPath, ListHelpdeskTicketMessagesQuery,
    ListHelpdeskTicketsQuery, MergeHelpdeskTicketHeaders, MergeHelpdeskTicketPath, ReplyHelpdeskTicketHeaders, ReplyHelpdeskTicketPath, UpdateHelpdeskTicketHeaders,
    UpdateHelpdeskTicketPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::{json, Value};

use crate::api::Paging;
use crate::app::AppContext;
use crate::db::Ts;
use crate::errors::store_error;
use crate::scopes;
use crate::store::helpdesk::audit::Actor;
use crate::store::helpdesk::tickets::{
    parse_ref, reference, Attachment, ticket_create, ticket_get, ticket_list, ticket_merge, ticket_messages, ticket_reply, ticket_set_status,
    ticket_update, Message, NewReply, NewTicket, Ticket, TicketChanges, TicketFilter, TicketPosition, TicketSort,
};

fn number(r: &str) -> Result<i64, ApiError> {
    parse_ref(r).ok_or_else(|| ApiError::invalid_parameter("ref", "must be a ticket number (123) or reference (HD-000123)"))
}

fn enum_out<T: for<'a> TryFrom<&'a str>>(value: &str, what: &str) -> Result<T, ApiError> {
    T::try_from(value).map_err(|_| {
        tracing::error!(value, what, "stored value is not in the contract");
        ApiError::server_error()
    })
}

pub fn ticket_out(t: Ticket) -> Result<types::Ticket, ApiError> {
    let r = t.row;
    Ok(types::Ticket {
        id: r.id,
        number: r.number,
        reference: reference(r.number),
        subject: r.subject,
        status: enum_out(&r.status, "ticket status")?,
        priority: enum_out(&r.priority, "ticket priority")?,
        queue_id: r.queue_id,
        assignee_id: r.assignee_id,
        help_topic_id: r.help_topic_id,
        requester: types::TicketRequester { user_id: r.requester_user_id, email: r.requester_email, name: r.requester_name },
        tags: t.tags,
        custom_fields: r.custom_fields.0,
        message_count: r.message_count,
        merged_into_id: r.merged_into_id,
        created_at: r.created_at.0,
        updated_at: r.updated_at.0,
    })
}

fn message_out((m, attachments): (Message, Vec<Attachment>)) -> Result<types::Message, ApiError> {
    Ok(types::Message {
        id: m.id,
        ticket_id: m.ticket_id,
        seq: m.seq,
        internal: m.internal,
        author_kind: enum_out(&m.author_kind, "message author")?,
        author_agent_id: m.author_agent_id,
        body: m.body,
        attachments: attachments
            .into_iter()
            .map(|a| types::MessageAttachment { file_id: a.file_id, name: a.name, content_type: a.content_type, size_bytes: a.size_bytes })
            .collect(),
        created_at: m.created_at.0,
    })
}

fn envelope(t: Ticket) -> Result<types::TicketEnvelope, ApiError> {
    Ok(types::TicketEnvelope { data: ticket_out(t)?, next_cursor: None, request_id: String::new() })
}

/// The actor a write is audited under: the agent named in the body, or the key.
fn actor(call: &Call<'_, AppContext>, agent_id: Option<i64>) -> Actor {
    agent_id.map(Actor::agent).unwrap_or(Actor::api(call.principal.key_id))
}

fn sort_of(s: Option<&str>) -> TicketSort {
    match s {
        Some("created_at") => TicketSort::CreatedAsc,
        Some("-updated_at") => TicketSort::UpdatedDesc,
        Some("updated_at") => TicketSort::UpdatedAsc,
        _ => TicketSort::CreatedDesc,
    }
}

impl HelpdeskTicketsService for AppContext {
    async fn list_helpdesk_tickets(call: &Call<'_, Self>, query: ListHelpdeskTicketsQuery) -> Result<types::TicketList, ApiError> {
        let sort = sort_of(query.sort.as_deref());
        // a cursor belongs to one sort order
        let list = match sort {
            TicketSort::CreatedDesc => "helpdesk_tickets:-created_at",
            TicketSort::CreatedAsc => "helpdesk_tickets:created_at",
            TicketSort::UpdatedDesc => "helpdesk_tickets:-updated_at",
            TicketSort::UpdatedAsc => "helpdesk_tickets:updated_at",
        };
        let paging = Paging::new(call, list, query.cursor.as_deref(), query.limit)?;
        let after = match (&paging.position, sort) {
            (None, _) => None,
            (Some(_), TicketSort::CreatedDesc | TicketSort::CreatedAsc) => paging.id()?.map(TicketPosition::Id),
            (Some(p), _) => {
                let at = p.get(0).and_then(Value::as_str).and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
                let id = p.get(1).and_then(Value::as_i64);
                match (at, id) {
                    (Some(at), Some(id)) => Some(TicketPosition::Updated(Ts(at.with_timezone(&chrono::Utc)), id)),
                    _ => return Err(ApiError::invalid_cursor()),
                }
            }
        };
        let filter = TicketFilter {
            status: query.status,
            priority: query.priority,
            queue_id: query.queue,
            assignee_id: query.assignee,
            requester_email: query.requester,
            tag: query.tag,
            help_topic_id: query.help_topic,
            updated_after: query.updated_after.map(Ts::from),
            updated_before: query.updated_before.map(Ts::from),
        };
        let page = ticket_list(&call.context().db, call.principal.tenant_id, &filter, sort, after, paging.fetch())
            .await
            .map_err(store_error("ticket"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |t| match sort {
            TicketSort::CreatedDesc | TicketSort::CreatedAsc => json!([t.row.id]),
            _ => json!([t.row.updated_at.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), t.row.id]),
        });
        Ok(types::TicketList {
            data: rows.into_iter().map(ticket_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_helpdesk_ticket(
        call: &Call<'_, Self>,
        _headers: CreateHelpdeskTicketHeaders,
        body: types::TicketCreate,
    ) -> Result<types::TicketEnvelope, ApiError> {
        let new = NewTicket {
            subject: body.subject.to_string(),
            body: body.body.to_string(),
            requester_email: body.requester_email.map(String::from),
            requester_name: body.requester_name.map(String::from),
            requester_user_id: body.requester_user_id,
            queue_id: body.queue_id,
            priority: body.priority.map(|p| p.to_string()),
            help_topic_id: body.help_topic_id,
            tags: body.tags,
            custom_fields: body.custom_fields,
        };
        let ticket = ticket_create(&call.context().db, call.principal.tenant_id, &new, actor(call, None))
            .await
            .map_err(store_error("ticket"))?;
        envelope(ticket)
    }

    async fn get_helpdesk_ticket(call: &Call<'_, Self>, path: GetHelpdeskTicketPath) -> Result<types::TicketEnvelope, ApiError> {
        let ticket = ticket_get(&call.context().db, call.principal.tenant_id, number(&path.r#ref)?)
            .await
            .map_err(store_error("ticket"))?;
        envelope(ticket)
    }

    async fn update_helpdesk_ticket(
        call: &Call<'_, Self>,
        path: UpdateHelpdeskTicketPath,
        _headers: UpdateHelpdeskTicketHeaders,
        body: types::TicketUpdate,
    ) -> Result<types::TicketEnvelope, ApiError> {
        let clears = |f: types::TicketUpdateClearItem| body.clear.contains(&f);
        let changes = TicketChanges {
            subject: body.subject.clone().map(String::from),
            priority: body.priority.map(|p| p.to_string()),
            queue_id: body.queue_id,
            assignee_id: body.assignee_id,
            help_topic_id: body.help_topic_id,
            tags: body.tags.clone(),
            clear_queue: clears(types::TicketUpdateClearItem::QueueId),
            clear_assignee: clears(types::TicketUpdateClearItem::AssigneeId),
            clear_help_topic: clears(types::TicketUpdateClearItem::HelpTopicId),
        };
        let (db, tenant, number) = (&call.context().db, call.principal.tenant_id, number(&path.r#ref)?);
        let nothing = changes.subject.is_none() && changes.priority.is_none() && changes.queue_id.is_none()
            && changes.assignee_id.is_none() && changes.help_topic_id.is_none() && changes.tags.is_none()
            && !changes.clear_queue && !changes.clear_assignee && !changes.clear_help_topic;
        // an empty update changes nothing, so it writes no audit entry
        let ticket = if nothing { ticket_get(db, tenant, number).await } else { ticket_update(db, tenant, number, &changes, actor(call, None)).await }
            .map_err(store_error("ticket"))?;
        envelope(ticket)
    }

    async fn reply_helpdesk_ticket(
        call: &Call<'_, Self>,
        path: ReplyHelpdeskTicketPath,
        _headers: ReplyHelpdeskTicketHeaders,
        body: types::TicketReply,
    ) -> Result<types::MessageEnvelope, ApiError> {
        let author = body.author.to_string();
        let who = if author == "requester" { Actor::requester(None) } else { actor(call, body.agent_id) };
        let reply = NewReply {
            body: body.body.to_string(),
            internal: body.internal,
            author,
            agent_id: body.agent_id,
            attachment_file_ids: body.attachment_file_ids,
        };
        let message = ticket_reply(&call.context().db, call.principal.tenant_id, number(&path.r#ref)?, &reply, who)
            .await
            .map_err(store_error("ticket"))?;
        Ok(types::MessageEnvelope { data: message_out(message)?, next_cursor: None, request_id: String::new() })
    }

    async fn change_helpdesk_ticket_status(
        call: &Call<'_, Self>,
        path: ChangeHelpdeskTicketStatusPath,
        _headers: ChangeHelpdeskTicketStatusHeaders,
        body: types::TicketStatusChange,
    ) -> Result<types::TicketEnvelope, ApiError> {
        let to = body.status.to_string();
        let ticket = ticket_set_status(&call.context().db, call.principal.tenant_id, number(&path.r#ref)?, &to, actor(call, body.agent_id))
            .await
            .map_err(store_error("ticket"))?;
        envelope(ticket)
    }

    async fn merge_helpdesk_ticket(
        call: &Call<'_, Self>,
        path: MergeHelpdeskTicketPath,
        _headers: MergeHelpdeskTicketHeaders,
        body: types::TicketMerge,
    ) -> Result<types::TicketEnvelope, ApiError> {
        let source = number(&path.r#ref)?;
        let into = body.into.to_string();
        let target = parse_ref(&into).ok_or_else(|| ApiError::field("into", "must be a ticket number (123) or reference (HD-000123)"))?;
        let ticket = ticket_merge(&call.context().db, call.principal.tenant_id, source, target, actor(call, None))
            .await
            .map_err(store_error("ticket"))?;
        envelope(ticket)
    }

    async fn list_helpdesk_ticket_messages(
        call: &Call<'_, Self>,
        path: ListHelpdeskTicketMessagesPath,
        query: ListHelpdeskTicketMessagesQuery,
    ) -> Result<types::MessageList, ApiError> {
        let number = number(&path.r#ref)?;
        // internal notes are for keys that can act as agents
        let include_internal = scopes::grants(&call.principal.scopes, "helpdesk:write");
        let list = if include_internal { "helpdesk_messages:all" } else { "helpdesk_messages:public" };
        let paging = Paging::new(call, list, query.cursor.as_deref(), query.limit)?;
        let page = ticket_messages(&call.context().db, call.principal.tenant_id, number, include_internal, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("ticket"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |(m, _)| json!([m.seq]));
        Ok(types::MessageList {
            data: rows.into_iter().map(message_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }
}
