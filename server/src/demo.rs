//! Seeds a demo tenant with realistic data and mints an all-scope key.

use serde::Serialize;

use crate::db::{Db, StoreError};
use crate::scopes;
use crate::store::api_keys::{key_create, NewKey};
use crate::store::posts::post_create;
use crate::store::tags::tag_create;
use crate::store::tenants::{tenant_by_slug, tenant_create};
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
            tag_create(db, tenant.id, slug, name, color).await?;
        }
    }
    let (key, secret) = key_create(
        db,
        &NewKey { tenant_id: tenant.id, name: "demo key".into(), scopes: scopes::all(), per_minute: 600, per_hour: 10_000 },
    )
    .await?;
    Ok(DemoSeed { tenant: tenant.slug, tenant_id: tenant.id, key_id: key.id, key: secret, seeded })
}
