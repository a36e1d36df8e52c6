//! What this service provider supports (RFC 7644 §4), built from the same
//! schema data the filters, PATCH and projections use (`crate::scim::schema`),
//! so what it publishes is what it does; and the search across resource
//! types (`POST /.search`), over the Users' and Groups' own candidates.

use http::{Response, StatusCode};
use mobieus_api::server::{
    GetScimResourceTypePath, GetScimResourceTypeQuery, GetScimSchemaPath, GetScimSchemaQuery, GetScimServiceProviderConfigQuery, ListScimResourceTypesQuery,
    ListScimSchemasQuery, ScimServiceProviderService, SearchScimResourcesQuery,
};
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use serde_json::{json, Value};

use super::{answer, base_url, groups, users, ListRequest, LIST_URN, MAX_RESULTS};
use crate::app::AppContext;
use crate::scim::patch::MAX_OPERATIONS;
use crate::scim::schema::{resource_type_json, schema_by_id, schema_json, schemas, ResourceKind};

const KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

fn with_meta(mut v: Value, resource_type: &str, location: String) -> Value {
    v["meta"] = json!({ "resourceType": resource_type, "location": location });
    v
}

fn resource_type(base: &str, kind: ResourceKind) -> Value {
    with_meta(resource_type_json(kind), "ResourceType", format!("{base}/ResourceTypes/{}", kind.name()))
}

fn schema(base: &str, s: &crate::scim::schema::Schema) -> Value {
    with_meta(schema_json(s), "Schema", format!("{base}/Schemas/{}", s.id))
}

fn list(items: Vec<Value>) -> Value {
    json!({ "schemas": [LIST_URN], "totalResults": items.len(), "startIndex": 1, "itemsPerPage": items.len(), "Resources": items })
}

fn unknown(what: &str, id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("No {what} `{id}`."))
}

impl ScimServiceProviderService for AppContext {
    async fn get_scim_service_provider_config(call: &Call<'_, Self>, _query: GetScimServiceProviderConfigQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let base = base_url(call);
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            // an absolute URL (RFC 7643 §5: HTTP-addressable)
            "documentationUri": format!("{}/api/docs", base.trim_end_matches("/scim/v2")),
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": MAX_RESULTS },
            "changePassword": { "supported": false },
            "sort": { "supported": true },
            "etag": { "supported": true },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "SCIM token",
                "description": format!("A SCIM token of the tenant in `Authorization: Bearer`, minted with `mobieus-server scim token create`. PATCH takes at most {MAX_OPERATIONS} operations."),
                "primary": true,
            }],
            "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
        });
        answer(StatusCode::OK, &body, None, None)
    }

    async fn list_scim_resource_types(call: &Call<'_, Self>, _query: ListScimResourceTypesQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let base = base_url(call);
        answer(StatusCode::OK, &list(KINDS.iter().map(|k| resource_type(&base, *k)).collect()), None, None)
    }

    async fn get_scim_resource_type(call: &Call<'_, Self>, path: GetScimResourceTypePath, _query: GetScimResourceTypeQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let kind = KINDS.iter().find(|k| k.name() == path.id).ok_or_else(|| unknown("resource type", &path.id))?;
        answer(StatusCode::OK, &resource_type(&base_url(call), *kind), None, None)
    }

    async fn list_scim_schemas(call: &Call<'_, Self>, _query: ListScimSchemasQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let base = base_url(call);
        answer(StatusCode::OK, &list(schemas().iter().map(|s| schema(&base, s)).collect()), None, None)
    }

    async fn get_scim_schema(call: &Call<'_, Self>, path: GetScimSchemaPath, _query: GetScimSchemaQuery) -> Result<Response<dropshot::Body>, ApiError> {
        let s = schema_by_id(&path.id).ok_or_else(|| unknown("schema", &path.id))?;
        answer(StatusCode::OK, &schema(&base_url(call), s), None, None)
    }

    async fn search_scim_resources(call: &Call<'_, Self>, _query: SearchScimResourcesQuery, body: RawBodyBytes) -> Result<Response<dropshot::Body>, ApiError> {
        let req = ListRequest::from_search(&body)?;
        let filter = req.parsed_filter(&KINDS)?;
        let mut found = users::candidates(call, filter.as_ref()).await?;
        found.extend(groups::candidates(call, filter.as_ref(), req.excluded.as_deref()).await?);
        req.answer(filter.as_ref(), found)
    }
}
