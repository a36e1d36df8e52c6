//! What the hooks read of the helpdesk to build their prompts: a ticket by
//! its id with its thread (the newest messages, internal notes included),
//! the names of agents, queues and topics, and the unresolved tickets of a
//! period with their opening message.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{helpdesk_agents as a, helpdesk_help_topics as h, helpdesk_messages as m, helpdesk_queues as q, helpdesk_tickets as t};
use crate::db::{Db, StoreError, Ts};
use crate::store::helpdesk::tickets::{Message, TicketRow};
use crate::store::helpdesk::topics::HelpTopic;
use crate::with_conn;

/// The most messages of a thread a prompt is built from (the newest).
pub const THREAD_MESSAGES: i64 = 200;
/// The most tickets knowledge-gaps clusters (the newest of the period).
pub const GAP_TICKETS: i64 = 2000;

/// A ticket, its newest messages (oldest first), its tags.
#[derive(Debug, Clone)]
pub struct TicketThread {
    pub ticket: TicketRow,
    pub tags: Vec<String>,
    pub messages: Vec<Message>,
}

/// The helpdesk's names: agents, and queues and topics with descriptions.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub agents: HashMap<i64, String>,
    pub queues: Vec<(i64, String, String)>,
    pub topics: Vec<HelpTopic>,
}

pub async fn ticket_thread(db: &Db, tenant: i64, ticket_id: i64) -> Result<TicketThread, StoreError> {
    use crate::db::schema::{helpdesk_tags as tg, helpdesk_ticket_tags as tt};
    with_conn!(db, |conn| {
        let ticket: TicketRow = t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(ticket_id))).select(TicketRow::as_select()).first(conn).await.optional()?.ok_or(StoreError::NotFound)?;
        let mut messages: Vec<Message> = m::table
            .filter(m::tenant_id.eq(tenant).and(m::ticket_id.eq(ticket.id)))
            .order(m::seq.desc())
            .limit(THREAD_MESSAGES)
            .select(Message::as_select())
            .load(conn)
            .await?;
        messages.reverse();
        let tags: Vec<String> = tt::table
            .inner_join(tg::table.on(tg::tenant_id.eq(tt::tenant_id).and(tg::id.eq(tt::tag_id))))
            .filter(tt::tenant_id.eq(tenant).and(tt::ticket_id.eq(ticket.id)))
            .order(tg::slug)
            .select(tg::slug)
            .load(conn)
            .await?;
        Ok(TicketThread { ticket, tags, messages })
    })
}

pub async fn directory(db: &Db, tenant: i64) -> Result<Directory, StoreError> {
    with_conn!(db, |conn| {
        let agents: Vec<(i64, String)> = a::table.filter(a::tenant_id.eq(tenant)).select((a::id, a::name)).load(conn).await?;
        let queues: Vec<(i64, String, String)> = q::table.filter(q::tenant_id.eq(tenant)).order(q::id).select((q::id, q::name, q::description)).load(conn).await?;
        let topics: Vec<HelpTopic> = h::table.filter(h::tenant_id.eq(tenant)).order(h::id).select(HelpTopic::as_select()).load(conn).await?;
        Ok(Directory { agents: agents.into_iter().collect(), queues, topics })
    })
}

/// An unresolved ticket and what its first message asks.
#[derive(Debug, Clone)]
pub struct OpenQuestion {
    pub ticket_id: i64,
    pub number: i64,
    pub subject: String,
    pub first_message: String,
}

/// The tickets created since `since` that are neither solved nor closed,
/// newest first (at most [`GAP_TICKETS`]), with their opening message.
pub async fn open_questions(db: &Db, tenant: i64, since: Ts) -> Result<Vec<OpenQuestion>, StoreError> {
    with_conn!(db, |conn| {
        let tickets: Vec<(i64, i64, String)> = t::table
            .filter(t::tenant_id.eq(tenant).and(t::created_at.ge(since)).and(t::status.ne_all(["solved", "closed"])).and(t::merged_into_id.is_null()))
            .order(t::id.desc())
            .limit(GAP_TICKETS)
            .select((t::id, t::number, t::subject))
            .load(conn)
            .await?;
        let ids: Vec<i64> = tickets.iter().map(|x| x.0).collect();
        let firsts: Vec<(i64, String)> = m::table
            .filter(m::tenant_id.eq(tenant).and(m::ticket_id.eq_any(&ids)).and(m::seq.eq(1)))
            .select((m::ticket_id, m::body))
            .load(conn)
            .await?;
        let firsts: HashMap<i64, String> = firsts.into_iter().collect();
        Ok(tickets
            .into_iter()
            .map(|(ticket_id, number, subject)| OpenQuestion { ticket_id, number, subject, first_message: firsts.get(&ticket_id).cloned().unwrap_or_default() })
            .collect())
    })
}
