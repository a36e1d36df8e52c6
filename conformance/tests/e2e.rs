//! End to end through the generated progenitor client.

mod common;

use common::{backends, TestServer};
use mobieus_api::client::Error as ClientError;
use mobieus_api::types;
use mobieus_server::store::posts::post_create;
use mobieus_server::store::users::{user_create, NewUser};

fn status_of<T: std::fmt::Debug>(r: Result<T, ClientError<types::ErrorEnvelope>>) -> (u16, String) {
    match r {
        Err(ClientError::ErrorResponse(e)) => (e.status().as_u16(), e.error.code.clone()),
        other => panic!("expected an error envelope, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn core_reads_through_the_client() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let mut ids = vec![];
        for (i, role) in ["admin", "member", "member", "moderator"].iter().enumerate() {
            let u = NewUser { username: format!("u{i}"), display_name: format!("User {i}"), email: Some(format!("u{i}@example.org")), role: role.to_string() };
            ids.push(user_create(ts.db(), tenant, &u).await.unwrap().id);
        }
        let cutoff = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        for i in 0..3 {
            post_create(ts.db(), tenant, ids[i % 2], &format!("Post {i}"), "Body").await.unwrap();
        }
        let c = ts.client(&key);

        let users = c.list_users().limit(std::num::NonZeroU64::new(2).unwrap()).send().await.unwrap().into_inner();
        assert_eq!(users.data.len(), 2);
        assert_eq!(users.total_count, 4);
        assert!(users.has_more);
        assert_eq!(users.data[0].id, ids[3], "newest first");
        assert!(users.request_id.starts_with("req_"));
        let next = c.list_users().limit(std::num::NonZeroU64::new(2).unwrap()).cursor(users.next_cursor.clone().unwrap()).send().await.unwrap().into_inner();
        assert_eq!(next.data.iter().map(|u| u.id).collect::<Vec<_>>(), vec![ids[1], ids[0]]);
        assert!(!next.has_more);
        assert_eq!(next.next_cursor, None);
        let mods = c.list_users().role(types::ListUsersRole::Moderator).send().await.unwrap().into_inner();
        assert_eq!(mods.data.len(), 1);
        assert_eq!(mods.data[0].role, types::UserRole::Moderator);

        let one = c.get_user().id(ids[0]).send().await.unwrap().into_inner();
        assert_eq!(one.data.username, "u0");
        assert_eq!(one.data.email.as_deref(), Some("u0@example.org"));
        assert_eq!(status_of(c.get_user().id(999_999).send().await), (404, "user_not_found".into()));

        let posts = c.list_posts().author(ids[0]).send().await.unwrap().into_inner();
        assert_eq!(posts.total_count, 2);
        assert!(posts.data.iter().all(|p| p.author_id == ids[0]));
        let post = c.get_post().id(posts.data[0].id).send().await.unwrap().into_inner();
        assert_eq!(post.data.title, posts.data[0].title);

        let all_events = c.list_events().send().await.unwrap().into_inner();
        assert_eq!(all_events.total_count, 7, "4 users + 3 posts");
        let post_events = c.list_events().type_("post.created").send().await.unwrap().into_inner();
        assert_eq!(post_events.total_count, 3);
        assert!(post_events.data.iter().all(|e| e.type_ == "post.created" && e.data.contains_key("post_id")));
        let recent = c.list_events().created_after(cutoff).send().await.unwrap().into_inner();
        assert_eq!(recent.total_count, 3);
        let older = c.list_events().created_before(cutoff).send().await.unwrap().into_inner();
        assert_eq!(older.total_count, 4);
        let event = c.get_event().id(post_events.data[0].id).send().await.unwrap().into_inner();
        assert_eq!(event.data.type_, "post.created");
        let recent_posts = c.list_posts().created_after(cutoff).send().await.unwrap().into_inner();
        assert_eq!(recent_posts.total_count, 3);
        let early_users = c.list_users().created_before(cutoff).send().await.unwrap().into_inner();
        assert_eq!(early_users.total_count, 4);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn helpdesk_tags_through_the_client() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let c = ts.client(&key);
        let body = types::TagCreate::builder().slug("refund").name("Refund").color(Some("#DC2626".try_into().unwrap()));
        let created = c.create_helpdesk_tag().idempotency_key("k1").body(body.clone()).send().await.unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let tag = created.into_inner().data;
        assert_eq!((tag.slug.as_str(), tag.name.as_str(), tag.color.as_str()), ("refund", "Refund", "#dc2626"));
        let replay = c.create_helpdesk_tag().idempotency_key("k1").body(body).send().await.unwrap();
        assert_eq!(replay.headers()["idempotency-replayed"], "true");
        assert_eq!(replay.into_inner().data.id, tag.id);

        let plain = c.create_helpdesk_tag().body(types::TagCreate::builder().slug("billing").name("Billing")).send().await.unwrap().into_inner().data;
        assert_eq!(plain.color, "#6b7280", "the default colour");
        let taken = c.create_helpdesk_tag().body(types::TagCreate::builder().slug("billing").name("Again")).send().await;
        assert_eq!(status_of(taken), (409, "conflict".into()));

        let updated = c.update_helpdesk_tag().id(tag.id).body(types::TagUpdate::builder().name(Some("Refunds".try_into().unwrap()))).send().await.unwrap().into_inner().data;
        assert_eq!((updated.name.as_str(), updated.slug.as_str(), updated.color.as_str()), ("Refunds", "refund", "#dc2626"), "fields left out keep their value");
        assert!(updated.updated_at >= tag.updated_at);
        let clash = c.update_helpdesk_tag().id(tag.id).body(types::TagUpdate::builder().slug(Some("billing".try_into().unwrap()))).send().await;
        assert_eq!(status_of(clash), (409, "conflict".into()));

        let listed = c.list_helpdesk_tags().limit(std::num::NonZeroU64::new(1).unwrap()).send().await.unwrap().into_inner();
        assert_eq!(listed.data[0].slug, "billing", "slug order");
        assert_eq!(listed.total_count, 2);
        let rest = c.list_helpdesk_tags().cursor(listed.next_cursor.unwrap()).send().await.unwrap().into_inner();
        assert_eq!(rest.data.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), vec!["refund"]);

        let got = c.get_helpdesk_tag().id(tag.id).send().await.unwrap().into_inner().data;
        assert_eq!(got.name, "Refunds");
        let deleted = c.delete_helpdesk_tag().id(tag.id).send().await.unwrap().into_inner().data;
        assert!(deleted.deleted && deleted.id == tag.id && deleted.object == "helpdesk_tag");
        assert_eq!(status_of(c.get_helpdesk_tag().id(tag.id).send().await), (404, "tag_not_found".into()));
        assert_eq!(status_of(c.delete_helpdesk_tag().id(tag.id).send().await), (404, "tag_not_found".into()));

        // each change wrote its event (replays and refused writes did not)
        let count = |t: &'static str| {
            let c = c.clone();
            async move { c.list_events().type_(t).send().await.unwrap().into_inner().total_count }
        };
        assert_eq!(count("helpdesk.tag.created").await, 2);
        assert_eq!(count("helpdesk.tag.updated").await, 1);
        assert_eq!(count("helpdesk.tag.deleted").await, 1);
        let deleted_event = c.list_events().type_("helpdesk.tag.deleted").send().await.unwrap().into_inner().data.remove(0);
        assert_eq!(deleted_event.data["tag_id"], tag.id);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_decode_as_the_typed_envelope() {
    let ts = TestServer::start(&common::Backend::Sqlite).await;
    let tenant = ts.tenant("acme", "pro").await;
    let key = ts.key_limited(tenant, &["users:read"], 1, 100).await;
    let c = ts.client(&key);
    c.list_users().send().await.unwrap();
    match c.list_events().send().await {
        Err(ClientError::ErrorResponse(e)) => {
            assert!(e.status().as_u16() == 403 || e.status().as_u16() == 429);
            assert!(e.request_id.starts_with("req_"));
        }
        other => panic!("{other:?}"),
    }
}

/// Every operation of the Core surface issue (listings, files, reports,
/// moderation, webhooks, the event catalogue and stream) through the
/// generated client, on the demo tenant.
#[tokio::test(flavor = "multi_thread")]
async fn core_surface_through_the_client() {
    use futures::StreamExt;
    for backend in backends() {
        let ts = TestServer::start_with(&backend, |c| c.allow_private_webhooks = true).await;
        let seed = mobieus_server::demo::seed_demo(ts.db(), ts.secrets()).await.unwrap();
        let c = ts.client(&seed.key);

        let types_ = c.list_event_types().send().await.unwrap().into_inner();
        assert!(types_.data.iter().any(|t| t.name == "report.resolved" && t.payload_schema == "ReportClosedData"));
        let last = c.list_events().send().await.unwrap().into_inner().data[0].id;
        let stream = c.stream_events().last_event_id((last - 1).to_string()).send().await.unwrap();
        assert_eq!(stream.headers()["content-type"], "text/event-stream");
        let mut bytes = stream.into_inner().into_inner();
        let mut text = String::new();
        while !text.contains(&format!("id: {last}\n")) {
            text.push_str(std::str::from_utf8(&bytes.next().await.unwrap().unwrap()).unwrap());
        }
        drop(bytes);
        assert_eq!(c.get_event().id(last).send().await.unwrap().into_inner().data.id, last);

        let listings = c.list_listings().status(types::ListingStatus::Sold).send().await.unwrap().into_inner();
        assert_eq!(listings.total_count, 2);
        let listing = c.get_listing().id(listings.data[0].id).send().await.unwrap().into_inner().data;
        assert_eq!(listing.status, types::ListingStatus::Sold);
        assert_eq!(status_of(c.get_listing().id(999_999).send().await), (404, "listing_not_found".into()));

        let files = c.list_files().kind(types::FileKind::Document).send().await.unwrap().into_inner();
        let receipt = files.data.iter().find(|f| f.name == "receipt-A-1000.txt").unwrap().clone();
        assert_eq!(c.get_file().id(receipt.id).send().await.unwrap().into_inner().data.sha256, receipt.sha256);
        let download = c.download_file().id(receipt.id).send().await.unwrap();
        assert_eq!(download.headers()["content-type"], "text/plain");
        let mut body = download.into_inner().into_inner();
        let mut got = Vec::new();
        while let Some(chunk) = body.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(got, b"Order A-1000\nTotal: 49.00 EUR\nCharged: twice\n");

        let open = c.list_reports().status(types::ReportStatus::Open).send().await.unwrap().into_inner();
        let first = open.data.iter().map(|r| r.id).min().unwrap();
        assert_eq!(c.get_report().id(first).send().await.unwrap().into_inner().data.status, types::ReportStatus::Open);
        let resolve = types::ReportResolve::builder().note("phishing link").effect(Some(types::ModerationEffect::WarnAuthor));
        let resolved = c.resolve_report().id(first).body(resolve).send().await.unwrap().into_inner().data;
        assert_eq!(resolved.resolution_effect, Some(types::ModerationEffect::WarnAuthor));
        let reopened = c.reopen_report().id(first).body(types::ReportAct::builder()).send().await.unwrap().into_inner().data;
        assert_eq!(reopened.status, types::ReportStatus::Open);
        let dismissed = c.dismiss_report().id(first).body(types::ReportAct::builder().note(Some("not spam".try_into().unwrap()))).send().await.unwrap().into_inner().data;
        assert_eq!(dismissed.status, types::ReportStatus::Dismissed);
        assert_eq!(status_of(c.dismiss_report().id(first).body(types::ReportAct::builder()).send().await), (422, "validation_failed".into()));
        let queue = c.list_moderation_queue().send().await.unwrap().into_inner();
        assert!(queue.data.iter().all(|q| q.open_reports >= 1));
        let actions = c.list_moderation_actions().action(types::ModerationActionKind::Reopen).send().await.unwrap().into_inner();
        assert_eq!(actions.total_count, 1);
        assert_eq!(actions.data[0].report_id, Some(first));

        let rx = mobieus_server::testkit::Receiver::start(true).await;
        let create = types::WebhookEndpointCreate::builder().url(rx.url("/hook")).event_types(Some(vec!["report.resolved".try_into().unwrap()]));
        let created = c.create_webhook_endpoint().body(create).send().await.unwrap().into_inner().data;
        let id = created.endpoint.id;
        rx.set_secrets(&[&created.secret]);
        assert_eq!(c.list_webhook_endpoints().send().await.unwrap().into_inner().total_count, 2, "the demo's and this one");
        assert_eq!(c.get_webhook_endpoint().id(id).send().await.unwrap().into_inner().data.url, rx.url("/hook"));
        let updated = c.update_webhook_endpoint().id(id).body(types::WebhookEndpointUpdate::builder().description(Some("ops".try_into().unwrap()))).send().await.unwrap().into_inner().data;
        assert_eq!(updated.description.as_deref(), Some("ops"));
        let rotated = c.rotate_webhook_secret().id(id).send().await.unwrap().into_inner().data;
        rx.set_secrets(&[&rotated.secret]);
        let test = c.send_webhook_test().id(id).send().await.unwrap().into_inner().data;
        assert_eq!(test.event_type, "webhook.test");
        assert!(rx.wait_for(10, |r| r.count() == 1).await);
        assert_eq!(rx.received()[0].verified_by, vec![0]);
        let replay = c.replay_webhook_delivery().id(test.id).send().await.unwrap().into_inner().data;
        assert_eq!(replay.replay_of, Some(test.id));
        assert!(rx.wait_for(10, |r| r.count() == 2).await);
        let deliveries = c.list_webhook_deliveries().id(id).send().await.unwrap().into_inner();
        assert_eq!(deliveries.total_count, 2);
        let detail = c.get_webhook_delivery().id(test.id).send().await.unwrap().into_inner().data;
        assert_eq!(detail.request.url, rx.url("/hook"));
        let deleted = c.delete_webhook_endpoint().id(id).send().await.unwrap().into_inner().data;
        assert!(deleted.deleted);
        assert_eq!(status_of(c.get_webhook_endpoint().id(id).send().await), (404, "webhook_endpoint_not_found".into()));
    }
}
