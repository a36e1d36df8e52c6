//! The generated `*Service` traits implemented over the store, one file per
//! surface (a folder per surface with several resource families). Handlers parse what the generator did not, call the store, and
//! map rows to the contract's types; admission, envelope, CORS and
//! idempotency happen around them (mobieus_api::support).

mod events;
mod files;
mod helpdesk;
mod know;
mod learn;
mod listings;
mod meta;
mod moderation;
mod operations;
mod posts;
mod reports;
mod scim;
mod streaming;
mod users;
mod webhooks;

use mobieus_api::support::{ApiError, Call};
use serde_json::Value;

use crate::app::AppContext;
use crate::db::Ts;
use crate::store::CreatedRange;

const DEFAULT_LIMIT: i64 = 25;

/// A list request's page size and keyset position (from its cursor).
pub struct Paging {
    pub list: &'static str,
    pub limit: i64,
    pub position: Option<Value>,
}

impl Paging {
    pub fn new(call: &Call<'_, AppContext>, list: &'static str, cursor: Option<&str>, limit: Option<i64>) -> Result<Self, ApiError> {
        Self::with_default(call, list, cursor, limit, DEFAULT_LIMIT)
    }

    /// For lists whose documented default page size is not 25.
    pub fn with_default(call: &Call<'_, AppContext>, list: &'static str, cursor: Option<&str>, limit: Option<i64>, default: i64) -> Result<Self, ApiError> {
        let position = match cursor {
            None => None,
            Some(c) => Some(
                call.context()
                    .cursors
                    .decode(call.principal.tenant_id, list, c)
                    .ok_or_else(ApiError::invalid_cursor)?,
            ),
        };
        Ok(Paging { list, limit: limit.unwrap_or(default), position })
    }

    /// Rows to fetch: one more than the page, to learn whether more follow.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The position as an id (lists ordered by id).
    pub fn id(&self) -> Result<Option<i64>, ApiError> {
        match &self.position {
            None => Ok(None),
            Some(v) => v.get(0).and_then(Value::as_i64).map(Some).ok_or_else(ApiError::invalid_cursor),
        }
    }

    /// The position as a string (lists ordered by a unique text column).
    pub fn text(&self) -> Result<Option<String>, ApiError> {
        match &self.position {
            None => Ok(None),
            Some(v) => v.get(0).and_then(Value::as_str).map(|s| Some(s.to_owned())).ok_or_else(ApiError::invalid_cursor),
        }
    }

    /// The position as (place, id): lists in an author's order (a course's
    /// modules, a module's lessons, a lesson's activities).
    pub fn ordered(&self) -> Result<Option<(i32, i64)>, ApiError> {
        match &self.position {
            None => Ok(None),
            Some(v) => match (v.get(0).and_then(Value::as_i64), v.get(1).and_then(Value::as_i64)) {
                (Some(place), Some(id)) => Ok(Some((i32::try_from(place).map_err(|_| ApiError::invalid_cursor())?, id))),
                _ => Err(ApiError::invalid_cursor()),
            },
        }
    }

    /// The position as (moment, id): lists in time order (live sessions).
    pub fn timed(&self) -> Result<Option<(Ts, i64)>, ApiError> {
        match &self.position {
            None => Ok(None),
            Some(v) => {
                let at = v.get(0).and_then(Value::as_str).and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
                match (at, v.get(1).and_then(Value::as_i64)) {
                    (Some(at), Some(id)) => Ok(Some((Ts::from(at.with_timezone(&chrono::Utc)), id))),
                    _ => Err(ApiError::invalid_cursor()),
                }
            }
        }
    }

    /// Cuts the extra row and issues the next cursor from the last row kept.
    pub fn finish<T>(&self, call: &Call<'_, AppContext>, mut rows: Vec<T>, position: impl Fn(&T) -> Value) -> (Vec<T>, Option<String>, bool) {
        let has_more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = if has_more {
            rows.last().map(|last| call.context().cursors.encode(call.principal.tenant_id, self.list, position(last)))
        } else {
            None
        };
        (rows, next, has_more)
    }
}

pub fn created_range(
    after: Option<chrono::DateTime<chrono::Utc>>,
    before: Option<chrono::DateTime<chrono::Utc>>,
) -> CreatedRange {
    CreatedRange { after: after.map(Ts::from), before: before.map(Ts::from) }
}

/// A stored string as the contract's enum; a value outside the contract is
/// a bug in the store, answered 500 and logged.
pub fn stored<T: for<'a> TryFrom<&'a str>>(what: &'static str, value: &str) -> Result<T, ApiError> {
    T::try_from(value).map_err(|_| {
        tracing::error!(what, value, "stored value is not in the contract");
        ApiError::server_error()
    })
}

/// A JSON value as an object (payload columns always hold objects).
pub fn object(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => {
            let mut m = serde_json::Map::new();
            m.insert("value".into(), other);
            m
        }
    }
}
