//! Listings, files, reports and moderation over HTTP, on each backend.

mod common;

use common::{backends, TestServer};
use mobieus_server::store::files::file_create;
use mobieus_server::store::listings::{listing_create, NewListing};
use mobieus_server::store::posts::post_create;
use mobieus_server::store::reports::{report_create, NewReport};
use mobieus_server::store::users::{user_create, NewUser};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

async fn user(ts: &TestServer, tenant: i64, name: &str, role: &str) -> i64 {
    user_create(ts.db(), tenant, &NewUser { username: name.into(), display_name: name.into(), email: None, role: role.into() }).await.unwrap().id
}

async fn listing(ts: &TestServer, tenant: i64, seller: i64, title: &str, status: &str) -> i64 {
    let new = NewListing { seller_id: seller, title: title.into(), description: "d".into(), price_cents: 1200, currency: "EUR".into(), status: status.into() };
    listing_create(ts.db(), tenant, &new).await.unwrap().id
}

async fn report(ts: &TestServer, tenant: i64, kind: &str, target: i64, reporter: i64, reason: &str) -> i64 {
    let new = NewReport { target_kind: kind.into(), target_id: target, reporter_id: reporter, reason: reason.into(), details: "x".into() };
    report_create(ts.db(), tenant, &new).await.unwrap().id
}

#[tokio::test(flavor = "multi_thread")]
async fn listings_filter_page_and_stay_in_their_tenant() {
    for b in backends() {
        let ts = TestServer::start(&b).await;
        let (tenant, key) = ts.tenant_with_key("market").await;
        let (a, c) = (user(&ts, tenant, "ann", "member").await, user(&ts, tenant, "cy", "member").await);
        let mut ids = vec![];
        for i in 0..5 {
            ids.push(listing(&ts, tenant, if i % 2 == 0 { a } else { c }, &format!("item {i}"), if i == 4 { "sold" } else { "active" }).await);
        }
        let all = ts.get(Some(&key), "/api/v1/listings?limit=2").await;
        assert_eq!(all.status, 200, "{}", all.text);
        assert_eq!(all.body["total_count"], 5);
        assert_eq!(all.body["data"][0]["id"], ids[4], "newest first");
        let next = ts.get(Some(&key), &format!("/api/v1/listings?limit=2&cursor={}", all.body["next_cursor"].as_str().unwrap())).await;
        assert_eq!(next.body["data"][0]["id"], ids[2]);
        let sold = ts.get(Some(&key), "/api/v1/listings?status=sold").await;
        assert_eq!(sold.body["total_count"], 1);
        assert_eq!(sold.body["data"][0]["status"], "sold");
        let by_seller = ts.get(Some(&key), &format!("/api/v1/listings?seller={c}")).await;
        assert_eq!(by_seller.body["total_count"], 2);
        let one = ts.get(Some(&key), &format!("/api/v1/listings/{}", ids[0])).await;
        assert_eq!(one.body["data"]["price_cents"], 1200);
        assert_eq!(one.body["data"]["currency"], "EUR");
        ts.get(Some(&key), "/api/v1/listings?status=gone").await.assert_error(400, "invalid_parameter");
        let (_, other) = ts.tenant_with_key("elsewhere").await;
        ts.get(Some(&other), &format!("/api/v1/listings/{}", ids[0])).await.assert_error(404, "listing_not_found");
        assert_eq!(ts.get(Some(&other), "/api/v1/listings").await.body["total_count"], 0);
        let no_scope = ts.key(tenant, &["posts:read"]).await;
        ts.get(Some(&no_scope), "/api/v1/listings").await.assert_error(403, "insufficient_scope");
        let events = ts.get(Some(&key), "/api/v1/events?type=listing.created").await;
        assert_eq!(events.body["total_count"], 5);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn files_list_describe_and_download_their_exact_bytes() {
    for b in backends() {
        let ts = TestServer::start(&b).await;
        let (tenant, key) = ts.tenant_with_key("files").await;
        let owner = user(&ts, tenant, "ann", "member").await;
        // larger than one download chunk, not a multiple of it
        let big: Vec<u8> = (0..(700 * 1024 + 13)).map(|i| (i * 31 % 251) as u8).collect();
        let big_id = file_create(ts.db(), tenant, Some(owner), "big scan \"final\".pdf", "application/pdf", &big).await.unwrap().id;
        let img = file_create(ts.db(), tenant, None, "dot.png", "image/png", b"\x89PNG....").await.unwrap().id;
        let empty = file_create(ts.db(), tenant, None, "empty.txt", "text/plain", b"").await.unwrap().id;
        let list = ts.get(Some(&key), "/api/v1/files").await;
        assert_eq!(list.body["total_count"], 3, "{}", list.text);
        let images = ts.get(Some(&key), "/api/v1/files?kind=image").await;
        assert_eq!(images.body["data"][0]["id"], img);
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/files?owner={owner}")).await.body["total_count"], 1);
        let meta = ts.get(Some(&key), &format!("/api/v1/files/{big_id}")).await;
        let sha = format!("{:x}", Sha256::digest(&big));
        assert_eq!(meta.body["data"]["sha256"], sha.as_str());
        assert_eq!(meta.body["data"]["size_bytes"], big.len());
        assert_eq!(meta.body["data"]["kind"], "document");
        assert_eq!(meta.body["data"]["content_path"], format!("/api/v1/files/{big_id}/content"));
        let r = ts.http.get(ts.url(&format!("/api/v1/files/{big_id}/content"))).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.headers()["content-length"], big.len().to_string().as_str());
        assert_eq!(r.headers()["etag"], format!("\"{sha}\"").as_str());
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename=\"big scan _final_.pdf\""), "{disposition}");
        assert!(r.headers().contains_key("x-request-id") && r.headers().contains_key("x-ratelimit-limit"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), big.as_slice(), "{b:?}: the exact bytes");
        let r = ts.http.get(ts.url(&format!("/api/v1/files/{empty}/content"))).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.headers()["content-length"], "0");
        assert!(r.bytes().await.unwrap().is_empty());
        ts.get(Some(&key), "/api/v1/files/999999/content").await.assert_error(404, "file_not_found");
        let (_, other) = ts.tenant_with_key("elsewhere").await;
        ts.get(Some(&other), &format!("/api/v1/files/{big_id}/content")).await.assert_error(404, "file_not_found");
        let events = ts.get(Some(&key), "/api/v1/events?type=file.created").await;
        assert_eq!(events.body["total_count"], 3);
        assert_eq!(events.body["data"][2]["data"]["sha256"], sha.as_str());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_are_resolved_dismissed_and_reopened_with_their_effects_logged() {
    for b in backends() {
        let ts = TestServer::start(&b).await;
        let (tenant, key) = ts.tenant_with_key("mod").await;
        let (author, reporter, moderator) =
            (user(&ts, tenant, "author", "member").await, user(&ts, tenant, "rep", "member").await, user(&ts, tenant, "mo", "moderator").await);
        let post = post_create(ts.db(), tenant, author, "spam", "buy now").await.unwrap().id;
        let item = listing(&ts, tenant, author, "too good", "active").await;
        let r_post = report(&ts, tenant, "post", post, reporter, "spam").await;
        let r_post2 = report(&ts, tenant, "post", post, moderator, "scam").await;
        let r_item = report(&ts, tenant, "listing", item, reporter, "scam").await;
        let r_user = report(&ts, tenant, "user", author, reporter, "harassment").await;

        // the queue: grouped by target, oldest first
        let queue = ts.get(Some(&key), "/api/v1/moderation/queue").await;
        assert_eq!(queue.status, 200, "{}", queue.text);
        assert_eq!(queue.body["total_count"], 3);
        assert_eq!(queue.body["data"][0]["target"], json!({ "kind": "post", "id": post }));
        assert_eq!(queue.body["data"][0]["open_reports"], 2);
        assert_eq!(queue.body["data"][0]["report_ids"], json!([r_post, r_post2]));
        assert_eq!(queue.body["data"][0]["reasons"], json!(["scam", "spam"]));
        assert_eq!(queue.body["data"][1]["target"]["kind"], "listing");
        let page1 = ts.get(Some(&key), "/api/v1/moderation/queue?limit=2").await;
        let page2 = ts.get(Some(&key), &format!("/api/v1/moderation/queue?limit=2&cursor={}", page1.body["next_cursor"].as_str().unwrap())).await;
        assert_eq!(page2.body["data"][0]["target"]["kind"], "user", "{}", page2.text);

        // reading does not allow acting
        let reader = ts.key(tenant, &["reports:read"]).await;
        let r = ts.post(Some(&reader), &format!("/api/v1/reports/{r_post}/resolve"), &json!({ "note": "x" }), None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "reports:manage");

        // resolve with hide_target by a named moderator
        let res = ts.post(Some(&key), &format!("/api/v1/reports/{r_post}/resolve"), &json!({ "note": "phishing", "effect": "hide_target", "moderator_id": moderator }), None).await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(res.body["data"]["status"], "resolved");
        assert_eq!(res.body["data"]["resolution_effect"], "hide_target");
        assert!(res.body["data"]["closed_at"].is_string());
        assert!(ts.get(Some(&key), &format!("/api/v1/posts/{post}")).await.body["data"]["hidden_at"].is_string());
        // a second resolve is refused; the state machine names the status
        let again = ts.post(Some(&key), &format!("/api/v1/reports/{r_post}/resolve"), &json!({ "note": "again" }), None).await;
        again.assert_error(422, "validation_failed");
        assert_eq!(again.body["error"]["extra"]["fields"][0]["field"], "status");
        // hiding a user is not a thing; a member is not a moderator
        let r = ts.post(Some(&key), &format!("/api/v1/reports/{r_user}/resolve"), &json!({ "note": "x", "effect": "hide_target" }), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "effect", "{}", r.text);
        let r = ts.post(Some(&key), &format!("/api/v1/reports/{r_user}/resolve"), &json!({ "note": "x", "moderator_id": reporter }), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "moderator_id", "{}", r.text);
        ts.post(Some(&key), &format!("/api/v1/reports/{r_user}/resolve"), &json!({ "note": "" }), None).await.assert_error(422, "validation_failed");
        // warn, suspend
        let r = ts.post(Some(&key), &format!("/api/v1/reports/{r_user}/resolve"), &json!({ "note": "warned", "effect": "warn_author" }), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/users/{author}")).await.body["data"]["warning_count"], 1);
        let r = ts.post(Some(&key), &format!("/api/v1/reports/{r_item}/resolve"), &json!({ "note": "off-platform", "effect": "suspend_author" }), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/users/{author}")).await.body["data"]["status"], "suspended");
        // dismiss, reopen
        let d = ts.post(Some(&key), &format!("/api/v1/reports/{r_post2}/dismiss"), &json!({ "note": "duplicate" }), None).await;
        assert_eq!(d.body["data"]["status"], "dismissed", "{}", d.text);
        let o = ts.post(Some(&key), &format!("/api/v1/reports/{r_post2}/reopen"), &json!({}), None).await;
        assert_eq!(o.body["data"]["status"], "open", "{}", o.text);
        assert_eq!(o.body["data"]["closed_at"], Value::Null);
        ts.post(Some(&key), &format!("/api/v1/reports/{r_post2}/reopen"), &json!({}), None).await.assert_error(422, "validation_failed");
        ts.post(Some(&key), "/api/v1/reports/999999/dismiss", &json!({}), None).await.assert_error(404, "report_not_found");

        // lists
        let open = ts.get(Some(&reader), "/api/v1/reports?status=open").await;
        assert_eq!(open.body["total_count"], 1);
        assert_eq!(ts.get(Some(&reader), "/api/v1/reports?target_kind=listing").await.body["total_count"], 1);
        let actions = ts.get(Some(&reader), "/api/v1/moderation/actions").await;
        assert_eq!(actions.body["total_count"], 5, "{}", actions.text);
        let first = &actions.body["data"][4];
        assert_eq!(first["action"], "resolve");
        assert_eq!(first["effect"], "hide_target");
        assert_eq!(first["actor"], json!({ "kind": "user", "id": moderator, "name": "mo" }));
        assert_eq!(first["note"], "phishing");
        assert_eq!(actions.body["data"][0]["actor"]["kind"], "api_key");
        assert_eq!(ts.get(Some(&reader), "/api/v1/moderation/actions?action=reopen").await.body["total_count"], 1);
        // one event per act, plus moderation.action_taken
        let ev = |t: &str| format!("/api/v1/events?type={t}");
        assert_eq!(ts.get(Some(&key), &ev("report.resolved")).await.body["total_count"], 3);
        assert_eq!(ts.get(Some(&key), &ev("report.dismissed")).await.body["total_count"], 1);
        assert_eq!(ts.get(Some(&key), &ev("report.reopened")).await.body["total_count"], 1);
        assert_eq!(ts.get(Some(&key), &ev("moderation.action_taken")).await.body["total_count"], 5);
        // a failed act wrote nothing
        assert_eq!(ts.get(Some(&key), &ev("report.created")).await.body["total_count"], 4);
        let (_, other) = ts.tenant_with_key("elsewhere").await;
        ts.get(Some(&other), &format!("/api/v1/reports/{r_post}")).await.assert_error(404, "report_not_found");
        ts.post(Some(&other), &format!("/api/v1/reports/{r_post2}/dismiss"), &json!({}), None).await.assert_error(404, "report_not_found");
    }
}
