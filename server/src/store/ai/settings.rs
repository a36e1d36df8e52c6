//! A tenant's mobieusAI settings: one row, made on the first change (a
//! tenant without one has every hook off and no key). The provider key is
//! kept sealed (`crate::secrets`); nothing here ever holds it in clear.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::{ai_settings as s, tenants as t};
use crate::db::{Db, StoreError, Ts};
use crate::{with_conn, write_conn, write_tx};

/// AI calls a tenant may make per minute unless its settings say otherwise.
pub const DEFAULT_PER_MINUTE: i32 = 30;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = s, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite), treat_none_as_null = true)]
pub struct AiSettings {
    pub tenant_id: i64,
    /// `anthropic` or `openai-compatible`.
    pub provider: String,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub sealed_key: Option<String>,
    /// Enabled hooks' names, comma-separated, in catalogue order.
    pub enabled_hooks: String,
    pub monthly_token_cap: Option<i64>,
    pub per_minute: i32,
    pub updated_at: Ts,
}

impl AiSettings {
    /// What a tenant without a row has.
    pub fn defaults(tenant_id: i64) -> Self {
        AiSettings {
            tenant_id,
            provider: "anthropic".into(),
            base_url: None,
            model: None,
            sealed_key: None,
            enabled_hooks: String::new(),
            monthly_token_cap: None,
            per_minute: DEFAULT_PER_MINUTE,
            updated_at: Ts::now(),
        }
    }

    pub fn hook_enabled(&self, hook: &str) -> bool {
        self.enabled_hooks.split(',').any(|h| h == hook)
    }
}

/// What the gate needs about a tenant: its name and plan, and its settings.
#[derive(Debug, Clone)]
pub struct AiTenant {
    pub name: String,
    pub plan: String,
    pub settings: AiSettings,
}

pub async fn ai_tenant(db: &Db, tenant: i64) -> Result<AiTenant, StoreError> {
    with_conn!(db, |conn| {
        let (name, plan): (String, String) = t::table.find(tenant).select((t::name, t::plan)).first(conn).await?;
        let settings = s::table.find(tenant).select(AiSettings::as_select()).first(conn).await.optional()?;
        Ok(AiTenant { name, plan, settings: settings.unwrap_or_else(|| AiSettings::defaults(tenant)) })
    })
}

/// Changes a tenant's settings with `change` (read, changed and written in
/// one transaction, so two admin commands at once both land).
pub async fn ai_settings_change(db: &Db, tenant: i64, change: impl FnOnce(&mut AiSettings) + Send) -> Result<AiSettings, StoreError> {
    write_tx!(db, |conn| {
        let current = s::table.find(tenant).select(AiSettings::as_select()).first(conn).await.optional()?;
        let mut next = current.unwrap_or_else(|| AiSettings::defaults(tenant));
        change(&mut next);
        next.updated_at = Ts::now();
        diesel::insert_into(s::table).values(&next).on_conflict(s::tenant_id).do_update().set(&next).execute(conn).await?;
        Ok(next)
    })
}

/// Every sealed key, for re-sealing under a new master key.
pub async fn ai_sealed_keys(db: &Db) -> Result<Vec<(i64, String)>, StoreError> {
    with_conn!(db, |conn| Ok(s::table.filter(s::sealed_key.is_not_null()).select((s::tenant_id, s::sealed_key.assume_not_null())).order(s::tenant_id).load(conn).await?))
}

/// Replaces a tenant's sealed key by its resealed form, only if it is still
/// what was read (a `set-key` in between wins). Whether it was written.
pub async fn ai_sealed_key_replace(db: &Db, tenant: i64, read: &str, resealed: &str) -> Result<bool, StoreError> {
    let n: usize = write_conn!(db, |conn| diesel::update(s::table.filter(s::tenant_id.eq(tenant).and(s::sealed_key.eq(read))))
        .set(s::sealed_key.eq(resealed))
        .execute(conn)
        .await?);
    Ok(n == 1)
}
