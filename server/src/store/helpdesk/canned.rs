//! Canned responses: reply templates with Mustache-style placeholders.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{
    helpdesk_agents as ag, helpdesk_audit_events as au, helpdesk_canned_responses as cr, helpdesk_queues as q,
    helpdesk_tickets as t,
};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::helpdesk::audit::{Actor, AuditEntry};
use crate::store::helpdesk::tickets::reference;
use crate::store::templates::TemplateKind;
use crate::store::Page;
use crate::{list_total, with_conn, write_tx};

/// Every placeholder a template may use.
pub const PLACEHOLDERS: [&str; 13] = [
    "requester.first_name", "requester.last_name", "requester.name", "requester.email", "ticket.reference",
    "ticket.number", "ticket.subject", "ticket.status", "ticket.priority", "queue.name", "agent.name",
    "agent.first_name", "agent.email",
];

/// Canned responses are Markdown: values go in as they are.
pub const TEMPLATE: TemplateKind = TemplateKind { field: "body_md", placeholders: &PLACEHOLDERS, html: false };

/// Refuses a template with an unknown or malformed placeholder, naming it.
pub fn check_template(body: &str) -> Result<(), StoreError> {
    TEMPLATE.check(body)
}

/// Fills the placeholders; returns the text and the placeholders used.
pub fn render(body: &str, values: &HashMap<&'static str, String>) -> Result<(String, Vec<String>), StoreError> {
    TEMPLATE.render(body, values)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cr, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CannedResponse {
    pub tenant_id: i64,
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub body_md: String,
    pub queue_id: Option<i64>,
    pub is_active: bool,
    pub sort_order: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl CannedResponse {
    fn snapshot(&self) -> serde_json::Value {
        json!({ "id": self.id, "slug": self.slug, "title": self.title, "queue_id": self.queue_id, "is_active": self.is_active, "sort_order": self.sort_order })
    }
}

#[derive(Debug, Clone)]
pub struct NewCanned {
    pub slug: String,
    pub title: String,
    pub body_md: String,
    pub queue_id: Option<i64>,
    pub is_active: bool,
    pub sort_order: i64,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cr)]
pub struct CannedChanges {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub body_md: Option<String>,
    pub queue_id: Option<Option<i64>>,
    pub is_active: Option<bool>,
    pub sort_order: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CannedFilter {
    pub queue_id: Option<i64>,
    pub is_active: Option<bool>,
}

/// The tenant's canned response with this id, if any.
macro_rules! canned_by_id {
    ($conn:expr, $tenant:expr, $id:expr) => {
        cr::table
            .filter(cr::tenant_id.eq($tenant).and(cr::id.eq($id)))
            .select(CannedResponse::as_select())
            .first::<CannedResponse>($conn)
            .await
            .optional()?
    };
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut query = cr::table.filter(cr::tenant_id.eq($tenant)).into_boxed();
        if let Some(x) = $f.queue_id {
            query = query.filter(cr::queue_id.eq(x));
        }
        if let Some(x) = $f.is_active {
            query = query.filter(cr::is_active.eq(x));
        }
        query
    }};
}

macro_rules! check_queue {
    ($conn:expr, $tenant:expr, $queue:expr) => {
        if let Some(queue) = $queue {
            let found: bool = diesel::select(diesel::dsl::exists(q::table.filter(q::tenant_id.eq($tenant).and(q::id.eq(queue)))))
                .get_result($conn)
                .await?;
            if !found {
                return Err(StoreError::invalid("queue_id", "no such queue"));
            }
        }
    };
}

pub async fn canned_list(db: &Db, tenant: i64, f: &CannedFilter, after: Option<(i64, i64)>, limit: i64) -> Result<Page<CannedResponse>, StoreError> {
    with_conn!(db, |conn| {
        let mut query = filtered!(tenant, f);
        if let Some((order, id)) = after {
            query = query.filter(cr::sort_order.gt(order).or(cr::sort_order.eq(order).and(cr::id.gt(id))));
        }
        let rows = query.order((cr::sort_order.asc(), cr::id.asc())).limit(limit).select(CannedResponse::as_select()).load(conn).await?;
        let total: i64 = list_total!(conn, tenant, counts::CANNED_RESPONSES, 0, *f == CannedFilter::default(), filtered!(tenant, f)).await?;
        Ok(Page { rows, total })
    })
}

pub async fn canned_get(db: &Db, tenant: i64, id: i64) -> Result<CannedResponse, StoreError> {
    with_conn!(db, |conn| {
        Ok(canned_by_id!(conn, tenant, id))
    })
    .found()
}

pub async fn canned_create(db: &Db, tenant: i64, new: &NewCanned, actor: Actor) -> Result<CannedResponse, StoreError> {
    check_template(&new.body_md)?;
    let now = Ts::now();
    write_tx!(db, |conn| {
        check_queue!(conn, tenant, new.queue_id);
        let row: CannedResponse = diesel::insert_into(cr::table)
            .values((
                cr::tenant_id.eq(tenant),
                cr::slug.eq(&new.slug),
                cr::title.eq(&new.title),
                cr::body_md.eq(&new.body_md),
                cr::queue_id.eq(new.queue_id),
                cr::is_active.eq(new.is_active),
                cr::sort_order.eq(new.sort_order),
                cr::created_at.eq(now),
                cr::updated_at.eq(now),
            ))
            .returning(CannedResponse::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))?;
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "canned_response.created", actor, None, None, Some(row.snapshot())))
            .execute(conn)
            .await?;
        Ok(row)
    })
}

pub async fn canned_update(db: &Db, tenant: i64, id: i64, ch: &CannedChanges, actor: Actor) -> Result<CannedResponse, StoreError> {
    if let Some(body) = &ch.body_md {
        check_template(body)?;
    }
    let now = Ts::now();
    write_tx!(db, |conn| {
        let before: CannedResponse = canned_by_id!(conn, tenant, id).ok_or(StoreError::NotFound)?;
        check_queue!(conn, tenant, ch.queue_id.flatten());
        let row: CannedResponse = diesel::update(cr::table.filter(cr::tenant_id.eq(tenant).and(cr::id.eq(id))))
            .set((ch, cr::updated_at.eq(now)))
            .returning(CannedResponse::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))?;
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "canned_response.updated", actor, None, Some(before.snapshot()), Some(row.snapshot())))
            .execute(conn)
            .await?;
        Ok(row)
    })
}

pub async fn canned_delete(db: &Db, tenant: i64, id: i64, actor: Actor) -> Result<CannedResponse, StoreError> {
    write_tx!(db, |conn| {
        let row: CannedResponse = diesel::delete(cr::table.filter(cr::tenant_id.eq(tenant).and(cr::id.eq(id))))
            .returning(CannedResponse::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "canned_response.deleted", actor, None, Some(row.snapshot()), None))
            .execute(conn)
            .await?;
        Ok(row)
    })
}

fn first_name(full: &str) -> String {
    full.split_whitespace().next().unwrap_or("").to_owned()
}

fn last_name(full: &str) -> String {
    let mut parts: Vec<&str> = full.split_whitespace().collect();
    if parts.len() < 2 {
        return String::new();
    }
    parts.remove(0);
    parts.join(" ")
}

/// Renders a canned response for a ticket (and an agent: `agent_id`, else
/// the ticket's assignee).
pub async fn canned_render(db: &Db, tenant: i64, id: i64, ticket_number: i64, agent_id: Option<i64>) -> Result<(String, Vec<String>), StoreError> {
    with_conn!(db, |conn| {
        let canned: CannedResponse = canned_by_id!(conn, tenant, id).ok_or(StoreError::NotFound)?;
        type TicketBits = (i64, String, String, String, Option<i64>, Option<i64>, String, Option<String>);
        let ticket: TicketBits = t::table
            .filter(t::tenant_id.eq(tenant).and(t::number.eq(ticket_number)))
            .select((t::number, t::subject, t::status, t::priority, t::queue_id, t::assignee_id, t::requester_email, t::requester_name))
            .first(conn)
            .await
            .optional()?
            .ok_or(StoreError::MissingRow("ticket"))?;
        let (number, subject, status, priority, queue_id, assignee_id, email, name) = ticket;
        let queue_name: Option<String> = match queue_id {
            Some(queue) => q::table.filter(q::tenant_id.eq(tenant).and(q::id.eq(queue))).select(q::name).first(conn).await.optional()?,
            None => None,
        };
        let agent: Option<(String, String)> = match agent_id.or(assignee_id) {
            Some(agent) => {
                let found = ag::table.filter(ag::tenant_id.eq(tenant).and(ag::id.eq(agent))).select((ag::name, ag::email)).first(conn).await.optional()?;
                if found.is_none() && agent_id.is_some() {
                    return Err(StoreError::MissingRow("agent"));
                }
                found
            }
            None => None,
        };
        let name = name.unwrap_or_default();
        let mut values: HashMap<&'static str, String> = HashMap::new();
        values.insert("requester.first_name", first_name(&name));
        values.insert("requester.last_name", last_name(&name));
        values.insert("requester.name", name.clone());
        values.insert("requester.email", email);
        values.insert("ticket.reference", reference(number));
        values.insert("ticket.number", number.to_string());
        values.insert("ticket.subject", subject);
        values.insert("ticket.status", status);
        values.insert("ticket.priority", priority);
        values.insert("queue.name", queue_name.unwrap_or_default());
        if let Some((agent_name, agent_email)) = agent {
            values.insert("agent.first_name", first_name(&agent_name));
            values.insert("agent.name", agent_name);
            values.insert("agent.email", agent_email);
        }
        render(&canned.body_md, &values)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_and_unknown_placeholders_are_named() {
        let mut v = HashMap::new();
        v.insert("requester.first_name", "Ada".to_owned());
        v.insert("ticket.reference", "HD-000123".to_owned());
        let (out, used) = render("Hi {{requester.first_name}}, {{ ticket.reference }} / {{requester.first_name}} {{agent.name}}!", &v).unwrap();
        assert_eq!(out, "Hi Ada, HD-000123 / Ada !");
        assert_eq!(used, ["requester.first_name", "ticket.reference", "agent.name"]);
        match check_template("Hello {{requester.shoe_size}}") {
            Err(StoreError::Invalid(p)) => assert!(p[0].1.contains("requester.shoe_size"), "{p:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(check_template("oops {{ticket.reference"), Err(StoreError::Invalid(_))));
        assert!(check_template("no placeholders at all").is_ok());
        assert_eq!((first_name("Ada King Lovelace"), last_name("Ada King Lovelace")), ("Ada".into(), "King Lovelace".into()));
    }
}
