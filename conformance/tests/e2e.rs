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
