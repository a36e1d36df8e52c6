//! SCIM 2.0 provisioning over HTTP on each backend, driven the way Microsoft
//! Entra ID and Okta drive it (their request shapes, one test each group):
//! tokens and tenancy, discovery, Users and Groups with filters, paging,
//! PATCH in every shape they send, ETags, and errors in SCIM's own form.

mod common;

use common::{backends, Reply, TestServer};
use mobieus_server::admin::{scim_set_cmd, scim_token_create_cmd, scim_token_revoke_cmd};
use mobieus_server::store::scim::tokens::DEFAULT_LIMITS;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A tenant with SCIM on, its token and an all-scope API key.
async fn provisioned(ts: &TestServer, slug: &str) -> (String, String) {
    let (_, key) = ts.tenant_with_key(slug).await;
    scim_set_cmd(ts.db(), slug, true).await.unwrap();
    let token = scim_token_create_cmd(ts.db(), slug, Some("Entra ID"), DEFAULT_LIMITS).await.unwrap();
    (token["secret"].as_str().unwrap().to_owned(), key)
}

async fn scim(ts: &TestServer, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
    let mut rb = ts.http.request(method, ts.url(&format!("/scim/v2{path}"))).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.header("content-type", "application/scim+json; charset=utf-8").body(b.to_string());
    }
    Reply::from(rb.send().await.unwrap()).await
}

async fn get(ts: &TestServer, token: &str, path: &str) -> Reply {
    scim(ts, token, reqwest::Method::GET, path, None).await
}

#[track_caller]
fn scim_error(r: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/scim+json"), "{}", r.text);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{}", r.text);
    assert_eq!(r.body["status"], json!(status.to_string()), "{}", r.text);
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{}", r.text);
    assert!(r.body["detail"].is_string(), "{}", r.text);
}

fn q(filter: &str) -> String {
    url::form_urlencoded::byte_serialize(filter.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_tenancy_and_discovery() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (token, key) = provisioned(&ts, "acme").await;
        let (other, _) = provisioned(&ts, "globex").await;

        // no token, an API key, a made-up token: 401 in SCIM's form
        let r = Reply::from(ts.http.get(ts.url("/scim/v2/Users")).send().await.unwrap()).await;
        scim_error(&r, 401, None);
        scim_error(&get(&ts, &key, "/Users").await, 401, None);
        scim_error(&get(&ts, "scim_notatoken", "/Users").await, 401, None);
        // and a SCIM token is no API key
        ts.get(Some(&token), "/api/v1/users").await.assert_error(401, "invalid_api_key");

        let config = get(&ts, &token, "/ServiceProviderConfig").await;
        assert_eq!((config.status, config.header("content-type")), (200, Some("application/scim+json")), "{}", config.text);
        assert_eq!((config.body["patch"]["supported"].as_bool(), config.body["bulk"]["supported"].as_bool()), (Some(true), Some(false)));
        assert_eq!(config.body["filter"]["maxResults"], 100);
        let types = get(&ts, &token, "/ResourceTypes").await;
        assert_eq!(types.body["totalResults"], 2, "{}", types.text);
        let user_type = get(&ts, &token, "/ResourceTypes/User").await;
        assert_eq!(user_type.body["schemaExtensions"][0]["schema"], ENT, "{}", user_type.text);
        scim_error(&get(&ts, &token, "/ResourceTypes/Device").await, 404, None);
        let schemas = get(&ts, &token, "/Schemas").await;
        assert_eq!(schemas.body["totalResults"], 3, "{}", schemas.text);
        let user = get(&ts, &token, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").await;
        let user_name = user.body["attributes"].as_array().unwrap().iter().find(|a| a["name"] == "userName").unwrap().clone();
        assert_eq!((user_name["caseExact"].as_bool(), user_name["uniqueness"].as_str(), user_name["required"].as_bool()), (Some(false), Some("server"), Some(true)));
        assert!(!user.body["attributes"].as_array().unwrap().iter().any(|a| a["name"] == "password"), "we keep no password");
        scim_error(&get(&ts, &token, "/Schemas/urn:nothing").await, 404, None);
        // other methods on discovery: 405, in SCIM's form
        let r = scim(&ts, &token, reqwest::Method::POST, "/ServiceProviderConfig", Some(json!({}))).await;
        scim_error(&r, 405, None);
        assert!(r.header("allow").is_some_and(|a| a.contains("GET")));

        // tenant isolation: globex's token sees none of acme's members
        let made = scim(&ts, &token, reqwest::Method::POST, "/Users", Some(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.test" }))).await;
        assert_eq!(made.status, 201, "{}", made.text);
        let id = made.body["id"].as_str().unwrap().to_owned();
        assert_eq!(get(&ts, &other, "/Users").await.body["totalResults"], 0);
        scim_error(&get(&ts, &other, &format!("/Users/{id}")).await, 404, None);

        // SCIM off: 403; a revoked token: 401
        scim_set_cmd(ts.db(), "acme", false).await.unwrap();
        scim_error(&get(&ts, &token, "/Users").await, 403, None);
        scim_set_cmd(ts.db(), "acme", true).await.unwrap();
        assert_eq!(get(&ts, &token, "/Users").await.status, 200);
        let minted = scim_token_create_cmd(ts.db(), "acme", None, DEFAULT_LIMITS).await.unwrap();
        scim_token_revoke_cmd(ts.db(), minted["id"].as_i64().unwrap()).await.unwrap();
        scim_error(&get(&ts, minted["secret"].as_str().unwrap(), "/Users").await, 401, None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_as_entra_id_provisions_them() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (token, key) = provisioned(&ts, "acme").await;

        // the test-connection probe: a filter matching nobody is an empty 200
        let probe = get(&ts, &token, &format!("/Users?aadOptscim062020&filter={}", q("userName eq \"7f1c2a0e-probe\""))).await;
        assert_eq!((probe.status, probe.body["totalResults"].as_i64(), probe.body["Resources"].as_array().map(Vec::len)), (200, Some(0), Some(0)), "{}", probe.text);

        // Entra's create: read-only and null attributes, a boolean as a string
        let create = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            "externalId": "ada-obj-1",
            "userName": "Ada@Contoso.test",
            "active": "True",
            "displayName": "Ada Lovelace",
            "meta": { "resourceType": "User" },
            "roles": [],
            "name": { "givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace" },
            "emails": [{ "primary": true, "type": "work", "value": "ada@contoso.test" }],
            ENT: { "employeeNumber": "701984", "department": "Support", "manager": null },
        });
        let made = scim(&ts, &token, reqwest::Method::POST, "/Users", Some(create.clone())).await;
        assert_eq!(made.status, 201, "{}", made.text);
        let id = made.body["id"].as_str().unwrap().to_owned();
        assert_eq!(made.header("location"), made.body["meta"]["location"].as_str());
        assert_eq!(made.header("etag"), Some("W/\"1\""));
        assert_eq!((made.body["active"].as_bool(), made.body[ENT]["employeeNumber"].as_str()), (Some(true), Some("701984")), "{}", made.text);
        assert!(made.body.get("roles").is_none() && made.body[ENT].get("manager").is_none(), "{}", made.text);

        // userName is unique whatever its case
        let again = scim(&ts, &token, reqwest::Method::POST, "/Users", Some(json!({ "userName": "ada@contoso.TEST" }))).await;
        scim_error(&again, 409, Some("uniqueness"));
        // and filters on it ignore case; externalId's do not
        let found = get(&ts, &token, &format!("/Users?filter={}", q("userName eq \"ada@contoso.test\""))).await;
        assert_eq!(found.body["totalResults"], 1, "{}", found.text);
        assert_eq!(get(&ts, &token, &format!("/Users?filter={}", q("externalId eq \"ADA-OBJ-1\""))).await.body["totalResults"], 0);
        let complex = get(&ts, &token, &format!("/Users?filter={}", q("emails[type eq \"work\" and value co \"@contoso\"] and not (active eq false)"))).await;
        assert_eq!(complex.body["totalResults"], 1, "{}", complex.text);
        scim_error(&get(&ts, &token, &format!("/Users?filter={}", q("userName eq"))).await, 400, Some("invalidFilter"));

        // Entra's PATCH: capitalised ops, a value-filtered path that creates
        // its entry, dotted and URN keys without a path
        let patch = json!({ "schemas": [PATCH], "Operations": [
            { "op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 20 7946 0000" },
            { "op": "Add", "value": { "name.givenName": "Augusta", format!("{ENT}:department"): "Research", "title": "Analyst" } },
        ]});
        let patched = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(patch)).await;
        assert_eq!(patched.status, 200, "{}", patched.text);
        assert_eq!(patched.body["phoneNumbers"], json!([{ "type": "mobile", "value": "+44 20 7946 0000" }]), "{}", patched.text);
        assert_eq!((patched.body["name"]["givenName"].as_str(), patched.body[ENT]["department"].as_str()), (Some("Augusta"), Some("Research")));
        assert_eq!(patched.header("etag"), Some("W/\"2\""));

        // a stale If-Match is 412; bad paths and values say which
        let stale = ts.http.patch(ts.url(&format!("/scim/v2/Users/{id}"))).bearer_auth(&token).header("if-match", "W/\"1\"")
            .json(&json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "title", "value": "x" }] })).send().await.unwrap();
        scim_error(&Reply::from(stale).await, 412, None);
        let bad_path = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "emails[type eq", "value": "x" }] }))).await;
        scim_error(&bad_path, 400, Some("invalidPath"));
        let read_only = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "id", "value": "9" }] }))).await;
        scim_error(&read_only, 400, Some("mutability"));
        let atomic = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(json!({ "schemas": [PATCH], "Operations": [
            { "op": "replace", "path": "title", "value": "Director" }, { "op": "replace", "path": "active", "value": "maybe" } ] }))).await;
        scim_error(&atomic, 400, Some("invalidValue"));
        assert_eq!(get(&ts, &token, &format!("/Users/{id}")).await.body["title"], "Analyst", "nothing of a refused PATCH applies");
        // an attribute removed stays removed (the member keeps a display name)
        let removed = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "remove", "path": "displayName" }] }))).await;
        assert!(removed.status == 200 && removed.body.get("displayName").is_none(), "{}", removed.text);
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/users/{id}")).await.body["data"]["display_name"], "Ada Lovelace", "from name.formatted");

        // deprovisioning: PATCH active "False"; the member stays, deactivated
        let off = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{id}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "Replace", "path": "active", "value": "False" }] }))).await;
        assert_eq!((off.status, off.body["active"].as_bool()), (200, Some(false)), "{}", off.text);
        let member = ts.get(Some(&key), &format!("/api/v1/users/{id}")).await;
        assert_eq!((member.body["data"]["status"].as_str(), member.body["data"]["username"].as_str(), member.body["data"]["email"].as_str()), (Some("deactivated"), Some("Ada@Contoso.test"), Some("ada@contoso.test")), "{}", member.text);
        for (event, n) in [("user.created", 1), ("user.updated", 3), ("user.deactivated", 1)] {
            assert_eq!(ts.events_of(&key, event).await.len(), n, "{event}");
        }

        // paging, sorting, projection, and the POST search
        for name in ["bob@contoso.test", "cy@contoso.test", "dee@contoso.test"] {
            assert_eq!(scim(&ts, &token, reqwest::Method::POST, "/Users", Some(json!({ "userName": name, "emails": [{ "value": name, "type": "work" }] }))).await.status, 201);
        }
        let page = get(&ts, &token, "/Users?startIndex=2&count=2&sortBy=userName&sortOrder=descending&attributes=userName").await;
        assert_eq!((page.body["totalResults"].as_i64(), page.body["startIndex"].as_i64(), page.body["itemsPerPage"].as_i64()), (Some(4), Some(2), Some(2)), "{}", page.text);
        let names: Vec<&str> = page.body["Resources"].as_array().unwrap().iter().map(|r| r["userName"].as_str().unwrap()).collect();
        assert_eq!(names, ["cy@contoso.test", "bob@contoso.test"]);
        assert!(page.body["Resources"][0].get("emails").is_none() && page.body["Resources"][0]["id"].is_string(), "{}", page.text);
        let search = scim(&ts, &token, reqwest::Method::POST, "/Users/.search", Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName sw \"d\"", "excludedAttributes": ["emails"] }))).await;
        assert_eq!((search.status, search.body["totalResults"].as_i64()), (200, Some(1)), "{}", search.text);
        assert!(search.body["Resources"][0].get("emails").is_none());

        // DELETE: gone from SCIM, kept (deactivated) as a member
        let gone = scim(&ts, &token, reqwest::Method::DELETE, &format!("/Users/{id}"), None).await;
        assert_eq!(gone.status, 204, "{}", gone.text);
        scim_error(&get(&ts, &token, &format!("/Users/{id}")).await, 404, None);
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/users/{id}")).await.body["data"]["status"], "deactivated");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_and_groups_as_okta_provisions_them() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (token, _) = provisioned(&ts, "acme").await;
        let mut ids = vec![];
        for (name, locale) in [("ann@okta.test", "en-US"), ("ben@okta.test", "fr-FR"), ("cat@okta.test", "de-DE")] {
            let r = scim(&ts, &token, reqwest::Method::POST, "/Users", Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "name": { "givenName": "A", "familyName": "B" },
                "emails": [{ "primary": true, "value": name, "type": "work" }], "displayName": name, "locale": locale,
                "externalId": format!("00u{name}"), "groups": [], "password": "1mP0ssible!", "active": true }))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            assert!(!r.text.contains("1mP0ssible") && r.body.get("password").is_none(), "a password is never returned");
            assert_eq!(r.body["locale"], locale);
            ids.push(r.body["id"].as_str().unwrap().to_owned());
        }
        // the paging probe
        let probe = get(&ts, &token, "/Users?startIndex=1&count=2").await;
        assert_eq!((probe.body["totalResults"].as_i64(), probe.body["Resources"].as_array().map(Vec::len)), (Some(3), Some(2)), "{}", probe.text);
        // deactivation by a no-path replace, and by a PUT of the whole user
        let off = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{}", ids[0]), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "active": false } }] }))).await;
        assert_eq!(off.body["active"], false, "{}", off.text);
        let put = scim(&ts, &token, reqwest::Method::PUT, &format!("/Users/{}", ids[1]), Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": ids[1], "userName": "ben@okta.test", "active": false, "locale": "fr-FR" }))).await;
        assert_eq!((put.status, put.body["active"].as_bool(), put.body.get("emails").is_some()), (200, Some(false), false), "a PUT replaces: {}", put.text);

        // groups: create with members, filter without members, rename with `id`
        let group = scim(&ts, &token, reqwest::Method::POST, "/Groups", Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Support", "members": [{ "value": ids[0] }, { "value": ids[1] }] }))).await;
        assert_eq!((group.status, group.body["members"].as_array().map(Vec::len)), (201, Some(2)), "{}", group.text);
        let gid = group.body["id"].as_str().unwrap().to_owned();
        assert!(!ids.contains(&gid), "no id names two resources: {gid}");
        let listed = get(&ts, &token, &format!("/Groups?excludedAttributes=members&filter={}", q("displayName eq \"support\""))).await;
        assert_eq!(listed.body["totalResults"], 1, "{}", listed.text);
        assert!(listed.body["Resources"][0].get("members").is_none(), "{}", listed.text);
        // the search across resource types matches each as its own type
        let across = scim(&ts, &token, reqwest::Method::POST, "/.search", Some(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName sw \"support\" or userName eq \"cat@okta.test\"", "sortBy": "meta.created" }))).await;
        assert_eq!(across.body["totalResults"], 2, "{}", across.text);
        let kinds: Vec<&str> = across.body["Resources"].as_array().unwrap().iter().map(|r| r["meta"]["resourceType"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["User", "Group"], "{}", across.text);
        let renamed = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Groups/{gid}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "id": gid, "displayName": "Support EU" } }] }))).await;
        assert_eq!(renamed.body["displayName"], "Support EU", "{}", renamed.text);
        // a remove by filter and an add in one PATCH
        let swap = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Groups/{gid}"), Some(json!({ "schemas": [PATCH], "Operations": [
            { "op": "remove", "path": format!("members[value eq \"{}\"]", ids[0]) },
            { "op": "add", "path": "members", "value": [{ "value": ids[2], "display": "cat" }] } ] }))).await;
        let members: Vec<&str> = swap.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
        assert_eq!(members, [ids[1].as_str(), ids[2].as_str()], "{}", swap.text);
        // Entra's member removal by a value list
        let removed = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Groups/{gid}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "Remove", "path": "members", "value": [{ "value": ids[1] }] }] }))).await;
        assert_eq!(removed.body["members"].as_array().map(Vec::len), Some(1), "{}", removed.text);
        // the user shows its group
        assert_eq!(get(&ts, &token, &format!("/Users/{}", ids[2])).await.body["groups"][0]["value"], gid.as_str());
        // a member that is no User of the tenant; then a full replace with []
        let stranger = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Groups/{gid}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": "999999" }] }] }))).await;
        scim_error(&stranger, 400, Some("invalidValue"));
        let emptied = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Groups/{gid}"), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "members", "value": [] }] }))).await;
        assert!(emptied.status == 200 && emptied.body.get("members").is_none(), "{}", emptied.text);
        let deleted = scim(&ts, &token, reqwest::Method::DELETE, &format!("/Groups/{gid}"), None).await;
        assert_eq!(deleted.status, 204);
        scim_error(&get(&ts, &token, &format!("/Groups/{gid}")).await, 404, None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generated_client_provisions_a_member_and_a_group() {
    use mobieus_api::types;
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (token, key) = provisioned(&ts, "acme").await;
        let c = ts.client(&token);
        let config = c.get_scim_service_provider_config().send().await.unwrap().into_inner();
        assert!(config.patch.supported && !config.bulk.supported);
        assert_eq!(c.list_scim_schemas().send().await.unwrap().into_inner().total_results, 3);
        let made = c
            .create_scim_user()
            .body(types::ScimUser::builder().user_name("eve@acme.test").display_name(Some("Eve".to_owned())).external_id(Some("eve-1".to_owned())))
            .send()
            .await
            .unwrap();
        assert_eq!(made.status().as_u16(), 201);
        let eve = made.into_inner();
        let id = eve.id.clone().unwrap();
        let found = c.list_scim_users().filter("externalId eq \"eve-1\"").send().await.unwrap().into_inner();
        assert_eq!((found.total_results, found.resources[0].user_name.as_str()), (1, "eve@acme.test"));
        let patched = c
            .patch_scim_user()
            .id(id.as_str())
            .body(types::ScimPatchOp {
                schemas: vec![PATCH.into()],
                operations: vec![types::ScimPatchOperation { op: "replace".into(), path: Some("active".into()), value: Some(json!(false)) }],
            })
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(patched.active, Some(false));
        let group = c
            .create_scim_group()
            .body(types::ScimGroup::builder().display_name("Night shift").members(vec![types::ScimReference::builder().value(Some(id.clone())).try_into().unwrap()]))
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(group.members.len(), 1);
        let got = c.get_scim_group().id(group.id.clone().unwrap()).send().await.unwrap().into_inner();
        assert_eq!(got.display_name, "Night shift");
        let all = c.search_scim_resources().body(types::ScimSearchRequest::builder()).send().await.unwrap().into_inner();
        assert_eq!(all.total_results, 2);
        // an error is the SCIM error body, typed
        let missing = c.get_scim_user().id("999999").send().await.unwrap_err();
        assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(c.delete_scim_group().id(got.id.unwrap()).send().await.unwrap().status().as_u16(), 204);
        assert_eq!(c.delete_scim_user().id(id.as_str()).send().await.unwrap().status().as_u16(), 204);
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/users/{id}")).await.body["data"]["status"], "deactivated");
    }
}

/// A group an identity provider provisioned is granted courses through the
/// mobieusLearn cohort grant (its active members, at the time of the grant).
#[tokio::test(flavor = "multi_thread")]
async fn a_provisioned_group_is_granted_courses() {
    use mobieus_api::types;
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (token, key) = provisioned(&ts, "acme").await;
        let mut ids = vec![];
        for name in ["ann@idp.test", "ben@idp.test", "cat@idp.test"] {
            let r = scim(&ts, &token, reqwest::Method::POST, "/Users", Some(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name }))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            ids.push(r.body["id"].as_str().unwrap().to_owned());
        }
        let group = scim(&ts, &token, reqwest::Method::POST, "/Groups", Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Onboarding", "members": [{ "value": ids[0] }, { "value": ids[1] }, { "value": ids[2] }] }))).await;
        let gid = group.body["id"].as_str().unwrap().to_owned();
        // ben is deactivated the way Entra ID does it: he stays in the group, but is granted nothing
        let off = scim(&ts, &token, reqwest::Method::PATCH, &format!("/Users/{}", ids[1]), Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "Replace", "path": "active", "value": "False" }] }))).await;
        assert_eq!(off.body["active"], false, "{}", off.text);
        let (course, ..) = ts.course_with(&key, "Onboarding", &[json!({ "kind": "video", "title": "Welcome", "video": { "url": "https://videos.example.org/a.mp4", "duration_seconds": 60 } })]).await;
        assert_eq!(ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await.status, 200);

        let c = ts.client(&key);
        let granted = c
            .grant_learn_cohorts()
            .body(types::CohortGrant::builder().group_ids(Some(vec![gid.parse().unwrap()])).course_ids(vec![course]))
            .send()
            .await
            .unwrap()
            .into_inner()
            .data;
        assert_eq!((granted.enrolled, granted.already_enrolled, granted.learners, granted.courses), (2, 0, 2, 1));
        let enrolled: Vec<String> = ts.get(Some(&key), &format!("/api/v1/learn/enrollments?course={course}")).await.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["user_id"].as_i64().unwrap().to_string())
            .collect();
        assert_eq!(enrolled.len(), 2);
        assert!(enrolled.contains(&ids[0]) && enrolled.contains(&ids[2]) && !enrolled.contains(&ids[1]), "{enrolled:?}");
        // again: nothing new
        let again = ts.post(Some(&key), "/api/v1/learn/cohorts/grant", &json!({ "group_ids": [gid], "course_ids": [course] }), None).await;
        assert_eq!((again.body["data"]["enrolled"].as_i64(), again.body["data"]["already_enrolled"].as_i64()), (Some(0), Some(2)), "{}", again.text);
        // an unknown group, another tenant's group, and an id that is no group's
        let unknown = ts.post(Some(&key), "/api/v1/learn/cohorts/grant", &json!({ "group_ids": ["g999999"], "course_ids": [course] }), None).await;
        unknown.assert_error(422, "validation_failed");
        assert_eq!(unknown.body["error"]["extra"]["fields"][0]["field"], "group_ids", "{}", unknown.text);
        let (beta_token, _) = provisioned(&ts, "beta").await;
        let beta_group = scim(&ts, &beta_token, reqwest::Method::POST, "/Groups", Some(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Beta" }))).await;
        let foreign = ts.post(Some(&key), "/api/v1/learn/cohorts/grant", &json!({ "group_ids": [beta_group.body["id"]], "course_ids": [course] }), None).await;
        foreign.assert_error(422, "validation_failed");
        ts.post(Some(&key), "/api/v1/learn/cohorts/grant", &json!({ "group_ids": [ids[0]], "course_ids": [course] }), None).await.assert_error(422, "validation_failed");
    }
}
