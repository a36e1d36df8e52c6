//! Helpdesk tickets and their threads.
//!
//! Each write runs in one transaction with its audit entry and its event.
//! Ordering and races are settled by the database: the ticket number comes
//! from an upserted per-tenant counter; a reply takes its `seq` from an
//! `UPDATE … SET message_count = message_count + 1 RETURNING` (the row lock
//! orders concurrent replies); a status change is a conditional
//! `UPDATE … WHERE status = <what we read>`, so of two racing changes only
//! one matches.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Map, Value};

use crate::db::schema::{
    files as fl, helpdesk_agents as ag, helpdesk_message_attachments as ma, helpdesk_audit_events as au, helpdesk_help_topics as ht, helpdesk_messages as m,
    helpdesk_queues as q, helpdesk_tags as tg, helpdesk_ticket_counters as c, helpdesk_ticket_tags as tt,
    helpdesk_tickets as t, users as u,
};
use crate::db::{Db, Json, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::helpdesk::audit::{Actor, AuditEntry};
use crate::store::helpdesk::topics::{validate_custom_fields, FieldDefinition};
use crate::store::Page;
use crate::{list_total, with_conn, write_tx};

pub const STATUSES: [&str; 5] = ["open", "pending", "on_hold", "solved", "closed"];
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// The status machine: `closed` is final; `solved` may reopen or close.
pub fn transition_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("open", "pending" | "on_hold" | "solved")
            | ("pending", "open" | "on_hold" | "solved")
            | ("on_hold", "open" | "pending" | "solved")
            | ("solved", "open" | "closed")
    )
}

pub fn reference(number: i64) -> String {
    format!("HD-{number:06}")
}

/// `123` or `HD-000123` (any case) → 123. (`0` parses, and names no ticket.)
pub fn parse_ref(r: &str) -> Option<i64> {
    let digits = match r.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("hd-") => &r[3..],
        _ => r,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TicketRow {
    pub tenant_id: i64,
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub help_topic_id: Option<i64>,
    pub requester_user_id: Option<i64>,
    pub requester_email: String,
    pub requester_name: Option<String>,
    pub custom_fields: Json<Map<String, Value>>,
    pub message_count: i64,
    pub merged_into_id: Option<i64>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A ticket with its tag slugs.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub row: TicketRow,
    pub tags: Vec<String>,
}

impl Ticket {
    /// What the audit log records as before/after.
    pub fn snapshot(&self) -> Value {
        let r = &self.row;
        json!({
            "subject": r.subject, "status": r.status, "priority": r.priority, "queue_id": r.queue_id,
            "assignee_id": r.assignee_id, "help_topic_id": r.help_topic_id, "tags": self.tags,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = m, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Message {
    pub tenant_id: i64,
    pub id: i64,
    pub ticket_id: i64,
    pub seq: i64,
    pub internal: bool,
    pub author_kind: String,
    pub author_agent_id: Option<i64>,
    pub body: String,
    pub created_at: Ts,
}

#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub subject: String,
    pub body: String,
    pub requester_email: Option<String>,
    pub requester_name: Option<String>,
    pub requester_user_id: Option<i64>,
    pub queue_id: Option<i64>,
    pub priority: Option<String>,
    pub help_topic_id: Option<i64>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
}

#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub help_topic_id: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub clear_queue: bool,
    pub clear_assignee: bool,
    pub clear_help_topic: bool,
}

#[derive(Debug, Clone)]
pub struct NewReply {
    pub body: String,
    pub internal: bool,
    /// `agent` or `requester`.
    pub author: String,
    pub agent_id: Option<i64>,
    pub attachment_file_ids: Vec<i64>,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Attachment {
    pub file_id: i64,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// Attachments per message id, in their order.
macro_rules! attachments_of {
    ($conn:expr, $tenant:expr, $ids:expr) => {{
        let rows: Vec<(i64, i64, String, String, i64)> = ma::table
            .inner_join(fl::table.on(fl::tenant_id.eq(ma::tenant_id).and(fl::id.eq(ma::file_id))))
            .filter(ma::tenant_id.eq($tenant).and(ma::message_id.eq_any($ids)))
            .order((ma::message_id, ma::position))
            .select((ma::message_id, fl::id, fl::name, fl::content_type, fl::size_bytes))
            .load($conn)
            .await?;
        let mut map: HashMap<i64, Vec<Attachment>> = HashMap::new();
        for (message, file_id, name, content_type, size_bytes) in rows {
            map.entry(message).or_default().push(Attachment { file_id, name, content_type, size_bytes });
        }
        map
    }};
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub requester_email: Option<String>,
    pub tag: Option<String>,
    pub help_topic_id: Option<i64>,
    pub updated_after: Option<Ts>,
    pub updated_before: Option<Ts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSort {
    CreatedDesc,
    CreatedAsc,
    UpdatedDesc,
    UpdatedAsc,
}

/// Where the previous page ended.
#[derive(Debug, Clone)]
pub enum TicketPosition {
    Id(i64),
    Updated(Ts, i64),
}

/// Tag slugs per ticket id.
macro_rules! tags_of {
    ($conn:expr, $tenant:expr, $ids:expr) => {{
        let pairs: Vec<(i64, String)> = tt::table
            .inner_join(tg::table.on(tg::tenant_id.eq(tt::tenant_id).and(tg::id.eq(tt::tag_id))))
            .filter(tt::tenant_id.eq($tenant).and(tt::ticket_id.eq_any($ids)))
            .order((tt::ticket_id, tg::slug))
            .select((tt::ticket_id, tg::slug))
            .load($conn)
            .await?;
        let mut map: HashMap<i64, Vec<String>> = HashMap::new();
        for (ticket, slug) in pairs {
            map.entry(ticket).or_default().push(slug);
        }
        map
    }};
}

/// Tag ids for slugs, or `Invalid` naming `tags[i]`.
macro_rules! resolve_tags {
    ($conn:expr, $tenant:expr, $slugs:expr) => {{
        let slugs: &Vec<String> = $slugs;
        let found: Vec<(i64, String)> = tg::table
            .filter(tg::tenant_id.eq($tenant).and(tg::slug.eq_any(slugs)))
            .select((tg::id, tg::slug))
            .load($conn)
            .await?;
        let mut ids = Vec::new();
        for (i, slug) in slugs.iter().enumerate() {
            match found.iter().find(|(_, s)| s == slug) {
                Some((id, _)) if !ids.contains(id) => ids.push(*id),
                Some(_) => {}
                None => return Err(StoreError::invalid(format!("tags[{i}]"), format!("no tag has the slug `{slug}`"))),
            }
        }
        ids
    }};
}

/// Whether a row of `$table` with this id exists in the tenant.
macro_rules! exists_in {
    ($conn:expr, $table:ident, $tenant:expr, $id:expr) => {
        diesel::select(diesel::dsl::exists($table::table.filter($table::tenant_id.eq($tenant).and($table::id.eq($id)))))
            .get_result::<bool>($conn)
            .await?
    };
}

macro_rules! ticket_by_number {
    ($conn:expr, $tenant:expr, $number:expr) => {
        t::table
            .filter(t::tenant_id.eq($tenant).and(t::number.eq($number)))
            .select(TicketRow::as_select())
            .first::<TicketRow>($conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?
    };
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.splitn(2, '@');
    matches!((parts.next(), parts.next()), (Some(a), Some(b)) if !a.is_empty() && b.contains('.') && !b.starts_with('.') && !s.contains(char::is_whitespace))
}

/// Opens a ticket: number, row, first message, tags, event and audit entry,
/// in one transaction.
pub async fn ticket_create(db: &Db, tenant: i64, new: &NewTicket, actor: Actor) -> Result<Ticket, StoreError> {
    let now = Ts::now();
    let priority = new.priority.clone().unwrap_or_else(|| "normal".to_owned());
    write_tx!(db, |conn| {
        // the requester
        let (email, name) = match (new.requester_user_id, &new.requester_email) {
            (Some(user_id), given) => {
                let user: Option<(Option<String>, String)> = u::table
                    .filter(u::tenant_id.eq(tenant).and(u::id.eq(user_id)))
                    .select((u::email, u::display_name))
                    .first(conn)
                    .await
                    .optional()?;
                let Some((user_email, display)) = user else {
                    return Err(StoreError::invalid("requester_user_id", "no such user"));
                };
                match given.clone().or(user_email) {
                    Some(e) => (e, new.requester_name.clone().or(Some(display))),
                    None => return Err(StoreError::invalid("requester_email", "the user has no e-mail address; give requester_email")),
                }
            }
            (None, Some(e)) => (e.clone(), new.requester_name.clone()),
            (None, None) => return Err(StoreError::invalid("requester_email", "give requester_email or requester_user_id")),
        };
        if !looks_like_email(&email) {
            return Err(StoreError::invalid("requester_email", "is not an e-mail address"));
        }
        // queue, help topic and its custom fields
        let mut queue_id = new.queue_id;
        if let Some(topic_id) = new.help_topic_id {
            let topic: Option<(Option<i64>, Json<Vec<FieldDefinition>>, bool)> = ht::table
                .filter(ht::tenant_id.eq(tenant).and(ht::id.eq(topic_id)))
                .select((ht::queue_id, ht::fields, ht::active))
                .first(conn)
                .await
                .optional()?;
            let Some((topic_queue, fields, true)) = topic else {
                return Err(StoreError::invalid("help_topic_id", "no such active help topic"));
            };
            validate_custom_fields(&fields.0, &new.custom_fields)?;
            queue_id = queue_id.or(topic_queue);
        } else if !new.custom_fields.is_empty() {
            return Err(StoreError::invalid("custom_fields", "custom fields need a help_topic_id that defines them"));
        }
        if let Some(queue) = new.queue_id
            && !exists_in!(conn, q, tenant, queue) {
                return Err(StoreError::invalid("queue_id", "no such queue"));
            }
        let tag_ids = resolve_tags!(conn, tenant, &new.tags);

        let number: i64 = diesel::insert_into(c::table)
            .values((c::tenant_id.eq(tenant), c::last_number.eq(1_i64)))
            .on_conflict(c::tenant_id)
            .do_update()
            .set(c::last_number.eq(c::last_number + 1_i64))
            .returning(c::last_number)
            .get_result(conn)
            .await?;
        let row: TicketRow = diesel::insert_into(t::table)
            .values((
                t::tenant_id.eq(tenant),
                t::number.eq(number),
                t::subject.eq(&new.subject),
                t::status.eq("open"),
                t::priority.eq(&priority),
                t::queue_id.eq(queue_id),
                t::help_topic_id.eq(new.help_topic_id),
                t::requester_user_id.eq(new.requester_user_id),
                t::requester_email.eq(email.to_ascii_lowercase()),
                t::requester_name.eq(&name),
                t::custom_fields.eq(Json(new.custom_fields.clone())),
                t::message_count.eq(1_i64),
                t::created_at.eq(now),
                t::updated_at.eq(now),
            ))
            .returning(TicketRow::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(m::table)
            .values((
                m::tenant_id.eq(tenant),
                m::ticket_id.eq(row.id),
                m::seq.eq(1_i64),
                m::internal.eq(false),
                m::author_kind.eq("requester"),
                m::body.eq(&new.body),
                m::created_at.eq(now),
            ))
            .execute(conn)
            .await?;
        for tag in &tag_ids {
            diesel::insert_into(tt::table)
                .values((tt::tenant_id.eq(tenant), tt::ticket_id.eq(row.id), tt::tag_id.eq(tag)))
                .execute(conn)
                .await?;
        }
        let mut tags = new.tags.clone();
        tags.sort();
        tags.dedup();
        let ticket = Ticket { row, tags };
        let r = &ticket.row;
        crate::record_event!(conn, NewEvent::new(tenant, "helpdesk.ticket.created", json!({
                "ticket_id": r.id, "number": r.number, "reference": reference(r.number), "subject": r.subject,
                "priority": r.priority, "queue_id": r.queue_id, "requester_email": r.requester_email,
            })));
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "ticket.created", actor, Some(r.id), None, Some(ticket.snapshot())))
            .execute(conn)
            .await?;
        Ok(ticket)
    })
}

pub async fn ticket_get(db: &Db, tenant: i64, number: i64) -> Result<Ticket, StoreError> {
    with_conn!(db, |conn| {
        let row = ticket_by_number!(conn, tenant, number);
        let mut tags = tags_of!(conn, tenant, vec![row.id]);
        Ok(Ticket { tags: tags.remove(&row.id).unwrap_or_default(), row })
    })
}

macro_rules! filtered {
    ($tenant:expr, $f:expr, $tag_id:expr) => {{
        let mut query = t::table.filter(t::tenant_id.eq($tenant)).into_boxed();
        if let Some(s) = &$f.status {
            query = query.filter(t::status.eq(s.clone()));
        }
        if let Some(p) = &$f.priority {
            query = query.filter(t::priority.eq(p.clone()));
        }
        if let Some(x) = $f.queue_id {
            query = query.filter(t::queue_id.eq(x));
        }
        if let Some(x) = $f.assignee_id {
            query = query.filter(t::assignee_id.eq(x));
        }
        if let Some(x) = $f.help_topic_id {
            query = query.filter(t::help_topic_id.eq(x));
        }
        if let Some(e) = &$f.requester_email {
            query = query.filter(t::requester_email.eq(e.to_ascii_lowercase()));
        }
        if let Some(a) = $f.updated_after {
            query = query.filter(t::updated_at.ge(a));
        }
        if let Some(b) = $f.updated_before {
            query = query.filter(t::updated_at.lt(b));
        }
        if $f.tag.is_some() {
            // an unknown tag matches nothing
            let tagged = tt::table.filter(tt::tenant_id.eq($tenant).and(tt::tag_id.eq($tag_id.unwrap_or(-1)))).select(tt::ticket_id);
            query = query.filter(t::id.eq_any(tagged));
        }
        query
    }};
}

pub async fn ticket_list(
    db: &Db,
    tenant: i64,
    f: &TicketFilter,
    sort: TicketSort,
    after: Option<TicketPosition>,
    limit: i64,
) -> Result<Page<Ticket>, StoreError> {
    with_conn!(db, |conn| {
        let tag_id: Option<i64> = match &f.tag {
            Some(slug) => tg::table
                .filter(tg::tenant_id.eq(tenant).and(tg::slug.eq(slug)))
                .select(tg::id)
                .first(conn)
                .await
                .optional()?,
            None => None,
        };
        let mut query = filtered!(tenant, f, tag_id);
        query = match (sort, after) {
            (_, None) => query,
            (TicketSort::CreatedDesc, Some(TicketPosition::Id(id))) => query.filter(t::id.lt(id)),
            (TicketSort::CreatedAsc, Some(TicketPosition::Id(id))) => query.filter(t::id.gt(id)),
            (TicketSort::UpdatedDesc, Some(TicketPosition::Updated(at, id))) => {
                query.filter(t::updated_at.lt(at).or(t::updated_at.eq(at).and(t::id.lt(id))))
            }
            (TicketSort::UpdatedAsc, Some(TicketPosition::Updated(at, id))) => {
                query.filter(t::updated_at.gt(at).or(t::updated_at.eq(at).and(t::id.gt(id))))
            }
            _ => return Err(StoreError::invalid("cursor", "does not fit this sort")),
        };
        query = match sort {
            TicketSort::CreatedDesc => query.order(t::id.desc()),
            TicketSort::CreatedAsc => query.order(t::id.asc()),
            TicketSort::UpdatedDesc => query.order((t::updated_at.desc(), t::id.desc())),
            TicketSort::UpdatedAsc => query.order((t::updated_at.asc(), t::id.asc())),
        };
        let rows: Vec<TicketRow> = query.limit(limit).select(TicketRow::as_select()).load(conn).await?;
        let total: i64 = list_total!(conn, tenant, counts::TICKETS, 0, *f == TicketFilter::default(), filtered!(tenant, f, tag_id)).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut tags = tags_of!(conn, tenant, ids);
        let rows = rows.into_iter().map(|row| Ticket { tags: tags.remove(&row.id).unwrap_or_default(), row }).collect();
        Ok(Page { rows, total })
    })
}

/// Applies the changes; writes `ticket.updated` with before and after.
pub async fn ticket_update(db: &Db, tenant: i64, number: i64, ch: &TicketChanges, actor: Actor) -> Result<Ticket, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let row = ticket_by_number!(conn, tenant, number);
        let before_tags = tags_of!(conn, tenant, vec![row.id]).remove(&row.id).unwrap_or_default();
        let before = Ticket { row: row.clone(), tags: before_tags };
        if let Some(x) = ch.queue_id
            && !exists_in!(conn, q, tenant, x) {
                return Err(StoreError::invalid("queue_id", "no such queue"));
            }
        if let Some(x) = ch.assignee_id
            && !exists_in!(conn, ag, tenant, x) {
                return Err(StoreError::invalid("assignee_id", "no such agent"));
            }
        if let Some(x) = ch.help_topic_id
            && !exists_in!(conn, ht, tenant, x) {
                return Err(StoreError::invalid("help_topic_id", "no such help topic"));
            }
        let pick = |clear: bool, new: Option<i64>, old: Option<i64>| if clear { None } else { new.or(old) };
        let updated: TicketRow = diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(row.id))))
            .set((
                t::subject.eq(ch.subject.clone().unwrap_or(row.subject.clone())),
                t::priority.eq(ch.priority.clone().unwrap_or(row.priority.clone())),
                t::queue_id.eq(pick(ch.clear_queue, ch.queue_id, row.queue_id)),
                t::assignee_id.eq(pick(ch.clear_assignee, ch.assignee_id, row.assignee_id)),
                t::help_topic_id.eq(pick(ch.clear_help_topic, ch.help_topic_id, row.help_topic_id)),
                t::updated_at.eq(now),
            ))
            .returning(TicketRow::as_returning())
            .get_result(conn)
            .await?;
        let tags = match &ch.tags {
            Some(slugs) => {
                let ids = resolve_tags!(conn, tenant, slugs);
                diesel::delete(tt::table.filter(tt::tenant_id.eq(tenant).and(tt::ticket_id.eq(row.id)))).execute(conn).await?;
                for tag in &ids {
                    diesel::insert_into(tt::table)
                        .values((tt::tenant_id.eq(tenant), tt::ticket_id.eq(row.id), tt::tag_id.eq(tag)))
                        .execute(conn)
                        .await?;
                }
                let mut s = slugs.clone();
                s.sort();
                s.dedup();
                s
            }
            None => before.tags.clone(),
        };
        let after = Ticket { row: updated, tags };
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "ticket.updated", actor, Some(row.id), Some(before.snapshot()), Some(after.snapshot())))
            .execute(conn)
            .await?;
        Ok(after)
    })
}

/// Moves the ticket along the status machine (see `transition_allowed`).
pub async fn ticket_set_status(db: &Db, tenant: i64, number: i64, to: &str, actor: Actor) -> Result<Ticket, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let row = ticket_by_number!(conn, tenant, number);
        if !transition_allowed(&row.status, to) {
            let problem = if row.status == to {
                format!("the ticket is already {to}")
            } else {
                format!("a {} ticket cannot become {to}", row.status)
            };
            return Err(StoreError::invalid("status", problem));
        }
        // only matches if nobody changed the status since we read it
        let updated: Option<TicketRow> = diesel::update(
            t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(row.id)).and(t::status.eq(&row.status))),
        )
        .set((t::status.eq(to), t::updated_at.eq(now)))
        .returning(TicketRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
        let Some(updated) = updated else {
            return Err(StoreError::invalid("status", "the ticket's status changed meanwhile; read it again"));
        };
        crate::record_event!(conn, NewEvent::new(tenant, "helpdesk.ticket.status_changed", json!({
                "ticket_id": row.id, "reference": reference(row.number), "from": row.status, "to": to,
            })));
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "ticket.status_changed", actor, Some(row.id),
                Some(json!({ "status": row.status })), Some(json!({ "status": to }))))
            .execute(conn)
            .await?;
        let tags = tags_of!(conn, tenant, vec![row.id]).remove(&row.id).unwrap_or_default();
        Ok(Ticket { row: updated, tags })
    })
}

/// Appends a message at the ticket's next `seq`.
pub async fn ticket_reply(db: &Db, tenant: i64, number: i64, reply: &NewReply, actor: Actor) -> Result<(Message, Vec<Attachment>), StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let row = ticket_by_number!(conn, tenant, number);
        if row.status == "closed" {
            return Err(StoreError::invalid("ref", "the ticket is closed; open a new ticket instead"));
        }
        let by_agent = reply.author == "agent";
        if reply.internal && !by_agent {
            return Err(StoreError::invalid("internal", "only agents write internal notes"));
        }
        match (by_agent, reply.agent_id) {
            // the API key answers for the team (the audit entry names the key)
            (true, None) => {}
            (true, Some(agent)) => {
                if !exists_in!(conn, ag, tenant, agent) {
                    return Err(StoreError::invalid("agent_id", "no such agent"));
                }
            }
            (false, Some(_)) => return Err(StoreError::invalid("agent_id", "only goes with author agent")),
            (false, None) => {}
        }
        let found: Vec<i64> = fl::table
            .filter(fl::tenant_id.eq(tenant).and(fl::id.eq_any(&reply.attachment_file_ids)))
            .select(fl::id)
            .load(conn)
            .await?;
        for (i, file) in reply.attachment_file_ids.iter().enumerate() {
            if !found.contains(file) {
                return Err(StoreError::invalid(format!("attachment_file_ids[{i}]"), "no such file"));
            }
            if reply.attachment_file_ids[..i].contains(file) {
                return Err(StoreError::invalid(format!("attachment_file_ids[{i}]"), "is attached twice"));
            }
        }
        // the row lock taken here orders concurrent replies
        let seq: i64 = diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(row.id))))
            .set((t::message_count.eq(t::message_count + 1_i64), t::updated_at.eq(now)))
            .returning(t::message_count)
            .get_result(conn)
            .await?;
        let message: Message = diesel::insert_into(m::table)
            .values((
                m::tenant_id.eq(tenant),
                m::ticket_id.eq(row.id),
                m::seq.eq(seq),
                m::internal.eq(reply.internal),
                m::author_kind.eq(&reply.author),
                m::author_agent_id.eq(reply.agent_id),
                m::body.eq(&reply.body),
                m::created_at.eq(now),
            ))
            .returning(Message::as_returning())
            .get_result(conn)
            .await?;
        for (position, file) in reply.attachment_file_ids.iter().enumerate() {
            diesel::insert_into(ma::table)
                .values((ma::tenant_id.eq(tenant), ma::message_id.eq(message.id), ma::file_id.eq(file), ma::position.eq(position as i32)))
                .execute(conn)
                .await?;
        }
        let reopen = !by_agent && matches!(row.status.as_str(), "pending" | "on_hold" | "solved");
        if reopen {
            diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(row.id))))
                .set(t::status.eq("open"))
                .execute(conn)
                .await?;
            crate::record_event!(conn, NewEvent::new(tenant, "helpdesk.ticket.status_changed", json!({
                    "ticket_id": row.id, "reference": reference(row.number), "from": row.status, "to": "open",
                })));
            diesel::insert_into(au::table)
                .values(AuditEntry::new(tenant, "ticket.status_changed", actor, Some(row.id),
                    Some(json!({ "status": row.status })), Some(json!({ "status": "open" }))))
                .execute(conn)
                .await?;
        }
        crate::record_event!(conn, NewEvent::new(tenant, "helpdesk.ticket.replied", json!({
                "ticket_id": row.id, "reference": reference(row.number), "message_id": message.id, "seq": seq,
                "internal": reply.internal, "author_kind": reply.author, "attachment_file_ids": reply.attachment_file_ids,
            })));
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "ticket.replied", actor, Some(row.id), None,
                Some(json!({ "message_id": message.id, "seq": seq, "internal": reply.internal }))))
            .execute(conn)
            .await?;
        let attachments = attachments_of!(conn, tenant, vec![message.id]).remove(&message.id).unwrap_or_default();
        Ok((message, attachments))
    })
}

/// Moves the source's thread (after the target's messages) and tags into the
/// target, adds a system note there, and closes the source.
pub async fn ticket_merge(db: &Db, tenant: i64, source: i64, target: i64, actor: Actor) -> Result<Ticket, StoreError> {
    if source == target {
        return Err(StoreError::invalid("into", "a ticket cannot merge into itself"));
    }
    let now = Ts::now();
    write_tx!(db, |conn| {
        let src = ticket_by_number!(conn, tenant, source);
        let dst: TicketRow = t::table
            .filter(t::tenant_id.eq(tenant).and(t::number.eq(target)))
            .select(TicketRow::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| StoreError::invalid("into", "no such ticket"))?;
        if src.status == "closed" {
            return Err(StoreError::invalid("ref", "a closed ticket cannot be merged"));
        }
        if dst.status == "closed" {
            return Err(StoreError::invalid("into", "cannot merge into a closed ticket"));
        }
        // reserve the target's seqs for the moved messages and the note
        let moved = src.message_count;
        let count: i64 = diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(dst.id))))
            .set((t::message_count.eq(t::message_count + moved + 1), t::updated_at.eq(now)))
            .returning(t::message_count)
            .get_result(conn)
            .await?;
        let base = count - moved - 1;
        diesel::update(m::table.filter(m::tenant_id.eq(tenant).and(m::ticket_id.eq(src.id))))
            .set((m::ticket_id.eq(dst.id), m::seq.eq(m::seq + base)))
            .execute(conn)
            .await?;
        diesel::insert_into(m::table)
            .values((
                m::tenant_id.eq(tenant),
                m::ticket_id.eq(dst.id),
                m::seq.eq(count),
                m::internal.eq(true),
                m::author_kind.eq("system"),
                m::body.eq(format!("{} was merged into this ticket ({moved} message(s) moved).", reference(src.number))),
                m::created_at.eq(now),
            ))
            .execute(conn)
            .await?;
        let src_tags: Vec<i64> = tt::table.filter(tt::tenant_id.eq(tenant).and(tt::ticket_id.eq(src.id))).select(tt::tag_id).load(conn).await?;
        for tag in src_tags {
            diesel::insert_into(tt::table)
                .values((tt::tenant_id.eq(tenant), tt::ticket_id.eq(dst.id), tt::tag_id.eq(tag)))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        diesel::update(t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(src.id))))
            .set((t::status.eq("closed"), t::merged_into_id.eq(Some(dst.id)), t::message_count.eq(0_i64), t::updated_at.eq(now)))
            .execute(conn)
            .await?;
        crate::record_event!(conn, NewEvent::new(tenant, "helpdesk.ticket.status_changed", json!({
                "ticket_id": src.id, "reference": reference(src.number), "from": src.status, "to": "closed", "merged_into_id": dst.id,
            })));
        for (ticket, role) in [(src.id, "source"), (dst.id, "target")] {
            diesel::insert_into(au::table)
                .values(AuditEntry::new(tenant, "ticket.merged", actor, Some(ticket), None, Some(json!({
                    "role": role, "source": reference(src.number), "target": reference(dst.number), "messages_moved": moved,
                }))))
                .execute(conn)
                .await?;
        }
        let row = t::table.filter(t::tenant_id.eq(tenant).and(t::id.eq(dst.id))).select(TicketRow::as_select()).first(conn).await?;
        let tags = tags_of!(conn, tenant, vec![dst.id]).remove(&dst.id).unwrap_or_default();
        Ok(Ticket { row, tags })
    })
}

/// The thread, oldest first; internal notes only when asked for.
pub async fn ticket_messages(db: &Db, tenant: i64, number: i64, include_internal: bool, after_seq: Option<i64>, limit: i64) -> Result<Page<(Message, Vec<Attachment>)>, StoreError> {
    with_conn!(db, |conn| {
        let row = ticket_by_number!(conn, tenant, number);
        let base = || {
            let mut query = m::table.filter(m::tenant_id.eq(tenant).and(m::ticket_id.eq(row.id))).into_boxed();
            if !include_internal {
                query = query.filter(m::internal.eq(false));
            }
            query
        };
        let mut query = base();
        if let Some(seq) = after_seq {
            query = query.filter(m::seq.gt(seq));
        }
        let rows: Vec<Message> = query.order(m::seq.asc()).limit(limit).select(Message::as_select()).load(conn).await?;
        let total: i64 = base().count().get_result(conn).await?;
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let mut attachments = attachments_of!(conn, tenant, ids);
        let rows = rows.into_iter().map(|m| {
            let a = attachments.remove(&m.id).unwrap_or_default();
            (m, a)
        });
        Ok(Page { rows: rows.collect(), total })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_both_ways() {
        assert_eq!(parse_ref("123"), Some(123));
        assert_eq!(parse_ref("HD-000123"), Some(123));
        assert_eq!(parse_ref("hd-7"), Some(7));
        assert_eq!(reference(123), "HD-000123");
        assert_eq!(parse_ref("HD-0"), Some(0), "well-formed; no ticket has it");
        for bad in ["", "HD-", "HD-12a", "-1", "HX-1", "1.5", "99999999999999999999"] {
            assert_eq!(parse_ref(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_status_machine() {
        assert!(transition_allowed("open", "solved"));
        assert!(transition_allowed("solved", "closed"));
        assert!(transition_allowed("solved", "open"));
        assert!(!transition_allowed("open", "closed"));
        assert!(!transition_allowed("open", "open"));
        for to in STATUSES {
            assert!(!transition_allowed("closed", to), "closed is final");
        }
    }
}
