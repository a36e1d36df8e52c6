//! Webhooks end to end: a real receiver on loopback verifies every signature
//! and counts deliveries, on each backend.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{backends, Backend, TestServer};
use mobieus_server::testkit::Receiver;
use mobieus_server::ServerConfig;
use serde_json::{json, Value};

/// Quick retries for tests: 100 ms, 200 ms, 300 ms, then failed.
fn fast(c: &mut ServerConfig) {
    c.allow_private_webhooks = true;
    c.webhooks.policy.schedule = vec![Duration::from_millis(100), Duration::from_millis(200), Duration::from_millis(300)];
    c.webhooks.poll_interval = Duration::from_millis(50);
}

async fn endpoint(ts: &TestServer, key: &str, url: &str, types: Value) -> (i64, String) {
    let r = ts.post(Some(key), "/api/v1/webhooks/endpoints", &json!({ "url": url, "event_types": types }), None).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.body["data"]["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (r.body["data"]["endpoint"]["id"].as_i64().unwrap(), secret)
}

/// A server (with `tweak`), a tenant and key, a receiver knowing the secret
/// of an endpoint subscribed to `types`.
async fn hooked(b: &Backend, tweak: impl FnOnce(&mut ServerConfig), types: Value) -> (TestServer, i64, String, Receiver, i64, String) {
    let ts = TestServer::start_with(b, tweak).await;
    let (tenant, key) = ts.tenant_with_key("hooks").await;
    let rx = Receiver::start(true).await;
    let (id, secret) = endpoint(&ts, &key, &rx.url("/hook"), types).await;
    rx.set_secrets(&[&secret]);
    (ts, tenant, key, rx, id, secret)
}

/// GETs `path` until `done(body)` holds (the delivery log is written just
/// after the receiver answers, so it can trail what the receiver saw).
async fn until(ts: &TestServer, key: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut body = Value::Null;
    for _ in 0..200 {
        body = ts.get(Some(key), path).await.body;
        if done(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never reached the expected state: {body}");
}

async fn make_post(ts: &TestServer, tenant: i64) -> i64 {
    let db = ts.db();
    let user = mobieus_server::store::users::user_create(
        db,
        tenant,
        &mobieus_server::store::users::NewUser {
            username: format!("u{}", uuid::Uuid::new_v4().simple()),
            display_name: "U".into(),
            email: None,
            role: "member".into(),
        },
    )
    .await
    .unwrap();
    mobieus_server::store::posts::post_create(db, tenant, user.id, "t", "b").await.unwrap().id
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_are_signed_retried_after_500s_and_logged() {
    for b in backends() {
        let (ts, tenant, key, rx, id, _) = hooked(&b, fast, json!(["post.created"])).await;
        rx.fail_next(2, 500);
        make_post(&ts, tenant).await;
        assert!(rx.wait_for(10, |r| r.received().iter().any(|x| x.status_sent == 200)).await, "{b:?}: delivered in the end");
        let got = rx.received();
        assert_eq!(got.len(), 3, "{b:?}: two 500s then a 200");
        assert!(got.iter().all(|r| r.verified_by == vec![0]), "{b:?}: every attempt signed with the secret: {got:?}");
        assert!(got.iter().all(|r| r.webhook_id == got[0].webhook_id), "{b:?}: one webhook-id across retries");
        let body: Value = serde_json::from_str(&got[2].body).unwrap();
        assert_eq!(body["type"], "post.created");
        // the delivery log
        let list = until(&ts, &key, &format!("/api/v1/webhooks/endpoints/{id}/deliveries"), |b| b["data"][0]["status"] == "succeeded").await;
        let delivery = &list["data"][0];
        assert_eq!(delivery["attempt_count"], 3);
        assert_eq!(delivery["webhook_id"], got[0].webhook_id.as_str());
        let detail = ts.get(Some(&key), &format!("/api/v1/webhooks/deliveries/{}", delivery["id"])).await;
        let attempts = detail.body["data"]["attempts"].as_array().unwrap();
        let codes: Vec<i64> = attempts.iter().map(|a| a["status_code"].as_i64().unwrap()).collect();
        assert_eq!(codes, vec![500, 500, 200], "{b:?}");
        assert_eq!(attempts[0]["response_excerpt"], "received\n");
        assert_eq!(detail.body["data"]["request"]["headers"]["webhook-signature"].as_str(), Some(got[2].signature.as_str()));
        assert_eq!(detail.body["data"]["request"]["body"].as_str(), Some(got[2].body.as_str()));
        // filtered by status
        let failed = ts.get(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/deliveries?status=failed")).await;
        assert_eq!(failed.body["total_count"], 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_failing_every_attempt_is_marked_failed_and_can_be_replayed() {
    for b in backends() {
        let (ts, tenant, key, rx, id, _) = hooked(&b, fast, json!(["post.created"])).await;
        rx.fail_next(4, 503);
        make_post(&ts, tenant).await;
        assert!(rx.wait_for(10, |r| r.count() >= 4).await);
        // one delivery used up its 4 attempts
        let failed = until(&ts, &key, &format!("/api/v1/webhooks/endpoints/{id}/deliveries?status=failed"), |b| b["total_count"] == 1).await;
        let original = failed["data"][0].clone();
        assert_eq!(original["attempt_count"], 4);
        assert_eq!(original["next_attempt_at"], Value::Null);
        let replay = ts.post(Some(&key), &format!("/api/v1/webhooks/deliveries/{}/replay", original["id"]), &json!({}), None).await;
        assert_eq!(replay.status, 201, "{}", replay.text);
        assert_eq!(replay.body["data"]["replay_of"], original["id"]);
        assert_ne!(replay.body["data"]["webhook_id"], original["webhook_id"]);
        let new_id = replay.body["data"]["webhook_id"].as_str().unwrap().to_owned();
        assert!(rx.wait_for(10, |r| r.by_id().contains_key(&new_id)).await, "{b:?}: the replay arrives");
        let replayed = rx.received().into_iter().find(|r| r.webhook_id == new_id).unwrap();
        let first = rx.received().into_iter().find(|r| r.webhook_id == original["webhook_id"].as_str().unwrap()).unwrap();
        assert_eq!(replayed.body, first.body, "same event body");
        assert_eq!(replayed.verified_by, vec![0]);
        // unknown delivery, other tenant's delivery
        let (_, other) = ts.tenant_with_key("other").await;
        ts.post(Some(&other), &format!("/api/v1/webhooks/deliveries/{}/replay", original["id"]), &json!({}), None)
            .await
            .assert_error(404, "webhook_delivery_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_signs_with_both_secrets_during_grace() {
    for b in backends() {
        let ts = TestServer::start_with(&b, fast).await;
        let (_tenant, key) = ts.tenant_with_key("hooks").await;
        let rx = Receiver::start(true).await;
        let (id, old) = endpoint(&ts, &key, &rx.url("/hook"), json!(["*"])).await;
        let rotated = ts.post(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/rotate-secret"), &json!({}), None).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text);
        let new = rotated.body["data"]["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(rotated.body["data"]["endpoint"]["previous_secret_expires_at"].is_string());
        rx.set_secrets(&[&old, &new]);
        let test = ts.post(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/test"), &json!({}), None).await;
        assert_eq!(test.status, 201, "{}", test.text);
        assert_eq!(test.body["data"]["event_type"], "webhook.test");
        assert!(rx.wait_for(10, |r| r.count() == 1).await);
        let got = &rx.received()[0];
        assert_eq!(got.verified_by, vec![0, 1], "{b:?}: both secrets verify during the grace period: {}", got.signature);
        assert_eq!(got.signature.split(' ').count(), 2);
        // a receiver that only knows the new secret accepts it too
        assert!(mobieus_api::webhook::verify_webhook(&new, &got.webhook_id, &got.timestamp, &got.signature, got.body.as_bytes(), chrono::Utc::now().timestamp(), 300).is_ok());
        // the secret is never listed
        let listed = ts.get(Some(&key), "/api/v1/webhooks/endpoints").await;
        assert!(!listed.text.contains(&new) && !listed.text.contains("whsec_"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn urls_are_checked_and_webhook_scopes_enforced() {
    for b in backends() {
        let ts = TestServer::start(&b).await; // private targets not allowed
        let (tenant, key) = ts.tenant_with_key("hooks").await;
        for (url, field) in [("http://example.org/x", "url"), ("https://127.0.0.1/x", "url"), ("https://10.0.0.8/x", "url"), ("https://[::1]/x", "url"), ("not a url", "url")] {
            let r = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &json!({ "url": url }), None).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], field, "{url}");
        }
        let r = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &json!({ "url": "https://93.184.216.34/x", "event_types": ["post.created", "nope.nothing"] }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "event_types[1]");
        let reader = ts.key(tenant, &["webhooks:read"]).await;
        let r = ts.post(Some(&reader), "/api/v1/webhooks/endpoints", &json!({ "url": "https://93.184.216.34/x" }), None).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "webhooks:manage");
        let ok = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &json!({ "url": "https://93.184.216.34/x" }), None).await;
        assert_eq!(ok.status, 201);
        assert_eq!(ok.body["data"]["endpoint"]["event_types"], json!(["*"]));
        let id = ok.body["data"]["endpoint"]["id"].as_i64().unwrap();
        assert_eq!(ts.get(Some(&reader), &format!("/api/v1/webhooks/endpoints/{id}")).await.status, 200);
        let (_, other) = ts.tenant_with_key("other").await;
        ts.get(Some(&other), &format!("/api/v1/webhooks/endpoints/{id}")).await.assert_error(404, "webhook_endpoint_not_found");
        // a disabled endpoint keeps its deliveries until enabled again; delete removes it
        let upd = ts.post(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}"), &json!({ "enabled": false, "description": "paused" }), None).await;
        assert_eq!(upd.body["data"]["enabled"], false, "{}", upd.text);
        assert_eq!(upd.body["data"]["description"], "paused");
        let del = ts.post(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/delete"), &json!({}), None).await;
        assert_eq!(del.body["data"]["deleted"], true, "{}", del.text);
        ts.get(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}")).await.assert_error(404, "webhook_endpoint_not_found");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_failing_for_days_is_disabled_with_an_event() {
    for b in backends() {
        let ts = TestServer::start_with(&b, |c| {
            fast(c);
            c.webhooks.policy.disable_after = Duration::from_millis(250);
        })
        .await;
        let (tenant, key) = ts.tenant_with_key("hooks").await;
        let rx = Receiver::start(true).await;
        let (id, _) = endpoint(&ts, &key, &rx.url("/hook"), json!(["post.created"])).await;
        rx.fail_next(1000, 500);
        make_post(&ts, tenant).await;
        let mut disabled = Value::Null;
        for _ in 0..100 {
            let e = ts.get(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}")).await;
            if e.body["data"]["enabled"] == false {
                disabled = e.body["data"].clone();
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(disabled["disabled_reason"], "failing_for_days", "{b:?}");
        let events = ts.get(Some(&key), "/api/v1/events?type=webhook.endpoint_disabled").await;
        assert_eq!(events.body["total_count"], 1, "{}", events.text);
        assert_eq!(events.body["data"][0]["data"]["endpoint_id"], id);
    }
}

/// Two server processes share one PostgreSQL outbox: every delivery arrives
/// exactly once, and the attempts split between them.
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_never_send_the_same_attempt_twice() {
    let Some(Backend::Postgres(_)) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))) else { return };
    let b = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))).unwrap();
    let url = common::database_url(&b).await;
    let tweak = |c: &mut ServerConfig| {
        fast(c);
        c.webhooks.batch = 10;
        c.webhooks.concurrency = 4;
    };
    let one = TestServer::start_on(&b, &url, tweak).await;
    let (tenant, key) = one.tenant_with_key("hooks").await;
    let rx = Receiver::start(true).await;
    let (_, secret) = endpoint(&one, &key, &rx.url("/hook"), json!(["post.created"])).await;
    rx.set_secrets(&[&secret]);
    let two = TestServer::start_on(&b, &url, tweak).await;
    let user = mobieus_server::store::users::user_create(
        one.db(),
        tenant,
        &mobieus_server::store::users::NewUser { username: "w".into(), display_name: "W".into(), email: None, role: "member".into() },
    )
    .await
    .unwrap();
    let writes = (0..200).map(|i| {
        let db = if i % 2 == 0 { one.db().clone() } else { two.db().clone() };
        async move { mobieus_server::store::posts::post_create(&db, tenant, user.id, "t", "b").await.unwrap() }
    });
    futures::future::join_all(writes).await;
    assert!(rx.wait_for(20, |r| r.count() >= 200).await, "all delivered: {}", rx.count());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let by_id = rx.by_id();
    assert_eq!(by_id.len(), 200);
    let repeated: HashMap<_, _> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "no webhook-id arrived twice: {repeated:?}");
    assert!(rx.received().iter().all(|r| r.verified_by == vec![0]));
}

/// Deliveries queued while no process delivers are sent after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_loses_no_pending_delivery() {
    for b in backends() {
        let url = common::database_url(&b).await;
        let first = TestServer::start_on(&b, &url, |c| {
            fast(c);
            c.webhooks.workers = 0;
        })
        .await;
        let (tenant, key) = first.tenant_with_key("hooks").await;
        let rx = Receiver::start(true).await;
        let (id, secret) = endpoint(&first, &key, &rx.url("/hook"), json!(["post.created"])).await;
        rx.set_secrets(&[&secret]);
        for _ in 0..5 {
            make_post(&first, tenant).await;
        }
        let pending = first.get(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/deliveries?status=pending")).await;
        assert_eq!(pending.body["total_count"], 5);
        mobieus_server::shutdown(first.server).await.unwrap();
        assert_eq!(rx.count(), 0);
        let second = TestServer::start_on(&b, &url, fast).await;
        assert!(rx.wait_for(10, |r| r.count() == 5).await, "{b:?}: {}", rx.count());
        until(&second, &key, &format!("/api/v1/webhooks/endpoints/{id}/deliveries?status=succeeded"), |b| b["total_count"] == 5).await;
    }
}

/// Signing secrets (and the one before a rotation, and the answer replayed
/// for an Idempotency-Key, which holds the secret) are sealed at rest with the
/// master key; `secrets rotate-master-key` reseals them under a new key while
/// a server runs, seals any kept unsealed, and a server holding only the new
/// key then signs with them.
#[tokio::test(flavor = "multi_thread")]
async fn signing_secrets_are_sealed_at_rest_and_a_master_key_rotation_reseals_them() {
    use mobieus_server::admin::secrets::rotate_master_key_cmd;
    use mobieus_server::secrets::{sealed_by, Keyring, MasterKey};
    use mobieus_server::store::webhooks::{endpoint_get, secret_context};
    for b in backends() {
        let ts = TestServer::start_with(&b, fast).await;
        let old_id = ts.secrets().current().unwrap().id().to_owned();
        let (tenant, key) = ts.tenant_with_key("hooks").await;
        let rx = Receiver::start(true).await;
        let body = json!({ "url": rx.url("/hook"), "event_types": ["*"] });
        let created = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &body, Some("create-hook-1")).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.body["data"]["endpoint"]["id"].as_i64().unwrap();
        let first = created.body["data"]["secret"].as_str().unwrap().to_owned();
        let rotated = ts.post(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/rotate-secret"), &json!({}), None).await;
        let second = rotated.body["data"]["secret"].as_str().unwrap().to_owned();
        // at rest: sealed by the server's key, the secrets nowhere in clear
        let row = endpoint_get(ts.db(), tenant, id).await.unwrap();
        for stored in [&row.secret, row.previous_secret.as_ref().unwrap()] {
            assert_eq!(sealed_by(stored), Some(old_id.as_str()), "{stored}");
            assert!(!stored.contains("whsec_"));
        }
        let answers = mobieus_server::store::idempotency::idempotency_answers_after(ts.db(), &(0, String::new(), String::new()), 10).await.unwrap();
        assert_eq!(answers.len(), 1);
        assert!(sealed_by(&answers[0].body).is_some() && !answers[0].body.contains(&first), "{}", answers[0].body);
        // the replay opens it: the same answer, secret included
        let replay = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &body, Some("create-hook-1")).await;
        assert_eq!((replay.status, replay.body["data"]["secret"].as_str()), (201, Some(first.as_str())), "{}", replay.text);
        // the cursor signing key too
        let server_secrets = mobieus_server::store::secrets::server_secrets_all(ts.db()).await.unwrap();
        assert!(server_secrets.iter().all(|(_, v)| sealed_by(v) == Some(old_id.as_str())), "{server_secrets:?}");
        // an endpoint written while no master key sealed keeps its secret unsealed (this
        // server can open what is stored, as it must to start: the cursor key is sealed)
        let keyless = TestServer::start_on(&b, &ts.server.app_private().config.database_url, |c| {
            fast(c);
            c.secrets = Keyring::new(None, vec![MasterKey::parse(common::TEST_MASTER_KEY).unwrap()]);
        })
        .await;
        let plain = keyless.post(Some(&key), "/api/v1/webhooks/endpoints", &json!({ "url": rx.url("/other") }), None).await;
        let plain_id = plain.body["data"]["endpoint"]["id"].as_i64().unwrap();
        assert_eq!(sealed_by(&endpoint_get(ts.db(), tenant, plain_id).await.unwrap().secret), None);
        drop(keyless);

        // a rotation that is not given the old key cannot open what it sealed, and says so
        let new_key = || MasterKey::parse(&"5a".repeat(32)).unwrap();
        let stranger = rotate_master_key_cmd(ts.db(), &Keyring::new(Some(new_key()), vec![])).await.unwrap_err();
        assert!(stranger.to_string().contains("not given"), "{stranger}");
        // given it: every value resealed by the new key (the keyless one sealed), once
        let ring = Keyring::new(Some(new_key()), vec![MasterKey::parse(common::TEST_MASTER_KEY).unwrap()]);
        let report = rotate_master_key_cmd(ts.db(), &ring).await.unwrap();
        // (the keyless secret was sealed by the run above, which needed no old key for it)
        assert_eq!((report["webhook_secrets"]["resealed"].as_u64(), report["webhook_secrets"]["already_current"].as_u64()), (Some(1), Some(1)), "{report}");
        assert_eq!(report["idempotent_answers"]["resealed"], 1, "{report}");
        assert_eq!(report["server_secrets"]["resealed"], 1, "{report}");
        let again = rotate_master_key_cmd(ts.db(), &ring).await.unwrap();
        assert_eq!((again["server_secrets"]["resealed"].as_u64(), again["server_secrets"]["already_current"].as_u64()), (Some(0), Some(1)), "{again}");
        assert_eq!((again["webhook_secrets"]["resealed"].as_u64(), again["webhook_secrets"]["already_current"].as_u64()), (Some(0), Some(2)), "{again}");
        let new_id = new_key().id().to_owned();
        let row = endpoint_get(ts.db(), tenant, id).await.unwrap();
        let context = secret_context(tenant);
        let only_new = Keyring::new(Some(new_key()), vec![]);
        assert_eq!(sealed_by(&row.secret), Some(new_id.as_str()));
        assert_eq!(only_new.open(&row.secret, &context).unwrap(), second);
        assert_eq!(only_new.open(row.previous_secret.as_ref().unwrap(), &context).unwrap(), first);
        assert_eq!(only_new.open(&endpoint_get(ts.db(), tenant, plain_id).await.unwrap().secret, &context).unwrap(), plain.body["data"]["secret"].as_str().unwrap());
        let db_url = ts.server.app_private().config.database_url.clone();
        drop(ts);
        // a server that cannot open the cursor key refuses to start (rather
        // than sign cursors no other process accepts)
        let mut config = mobieus_server::config::ServerConfig::new(&db_url);
        config.secrets = Keyring::default();
        let refused = mobieus_server::app::AppContext::new(config).await.err().expect("refuses to start");
        assert!(refused.to_string().contains("cursor signing key"), "{refused}");

        // a server holding only the new key signs with both secrets and replays the stored answer
        let ts = TestServer::start_on(&b, &db_url, |c| {
            fast(c);
            c.secrets = Keyring::new(Some(new_key()), vec![]);
        })
        .await;
        rx.set_secrets(&[&first, &second]);
        let test = ts.post(Some(&key), &format!("/api/v1/webhooks/endpoints/{id}/test"), &json!({}), None).await;
        assert_eq!(test.status, 201, "{}", test.text);
        assert!(rx.wait_for(10, |r| r.count() >= 1).await);
        let got = rx.received().into_iter().find(|r| r.body.contains("webhook.test")).unwrap();
        assert_eq!(got.verified_by, vec![0, 1], "{b:?}: signed with the current and the previous secret: {}", got.signature);
        let replay = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &body, Some("create-hook-1")).await;
        assert_eq!(replay.body["data"]["secret"].as_str(), Some(first.as_str()), "{}", replay.text);
    }
}
