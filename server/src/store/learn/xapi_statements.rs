//! The xAPI record store's statements: immutable once stored (a voiding
//! statement only flags its target), indexed by the agents and activities
//! they name. A statement's `seq` is the id of its
//! `learn.xapi.statement.stored` event, written first in the transaction:
//! event ids follow commit order per tenant, so keyset pages by `seq` are
//! stable while other statements are stored.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::db::schema::{learn_xapi_activities as xa, learn_xapi_agents as xg, learn_xapi_attachments as xt, learn_xapi_statement_targets as xr, learn_xapi_statements as xs};
use crate::db::{Db, Json, StoreError, Ts};
use crate::{with_conn, write_tx};

/// A statement ready to store: complete (the LRS's members set) and what
/// the query filters index.
#[derive(Debug, Clone)]
pub struct PreparedStatement {
    pub id: String,
    pub statement: Value,
    pub verb: String,
    pub registration: Option<String>,
    /// The statement a StatementRef object targets.
    pub target: Option<String>,
    /// A voiding statement's target.
    pub voids: Option<String>,
    /// (agent key, direct: the actor or object)
    pub agents: Vec<(String, bool)>,
    /// (activity id, direct: the object)
    pub activities: Vec<(String, bool)>,
}

const VOIDED: &str = "http://adlnet.gov/expapi/verbs/voided";

impl PreparedStatement {
    /// A complete statement (its `id` and the LRS's members set) with what
    /// the query filters index, read from the statement as it will be stored.
    pub fn indexed(id: String, statement: Value) -> Self {
        let refs = crate::xapi::validate::refs(&statement);
        let registration = statement.pointer("/context/registration").and_then(Value::as_str).map(str::to_ascii_lowercase);
        let target = (statement.pointer("/object/objectType").and_then(Value::as_str) == Some("StatementRef"))
            .then(|| statement.pointer("/object/id").and_then(Value::as_str).map(str::to_ascii_lowercase))
            .flatten();
        let voids = if refs.verb == VOIDED { target.clone() } else { None };
        let mut agents: Vec<(String, bool)> = refs.actor.iter().chain(&refs.object_agent).map(|a| (a.clone(), true)).collect();
        agents.extend(refs.related_agents.iter().map(|a| (a.clone(), false)));
        let mut activities: Vec<(String, bool)> = refs.object_activity.iter().map(|a| (a.clone(), true)).collect();
        activities.extend(refs.related_activities.iter().map(|a| (a.clone(), false)));
        PreparedStatement { id, statement, verb: refs.verb, registration, target, voids, agents, activities }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = xs, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct StoredStatement {
    pub seq: i64,
    pub id: String,
    pub statement: Json<Value>,
    pub voided: bool,
    pub stored: Ts,
}

/// The members a re-sent statement is compared without: the LRS sets them.
pub fn comparable(statement: &Value) -> Value {
    let mut v = statement.clone();
    if let Some(obj) = v.as_object_mut() {
        for member in ["stored", "authority", "version", "timestamp"] {
            obj.remove(member);
        }
    }
    v
}

/// An attachment's data (a multipart/mixed part), known by its SHA-2 (hex,
/// lower-case) as statements name it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = xt, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AttachmentData {
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// The data of these hashes this tenant holds.
pub async fn attachments_get(db: &Db, tenant: i64, hashes: &[String]) -> Result<Vec<AttachmentData>, StoreError> {
    if hashes.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(db, |conn| {
        Ok(xt::table.filter(xt::tenant_id.eq(tenant).and(xt::sha2.eq_any(hashes))).select(AttachmentData::as_select()).load(conn).await?)
    })
}

/// Stores the statements, all or none, in order, with the data of their
/// attachments (kept once per hash). A statement whose id is
/// stored already is skipped when it is the same (`comparable`), refused
/// (`Refused`, a 409) when it is another. `stored` is the moment the
/// statements are stored, set after the tenant's event order is taken.
/// Answers how many were new.
pub async fn statements_store(db: &Db, tenant: i64, batch: &mut [PreparedStatement], attachments: &[AttachmentData]) -> Result<usize, StoreError> {
    write_tx!(db, |conn| {
        let now = Ts::now();
        for a in attachments {
            diesel::insert_into(xt::table)
                .values((xt::tenant_id.eq(tenant), xt::sha2.eq(&a.sha2), xt::content_type.eq(&a.content_type), xt::content.eq(&a.content), xt::stored.eq(now)))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        let ids: Vec<String> = batch.iter().map(|p| p.id.clone()).collect();
        let existing: Vec<(String, Json<Value>)> =
            xs::table.filter(xs::tenant_id.eq(tenant).and(xs::id.eq_any(&ids))).select((xs::id, xs::statement)).load(conn).await?;
        let mut stored_now = 0;
        let mut stamp: Option<Ts> = None;
        let stamp = &mut stamp;
        for p in batch.iter_mut() {
            if let Some((_, before)) = existing.iter().find(|(id, _)| *id == p.id) {
                let mut theirs = comparable(&before.0);
                let mut ours = comparable(&p.statement);
                // a timestamp the LRS set (= stored) is not the sender's
                if p.statement.get("timestamp").is_none() {
                    theirs.as_object_mut().map(|o| o.remove("timestamp"));
                    ours.as_object_mut().map(|o| o.remove("timestamp"));
                }
                if theirs != ours {
                    return Err(StoreError::Refused(format!("Statement {} is stored already, with other content; statements are immutable.", p.id)));
                }
                continue;
            }
            crate::insert_statement!(conn, tenant, p, stamp);
            stored_now += 1;
        }
        Ok(stored_now)
    })
}

/// Stores one prepared statement inside the caller's write transaction: its
/// `learn.xapi.statement.stored` event first (the event id is its `seq`),
/// then `stored` (and a missing `timestamp`) set to `$stamp`'s moment, taken
/// once the tenant's order is held, the row, its index rows and the voiding
/// of its target. The statements API and the platform's own progress
/// statements both store through it.
#[macro_export]
macro_rules! insert_statement {
    ($conn:expr, $tenant:expr, $p:expr, $stamp:expr) => {{
        use $crate::db::schema::{learn_xapi_activities as xa, learn_xapi_agents as xg, learn_xapi_statement_targets as xr, learn_xapi_statements as xs};
        use $crate::db::{Json, Ts};
        let conn = &mut *$conn;
        let tenant: i64 = $tenant;
        let p: &mut $crate::store::learn::xapi_statements::PreparedStatement = $p;
        let stamp: &mut Option<Ts> = $stamp;
        let event = $crate::record_event!(
            conn,
            $crate::store::events::NewEvent::new(tenant, "learn.xapi.statement.stored", serde_json::json!({ "statement_id": p.id, "verb": p.verb, "voids": p.voids }))
        );
        // the moment is taken once the tenant's order is held, so `stored` grows with `seq`
        let now = *stamp.get_or_insert_with(Ts::now);
        if let Some(obj) = p.statement.as_object_mut() {
            obj.insert("stored".into(), serde_json::json!(now.0));
            obj.entry("timestamp").or_insert(serde_json::json!(now.0));
        }
        diesel::insert_into(xs::table)
            .values((
                xs::tenant_id.eq(tenant),
                xs::seq.eq(event.id),
                xs::id.eq(&p.id),
                xs::statement.eq(Json(&p.statement)),
                xs::verb_id.eq(&p.verb),
                xs::registration.eq(p.registration.as_deref()),
                xs::voided.eq(false),
                xs::voids.eq(p.voids.as_deref()),
                xs::stored.eq(now),
            ))
            .execute(conn)
            .await?;
        for (agent, direct) in $crate::store::learn::xapi_statements::dedup(&p.agents) {
            diesel::insert_into(xg::table)
                .values((xg::tenant_id.eq(tenant), xg::seq.eq(event.id), xg::agent.eq(agent), xg::direct.eq(direct)))
                .execute(conn)
                .await?;
        }
        for (activity, direct) in $crate::store::learn::xapi_statements::dedup(&p.activities) {
            diesel::insert_into(xa::table)
                .values((xa::tenant_id.eq(tenant), xa::seq.eq(event.id), xa::activity.eq(activity), xa::direct.eq(direct)))
                .execute(conn)
                .await?;
        }
        if let Some(target) = &p.target {
            // its chain: the target, and the target's own chain if it is stored
            let mut chain: Vec<String> = xr::table
                .inner_join(xs::table.on(xs::tenant_id.eq(xr::tenant_id).and(xs::seq.eq(xr::seq))))
                .filter(xr::tenant_id.eq(tenant).and(xs::id.eq(target)))
                .select(xr::target_id)
                .load(conn)
                .await?;
            chain.push(target.clone());
            chain.sort();
            chain.dedup();
            // and every statement already naming this one takes the chain on
            let naming: Vec<i64> = xr::table.filter(xr::tenant_id.eq(tenant).and(xr::target_id.eq(&p.id))).select(xr::seq).load(conn).await?;
            for seq in std::iter::once(event.id).chain(naming) {
                for t in &chain {
                    diesel::insert_into(xr::table)
                        .values((xr::tenant_id.eq(tenant), xr::seq.eq(seq), xr::target_id.eq(t)))
                        .on_conflict_do_nothing()
                        .execute(conn)
                        .await?;
                }
            }
        }
        if let Some(target) = &p.voids {
            // a voiding statement itself cannot be voided
            diesel::update(xs::table.filter(xs::tenant_id.eq(tenant).and(xs::id.eq(target)).and(xs::voids.is_null())))
                .set(xs::voided.eq(true))
                .execute(conn)
                .await?;
        }
    }};
}

/// What the platform states about an enrollment's progress (an xAPI
/// statement written in the same transaction as the progress itself).
#[derive(Debug, Clone, Copy)]
pub enum Stated {
    ActivityCompleted(i64),
    AttemptScored { activity: i64, score: i64, max: i64, passed: bool },
    CourseCompleted,
}

/// Writes the platform's statement of `$what` for the enrollment
/// (`$enrollment`, `$user`, `$course`) through `insert_statement!`, inside
/// the caller's write transaction (after its own events: the statement's
/// event comes last, like every event).
#[macro_export]
macro_rules! state_progress {
    ($conn:expr, $tenant:expr, $enrollment:expr, $user:expr, $course:expr, $what:expr, $now:expr) => {{
        use $crate::db::schema::{learn_activities as __a, learn_courses as __c, tenants as __t, users as __u};
        use $crate::store::learn::xapi_statements::{PreparedStatement, Stated};
        let __what: Stated = $what;
        let __slug: String = __t::table.filter(__t::id.eq($tenant)).select(__t::slug).first($conn).await?;
        let __name: String = __u::table.filter(__u::tenant_id.eq($tenant).and(__u::id.eq($user))).select(__u::display_name).first($conn).await?;
        let __title: String = __c::table.filter(__c::tenant_id.eq($tenant).and(__c::id.eq($course))).select(__c::title).first($conn).await?;
        let __p = $crate::xapi::platform::Progress {
            slug: &__slug,
            user_id: $user,
            learner_name: &__name,
            enrollment_id: $enrollment,
            course_id: $course,
            course_title: &__title,
        };
        let __at = $now.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let __statement = match __what {
            Stated::CourseCompleted => __p.course_completed(&__at),
            Stated::ActivityCompleted(__id) | Stated::AttemptScored { activity: __id, .. } => {
                let (__kind, __atitle): (String, String) =
                    __a::table.filter(__a::tenant_id.eq($tenant).and(__a::id.eq(__id))).select((__a::kind, __a::title)).first($conn).await?;
                match __what {
                    Stated::AttemptScored { score, max, passed, .. } => __p.attempt_scored((__id, &__kind, &__atitle), score, max, passed, &__at),
                    _ => __p.activity_completed((__id, &__kind, &__atitle), &__at),
                }
            }
        };
        let __id = __statement["id"].as_str().unwrap_or_default().to_owned();
        let mut __prepared = PreparedStatement::indexed(__id, __statement);
        let mut __stamp = Some($now);
        $crate::insert_statement!($conn, $tenant, &mut __prepared, &mut __stamp);
    }};
}

pub fn dedup(pairs: &[(String, bool)]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = pairs.to_vec();
    out.sort();
    out.dedup();
    out
}

/// One statement by id: `voided` says which kind is asked for (a voided
/// statement is found only as voided, a valid one only as valid).
pub async fn statement_get(db: &Db, tenant: i64, id: &str, voided: bool) -> Result<Option<StoredStatement>, StoreError> {
    with_conn!(db, |conn| {
        Ok(xs::table
            .filter(xs::tenant_id.eq(tenant).and(xs::id.eq(id)).and(xs::voided.eq(voided)))
            .select(StoredStatement::as_select())
            .first(conn)
            .await
            .optional()?)
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementFilter {
    pub agent: Option<String>,
    pub related_agents: bool,
    pub verb: Option<String>,
    pub activity: Option<String>,
    pub related_activities: bool,
    pub registration: Option<String>,
    pub since: Option<Ts>,
    pub until: Option<Ts>,
}

/// Statements meeting a query through their StatementRef chain that are
/// bound as a list (more are matched by a subquery).
const VIA_LISTED: i64 = 500;

/// The newest `seq` stored: the bound a query's pages keep to.
pub async fn statements_head(db: &Db, tenant: i64) -> Result<i64, StoreError> {
    with_conn!(db, |conn| {
        Ok(xs::table.filter(xs::tenant_id.eq(tenant)).select(diesel::dsl::max(xs::seq)).first::<Option<i64>>(conn).await?.unwrap_or(0))
    })
}

/// A page of valid (not voided) statements matching `f`, with `seq` at most
/// `head`, after `after` in the order asked for. A statement matches when
/// it, or a statement its StatementRef chain targets (voided or not: so a
/// voiding statement is found by what it voided), meets the agent, verb,
/// activity and registration filters; `since` and `until` are its own.
pub async fn statements_query(
    db: &Db,
    tenant: i64,
    f: &StatementFilter,
    head: i64,
    after: Option<i64>,
    ascending: bool,
    limit: i64,
) -> Result<Vec<StoredStatement>, StoreError> {
    with_conn!(db, |conn| {
        // the statements (voided or not) meeting the filters that are not
        // time or sequence based themselves
        // the filters that are not time or sequence based, on a boxed
        // query of statements
        macro_rules! meeting {
            ($d:expr) => {{
                let mut d = $d;
                if let Some(agent) = &f.agent {
                    let mut matching = xg::table.filter(xg::tenant_id.eq(tenant).and(xg::agent.eq(agent.clone()))).into_boxed();
                    if !f.related_agents {
                        matching = matching.filter(xg::direct.eq(true));
                    }
                    d = d.filter(xs::seq.eq_any(matching.select(xg::seq)));
                }
                if let Some(activity) = &f.activity {
                    let mut matching = xa::table.filter(xa::tenant_id.eq(tenant).and(xa::activity.eq(activity.clone()))).into_boxed();
                    if !f.related_activities {
                        matching = matching.filter(xa::direct.eq(true));
                    }
                    d = d.filter(xs::seq.eq_any(matching.select(xa::seq)));
                }
                if let Some(v) = &f.verb {
                    d = d.filter(xs::verb_id.eq(v.clone()));
                }
                if let Some(r) = &f.registration {
                    d = d.filter(xs::registration.eq(r.clone()));
                }
                d
            }};
        }
        let mut q = xs::table.filter(xs::tenant_id.eq(tenant).and(xs::voided.eq(false)).and(xs::seq.le(head))).into_boxed();
        if f.agent.is_some() || f.activity.is_some() || f.verb.is_some() || f.registration.is_some() {
            // a statement meets them itself, or through a statement (voided
            // or not) its StatementRef chain targets (Communication 2.1.3).
            // The statements meeting them through a chain are few (those
            // with a StatementRef object), so they are read first: without
            // any, the filters apply directly and the indexes keep their order.
            let via: Vec<i64> = xr::table
                .filter(xr::tenant_id.eq(tenant).and(xr::target_id.eq_any(meeting!(xs::table.filter(xs::tenant_id.eq(tenant)).into_boxed()).select(xs::id))))
                .select(xr::seq)
                .limit(VIA_LISTED + 1)
                .load(conn)
                .await?;
            q = if via.is_empty() {
                meeting!(q)
            } else if via.len() as i64 <= VIA_LISTED {
                q.filter(xs::seq.eq_any(meeting!(xs::table.filter(xs::tenant_id.eq(tenant)).into_boxed()).select(xs::seq)).or(xs::seq.eq_any(via)))
            } else {
                let via = xr::table.filter(xr::tenant_id.eq(tenant).and(xr::target_id.eq_any(meeting!(xs::table.filter(xs::tenant_id.eq(tenant)).into_boxed()).select(xs::id)))).select(xr::seq);
                q.filter(xs::seq.eq_any(meeting!(xs::table.filter(xs::tenant_id.eq(tenant)).into_boxed()).select(xs::seq)).or(xs::seq.eq_any(via)))
            };
        }
        if let Some(s) = f.since {
            q = q.filter(xs::stored.gt(s));
        }
        if let Some(u) = f.until {
            q = q.filter(xs::stored.le(u));
        }
        q = match (after, ascending) {
            (Some(a), true) => q.filter(xs::seq.gt(a)),
            (Some(a), false) => q.filter(xs::seq.lt(a)),
            (None, _) => q,
        };
        q = if ascending { q.order(xs::seq.asc()) } else { q.order(xs::seq.desc()) };
        Ok(q.limit(limit).select(StoredStatement::as_select()).load(conn).await?)
    })
}

/// The object of the newest valid statement whose object is `activity`.
pub async fn activity_latest(db: &Db, tenant: i64, activity: &str) -> Result<Option<Value>, StoreError> {
    with_conn!(db, |conn| {
        let direct = xa::table.filter(xa::tenant_id.eq(tenant).and(xa::activity.eq(activity)).and(xa::direct.eq(true))).select(xa::seq);
        let found: Option<Json<Value>> = xs::table
            .filter(xs::tenant_id.eq(tenant).and(xs::voided.eq(false)).and(xs::seq.eq_any(direct)))
            .order(xs::seq.desc())
            .select(xs::statement)
            .first(conn)
            .await
            .optional()?;
        Ok(found.and_then(|s| s.0.get("object").cloned()))
    })
}

/// The statements (newest first, at most `limit`) whose actor or object is `agent`.
pub async fn agent_statements(db: &Db, tenant: i64, agent: &str, limit: i64) -> Result<Vec<Value>, StoreError> {
    with_conn!(db, |conn| {
        let direct = xg::table.filter(xg::tenant_id.eq(tenant).and(xg::agent.eq(agent)).and(xg::direct.eq(true))).select(xg::seq);
        let rows: Vec<Json<Value>> = xs::table
            .filter(xs::tenant_id.eq(tenant).and(xs::seq.eq_any(direct)))
            .order(xs::seq.desc())
            .limit(limit)
            .select(xs::statement)
            .load(conn)
            .await?;
        Ok(rows.into_iter().map(|j| j.0).collect())
    })
}
