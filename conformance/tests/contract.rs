//! openapi.yaml against what the server actually routes.

mod common;

use std::collections::BTreeSet;

use common::{backends, TestServer};
use serde_json::Value;

type OpKey = (String, String, String, BTreeSet<(String, String)>);

fn yaml() -> Value {
    serde_yaml::from_str(mobieus_api::OPENAPI_YAML).expect("openapi.yaml parses")
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut cur = doc;
            for part in r.trim_start_matches("#/").split('/') {
                cur = &cur[part];
            }
            cur
        }
        None => v,
    }
}

/// (method, path, operationId, {(parameter, location)}) for every operation.
fn operations(doc: &Value) -> BTreeSet<OpKey> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            // the path item's parameters apply to each of its operations
            let mut params = item["parameters"]
                .as_array()
                .into_iter()
                .chain(op["parameters"].as_array())
                .flatten()
                .map(|p| {
                    let p = resolve(doc, p);
                    (p["name"].as_str().unwrap_or("").to_lowercase(), p["in"].as_str().unwrap_or("").to_owned())
                })
                .collect::<BTreeSet<(String, String)>>();
            // an operation dropshot routes elsewhere (the generator's fold of
            // `/Users/.search` into `/Users/{id}`) is compared where it is routed
            let mut path = path.clone();
            let id = op["operationId"].as_str().unwrap_or("");
            if let Some(info) = mobieus_api::server::OPERATIONS.iter().find(|o| o.operation_id == id && o.route_path != o.path) {
                path = info.route_path.to_owned();
                for variable in info.route_path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}')) {
                    params.insert((variable.to_lowercase(), "path".to_owned()));
                }
            }
            out.insert((method.to_uppercase(), path, op["operationId"].as_str().unwrap_or("").to_owned(), params));
        }
    }
    out
}

#[test]
fn dropshot_description_matches_the_document() {
    let stub = mobieus_api::server::mobieus_api_mod::stub_api_description().expect("the API description builds");
    let emitted = stub.openapi("mobieusCore API", semver::Version::new(1, 7, 0)).json().expect("dropshot emits a document");
    assert_eq!(emitted["openapi"], "3.0.3");
    let ours = operations(&yaml());
    let theirs = operations(&emitted);
    let missing: Vec<_> = ours.difference(&theirs).collect();
    let extra: Vec<_> = theirs.difference(&ours).collect();
    assert!(missing.is_empty() && extra.is_empty(), "documented but not routed: {missing:#?}\nrouted but not documented: {extra:#?}");
    assert!(ours.len() >= 14, "the document lists the operations");
}

#[test]
fn every_operation_names_its_scope_and_has_examples_and_tags() {
    let doc = yaml();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(k, _)| *k != "parameters") {
            let label = format!("{method} {path}");
            assert!(op["operationId"].is_string(), "{label}: operationId");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{label}: tag");
            assert!(op["description"].as_str().is_some_and(|d| d.len() > 20), "{label}: description");
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            if !public {
                let scope = op["x-required-scope"].as_str().unwrap_or_else(|| panic!("{label}: x-required-scope"));
                assert!(op["description"].as_str().unwrap().contains(scope), "{label}: description names {scope}");
                for code in ["401", "403", "429", "500"] {
                    assert!(op["responses"][code].is_object(), "{label}: documents {code}");
                }
            }
        }
    }
}

/// Path parameter values that reach each handler.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_is_routed_and_answers_in_the_envelope() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let doc = yaml();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap().iter().filter(|(k, _)| *k != "parameters") {
                let url = ts.url(&concrete(path));
                let mut rb = ts.http.request(method.to_uppercase().parse().unwrap(), &url).bearer_auth(&key);
                if method == "post" {
                    rb = rb.json(&serde_json::json!({}));
                }
                let label = format!("{method} {path} ({backend:?})");
                let response = rb.send().await.unwrap();
                // a streamed success (events, file bytes) is checked by its
                // status and headers; its body may never end
                let streamed = op["responses"].as_object().unwrap().iter().any(|(code, resp)| {
                    code.starts_with('2') && resolve(&doc, resp)["content"].get("application/json").is_none()
                });
                if streamed && !op["security"].as_array().is_some_and(|s| s.is_empty()) && response.status().is_success() {
                    let declared = resolve(&doc, &op["responses"][response.status().as_str()]);
                    for (name, header) in declared["headers"].as_object().into_iter().flatten() {
                        if resolve(&doc, header)["required"] == true {
                            assert!(response.headers().contains_key(name.to_lowercase().as_str()), "{label}: declared header {name} is missing");
                        }
                    }
                    assert_eq!(response.headers()["access-control-allow-origin"], "*", "{label}: CORS");
                    continue;
                }
                let r = common::Reply::from(response).await;
                assert_ne!(r.status, 405, "{label}: not routed: {}", r.text);
                assert_ne!(r.body["error_code"], "route_not_found", "{label}: not routed");
                assert_eq!(r.header("access-control-allow-origin"), Some("*"), "{label}: CORS");
                let public = op["security"].as_array().is_some_and(|s| s.is_empty());
                if public {
                    assert_eq!(r.status, 200, "{label}");
                    continue;
                }
                if op["x-raw-exchange"]["errors"] == "scim" {
                    // SCIM's own error form (an API key is no SCIM token: 401)
                    assert_eq!((r.status, r.header("content-type")), (401, Some("application/scim+json")), "{label}: {}", r.text);
                    assert_eq!(r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{label}: {}", r.text);
                    assert!(r.header("x-request-id").is_some(), "{label}");
                    continue;
                }
                assert!(r.body["request_id"].is_string(), "{label}: envelope: {}", r.text);
                r.assert_request_id();
                if r.status < 300 {
                    // the envelope's `data`, or an AI assist's `ok` answer
                    assert!(r.body.get("data").is_some() || r.body["ok"].is_boolean(), "{label}: data: {}", r.text);
                    // every header the response declares required is there
                    let declared = resolve(&doc, &op["responses"][r.status.to_string()]);
                    let mut checked = 0;
                    for (name, header) in declared["headers"].as_object().into_iter().flatten() {
                        if resolve(&doc, header)["required"] == true {
                            assert!(r.header(name).is_some(), "{label}: declared header {name} is missing");
                            checked += 1;
                        }
                    }
                    assert!(checked >= 4, "{label}: request id and rate-limit headers are declared");
                } else {
                    assert!(r.body["error"]["code"].is_string(), "{label}: error envelope: {}", r.text);
                    assert!(r.status != 500, "{label}: {}", r.text);
                }
                assert!(r.header("x-ratelimit-limit").is_some(), "{label}: rate-limit headers");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn undocumented_methods_are_405_and_unknown_paths_404_with_cors() {
    let ts = TestServer::start(&common::Backend::Sqlite).await;
    let r = common::Reply::from(ts.http.delete(ts.url("/api/v1/users")).send().await.unwrap()).await;
    r.assert_error(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let r = common::Reply::from(ts.http.head(ts.url("/api/v1/webhooks/endpoints/1/rotate-secret")).send().await.unwrap()).await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST, OPTIONS")), "HEAD only where GET");
    let r = common::Reply::from(ts.http.get(ts.url("/api/v1/no-such-thing")).send().await.unwrap()).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "route_not_found");
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test(flavor = "multi_thread")]
async fn head_answers_wherever_get_does_with_the_headers_and_no_body() {
    let ts = TestServer::start(&common::Backend::Sqlite).await;
    let (tenant, key) = ts.tenant_with_key("acme").await;
    ts.learner(tenant, "ada").await;
    let get = ts.http.get(ts.url("/api/v1/users")).bearer_auth(&key).send().await.unwrap();
    let length = get.bytes().await.unwrap().len();
    let head = ts.http.head(ts.url("/api/v1/users")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let header = |name: &str| head.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("content-length"), Some(length.to_string()), "the length GET would send");
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert!(header("x-request-id").is_some() && header("x-ratelimit-limit").is_some());
    assert!(head.bytes().await.unwrap().is_empty());
    // admission as for GET
    let anonymous = ts.http.head(ts.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let files_only = ts.key(tenant, &["files:read"]).await;
    assert_eq!(ts.http.head(ts.url("/api/v1/users")).bearer_auth(&files_only).send().await.unwrap().status(), 403);
    // and a public one
    let doc = ts.http.head(ts.url("/api/openapi.yaml")).send().await.unwrap();
    assert_eq!(doc.headers()["content-length"].to_str().unwrap(), mobieus_api::OPENAPI_YAML.len().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_its_document_and_reference_page_without_a_key() {
    let ts = TestServer::start(&common::Backend::Sqlite).await;
    let r = ts.get(None, "/api/openapi.yaml").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, mobieus_api::OPENAPI_YAML);
    assert_eq!(r.header("content-type"), Some("application/yaml"));
    let page = ts.get(None, "/api/docs").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("/api/docs/redoc.standalone.js") && page.text.contains("/api/openapi.yaml"));
    assert!(!page.text.contains("https://"), "the page loads nothing from elsewhere");
    let script = ts.get(None, "/api/docs/redoc.standalone.js").await;
    assert_eq!(script.status, 200);
    assert!(script.text.len() > 500_000, "the vendored bundle is served");
}
