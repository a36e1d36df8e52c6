//! Two `mobieus-server serve` processes on one PostgreSQL share the webhook
//! outbox: every delivery reaches the receiver exactly once, signed. Runs
//! when MOBIEUS_TEST_PG_URL is set (CI's PostgreSQL pass).

mod common;

use std::process::Command;
use std::time::Duration;

use common::ServerProcess;
use mobieus_server::testkit::{fresh_postgres, Receiver};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn two_server_processes_deliver_each_event_once() {
    let Ok(base) = std::env::var("MOBIEUS_TEST_PG_URL") else { return };
    if base.is_empty() {
        return;
    }
    let db = fresh_postgres(&base).await.unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mobieus-server")).args(["--database-url", &db, "--json", "demo"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = seed["key"].as_str().unwrap().to_owned();
    let (a, b) = (
        ServerProcess::start(&db, &["--allow-private-webhooks"]).await,
        ServerProcess::start(&db, &["--allow-private-webhooks"]).await,
    );
    let (pa, pb) = (a.port, b.port);
    let http = reqwest::Client::new();
    let rx = Receiver::start(true).await;
    let created: Value = http
        .post(format!("http://127.0.0.1:{pa}/api/v1/webhooks/endpoints"))
        .bearer_auth(&key)
        .json(&json!({ "url": rx.url("/hook"), "event_types": ["helpdesk.tag.created"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    rx.set_secrets(&[created["data"]["secret"].as_str().unwrap()]);
    const N: usize = 60;
    let writes = (0..N).map(|i| {
        let (http, key) = (http.clone(), key.clone());
        let port = if i % 2 == 0 { pa } else { pb };
        async move {
            let r = http
                .post(format!("http://127.0.0.1:{port}/api/v1/helpdesk/tags"))
                .bearer_auth(&key)
                .json(&json!({ "slug": format!("t{i}"), "name": format!("T{i}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
    });
    futures::future::join_all(writes).await;
    assert!(rx.wait_for(30, |r| r.count() >= N).await, "delivered: {}", rx.count());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let by_id = rx.by_id();
    assert_eq!(by_id.len(), N);
    assert!(by_id.values().all(|n| *n == 1), "a webhook-id arrived twice: {by_id:?}");
    assert!(rx.received().iter().all(|r| r.verified_by == vec![0]), "every delivery verifies");
}
