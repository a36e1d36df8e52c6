//! Seeds a demo tenant with realistic data and mints an all-scope key.

use serde::Serialize;

use crate::db::{Db, StoreError};
use crate::scopes;
use crate::store::api_keys::{key_create, NewKey};
use crate::store::posts::post_create;
use crate::store::helpdesk::tags::tag_create;
use crate::store::tenants::{tenant_by_slug, tenant_create};
use crate::store::files::file_create;
use crate::store::helpdesk::agents::agent_create;
use crate::store::helpdesk::audit::Actor;
use crate::store::helpdesk::queues::queue_create;
use crate::store::helpdesk::tickets::{ticket_create, ticket_reply, ticket_set_status, NewReply, NewTicket};
use crate::store::helpdesk::topics::{topic_create, FieldDefinition};
use crate::store::listings::{listing_create, NewListing};
use crate::store::moderation::moderator;
use crate::store::reports::{report_act, report_create, ActRequest, NewReport, ReportAct};
use crate::store::users::{user_create, NewUser};
use crate::secrets::Keyring;
use crate::store::webhooks::{endpoint_create, endpoint_update, EndpointChanges};

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
/// `secrets` seals the demo webhook endpoint's signing secret.
pub async fn seed_demo(db: &Db, secrets: &Keyring) -> Result<DemoSeed, StoreError> {
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
        let mut post_ids = Vec::new();
        for i in 0..120 {
            let author = user_ids[(i * 7) % user_ids.len()];
            let topic = TOPICS[i % TOPICS.len()];
            let post = post_create(db, tenant.id, author, &format!("{topic} #{}", i / TOPICS.len() + 1), &format!("{topic}: what we learned, what comes next, and how to help."))
                .await?;
            post_ids.push(post.id);
        }
        for (slug, name, color) in TAGS {
            tag_create(db, tenant.id, slug, name, color, Actor::system()).await?;
        }
        seed_helpdesk(db, tenant.id, &user_ids).await?;
        seed_marketplace_and_moderation(db, secrets, tenant.id, &user_ids, &post_ids).await?;
        seed_learn(db, tenant.id, &user_ids).await?;
        seed_know(db, tenant.id).await?;
        seed_scim(db, &tenant.slug, tenant.id, &user_ids).await?;
        seed_ai(db, tenant.id).await?;
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

/// Listings in every status, files of several kinds, reports in every state
/// (some acted on, so the moderation log has entries), and a webhook endpoint
/// left disabled (it has nowhere real to send) with its queued deliveries.
async fn seed_marketplace_and_moderation(db: &Db, secrets: &Keyring, tenant: i64, user_ids: &[i64], post_ids: &[i64]) -> Result<(), StoreError> {
    // the endpoint first, so the events below queue deliveries for it
    let (endpoint, _secret) = endpoint_create(
        db,
        secrets,
        tenant,
        "https://hooks.example.org/mobieus-demo",
        &["report.created".to_owned(), "listing.created".to_owned()],
        Some("Demo endpoint: point it at your receiver and enable it"),
    )
    .await?;
    const ITEMS: [(&str, i64, &str); 8] = [
        ("Road bike, 56 cm", 35_000, "active"),
        ("Camping tent for two", 8_900, "active"),
        ("Film camera with 50 mm lens", 21_000, "sold"),
        ("Standing desk", 15_000, "active"),
        ("Board game bundle", 4_500, "withdrawn"),
        ("Cheap sunglasses, DM me", 500, "active"),
        ("Espresso machine", 12_000, "active"),
        ("Kids' scooter", 2_500, "sold"),
    ];
    let mut listing_ids = Vec::new();
    for (i, (title, price, status)) in ITEMS.iter().enumerate() {
        let listing = listing_create(
            db,
            tenant,
            &NewListing {
                seller_id: user_ids[(i * 3 + 4) % user_ids.len()],
                title: title.to_string(),
                description: format!("{title}. Good condition; pick-up in town."),
                price_cents: *price,
                currency: "EUR".into(),
                status: status.to_string(),
            },
        )
        .await?;
        listing_ids.push(listing.id);
    }
    file_create(db, tenant, Some(user_ids[5]), "meetup-photo.png", "image/png", &demo_png()).await?;
    file_create(db, tenant, Some(user_ids[6]), "community-guidelines.md", "text/markdown", b"# Guidelines\n\nBe kind. No spam. Report what breaks these.\n").await?;
    file_create(db, tenant, None, "export-2026-06.zip", "application/zip", b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0").await?;
    let reports = [
        ("post", post_ids[3], "spam", "Links to a phishing site."),
        ("post", post_ids[3], "scam", "Asks for card details."),
        ("listing", listing_ids[5], "scam", "Asks for payment outside the platform."),
        ("post", post_ids[10], "harassment", "Insults another member in the comments."),
        ("user", user_ids[20], "spam", "Sends the same message to everyone."),
        ("post", post_ids[17], "inappropriate", "Off-topic and rude."),
        ("listing", listing_ids[1], "other", "Looks like a duplicate listing."),
    ];
    let mut report_ids = Vec::new();
    for (i, (kind, target, reason, details)) in reports.iter().enumerate() {
        let r = report_create(
            db,
            tenant,
            &NewReport {
                target_kind: kind.to_string(),
                target_id: *target,
                reporter_id: user_ids[(i * 5 + 7) % user_ids.len()],
                reason: reason.to_string(),
                details: details.to_string(),
            },
        )
        .await?;
        report_ids.push(r.id);
    }
    let actor = moderator(db, tenant, user_ids[1]).await?;
    let act = |act, note: &str, effect: Option<&str>| ActRequest { act, note: Some(note.into()), effect: effect.map(str::to_owned), actor: actor.clone() };
    report_act(db, tenant, report_ids[2], &act(ReportAct::Resolve, "Off-platform payment request; listing hidden.", Some("hide_target"))).await?;
    report_act(db, tenant, report_ids[3], &act(ReportAct::Resolve, "First offence: warned.", Some("warn_author"))).await?;
    report_act(db, tenant, report_ids[6], &act(ReportAct::Dismiss, "Different items; not a duplicate.", None)).await?;
    // disabled last: its deliveries stay queued (and visible) until someone
    // points it at a real receiver and enables it
    endpoint_update(db, tenant, endpoint.id, &EndpointChanges { url: None, event_types: None, description: None, enabled: Some(false) }).await?;
    Ok(())
}

/// mobieusLearn: a certificate template; a published course with two
/// modules, lessons, a video, a reading, a quiz, an assignment, a SCORM
/// package's SCO and a live session held last week (another is upcoming);
/// two enrollments in progress, one completed (with its certificate: the
/// quiz passed by an attempt, the SCO passed, the session attended), and a
/// cohort granted the course.
async fn seed_learn(db: &Db, tenant: i64, user_ids: &[i64]) -> Result<(), StoreError> {
    use serde_json::json;

    use crate::store::learn::activities::{activity_create, NewActivity};
    use crate::store::learn::attempts::{attempt_start, attempt_submit};
    use crate::store::learn::certificates::template_create;
    use crate::store::learn::cohorts::{cohort_add_members, cohort_create, cohort_grant, Grantees};
    use crate::store::learn::courses::{course_create, course_publish};
    use crate::store::learn::enrollments::{activity_mark_done, enrollment_create};
    use crate::store::learn::activities::{Content, Link};
    use crate::store::learn::lessons::lesson_create;
    use crate::store::learn::live_attendance::attendance_record;
    use crate::store::learn::live_sessions::{session_schedule, NewSession};
    use crate::store::learn::scorm_packages::package_create;
    use crate::store::learn::scorm_results::{scorm_result_record, ScormReport};
    use crate::store::learn::modules::module_create;
    use crate::store::learn::quiz::{quiz_build, Answer, QuestionKind, QuestionSpec, QuizSpec};

    let template = template_create(
        db,
        tenant,
        "Course completion",
        "<article><h1>{{course.title}}</h1><p>Awarded to <strong>{{learner.name}}</strong> on {{completion.date}} by {{tenant.name}}.</p><p>Verify: {{certificate.code}}</p></article>",
    )
    .await?;
    let course = course_create(db, tenant, "Community onboarding", Some("Everything a new member needs in the first week."), Some(template.id)).await?;
    let basics = module_create(db, tenant, course.id, "Getting started").await?;
    let further = module_create(db, tenant, course.id, "Taking part").await?;
    let profile = lesson_create(db, tenant, basics.id, "Your profile", Some("How others see you.")).await?;
    let rules = lesson_create(db, tenant, basics.id, "House rules", None).await?;
    let selling = lesson_create(db, tenant, further.id, "Your first listing", None).await?;
    let activity = |kind: &str, title: &str, content: serde_json::Value| NewActivity {
        kind: kind.into(),
        title: title.into(),
        required: true,
        content: Content { shown: content, ..Content::default() },
    };
    let video = activity_create(db, tenant, profile.id, &activity("video", "Welcome", json!({ "url": "https://videos.example.org/welcome.mp4", "duration_seconds": 240 }))).await?;
    let reading = activity_create(db, tenant, rules.id, &activity("reading", "The house rules", json!({ "body": "Be kind. Stay on topic. Report, don't retaliate." }))).await?;
    let spec = QuizSpec {
        pass_mark: 70,
        max_attempts: Some(3),
        questions: vec![
            QuestionSpec {
                kind: QuestionKind::SingleChoice,
                prompt: "Someone breaks a rule. What do you do?".into(),
                points: Some(2),
                options: Some(vec!["Argue with them".into(), "Report the post".into(), "Ignore the community".into()]),
                correct_options: Some(vec![1]),
                correct: None,
                accepted_answers: None,
            },
            QuestionSpec {
                kind: QuestionKind::TrueFalse,
                prompt: "Marketplace listings are moderated.".into(),
                points: None,
                options: None,
                correct_options: None,
                correct: Some(true),
                accepted_answers: None,
            },
        ],
    };
    let (public, key) = quiz_build(&spec, "quiz").map_err(StoreError::Invalid)?;
    let quiz = activity_create(
        db,
        tenant,
        rules.id,
        &NewActivity { content: Content { shown: json!(public), answer_key: Some(json!(key)), link: Link::None }, ..activity("quiz", "Rules check", json!({})) },
    )
    .await?;
    let assignment = activity_create(db, tenant, selling.id, &activity("assignment", "Draft a listing", json!({ "instructions": "Write a title and a price for something you would sell." }))).await?;
    let zip = demo_scorm_package();
    let inspected = crate::scorm::inspect(&zip).map_err(|r| StoreError::invalid(r.field, r.problem))?;
    let package = package_create(db, tenant, &zip, &inspected).await?;
    let sco = inspected.structure.scos[0].identifier.clone();
    let scorm = activity_create(
        db,
        tenant,
        selling.id,
        &NewActivity {
            content: Content { shown: json!({ "package_id": package.package.id, "sco": sco }), answer_key: None, link: Link::Package { id: package.package.id, sco: Some(sco.clone()) } },
            ..activity("scorm", "Pricing, interactively", json!({}))
        },
    )
    .await?;
    let now = chrono::Utc::now();
    let held = session_schedule(db, tenant, &NewSession {
        course_id: course.id,
        title: "Welcome call".into(),
        starts_at: now - chrono::TimeDelta::days(7),
        duration_minutes: 45,
        host_user_id: user_ids[0],
        join_url: "https://meet.example.org/welcome-call".into(),
    })
    .await?;
    session_schedule(db, tenant, &NewSession {
        course_id: course.id,
        title: "Ask the moderators".into(),
        starts_at: now + chrono::TimeDelta::days(7),
        duration_minutes: 60,
        host_user_id: user_ids[1],
        join_url: "https://meet.example.org/ask-the-moderators".into(),
    })
    .await?;
    let live = activity_create(
        db,
        tenant,
        profile.id,
        &NewActivity {
            content: Content { shown: json!({ "session_id": held.session.id }), answer_key: None, link: Link::Session(held.session.id) },
            ..activity("live", "Welcome call", json!({}))
        },
    )
    .await?;
    let _ = live;
    course_publish(db, tenant, course.id).await?;

    // Ada completes (the quiz passed on her second attempt) and gets her certificate
    let ada = enrollment_create(db, tenant, course.id, user_ids[4]).await?;
    for done in [video.id, reading.id, assignment.id] {
        activity_mark_done(db, tenant, ada.id, done).await?;
    }
    let first = attempt_start(db, tenant, ada.id, quiz.id).await?;
    attempt_submit(db, tenant, first.id, &[Answer { question: 1, selected: Some(vec![0]), value: None, text: None }]).await?;
    let second = attempt_start(db, tenant, ada.id, quiz.id).await?;
    attempt_submit(
        db,
        tenant,
        second.id,
        &[Answer { question: 1, selected: Some(vec![1]), value: None, text: None }, Answer { question: 2, selected: None, value: Some(true), text: None }],
    )
    .await?;
    let passed = ScormReport {
        activity_id: scorm.id,
        lesson_status: Some("passed".into()),
        score_raw: Some(88.0),
        score_min: Some(0.0),
        score_max: Some(100.0),
        ..ScormReport::default()
    };
    scorm_result_record(db, tenant, ada.id, &passed).await?;
    attendance_record(db, tenant, held.session.id, &[ada.id]).await?;
    // two in progress
    let grace = enrollment_create(db, tenant, course.id, user_ids[5]).await?;
    activity_mark_done(db, tenant, grace.id, video.id).await?;
    let alan = enrollment_create(db, tenant, course.id, user_ids[6]).await?;
    activity_mark_done(db, tenant, alan.id, video.id).await?;
    activity_mark_done(db, tenant, alan.id, reading.id).await?;
    // xAPI documents: where grace's SCORM player left off, and an activity profile
    seed_xapi_documents(db, tenant, user_ids[5], scorm.id).await?;
    // a cohort of newcomers, granted the course
    let cohort = cohort_create(db, tenant, "Newcomers, June", Some("Members who joined in June."), None).await?;
    cohort_add_members(db, tenant, cohort.id, &user_ids[10..16]).await?;
    cohort_grant(db, tenant, Grantees { cohorts: &[cohort.id], groups: &[], users: &[] }, &[course.id]).await?;
    Ok(())
}

async fn seed_xapi_documents(db: &Db, tenant: i64, learner: i64, activity: i64) -> Result<(), StoreError> {
    use crate::store::learn::xapi_documents::{document_write, Conditions, Context, Resource, Write};
    use crate::xapi::platform;
    let agent = serde_json::json!({ "objectType": "Agent", "account": { "homePage": platform::home_page(DEMO_SLUG), "name": learner.to_string() } });
    let key = crate::xapi::validate::agent_key(&agent).ok_or_else(|| StoreError::invalid("agent", "the demo agent has no identifier"))?;
    let state = Context {
        resource: Resource::State,
        activity: platform::activity_iri(DEMO_SLUG, activity),
        agent: key,
        registration: None,
        agent_sent: Some(agent),
    };
    let none = Conditions::default();
    document_write(db, tenant, &state, "cmi.suspend_data", Write::Replace, &none, false, "text/plain", b"page=3;score=40").await?;
    document_write(db, tenant, &state, "bookmark", Write::Replace, &none, false, "application/json", br#"{"page":3,"of":5}"#).await?;
    let profile = Context { resource: Resource::ActivityProfile, activity: state.activity.clone(), agent: String::new(), registration: None, agent_sent: None };
    document_write(db, tenant, &profile, "settings", Write::Replace, &none, true, "application/json", br#"{"passing_score":80}"#).await?;
    Ok(())
}

/// A small SCORM 1.2 package (a manifest and one SCO page), so the demo's
/// SCORM activity points at a real, checked package.
fn demo_scorm_package() -> Vec<u8> {
    use std::io::Write;
    const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.example.pricing" version="1"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG-PRICING">
    <organization identifier="ORG-PRICING"><title>Pricing your first listing</title>
      <item identifier="ITEM-PRICING" identifierref="RES-PRICING"><title>Pricing, interactively</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-PRICING" type="webcontent" adlcp:scormtype="sco" href="pricing/index.html">
      <file href="pricing/index.html"/>
    </resource>
  </resources>
</manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [
        ("imsmanifest.xml", MANIFEST),
        ("pricing/index.html", "<!doctype html><title>Pricing</title><p>Compare three listings and pick a fair price.</p>"),
    ] {
        zip.start_file(name, options).expect("in-memory zip");
        zip.write_all(body.as_bytes()).expect("in-memory zip");
    }
    zip.finish().expect("in-memory zip").into_inner()
}

/// A 1x1 PNG, so the demo has an image file with real bytes.
fn demo_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63,
        0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
        0xae, 0x42, 0x60, 0x82,
    ]
}

/// The product's own documentation as a wiki: the overview (three
/// revisions, the second the "History #95" edit the page's header shows),
/// the helpdesk page under it, and the sibling platform's overview.
async fn seed_know(db: &Db, tenant: i64) -> Result<(), StoreError> {
    use crate::store::know::pages::{page_create, page_update, NewPage, PageChanges};
    use crate::store::know::{Author, PageRef};
    let system = Author::system();
    let page = |slug: &str, title: &str, body: &str, parent: Option<i64>, summary: &str| NewPage {
        slug: slug.into(),
        title: title.into(),
        body_md: body.into(),
        parent_id: parent,
        summary: Some(summary.into()),
    };
    let overview = page_create(
        db,
        tenant,
        &page("api-overview", "mobieusCore API — Overview", include_str!("../demo-wiki/api-overview.r1.md"), None, "The overview as of 1.6.0"),
        None,
        &system,
    )
    .await?;
    let edits = [
        (include_str!("../demo-wiki/api-overview.r2.md"), "toolkit seed-community update"),
        (include_str!("../demo-wiki/api-overview.r3.md"), "Version table: 1.7.0 and 1.6.0"),
    ];
    for (base, (body, summary)) in (1..).zip(edits) {
        let changes = PageChanges { body_md: Some(body.into()), summary: Some(summary.into()), ..PageChanges::default() };
        page_update(db, tenant, &PageRef::Id(overview.id), Some(base), &changes, None, &system).await?;
    }
    page_create(
        db,
        tenant,
        &page("api-helpdesk", "mobieusCore API — mobieusHelp", include_str!("../demo-wiki/api-helpdesk.md"), Some(overview.id), "The helpdesk surface in detail"),
        None,
        &system,
    )
    .await?;
    page_create(
        db,
        tenant,
        &page("sibling-api-overview", "Sibling platform — API overview", include_str!("../demo-wiki/sibling-api-overview.md"), None, "The sibling platform whose client conventions we adopt"),
        None,
        &system,
    )
    .await?;
    Ok(())
}

/// mobieusAI settings pointing nowhere: every hook on, the default provider
/// and model, no key, so every hook answers `no_key` until an operator sets
/// one (`mobieus-server ai set-key`, README).
async fn seed_ai(db: &Db, tenant: i64) -> Result<(), StoreError> {
    let all: Vec<&str> = crate::ai::Hook::ALL.iter().map(|h| h.name()).collect();
    crate::store::ai::settings::ai_settings_change(db, tenant, move |s| s.enabled_hooks = all.join(",")).await.map(drop)
}

/// SCIM on, and two groups of members (as an identity provider would have
/// provisioned them); a SCIM token is minted with `scim token create`.
async fn seed_scim(db: &Db, slug: &str, tenant: i64, user_ids: &[i64]) -> Result<(), StoreError> {
    use crate::store::scim::groups::{group_create, GroupWrite};
    crate::store::tenants::tenant_set_scim(db, slug, true).await?;
    for (name, members) in [("Support agents", &user_ids[..user_ids.len().min(3)]), ("Course authors", &user_ids[user_ids.len().min(3)..user_ids.len().min(5)])] {
        group_create(db, tenant, &GroupWrite { display_name: name.into(), external_id: None, members: members.to_vec() }).await?;
    }
    Ok(())
}
