//! The rules every operation obeys (CONTRACT.md), checked over HTTP on each
//! backend.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{backends, Backend, TestServer};
use mobieus_server::store::api_keys::{key_list, key_revoke, key_rotate};
use mobieus_server::store::rate_limits::rate_limit_totals;
use mobieus_server::store::tenants::{tenant_set_cors, tenant_set_plan};
use mobieus_server::store::users::{user_create, NewUser};
use serde_json::json;

fn member(name: &str) -> NewUser {
    NewUser { username: name.into(), display_name: name.into(), email: None, role: "member".into() }
}

#[tokio::test(flavor = "multi_thread")]
async fn authentication_revocation_and_rotation() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        ts.get(None, "/api/v1/users").await.assert_error(401, "invalid_api_key");
        ts.get(Some("mc_live_nope"), "/api/v1/users").await.assert_error(401, "invalid_api_key");
        let r = ts.http.get(ts.url("/api/v1/users")).header("authorization", "Basic abc").send().await.unwrap();
        common::Reply::from(r).await.assert_error(401, "invalid_api_key");
        assert_eq!(ts.get(Some(&key), "/api/v1/users").await.status, 200);

        // rotation with grace: both work; the successor keeps working after
        let id = key_list(ts.db(), tenant).await.unwrap()[0].id;
        let (_, successor, _) = key_rotate(ts.db(), id, 3600).await.unwrap();
        assert_eq!(ts.get(Some(&key), "/api/v1/users").await.status, 200, "old key inside its grace");
        assert_eq!(ts.get(Some(&successor), "/api/v1/users").await.status, 200);
        // rotation without grace ends the old key now
        let successor_id = key_list(ts.db(), tenant).await.unwrap().iter().find(|k| k.id != id).unwrap().id;
        let (_, third, _) = key_rotate(ts.db(), successor_id, 0).await.unwrap();
        ts.get(Some(&successor), "/api/v1/users").await.assert_error(401, "invalid_api_key");
        assert_eq!(ts.get(Some(&third), "/api/v1/users").await.status, 200);
        // revocation
        key_revoke(ts.db(), id).await.unwrap();
        ts.get(Some(&key), "/api/v1/users").await.assert_error(401, "invalid_api_key");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revocation_takes_effect_within_the_cache_window() {
    let ts = TestServer::start_with(&Backend::Sqlite, |c| c.key_cache_ttl = std::time::Duration::from_millis(800)).await;
    let (tenant, key) = ts.tenant_with_key("acme").await;
    assert_eq!(ts.get(Some(&key), "/api/v1/users").await.status, 200);
    key_revoke(ts.db(), key_list(ts.db(), tenant).await.unwrap()[0].id).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    ts.get(Some(&key), "/api/v1/users").await.assert_error(401, "invalid_api_key");
}

#[tokio::test(flavor = "multi_thread")]
async fn scopes_and_their_implications() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let tenant = ts.tenant("acme", "pro").await;
        let users_only = ts.key(tenant, &["users:read"]).await;
        assert_eq!(ts.get(Some(&users_only), "/api/v1/users").await.status, 200);
        let r = ts.get(Some(&users_only), "/api/v1/events").await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "events:read");
        let r = ts.post(Some(&users_only), "/api/v1/helpdesk/tags", &json!({"slug": "a", "name": "A"}), None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "helpdesk:write");
        assert!(r.header("x-ratelimit-remaining").is_some(), "refusals carry rate-limit headers");

        let reader = ts.key(tenant, &["helpdesk:read"]).await;
        assert_eq!(ts.get(Some(&reader), "/api/v1/helpdesk/tags").await.status, 200);
        let r = ts.post(Some(&reader), "/api/v1/helpdesk/tags", &json!({"slug": "a", "name": "A"}), None).await;
        assert_eq!(r.body["error"]["extra"]["required_scope"], "helpdesk:write");

        // admin includes write includes read
        let admin = ts.key(tenant, &["helpdesk:admin"]).await;
        assert_eq!(ts.post(Some(&admin), "/api/v1/helpdesk/tags", &json!({"slug": "a", "name": "A"}), None).await.status, 201);
        assert_eq!(ts.get(Some(&admin), "/api/v1/helpdesk/tags").await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn starter_plan_is_gated_on_every_call() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let tenant = ts.tenant("small", "starter").await;
        let key = ts.key(tenant, &["all"]).await;
        for path in ["/api/v1/users", "/api/v1/events", "/api/v1/posts/1", "/api/v1/helpdesk/tags"] {
            let r = ts.get(Some(&key), path).await;
            r.assert_error(403, "plan_gated");
            assert_eq!(r.body["error"]["extra"]["current_plan"], "starter");
            assert_eq!(r.body["error"]["extra"]["required_plans"], json!(["pro", "creator_plus", "sovereign"]));
        }
        ts.post(Some(&key), "/api/v1/helpdesk/tags", &json!({"slug": "a", "name": "A"}), None).await.assert_error(403, "plan_gated");
        tenant_set_plan(ts.db(), "small", "creator_plus").await.unwrap();
        assert_eq!(ts.get(Some(&key), "/api/v1/users").await.status, 200);
    }
}

/// Waits, if needed, until at least `secs` seconds remain in this minute,
/// so a burst of requests falls in one rate-limit window.
async fn inside_one_minute(secs: u64) {
    let into = chrono::Utc::now().timestamp().rem_euclid(60) as u64;
    if into + secs >= 60 {
        tokio::time::sleep(Duration::from_secs(60 - into + 1)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_process_enforces_a_rate_limit_exactly() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let tenant = ts.tenant("acme", "pro").await;
        let key = ts.key_limited(tenant, &["users:read"], 5, 1000).await;
        inside_one_minute(5).await;
        // twelve at once: exactly five get through, and the refusals do not count
        let replies = futures::future::join_all((0..12).map(|_| ts.get(Some(&key), "/api/v1/users"))).await;
        let mut remaining: Vec<i64> = replies
            .iter()
            .filter(|r| r.status == 200)
            .map(|r| r.header("x-ratelimit-remaining").unwrap().parse().unwrap())
            .collect();
        remaining.sort();
        assert_eq!(remaining, [0, 1, 2, 3, 4], "{backend:?}");
        for r in replies.iter().filter(|r| r.status != 200) {
            r.assert_error(429, "rate_limited");
            assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
            assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
            assert!(r.header("x-ratelimit-reset").is_some());
            let retry: i64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
            assert!((1..=60).contains(&retry));
            assert_eq!(r.body["error"]["extra"]["window"], "minute");
        }
        // the hour window, on its own key
        let hourly = ts.key_limited(tenant, &["users:read"], 100, 2).await;
        inside_one_minute(3).await;
        let statuses: Vec<u16> =
            futures::future::join_all((0..4).map(|_| ts.get(Some(&hourly), "/api/v1/users"))).await.iter().map(|r| r.status).collect();
        if statuses.iter().filter(|s| **s == 200).count() == 2 {
            let r = ts.get(Some(&hourly), "/api/v1/users").await;
            r.assert_error(429, "rate_limited");
            assert_eq!(r.body["error"]["extra"]["window"], "hour");
        } else {
            // only across an hour boundary
            assert!(statuses.iter().filter(|s| **s == 200).count() > 2);
        }
        // the counts reach the shared store within a reconcile interval
        tokio::time::sleep(Duration::from_millis(600)).await;
        let first_key = key_list(ts.db(), tenant).await.unwrap().iter().map(|k| k.id).min().unwrap();
        let totals = rate_limit_totals(ts.db(), tenant, first_key).await.unwrap().expect("a counter row");
        assert_eq!(totals.minute_count, 5, "{backend:?}: the store holds what this process admitted");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn idempotency_replays_refuses_mismatch_and_dedupes_concurrent_duplicates() {
    for backend in backends() {
        let a = TestServer::start(&backend).await;
        let url = a.server.app_private().config.database_url.clone();
        let b = TestServer::start_on(&backend, &url, |_| {}).await;
        let (_, key) = a.tenant_with_key("acme").await;
        let body = json!({"slug": "refund", "name": "Refund", "color": "#DC2626"});
        let first = a.post(Some(&key), "/api/v1/helpdesk/tags", &body, Some("create-refund")).await;
        assert_eq!(first.status, 201, "{}", first.text);
        assert_eq!(first.header("idempotency-replayed"), None);
        let again = b.post(Some(&key), "/api/v1/helpdesk/tags", &body, Some("create-refund")).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotency-replayed"), Some("true"));
        assert_eq!(again.body["data"], first.body["data"], "the first answer, replayed");
        let other = a.post(Some(&key), "/api/v1/helpdesk/tags", &json!({"slug": "other", "name": "O"}), Some("create-refund")).await;
        other.assert_error(422, "idempotency_key_mismatch");
        // same key on another path is another slot
        let id = first.body["data"]["id"].as_i64().unwrap();
        let upd = a.post(Some(&key), &format!("/api/v1/helpdesk/tags/{id}"), &json!({"name": "Refunds"}), Some("create-refund")).await;
        assert_eq!(upd.status, 200, "{}", upd.text);
        // a key of another tenant with the same Idempotency-Key runs afresh
        let (_, key_b) = a.tenant_with_key("beta").await;
        let other_tenant = a.post(Some(&key_b), "/api/v1/helpdesk/tags", &body, Some("create-refund")).await;
        assert_eq!(other_tenant.status, 201);
        assert_eq!(other_tenant.header("idempotency-replayed"), None);

        // concurrent duplicates over two processes: one tag, no 5xx
        let mut tasks = vec![];
        for i in 0..10 {
            let (base, http, key) = (if i % 2 == 0 { a.base.clone() } else { b.base.clone() }, a.http.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let r = http
                    .post(format!("{base}/api/v1/helpdesk/tags"))
                    .bearer_auth(key)
                    .header("Idempotency-Key", "burst")
                    .json(&json!({"slug": "burst", "name": "Burst"}))
                    .send()
                    .await
                    .unwrap();
                common::Reply::from(r).await
            }));
        }
        let mut created = 0;
        for t in tasks {
            let r = t.await.unwrap();
            match (r.status, r.header("idempotency-replayed")) {
                (201, None) => created += 1,
                (201, Some("true")) => {}
                (409, _) => assert_eq!(r.code(), "idempotency_key_in_progress"),
                other => panic!("unexpected {other:?}: {}", r.text),
            }
        }
        assert_eq!(created, 1, "exactly one request ran");
        let list = a.get(Some(&key), "/api/v1/helpdesk/tags?limit=100").await;
        let bursts = list.body["data"].as_array().unwrap().iter().filter(|t| t["slug"] == "burst").count();
        assert_eq!(bursts, 1);
        let r = a.post(Some(&key), "/api/v1/helpdesk/tags", &body, Some(&"x".repeat(256))).await;
        r.assert_error(400, "invalid_parameter");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_on_success_error_preflight_and_allow_lists() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        for r in [ts.get(Some(&key), "/api/v1/users").await, ts.get(None, "/api/v1/users").await] {
            assert_eq!(r.header("access-control-allow-origin"), Some("*"));
            assert_eq!(r.header("access-control-allow-methods"), Some("GET, POST, PUT, PATCH, DELETE, OPTIONS"));
            assert_eq!(
                r.header("access-control-allow-headers"),
                Some("Authorization, Content-Type, Idempotency-Key, X-CSRF-TOKEN, X-Requested-With, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language")
            );
            let expose = r.header("access-control-expose-headers").unwrap();
            for h in ["X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Idempotency-Replayed"] {
                assert!(expose.contains(h), "exposes {h}");
            }
        }
        for path in ["/api/v1/users", "/api/v1/helpdesk/tags/9/delete", "/api/docs"] {
            let r = ts
                .http
                .request(reqwest::Method::OPTIONS, ts.url(path))
                .header("origin", "https://app.example")
                .header("access-control-request-method", "POST")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204, "{path}");
            assert_eq!(r.headers()["access-control-allow-origin"], "*");
            assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("Idempotency-Key"));
        }
        tenant_set_cors(ts.db(), "acme", vec!["https://app.example".into()]).await.unwrap();
        let allowed = ts.http.get(ts.url("/api/v1/users")).bearer_auth(&key).header("origin", "https://app.example").send().await.unwrap();
        assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example");
        assert_eq!(allowed.headers()["vary"], "Origin");
        let other = ts.http.get(ts.url("/api/v1/users")).bearer_auth(&key).header("origin", "https://evil.example").send().await.unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());
        assert_eq!(other.headers()["access-control-allow-methods"], "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_neither_skips_nor_repeats_under_concurrent_inserts() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let mut before = HashSet::new();
        for i in 0..37 {
            before.insert(user_create(ts.db(), tenant, &member(&format!("u{i}"))).await.unwrap().id);
        }
        let db = ts.db().clone();
        let writer = tokio::spawn(async move {
            for i in 0..30 {
                user_create(&db, tenant, &member(&format!("late{i}"))).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
        });
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/users?limit=4&cursor={c}"),
                None => "/api/v1/users?limit=4".to_owned(),
            };
            let r = ts.get(Some(&key), &path).await;
            assert_eq!(r.status, 200, "{}", r.text);
            seen.extend(r.body["data"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()));
            assert_eq!(r.body["has_more"].as_bool().unwrap(), !r.body["next_cursor"].is_null());
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        writer.await.unwrap();
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no row repeated");
        assert!(before.is_subset(&unique), "every row that existed at the start was seen");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(sorted, seen, "newest first, in order");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cursors_are_bound_to_tenant_and_list_and_tamper_evident() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant_a, key_a) = ts.tenant_with_key("acme").await;
        let (_, key_b) = ts.tenant_with_key("beta").await;
        for i in 0..5 {
            user_create(ts.db(), tenant_a, &member(&format!("u{i}"))).await.unwrap();
        }
        let r = ts.get(Some(&key_a), "/api/v1/users?limit=2").await;
        let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
        assert_eq!(ts.get(Some(&key_a), &format!("/api/v1/users?limit=2&cursor={cursor}")).await.status, 200);
        ts.get(Some(&key_b), &format!("/api/v1/users?cursor={cursor}")).await.assert_error(400, "invalid_cursor");
        ts.get(Some(&key_a), &format!("/api/v1/events?cursor={cursor}")).await.assert_error(400, "invalid_cursor");
        ts.get(Some(&key_a), "/api/v1/users?cursor=garbage").await.assert_error(400, "invalid_cursor");
        let mut tampered = cursor.clone().into_bytes();
        let i = 8;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        ts.get(Some(&key_a), &format!("/api/v1/users?cursor={tampered}")).await.assert_error(400, "invalid_cursor");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_key_reads_or_changes_another_tenants_rows() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant_a, key_a) = ts.tenant_with_key("acme").await;
        let (_, key_b) = ts.tenant_with_key("beta").await;
        let user = user_create(ts.db(), tenant_a, &member("ada")).await.unwrap();
        let post = mobieus_server::store::posts::post_create(ts.db(), tenant_a, user.id, "t", "b").await.unwrap();
        let tag = ts.post(Some(&key_a), "/api/v1/helpdesk/tags", &json!({"slug": "vip", "name": "VIP"}), None).await;
        let tag_id = tag.body["data"]["id"].as_i64().unwrap();
        let event_id = ts.get(Some(&key_a), "/api/v1/events?limit=1").await.body["data"][0]["id"].as_i64().unwrap();

        ts.get(Some(&key_b), &format!("/api/v1/users/{}", user.id)).await.assert_error(404, "user_not_found");
        ts.get(Some(&key_b), &format!("/api/v1/posts/{}", post.id)).await.assert_error(404, "post_not_found");
        ts.get(Some(&key_b), &format!("/api/v1/events/by-id/{event_id}")).await.assert_error(404, "event_not_found");
        assert_eq!(ts.get(Some(&key_a), &format!("/api/v1/events/by-id/{event_id}")).await.body["data"]["id"], event_id);
        ts.get(Some(&key_b), &format!("/api/v1/helpdesk/tags/{tag_id}")).await.assert_error(404, "tag_not_found");
        ts.post(Some(&key_b), &format!("/api/v1/helpdesk/tags/{tag_id}"), &json!({"name": "x"}), None).await.assert_error(404, "tag_not_found");
        ts.post(Some(&key_b), &format!("/api/v1/helpdesk/tags/{tag_id}/delete"), &json!({}), None).await.assert_error(404, "tag_not_found");
        for path in ["/api/v1/users", "/api/v1/posts", "/api/v1/events", "/api/v1/helpdesk/tags"] {
            let r = ts.get(Some(&key_b), path).await;
            assert_eq!(r.body["total_count"], 0, "{path}: {}", r.text);
            assert_eq!(r.body["data"], json!([]));
        }
        // the same slug is free in another tenant
        assert_eq!(ts.post(Some(&key_b), "/api/v1/helpdesk/tags", &json!({"slug": "vip", "name": "VIP"}), None).await.status, 201);
        let still = ts.get(Some(&key_a), &format!("/api/v1/helpdesk/tags/{tag_id}")).await;
        assert_eq!(still.body["data"]["name"], "VIP");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_stable_code_naming_what_was_wrong() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let tags = "/api/v1/helpdesk/tags";
        let r = ts.post(Some(&key), tags, &json!({"name": "No slug"}), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "slug");
        let r = ts.post(Some(&key), tags, &json!({"slug": "ok", "name": "Ok", "color": "red"}), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "color");
        let r = ts.post(Some(&key), tags, &json!({"slug": "Bad Slug", "name": "x"}), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "slug");
        let r = ts.post(Some(&key), tags, &json!({"slug": "ok", "name": "Ok", "colour": "#ffffff"}), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "colour");
        // null for an optional field is the same as leaving it out
        let r = ts.post(Some(&key), tags, &json!({"slug": "nulls", "name": "Nulls", "color": null}), None).await;
        assert_eq!((r.status, r.body["data"]["color"].as_str()), (201, Some("#6b7280")), "{}", r.text);
        let r = ts.post(Some(&key), tags, &json!({"slug": null, "name": "x"}), None).await;
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "slug", "a required field cannot be null");
        let raw = ts.http.post(ts.url(tags)).bearer_auth(&key).header("content-type", "application/json").body("{\"slug\":").send().await.unwrap();
        common::Reply::from(raw).await.assert_error(400, "invalid_json");
        let big = json!({"slug": "big", "name": "x".repeat(2 * 1024 * 1024)});
        ts.post(Some(&key), tags, &big, None).await.assert_error(413, "payload_too_large");

        assert_eq!(ts.post(Some(&key), tags, &json!({"slug": "dup", "name": "Dup"}), None).await.status, 201);
        let r = ts.post(Some(&key), tags, &json!({"slug": "dup", "name": "Again"}), None).await;
        r.assert_error(409, "conflict");
        assert_eq!(r.body["error"]["extra"]["field"], "slug");

        for (q, param) in [("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"), ("created_after=yesterday", "created_after"), ("role=king", "role"), ("limit=1&limit=2", "limit")] {
            let r = ts.get(Some(&key), &format!("/api/v1/users?{q}")).await;
            r.assert_error(400, "invalid_parameter");
            assert_eq!(r.body["error"]["extra"]["parameter"], param, "{q}");
        }
        ts.get(Some(&key), "/api/v1/users/abc").await.assert_error(400, "invalid_parameter");
        ts.get(Some(&key), "/api/v1/users/999999").await.assert_error(404, "user_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_naming_another_tenant_is_refused() {
    let ts = TestServer::start_with(&Backend::Sqlite, |c| c.base_domain = Some("mobieus.test".into())).await;
    let (_, key) = ts.tenant_with_key("acme").await;
    let at = |host: &'static str| {
        ts.http.get(ts.url("/api/v1/users")).bearer_auth(key.clone()).header("host", host).send()
    };
    assert_eq!(at("acme.mobieus.test").await.unwrap().status(), 200);
    assert_eq!(at("ACME.mobieus.test:8080").await.unwrap().status(), 200);
    common::Reply::from(at("beta.mobieus.test").await.unwrap()).await.assert_error(401, "invalid_api_key");
    // a Host outside the base domain (e.g. a direct address) is not a tenant claim
    assert_eq!(at("127.0.0.1").await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn preflights_follow_the_tenant_named_by_the_host() {
    let ts = TestServer::start_with(&Backend::Sqlite, |c| c.base_domain = Some("mobieus.test".into())).await;
    ts.tenant_with_key("acme").await;
    tenant_set_cors(ts.db(), "acme", vec!["https://app.acme.example".into()]).await.unwrap();
    let preflight = |host: &'static str, origin: &'static str| {
        ts.http
            .request(reqwest::Method::OPTIONS, ts.url("/api/v1/users"))
            .header("host", host)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let ok = preflight("acme.mobieus.test", "https://app.acme.example").await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.acme.example");
    assert_eq!(ok.headers()["vary"], "Origin");
    let other = preflight("acme.mobieus.test", "https://evil.example").await.unwrap();
    assert_eq!(other.status(), 204);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let unknown_tenant = preflight("nobody.mobieus.test", "https://evil.example").await.unwrap();
    assert_eq!(unknown_tenant.headers()["access-control-allow-origin"], "*");
}
