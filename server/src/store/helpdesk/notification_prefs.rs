//! Notification preferences: a value set for an agent or requester wins over
//! the tenant default, which wins over the built-in default (on).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::db::schema::{helpdesk_agents as ag, helpdesk_audit_events as au, helpdesk_notification_prefs as np, users as u};
use crate::db::{Db, StoreError, Ts};
use crate::store::helpdesk::audit::{Actor, AuditEntry};
use crate::{with_conn, write_tx};

pub const EVENT_KEYS: [&str; 4] = ["ticket.created", "ticket.replied", "ticket.status_changed", "ticket.assigned"];
pub const CHANNELS: [&str; 2] = ["email", "in_app"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePref {
    pub event_key: &'static str,
    pub channel: &'static str,
    pub enabled: bool,
    /// `built_in`, `tenant_default`, `agent` or `requester`.
    pub source: String,
}

/// (scope, event_key, channel, enabled) rows that apply to a scope.
type SetRow = (String, String, String, bool);

fn effective(rows: &[SetRow], scope: &str) -> Vec<EffectivePref> {
    let mut out = Vec::new();
    for event_key in EVENT_KEYS {
        for channel in CHANNELS {
            let find = |s: &str| rows.iter().find(|(rs, e, c, _)| rs == s && e == event_key && c == channel);
            let (enabled, source) = match find(scope).or_else(|| find("tenant_default")) {
                Some((s, _, _, on)) => (*on, s.clone()),
                None => (true, "built_in".to_owned()),
            };
            out.push(EffectivePref { event_key, channel, enabled, source });
        }
    }
    out
}

macro_rules! check_scope {
    ($conn:expr, $tenant:expr, $scope:expr, $scope_id:expr) => {
        match $scope {
            "tenant_default" if $scope_id != 0 => return Err(StoreError::invalid("scope_id", "must be 0 for tenant_default")),
            "tenant_default" => {}
            "agent" => {
                let found: bool = diesel::select(diesel::dsl::exists(ag::table.filter(ag::tenant_id.eq($tenant).and(ag::id.eq($scope_id)))))
                    .get_result($conn)
                    .await?;
                if !found {
                    return Err(StoreError::MissingRow("agent"));
                }
            }
            _ => {
                let found: bool = diesel::select(diesel::dsl::exists(u::table.filter(u::tenant_id.eq($tenant).and(u::id.eq($scope_id)))))
                    .get_result($conn)
                    .await?;
                if !found {
                    return Err(StoreError::MissingRow("user"));
                }
            }
        }
    };
}

macro_rules! rows_for {
    ($conn:expr, $tenant:expr, $scope:expr, $scope_id:expr) => {
        np::table
            .filter(np::tenant_id.eq($tenant))
            .filter(
                np::scope.eq("tenant_default").and(np::scope_id.eq(0_i64))
                    .or(np::scope.eq($scope).and(np::scope_id.eq($scope_id))),
            )
            .select((np::scope, np::event_key, np::channel, np::enabled))
            .load::<SetRow>($conn)
            .await?
    };
}

pub async fn prefs_effective(db: &Db, tenant: i64, scope: &str, scope_id: i64) -> Result<Vec<EffectivePref>, StoreError> {
    with_conn!(db, |conn| {
        check_scope!(conn, tenant, scope, scope_id);
        let rows = rows_for!(conn, tenant, scope, scope_id);
        Ok(effective(&rows, scope))
    })
}

pub struct PrefSet<'a> {
    pub scope: &'a str,
    pub scope_id: i64,
    pub event_key: &'a str,
    pub channel: &'a str,
    pub enabled: bool,
}

pub async fn pref_set(db: &Db, tenant: i64, p: &PrefSet<'_>, actor: Actor) -> Result<Vec<EffectivePref>, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        check_scope!(conn, tenant, p.scope, p.scope_id);
        diesel::insert_into(np::table)
            .values((
                np::tenant_id.eq(tenant),
                np::scope.eq(p.scope),
                np::scope_id.eq(p.scope_id),
                np::event_key.eq(p.event_key),
                np::channel.eq(p.channel),
                np::enabled.eq(p.enabled),
                np::updated_at.eq(now),
            ))
            .on_conflict((np::tenant_id, np::scope, np::scope_id, np::event_key, np::channel))
            .do_update()
            .set((np::enabled.eq(p.enabled), np::updated_at.eq(now)))
            .execute(conn)
            .await?;
        diesel::insert_into(au::table)
            .values(AuditEntry::new(tenant, "notification_pref.set", actor, None, None, Some(json!({
                "scope": p.scope, "scope_id": p.scope_id, "event_key": p.event_key, "channel": p.channel, "enabled": p.enabled,
            }))))
            .execute(conn)
            .await?;
        let rows = rows_for!(conn, tenant, p.scope, p.scope_id);
        Ok(effective(&rows, p.scope))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_setting_wins() {
        let rows = vec![
            ("tenant_default".to_owned(), "ticket.created".to_owned(), "email".to_owned(), false),
            ("agent".to_owned(), "ticket.created".to_owned(), "email".to_owned(), true),
            ("tenant_default".to_owned(), "ticket.replied".to_owned(), "in_app".to_owned(), false),
        ];
        let e = effective(&rows, "agent");
        let get = |k: &str, c: &str| e.iter().find(|p| p.event_key == k && p.channel == c).unwrap().clone();
        assert_eq!((get("ticket.created", "email").enabled, get("ticket.created", "email").source.as_str()), (true, "agent"));
        assert_eq!((get("ticket.replied", "in_app").enabled, get("ticket.replied", "in_app").source.as_str()), (false, "tenant_default"));
        assert_eq!(get("ticket.assigned", "email").source, "built_in");
        assert_eq!(e.len(), 8);
        let t = effective(&rows, "tenant_default");
        assert!(!t.iter().find(|p| p.event_key == "ticket.created" && p.channel == "email").unwrap().enabled);
    }
}
