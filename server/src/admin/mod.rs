//! Admin subcommands: tenants and keys (the product's admin pages are not
//! part of the API). Each returns a JSON value; `main` prints it as JSON
//! (`--json`) or as readable lines.

use serde_json::{json, Value};

use crate::db::{Db, StoreError};
use crate::scopes;
use crate::store::counts::{row_counts_fold, row_counts_verify};
use crate::store::api_keys::{key_create, key_list, key_revoke, key_rotate, NewKey};
use crate::rate_limit::Limits;
use crate::store::scim::tokens::{scim_token_create, scim_token_list, scim_token_revoke};
use crate::store::tenants::{tenant_by_slug, tenant_create, tenant_list, tenant_set_cors, tenant_set_plan, tenant_set_scim, PLANS};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check_plan(plan: &str) -> Result<(), AdminError> {
    if PLANS.contains(&plan) {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!("unknown plan `{plan}`; plans are {}", PLANS.join(", "))))
    }
}

pub fn parse_scopes(list: &str) -> Result<Vec<String>, AdminError> {
    if list.trim() == "all" {
        return Ok(scopes::all());
    }
    let scopes: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if scopes.is_empty() {
        return Err(AdminError::Invalid("give at least one scope, or `all`".into()));
    }
    for s in &scopes {
        if !scopes::is_known(s) {
            return Err(AdminError::Invalid(format!("unknown scope `{s}`; scopes are {}", scopes::ALL.join(", "))));
        }
    }
    Ok(scopes)
}

fn not_found(what: &str) -> impl Fn(StoreError) -> AdminError + '_ {
    move |e| match e {
        StoreError::NotFound => AdminError::Invalid(format!("no such {what}")),
        StoreError::Conflict(field) => AdminError::Invalid(format!("that {field} is taken")),
        e => AdminError::Store(e),
    }
}

pub async fn tenant_create_cmd(db: &Db, slug: &str, plan: &str, name: Option<&str>) -> Result<Value, AdminError> {
    check_plan(plan)?;
    let valid = !slug.is_empty() && slug.len() <= 63 && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(AdminError::Invalid("a tenant slug is 1-63 lower-case letters, digits or dashes".into()));
    }
    let t = tenant_create(db, slug, name.unwrap_or(slug), plan).await.map_err(not_found("tenant"))?;
    Ok(json!(t))
}

pub async fn tenant_set_plan_cmd(db: &Db, slug: &str, plan: &str) -> Result<Value, AdminError> {
    check_plan(plan)?;
    Ok(json!(tenant_set_plan(db, slug, plan).await.map_err(not_found("tenant"))?))
}

pub async fn tenant_set_cors_cmd(db: &Db, slug: &str, origins: Vec<String>) -> Result<Value, AdminError> {
    Ok(json!(tenant_set_cors(db, slug, origins).await.map_err(not_found("tenant"))?))
}

pub async fn tenant_list_cmd(db: &Db) -> Result<Value, AdminError> {
    Ok(json!(tenant_list(db).await?))
}

pub struct KeyCreate<'a> {
    pub tenant: &'a str,
    pub scopes: &'a str,
    pub name: Option<&'a str>,
    pub per_minute: i32,
    pub per_hour: i32,
}

pub async fn key_create_cmd(db: &Db, k: KeyCreate<'_>) -> Result<Value, AdminError> {
    let scopes = parse_scopes(k.scopes)?;
    if k.per_minute < 1 || k.per_hour < 1 {
        return Err(AdminError::Invalid("rate limits must be at least 1".into()));
    }
    let tenant = tenant_by_slug(db, k.tenant).await.map_err(not_found("tenant"))?;
    let new = NewKey {
        tenant_id: tenant.id,
        name: k.name.unwrap_or("api key").to_owned(),
        scopes,
        per_minute: k.per_minute,
        per_hour: k.per_hour,
    };
    let (key, secret) = key_create(db, &new).await?;
    let mut v = json!(key);
    v["secret"] = json!(secret);
    v["tenant"] = json!(tenant.slug);
    Ok(v)
}

pub async fn key_list_cmd(db: &Db, tenant: &str) -> Result<Value, AdminError> {
    let tenant = tenant_by_slug(db, tenant).await.map_err(not_found("tenant"))?;
    Ok(json!(key_list(db, tenant.id).await?))
}

pub async fn key_revoke_cmd(db: &Db, id: i64) -> Result<Value, AdminError> {
    Ok(json!(key_revoke(db, id).await.map_err(not_found("key"))?))
}

pub async fn key_rotate_cmd(db: &Db, id: i64, grace_seconds: i64) -> Result<Value, AdminError> {
    let (new, secret, old) = key_rotate(db, id, grace_seconds).await.map_err(not_found("live key"))?;
    let mut v = json!(new);
    v["secret"] = json!(secret);
    v["replaces"] = json!(old);
    Ok(v)
}

/// `scim enable` / `scim disable`: SCIM answers the tenant's tokens only while on.
pub async fn scim_set_cmd(db: &Db, tenant: &str, enabled: bool) -> Result<Value, AdminError> {
    let t = tenant_set_scim(db, tenant, enabled).await.map_err(not_found("tenant"))?;
    Ok(json!({ "tenant": t.slug, "scim_enabled": t.scim_enabled }))
}

/// Mints a SCIM token; its secret is in the answer, once (stored hashed).
pub async fn scim_token_create_cmd(db: &Db, tenant: &str, name: Option<&str>, limits: Limits) -> Result<Value, AdminError> {
    if limits.per_minute < 1 || limits.per_hour < 1 {
        return Err(AdminError::Invalid("rate limits are at least 1".into()));
    }
    let t = tenant_by_slug(db, tenant).await.map_err(not_found("tenant"))?;
    let (token, secret) = scim_token_create(db, t.id, name.unwrap_or("identity provider"), limits).await?;
    let mut v = json!(token);
    v["secret"] = json!(secret);
    Ok(v)
}

pub async fn scim_token_list_cmd(db: &Db, tenant: &str) -> Result<Value, AdminError> {
    let t = tenant_by_slug(db, tenant).await.map_err(not_found("tenant"))?;
    Ok(json!(scim_token_list(db, t.id).await?))
}

pub async fn scim_token_revoke_cmd(db: &Db, id: i64) -> Result<Value, AdminError> {
    Ok(json!(scim_token_revoke(db, id).await.map_err(not_found("SCIM token"))?))
}

/// Compares every maintained list count with the rows it counts (after
/// folding pending deltas); an error when any differs.
pub async fn counts_verify_cmd(db: &Db) -> Result<Value, AdminError> {
    row_counts_fold(db).await?;
    let drift = row_counts_verify(db).await?;
    if drift.is_empty() {
        return Ok(json!({ "drift": [], "ok": true }));
    }
    let lines: Vec<String> = drift
        .iter()
        .map(|d| format!("tenant {} {} (scope {}): maintained {}, rows {}", d.tenant_id, d.list, d.scope_id, d.maintained, d.actual))
        .collect();
    Err(AdminError::Invalid(format!("maintained counts differ from the rows:\n{}", lines.join("\n"))))
}

pub mod ai;
pub mod secrets;
