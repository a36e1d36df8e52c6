//! `mobieus-server ai …`: a tenant's mobieusAI settings (provider, model,
//! key, hooks, caps) and its usage. A provider key is sealed with the
//! server's master key before it is stored, and never printed.

use chrono::{Datelike, TimeZone, Utc};
use serde_json::{json, Value};

use super::{not_found, AdminError};
use crate::ai::provider::{ProviderKind, DEFAULT_MODEL};
use crate::ai::{hooks_named, key_context, Hook};
use crate::db::Db;
use crate::secrets::{Keyring, MASTER_KEY_VAR};
use crate::store::ai::settings::{ai_settings_change, ai_tenant, AiSettings};
use crate::store::ai::usage::usage_month;
use crate::store::tenants::tenant_by_slug;

fn settings_json(slug: &str, s: &AiSettings) -> Value {
    let hooks: Vec<&str> = Hook::ALL.iter().map(|h| h.name()).filter(|h| s.hook_enabled(h)).collect();
    json!({
        "tenant": slug,
        "provider": s.provider,
        "base_url": s.base_url,
        "model": s.model.clone().unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
        "key_set": s.sealed_key.is_some(),
        "hooks": hooks,
        "monthly_token_cap": s.monthly_token_cap,
        "per_minute": s.per_minute,
    })
}

async fn change(db: &Db, slug: &str, f: impl FnOnce(&mut AiSettings) + Send) -> Result<Value, AdminError> {
    let t = tenant_by_slug(db, slug).await.map_err(not_found("tenant"))?;
    let s = ai_settings_change(db, t.id, f).await?;
    Ok(settings_json(slug, &s))
}

pub async fn ai_show_cmd(db: &Db, slug: &str) -> Result<Value, AdminError> {
    let t = tenant_by_slug(db, slug).await.map_err(not_found("tenant"))?;
    Ok(settings_json(slug, &ai_tenant(db, t.id).await?.settings))
}

/// Seals and stores the tenant's provider key; refused without a master key.
pub async fn ai_set_key_cmd(db: &Db, slug: &str, key: &str, secrets: &Keyring) -> Result<Value, AdminError> {
    let master = secrets.current().ok_or_else(|| AdminError::Invalid(format!("{MASTER_KEY_VAR} is not set: a provider key is only stored encrypted with it (32 bytes, as 64 hex digits or base64)")))?;
    let key = key.trim();
    if key.is_empty() || key.len() > 1000 || key.chars().any(char::is_control) {
        return Err(AdminError::Invalid("the key must be 1 to 1000 printable characters".into()));
    }
    let t = tenant_by_slug(db, slug).await.map_err(not_found("tenant"))?;
    let sealed = master.seal(key, &key_context(t.id));
    let s = ai_settings_change(db, t.id, move |s| s.sealed_key = Some(sealed)).await?;
    Ok(settings_json(slug, &s))
}

pub async fn ai_clear_key_cmd(db: &Db, slug: &str) -> Result<Value, AdminError> {
    change(db, slug, |s| s.sealed_key = None).await
}

fn check_url(u: &str) -> Result<String, AdminError> {
    match url::Url::parse(u.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.query().is_none() => Ok(u.trim().trim_end_matches('/').to_owned()),
        _ => Err(AdminError::Invalid(format!("`{u}` is not an http(s) base URL"))),
    }
}

pub async fn ai_set_provider_cmd(db: &Db, slug: &str, provider: &str, base_url: Option<&str>, model: Option<&str>) -> Result<Value, AdminError> {
    let kind = ProviderKind::parse(provider).ok_or_else(|| AdminError::Invalid(format!("unknown provider `{provider}`; providers are anthropic, openai-compatible")))?;
    let base_url = base_url.map(check_url).transpose()?;
    if kind == ProviderKind::OpenAiCompatible && base_url.is_none() {
        return Err(AdminError::Invalid("an openai-compatible provider needs --base-url (e.g. http://10.0.0.5:8000/v1)".into()));
    }
    if model.is_some_and(|m| m.trim().is_empty() || m.len() > 200) {
        return Err(AdminError::Invalid("a model name is 1 to 200 characters".into()));
    }
    let model = model.map(|m| m.trim().to_owned());
    change(db, slug, move |s| {
        s.provider = kind.name().to_owned();
        s.base_url = base_url;
        s.model = model;
    })
    .await
}

/// Turns hooks on (`on`) or off.
pub async fn ai_hooks_cmd(db: &Db, slug: &str, hooks: &str, on: bool) -> Result<Value, AdminError> {
    let named = hooks_named(hooks).map_err(AdminError::Invalid)?;
    if named.is_empty() {
        return Err(AdminError::Invalid("name hooks: all, or a comma-separated list".into()));
    }
    change(db, slug, move |s| {
        let enabled: Vec<&str> = Hook::ALL.iter().filter(|h| if named.contains(h) { on } else { s.hook_enabled(h.name()) }).map(|h| h.name()).collect();
        s.enabled_hooks = enabled.join(",");
    })
    .await
}

/// `monthly_tokens`: a number, or `none` for no cap.
pub async fn ai_set_cap_cmd(db: &Db, slug: &str, monthly_tokens: Option<&str>, per_minute: Option<i32>) -> Result<Value, AdminError> {
    let cap = match monthly_tokens.map(str::trim) {
        None => None,
        Some("none") => Some(None),
        Some(n) => Some(Some(n.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| AdminError::Invalid("--monthly-tokens is a number of tokens, or `none`".into()))?)),
    };
    if per_minute.is_some_and(|n| !(1..=10_000).contains(&n)) {
        return Err(AdminError::Invalid("--per-minute is 1 to 10000".into()));
    }
    if cap.is_none() && per_minute.is_none() {
        return Err(AdminError::Invalid("give --monthly-tokens or --per-minute".into()));
    }
    change(db, slug, move |s| {
        if let Some(c) = cap {
            s.monthly_token_cap = c;
        }
        if let Some(p) = per_minute {
            s.per_minute = p;
        }
    })
    .await
}

/// A month's usage (`YYYY-MM`, this month by default), per hook and outcome.
pub async fn ai_usage_cmd(db: &Db, slug: &str, month: Option<&str>) -> Result<Value, AdminError> {
    let t = tenant_by_slug(db, slug).await.map_err(not_found("tenant"))?;
    let now = Utc::now();
    let (y, m) = match month {
        None => (now.year(), now.month()),
        Some(text) => {
            let bad = || AdminError::Invalid(format!("`{text}` is not a month (YYYY-MM)"));
            let (y, m) = text.split_once('-').ok_or_else(bad)?;
            (y.parse::<i32>().map_err(|_| bad())?, m.parse::<u32>().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?)
        }
    };
    let from = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().ok_or_else(|| AdminError::Invalid("no such month".into()))?;
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let to = Utc.with_ymd_and_hms(ny, nm, 1, 0, 0, 0).single().ok_or_else(|| AdminError::Invalid("no such month".into()))?;
    let lines = usage_month(db, t.id, from, to).await?;
    let settings = ai_tenant(db, t.id).await?.settings;
    let total = |f: fn(&crate::store::ai::usage::UsageLine) -> i64| lines.iter().map(f).sum::<i64>();
    Ok(json!({
        "tenant": slug,
        "month": format!("{y:04}-{m:02}"),
        "calls": total(|l| l.calls),
        "prompt_tokens": total(|l| l.prompt_tokens),
        "completion_tokens": total(|l| l.completion_tokens),
        "monthly_token_cap": settings.monthly_token_cap,
        "by_hook": lines,
    }))
}
