//! The one mapping from store errors to the public envelope.

use mobieus_api::support::{ApiError, FieldProblem};
use serde_json::{json, Value};

use crate::db::StoreError;

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
        other => {
            tracing::error!(error = %other, resource, "store error");
            ApiError::server_error()
        }
    }
}

/// For paths where no resource is involved (admission, idempotency).
pub fn internal(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "store error");
    ApiError::server_error()
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
