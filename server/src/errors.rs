//! The one mapping from store errors to the public envelope.

use mobieus_api::support::{ApiError, FieldProblem};
use serde_json::{json, Value};

use crate::db::{Outage, StoreError};

/// `NotFound` names the resource (`tag_not_found`); a unique violation is a
/// 409 naming the field; anything else is logged and answered 500 without
/// detail.
pub fn store_error(resource: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::not_found(resource),
        StoreError::MissingRow(other) => ApiError::not_found(other),
        StoreError::Conflict(field) => {
            ApiError::conflict(format!("That {field} is already taken by another {}.", resource.replace('_', " ")))
                .with_extra(json!({ "field": field }))
        }
        StoreError::Refused(message) => ApiError::conflict(message),
        StoreError::RefusedWith(message, extra) => ApiError::conflict(message).with_extra(extra),
        StoreError::PreconditionFailed(message) => ApiError::new(http::StatusCode::PRECONDITION_FAILED, "precondition_failed", message),
        StoreError::Invalid(fields) => {
            ApiError::validation(fields.into_iter().map(|(field, problem)| FieldProblem { field, problem }).collect())
        }
        other => internal(other),
    }
}

/// A retry while the first request with its Idempotency-Key still runs
/// (or a request that ran past its claim and lost it to a retry, rolled
/// back).
pub fn idempotency_in_progress() -> ApiError {
    ApiError::new(
        http::StatusCode::CONFLICT,
        "idempotency_key_in_progress",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    )
}

/// Seconds a client is told to wait while the database is away: long
/// enough not to add to a reconnecting server's load, short enough that a
/// restart is noticed soon.
const OUTAGE_RETRY_AFTER: u32 = 2;

/// For paths where no resource is involved (admission, idempotency), and
/// whatever `store_error` does not name: an outage is a 503 / 507 with
/// `Retry-After`; anything else is logged and answered 500 without detail.
pub fn internal(e: StoreError) -> ApiError {
    if let StoreError::ClaimLost = e {
        return idempotency_in_progress();
    }
    match e.outage() {
        Some(Outage::Unavailable) => {
            tracing::warn!(error = %e, "database unavailable");
            ApiError::service_unavailable(OUTAGE_RETRY_AFTER)
        }
        Some(Outage::Full) => {
            tracing::error!(error = %e, "database full");
            ApiError::insufficient_storage(OUTAGE_RETRY_AFTER * 30)
        }
        None => {
            tracing::error!(error = %e, "store error");
            ApiError::server_error()
        }
    }
}

/// What a JSON value is, for messages saying what was expected instead
/// (`a string`, `an object`, …): one wording for every surface.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
