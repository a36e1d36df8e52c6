//! Helpdesk agents and the queues they work.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{helpdesk_agent_queues as aq, helpdesk_agents as a};
use crate::db::{Db, StoreError, Ts};
use crate::store::counts;
use crate::store::Page;
use crate::{list_total, with_conn, write_tx};

pub const AVAILABILITY: [&str; 4] = ["available", "busy", "away", "offline"];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Agent {
    pub tenant_id: i64,
    pub id: i64,
    pub name: String,
    pub email: String,
    pub availability: String,
    pub created_at: Ts,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentFilter {
    pub queue_id: Option<i64>,
    pub availability: Option<String>,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut query = a::table.filter(a::tenant_id.eq($tenant)).into_boxed();
        if let Some(queue) = $f.queue_id {
            let members = aq::table.filter(aq::tenant_id.eq($tenant).and(aq::queue_id.eq(queue))).select(aq::agent_id);
            query = query.filter(a::id.eq_any(members));
        }
        if let Some(av) = &$f.availability {
            query = query.filter(a::availability.eq(av.clone()));
        }
        query
    }};
}

pub async fn agent_list(db: &Db, tenant: i64, f: &AgentFilter, after: Option<(String, i64)>, limit: i64) -> Result<Page<(Agent, Vec<i64>)>, StoreError> {
    with_conn!(db, |conn| {
        let mut query = filtered!(tenant, f);
        if let Some((name, id)) = after {
            query = query.filter(a::name.gt(name.clone()).or(a::name.eq(name).and(a::id.gt(id))));
        }
        let agents: Vec<Agent> = query.order((a::name.asc(), a::id.asc())).limit(limit).select(Agent::as_select()).load(conn).await?;
        let total: i64 = list_total!(conn, tenant, counts::AGENTS, 0, *f == AgentFilter::default(), filtered!(tenant, f)).await?;
        let ids: Vec<i64> = agents.iter().map(|x| x.id).collect();
        let memberships: Vec<(i64, i64)> = aq::table
            .filter(aq::tenant_id.eq(tenant).and(aq::agent_id.eq_any(ids)))
            .order((aq::agent_id, aq::queue_id))
            .select((aq::agent_id, aq::queue_id))
            .load(conn)
            .await?;
        let mut queues: HashMap<i64, Vec<i64>> = HashMap::new();
        for (agent, queue) in memberships {
            queues.entry(agent).or_default().push(queue);
        }
        let rows = agents.into_iter().map(|x| {
            let q = queues.remove(&x.id).unwrap_or_default();
            (x, q)
        });
        Ok(Page { rows: rows.collect(), total })
    })
}

pub async fn agent_get(db: &Db, tenant: i64, id: i64) -> Result<(Agent, Vec<i64>), StoreError> {
    with_conn!(db, |conn| {
        let agent: Option<Agent> = a::table
            .filter(a::tenant_id.eq(tenant).and(a::id.eq(id)))
            .select(Agent::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(agent) = agent else { return Err(StoreError::NotFound) };
        let queues: Vec<i64> = aq::table
            .filter(aq::tenant_id.eq(tenant).and(aq::agent_id.eq(id)))
            .order(aq::queue_id)
            .select(aq::queue_id)
            .load(conn)
            .await?;
        Ok((agent, queues))
    })
}

pub async fn agent_create(db: &Db, tenant: i64, name: &str, email: &str, availability: &str, queue_ids: &[i64]) -> Result<Agent, StoreError> {
    super::directory_name(name)?;
    write_tx!(db, |conn| {
        let agent: Agent = diesel::insert_into(a::table)
            .values((a::tenant_id.eq(tenant), a::name.eq(name), a::email.eq(email), a::availability.eq(availability), a::created_at.eq(Ts::now())))
            .returning(Agent::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("email"))?;
        for queue in queue_ids {
            diesel::insert_into(aq::table)
                .values((aq::tenant_id.eq(tenant), aq::agent_id.eq(agent.id), aq::queue_id.eq(queue)))
                .execute(conn)
                .await?;
        }
        Ok(agent)
    })
}
