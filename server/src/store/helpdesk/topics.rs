//! Help topics and the custom fields a ticket under a topic carries.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::db::schema::helpdesk_help_topics as h;
use crate::db::{Db, Json, StoreError, Ts};
use crate::store::Page;
use crate::{with_conn, write_tx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDefinition {
    pub key: String,
    pub label: String,
    /// `text`, `number`, `boolean` or `select`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = h, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct HelpTopic {
    pub tenant_id: i64,
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub queue_id: Option<i64>,
    pub fields: Json<Vec<FieldDefinition>>,
    pub active: bool,
    pub created_at: Ts,
}

/// Checks `values` against the definitions: unknown keys, missing required
/// fields, wrong types and values outside a select's options are refused,
/// each named as `custom_fields.<key>`.
pub fn validate_custom_fields(defs: &[FieldDefinition], values: &Map<String, Value>) -> Result<(), StoreError> {
    let mut problems = Vec::new();
    for key in values.keys() {
        if !defs.iter().any(|d| &d.key == key) {
            problems.push((format!("custom_fields.{key}"), "is not a field of this help topic".to_owned()));
        }
    }
    for d in defs {
        let field = format!("custom_fields.{}", d.key);
        match values.get(&d.key) {
            None | Some(Value::Null) => {
                if d.required {
                    problems.push((field, "is required by this help topic".to_owned()));
                }
            }
            Some(v) => {
                let ok = match d.kind.as_str() {
                    "text" => v.is_string(),
                    "number" => v.is_number(),
                    "boolean" => v.is_boolean(),
                    "select" => v.as_str().is_some_and(|s| d.options.iter().any(|o| o == s)),
                    _ => false,
                };
                if !ok {
                    let expected = if d.kind == "select" { format!("one of: {}", d.options.join(", ")) } else { format!("a {}", d.kind) };
                    problems.push((field, format!("must be {expected}")));
                }
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(StoreError::Invalid(problems)) }
}

pub async fn topic_list(db: &Db, tenant: i64, after: Option<(String, i64)>, limit: i64) -> Result<Page<HelpTopic>, StoreError> {
    with_conn!(db, |conn| {
        let mut query = h::table.filter(h::tenant_id.eq(tenant).and(h::active.eq(true))).into_boxed();
        if let Some((name, id)) = after {
            query = query.filter(h::name.gt(name.clone()).or(h::name.eq(name).and(h::id.gt(id))));
        }
        let rows = query.order((h::name.asc(), h::id.asc())).limit(limit).select(HelpTopic::as_select()).load(conn).await?;
        let total: i64 = h::table.filter(h::tenant_id.eq(tenant).and(h::active.eq(true))).count().get_result(conn).await?;
        Ok(Page { rows, total })
    })
}

pub async fn topic_create(db: &Db, tenant: i64, slug: &str, name: &str, queue_id: Option<i64>, fields: Vec<FieldDefinition>) -> Result<HelpTopic, StoreError> {
    super::directory_name(name)?;
    // a transaction, so that an Idempotency-Key is marked applied with it
    write_tx!(db, |conn| {
        diesel::insert_into(h::table)
            .values((
                h::tenant_id.eq(tenant),
                h::slug.eq(slug),
                h::name.eq(name),
                h::queue_id.eq(queue_id),
                h::fields.eq(Json(fields)),
                h::active.eq(true),
                h::created_at.eq(Ts::now()),
            ))
            .returning(HelpTopic::as_returning())
            .get_result(conn)
            .await
            .map_err(StoreError::unique("slug"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<FieldDefinition> {
        serde_json::from_value(json!([
            {"key": "order_number", "label": "Order", "type": "text", "required": true},
            {"key": "amount", "label": "Amount", "type": "number"},
            {"key": "channel", "label": "Channel", "type": "select", "options": ["web", "app"]}
        ]))
        .unwrap()
    }

    fn fields_of(r: Result<(), StoreError>) -> Vec<String> {
        match r {
            Err(StoreError::Invalid(p)) => p.into_iter().map(|(f, _)| f).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn custom_fields_are_checked_against_their_definitions() {
        let ok = json!({"order_number": "A-1", "amount": 12.5, "channel": "web"});
        assert!(validate_custom_fields(&defs(), ok.as_object().unwrap()).is_ok());
        let bad = json!({"amount": "twelve", "channel": "fax", "colour": "red"});
        let mut got = fields_of(validate_custom_fields(&defs(), bad.as_object().unwrap()));
        got.sort();
        assert_eq!(got, ["custom_fields.amount", "custom_fields.channel", "custom_fields.colour", "custom_fields.order_number"]);
    }
}
