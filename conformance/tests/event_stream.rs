//! The Server-Sent Events stream: order, resume with Last-Event-ID (no gaps,
//! no repeats, under concurrent writers), heartbeats; and the event
//! catalogue, whose payload schemas every written event follows.

mod common;

use std::time::Duration;

use common::{backends, TestServer};
use futures::StreamExt;
use serde_json::Value;

struct Sse {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

/// One frame: (id, event, data) for events, or a comment.
#[derive(Debug)]
enum Frame {
    Event { id: i64, event: String, data: Value },
    Comment(String),
}

impl Sse {
    async fn open(ts: &TestServer, key: &str, last_event_id: Option<i64>, query: &str) -> Sse {
        let mut rb = ts.http.get(ts.url(&format!("/api/v1/events/stream{query}"))).bearer_auth(key);
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        assert!(r.headers().contains_key("x-ratelimit-remaining"));
        Sse { stream: r.bytes_stream().boxed(), buf: String::new() }
    }

    async fn next(&mut self) -> Frame {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data, mut comment) = (None, None, None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = v.parse().ok();
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = serde_json::from_str(v).ok();
                    } else if let Some(v) = line.strip_prefix(": ") {
                        comment = Some(v.to_owned());
                    }
                }
                match (id, event, data, comment) {
                    (Some(id), Some(event), Some(data), _) => return Frame::Event { id, event, data },
                    (_, _, _, Some(c)) => return Frame::Comment(c),
                    _ => continue,
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.stream.next()).await.expect("stream went quiet").unwrap().unwrap();
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next `n` events (skipping comments).
    async fn events(&mut self, n: usize) -> Vec<(i64, String, Value)> {
        let mut v = Vec::new();
        while v.len() < n {
            if let Frame::Event { id, event, data } = self.next().await {
                v.push((id, event, data));
            }
        }
        v
    }
}

async fn member(ts: &TestServer, tenant: i64) -> i64 {
    mobieus_server::store::users::user_create(
        ts.db(),
        tenant,
        &mobieus_server::store::users::NewUser { username: "streamer".into(), display_name: "S".into(), email: None, role: "member".into() },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stream_sends_new_events_in_commit_order_and_resumes_without_gaps_or_repeats() {
    for b in backends() {
        let ts = TestServer::start(&b).await;
        let (tenant, key) = ts.tenant_with_key("stream").await;
        let author = member(&ts, tenant).await;
        let mut sse = Sse::open(&ts, &key, None, "").await;
        // 30 concurrent writers
        let writes = (0..30).map(|i| {
            let db = ts.db().clone();
            async move { mobieus_server::store::posts::post_create(&db, tenant, author, &format!("p{i}"), "b").await.unwrap() }
        });
        futures::future::join_all(writes).await;
        let first = sse.events(30).await;
        let ids: Vec<i64> = first.iter().map(|e| e.0).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{b:?}: ids ascend: {ids:?}");
        assert!(first.iter().all(|e| e.1 == "post.created" && e.2["type"] == "post.created" && e.2["id"] == e.0));
        drop(sse);
        // resume from the 10th: exactly the 20 after it, then new ones
        let mut resumed = Sse::open(&ts, &key, Some(ids[9]), "").await;
        for i in 0..5 {
            mobieus_server::store::posts::post_create(ts.db(), tenant, author, &format!("late{i}"), "b").await.unwrap();
        }
        let again = resumed.events(25).await;
        let again_ids: Vec<i64> = again.iter().map(|e| e.0).collect();
        assert_eq!(&again_ids[..20], &ids[10..], "{b:?}: the rest of the first batch, no gap, no repeat");
        // what the list says, oldest first, is what the stream sent
        let listed = ts.get(Some(&key), "/api/v1/events?type=post.created&limit=100").await;
        let mut list_ids: Vec<i64> = listed.body["data"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
        list_ids.reverse();
        assert_eq!(list_ids[10..], again_ids[..], "{b:?}");
        // a type filter, and a malformed Last-Event-ID
        let mut only_users = Sse::open(&ts, &key, Some(0), "?type=user.created").await;
        let users = only_users.events(1).await;
        assert_eq!(users[0].1, "user.created");
        let bad = ts.http.get(ts.url("/api/v1/events/stream")).bearer_auth(&key).header("Last-Event-ID", "abc").send().await.unwrap();
        let bad = common::Reply::from(bad).await;
        bad.assert_error(400, "invalid_parameter");
        // the scope
        let no_scope = ts.key(tenant, &["posts:read"]).await;
        ts.get(Some(&no_scope), "/api/v1/events/stream").await.assert_error(403, "insufficient_scope");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_streams_get_heartbeats() {
    let b = &backends()[0];
    let ts = TestServer::start_with(b, |c| c.stream_heartbeat = Duration::from_millis(150)).await;
    let (_, key) = ts.tenant_with_key("stream").await;
    let mut sse = Sse::open(&ts, &key, None, "").await;
    let mut heartbeats = 0;
    while heartbeats < 2 {
        if let Frame::Comment(c) = sse.next().await
            && c == "heartbeat" {
                heartbeats += 1;
            }
    }
    // a graceful shutdown ends open streams instead of waiting on them
    let closed = tokio::time::timeout(Duration::from_secs(10), mobieus_server::shutdown(ts.server)).await;
    assert!(closed.is_ok_and(|r| r.is_ok()), "shutdown with an open stream finishes");
    let rest = tokio::time::timeout(Duration::from_secs(5), sse.stream.next()).await.expect("the stream ends");
    assert!(rest.is_none_or(|r| r.is_err()), "no more frames after shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalogue_lists_every_contract_type_and_written_events_follow_their_schemas() {
    for b in backends() {
        let ts = TestServer::start(&b).await;
        let seed = mobieus_server::demo::seed_demo(ts.db(), ts.secrets()).await.unwrap();
        let types = ts.get(Some(&seed.key), "/api/v1/events/types").await;
        assert_eq!(types.status, 200, "{}", types.text);
        let names: Vec<&str> = types.body["data"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        for required in [
            "user.created", "post.created", "report.created", "report.resolved", "listing.created", "file.created",
            "moderation.action_taken", "helpdesk.ticket.created", "helpdesk.ticket.replied", "helpdesk.ticket.status_changed",
            "learn.enrollment.created", "learn.course.completed", "learn.certificate.issued", "know.page.created",
            "know.page.updated", "know.page.deleted", "webhook.test", "webhook.endpoint_disabled",
        ] {
            assert!(names.contains(&required), "catalogue lacks {required}");
        }
        assert_eq!(types.body["total_count"], names.len());
        // every event the demo wrote follows its type's payload schema
        let client = ts.client(&seed.key);
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut req = client.list_events().limit(100);
            if let Some(c) = &cursor {
                req = req.cursor(c.clone());
            }
            let page = req.send().await.unwrap().into_inner();
            for e in &page.data {
                let data = Value::Object(e.data.clone());
                match mobieus_api::server::check_event_payload(&e.type_, &data) {
                    Some(Ok(())) => {}
                    Some(Err(problem)) => panic!("{b:?}: {} does not follow its schema: {problem}: {data}", e.type_),
                    None => panic!("{b:?}: {} is not in the catalogue", e.type_),
                }
                seen.insert(e.type_.clone());
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        for t in ["report.created", "report.resolved", "report.dismissed", "moderation.action_taken", "listing.created", "file.created"] {
            assert!(seen.contains(t), "{b:?}: the demo writes {t}");
        }
    }
}
