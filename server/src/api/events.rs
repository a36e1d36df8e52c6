use std::time::{Duration, Instant};

use bytes::Bytes;
use mobieus_api::server::{EventsService, GetEventPath, ListEventsQuery, StreamEventsHeaders, StreamEventsQuery, EVENT_TYPES};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;
use tokio::sync::mpsc;

use super::streaming::ChannelBody;
use super::{created_range, object, Paging};
use crate::app::AppContext;
use crate::db::Db;
use crate::errors::store_error;
use crate::db::commits::EventWaiter;
use crate::store::events::{event_get, event_list, events_after, last_event_id, Event, EventFilter};

/// Events sent per query while a stream catches up.
const STREAM_BATCH: i64 = 200;

fn event_out(e: Event) -> types::Event {
    types::Event { id: e.id, type_: e.event_type, data: object(e.data.0), created_at: e.created_at.0 }
}

impl EventsService for AppContext {
    async fn list_events(call: &Call<'_, Self>, query: ListEventsQuery) -> Result<types::EventList, ApiError> {
        let paging = Paging::new(call, "events", query.cursor.as_deref(), query.limit)?;
        let filter = EventFilter { event_type: query.r#type, created: created_range(query.created_after, query.created_before) };
        let page = event_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("event"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |e| json!([e.id]));
        Ok(types::EventList {
            data: rows.into_iter().map(event_out).collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_event(call: &Call<'_, Self>, path: GetEventPath) -> Result<types::EventEnvelope, ApiError> {
        let event = event_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("event"))?;
        Ok(types::EventEnvelope { data: event_out(event), next_cursor: None, request_id: String::new() })
    }

    async fn list_event_types(_call: &Call<'_, Self>) -> Result<types::EventTypeList, ApiError> {
        let data: Vec<types::EventType> = EVENT_TYPES
            .iter()
            .map(|t| types::EventType {
                name: t.name.into(),
                description: t.description.into(),
                payload_schema: t.payload_schema.into(),
                surface: t.surface.into(),
            })
            .collect();
        Ok(types::EventTypeList {
            total_count: data.len() as i64,
            data,
            next_cursor: None,
            has_more: false,
            request_id: String::new(),
        })
    }

    async fn stream_events(
        call: &Call<'_, Self>,
        query: StreamEventsQuery,
        headers: StreamEventsHeaders,
    ) -> Result<http::Response<dropshot::Body>, ApiError> {
        let ctx = call.context();
        let tenant = call.principal.tenant_id;
        let start = match headers.last_event_id.as_deref().map(str::trim) {
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::invalid_parameter("Last-Event-ID", "must be an event id (digits only)"))?,
            None => last_event_id(&ctx.db, tenant).await.map_err(store_error("event"))?,
        };
        let (tx, body) = ChannelBody::new(16, None);
        let pump = Pump {
            db: ctx.db.clone(),
            tenant,
            event_type: query.r#type,
            heartbeat: ctx.config.stream_heartbeat,
            poll: ctx.config.stream_poll,
            stop: ctx.stopping(),
        };
        tokio::spawn(pump.run(start, tx));
        http::Response::builder()
            .status(http::StatusCode::OK)
            .header(http::header::CONTENT_TYPE, "text/event-stream")
            .header(http::header::CACHE_CONTROL, "no-cache")
            .header("x-accel-buffering", "no")
            .body(dropshot::Body::wrap(body))
            .map_err(|_| ApiError::server_error())
    }
}

/// Feeds one event stream: sends every event after the last one sent, in id
/// (commit) order, then waits for a commit of its tenant's events (this
/// process's, at once) or the poll interval (other processes'), sending a
/// heartbeat comment when idle.
struct Pump {
    db: Db,
    tenant: i64,
    event_type: Option<String>,
    heartbeat: Duration,
    poll: Duration,
    /// The server is shutting down: end the stream (clients resume with
    /// Last-Event-ID).
    stop: tokio::sync::watch::Receiver<bool>,
}

impl Pump {
    async fn run(mut self, mut last: i64, tx: mpsc::Sender<Bytes>) {
        // the first bytes flush the headers; `retry` tells EventSource how
        // soon to reconnect
        if tx.send(Bytes::from_static(b"retry: 2000\n: connected\n\n")).await.is_err() {
            return;
        }
        let mut last_sent = Instant::now();
        // subscribed before the first look, so no commit falls between a look
        // and the wait after it
        let mut commits = EventWaiter::new(self.tenant);
        loop {
            if *self.stop.borrow() {
                return;
            }
            match events_after(&self.db, self.tenant, last, self.event_type.as_deref(), STREAM_BATCH).await {
                Ok(events) if !events.is_empty() => {
                    for e in events {
                        last = e.id;
                        let frame = format!("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.event_type, e.to_json());
                        if tx.send(Bytes::from(frame)).await.is_err() {
                            return;
                        }
                    }
                    last_sent = Instant::now();
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, tenant_id = self.tenant, "event stream query failed"),
            }
            let idle_left = self.heartbeat.saturating_sub(last_sent.elapsed());
            tokio::select! {
                _ = commits.committed() => {}
                _ = tokio::time::sleep(self.poll) => {}
                _ = tokio::time::sleep(idle_left) => {
                    if tx.send(Bytes::from_static(b": heartbeat\n\n")).await.is_err() {
                        return;
                    }
                    last_sent = Instant::now();
                }
                _ = tx.closed() => return,
                _ = self.stop.changed() => return,
            }
        }
    }
}
