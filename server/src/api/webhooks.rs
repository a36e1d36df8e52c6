use std::collections::HashMap;

use mobieus_api::server::{
    CreateWebhookEndpointHeaders, DeleteWebhookEndpointHeaders, DeleteWebhookEndpointPath, GetWebhookDeliveryPath, GetWebhookEndpointPath,
    ListWebhookDeliveriesPath, ListWebhookDeliveriesQuery, ListWebhookEndpointsQuery, ReplayWebhookDeliveryHeaders, ReplayWebhookDeliveryPath,
    RotateWebhookSecretHeaders, RotateWebhookSecretPath, SendWebhookTestHeaders, SendWebhookTestPath, UpdateWebhookEndpointHeaders,
    UpdateWebhookEndpointPath, WebhooksService, EVENT_TYPES,
};
use mobieus_api::support::{ApiError, Call, FieldProblem};
use mobieus_api::types;
use serde_json::json;

use super::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::webhooks::{
    delivery_get, delivery_list, delivery_replay, endpoint_create, endpoint_delete, endpoint_get, endpoint_list, endpoint_rotate,
    endpoint_update, send_test, Attempt, Delivery, Endpoint, EndpointChanges,
};
use crate::webhooks::guard::check_url;

fn endpoint_out(e: Endpoint) -> types::WebhookEndpoint {
    types::WebhookEndpoint {
        id: e.id,
        url: e.url,
        description: e.description,
        event_types: e.event_types.0,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        previous_secret_expires_at: e.previous_secret_expires_at.map(|t| t.0),
        failing_since: e.failing_since.map(|t| t.0),
        created_at: e.created_at.0,
        updated_at: e.updated_at.0,
    }
}

fn with_secret((e, secret): (Endpoint, String)) -> types::WebhookEndpointSecretEnvelope {
    types::WebhookEndpointSecretEnvelope {
        data: types::WebhookEndpointSecret { endpoint: endpoint_out(e), secret },
        next_cursor: None,
        request_id: String::new(),
    }
}

fn delivery_out(d: Delivery) -> Result<types::WebhookDelivery, ApiError> {
    Ok(types::WebhookDelivery {
        webhook_id: d.webhook_id(),
        id: d.id,
        endpoint_id: d.endpoint_id,
        event_id: d.event_id,
        event_type: d.event_type,
        status: stored("delivery status", &d.status)?,
        attempt_count: d.attempt_count as i64,
        next_attempt_at: d.next_attempt_at.map(|t| t.0),
        last_status_code: d.last_status_code.map(i64::from),
        replay_of: d.replay_of,
        created_at: d.created_at.0,
        updated_at: d.updated_at.0,
    })
}

fn attempt_out(a: &Attempt) -> types::WebhookAttempt {
    types::WebhookAttempt {
        attempt: a.attempt as i64,
        sent_at: a.created_at.0,
        webhook_timestamp: a.webhook_timestamp,
        status_code: a.status_code.map(i64::from),
        error: a.error.clone(),
        latency_ms: a.latency_ms,
        response_excerpt: a.response_excerpt.clone(),
    }
}

/// The headers the delivery's latest attempt carried (before the first
/// attempt: the ones every attempt carries).
fn request_headers(d: &Delivery, latest: Option<&Attempt>) -> HashMap<String, String> {
    let mut h = HashMap::from([
        ("content-type".to_owned(), "application/json".to_owned()),
        ("user-agent".to_owned(), concat!("mobieus-webhooks/", env!("CARGO_PKG_VERSION")).to_owned()),
        ("webhook-id".to_owned(), d.webhook_id()),
    ]);
    if let Some(a) = latest {
        h.insert("webhook-timestamp".into(), a.webhook_timestamp.to_string());
        h.insert("webhook-signature".into(), a.signature.clone());
    }
    h
}

/// `*` or catalogue names, each once; `None` means every type.
fn event_types(given: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let Some(given) = given else { return Ok(vec!["*".into()]) };
    let mut problems = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for (i, t) in given.into_iter().enumerate() {
        if t != "*" && !EVENT_TYPES.iter().any(|e| e.name == t) {
            problems.push(FieldProblem { field: format!("event_types[{i}]"), problem: format!("`{t}` is not an event type (see listEventTypes)") });
        } else if !kept.contains(&t) {
            kept.push(t);
        }
    }
    if problems.is_empty() { Ok(kept) } else { Err(ApiError::validation(problems)) }
}

async fn checked_url(call: &Call<'_, AppContext>, url: &str) -> Result<String, ApiError> {
    check_url(url, call.context().config.allow_private_webhooks)
        .await
        .map(|u| u.to_string())
        .map_err(|problem| ApiError::validation(vec![FieldProblem { field: "url".into(), problem }]))
}

impl WebhooksService for AppContext {
    async fn list_webhook_endpoints(call: &Call<'_, Self>, query: ListWebhookEndpointsQuery) -> Result<types::WebhookEndpointList, ApiError> {
        let paging = Paging::new(call, "webhook_endpoints", query.cursor.as_deref(), query.limit)?;
        let page = endpoint_list(&call.context().db, call.principal.tenant_id, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("webhook_endpoint"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |e| json!([e.id]));
        Ok(types::WebhookEndpointList {
            data: rows.into_iter().map(endpoint_out).collect(),
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn create_webhook_endpoint(
        call: &Call<'_, Self>,
        _headers: CreateWebhookEndpointHeaders,
        body: types::WebhookEndpointCreate,
    ) -> Result<types::WebhookEndpointSecretEnvelope, ApiError> {
        let types_ = event_types(body.event_types.map(|v| v.into_iter().map(|t| t.to_string()).collect()))?;
        let url = checked_url(call, &body.url).await?;
        let description = body.description.map(|d| d.to_string());
        let ctx = call.context();
        let endpoint = endpoint_create(&ctx.db, &ctx.config.secrets, call.principal.tenant_id, &url, &types_, description.as_deref())
            .await
            .map_err(store_error("webhook_endpoint"))?;
        Ok(with_secret(endpoint))
    }

    async fn get_webhook_endpoint(call: &Call<'_, Self>, path: GetWebhookEndpointPath) -> Result<types::WebhookEndpointEnvelope, ApiError> {
        let e = endpoint_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("webhook_endpoint"))?;
        Ok(types::WebhookEndpointEnvelope { data: endpoint_out(e), next_cursor: None, request_id: String::new() })
    }

    async fn update_webhook_endpoint(
        call: &Call<'_, Self>,
        path: UpdateWebhookEndpointPath,
        _headers: UpdateWebhookEndpointHeaders,
        body: types::WebhookEndpointUpdate,
    ) -> Result<types::WebhookEndpointEnvelope, ApiError> {
        let url = match &body.url {
            Some(u) => Some(checked_url(call, u).await?),
            None => None,
        };
        let event_types = match body.event_types {
            Some(v) => Some(event_types(Some(v.into_iter().map(|t| t.to_string()).collect()))?),
            None => None,
        };
        let changes = EndpointChanges { url, event_types, description: body.description.map(|d| d.to_string()), enabled: body.enabled };
        let e = endpoint_update(&call.context().db, call.principal.tenant_id, path.id, &changes)
            .await
            .map_err(store_error("webhook_endpoint"))?;
        Ok(types::WebhookEndpointEnvelope { data: endpoint_out(e), next_cursor: None, request_id: String::new() })
    }

    async fn delete_webhook_endpoint(
        call: &Call<'_, Self>,
        path: DeleteWebhookEndpointPath,
        _headers: DeleteWebhookEndpointHeaders,
    ) -> Result<types::DeletedEnvelope, ApiError> {
        endpoint_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("webhook_endpoint"))?;
        Ok(types::DeletedEnvelope {
            data: types::Deleted { id: path.id, object: "webhook_endpoint".into(), deleted: true },
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn rotate_webhook_secret(
        call: &Call<'_, Self>,
        path: RotateWebhookSecretPath,
        _headers: RotateWebhookSecretHeaders,
    ) -> Result<types::WebhookEndpointSecretEnvelope, ApiError> {
        let ctx = call.context();
        let e = endpoint_rotate(&ctx.db, &ctx.config.secrets, call.principal.tenant_id, path.id).await.map_err(store_error("webhook_endpoint"))?;
        Ok(with_secret(e))
    }

    async fn send_webhook_test(
        call: &Call<'_, Self>,
        path: SendWebhookTestPath,
        _headers: SendWebhookTestHeaders,
    ) -> Result<types::WebhookDeliveryEnvelope, ApiError> {
        let d = send_test(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("webhook_endpoint"))?;
        Ok(types::WebhookDeliveryEnvelope { data: delivery_out(d)?, next_cursor: None, request_id: String::new() })
    }

    async fn list_webhook_deliveries(
        call: &Call<'_, Self>,
        path: ListWebhookDeliveriesPath,
        query: ListWebhookDeliveriesQuery,
    ) -> Result<types::WebhookDeliveryList, ApiError> {
        let paging = Paging::new(call, "webhook_deliveries", query.cursor.as_deref(), query.limit)?;
        let page = delivery_list(&call.context().db, call.principal.tenant_id, path.id, query.status.as_deref(), paging.id()?, paging.fetch())
            .await
            .map_err(store_error("webhook_endpoint"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |d| json!([d.id]));
        Ok(types::WebhookDeliveryList {
            data: rows.into_iter().map(delivery_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_webhook_delivery(call: &Call<'_, Self>, path: GetWebhookDeliveryPath) -> Result<types::WebhookDeliveryDetailEnvelope, ApiError> {
        let (d, endpoint, attempts) =
            delivery_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("webhook_delivery"))?;
        let request = types::WebhookRequest { url: endpoint.url.clone(), headers: request_headers(&d, attempts.last()), body: d.body.clone() };
        let base = delivery_out(d)?;
        Ok(types::WebhookDeliveryDetailEnvelope {
            data: types::WebhookDeliveryDetail {
                id: base.id,
                webhook_id: base.webhook_id,
                endpoint_id: base.endpoint_id,
                event_id: base.event_id,
                event_type: base.event_type,
                status: base.status,
                attempt_count: base.attempt_count,
                next_attempt_at: base.next_attempt_at,
                last_status_code: base.last_status_code,
                replay_of: base.replay_of,
                created_at: base.created_at,
                updated_at: base.updated_at,
                request,
                attempts: attempts.iter().map(attempt_out).collect(),
            },
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn replay_webhook_delivery(
        call: &Call<'_, Self>,
        path: ReplayWebhookDeliveryPath,
        _headers: ReplayWebhookDeliveryHeaders,
    ) -> Result<types::WebhookDeliveryEnvelope, ApiError> {
        let d = delivery_replay(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("webhook_delivery"))?;
        Ok(types::WebhookDeliveryEnvelope { data: delivery_out(d)?, next_cursor: None, request_id: String::new() })
    }
}
