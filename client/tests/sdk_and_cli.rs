//! The SDK's streams and the CLI against a real server.

use std::process::Command;
use std::time::Duration;

use futures::StreamExt;
use mobieus_client::{types, Mobieus};
use mobieus_server::store::api_keys::{key_create, NewKey};
use mobieus_server::store::tenants::tenant_create;
use mobieus_server::store::users::{user_create, NewUser};
use mobieus_server::{testkit, AppContext, ServerConfig};

async fn server_with_users(n: usize) -> (mobieus_server::Running, String, String) {
    let mut config = ServerConfig::new(testkit::fresh_sqlite());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.key_cache_ttl = Duration::ZERO;
    let ctx = AppContext::new(config).await.unwrap();
    let tenant = tenant_create(&ctx.db, "acme", "Acme", "pro").await.unwrap();
    for i in 0..n {
        let u = NewUser { username: format!("u{i}"), display_name: format!("U {i}"), email: None, role: "member".into() };
        user_create(&ctx.db, tenant.id, &u).await.unwrap();
    }
    let new = NewKey { tenant_id: tenant.id, name: "t".into(), scopes: mobieus_server::scopes::all(), per_minute: 10_000, per_hour: 100_000 };
    let (_, secret) = key_create(&ctx.db, &new).await.unwrap();
    let server = mobieus_server::serve(ctx).unwrap();
    let base = format!("http://{}", server.local_addr());
    (server, base, secret)
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_follow_cursors_across_pages() {
    let (_server, base, key) = server_with_users(230).await;
    let sdk = Mobieus::new(&base, &key).unwrap();
    let users: Vec<types::User> = sdk.users_all().map(|r| r.unwrap()).collect().await;
    assert_eq!(users.len(), 230);
    assert!(users.windows(2).all(|w| w[0].id > w[1].id), "newest first, no repeats");
    let events: Vec<_> = sdk.events_all(Some("user.created".into())).collect().await;
    assert_eq!(events.len(), 230);

    let tag = sdk.create_helpdesk_tag(types::TagCreate::builder().slug("vip").name("VIP").try_into().unwrap()).await.unwrap();
    let tags: Vec<_> = sdk.helpdesk_tags_all().map(|r| r.unwrap()).collect().await;
    assert_eq!(tags.iter().map(|t| t.id).collect::<Vec<_>>(), vec![tag.id]);

    let bad = Mobieus::new(&base, "mc_live_wrong").unwrap();
    let mut stream = std::pin::pin!(bad.users_all());
    let first = stream.next().await.unwrap();
    match first {
        Err(mobieus_client::ApiError::ErrorResponse(r)) => assert_eq!(r.error.code, "invalid_api_key"),
        other => panic!("{other:?}"),
    }
}

fn cli(base: &str, key: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mobieus"))
        .args(["--base-url", base])
        .args(args)
        .env("MOBIEUS_API_KEY", key)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_lists_everything_and_writes_tags() {
    let (_server, base, key) = server_with_users(130).await;
    let b = base.clone();
    let k = key.clone();
    let (ok, out, err) = tokio::task::spawn_blocking(move || cli(&b, &k, &["users", "list", "--all", "--output", "ndjson"])).await.unwrap();
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 130);
    let (b, k) = (base.clone(), key.clone());
    let (ok, out, err) = tokio::task::spawn_blocking(move || cli(&b, &k, &["helpdesk-tags", "create", "--slug", "refund", "--name", "Refund", "--color", "#DC2626"])).await.unwrap();
    assert!(ok, "{err}");
    let tag: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tag["color"], "#dc2626");
    let (b, k) = (base.clone(), key.clone());
    let (ok, _, err) = tokio::task::spawn_blocking(move || cli(&b, &k, &["helpdesk-tags", "create", "--slug", "refund", "--name", "Again"])).await.unwrap();
    assert!(!ok && err.starts_with("conflict: "), "{err}");
    let (b, k) = (base.clone(), "mc_live_nope".to_owned());
    let (ok, _, err) = tokio::task::spawn_blocking(move || cli(&b, &k, &["users", "get", "1"])).await.unwrap();
    assert!(!ok && err.starts_with("invalid_api_key: ") && err.contains("(req_"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_only_what_is_safe_and_waits_as_told() {
    use mobieus_client::retry::{retry, RetryPolicy};
    use std::sync::atomic::{AtomicU32, Ordering};
    let (_server, base, key) = server_with_users(1).await;
    let sdk = Mobieus::new(&base, &key).unwrap();
    let policy = RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(50), max_delay: Duration::from_millis(200) };

    // a 404 is an answer, not a failure to retry
    let attempts = AtomicU32::new(0);
    let r = retry(&policy, || {
        attempts.fetch_add(1, Ordering::SeqCst);
        sdk.api().get_user().id(999_999).send()
    })
    .await;
    assert!(matches!(r, Err(mobieus_client::ApiError::ErrorResponse(ref e)) if e.error.code == "user_not_found"));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);

    // a 429 is retried after Retry-After (capped by the policy), up to max_attempts
    let (_server2, base2, _) = server_with_users(0).await;
    let limited_key = {
        let db = &_server2.app_private().db;
        let t = mobieus_server::store::tenants::tenant_by_slug(db, "acme").await.unwrap();
        let new = NewKey { tenant_id: t.id, name: "slow".into(), scopes: vec!["users:read".into()], per_minute: 1, per_hour: 100 };
        key_create(db, &new).await.unwrap().1
    };
    let slow = Mobieus::new(&base2, &limited_key).unwrap();
    slow.api().list_users().send().await.unwrap();
    let attempts = AtomicU32::new(0);
    let started = std::time::Instant::now();
    let r = retry(&policy, || {
        attempts.fetch_add(1, Ordering::SeqCst);
        slow.api().list_users().send()
    })
    .await;
    match r {
        Err(mobieus_client::ApiError::ErrorResponse(e)) => assert_eq!(e.error.code, "rate_limited"),
        other => {
            // only possible if the minute rolled over between the calls
            assert!(other.is_ok(), "{other:?}");
            return;
        }
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert!(started.elapsed() >= Duration::from_millis(400), "waited Retry-After (capped at 200 ms) twice");
}

/// The SDK's event stream reads from a given id, and when the server goes
/// away and comes back it reconnects with Last-Event-ID: nothing lost, nothing
/// repeated. The CLI's `tail` prints the same events.
#[tokio::test(flavor = "multi_thread")]
async fn the_event_stream_resumes_across_a_server_restart() {
    let url = testkit::fresh_sqlite();
    let start = |bind: std::net::SocketAddr| {
        let url = url.clone();
        async move {
            let mut config = ServerConfig::new(url);
            config.bind = bind;
            config.key_cache_ttl = Duration::ZERO;
            let ctx = AppContext::new(config).await.unwrap();
            let db = ctx.db.clone();
            (mobieus_server::serve(ctx).unwrap(), db)
        }
    };
    let (server, db) = start("127.0.0.1:0".parse().unwrap()).await;
    let addr = server.local_addr();
    let base = format!("http://{addr}");
    let tenant = tenant_create(&db, "acme", "Acme", "pro").await.unwrap();
    let new = NewKey { tenant_id: tenant.id, name: "t".into(), scopes: mobieus_server::scopes::all(), per_minute: 10_000, per_hour: 100_000 };
    let (_, key) = key_create(&db, &new).await.unwrap();
    let add = |db: mobieus_server::db::Db, i: usize| async move {
        let u = NewUser { username: format!("u{i}"), display_name: format!("U {i}"), email: None, role: "member".into() };
        user_create(&db, tenant.id, &u).await.unwrap().id
    };
    for i in 0..3 {
        add(db.clone(), i).await;
    }
    let sdk = Mobieus::new(&base, &key).unwrap();
    let options = mobieus_client::StreamOptions { last_event_id: Some(0), event_type: Some("user.created".into()), max_reconnects: Some(50) };
    let mut stream = std::pin::pin!(sdk.events_stream(options));
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(tokio::time::timeout(Duration::from_secs(10), stream.next()).await.unwrap().unwrap().unwrap());
    }
    mobieus_server::shutdown(server).await.unwrap();
    let (_again, db) = start(addr).await;
    for i in 3..6 {
        add(db.clone(), i).await;
    }
    for _ in 0..3 {
        seen.push(tokio::time::timeout(Duration::from_secs(20), stream.next()).await.unwrap().unwrap().unwrap());
    }
    let names: Vec<String> = seen.iter().map(|e| e.data["username"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["u0", "u1", "u2", "u3", "u4", "u5"], "in order, none lost or repeated across the restart");

    let (ok, out, err) = cli(&base, &key, &["tail", "--type", "user.created", "--after", "0", "--count", "6"]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[5]["data"]["username"], "u5");
}
