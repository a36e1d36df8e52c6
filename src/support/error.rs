//! The one error type every operation answers with, and its envelope:
//! `{"error": {"code", "message", "extra"}, "request_id"}`.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

/// One field that failed validation (`extra.fields[]` of `validation_failed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub problem: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub extra: Option<Value>,
    /// Headers that belong to this error (e.g. `Retry-After` on a 429);
    /// boxed so the error stays small on every `Result` it travels in.
    pub headers: Box<HeaderMap>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { status, code: code.into(), message: message.into(), extra: None, headers: Box::default() }
    }

    pub fn with_extra(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl ToString) -> Self {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            self.headers.insert(HeaderName::from_static(name), v);
        }
        self
    }

    pub fn invalid_api_key() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_api_key", "The bearer key is missing, unknown, revoked or expired.")
    }

    pub fn insufficient_scope(scope: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "insufficient_scope", format!("This key lacks the `{scope}` scope."))
            .with_extra(json!({ "required_scope": scope }))
    }

    pub fn plan_gated(current: &str, required: &[&str]) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "plan_gated",
            format!("The public API is not part of the `{current}` plan."),
        )
        .with_extra(json!({ "current_plan": current, "required_plans": required }))
    }

    /// `<resource>_not_found`, e.g. `tag_not_found`.
    pub fn not_found(resource: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{resource}_not_found"), format!("No such {}.", resource.replace('_', " ")))
    }

    pub fn invalid_parameter(name: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", format!("Parameter `{name}`: {problem}"))
            .with_extra(json!({ "parameter": name, "problem": problem }))
    }

    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    }

    pub fn invalid_cursor() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_cursor", "The cursor is malformed, altered, or belongs to another list.")
    }

    pub fn validation(fields: Vec<FieldProblem>) -> Self {
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        let message = format!("Invalid field(s): {}.", names.join(", "));
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message)
            .with_extra(json!({ "fields": fields }))
    }

    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        Self::validation(vec![FieldProblem { field: field.into(), problem: problem.into() }])
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("The request body exceeds {limit} bytes."))
            .with_extra(json!({ "max_bytes": limit }))
    }

    /// The body arrived slower than the server's minimum rate (see
    /// `read_body`); the connection is closed after this answer.
    pub fn request_timeout(min_rate: usize, grace_secs: u64) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("The request body arrived slower than {min_rate} bytes a second after its first {grace_secs} seconds; nothing was stored."),
        )
        .with_extra(json!({ "min_bytes_per_second": min_rate, "grace_seconds": grace_secs }))
        .with_header("connection", "close")
    }

    pub fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "route_not_found", "No operation is documented at this path.")
    }

    /// The database cannot be reached (or written) just now: nothing was
    /// stored, and the same request may be retried after `retry_after`
    /// seconds.
    pub fn service_unavailable(retry_after: u32) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            format!("The database is unavailable; nothing was stored. Retry in {retry_after} seconds."),
        )
        .with_extra(json!({ "retry_after": retry_after }))
        .with_header("retry-after", retry_after)
    }

    /// The database has no room for the write (its disk is full).
    pub fn insufficient_storage(retry_after: u32) -> Self {
        Self::new(StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage", "The database has no room left for this write; nothing was stored.")
            .with_extra(json!({ "retry_after": retry_after }))
            .with_header("retry-after", retry_after)
    }

    /// Never carries internal detail; the cause goes to the log only.
    pub fn server_error() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Something went wrong on our side. Quote the request_id if you contact us.")
    }

    /// The envelope body.
    pub fn envelope(&self, request_id: &str) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(extra) = &self.extra {
            error["extra"] = extra.clone();
        }
        json!({ "error": error, "request_id": request_id })
    }
}

/// The shape an operation's errors are answered in (`x-raw-exchange.errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorForm {
    /// This API's envelope.
    Envelope,
    /// SCIM's error (RFC 7644 §3.12): `schemas`, `status` as a string,
    /// `scimType` when the error's code is one, `detail`.
    Scim,
}

/// RFC 7644 §3.12's `scimType`s: an error whose code is one of them says so.
const SCIM_TYPES: [&str; 10] =
    ["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"];

impl ApiError {
    /// The error's media type and body in `form`.
    pub fn render(&self, form: ErrorForm, request_id: &str) -> (&'static str, Vec<u8>) {
        match form {
            ErrorForm::Envelope => ("application/json", serde_json::to_vec(&self.envelope(request_id)).unwrap_or_default()),
            ErrorForm::Scim => {
                let mut body = json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": self.status.as_u16().to_string(),
                    "detail": self.message,
                });
                if SCIM_TYPES.contains(&self.code.as_str()) {
                    body["scimType"] = json!(self.code);
                }
                ("application/scim+json", serde_json::to_vec(&body).unwrap_or_default())
            }
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// The shape dropshot records for the error type of each endpoint. Our
/// endpoints never take dropshot's error path (errors travel inside `Reply`),
/// but the description needs a type.
#[derive(Serialize, JsonSchema)]
struct ErrorEnvelopeSchema {
    error: ErrorBodySchema,
    request_id: String,
}

#[derive(Serialize, JsonSchema)]
struct ErrorBodySchema {
    code: String,
    message: String,
    extra: Option<Value>,
}

impl Serialize for ApiError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.envelope("").serialize(s)
    }
}

impl JsonSchema for ApiError {
    fn schema_name() -> String {
        "ErrorEnvelope".into()
    }
    fn json_schema(g: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        ErrorEnvelopeSchema::json_schema(g)
    }
}

impl dropshot::HttpResponseError for ApiError {
    fn status_code(&self) -> dropshot::ErrorStatusCode {
        dropshot::ErrorStatusCode::from_status(self.status)
            .unwrap_or(dropshot::ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<dropshot::HttpError> for ApiError {
    fn from(e: dropshot::HttpError) -> Self {
        let status = e.status_code.as_status();
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "payload_too_large", e.external_message),
            s if s.is_server_error() => ApiError::server_error(),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", e.external_message),
        }
    }
}
