//! Hostile input: strings holding U+0000 (which PostgreSQL's text cannot
//! hold and SQLite's can) are refused the same way on both databases, on
//! every operation that takes a string, before anything is stored: a body
//! field is `422 validation_failed` naming it, a query parameter or path
//! variable `400 invalid_parameter`; SCIM and xAPI answer in their own
//! error forms.

mod common;

use common::{backends, TestServer};
use mobieus_api::cli::COMMANDS;
use serde_json::{json, Value};

fn concrete(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "1" } else { s }).collect::<Vec<_>>().join("/")
}

/// Operations answering in a standard's shapes (tested on their own below).
fn standard(path: &str) -> bool {
    path.starts_with("/scim/") || path.starts_with("/api/v1/learn/xapi")
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_in_any_string_is_refused_before_anything_is_stored() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let mut checked = 0;
        for c in COMMANDS.iter().filter(|c| !standard(c.path)) {
            let url = ts.url(&concrete(c.path));
            // every string field of a JSON body, alone
            for f in c.fields.iter().filter(|f| f.kind == "string" && c.body_media == Some("json")) {
                let r = common::Reply::from(
                    ts.http.request(c.method.parse().unwrap(), &url).bearer_auth(&key).json(&json!({ f.name: "a\u{0}b" })).send().await.unwrap(),
                )
                .await;
                r.assert_error(422, "validation_failed");
                let fields: Vec<&str> = r.body["error"]["extra"]["fields"].as_array().unwrap().iter().filter_map(|p| p["field"].as_str()).collect();
                assert!(fields.contains(&f.name), "{} {} {}: {}", c.method, c.path, f.name, r.text);
                checked += 1;
            }
            // every string query parameter
            for p in c.params.iter().filter(|p| p.location == "query" && p.kind == "string") {
                let r = common::Reply::from(ts.http.request(c.method.parse().unwrap(), format!("{url}?{}=a%00b", p.name)).bearer_auth(&key).send().await.unwrap()).await;
                r.assert_error(400, "invalid_parameter");
                assert_eq!(r.body["error"]["extra"]["parameter"], p.name, "{} {}: {}", c.method, c.path, r.text);
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked} strings checked");
        // a path variable (a header cannot carry U+0000 at all: HTTP refuses it)
        ts.get(Some(&key), "/api/v1/know/pages/a%00b").await.assert_error(400, "invalid_parameter");
        // nested strings name their place
        let r = ts.post(Some(&key), "/api/v1/helpdesk/tickets", &json!({ "subject": "s", "body": "b", "requester_email": "a@example.org", "tags": ["ok", "n\u{0}"] }), None).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "tags[1]", "{}", r.text);
        // nothing was stored
        assert_eq!(ts.get(Some(&key), "/api/v1/helpdesk/tags").await.body["total_count"], 0);
        assert_eq!(ts.get(Some(&key), "/api/v1/helpdesk/tickets").await.body["total_count"], 0);

        // SCIM: invalidValue in SCIM's form
        mobieus_server::admin::scim_set_cmd(ts.db(), "acme", true).await.unwrap();
        let token = mobieus_server::admin::scim_token_create_cmd(ts.db(), "acme", None, mobieus_server::store::scim::tokens::DEFAULT_LIMITS).await.unwrap();
        let scim = ts
            .http
            .post(ts.url("/scim/v2/Users"))
            .bearer_auth(token["secret"].as_str().unwrap())
            .header("content-type", "application/scim+json")
            .body(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a\u{0}b" }).to_string())
            .send()
            .await
            .unwrap();
        let (status, body): (u16, Value) = (scim.status().as_u16(), scim.json().await.unwrap());
        assert_eq!((status, body["scimType"].as_str()), (400, Some("invalidValue")), "{body}");
        // xAPI: a 400 saying why
        let statement = json!({ "actor": { "mbox": "mailto:a@example.org" }, "verb": { "id": "http://adlnet.gov/expapi/verbs/experienced", "display": { "en-US": "x\u{0}" } },
            "object": { "id": "http://example.org/a" } });
        let x = ts.xapi(&format!("Bearer {key}"), reqwest::Method::POST, "statements").json(&statement).send().await.unwrap();
        let (status, text) = (x.status().as_u16(), x.text().await.unwrap());
        assert!(status == 400 && text.contains("U+0000"), "{status} {text}");
    }
}
