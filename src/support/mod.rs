//! Runtime support for the generated endpoints. Each concern lives in one
//! module and is used by every operation; handlers never repeat it.

pub mod alternate;
mod cors;
mod error;
mod exchange;
mod extract;
mod gate;
mod observe;

pub use cors::{method_not_allowed, preflight, Cors, CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS};
pub use observe::{observe_exchanges, ExchangeObserver};
pub use error::{ApiError, ErrorForm, FieldProblem};
pub use exchange::{request_id, Envelope, Exchange, Reply};
pub use extract::{
    check_string, fingerprint_json, nul_fields, NUL_PROBLEM, ApiHeaders, ApiPath, ApiQuery, ArrayBounds, CheckHeaders, FromParams, JsonBody, Params, RawBody, RawBodyBytes,
};
pub use gate::{
    idempotency_begin, idempotency_finish, idempotency_scope, Admission, Call, EventTypeInfo, Gate, IdempotencyStart, IdempotencyTicket,
    OpInfo, PublicCall, Route, StoredResponse,
};
