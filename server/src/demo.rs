//! Seeds a demo tenant with realistic data and mints an all-scope key.

use serde::Serialize;

use crate::db::{Db, StoreError};
use crate::scopes;
use crate::store::api_keys::{key_create, NewKey};
use crate::store::posts::post_create;
use crate::store::tags::tag_create;
use crate::store::tenants::{tenant_by_slug, tenant_create};
use crate::store::files::file_create;
use crate::store::helpdesk_agents::agent_create;
use crate::store::helpdesk_audit::Actor;
use crate::store::helpdesk_queues::queue_create;
use crate::store::helpdesk_tickets::{ticket_create, ticket_reply, ticket_set_status, NewReply, NewTicket};
use crate::store::helpdesk_topics::{topic_create, FieldDefinition};
use crate::store::users::{user_create, NewUser};

pub const DEMO_SLUG: &str = "demo";

#[derive(Debug, Serialize)]
pub struct DemoSeed {
    pub tenant: String,
    pub tenant_id: i64,
    pub key_id: i64,
    pub key: String,
    /// False when the tenant already existed (only a fresh key was minted).
    pub seeded: bool,
}

const FIRST: [&str; 12] = ["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger", "Radia"];
const LAST: [&str; 8] = ["Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov"];
const TOPICS: [&str; 10] = [
    "Notes from the June meetup", "How we moderate the marketplace", "Welcome, new members",
    "Show and tell: home automation", "Release notes for the mobile app", "Ask me anything: API keys",
    "Weekly digest", "Tips for first-time sellers", "Accessibility audit results", "Roadmap for the autumn",
];
const TAGS: [(&str, &str, &str); 6] = [
    ("refund", "Refund", "#dc2626"),
    ("billing", "Billing", "#2563eb"),
    ("bug", "Bug", "#9333ea"),
    ("feature-request", "Feature request", "#16a34a"),
    ("account", "Account", "#ea580c"),
    ("urgent", "Urgent", "#be123c"),
];

/// Creates (once) the demo tenant with members, posts and tags, and mints a
/// fresh all-scope key every time.
pub async fn seed_demo(db: &Db) -> Result<DemoSeed, StoreError> {
    let (tenant, seeded) = match tenant_by_slug(db, DEMO_SLUG).await {
        Ok(t) => (t, false),
        Err(StoreError::NotFound) => (tenant_create(db, DEMO_SLUG, "Demo Community", "pro").await?, true),
        Err(e) => return Err(e),
    };
    if seeded {
        let mut user_ids = Vec::new();
        for i in 0..48 {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i) % LAST.len()];
            let username = format!("{}{}", first.to_lowercase(), i + 1);
            let role = match i {
                0 => "admin",
                1..=3 => "moderator",
                _ => "member",
            };
            let user = user_create(
                db,
                tenant.id,
                &NewUser {
                    username: username.clone(),
                    display_name: format!("{first} {last}"),
                    email: Some(format!("{username}@example.org")),
                    role: role.to_owned(),
                },
            )
            .await?;
            user_ids.push(user.id);
        }
        for i in 0..120 {
            let author = user_ids[(i * 7) % user_ids.len()];
            let topic = TOPICS[i % TOPICS.len()];
            post_create(db, tenant.id, author, &format!("{topic} #{}", i / TOPICS.len() + 1), &format!("{topic}: what we learned, what comes next, and how to help."))
                .await?;
        }
        for (slug, name, color) in TAGS {
            tag_create(db, tenant.id, slug, name, color, Actor::system()).await?;
        }
        seed_helpdesk(db, tenant.id, &user_ids).await?;
    }
    let (key, secret) = key_create(
        db,
        &NewKey { tenant_id: tenant.id, name: "demo key".into(), scopes: scopes::all(), per_minute: 600, per_hour: 10_000 },
    )
    .await?;
    Ok(DemoSeed { tenant: tenant.slug, tenant_id: tenant.id, key_id: key.id, key: secret, seeded })
}

/// Queues, agents, help topics and tickets with threads in several states.
async fn seed_helpdesk(db: &Db, tenant: i64, user_ids: &[i64]) -> Result<(), StoreError> {
    let billing = queue_create(db, tenant, "billing", "Billing", "Charges, refunds and invoices").await?;
    let support = queue_create(db, tenant, "support", "Support", "Everything else").await?;
    let agents = [
        agent_create(db, tenant, "Grace Hopper", "grace@support.example", "available", &[billing.id, support.id]).await?,
        agent_create(db, tenant, "Alan Turing", "alan@support.example", "busy", &[support.id]).await?,
        agent_create(db, tenant, "Katherine Johnson", "katherine@support.example", "away", &[billing.id]).await?,
    ];
    let order_fields: Vec<FieldDefinition> = serde_json::from_value(serde_json::json!([
        {"key": "order_number", "label": "Order number", "type": "text", "required": true},
        {"key": "channel", "label": "Where you ordered", "type": "select", "options": ["web", "app", "phone"]}
    ]))
    .expect("literal field definitions");
    let orders = topic_create(db, tenant, "order-problem", "A problem with an order", Some(billing.id), order_fields).await?;
    topic_create(db, tenant, "account-access", "Account access", Some(support.id), vec![]).await?;
    let subjects = [
        ("Charged twice for my June order", "billing", "high"),
        ("Cannot log in after password reset", "account", "urgent"),
        ("Where is my refund?", "refund", "normal"),
        ("Feature idea: dark mode", "feature-request", "low"),
        ("App crashes when uploading a photo", "bug", "high"),
        ("Invoice address is wrong", "billing", "normal"),
    ];
    let receipt = file_create(db, tenant, Some(user_ids[0]), "receipt-A-1000.txt", "text/plain", b"Order A-1000\nTotal: 49.00 EUR\nCharged: twice\n").await?;
    let api = Actor::system();
    for (i, (subject, tag, priority)) in subjects.iter().enumerate() {
        let user = user_ids[(i * 5) % user_ids.len()];
        let mut custom = serde_json::Map::new();
        let topic = if *tag == "billing" || *tag == "refund" {
            custom.insert("order_number".into(), format!("A-{}", 1000 + i).into());
            custom.insert("channel".into(), "web".into());
            Some(orders.id)
        } else {
            None
        };
        let new = NewTicket {
            subject: subject.to_string(),
            body: format!("{subject}. Could you help, please?"),
            requester_user_id: Some(user),
            queue_id: if topic.is_some() { None } else { Some(support.id) },
            priority: Some(priority.to_string()),
            help_topic_id: topic,
            tags: vec![tag.to_string()],
            custom_fields: custom,
            ..Default::default()
        };
        let ticket = ticket_create(db, tenant, &new, api).await?;
        let agent = agents[i % agents.len()].id;
        let reply = NewReply { body: "Thanks for writing in; looking into it now.".into(), internal: false, author: "agent".into(), agent_id: Some(agent), attachment_file_ids: vec![] };
        ticket_reply(db, tenant, ticket.row.number, &reply, Actor::agent(agent)).await?;
        let note = NewReply { body: "Checked the payment provider; see case notes.".into(), internal: true, author: "agent".into(), agent_id: Some(agent), attachment_file_ids: vec![] };
        ticket_reply(db, tenant, ticket.row.number, &note, Actor::agent(agent)).await?;
        if i == 0 {
            let proof = NewReply { body: "Here is my receipt.".into(), internal: false, author: "requester".into(), agent_id: None, attachment_file_ids: vec![receipt.id] };
            ticket_reply(db, tenant, ticket.row.number, &proof, Actor::requester(Some(user))).await?;
        }
        match i % 3 {
            1 => {
                ticket_set_status(db, tenant, ticket.row.number, "pending", Actor::agent(agent)).await?;
            }
            2 => {
                ticket_set_status(db, tenant, ticket.row.number, "solved", Actor::agent(agent)).await?;
            }
            _ => {}
        }
    }
    Ok(())
}
