//! The eight hooks: each reads what its prompt needs, asks through a
//! [`Session`] and checks the answer against the tenant's own data.

use chrono::{Duration, Utc};
use serde_json::{Map, Value};

use super::answer::{self, Category, Resolution, Sentiment};
use super::prompt::{self, Author, Line, TicketContext};
use super::provider::Conversation;
use super::session::{Failure, Outcome, Session};
use super::{cluster, AiRuntime, Hook};
use crate::db::{Db, StoreError, Ts};
use crate::store::ai::context::{directory, open_questions, ticket_thread, Directory, TicketThread};
use crate::store::helpdesk::audit::{audit_list, AuditFilter};
use crate::store::helpdesk::tickets::reference;

/// The audit events audit-qa reads (the newest).
pub const AUDIT_EVENTS: i64 = 200;
/// Examples a knowledge gap shows, and how many of them the model sees.
const GAP_EXAMPLES: usize = 5;
/// The most clusters one knowledge-gaps call describes.
const MAX_GAPS: usize = 10;

/// Where a hook call runs.
pub struct Call<'a> {
    pub db: &'a Db,
    pub rt: &'a AiRuntime,
    pub tenant_id: i64,
    pub request_id: String,
}

fn store_failure(request_id: &str, e: StoreError) -> Failure {
    tracing::error!(request_id, error = %e, "AI hook could not read the helpdesk");
    Failure::ProviderError("the helpdesk could not be read".into())
}

fn context_of(th: &TicketThread, dir: &Directory) -> TicketContext {
    let t = &th.ticket;
    let requester = t.requester_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| t.requester_email.clone());
    let topic = t.help_topic_id.and_then(|id| dir.topics.iter().find(|x| x.id == id));
    let fields = t
        .custom_fields
        .0
        .iter()
        .map(|(k, v)| {
            let label = topic.and_then(|x| x.fields.0.iter().find(|f| &f.key == k)).map(|f| f.label.clone()).unwrap_or_else(|| k.clone());
            (label, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
        })
        .collect();
    let thread = th
        .messages
        .iter()
        .map(|m| {
            let agent = || m.author_agent_id.and_then(|id| dir.agents.get(&id).cloned()).unwrap_or_else(|| "an agent".into());
            let (author, name) = match (m.author_kind.as_str(), m.internal) {
                (_, true) => (Author::InternalNote, agent()),
                ("requester", _) => (Author::Requester, requester.clone()),
                ("agent", _) => (Author::Agent, agent()),
                _ => (Author::System, String::new()),
            };
            Line { author, name, body: m.body.clone(), at: m.created_at.0.to_rfc3339() }
        })
        .collect();
    TicketContext {
        reference: reference(t.number),
        subject: t.subject.clone(),
        status: t.status.clone(),
        priority: t.priority.clone(),
        queue: t.queue_id.and_then(|id| dir.queues.iter().find(|q| q.0 == id)).map(|q| q.1.clone()),
        topic: topic.map(|x| x.name.clone()),
        fields,
        tags: th.tags.clone(),
        created_at: t.created_at.0.to_rfc3339(),
        thread,
    }
}

/// The hooks that read one ticket: the gate, the ticket, the prompt, the
/// checked answer.
async fn on_ticket<T>(
    c: &Call<'_>,
    hook: Hook,
    ticket_id: i64,
    build: impl FnOnce(&str, &TicketContext, &TicketThread, &Directory) -> Result<Ask<T>, Failure>,
) -> Outcome<T> {
    let mut s = match Session::open(c.db, c.rt, c.tenant_id, hook, c.request_id.clone()).await {
        Ok(s) => s,
        Err(refusal) => return refusal.refused(),
    };
    let result = async {
        let thread = match ticket_thread(c.db, c.tenant_id, ticket_id).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Err(Failure::TicketNotFound),
            Err(e) => return Err(store_failure(&c.request_id, e)),
        };
        let dir = directory(c.db, c.tenant_id).await.map_err(|e| store_failure(&c.request_id, e))?;
        let ctx = context_of(&thread, &dir);
        let ask = build(&s.tenant.name, &ctx, &thread, &dir)?;
        s.ask(ask.conversation, ask.check).await
    }
    .await;
    s.finish(result).await
}

/// What a hook accepts of the model's JSON object, or why not.
pub type Check<T> = Box<dyn Fn(&Map<String, Value>) -> Result<T, String> + Send + Sync>;

/// A prompt and the check its answer must pass.
pub struct Ask<T> {
    pub conversation: Conversation,
    pub check: Check<T>,
}

pub async fn reply_suggest(c: &Call<'_>, ticket_id: i64) -> Outcome<Vec<String>> {
    on_ticket(c, Hook::ReplySuggest, ticket_id, |tenant, ctx, _, _| Ok(Ask { conversation: prompt::reply_suggest(tenant, ctx), check: Box::new(answer::suggestions) })).await
}

pub async fn summary(c: &Call<'_>, ticket_id: i64) -> Outcome<String> {
    on_ticket(c, Hook::Summary, ticket_id, |tenant, ctx, _, _| Ok(Ask { conversation: prompt::summary(tenant, ctx), check: Box::new(answer::summary) })).await
}

pub async fn categorize(c: &Call<'_>, ticket_id: i64) -> Outcome<Category> {
    on_ticket(c, Hook::Categorize, ticket_id, |tenant, ctx, _, dir| {
        let topics: Vec<(i64, String, String)> = dir.topics.iter().filter(|t| t.active).map(|t| (t.id, t.name.clone(), String::new())).collect();
        let (topic_ids, queue_ids): (Vec<i64>, Vec<i64>) = (topics.iter().map(|t| t.0).collect(), dir.queues.iter().map(|q| q.0).collect());
        Ok(Ask { conversation: prompt::categorize(tenant, ctx, &topics, &dir.queues), check: Box::new(move |m| answer::category(m, &topic_ids, &queue_ids)) })
    })
    .await
}

pub async fn sentiment(c: &Call<'_>, ticket_id: i64) -> Outcome<Sentiment> {
    on_ticket(c, Hook::Sentiment, ticket_id, |tenant, ctx, thread, _| {
        if !thread.messages.iter().any(|m| m.author_kind == "requester" && !m.internal && !m.body.trim().is_empty()) {
            return Err(Failure::NoRequesterText);
        }
        Ok(Ask { conversation: prompt::sentiment(tenant, ctx), check: Box::new(answer::sentiment) })
    })
    .await
}

pub async fn resolution_predict(c: &Call<'_>, ticket_id: i64) -> Outcome<Resolution> {
    let now = Utc::now().to_rfc3339();
    on_ticket(c, Hook::ResolutionPredict, ticket_id, move |tenant, ctx, _, _| Ok(Ask { conversation: prompt::resolution_predict(tenant, ctx, &now), check: Box::new(answer::resolution) }))
        .await
}

pub async fn canned_generate(c: &Call<'_>, intent: &str) -> Outcome<String> {
    use crate::store::helpdesk::canned::{check_template, PLACEHOLDERS};
    let mut s = match Session::open(c.db, c.rt, c.tenant_id, Hook::CannedGenerate, c.request_id.clone()).await {
        Ok(s) => s,
        Err(refusal) => return refusal.refused(),
    };
    let conv = prompt::canned_generate(&s.tenant.name, intent, &PLACEHOLDERS);
    let result = s.ask(conv, |m| answer::canned(m, |body| check_template(body).map_err(|e| e.to_string()))).await;
    s.finish(result).await
}

pub async fn audit_qa(c: &Call<'_>, question: &str) -> Outcome<(String, Vec<i64>)> {
    let mut s = match Session::open(c.db, c.rt, c.tenant_id, Hook::AuditQa, c.request_id.clone()).await {
        Ok(s) => s,
        Err(refusal) => return refusal.refused(),
    };
    let result = async {
        let events = audit_list(c.db, c.tenant_id, &AuditFilter::default(), None, AUDIT_EVENTS).await.map_err(|e| store_failure(&c.request_id, e))?.rows;
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let shown: Vec<Value> = events.iter().map(prompt::audit_event).collect();
        s.ask(prompt::audit_qa(&s.tenant.name, question, &shown), move |m| answer::audit_answer(m, &ids)).await
    }
    .await;
    s.finish(result).await
}

/// A knowledge gap as answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub title: String,
    pub description: String,
    pub size: i64,
    /// (ticket id, reference, subject)
    pub examples: Vec<(i64, String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gaps {
    pub days: i64,
    pub tickets_considered: i64,
    pub gaps: Vec<Gap>,
}

/// Whether a live wiki page answers a cluster: one matching all of its
/// three most telling words.
async fn covered(db: &Db, tenant: i64, words: &[String]) -> Result<bool, StoreError> {
    let q: Vec<&str> = words.iter().take(3).map(String::as_str).collect();
    let Ok(query) = crate::know::search::parse(&q.join(" ")) else { return Ok(false) };
    let (_, _, total) = crate::store::know::search::search(db, tenant, &query, 0, 1).await?;
    Ok(total > 0)
}

pub async fn knowledge_gaps(c: &Call<'_>, days: i64) -> Outcome<Gaps> {
    let mut s = match Session::open(c.db, c.rt, c.tenant_id, Hook::KnowledgeGaps, c.request_id.clone()).await {
        Ok(s) => s,
        Err(refusal) => return refusal.refused(),
    };
    let result = async {
        let since = Ts::from(Utc::now() - Duration::days(days));
        let questions = open_questions(c.db, c.tenant_id, since).await.map_err(|e| store_failure(&c.request_id, e))?;
        let texts: Vec<String> = questions.iter().map(|q| format!("{}\n{}", q.subject, q.first_message)).collect();
        let mut found = Vec::new();
        for cl in cluster::clusters(&texts, 2) {
            if found.len() == MAX_GAPS {
                break;
            }
            if !covered(c.db, c.tenant_id, &cl.top_words).await.map_err(|e| store_failure(&c.request_id, e))? {
                found.push(cl);
            }
        }
        let considered = questions.len() as i64;
        if found.is_empty() {
            return Ok(Gaps { days, tickets_considered: considered, gaps: vec![] });
        }
        let shown: Vec<(Vec<String>, Vec<String>)> = found
            .iter()
            .map(|cl| {
                let examples = cl.members.iter().take(GAP_EXAMPLES).map(|&i| {
                    let q = &questions[i];
                    let first: String = q.first_message.chars().take(300).collect();
                    format!("{} — {}", q.subject, first.replace('\n', " "))
                });
                (cl.top_words.clone(), examples.collect())
            })
            .collect();
        let n = found.len();
        let names = s.ask(prompt::knowledge_gaps(&s.tenant.name, days, &shown), move |m| answer::gap_names(m, n)).await?;
        let gaps = found
            .iter()
            .zip(names)
            .map(|(cl, (title, description))| Gap {
                title,
                description,
                size: cl.members.len() as i64,
                examples: cl.members.iter().take(GAP_EXAMPLES).map(|&i| (questions[i].ticket_id, reference(questions[i].number), questions[i].subject.clone())).collect(),
            })
            .collect();
        Ok(Gaps { days, tickets_considered: considered, gaps })
    }
    .await;
    s.finish(result).await
}
