//! Two `mobieus-server serve` processes on one PostgreSQL under concurrent
//! writes: the same Idempotency-Key sent to both at once is applied once
//! (one answer made, the other replayed or told to retry), and a stream on
//! one process sees every event written through either, in id order, none
//! missing. (Rate limits across processes: rate_limits.rs; webhook
//! deliveries: webhook_processes.rs.) Runs when MOBIEUS_TEST_PG_URL is set.

mod common;

use std::time::Duration;

use common::{unlimited_key, ServerProcess};
use futures::StreamExt;
use serde_json::{json, Value};

const KEYS: usize = 40;

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_apply_each_idempotency_key_once_and_stream_every_event_in_order() {
    let Ok(base) = std::env::var("MOBIEUS_TEST_PG_URL") else { return };
    if base.is_empty() {
        return;
    }
    let db = mobieus_server::testkit::fresh_postgres(&base).await.unwrap();
    let key = unlimited_key(&db);
    let (a, b) = (ServerProcess::start(&db, &[]).await, ServerProcess::start(&db, &[]).await);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // a stream on A, from now
    let stream = http.get(a.url("/api/v1/events/stream")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let reader = tokio::spawn(read_events(stream, KEYS));

    // every key sent to both processes at once, with the same body
    let sends = (0..KEYS).map(|k| {
        let (http, key, urls) = (http.clone(), key.clone(), [a.url("/api/v1/helpdesk/tags"), b.url("/api/v1/helpdesk/tags")]);
        async move {
            let body = json!({ "slug": format!("k{k}"), "name": format!("Key {k}") });
            let one = |url: String| {
                let (http, key, body) = (http.clone(), key.clone(), body.clone());
                async move {
                    // "in progress" means the other process holds the key: retry, as clients do
                    for _ in 0..100 {
                        let r = http.post(&url).bearer_auth(&key).header("Idempotency-Key", format!("tag-{k}")).json(&body).send().await.unwrap();
                        let replayed = r.headers().get("idempotency-replayed").is_some();
                        let status = r.status().as_u16();
                        let answer: Value = r.json().await.unwrap();
                        if status == 409 && answer["error"]["code"] == "idempotency_key_in_progress" {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                        assert_eq!(status, 201, "{answer}");
                        return (answer["data"]["id"].as_i64().unwrap(), replayed);
                    }
                    panic!("key {k} stayed in progress");
                }
            };
            let (x, y) = futures::join!(one(urls[0].clone()), one(urls[1].clone()));
            assert_eq!(x.0, y.0, "key {k}: both answers name the one tag");
            assert!(x.1 != y.1, "key {k}: one answer made, the other replayed ({x:?}, {y:?})");
            x.0
        }
    });
    let ids = futures::future::join_all(sends).await;
    let listed: Value = http.get(a.url("/api/v1/helpdesk/tags?limit=100")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["total_count"], KEYS, "each key applied once: {listed}");
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), KEYS);

    // the stream: every tag's event, in id order, none missing
    let streamed = tokio::time::timeout(Duration::from_secs(30), reader).await.expect("the stream saw every event").unwrap();
    let listed: Value = http.get(b.url("/api/v1/events?type=helpdesk.tag.created&limit=100")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    let mut written: Vec<i64> = listed["data"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    written.sort();
    assert!(streamed.windows(2).all(|w| w[0] < w[1]), "in id order: {streamed:?}");
    assert_eq!(streamed, written, "every event written through either process, once");
}

/// The ids of the first `n` `helpdesk.tag.created` events a stream sends.
async fn read_events(response: reqwest::Response, n: usize) -> Vec<i64> {
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut ids = Vec::new();
    while ids.len() < n {
        let chunk = body.next().await.expect("the stream stays open").expect("a chunk");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.lines().any(|l| l == "event: helpdesk.tag.created")
                && let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id: "))
            {
                ids.push(id.parse().unwrap());
            }
        }
    }
    ids
}
