//! Portable SQL types, so one `table!` schema serves both backends:
//! `UtcTs` is timestamptz on PostgreSQL and fixed-width RFC 3339 TEXT on
//! SQLite (fixed width keeps text order equal to time order); `PJson` is
//! jsonb on PostgreSQL and TEXT on SQLite.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{SqlType, Timestamptz};
use diesel::sqlite::{Sqlite, SqliteValue};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io::Write;

#[derive(SqlType, diesel::query_builder::QueryId, Debug, Clone, Copy, Default)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct UtcTs;

#[derive(SqlType, diesel::query_builder::QueryId, Debug, Clone, Copy, Default)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct PJson;

/// PostgreSQL's full-text types, only ever inside search expressions (never
/// read or written as values).
#[derive(SqlType, diesel::query_builder::QueryId, Debug, Clone, Copy, Default)]
#[diesel(postgres_type(oid = 3614, array_oid = 3643))]
pub struct TsVector;

#[derive(SqlType, diesel::query_builder::QueryId, Debug, Clone, Copy, Default)]
#[diesel(postgres_type(oid = 3615, array_oid = 3645))]
pub struct TsQuery;

/// A UTC timestamp, kept to microseconds (PostgreSQL's precision) on both
/// backends so a value reads back equal to what was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow, Serialize, Deserialize)]
#[diesel(sql_type = UtcTs)]
#[serde(transparent)]
pub struct Ts(pub DateTime<Utc>);

impl Ts {
    pub fn now() -> Self {
        Ts::from(Utc::now())
    }
}

impl From<DateTime<Utc>> for Ts {
    fn from(d: DateTime<Utc>) -> Self {
        use chrono::{DurationRound, TimeDelta};
        Ts(d.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(d))
    }
}

impl ToSql<UtcTs, Pg> for Ts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}
impl FromSql<UtcTs, Pg> for Ts {
    fn from_sql(v: PgValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<Timestamptz, Pg>>::from_sql(v).map(Ts)
    }
}
impl ToSql<UtcTs, Sqlite> for Ts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.to_rfc3339_opts(SecondsFormat::Micros, true));
        Ok(IsNull::No)
    }
}
impl FromSql<UtcTs, Sqlite> for Ts {
    fn from_sql(mut v: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = v.read_text();
        Ok(Ts(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc)))
    }
}

/// A typed JSON column.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow, Serialize, Deserialize)]
#[diesel(sql_type = PJson)]
#[serde(transparent)]
pub struct Json<T>(pub T);

impl<T: Serialize + std::fmt::Debug> ToSql<PJson, Pg> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[1])?; // jsonb binary format version
        serde_json::to_writer(out, &self.0)?;
        Ok(IsNull::No)
    }
}
impl<T: DeserializeOwned> FromSql<PJson, Pg> for Json<T> {
    fn from_sql(v: PgValue<'_>) -> deserialize::Result<Self> {
        match v.as_bytes() {
            [1, rest @ ..] => Ok(Json(serde_json::from_slice(rest)?)),
            _ => Err("unsupported jsonb encoding".into()),
        }
    }
}
impl<T: Serialize + std::fmt::Debug> ToSql<PJson, Sqlite> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}
impl<T: DeserializeOwned> FromSql<PJson, Sqlite> for Json<T> {
    fn from_sql(mut v: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        Ok(Json(serde_json::from_str(v.read_text())?))
    }
}
