//! mobieusHelp over HTTP (and through the generated client) on each backend.

mod common;

use std::collections::HashSet;

use common::{backends, Reply, TestServer};
use mobieus_api::types;
use mobieus_server::store::helpdesk::agents::agent_create;
use mobieus_server::store::helpdesk::queues::queue_create;
use mobieus_server::store::helpdesk::topics::{topic_create, FieldDefinition};
use mobieus_server::store::users::{user_create, NewUser};
use serde_json::{json, Value};

/// A tenant with two queues, two agents, a help topic with fields, three tags.
struct Desk {
    key: String,
    tenant: i64,
    billing: i64,
    support: i64,
    grace: i64,
    alan: i64,
    topic: i64,
    user: i64,
}

async fn desk(ts: &TestServer, slug: &str) -> Desk {
    let (tenant, key) = ts.tenant_with_key(slug).await;
    let db = ts.db();
    let billing = queue_create(db, tenant, "billing", "Billing", "money").await.unwrap().id;
    let support = queue_create(db, tenant, "support", "Support", "the rest").await.unwrap().id;
    let grace = agent_create(db, tenant, "Grace", "grace@x.example", "available", &[billing, support]).await.unwrap().id;
    let alan = agent_create(db, tenant, "Alan", "alan@x.example", "busy", &[support]).await.unwrap().id;
    let fields: Vec<FieldDefinition> = serde_json::from_value(json!([
        {"key": "order_number", "label": "Order", "type": "text", "required": true},
        {"key": "channel", "label": "Channel", "type": "select", "options": ["web", "app"]}
    ]))
    .unwrap();
    let topic = topic_create(db, tenant, "orders", "Orders", Some(billing), fields).await.unwrap().id;
    let user = user_create(db, tenant, &NewUser { username: "ada".into(), display_name: "Ada Lovelace".into(), email: Some("Ada@Example.org".into()), role: "member".into() })
        .await
        .unwrap()
        .id;
    for (slug, name) in [("refund", "Refund"), ("urgent", "Urgent"), ("vip", "VIP")] {
        assert_eq!(ts.post(Some(&key), "/api/v1/helpdesk/tags", &json!({"slug": slug, "name": name}), None).await.status, 201);
    }
    Desk { key, tenant, billing, support, grace, alan, topic, user }
}

async fn create(ts: &TestServer, d: &Desk, body: Value) -> Reply {
    ts.post(Some(&d.key), "/api/v1/helpdesk/tickets", &body, None).await
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_are_created_numbered_and_found_by_number_or_reference() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        let c = ts.client(&d.key);
        let body = types::TicketCreate::builder()
            .subject("Help needed")
            .body("I was charged twice.")
            .requester_email(Some("Bob@Example.org".try_into().unwrap()))
            .priority(Some(types::TicketPriority::High))
            .tags(vec!["refund".into(), "vip".into()]);
        let first = c.create_helpdesk_ticket().idempotency_key("create-ticket-abc123").body(body.clone()).send().await.unwrap();
        assert_eq!(first.status().as_u16(), 201);
        let t = first.into_inner().data;
        assert_eq!((t.number, t.reference.as_str()), (1, "HD-000001"));
        assert_eq!(t.status, types::TicketStatus::Open);
        assert_eq!(t.priority, types::TicketPriority::High);
        assert_eq!(t.requester.email, "bob@example.org");
        assert_eq!(t.tags, vec!["refund", "vip"]);
        assert_eq!(t.message_count, 1);
        // the page's example: a retried create makes one ticket
        let again = c.create_helpdesk_ticket().idempotency_key("create-ticket-abc123").body(body).send().await.unwrap();
        assert_eq!(again.headers()["idempotency-replayed"], "true");
        assert_eq!(again.into_inner().data.id, t.id);

        // by user id (name and e-mail from the member), with a topic: queue and custom fields
        let second = create(&ts, &d, json!({"subject": "Order", "body": "Where is it?", "requester_user_id": d.user,
            "help_topic_id": d.topic, "custom_fields": {"order_number": "A-1", "channel": "app"}})).await;
        assert_eq!(second.status, 201, "{}", second.text);
        let s = &second.body["data"];
        assert_eq!(s["number"], 2);
        assert_eq!(s["requester"], json!({"user_id": d.user, "email": "ada@example.org", "name": "Ada Lovelace"}));
        assert_eq!(s["queue_id"], d.billing, "the topic's queue");
        assert_eq!(s["custom_fields"]["order_number"], "A-1");
        assert_eq!(s["priority"], "normal");
        for empty in ["assignee_id", "merged_into_id"] {
            assert!(s.as_object().unwrap().contains_key(empty) && s[empty].is_null(), "{empty} is present as null");
        }

        for r in ["2", "HD-000002", "hd-2"] {
            let got = ts.get(Some(&d.key), &format!("/api/v1/helpdesk/tickets/{r}")).await;
            assert_eq!(got.body["data"]["id"], s["id"], "{r}");
        }
        ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/HD-000099").await.assert_error(404, "ticket_not_found");
        ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/HX-1").await.assert_error(400, "invalid_parameter");
        ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/HD-0").await.assert_error(404, "ticket_not_found");

        // numbers are per tenant
        let other = desk(&ts, "beta").await;
        let theirs = create(&ts, &other, json!({"subject": "Hi", "body": "b", "requester_email": "x@y.example"})).await;
        assert_eq!(theirs.body["data"]["number"], 1);
        ts.get(Some(&other.key), "/api/v1/helpdesk/tickets/2").await.assert_error(404, "ticket_not_found");
        let mine = ts.get(Some(&other.key), "/api/v1/helpdesk/tickets/1").await;
        assert_eq!(mine.body["data"]["id"], theirs.body["data"]["id"]);

        let events = ts.get(Some(&d.key), "/api/v1/events?type=helpdesk.ticket.created").await;
        assert_eq!(events.body["total_count"], 2, "one event per ticket, none for the replay");
        assert_eq!(events.body["data"][0]["data"]["reference"], "HD-000002");
        let audit = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?event_key=ticket.created").await;
        assert_eq!(audit.body["total_count"], 2);
        assert_eq!(audit.body["data"][0]["actor_kind"], "api");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tickets_are_refused_naming_the_field() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        let other = desk(&ts, "beta").await;
        let cases = [
            (json!({"subject": "s", "body": "b"}), "requester_email"),
            (json!({"subject": "s", "body": "b", "requester_email": "not-an-address"}), "requester_email"),
            (json!({"subject": "s", "body": "b", "requester_user_id": 999999}), "requester_user_id"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "tags": ["refund", "nope"]}), "tags[1]"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "queue_id": 999999}), "queue_id"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "queue_id": other.billing}), "queue_id"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "help_topic_id": d.topic}), "custom_fields.order_number"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "help_topic_id": d.topic,
                "custom_fields": {"order_number": "1", "channel": "fax"}}), "custom_fields.channel"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "custom_fields": {"x": 1}}), "custom_fields"),
            (json!({"subject": "", "body": "b", "requester_email": "a@b.example"}), "subject"),
            (json!({"subject": "s", "body": "b", "requester_email": "a@b.example", "priority": "asap"}), "priority"),
            (json!({"body": "b", "requester_email": "a@b.example"}), "subject"),
        ];
        for (body, field) in cases {
            let r = create(&ts, &d, body.clone()).await;
            r.assert_error(422, "validation_failed");
            let fields: Vec<&str> = r.body["error"]["extra"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
            assert!(fields.contains(&field), "{body}: expected {field}, got {fields:?}");
        }
        let list = ts.get(Some(&d.key), "/api/v1/helpdesk/tickets").await;
        assert_eq!(list.body["total_count"], 0, "nothing half-written");
        let next = create(&ts, &d, json!({"subject": "s", "body": "b", "requester_email": "a@b.example"})).await;
        assert_eq!(next.body["data"]["number"], 1, "refused creates use no number");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_sorts_and_pages() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        let mut numbers = vec![];
        for (i, (priority, tag, email)) in [("low", "refund", "a@x.example"), ("high", "vip", "b@x.example"), ("high", "refund", "a@x.example"), ("urgent", "urgent", "c@x.example")].iter().enumerate() {
            let r = create(&ts, &d, json!({"subject": format!("T{i}"), "body": "b", "requester_email": email, "priority": priority, "tags": [tag],
                "queue_id": if i % 2 == 0 { d.billing } else { d.support }})).await;
            numbers.push(r.body["data"]["number"].as_i64().unwrap());
        }
        let upd = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1", &json!({"assignee_id": d.grace}), None).await;
        assert_eq!(upd.status, 200, "{}", upd.text);
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/2/status", &json!({"status": "pending"}), None).await;
        let count = |q: &'static str| {
            let (ts, key) = (&ts, d.key.clone());
            async move {
                let r = ts.get(Some(&key), &format!("/api/v1/helpdesk/tickets?{q}")).await;
                assert_eq!(r.status, 200, "{q}: {}", r.text);
                r.body["data"].as_array().unwrap().iter().map(|t| t["number"].as_i64().unwrap()).collect::<Vec<_>>()
            }
        };
        assert_eq!(count("").await, vec![4, 3, 2, 1], "newest first");
        assert_eq!(count("sort=created_at").await, vec![1, 2, 3, 4]);
        assert_eq!(count("sort=-updated_at").await[..2], [2, 1], "the last touched first");
        assert_eq!(count("status=pending").await, vec![2]);
        assert_eq!(count("priority=high").await, vec![3, 2]);
        assert_eq!(count(format!("queue={}", d.billing).leak()).await, vec![3, 1]);
        assert_eq!(count(format!("assignee={}", d.grace).leak()).await, vec![1]);
        assert_eq!(count("requester=A@X.example").await, vec![3, 1]);
        assert_eq!(count("tag=refund").await, vec![3, 1]);
        assert_eq!(count("tag=no-such-tag").await, Vec::<i64>::new());
        assert_eq!(count("help_topic=999").await, Vec::<i64>::new());
        assert_eq!(count("updated_after=2000-01-01T00:00:00Z&updated_before=2100-01-01T00:00:00Z").await.len(), 4);
        assert_eq!(count("updated_after=2100-01-01T00:00:00Z").await.len(), 0);
        ts.get(Some(&d.key), "/api/v1/helpdesk/tickets?status=lost").await.assert_error(400, "invalid_parameter");
        ts.get(Some(&d.key), "/api/v1/helpdesk/tickets?sort=priority").await.assert_error(400, "invalid_parameter");

        // paging in updated order, and a cursor is bound to its sort
        let mut seen = vec![];
        let mut path = "/api/v1/helpdesk/tickets?sort=updated_at&limit=3".to_owned();
        loop {
            let r = ts.get(Some(&d.key), &path).await;
            seen.extend(r.body["data"].as_array().unwrap().iter().map(|t| t["number"].as_i64().unwrap()));
            match r.body["next_cursor"].as_str() {
                Some(c) => {
                    ts.get(Some(&d.key), &format!("/api/v1/helpdesk/tickets?cursor={c}")).await.assert_error(400, "invalid_cursor");
                    path = format!("/api/v1/helpdesk/tickets?sort=updated_at&limit=3&cursor={c}");
                }
                None => break,
            }
        }
        assert_eq!(seen.len(), 4);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 4);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_change_only_what_is_sent_and_are_audited() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        create(&ts, &d, json!({"subject": "Old", "body": "b", "requester_email": "a@x.example", "tags": ["refund"], "queue_id": d.billing})).await;
        let c = ts.client(&d.key);
        let t = c
            .update_helpdesk_ticket()
            .ref_("HD-000001")
            .body(types::TicketUpdate::builder().subject(Some("New".try_into().unwrap())).assignee_id(Some(d.alan)).priority(Some(types::TicketPriority::Urgent)))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((t.subject.as_str(), t.assignee_id, t.priority), ("New", Some(d.alan), types::TicketPriority::Urgent));
        assert_eq!((t.queue_id, t.tags.clone()), (Some(d.billing), vec!["refund".to_string()]), "left out, kept");
        let t = c
            .update_helpdesk_ticket()
            .ref_("1")
            .body(types::TicketUpdate::builder().tags(Some(vec!["vip".into(), "urgent".into()])).clear(vec![types::TicketUpdateClearItem::QueueId]))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((t.queue_id, t.tags), (None, vec!["urgent".to_string(), "vip".to_string()]));
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1", &json!({"assignee_id": 999999}), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "assignee_id");
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/7", &json!({"subject": "x"}), None).await.assert_error(404, "ticket_not_found");
        let before = ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/1").await;
        let same = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1", &json!({}), None).await;
        assert_eq!(same.body["data"], before.body["data"], "an empty update changes nothing");

        let audit = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?event_key=ticket.updated").await;
        assert_eq!(audit.body["total_count"], 2);
        let last = &audit.body["data"][0];
        assert_eq!(last["before"]["tags"], json!(["refund"]));
        assert_eq!(last["after"]["tags"], json!(["urgent", "vip"]));
        assert_eq!(last["before"]["queue_id"], d.billing);
        assert_eq!(last["after"]["queue_id"], Value::Null);

        // deleting a tag removes it from every ticket, in one transaction
        let vip = ts.get(Some(&d.key), "/api/v1/helpdesk/tags?limit=100").await.body["data"]
            .as_array().unwrap().iter().find(|t| t["slug"] == "vip").unwrap()["id"].as_i64().unwrap();
        assert_eq!(ts.post(Some(&d.key), &format!("/api/v1/helpdesk/tags/{vip}/delete"), &json!({}), None).await.status, 200);
        let t = ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/1").await;
        assert_eq!(t.body["data"]["tags"], json!(["urgent"]));
        let gone = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?event_key=tag.deleted").await;
        assert_eq!(gone.body["data"][0]["before"]["detached_from_tickets"], 1);
    }
}

const ALL: [&str; 5] = ["open", "pending", "on_hold", "solved", "closed"];

fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("open", "pending" | "on_hold" | "solved")
            | ("pending", "open" | "on_hold" | "solved")
            | ("on_hold", "open" | "pending" | "solved")
            | ("solved", "open" | "closed")
    )
}

/// The path of statuses that brings a fresh ticket to `status`.
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "open" => &[],
        "pending" => &["pending"],
        "on_hold" => &["on_hold"],
        "solved" => &["solved"],
        _ => &["solved", "closed"],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_status_transition_is_enforced() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        for from in ALL {
            for to in ALL {
                let t = create(&ts, &d, json!({"subject": format!("{from}->{to}"), "body": "b", "requester_email": "a@x.example"})).await;
                let n = t.body["data"]["number"].as_i64().unwrap();
                for step in path_to(from) {
                    let r = ts.post(Some(&d.key), &format!("/api/v1/helpdesk/tickets/{n}/status"), &json!({"status": step}), None).await;
                    assert_eq!(r.status, 200, "{}", r.text);
                }
                let r = ts.post(Some(&d.key), &format!("/api/v1/helpdesk/tickets/{n}/status"), &json!({"status": to, "agent_id": d.grace}), None).await;
                if allowed(from, to) {
                    assert_eq!(r.status, 200, "{from} -> {to}: {}", r.text);
                    assert_eq!(r.body["data"]["status"], to);
                } else {
                    r.assert_error(422, "validation_failed");
                    assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "status", "{from} -> {to}");
                }
            }
        }
        let audit = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?event_key=ticket.status_changed&actor_kind=agent&limit=200").await;
        let allowed_count = ALL.iter().flat_map(|f| ALL.iter().map(move |t| (*f, *t))).filter(|(f, t)| allowed(f, t)).count();
        assert_eq!(audit.body["total_count"], allowed_count as i64, "one audit entry per transition made by the agent");
        assert_eq!(audit.body["data"][0]["actor_id"], d.grace);
        let everything = ts.get(Some(&d.key), "/api/v1/helpdesk/audit").await;
        assert!(everything.body["total_count"].as_i64().unwrap() > 50);
        assert_eq!(everything.body["data"].as_array().unwrap().len(), 50, "the audit log pages by 50 unless asked");
        let big = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?limit=200").await;
        assert!(big.body["data"].as_array().unwrap().len() > 50, "up to 200 a page");
        ts.get(Some(&d.key), "/api/v1/helpdesk/audit?limit=201").await.assert_error(400, "invalid_parameter");
        ts.get(Some(&d.key), "/api/v1/helpdesk/audit?actor_kind=robot").await.assert_error(400, "invalid_parameter");
        let events = ts.get(Some(&d.key), "/api/v1/events?type=helpdesk.ticket.status_changed&limit=1").await;
        assert!(events.body["data"][0]["data"]["to"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_agents_solving_at_once_make_one_transition() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        for round in 0..3 {
            let t = create(&ts, &d, json!({"subject": format!("race {round}"), "body": "b", "requester_email": "a@x.example"})).await;
            let n = t.body["data"]["number"].as_i64().unwrap();
            let mut tasks = vec![];
            for agent in [d.grace, d.alan, d.grace, d.alan] {
                let (http, url, key) = (ts.http.clone(), ts.url(&format!("/api/v1/helpdesk/tickets/{n}/status")), d.key.clone());
                tasks.push(tokio::spawn(async move {
                    Reply::from(http.post(url).bearer_auth(key).json(&json!({"status": "solved", "agent_id": agent})).send().await.unwrap()).await
                }));
            }
            let mut ok = 0;
            for task in tasks {
                let r = task.await.unwrap();
                match r.status {
                    200 => ok += 1,
                    422 => assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "status"),
                    other => panic!("{other}: {}", r.text),
                }
            }
            assert_eq!(ok, 1, "exactly one transition");
        }
        let audit = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?event_key=ticket.status_changed").await;
        assert_eq!(audit.body["total_count"], 3, "one audit event per ticket");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_keep_their_order_and_internal_notes_stay_internal() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        create(&ts, &d, json!({"subject": "Thread", "body": "first", "requester_email": "a@x.example"})).await;
        let reply = |body: Value| {
            let (ts, key) = (&ts, d.key.clone());
            async move { ts.post(Some(&key), "/api/v1/helpdesk/tickets/HD-000001/reply", &body, None).await }
        };
        let r = reply(json!({"body": "On it", "agent_id": d.grace})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!((r.body["data"]["seq"].as_i64(), r.body["data"]["author_kind"].as_str()), (Some(2), Some("agent")));
        let note = reply(json!({"body": "Card flagged", "internal": true, "agent_id": d.alan})).await;
        assert_eq!(note.body["data"]["internal"], true);
        for (body, field) in [
            (json!({"body": "x", "internal": true, "author": "requester"}), "internal"),
            (json!({"body": "x", "agent_id": 999999}), "agent_id"),
            (json!({"body": "x", "author": "requester", "agent_id": d.grace}), "agent_id"),
            (json!({"body": ""}), "body"),
        ] {
            let r = reply(body.clone()).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], field, "{body}");
        }
        // a reply naming no agent is the API key's own
        let own = reply(json!({"body": "From the integration"})).await;
        assert_eq!((own.status, own.body["data"]["author_kind"].as_str(), own.body["data"]["author_agent_id"].is_null()), (201, Some("agent"), true), "{}", own.text);
        // idempotent replies
        let k = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "once", "agent_id": d.grace}), Some("reply-1")).await;
        let k2 = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "once", "agent_id": d.grace}), Some("reply-1")).await;
        assert_eq!(k2.header("idempotency-replayed"), Some("true"));
        assert_eq!(k.body["data"]["id"], k2.body["data"]["id"]);

        // concurrent replies: contiguous, unique seq
        let mut tasks = vec![];
        for i in 0..12 {
            let (http, url, key, grace) = (ts.http.clone(), ts.url("/api/v1/helpdesk/tickets/1/reply"), d.key.clone(), d.grace);
            tasks.push(tokio::spawn(async move {
                let body = if i % 2 == 0 { json!({"body": format!("r{i}"), "agent_id": grace}) } else { json!({"body": format!("r{i}"), "author": "requester"}) };
                Reply::from(http.post(url).bearer_auth(key).json(&body).send().await.unwrap()).await
            }));
        }
        for t in tasks {
            let r = t.await.unwrap();
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let c = ts.client(&d.key);
        let thread = c.list_helpdesk_ticket_messages().ref_("1").limit(std::num::NonZeroU64::new(100).unwrap()).send().await.unwrap().into_inner();
        let seqs: Vec<i64> = thread.data.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (1..=17).collect::<Vec<_>>(), "oldest first, no gaps, no repeats");
        assert_eq!(thread.data[0].author_kind, types::MessageAuthorKind::Requester);
        assert_eq!(ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/1").await.body["data"]["message_count"], 17);

        // a read-only key sees the public thread only
        let reader = ts.key(d.tenant, &["helpdesk:read"]).await;
        let public = ts.client(&reader).list_helpdesk_ticket_messages().ref_("1").limit(std::num::NonZeroU64::new(100).unwrap()).send().await.unwrap().into_inner();
        assert_eq!(public.total_count, 16);
        assert!(public.data.iter().all(|m| !m.internal));
        // paging the thread
        let page = ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/1/messages?limit=5").await;
        let next = ts.get(Some(&d.key), &format!("/api/v1/helpdesk/tickets/1/messages?limit=5&cursor={}", page.body["next_cursor"].as_str().unwrap())).await;
        assert_eq!(next.body["data"][0]["seq"], 6);

        let events = ts.get(Some(&d.key), "/api/v1/events?type=helpdesk.ticket.replied").await;
        assert_eq!(events.body["total_count"], 16);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requester_reply_reopens_and_closed_tickets_take_no_replies() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        create(&ts, &d, json!({"subject": "s", "body": "b", "requester_email": "a@x.example"})).await;
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/status", &json!({"status": "solved"}), None).await;
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "still broken", "author": "requester"}), None).await;
        assert_eq!(ts.get(Some(&d.key), "/api/v1/helpdesk/tickets/1").await.body["data"]["status"], "open");
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/status", &json!({"status": "solved"}), None).await;
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/status", &json!({"status": "closed"}), None).await;
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "hello?", "author": "requester"}), None).await;
        r.assert_error(422, "validation_failed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn queues_agents_and_help_topics() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        for status in ["open", "pending", "pending"] {
            let t = create(&ts, &d, json!({"subject": "s", "body": "b", "requester_email": "a@x.example", "queue_id": d.support})).await;
            if status == "pending" {
                let n = t.body["data"]["number"].as_i64().unwrap();
                ts.post(Some(&d.key), &format!("/api/v1/helpdesk/tickets/{n}/status"), &json!({"status": "pending"}), None).await;
            }
        }
        let c = ts.client(&d.key);
        let queues = c.list_helpdesk_queues().send().await.unwrap().into_inner();
        assert_eq!(queues.data.iter().map(|q| q.slug.as_str()).collect::<Vec<_>>(), vec!["billing", "support"], "name order");
        let support = c.get_helpdesk_queue().id(d.support).send().await.unwrap().into_inner().data;
        assert_eq!((support.ticket_counts.open, support.ticket_counts.pending, support.ticket_counts.solved), (1, 2, 0));
        assert_eq!(queues.data[1].ticket_counts.pending, 2);
        ts.get(Some(&d.key), "/api/v1/helpdesk/queues/999999").await.assert_error(404, "queue_not_found");

        let agents = c.list_helpdesk_agents().send().await.unwrap().into_inner();
        assert_eq!(agents.data.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), vec!["Alan", "Grace"]);
        let billing_agents = c.list_helpdesk_agents().queue(d.billing).send().await.unwrap().into_inner();
        assert_eq!(billing_agents.data.iter().map(|a| a.id).collect::<Vec<_>>(), vec![d.grace]);
        let busy = c.list_helpdesk_agents().availability(types::AgentAvailability::Busy).send().await.unwrap().into_inner();
        assert_eq!(busy.data.iter().map(|a| a.id).collect::<Vec<_>>(), vec![d.alan]);
        let grace = c.get_helpdesk_agent().id(d.grace).send().await.unwrap().into_inner().data;
        assert_eq!(grace.queue_ids, {
            let mut v = vec![d.billing, d.support];
            v.sort();
            v
        });
        ts.get(Some(&d.key), "/api/v1/helpdesk/agents/999999").await.assert_error(404, "agent_not_found");

        let topics = c.list_helpdesk_help_topics().send().await.unwrap().into_inner();
        assert_eq!(topics.data.len(), 1);
        let t = &topics.data[0];
        assert_eq!((t.slug.as_str(), t.queue_id), ("orders", Some(d.billing)));
        assert_eq!(t.fields[0].key, "order_number");
        assert!(t.fields[0].required);
        assert_eq!(t.fields[1].options, vec!["web", "app"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_helpdesk_operation_names_the_scope_it_needs() {
    let ts = TestServer::start(&common::Backend::Sqlite).await;
    let d = desk(&ts, "acme").await;
    create(&ts, &d, json!({"subject": "s", "body": "b", "requester_email": "a@x.example"})).await;
    create(&ts, &d, json!({"subject": "s2", "body": "b", "requester_email": "a@x.example"})).await;
    let canned = ts.post(Some(&d.key), "/api/v1/helpdesk/canned-responses", &json!({"slug": "c", "title": "C", "body_md": "x"}), None).await;
    let canned = canned.body["data"]["id"].as_i64().unwrap();
    let unrelated = ts.key(d.tenant, &["users:read"]).await;
    let reader = ts.key(d.tenant, &["helpdesk:read"]).await;
    let writer = ts.key(d.tenant, &["helpdesk:write"]).await;
    let gets = [
        ("/api/v1/helpdesk/tickets", "helpdesk:read"),
        ("/api/v1/helpdesk/tickets/1", "helpdesk:read"),
        ("/api/v1/helpdesk/tickets/1/messages", "helpdesk:read"),
        ("/api/v1/helpdesk/queues", "helpdesk:read"),
        (&*format!("/api/v1/helpdesk/queues/{}", d.billing).leak(), "helpdesk:read"),
        ("/api/v1/helpdesk/agents", "helpdesk:read"),
        (&*format!("/api/v1/helpdesk/agents/{}", d.grace).leak(), "helpdesk:read"),
        ("/api/v1/helpdesk/help-topics", "helpdesk:read"),
        ("/api/v1/helpdesk/tags", "helpdesk:read"),
        ("/api/v1/helpdesk/audit", "helpdesk:admin"),
        ("/api/v1/helpdesk/canned-responses", "helpdesk:read"),
        (&*format!("/api/v1/helpdesk/canned-responses/{canned}").leak(), "helpdesk:read"),
        (&*format!("/api/v1/helpdesk/canned-responses/{canned}/render?ticket=1").leak(), "helpdesk:read"),
        ("/api/v1/helpdesk/notification-prefs?scope=tenant_default", "helpdesk:read"),
    ];
    for (path, scope) in gets {
        let r = ts.get(Some(&unrelated), path).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], scope, "{path}");
        let with = if scope == "helpdesk:admin" { ts.key(d.tenant, &["helpdesk:admin"]).await } else { reader.clone() };
        assert_eq!(ts.get(Some(&with), path).await.status, 200, "{path}");
    }
    ts.get(Some(&writer), "/api/v1/helpdesk/audit").await.assert_error(403, "insufficient_scope");
    let posts = [
        ("/api/v1/helpdesk/tickets", json!({"subject": "s", "body": "b", "requester_email": "a@x.example"})),
        ("/api/v1/helpdesk/tickets/1", json!({"subject": "t"})),
        ("/api/v1/helpdesk/tickets/1/reply", json!({"body": "r", "agent_id": d.grace})),
        ("/api/v1/helpdesk/tickets/1/status", json!({"status": "pending"})),
        ("/api/v1/helpdesk/tickets/2/merge", json!({"into": "1"})),
        ("/api/v1/helpdesk/canned-responses", json!({"slug": "d", "title": "D", "body_md": "x"})),
        (&*format!("/api/v1/helpdesk/canned-responses/{canned}").leak(), json!({"title": "C2"})),
        (&*format!("/api/v1/helpdesk/canned-responses/{canned}/delete").leak(), json!({})),
    ];
    for (path, body) in posts {
        let r = ts.post(Some(&reader), path, &body, None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "helpdesk:write", "{path}");
        let ok = ts.post(Some(&writer), path, &body, None).await;
        assert!(ok.status == 200 || ok.status == 201, "{path}: {}", ok.text);
    }
    let prefs = json!({"scope": "tenant_default", "event_key": "ticket.created", "channel": "email", "enabled": true});
    let r = ts.post(Some(&writer), "/api/v1/helpdesk/notification-prefs", &prefs, None).await;
    assert_eq!(r.body["error"]["extra"]["required_scope"], "helpdesk:admin");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_tenant_reaches_another_tenants_helpdesk() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let a = desk(&ts, "acme").await;
        let b = desk(&ts, "beta").await;
        create(&ts, &a, json!({"subject": "secret", "body": "b", "requester_email": "a@x.example"})).await;
        for path in ["/api/v1/helpdesk/tickets/1", "/api/v1/helpdesk/tickets/HD-000001/messages"] {
            ts.get(Some(&b.key), path).await.assert_error(404, "ticket_not_found");
        }
        ts.post(Some(&b.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "x", "agent_id": b.grace}), None).await.assert_error(404, "ticket_not_found");
        ts.post(Some(&b.key), "/api/v1/helpdesk/tickets/1/status", &json!({"status": "solved"}), None).await.assert_error(404, "ticket_not_found");
        ts.post(Some(&b.key), "/api/v1/helpdesk/tickets/1", &json!({"subject": "mine"}), None).await.assert_error(404, "ticket_not_found");
        ts.get(Some(&b.key), &format!("/api/v1/helpdesk/queues/{}", a.billing)).await.assert_error(404, "queue_not_found");
        ts.get(Some(&b.key), &format!("/api/v1/helpdesk/agents/{}", a.grace)).await.assert_error(404, "agent_not_found");
        let list = ts.get(Some(&b.key), "/api/v1/helpdesk/tickets").await;
        assert_eq!(list.body["total_count"], 0);
        let audit = ts.get(Some(&b.key), "/api/v1/helpdesk/audit?event_key=ticket.created").await;
        assert_eq!(audit.body["total_count"], 0);
        // B's ticket cannot borrow A's agent, queue, topic or user
        create(&ts, &b, json!({"subject": "s", "body": "b", "requester_email": "a@x.example"})).await;
        for (body, field) in [
            (json!({"assignee_id": a.grace}), "assignee_id"),
            (json!({"queue_id": a.support}), "queue_id"),
            (json!({"help_topic_id": a.topic}), "help_topic_id"),
        ] {
            let r = ts.post(Some(&b.key), "/api/v1/helpdesk/tickets/1", &body, None).await;
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], field);
        }
        let r = create(&ts, &b, json!({"subject": "s", "body": "b", "requester_user_id": a.user})).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "requester_user_id");
        let _ = a.alan;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn canned_responses_crud_and_render() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        create(&ts, &d, json!({"subject": "Refund?", "body": "b", "requester_user_id": d.user, "queue_id": d.billing})).await;
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1", &json!({"assignee_id": d.grace}), None).await;
        let c = ts.client(&d.key);
        // the page's example body
        let created = c
            .create_helpdesk_canned_response()
            .body(types::CannedResponseCreate::builder()
                .slug("refund-policy")
                .title("Refund policy")
                .body_md("Hi {{requester.first_name}},\n\nOur refund policy is 14 days. {{ticket.reference}} is within that window.\n\n— {{agent.first_name}}, {{queue.name}}")
                .queue_id(None)
                .is_active(true)
                .sort_order(100))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let canned = created.into_inner().data;
        assert_eq!((canned.is_active, canned.sort_order, canned.queue_id), (true, 100, None));
        let rendered = c.render_helpdesk_canned_response().id(canned.id).ticket("HD-000001").send().await.unwrap().into_inner().data;
        assert_eq!(rendered.body, "Hi Ada,\n\nOur refund policy is 14 days. HD-000001 is within that window.\n\n— Grace, Billing");
        assert_eq!(rendered.placeholders, vec!["requester.first_name", "ticket.reference", "agent.first_name", "queue.name"]);
        let as_alan = ts.get(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{}/render?ticket=1&agent_id={}", canned.id, d.alan)).await;
        assert!(as_alan.body["data"]["body"].as_str().unwrap().contains("— Alan, Billing"));
        ts.get(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{}/render?ticket=HD-000099", canned.id)).await.assert_error(404, "ticket_not_found");
        ts.get(Some(&d.key), "/api/v1/helpdesk/canned-responses/999999/render?ticket=1").await.assert_error(404, "canned_response_not_found");
        ts.get(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{}/render", canned.id)).await.assert_error(400, "invalid_parameter");

        // an unknown placeholder is a 422 naming it
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/canned-responses", &json!({"slug": "bad", "title": "Bad", "body_md": "Hi {{requester.nickname}}"}), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "body_md");
        assert!(r.body["error"]["extra"]["fields"][0]["problem"].as_str().unwrap().contains("requester.nickname"));
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/canned-responses", &json!({"slug": "refund-policy", "title": "Again", "body_md": "x"}), None).await;
        r.assert_error(409, "conflict");
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/canned-responses", &json!({"slug": "q", "title": "Q", "body_md": "x", "queue_id": 999999}), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "queue_id");

        let second = ts.post(Some(&d.key), "/api/v1/helpdesk/canned-responses", &json!({"slug": "thanks", "title": "Thanks", "body_md": "Thanks!", "sort_order": 10, "queue_id": d.support}), None).await;
        let second_id = second.body["data"]["id"].as_i64().unwrap();
        let list = c.list_helpdesk_canned_responses().send().await.unwrap().into_inner();
        assert_eq!(list.data.iter().map(|x| x.slug.as_str()).collect::<Vec<_>>(), vec!["thanks", "refund-policy"], "sort_order first");
        let by_queue = c.list_helpdesk_canned_responses().queue(d.support).send().await.unwrap().into_inner();
        assert_eq!(by_queue.total_count, 1);

        let upd = ts.post(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{second_id}"), &json!({"is_active": false, "clear": ["queue_id"]}), None).await;
        assert_eq!((upd.body["data"]["is_active"].as_bool(), upd.body["data"]["queue_id"].is_null(), upd.body["data"]["title"].as_str()), (Some(false), true, Some("Thanks")));
        let active = c.list_helpdesk_canned_responses().is_active(true).send().await.unwrap().into_inner();
        assert_eq!(active.total_count, 1);
        let r = ts.post(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{second_id}"), &json!({"body_md": "{{nope}}"}), None).await;
        r.assert_error(422, "validation_failed");
        let del = ts.post(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{second_id}/delete"), &json!({}), None).await;
        assert_eq!(del.body["data"], json!({"id": second_id, "object": "helpdesk_canned_response", "deleted": true}));
        ts.get(Some(&d.key), &format!("/api/v1/helpdesk/canned-responses/{second_id}")).await.assert_error(404, "canned_response_not_found");
        let audit = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?limit=200").await;
        let keys: Vec<&str> = audit.body["data"].as_array().unwrap().iter().map(|a| a["event_key"].as_str().unwrap()).collect();
        for k in ["canned_response.created", "canned_response.updated", "canned_response.deleted"] {
            assert!(keys.contains(&k), "{k} audited: {keys:?}");
        }
        // another tenant cannot see or render it
        let other = desk(&ts, "beta").await;
        ts.get(Some(&other.key), &format!("/api/v1/helpdesk/canned-responses/{}", canned.id)).await.assert_error(404, "canned_response_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_preferences_resolve_to_the_closest_setting() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        let admin = ts.key(d.tenant, &["helpdesk:admin"]).await;
        let c = ts.client(&admin);
        let defaults = c.get_helpdesk_notification_prefs().scope(types::NotificationScope::TenantDefault).scope_id(0).send().await.unwrap().into_inner();
        assert_eq!(defaults.data.len(), 8);
        assert!(defaults.data.iter().all(|p| p.enabled && p.source == types::NotificationPrefSource::BuiltIn));

        let set = |body: Value| {
            let (ts, key) = (&ts, admin.clone());
            async move { ts.post(Some(&key), "/api/v1/helpdesk/notification-prefs", &body, None).await }
        };
        let r = set(json!({"scope": "tenant_default", "scope_id": 0, "event_key": "ticket.created", "channel": "email", "enabled": false})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let pick = |r: &Reply, k: &str, ch: &str| r.body["data"].as_array().unwrap().iter().find(|p| p["event_key"] == k && p["channel"] == ch).unwrap().clone();
        assert_eq!(pick(&r, "ticket.created", "email"), json!({"event_key": "ticket.created", "channel": "email", "enabled": false, "source": "tenant_default"}));
        let agent_view = ts.get(Some(&d.key), &format!("/api/v1/helpdesk/notification-prefs?scope=agent&scope_id={}", d.grace)).await;
        assert_eq!(pick(&agent_view, "ticket.created", "email")["source"], "tenant_default", "inherited");
        let r = set(json!({"scope": "agent", "scope_id": d.grace, "event_key": "ticket.created", "channel": "email", "enabled": true})).await;
        assert_eq!(pick(&r, "ticket.created", "email"), json!({"event_key": "ticket.created", "channel": "email", "enabled": true, "source": "agent"}));
        let r = set(json!({"scope": "agent", "scope_id": d.grace, "event_key": "ticket.created", "channel": "email", "enabled": false})).await;
        assert_eq!(pick(&r, "ticket.created", "email")["enabled"], false, "set again: updated, not duplicated");
        let requester = ts.get(Some(&d.key), &format!("/api/v1/helpdesk/notification-prefs?scope=requester&scope_id={}", d.user)).await;
        assert_eq!(pick(&requester, "ticket.created", "email")["source"], "tenant_default");
        assert_eq!(pick(&requester, "ticket.replied", "in_app")["source"], "built_in");

        ts.get(Some(&d.key), "/api/v1/helpdesk/notification-prefs?scope=agent&scope_id=999999").await.assert_error(404, "agent_not_found");
        ts.get(Some(&d.key), "/api/v1/helpdesk/notification-prefs?scope=requester&scope_id=999999").await.assert_error(404, "user_not_found");
        ts.get(Some(&d.key), "/api/v1/helpdesk/notification-prefs").await.assert_error(400, "invalid_parameter");
        ts.get(Some(&d.key), "/api/v1/helpdesk/notification-prefs?scope=tenant_default&scope_id=5").await.assert_error(400, "invalid_parameter");
        let r = set(json!({"scope": "agent", "scope_id": d.grace, "event_key": "ticket.exploded", "channel": "email", "enabled": true})).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "event_key");
        // setting takes helpdesk:admin
        let r = ts.post(Some(&ts.key(d.tenant, &["helpdesk:write"]).await), "/api/v1/helpdesk/notification-prefs",
            &json!({"scope": "tenant_default", "event_key": "ticket.created", "channel": "email", "enabled": true}), None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "helpdesk:admin");
        let audit = ts.get(Some(&admin), "/api/v1/helpdesk/audit?event_key=notification_pref.set").await;
        assert_eq!(audit.body["total_count"], 3);
        // another tenant's defaults are its own
        let other = desk(&ts, "beta").await;
        let theirs = ts.get(Some(&other.key), "/api/v1/helpdesk/notification-prefs?scope=tenant_default").await;
        assert_eq!(pick(&theirs, "ticket.created", "email")["source"], "built_in");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn merging_moves_the_thread_and_closes_the_source() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        create(&ts, &d, json!({"subject": "Target", "body": "t1", "requester_email": "a@x.example", "tags": ["refund"]})).await;
        create(&ts, &d, json!({"subject": "Source", "body": "s1", "requester_email": "a@x.example", "tags": ["vip", "refund"]})).await;
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "t2", "agent_id": d.grace}), None).await;
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/2/reply", &json!({"body": "s2", "author": "requester"}), None).await;
        let c = ts.client(&d.key);
        let merged = c.merge_helpdesk_ticket().ref_("HD-000002").body(types::TicketMerge::builder().into("HD-000001")).send().await.unwrap().into_inner().data;
        assert_eq!(merged.number, 1);
        assert_eq!(merged.tags, vec!["refund", "vip"]);
        assert_eq!(merged.message_count, 5);
        let thread = c.list_helpdesk_ticket_messages().ref_("1").send().await.unwrap().into_inner().data;
        let bodies: Vec<&str> = thread.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(&bodies[..4], ["t1", "t2", "s1", "s2"]);
        assert_eq!(thread[4].author_kind, types::MessageAuthorKind::System);
        assert_eq!(thread.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        let source = c.get_helpdesk_ticket().ref_("2").send().await.unwrap().into_inner().data;
        assert_eq!((source.status, source.merged_into_id, source.message_count), (types::TicketStatus::Closed, Some(merged.id), 0));

        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/merge", &json!({"into": "1"}), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "into");
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/merge", &json!({"into": "HD-000002"}), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "into", "closed target");
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/merge", &json!({"into": "77"}), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "into");
        ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/9/merge", &json!({"into": "1"}), None).await.assert_error(404, "ticket_not_found");
        let audit = ts.get(Some(&d.key), "/api/v1/helpdesk/audit?event_key=ticket.merged").await;
        assert_eq!(audit.body["total_count"], 2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_seeds_a_working_helpdesk() {
    let ts = TestServer::start(&common::Backend::Sqlite).await;
    let seed = mobieus_server::demo::seed_demo(ts.db(), ts.secrets()).await.unwrap();
    let get = |p: &'static str| {
        let (ts, key) = (&ts, seed.key.clone());
        async move { ts.get(Some(&key), p).await }
    };
    assert_eq!(get("/api/v1/helpdesk/queues").await.body["total_count"], 2);
    assert_eq!(get("/api/v1/helpdesk/agents").await.body["total_count"], 3);
    assert_eq!(get("/api/v1/helpdesk/help-topics").await.body["total_count"], 2);
    let tickets = get("/api/v1/helpdesk/tickets").await;
    assert_eq!(tickets.body["total_count"], 6);
    assert_eq!(get("/api/v1/helpdesk/tickets?status=solved").await.body["total_count"], 2);
    let thread = get("/api/v1/helpdesk/tickets/1/messages").await;
    assert_eq!(thread.body["total_count"], 4, "request, reply, internal note and the receipt");
    assert_eq!(thread.body["data"][3]["attachments"][0]["name"], "receipt-A-1000.txt");
    assert!(get("/api/v1/helpdesk/audit").await.body["total_count"].as_i64().unwrap() > 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_carry_attachments_of_the_tenants_files() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let d = desk(&ts, "acme").await;
        let other = desk(&ts, "beta").await;
        use mobieus_server::store::files::file_create;
        let pdf = file_create(ts.db(), d.tenant, Some(d.user), "receipt.pdf", "application/pdf", b"%PDF-1.4 fake").await.unwrap();
        let png = file_create(ts.db(), d.tenant, None, "shot.png", "image/png", &[137, 80, 78, 71]).await.unwrap();
        let foreign = file_create(ts.db(), other.tenant, None, "theirs.txt", "text/plain", b"x").await.unwrap();
        create(&ts, &d, json!({"subject": "s", "body": "b", "requester_email": "a@x.example"})).await;
        let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "see attached", "author": "requester", "attachment_file_ids": [png.id, pdf.id]}), None).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["data"]["attachments"], json!([
            {"file_id": png.id, "name": "shot.png", "content_type": "image/png", "size_bytes": 4},
            {"file_id": pdf.id, "name": "receipt.pdf", "content_type": "application/pdf", "size_bytes": 13},
        ]));
        for (ids, field) in [(json!([foreign.id]), "attachment_file_ids[0]"), (json!([pdf.id, 999999]), "attachment_file_ids[1]"), (json!([pdf.id, pdf.id]), "attachment_file_ids[1]")] {
            let r = ts.post(Some(&d.key), "/api/v1/helpdesk/tickets/1/reply", &json!({"body": "x", "agent_id": d.grace, "attachment_file_ids": ids}), None).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], field);
        }
        let thread = ts.client(&d.key).list_helpdesk_ticket_messages().ref_("1").send().await.unwrap().into_inner().data;
        assert!(thread[0].attachments.is_empty());
        assert_eq!(thread[1].attachments.iter().map(|a| a.file_id).collect::<Vec<_>>(), vec![png.id, pdf.id]);
        assert_eq!(thread.len(), 2, "refused replies wrote nothing");
    }
}
