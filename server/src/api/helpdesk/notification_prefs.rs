use mobieus_api::server::{GetHelpdeskNotificationPrefsQuery, HelpdeskNotificationPrefsService, SetHelpdeskNotificationPrefHeaders};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;

use crate::api::stored;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::helpdesk::audit::Actor;
use crate::store::helpdesk::notification_prefs::{pref_set, prefs_effective, EffectivePref, PrefSet};

fn list(prefs: Vec<EffectivePref>) -> Result<types::NotificationPrefList, ApiError> {
    let data = prefs
        .into_iter()
        .map(|p| {
            Ok(types::NotificationPref {
                event_key: types::NotificationEventKey::try_from(p.event_key).map_err(|_| ApiError::server_error())?,
                channel: types::NotificationChannel::try_from(p.channel).map_err(|_| ApiError::server_error())?,
                enabled: p.enabled,
                source: stored("notification pref source", &p.source)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let total_count = data.len() as i64;
    Ok(types::NotificationPrefList { data, next_cursor: None, has_more: false, total_count, request_id: String::new() })
}

impl HelpdeskNotificationPrefsService for AppContext {
    async fn get_helpdesk_notification_prefs(call: &Call<'_, Self>, query: GetHelpdeskNotificationPrefsQuery) -> Result<types::NotificationPrefList, ApiError> {
        let scope_id = query.scope_id.unwrap_or(0);
        if query.scope == "tenant_default" && scope_id != 0 {
            return Err(ApiError::invalid_parameter("scope_id", "must be 0 (or left out) for tenant_default"));
        }
        let prefs = prefs_effective(&call.context().db, call.principal.tenant_id, &query.scope, scope_id)
            .await
            .map_err(store_error("notification_pref"))?;
        list(prefs)
    }

    async fn set_helpdesk_notification_pref(
        call: &Call<'_, Self>,
        _headers: SetHelpdeskNotificationPrefHeaders,
        body: types::NotificationPrefSet,
    ) -> Result<types::NotificationPrefList, ApiError> {
        let (scope, event_key, channel) = (body.scope.to_string(), body.event_key.to_string(), body.channel.to_string());
        let set = PrefSet { scope: &scope, scope_id: body.scope_id, event_key: &event_key, channel: &channel, enabled: body.enabled };
        let prefs = pref_set(&call.context().db, call.principal.tenant_id, &set, Actor::api(call.principal.key_id))
            .await
            .map_err(store_error("notification_pref"))?;
        list(prefs)
    }
}
