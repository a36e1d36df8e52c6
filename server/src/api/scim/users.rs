//! SCIM Users: the tenant's members. A User's SCIM form is what SCIM stored
//! of it (`scim_attributes`) with the profile columns laid over (they are
//! the truth `/api/v1/users` shows), its groups and `meta`; a write derives
//! the profile columns back from the normalised SCIM form.

use http::{Response, StatusCode};
use mobieus_api::server::{
    SearchScimUsersQuery, CreateScimUserQuery, ReplaceScimUserQuery, PatchScimUserQuery, DeleteScimUserQuery,
    DeleteScimUserHeaders, DeleteScimUserPath, GetScimUserPath, GetScimUserQuery, ListScimUsersQuery, PatchScimUserHeaders,
    PatchScimUserPath, ReplaceScimUserHeaders, ReplaceScimUserPath, ScimUsersService,
};
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use serde_json::{json, Map, Value};

use super::{
    answer, base_url, body_json, list_request, location, meta, no_content, pinned, resource_id, retrying_write, row_id, scim_id, store_error, ListRequest,
};
use crate::app::AppContext;
use crate::scim::filter::{equality_on, Filter};
use crate::scim::schema::{ResourceKind, USER_URN};
use crate::scim::{patch, resource, ScimError};
use crate::store::scim::users::{
    memberships_of, scim_user_create, scim_user_delete, scim_user_get, scim_user_update, scim_users_all, scim_users_by, Lookup, ScimUserRow, UserWrite,
    DEACTIVATED,
};

const KIND: ResourceKind = ResourceKind::User;

/// The User as SCIM keeps it, without `id`, `meta` and `groups` (what PATCH
/// works on and PUT replaces). A member SCIM never wrote shows its profile
/// columns (display name, email); one it wrote shows what it was sent, so
/// an attribute removed stays removed. `active` is the member's status
/// wherever it is kept, and always when the member is deactivated.
fn stored(row: &ScimUserRow) -> Map<String, Value> {
    let (mut o, provisioned) = match row.scim_attributes.as_ref().and_then(|a| a.0.as_object()) {
        Some(kept) => (kept.clone(), true),
        None => (Map::new(), false),
    };
    o.entry("schemas").or_insert_with(|| json!([USER_URN]));
    o.insert("userName".into(), json!(row.username));
    if !provisioned || o.contains_key("active") || row.status == DEACTIVATED {
        o.insert("active".into(), json!(row.status != DEACTIVATED));
    }
    match &row.external_id {
        Some(e) => o.insert("externalId".into(), json!(e)),
        None => o.remove("externalId"),
    };
    if !provisioned {
        o.insert("displayName".into(), json!(row.display_name));
        if let Some(email) = &row.email {
            o.insert("emails".into(), json!([{ "value": email, "primary": true }]));
        }
    }
    o
}

/// The User as answered: stored, plus id, groups and meta.
fn full(row: &ScimUserRow, groups: &[(i64, i64, String)], base: &str) -> Value {
    let mut o = stored(row);
    let at = location(base, KIND, row.id);
    o.insert("id".into(), json!(scim_id(KIND, row.id)));
    let mine: Vec<Value> = groups
        .iter()
        .filter(|(user, _, _)| *user == row.id)
        .map(|(_, group, name)| json!({ "value": scim_id(ResourceKind::Group, *group), "display": name, "$ref": location(base, ResourceKind::Group, *group), "type": "direct" }))
        .collect();
    if !mine.is_empty() {
        o.insert("groups".into(), Value::Array(mine));
    }
    o.insert("meta".into(), meta(KIND, &at, row.created_at, row.updated_at.unwrap_or(row.created_at), row.version));
    Value::Object(o)
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The profile columns a normalised User sets.
fn write_of(v: Value) -> Result<UserWrite, ApiError> {
    let o = v.as_object().ok_or_else(|| ScimError::invalid_syntax("A User is a JSON object."))?;
    let username = text(o, "userName").ok_or_else(|| ScimError::invalid_value("userName is required."))?;
    let name = o.get("name").and_then(Value::as_object);
    let display_name = text(o, "displayName")
        .or_else(|| name.and_then(|n| text(n, "formatted")))
        .or_else(|| {
            let parts: Vec<String> = ["givenName", "familyName"].iter().filter_map(|k| name.and_then(|n| text(n, k))).collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .unwrap_or_else(|| username.clone());
    let emails: Vec<&Map<String, Value>> = o.get("emails").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object).collect();
    let email = emails
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| emails.first())
        .and_then(|e| text(e, "value"));
    let active = o.get("active").and_then(Value::as_bool).unwrap_or(true);
    let external_id = text(o, "externalId");
    Ok(UserWrite { username, display_name, email, active, external_id, attributes: v })
}

async fn answer_user(call: &Call<'_, AppContext>, row: &ScimUserRow, status: StatusCode, attributes: Option<&str>, excluded: Option<&str>) -> Result<Response<dropshot::Body>, ApiError> {
    let base = base_url(call);
    let groups = memberships_of(&call.context().db, call.principal.tenant_id, &[row.id]).await.map_err(store_error(KIND, ""))?;
    let v = resource::project(KIND, &full(row, &groups, &base), attributes, excluded)?;
    let created_at = (status == StatusCode::CREATED).then(|| location(&base, KIND, row.id));
    answer(status, &v, Some(row.version), created_at.as_deref())
}

/// Reads, changes and writes a User (`retrying_write`).
async fn modify(call: &Call<'_, AppContext>, id_text: &str, if_match: Option<&str>, change: impl Fn(Value) -> Result<Value, ApiError>) -> Result<Response<dropshot::Body>, ApiError> {
    let (db, tenant) = (&call.context().db, call.principal.tenant_id);
    let id = resource_id(KIND, id_text)?;
    let row = retrying_write(
        KIND,
        id_text,
        pinned(if_match),
        || scim_user_get(db, tenant, id),
        |row| row.version,
        |row| write_of(change(Value::Object(stored(row)))?),
        |version, write| async move { scim_user_update(db, tenant, id, version, &write).await },
    )
    .await?;
    answer_user(call, &row, StatusCode::OK, None, None).await
}

/// Every User an (already checked) filter may match, as answered: an
/// equality on an indexed attribute reads only its rows.
pub(super) async fn candidates(call: &Call<'_, AppContext>, filter: Option<&Filter>) -> Result<Vec<(ResourceKind, Value)>, ApiError> {
    let (db, tenant) = (&call.context().db, call.principal.tenant_id);
    let indexed = filter.and_then(equality_on).and_then(|(path, value)| {
        if path.is_core_attr(KIND, "userName") {
            Some(Lookup::UserName(value))
        } else if path.is_core_attr(KIND, "externalId") {
            Some(Lookup::ExternalId(value))
        } else if path.is_core_attr(KIND, "id") {
            Some(Lookup::Id(row_id(KIND, value).unwrap_or(0)))
        } else {
            None
        }
    });
    let rows = match indexed {
        Some(lookup) => scim_users_by(db, tenant, lookup).await,
        None => scim_users_all(db, tenant).await,
    }
    .map_err(store_error(KIND, ""))?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let groups = memberships_of(db, tenant, &ids).await.map_err(store_error(KIND, ""))?;
    let base = base_url(call);
    Ok(rows.iter().map(|r| (KIND, full(r, &groups, &base))).collect())
}

async fn list(call: &Call<'_, AppContext>, req: ListRequest) -> Result<Response<dropshot::Body>, ApiError> {
    let filter = req.parsed_filter(&[KIND])?;
    let found = candidates(call, filter.as_ref()).await?;
    req.answer(filter.as_ref(), found)
}

impl ScimUsersService for AppContext {
    async fn list_scim_users(call: &Call<'_, Self>, query: ListScimUsersQuery) -> Result<Response<dropshot::Body>, ApiError> {
        list(call, list_request!(query)).await
    }

    async fn search_scim_users(call: &Call<'_, Self>, _query: SearchScimUsersQuery, body: RawBodyBytes) -> Result<Response<dropshot::Body>, ApiError> {
        list(call, ListRequest::from_search(&body)?).await
    }

    async fn create_scim_user(call: &Call<'_, Self>, _query: CreateScimUserQuery, body: RawBodyBytes) -> Result<Response<dropshot::Body>, ApiError> {
        let write = write_of(resource::normalize(KIND, &body_json(&body)?)?)?;
        let row = scim_user_create(&call.context().db, call.principal.tenant_id, &write).await.map_err(store_error(KIND, ""))?;
        answer_user(call, &row, StatusCode::CREATED, None, None).await
    }

    async fn get_scim_user(call: &Call<'_, Self>, path: GetScimUserPath, query: GetScimUserQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let id = resource_id(KIND, &path.id)?;
        let row = scim_user_get(&call.context().db, call.principal.tenant_id, id).await.map_err(store_error(KIND, &path.id))?;
        answer_user(call, &row, StatusCode::OK, query.attributes.as_deref(), query.excluded_attributes.as_deref()).await
    }

    async fn replace_scim_user(
        call: &Call<'_, Self>,
        path: ReplaceScimUserPath,
        _query: ReplaceScimUserQuery,
        headers: ReplaceScimUserHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<dropshot::Body>, ApiError> {
        let replacement = resource::normalize(KIND, &body_json(&body)?)?;
        modify(call, &path.id, headers.if_match.as_deref(), |_| Ok(replacement.clone())).await
    }

    async fn patch_scim_user(
        call: &Call<'_, Self>,
        path: PatchScimUserPath,
        _query: PatchScimUserQuery,
        headers: PatchScimUserHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<dropshot::Body>, ApiError> {
        let ops = body_json(&body)?;
        modify(call, &path.id, headers.if_match.as_deref(), |mut user| {
            patch::apply(KIND, &mut user, &ops)?;
            Ok(user)
        })
        .await
    }

    async fn delete_scim_user(call: &Call<'_, Self>, path: DeleteScimUserPath, _query: DeleteScimUserQuery, headers: DeleteScimUserHeaders) -> Result<Response<dropshot::Body>, ApiError> {
        let id = resource_id(KIND, &path.id)?;
        let pin = pinned(headers.if_match.as_deref());
        scim_user_delete(&call.context().db, call.principal.tenant_id, id, pin).await.map_err(store_error(KIND, &path.id))?;
        no_content()
    }
}
