//! Following the live event stream (`streamEvents`, Server-Sent Events):
//! frames are parsed into [`types::Event`]s, and a dropped connection is
//! reopened with `Last-Event-ID` (after a capped, jittered backoff), so the
//! caller sees every event once, in order, across reconnects.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use mobieus_api::client::Client as ApiClient;
use mobieus_api::types;

use crate::Error;

type ByteStream = futures::stream::BoxStream<'static, Result<Bytes, reqwest::Error>>;

/// Where a stream starts and what it carries.
#[derive(Debug, Clone, Default)]
pub struct StreamOptions {
    /// Resume after this event id; `None` starts with events written after
    /// the stream opens.
    pub last_event_id: Option<i64>,
    pub event_type: Option<String>,
    /// Give up after this many failed connection attempts in a row (`None`:
    /// keep trying). A 4xx answer ends the stream at once.
    pub max_reconnects: Option<u32>,
}

struct State {
    api: ApiClient,
    options: StreamOptions,
    last_id: Option<i64>,
    body: Option<ByteStream>,
    buf: String,
    ready: VecDeque<types::Event>,
    failures: u32,
    done: bool,
}

/// The events, oldest first, for as long as the caller polls.
pub fn stream(api: ApiClient, options: StreamOptions) -> impl Stream<Item = Result<types::Event, Error>> {
    let state = State { api, last_id: options.last_event_id, options, body: None, buf: String::new(), ready: VecDeque::new(), failures: 0, done: false };
    futures::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(e) = s.ready.pop_front() {
                s.last_id = Some(e.id);
                return Some((Ok(e), s));
            }
            if s.done {
                return None;
            }
            let Some(body) = s.body.as_mut() else {
                if s.failures > 0 {
                    tokio::time::sleep(backoff(s.failures)).await;
                }
                match connect(&s.api, &s.options, s.last_id).await {
                    Ok(body) => {
                        s.body = Some(body);
                        s.buf.clear();
                    }
                    Err(e) => {
                        s.failures += 1;
                        let permanent = e.status().is_some_and(|c| c.is_client_error() && c.as_u16() != 429);
                        if permanent || s.options.max_reconnects.is_some_and(|m| s.failures > m) {
                            s.done = true;
                            return Some((Err(e), s));
                        }
                    }
                }
                continue;
            };
            match body.next().await {
                Some(Ok(chunk)) => {
                    s.failures = 0;
                    s.buf.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = s.buf.find("\n\n") {
                        let block: String = s.buf.drain(..end + 2).collect();
                        if let Some(event) = parse_frame(&block) {
                            s.ready.push_back(event);
                        }
                    }
                }
                // the connection ended or broke: reopen after the last event seen
                Some(Err(_)) | None => {
                    s.body = None;
                    s.failures += 1;
                }
            }
        }
    })
}

async fn connect(api: &ApiClient, options: &StreamOptions, last_id: Option<i64>) -> Result<ByteStream, Error> {
    let mut req = api.stream_events();
    if let Some(id) = last_id {
        req = req.last_event_id(id.to_string());
    }
    if let Some(t) = &options.event_type {
        req = req.type_(t.clone());
    }
    let response = req.send().await?;
    Ok(response.into_inner().into_inner().boxed())
}

/// An event frame's `data` line (the Event object); comments and other
/// fields are skipped.
fn parse_frame(block: &str) -> Option<types::Event> {
    let data: String = block.lines().filter_map(|l| l.strip_prefix("data: ")).collect::<Vec<_>>().join("\n");
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data).ok()
}

fn backoff(failures: u32) -> Duration {
    let base = Duration::from_millis(250) * 2u32.saturating_pow(failures.min(6));
    base.min(Duration::from_secs(15)).mul_f64(rand::random_range(0.8..1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_into_events_and_comments_are_skipped() {
        let frame = "id: 7\nevent: post.created\ndata: {\"id\":7,\"type\":\"post.created\",\"data\":{\"post_id\":1,\"author_id\":2},\"created_at\":\"2026-06-02T10:32:00Z\"}\n\n";
        let e = parse_frame(frame).unwrap();
        assert_eq!((e.id, e.type_.as_str()), (7, "post.created"));
        assert!(parse_frame(": heartbeat\n\n").is_none());
    }
}
