//! The AI assists end to end on each backend, against a model provider's
//! stand-in on loopback (`testkit::ModelStandIn`): what the server sends
//! (path, headers, the tenant's key, model, the ticket's thread in the
//! prompt), what it answers for every hook through the generated client,
//! every documented error code, and the usage rows each call logs.

mod common;

use std::time::Duration;

use common::{backends, Backend, TestServer};
use mobieus_api::types;
use mobieus_server::admin::ai as admin_ai;
use mobieus_server::secrets::{Keyring, MasterKey};
use mobieus_server::store::helpdesk::agents::agent_create;
use mobieus_server::store::helpdesk::queues::queue_create;
use mobieus_server::store::helpdesk::topics::{topic_create, FieldDefinition};
use mobieus_server::testkit::{ModelStandIn, Scripted};
use serde_json::{json, Value};

const MASTER: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const TENANT_KEY: &str = "sk-ant-test-4f2a";
const TIMEOUT: Duration = Duration::from_millis(1500);

fn master() -> MasterKey {
    MasterKey::parse(MASTER).unwrap()
}

fn keyring() -> Keyring {
    Keyring::new(Some(master()), vec![])
}

async fn ai_server(backend: &Backend, model: &ModelStandIn) -> TestServer {
    let url = model.url();
    TestServer::start_with(backend, move |c| {
        c.ai.anthropic_base_url = url;
        c.ai.timeout = TIMEOUT;
        c.secrets = keyring();
    })
    .await
}

/// A tenant on `plan` with its Anthropic key set and every hook on; its
/// all-scope API key.
async fn ai_tenant(ts: &TestServer, slug: &str, plan: &str) -> (i64, String) {
    let id = ts.tenant(slug, plan).await;
    admin_ai::ai_set_key_cmd(ts.db(), slug, TENANT_KEY, &keyring()).await.unwrap();
    admin_ai::ai_hooks_cmd(ts.db(), slug, "all", true).await.unwrap();
    (id, ts.key(id, &["all"]).await)
}

struct Desk {
    ticket_id: i64,
    reference: String,
    queue_id: i64,
    topic_id: i64,
}

/// A queue, a topic with a custom field, an agent, and a ticket whose thread
/// has the requester's question, an agent's answer and an internal note.
async fn desk(ts: &TestServer, tenant: i64, key: &str) -> Desk {
    let db = ts.db();
    let queue = queue_create(db, tenant, "billing", "Billing", "Charges and refunds").await.unwrap();
    let field = FieldDefinition { key: "order_number".into(), label: "Order number".into(), kind: "text".into(), required: false, options: vec![] };
    let topic = topic_create(db, tenant, "orders", "Orders", Some(queue.id), vec![field]).await.unwrap();
    let agent = agent_create(db, tenant, "Bob Agent", "bob@acme.test", "available", &[queue.id]).await.unwrap();
    let made = ts
        .post(Some(key), "/api/v1/helpdesk/tickets", &json!({
            "subject": "Refund not received", "body": "I returned the blender two weeks ago and STILL no refund. Second time I ask!",
            "requester_email": "ann@example.org", "requester_name": "Ann Example", "help_topic_id": topic.id, "custom_fields": { "order_number": "A-17" } }), None)
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let reference = made.body["data"]["reference"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/helpdesk/tickets/{reference}/reply");
    for body in [
        json!({ "body": "Sorry Ann, checking with the warehouse.", "agent_id": agent.id }),
        json!({ "body": "Warehouse confirms receipt on the 3rd; refund batch runs Friday.", "internal": true, "agent_id": agent.id }),
    ] {
        let r = ts.post(Some(key), &path, &body, None).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    Desk { ticket_id: made.body["data"]["id"].as_i64().unwrap(), reference, queue_id: queue.id, topic_id: topic.id }
}

fn fenced(v: Value) -> String {
    format!("Here you go:\n```json\n{v}\n```")
}

/// A summary through the generated client, as a reply whose body is the
/// typed answer in JSON (so an `ok: false` answer is read by the client too).
async fn summary(ts: &TestServer, key: &str, ticket: i64) -> common::Reply {
    let r = ts.client(key).summarize_helpdesk_ticket().body(types::AiTicketRequest { ticket_id: ticket }).send().await.expect("an answer, ok or not");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let body = serde_json::to_value(r.into_inner()).unwrap();
    common::Reply { status, headers, text: body.to_string(), body }
}

fn good() -> Scripted {
    Scripted::anthropic(&json!({ "problem": "p", "tried": "t", "done": "d", "next_step": "n" }).to_string(), 30, 10)
}

fn failure(body: &Value, error: &str) {
    assert_eq!((body["ok"].as_bool(), body["error"].as_str()), (Some(false), Some(error)), "{body}");
    assert!(body["message"].is_string() && body["usage"].is_object() && body["request_id"].as_str().is_some_and(|r| r.starts_with("req_")), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hook_answers_from_the_tenants_provider_through_the_generated_client() {
    for backend in backends() {
        // boxed: the whole scenario's future is too large for a test thread's stack
        Box::pin(every_hook_answers_from_the_tenants_provider_through_the_generated_client_on(&backend)).await;
    }
}

async fn every_hook_answers_from_the_tenants_provider_through_the_generated_client_on(backend: &Backend) {
    let model = ModelStandIn::start().await;
    let ts = ai_server(backend, &model).await;
    let (tenant, key) = ai_tenant(&ts, "acme", "creator_plus").await;
    let d = desk(&ts, tenant, &key).await;
    let c = ts.client(&key);
    // one hook a function: a single one's future overflows a test thread's stack
    Box::pin(hook_reply_suggest(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_summary_hook(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_categorize(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_sentiment(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_resolution(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_canned(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_audit_qa(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_knowledge_gaps(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_usage_logged(&ts, &model, &c, &key, &d)).await;
    Box::pin(hook_idempotent_replay(&ts, &model, &c, &key, &d)).await;
}

async fn hook_reply_suggest(_ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, _key: &str, d: &Desk) {
    let ticket = || types::AiTicketRequest { ticket_id: d.ticket_id };
    // reply-suggest (the JSON inside a fence and prose)
    model.script([Scripted::anthropic(&fenced(json!({ "suggestions": ["Hi Ann, your refund goes out Friday.", "Hi Ann, the warehouse has it.", "Hi Ann, sorry for the wait."] })), 120, 40)]);
    let r = c.suggest_helpdesk_replies().body(ticket()).send().await.unwrap().into_inner();
    let types::AiReplySuggestAnswer::ReplySuggestResult(r) = r else { panic!("{r:?}") };
    assert_eq!(r.suggestions.len(), 3);
    assert_eq!((r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.model.as_deref(), r.usage.provider.as_deref()), (120, 40, Some("claude-haiku-4-5-20251001"), Some("anthropic")));
    assert!(r.request_id.starts_with("req_"));
    // what the provider was sent
    let sent = &model.seen()[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/v1/messages"));
    assert_eq!(sent.headers.get("x-api-key").map(String::as_str), Some(TENANT_KEY));
    assert_eq!(sent.headers.get("anthropic-version").map(String::as_str), Some("2023-06-01"));
    assert_eq!(sent.body["model"], "claude-haiku-4-5-20251001");
    assert!(sent.body["max_tokens"].as_u64().is_some_and(|m| m > 0 && m <= 4096));
    let prompt = model.prompt_of(0);
    for part in ["STILL no refund", "Requester (Ann Example)", "Agent (Bob Agent)", "Internal note by Bob Agent (never seen by the requester)", "refund batch runs Friday", "Field Order number: A-17", "Help topic: Orders", "Queue: Billing", &d.reference] {
        assert!(prompt.contains(part), "the prompt lacks {part:?}: {prompt}");
    }

}

async fn hook_summary_hook(_ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, _key: &str, d: &Desk) {
    let ticket = || types::AiTicketRequest { ticket_id: d.ticket_id };
    // summary: four parts
    model.script([Scripted::anthropic(&json!({ "problem": "Refund missing", "tried": "Asked twice", "done": "Warehouse confirmed", "next_step": "Tell Ann about Friday" }).to_string(), 100, 30)]);
    let types::AiSummaryAnswer::SummaryResult(s) = c.summarize_helpdesk_ticket().body(ticket()).send().await.unwrap().into_inner() else { panic!() };
    assert_eq!(s.text, "Problem: Refund missing\nTried: Asked twice\nDone: Warehouse confirmed\nNext step: Tell Ann about Friday");

}

async fn hook_categorize(_ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, _key: &str, d: &Desk) {
    let ticket = || types::AiTicketRequest { ticket_id: d.ticket_id };
    // categorize: the ids offered are the tenant's
    model.script([Scripted::anthropic(&json!({ "help_topic_id": d.topic_id, "queue_id": d.queue_id, "confidence": 0.9, "reasoning": "A refund." }).to_string(), 150, 20)]);
    let types::AiCategorizeAnswer::CategorizeResult(cat) = c.categorize_helpdesk_ticket().body(ticket()).send().await.unwrap().into_inner() else { panic!() };
    assert_eq!((cat.data.help_topic_id, cat.data.queue_id), (Some(d.topic_id), Some(d.queue_id)));
    assert!(model.prompt_of(2).contains(&format!("id {}: Billing", d.queue_id)));

}

async fn hook_sentiment(_ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, _key: &str, d: &Desk) {
    let ticket = || types::AiTicketRequest { ticket_id: d.ticket_id };
    // sentiment
    model.script([Scripted::anthropic(&json!({ "overall": "frustrated", "confidence": 0.82, "signals": ["second follow-up", "all-caps emphasis"] }).to_string(), 90, 25)]);
    let types::AiSentimentAnswer::SentimentResult(sen) = c.assess_helpdesk_sentiment().body(ticket()).send().await.unwrap().into_inner() else { panic!() };
    assert_eq!((sen.data.overall, sen.data.signals.len()), (types::AiSentimentDataOverall::Frustrated, 2));

}

async fn hook_resolution(_ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, _key: &str, d: &Desk) {
    let ticket = || types::AiTicketRequest { ticket_id: d.ticket_id };
    // resolution-predict
    model.script([Scripted::anthropic(&json!({ "eta_hours": 52, "risk": "medium", "next_action": "Confirm the Friday batch", "blockers": ["refund batch schedule"] }).to_string(), 90, 25)]);
    let types::AiResolutionAnswer::ResolutionResult(res) = c.predict_helpdesk_resolution().body(ticket()).send().await.unwrap().into_inner() else { panic!() };
    assert_eq!((res.data.eta_hours, res.data.risk), (52.0, types::AiResolutionDataRisk::Medium));

}

async fn hook_canned(_ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, _key: &str, _d: &Desk) {
    // canned-generate: the template's placeholders are the renderer's
    model.script([Scripted::anthropic(&json!({ "body_md": "Hi {{requester.first_name}},\n\nYour refund for {{ticket.reference}} is on its way." }).to_string(), 60, 30)]);
    let body = types::AiCannedGenerateRequest { intent: "explain refund timing".try_into().unwrap() };
    let types::AiCannedGenerateAnswer::CannedGenerateResult(can) = c.generate_helpdesk_canned_response().body(body).send().await.unwrap().into_inner() else { panic!() };
    assert!(can.text.contains("{{ticket.reference}}"));
    assert!(model.prompt_of(5).contains("explain refund timing") && model.prompt_of(5).contains("{{requester.first_name}}"));

}

async fn hook_audit_qa(ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, key: &str, _d: &Desk) {
    // audit-qa: the citations are real events of the tenant
    let audit = ts.get(Some(key), "/api/v1/helpdesk/audit?limit=200").await;
    let event_ids: Vec<i64> = audit.body["data"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(!event_ids.is_empty());
    model.script([Scripted::anthropic(&json!({ "answer": format!("The API created it (#{}).", event_ids[event_ids.len() - 1]), "citations": [event_ids[event_ids.len() - 1]] }).to_string(), 300, 20)]);
    let q = types::AiAuditQuestion { question: "Who opened the refund ticket?".try_into().unwrap() };
    let types::AiAuditAnswerAnswer::AuditAnswerResult(qa) = c.ask_helpdesk_audit().body(q).send().await.unwrap().into_inner() else { panic!() };
    assert_eq!(qa.citations, vec![event_ids[event_ids.len() - 1]]);
    assert!(model.prompt_of(6).contains("Who opened the refund ticket?") && model.prompt_of(6).contains(&format!("\"id\":{}", event_ids[0])));

}

async fn hook_knowledge_gaps(ts: &TestServer, model: &ModelStandIn, c: &mobieus_api::client::Client, key: &str, _d: &Desk) {
    // knowledge-gaps: clustered here, a cluster the wiki covers left out
    for (subject, body) in [
        ("Refund for my order", "How long does a refund for a returned order take?"),
        ("Order refund timing", "When will my refund for the returned order arrive?"),
        ("Password reset email", "The password reset email never arrives."),
        ("Reset email missing", "I get no password reset email at all."),
        ("Change my avatar", "Where do I change my avatar picture?"),
    ] {
        let r = ts.post(Some(key), "/api/v1/helpdesk/tickets", &json!({ "subject": subject, "body": body, "requester_email": "x@example.org" }), None).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let page = ts.post(Some(key), "/api/v1/know/pages", &json!({ "slug": "password-reset", "title": "Password reset email", "body_md": "If the password reset email does not arrive, check spam." }), None).await;
    assert_eq!(page.status, 201, "{}", page.text);
    model.script([Scripted::anthropic(&json!({ "gaps": [{ "cluster": 1, "title": "Refund timing for returns", "description": "How long refunds take after a return." }] }).to_string(), 200, 40)]);
    let types::AiKnowledgeGapsAnswer::KnowledgeGapsResult(gaps) = c.find_helpdesk_knowledge_gaps().days(30).send().await.unwrap().into_inner() else { panic!() };
    assert_eq!(gaps.data.tickets_considered, 6);
    assert_eq!(gaps.data.gaps.len(), 1, "{gaps:?}");
    let gap = &gaps.data.gaps[0];
    assert_eq!((gap.title.as_str(), gap.size), ("Refund timing for returns", 2));
    let subjects: Vec<&str> = gap.examples.iter().map(|e| e.subject.as_str()).collect();
    assert_eq!(subjects, ["Order refund timing", "Refund for my order"], "newest first");
    let asked = model.prompt_of(7);
    assert!(asked.contains("Cluster 1") && !asked.contains("Cluster 2") && !asked.contains("password reset"), "{asked}");

}

async fn hook_usage_logged(ts: &TestServer, model: &ModelStandIn, _c: &mobieus_api::client::Client, _key: &str, _d: &Desk) {
    // every call is in the usage log
    let usage = admin_ai::ai_usage_cmd(ts.db(), "acme", None).await.unwrap();
    assert_eq!(usage["calls"], 8, "{usage}");
    assert_eq!(usage["prompt_tokens"], 120 + 100 + 150 + 90 + 90 + 60 + 300 + 200, "{usage}");
    assert_eq!(usage["completion_tokens"], 40 + 30 + 20 + 25 + 25 + 30 + 20 + 40, "{usage}");
    assert!(usage["by_hook"].as_array().unwrap().iter().all(|l| l["outcome"] == "ok"), "{usage}");
    assert_eq!(model.seen().len(), 8);

}

async fn hook_idempotent_replay(ts: &TestServer, model: &ModelStandIn, _c: &mobieus_api::client::Client, key: &str, d: &Desk) {
    // an idempotent retry replays the answer without asking the model again
    model.script([Scripted::anthropic(&json!({ "problem": "a", "tried": "b", "done": "c", "next_step": "d" }).to_string(), 10, 10)]);
    let first = ts.post(Some(key), "/api/v1/helpdesk/ai/summary", &json!({ "ticket_id": d.ticket_id }), Some("sum-1")).await;
    let again = ts.post(Some(key), "/api/v1/helpdesk/ai/summary", &json!({ "ticket_id": d.ticket_id }), Some("sum-1")).await;
    assert_eq!((first.body["ok"].as_bool(), again.header("idempotency-replayed")), (Some(true), Some("true")));
    assert_eq!(first.body, again.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_code_is_an_ok_false_answer_and_is_logged() {
    for backend in backends() {
        // boxed: the whole scenario's future is too large for a test thread's stack
        Box::pin(every_error_code_is_an_ok_false_answer_and_is_logged_on(&backend)).await;
    }
}

async fn every_error_code_is_an_ok_false_answer_and_is_logged_on(backend: &Backend) {
    let model = ModelStandIn::start().await;
    let ts = ai_server(backend, &model).await;
    let (tenant, key) = ai_tenant(&ts, "acme", "sovereign").await;
    let d = desk(&ts, tenant, &key).await;
    // one phase a function: a single one's future overflows a test thread's stack
    Box::pin(gate_refusals(&ts, &model, tenant, &key, &d)).await;
    Box::pin(ticket_refusals(&ts, &model, tenant, &key, &d)).await;
    Box::pin(provider_failures(&ts, &model, tenant, &key, &d)).await;
    Box::pin(caps(&ts, &model, tenant, &key, &d)).await;
    Box::pin(usage_log(&ts, &model, tenant, &key, &d)).await;
    Box::pin(usual_envelopes(&ts, &model, tenant, &key, &d)).await;
}

async fn gate_refusals(ts: &TestServer, model: &ModelStandIn, _tenant: i64, key: &str, d: &Desk) {
    // no_key: a tenant that set none (its hooks on)
    let nokey = ts.tenant("nokey", "creator_plus").await;
    admin_ai::ai_hooks_cmd(ts.db(), "nokey", "all", true).await.unwrap();
    let r = summary(ts, &ts.key(nokey, &["all"]).await, d.ticket_id).await;
    assert_eq!(r.status, 200);
    failure(&r.body, "no_key");
    assert_eq!((r.body["usage"]["prompt_tokens"].as_i64(), r.body["reason"].clone()), (Some(0), Value::Null));
    // gate_blocked: the plan, a hook off
    let (_, pro_key) = ai_tenant(ts, "pro", "pro").await;
    let r = summary(ts, &pro_key, d.ticket_id).await;
    failure(&r.body, "gate_blocked");
    assert_eq!(r.body["reason"], "plan");
    admin_ai::ai_hooks_cmd(ts.db(), "acme", "summary", false).await.unwrap();
    let r = summary(ts, key, d.ticket_id).await;
    failure(&r.body, "gate_blocked");
    assert_eq!(r.body["reason"], "hook_disabled");
    admin_ai::ai_hooks_cmd(ts.db(), "acme", "summary", true).await.unwrap();
    assert!(model.seen().is_empty(), "no refused call reaches the provider");

}

async fn ticket_refusals(ts: &TestServer, model: &ModelStandIn, _tenant: i64, key: &str, d: &Desk) {
    // ticket_not_found: unknown, and another tenant's
    failure(&summary(ts, key, 999_999).await.body, "ticket_not_found");
    let (other, other_key) = ai_tenant(ts, "other", "creator_plus").await;
    let theirs = ts.post(Some(&other_key), "/api/v1/helpdesk/tickets", &json!({ "subject": "x", "body": "y", "requester_email": "o@example.org" }), None).await;
    failure(&summary(ts, key, theirs.body["data"]["id"].as_i64().unwrap()).await.body, "ticket_not_found");
    let _ = other;
    // no_requester_text: a ticket merged away keeps no message
    let merged = ts.post(Some(key), "/api/v1/helpdesk/tickets", &json!({ "subject": "dup", "body": "same as before", "requester_email": "ann@example.org" }), None).await;
    let merged_ref = merged.body["data"]["reference"].as_str().unwrap().to_owned();
    let m = ts.post(Some(key), &format!("/api/v1/helpdesk/tickets/{merged_ref}/merge"), &json!({ "into": d.reference }), None).await;
    assert_eq!(m.status, 200, "{}", m.text);
    let merged_id = merged.body["data"]["id"].as_i64().unwrap();
    let answer = ts.client(key).assess_helpdesk_sentiment().body(types::AiTicketRequest { ticket_id: merged_id }).send().await.unwrap().into_inner();
    let types::AiSentimentAnswer::Failure(f) = answer else { panic!("{answer:?}") };
    assert_eq!((f.ok, f.error, f.reason), (false, types::AiFailureError::NoRequesterText, None));
    assert!(model.seen().is_empty());

}

async fn provider_failures(ts: &TestServer, model: &ModelStandIn, _tenant: i64, key: &str, d: &Desk) {
    // malformed JSON, then valid JSON: repaired with one more call
    model.script([Scripted::anthropic("Sure! The problem is the refund.", 30, 10), good()]);
    let r = summary(ts, key, d.ticket_id).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!((r.body["usage"]["prompt_tokens"].as_i64(), r.body["usage"]["completion_tokens"].as_i64()), (Some(60), Some(20)));
    let repair = &model.seen()[1].body["messages"];
    assert_eq!(repair.as_array().map(Vec::len), Some(3), "{repair}");
    assert_eq!(repair[1], json!({ "role": "assistant", "content": "Sure! The problem is the refund." }));
    assert!(repair[2]["content"].as_str().unwrap().contains("cannot be used"));
    // malformed twice: malformed_json
    model.script([Scripted::anthropic("{\"problem\": \"p\"}", 30, 10), Scripted::anthropic("still not it", 30, 10)]);
    failure(&summary(ts, key, d.ticket_id).await.body, "malformed_json");
    // categorize naming an id the tenant does not have, twice
    model.script([
        Scripted::anthropic(&json!({ "help_topic_id": 424242, "queue_id": null, "confidence": 0.5, "reasoning": "r" }).to_string(), 30, 10),
        Scripted::anthropic(&json!({ "help_topic_id": 424242, "queue_id": null, "confidence": 0.5, "reasoning": "r" }).to_string(), 30, 10),
    ]);
    let r = ts.post(Some(key), "/api/v1/helpdesk/ai/categorize", &json!({ "ticket_id": d.ticket_id }), None).await;
    failure(&r.body, "malformed_json");
    // 429 with retry-after, then success: one retry
    let before = model.seen().len();
    model.script([Scripted::status(429, Some("1")), good()]);
    let r = summary(ts, key, d.ticket_id).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
    assert_eq!(model.seen().len(), before + 2);
    // 500: provider_error, without the provider's words
    model.script([Scripted::status(500, None)]);
    let r = summary(ts, key, d.ticket_id).await;
    failure(&r.body, "provider_error");
    assert!(!r.text.contains("internal detail"), "{}", r.text);
    // 529 twice: retried once, then provider_error
    model.script([Scripted::status(529, Some("0")), Scripted::status(529, Some("0"))]);
    failure(&summary(ts, key, d.ticket_id).await.body, "provider_error");
    // a slow answer past the timeout
    model.script([good().after(TIMEOUT + Duration::from_millis(700))]);
    let started = std::time::Instant::now();
    let r = summary(ts, key, d.ticket_id).await;
    failure(&r.body, "provider_error");
    assert!(started.elapsed() < TIMEOUT + Duration::from_millis(600), "answered after {:?}", started.elapsed());

}

async fn caps(ts: &TestServer, _model: &ModelStandIn, _tenant: i64, key: &str, d: &Desk) {
    // the monthly cap, counted from the log
    admin_ai::ai_set_cap_cmd(ts.db(), "acme", Some("100"), None).await.unwrap();
    let r = summary(ts, key, d.ticket_id).await;
    failure(&r.body, "gate_blocked");
    assert_eq!(r.body["reason"], "monthly_cap");
    admin_ai::ai_set_cap_cmd(ts.db(), "acme", Some("none"), Some(1)).await.unwrap();
    // the per-minute limit: calls in the last minute are already past 1
    let r = summary(ts, key, d.ticket_id).await;
    failure(&r.body, "gate_blocked");
    assert_eq!(r.body["reason"], "rate_limit");

}

async fn usage_log(ts: &TestServer, _model: &ModelStandIn, _tenant: i64, _key: &str, _d: &Desk) {
    // every outcome is in the usage log
    let usage = admin_ai::ai_usage_cmd(ts.db(), "acme", None).await.unwrap();
    let outcomes: Vec<String> = usage["by_hook"].as_array().unwrap().iter().map(|l| format!("{}:{}", l["hook"].as_str().unwrap(), l["outcome"].as_str().unwrap())).collect();
    for o in ["summary:gate_blocked", "summary:ticket_not_found", "sentiment:no_requester_text", "summary:ok", "summary:malformed_json", "categorize:malformed_json", "summary:provider_error"] {
        assert!(outcomes.contains(&o.to_owned()), "{o} missing from {outcomes:?}");
    }
    let nokey_usage = admin_ai::ai_usage_cmd(ts.db(), "nokey", None).await.unwrap();
    assert_eq!(nokey_usage["by_hook"][0]["outcome"], "no_key", "{nokey_usage}");

}

async fn usual_envelopes(ts: &TestServer, _model: &ModelStandIn, tenant: i64, key: &str, d: &Desk) {
    // the usual envelopes stay: scope, body validation
    let reader = ts.key(tenant, &["helpdesk:read"]).await;
    ts.post(Some(&reader), "/api/v1/helpdesk/ai/reply-suggest", &json!({ "ticket_id": d.ticket_id }), None).await.assert_error(403, "insufficient_scope");
    ts.post(Some(&reader), "/api/v1/helpdesk/ai/knowledge-gaps", &json!({}), None).await.assert_error(405, "method_not_allowed");
    ts.get(Some(&reader), "/api/v1/helpdesk/ai/knowledge-gaps").await.assert_error(403, "insufficient_scope");
    ts.post(Some(key), "/api/v1/helpdesk/ai/summary", &json!({}), None).await.assert_error(422, "validation_failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_openai_compatible_endpoint_serves_a_sovereign_tenant() {
    for backend in backends() {
        // boxed: the whole scenario's future is too large for a test thread's stack
        Box::pin(an_openai_compatible_endpoint_serves_a_sovereign_tenant_on(&backend)).await;
    }
}

async fn an_openai_compatible_endpoint_serves_a_sovereign_tenant_on(backend: &Backend) {
    {
        let model = ModelStandIn::start().await;
        let ts = ai_server(backend, &model).await;
        let tenant = ts.tenant("sov", "sovereign").await;
        let key = ts.key(tenant, &["all"]).await;
        admin_ai::ai_hooks_cmd(ts.db(), "sov", "sentiment", true).await.unwrap();
        // the base URL is required, the key optional
        assert!(admin_ai::ai_set_provider_cmd(ts.db(), "sov", "openai-compatible", None, None).await.is_err());
        let shown = admin_ai::ai_set_provider_cmd(ts.db(), "sov", "openai-compatible", Some(&format!("{}/v1", model.url())), Some("llama-3.1-8b")).await.unwrap();
        assert_eq!((shown["provider"].as_str(), shown["key_set"].as_bool()), (Some("openai-compatible"), Some(false)));
        let d = desk(&ts, tenant, &key).await;
        model.script([Scripted::openai(&json!({ "overall": "negative", "confidence": 0.7, "signals": ["repeated request"] }).to_string(), 80, 12)]);
        let r = ts.post(Some(&key), "/api/v1/helpdesk/ai/sentiment", &json!({ "ticket_id": d.ticket_id }), None).await;
        assert_eq!((r.body["ok"].as_bool(), r.body["data"]["overall"].as_str()), (Some(true), Some("negative")), "{}", r.text);
        assert_eq!((r.body["usage"]["model"].as_str(), r.body["usage"]["provider"].as_str(), r.body["usage"]["prompt_tokens"].as_i64()), (Some("llama-3.1-8b"), Some("openai-compatible"), Some(80)));
        let sent = &model.seen()[0];
        assert_eq!(sent.path, "/v1/chat/completions");
        assert!(!sent.headers.contains_key("authorization"), "no key, no Authorization");
        assert_eq!((sent.body["model"].as_str(), sent.body["messages"][0]["role"].as_str()), (Some("llama-3.1-8b"), Some("system")));
        assert!(sent.body["messages"][1]["content"].as_str().unwrap().contains("STILL no refund"));
        // with a key, it is the bearer token
        admin_ai::ai_set_key_cmd(ts.db(), "sov", "local-secret", &keyring()).await.unwrap();
        model.script([Scripted::openai(&json!({ "overall": "neutral", "confidence": 0.6, "signals": [] }).to_string(), 80, 12)]);
        let r = ts.post(Some(&key), "/api/v1/helpdesk/ai/sentiment", &json!({ "ticket_id": d.ticket_id }), None).await;
        assert_eq!(r.body["ok"], true, "{}", r.text);
        assert_eq!(model.seen()[1].headers.get("authorization").map(String::as_str), Some("Bearer local-secret"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_keys_are_sealed_at_rest_and_never_shown() {
    for backend in backends() {
        // boxed: the whole scenario's future is too large for a test thread's stack
        Box::pin(provider_keys_are_sealed_at_rest_and_never_shown_on(&backend)).await;
    }
}

async fn provider_keys_are_sealed_at_rest_and_never_shown_on(backend: &Backend) {
    {
        let model = ModelStandIn::start().await;
        let ts = ai_server(backend, &model).await;
        let tenant = ts.tenant("acme", "creator_plus").await;
        // no master key: refused, nothing stored
        let refused = admin_ai::ai_set_key_cmd(ts.db(), "acme", TENANT_KEY, &Keyring::default()).await.unwrap_err();
        assert!(refused.to_string().contains("MOBIEUS_MASTER_KEY"), "{refused}");
        let shown = admin_ai::ai_set_key_cmd(ts.db(), "acme", TENANT_KEY, &keyring()).await.unwrap();
        assert!(!shown.to_string().contains(TENANT_KEY) && shown["key_set"] == true, "{shown}");
        let stored = mobieus_server::store::ai::settings::ai_tenant(ts.db(), tenant).await.unwrap().settings.sealed_key.unwrap();
        assert!(!stored.contains(TENANT_KEY) && stored.starts_with("v1:"), "{stored}");
        assert_eq!(master().open(&stored, &mobieus_server::ai::key_context(tenant)).unwrap(), TENANT_KEY);
        // a key sealed by a master key this server does not hold: provider_error, nothing sent
        // (a server whose own key is wrong does not start: it cannot open the cursor key)
        let stranger = MasterKey::parse(&"ab".repeat(32)).unwrap();
        let foreign = stranger.seal(TENANT_KEY, &mobieus_server::ai::key_context(tenant));
        assert!(mobieus_server::store::ai::settings::ai_sealed_key_replace(ts.db(), tenant, &stored, &foreign).await.unwrap());
        admin_ai::ai_hooks_cmd(ts.db(), "acme", "all", true).await.unwrap();
        let key = ts.key(tenant, &["all"]).await;
        let d = desk(&ts, tenant, &key).await;
        let r = ts.post(Some(&key), "/api/v1/helpdesk/ai/summary", &json!({ "ticket_id": d.ticket_id }), None).await;
        failure(&r.body, "provider_error");
        assert!(model.seen().is_empty());
        // cleared: no_key again
        admin_ai::ai_clear_key_cmd(ts.db(), "acme").await.unwrap();
        failure(&ts.post(Some(&key), "/api/v1/helpdesk/ai/summary", &json!({ "ticket_id": d.ticket_id }), None).await.body, "no_key");
        // the hooks' names are checked
        assert!(admin_ai::ai_hooks_cmd(ts.db(), "acme", "summary,telepathy", true).await.is_err());
    }
}
