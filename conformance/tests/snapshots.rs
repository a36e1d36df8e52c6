//! The public JSON of settled operations, pinned. A change in a response's
//! shape shows up here as a diff to review beside the openapi.yaml change.
//! Values that differ per run (request ids, times, cursors) are redacted.

mod common;

use common::{Backend, TestServer};
use insta::dynamic_redaction;
use serde_json::Value;

fn redact(value: &Value) -> insta::Settings {
    let _ = value;
    let mut settings = insta::Settings::clone_current();
    settings.add_redaction(".request_id", "[request_id]");
    // times differ per run; null stays visible (it means something)
    for field in [
        "created_at", "updated_at", "closed_at", "first_reported_at", "last_reported_at", "next_attempt_at", "hidden_at", "published_at",
        "archived_at", "enrolled_at", "completed_at", "withdrawn_at", "issued_at", "revoked_at", "started_at", "submitted_at", "starts_at",
        "ends_at", "cancelled_at", "recorded_at",
    ] {
        settings.add_redaction(
            &format!(".**.{field}"),
            dynamic_redaction(|v, _| if v.as_str().is_some() { "[timestamp]".into() } else { v }),
        );
    }
    settings.add_redaction(
        ".next_cursor",
        dynamic_redaction(|v, _| if v.as_str().is_some() { "[cursor]".into() } else { v }),
    );
    // a certificate's code is random, and its HTML prints it and the date
    settings.add_redaction(".data[].code", "[certificate code]");
    settings.add_redaction(".data[].html", "[certificate html]");
    settings.set_sort_maps(true);
    settings
}

#[tokio::test(flavor = "multi_thread")]
async fn public_json_of_the_demo_tenant() {
    // no delivery worker: the demo's webhook deliveries stay as seeded
    let ts = TestServer::start_with(&Backend::Sqlite, |c| c.webhooks.workers = 0).await;
    let seed = mobieus_server::demo::seed_demo(ts.db(), ts.secrets()).await.unwrap();
    let key = seed.key.as_str();
    let cases: [(&str, &str); 29] = [
        ("users_page", "/api/v1/users?limit=2"),
        ("post", "/api/v1/posts/1"),
        ("events_by_type", "/api/v1/events?type=post.created&limit=1"),
        ("ticket", "/api/v1/helpdesk/tickets/HD-000001"),
        ("ticket_messages", "/api/v1/helpdesk/tickets/1/messages"),
        ("queues", "/api/v1/helpdesk/queues"),
        ("agents_page", "/api/v1/helpdesk/agents?limit=1"),
        ("help_topics", "/api/v1/helpdesk/help-topics"),
        ("tags_page", "/api/v1/helpdesk/tags?limit=2"),
        ("notification_prefs", "/api/v1/helpdesk/notification-prefs?scope=tenant_default"),
        ("audit_page", "/api/v1/helpdesk/audit?limit=2&event_key=ticket.status_changed"),
        ("listings_page", "/api/v1/listings?limit=2"),
        ("file", "/api/v1/files/1"),
        ("reports_resolved", "/api/v1/reports?status=resolved&limit=2"),
        ("moderation_queue", "/api/v1/moderation/queue?limit=2"),
        ("moderation_actions", "/api/v1/moderation/actions?limit=2"),
        ("webhook_endpoints", "/api/v1/webhooks/endpoints"),
        ("webhook_deliveries", "/api/v1/webhooks/endpoints/1/deliveries?limit=1"),
        ("event_types", "/api/v1/events/types"),
        ("learn_course_outline", "/api/v1/learn/courses/1"),
        ("learn_enrollments", "/api/v1/learn/enrollments?course=1&status=completed"),
        ("learn_attempts", "/api/v1/learn/attempts?limit=1"),
        ("learn_certificates", "/api/v1/learn/certificates"),
        ("learn_cohorts", "/api/v1/learn/cohorts"),
        ("learn_scorm_package", "/api/v1/learn/scorm-packages/1"),
        ("learn_scorm_results", "/api/v1/learn/enrollments/1/scorm-results"),
        ("learn_live_sessions", "/api/v1/learn/live-sessions"),
        ("error_not_found", "/api/v1/users/999999"),
        ("error_invalid_parameter", "/api/v1/users?limit=0"),
    ];
    for (name, path) in cases {
        let r = ts.get(Some(key), path).await;
        assert!(r.status == 200 || name.starts_with("error"), "{path}: {}", r.text);
        redact(&r.body).bind(|| insta::assert_json_snapshot!(name, r.body));
    }
    let r = ts.post(Some(key), "/api/v1/helpdesk/tags", &serde_json::json!({"name": "No slug", "colour": "#ffffff"}), None).await;
    redact(&r.body).bind(|| insta::assert_json_snapshot!("error_validation", r.body));
}
