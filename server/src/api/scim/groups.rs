//! SCIM Groups: groups of the tenant's members. A member is named by its
//! User id; members are added without repeats and must be live Users of the
//! tenant (400 `invalidValue` otherwise).

use http::{Response, StatusCode};
use mobieus_api::server::{
    SearchScimGroupsQuery, CreateScimGroupQuery, ReplaceScimGroupQuery, PatchScimGroupQuery, DeleteScimGroupQuery,
    DeleteScimGroupHeaders, DeleteScimGroupPath, GetScimGroupPath, GetScimGroupQuery, ListScimGroupsQuery, PatchScimGroupHeaders, PatchScimGroupPath,
    ReplaceScimGroupHeaders, ReplaceScimGroupPath, ScimGroupsService,
};
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use serde_json::{json, Value};

use super::{
    answer, base_url, body_json, list_request, location, meta, no_content, pinned, resource_id, retrying_write, row_id, scim_id, store_error, ListRequest,
};
use crate::app::AppContext;
use crate::db::StoreError;
use crate::scim::filter::{equality_on, Filter};
use crate::scim::schema::{ResourceKind, GROUP_URN};
use crate::scim::{patch, resource, ScimError};
use crate::store::scim::groups::{group_create, group_delete, group_get, group_update, groups_list, members_of, GroupRow, GroupWrite, Member};

const KIND: ResourceKind = ResourceKind::Group;

/// The Group as kept (what PATCH works on), its members with their display names.
fn stored(row: &GroupRow, members: &[Member], base: &str) -> Value {
    let mine: Vec<Value> = members
        .iter()
        .filter(|(group, ..)| *group == row.id)
        .map(|(_, user, username, display)| {
            json!({ "value": user.to_string(), "display": if display.is_empty() { username } else { display }, "$ref": location(base, ResourceKind::User, *user), "type": "User" })
        })
        .collect();
    let mut v = json!({ "schemas": [GROUP_URN], "displayName": row.display_name });
    if let Some(e) = &row.external_id {
        v["externalId"] = json!(e);
    }
    if !mine.is_empty() {
        v["members"] = Value::Array(mine);
    }
    v
}

fn full(row: &GroupRow, members: &[Member], base: &str) -> Value {
    let mut v = stored(row, members, base);
    v["id"] = json!(scim_id(KIND, row.id));
    v["meta"] = meta(KIND, &location(base, KIND, row.id), row.created_at, row.updated_at, row.version);
    v
}

fn write_of(v: &Value) -> Result<GroupWrite, ApiError> {
    let display_name = v.get("displayName").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let display_name = display_name.ok_or_else(|| ScimError::invalid_value("displayName is required."))?.to_owned();
    let external_id = v.get("externalId").and_then(Value::as_str).map(str::to_owned);
    let mut members = Vec::new();
    for m in v.get("members").and_then(Value::as_array).into_iter().flatten() {
        let value = m.get("value").and_then(Value::as_str).unwrap_or("");
        let id = row_id(ResourceKind::User, value);
        let id = id.ok_or_else(|| ScimError::invalid_value(format!("members: `{value}` is not the id of a User of this tenant.")))?;
        if !members.contains(&id) {
            members.push(id);
        }
    }
    Ok(GroupWrite { display_name, external_id, members })
}

async fn answer_group(call: &Call<'_, AppContext>, row: &GroupRow, status: StatusCode, attributes: Option<&str>, excluded: Option<&str>) -> Result<Response<dropshot::Body>, ApiError> {
    let base = base_url(call);
    let members = members_of(&call.context().db, call.principal.tenant_id, &[row.id]).await.map_err(store_error(KIND, ""))?;
    let v = resource::project(KIND, &full(row, &members, &base), attributes, excluded)?;
    let created_at = (status == StatusCode::CREATED).then(|| location(&base, KIND, row.id));
    answer(status, &v, Some(row.version), created_at.as_deref())
}

/// Reads (with its members), changes and writes a Group (`retrying_write`).
async fn modify(call: &Call<'_, AppContext>, id_text: &str, if_match: Option<&str>, change: impl Fn(Value) -> Result<Value, ApiError>) -> Result<Response<dropshot::Body>, ApiError> {
    let (db, tenant) = (&call.context().db, call.principal.tenant_id);
    let id = resource_id(KIND, id_text)?;
    let base = base_url(call);
    let (row, _) = retrying_write(
        KIND,
        id_text,
        pinned(if_match),
        || async move { Ok::<_, StoreError>((group_get(db, tenant, id).await?, members_of(db, tenant, &[id]).await?)) },
        |(row, _)| row.version,
        |(row, members)| write_of(&change(stored(row, members, &base))?),
        // the members as written are read again for the answer
        |version, write| async move { group_update(db, tenant, id, version, &write).await.map(|row| (row, Vec::new())) },
    )
    .await?;
    answer_group(call, &row, StatusCode::OK, None, None).await
}

/// Every Group an (already checked) filter may match, as answered; members
/// are read only when the answer or the filter can use them.
pub(super) async fn candidates(call: &Call<'_, AppContext>, filter: Option<&Filter>, excluded: Option<&str>) -> Result<Vec<(ResourceKind, Value)>, ApiError> {
    let (db, tenant) = (&call.context().db, call.principal.tenant_id);
    // displayName is caseExact false: an index finds the exact spelling only,
    // so only `id` and `externalId` read by index
    let (mut by_id, mut by_external) = (None, None);
    if let Some((path, value)) = filter.and_then(equality_on) {
        if path.is_core_attr(KIND, "id") {
            by_id = Some(row_id(KIND, value).unwrap_or(0));
        } else if path.is_core_attr(KIND, "externalId") {
            by_external = Some(value.to_owned());
        }
    }
    let mut rows = groups_list(db, tenant, None, by_id).await.map_err(store_error(KIND, ""))?;
    if let Some(e) = &by_external {
        rows.retain(|r| r.external_id.as_deref() == Some(e));
    }
    let wants_members = !excluded.is_some_and(|x| x.split(',').any(|a| a.trim().eq_ignore_ascii_case("members")));
    let members = if wants_members || filter.is_some() {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        members_of(db, tenant, &ids).await.map_err(store_error(KIND, ""))?
    } else {
        vec![]
    };
    let base = base_url(call);
    Ok(rows.iter().map(|r| (KIND, full(r, &members, &base))).collect())
}

async fn list(call: &Call<'_, AppContext>, req: ListRequest) -> Result<Response<dropshot::Body>, ApiError> {
    let filter = req.parsed_filter(&[KIND])?;
    let found = candidates(call, filter.as_ref(), req.excluded.as_deref()).await?;
    req.answer(filter.as_ref(), found)
}

impl ScimGroupsService for AppContext {
    async fn list_scim_groups(call: &Call<'_, Self>, query: ListScimGroupsQuery) -> Result<Response<dropshot::Body>, ApiError> {
        list(call, list_request!(query)).await
    }

    async fn search_scim_groups(call: &Call<'_, Self>, _query: SearchScimGroupsQuery, body: RawBodyBytes) -> Result<Response<dropshot::Body>, ApiError> {
        list(call, ListRequest::from_search(&body)?).await
    }

    async fn create_scim_group(call: &Call<'_, Self>, _query: CreateScimGroupQuery, body: RawBodyBytes) -> Result<Response<dropshot::Body>, ApiError> {
        let write = write_of(&resource::normalize(KIND, &body_json(&body)?)?)?;
        let row = group_create(&call.context().db, call.principal.tenant_id, &write).await.map_err(store_error(KIND, ""))?;
        answer_group(call, &row, StatusCode::CREATED, None, None).await
    }

    async fn get_scim_group(call: &Call<'_, Self>, path: GetScimGroupPath, query: GetScimGroupQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let id = resource_id(KIND, &path.id)?;
        let row = group_get(&call.context().db, call.principal.tenant_id, id).await.map_err(store_error(KIND, &path.id))?;
        answer_group(call, &row, StatusCode::OK, query.attributes.as_deref(), query.excluded_attributes.as_deref()).await
    }

    async fn replace_scim_group(
        call: &Call<'_, Self>,
        path: ReplaceScimGroupPath,
        _query: ReplaceScimGroupQuery,
        headers: ReplaceScimGroupHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<dropshot::Body>, ApiError> {
        let replacement = resource::normalize(KIND, &body_json(&body)?)?;
        modify(call, &path.id, headers.if_match.as_deref(), |_| Ok(replacement.clone())).await
    }

    async fn patch_scim_group(
        call: &Call<'_, Self>,
        path: PatchScimGroupPath,
        _query: PatchScimGroupQuery,
        headers: PatchScimGroupHeaders,
        body: RawBodyBytes,
    ) -> Result<Response<dropshot::Body>, ApiError> {
        let ops = body_json(&body)?;
        modify(call, &path.id, headers.if_match.as_deref(), |mut group| {
            patch::apply(KIND, &mut group, &ops)?;
            Ok(group)
        })
        .await
    }

    async fn delete_scim_group(call: &Call<'_, Self>, path: DeleteScimGroupPath, _query: DeleteScimGroupQuery, headers: DeleteScimGroupHeaders) -> Result<Response<dropshot::Body>, ApiError> {
        let id = resource_id(KIND, &path.id)?;
        let pin = pinned(headers.if_match.as_deref());
        group_delete(&call.context().db, call.principal.tenant_id, id, pin).await.map_err(store_error(KIND, &path.id))?;
        no_content()
    }
}
