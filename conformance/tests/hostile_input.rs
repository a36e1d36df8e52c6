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

// ---------------------------------------------------------------------------
// The rest of the corpus, driven by openapi.yaml itself: every operation that
// takes the input is sent it, and answers its documented envelope.

/// openapi.yaml as JSON, for the constraints the command table does not
/// carry (maxLength, format, x-max-body-bytes).
fn document() -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(include_str!("../../openapi.yaml")).unwrap();
    serde_json::to_value(yaml).unwrap()
}

/// `v`, with a `$ref` followed (once per level).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, doc.pointer(r.trim_start_matches('#')).unwrap_or(&Value::Null)),
        None => v,
    }
}

/// A schema's top-level properties, `allOf` members merged.
fn properties(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = resolve(doc, schema);
    let mut out: Vec<(String, Value)> =
        schema["properties"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), resolve(doc, v).clone())).collect()).unwrap_or_default();
    for member in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(properties(doc, member));
    }
    out
}

struct Op {
    method: String,
    path: String,
    /// (name, location, schema)
    params: Vec<(String, String, Value)>,
    json_body: Option<Value>,
    media: Option<String>,
    max_body: usize,
    /// Answers with a stream that stays open (Server-Sent Events).
    streams: bool,
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let params = item["parameters"].as_array().into_iter().flatten().chain(op["parameters"].as_array().into_iter().flatten())
                .map(|p| resolve(doc, p))
                .map(|p| (p["name"].as_str().unwrap().to_owned(), p["in"].as_str().unwrap().to_owned(), resolve(doc, &p["schema"]).clone()))
                .collect();
            let content = resolve(doc, &op["requestBody"])["content"].as_object().cloned().unwrap_or_default();
            let media = content.keys().next().cloned();
            let json_body = content.get("application/json").map(|c| resolve(doc, &c["schema"]).clone());
            let max_body = op["x-max-body-bytes"].as_u64().unwrap_or(1_048_576) as usize;
            let streams = op["responses"].as_object().unwrap().values().any(|r| resolve(doc, r)["content"].get("text/event-stream").is_some());
            ops.push(Op { method: method.to_uppercase(), path: path.clone(), params, json_body, media, max_body, streams });
        }
    }
    ops
}

/// Whether the operation requires this query parameter.
fn required_query(doc: &Value, path: &str, method: &str, name: &str) -> bool {
    let item = &doc["paths"][path];
    item["parameters"].as_array().into_iter().flatten().chain(item[method.to_lowercase()]["parameters"].as_array().into_iter().flatten())
        .map(|p| resolve(doc, p))
        .any(|p| p["name"] == name && p["in"] == "query" && p["required"] == true)
}

/// A tenant on the top plan (no operation answers plan_gated before it
/// reads its input) with an all-scope key.
async fn sovereign(ts: &TestServer) -> String {
    let id = ts.tenant("acme", "sovereign").await;
    ts.key(id, &["all"]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_deep_and_malformed_bodies_are_refused_by_every_operation_that_takes_a_body() {
    let doc = document();
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let key = sovereign(&ts).await;
        let mut checked = 0;
        for op in operations(&doc).iter().filter(|o| o.media.is_some() && !standard(&o.path)) {
            let media = op.media.as_deref().unwrap();
            let send = |body: Vec<u8>| {
                ts.http.request(op.method.parse().unwrap(), ts.url(&concrete(&op.path))).bearer_auth(&key).header("content-type", media).body(body).send()
            };
            // one byte over the operation's documented limit
            let mut big = br#"{"x":""#.to_vec();
            big.resize(op.max_body + 1 - 2, b'y');
            big.extend_from_slice(br#""}"#);
            let r = common::Reply::from(send(big).await.unwrap()).await;
            r.assert_error(413, "payload_too_large");
            assert_eq!(r.body["error"]["extra"]["max_bytes"], op.max_body, "{} {}", op.method, op.path);
            if op.json_body.is_some() {
                // nested past any schema's depth: refused before it is walked
                let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
                common::Reply::from(send(deep).await.unwrap()).await.assert_error(400, "invalid_json");
                // bytes that are not UTF-8
                let bad = b"{\"x\":\"a\xff\xfeb\"}".to_vec();
                common::Reply::from(send(bad).await.unwrap()).await.assert_error(400, "invalid_json");
                // an array where the schema wants an object (serde's structs would take one)
                if op.json_body.as_ref().is_some_and(|b| b["type"] == "object") {
                    let r = common::Reply::from(send(b"[null, null]".to_vec()).await.unwrap()).await;
                    r.assert_error(422, "validation_failed");
                    assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "(body)", "{} {}: {}", op.method, op.path, r.text);
                }
            }
            checked += 1;
        }
        assert!(checked > 50, "{checked} operations checked");
        assert_eq!(ts.get(Some(&key), "/api/v1/helpdesk/tickets").await.body["total_count"], 0);
    }
}

/// One past a string's documented `maxLength`, and numbers and timestamps
/// past what the server can hold: refused naming the field or parameter.
#[tokio::test(flavor = "multi_thread")]
async fn documented_limits_are_enforced_on_every_field_and_parameter() {
    let doc = document();
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let key = sovereign(&ts).await;
        let (mut lengths, mut numbers, mut times) = (0, 0, 0);
        for op in operations(&doc).iter().filter(|o| !standard(&o.path)) {
            let url = ts.url(&concrete(&op.path));
            let request = |query: String, body: Option<Value>| {
                let mut rb = ts.http.request(op.method.parse().unwrap(), format!("{url}{query}")).bearer_auth(&key);
                if let Some(b) = body {
                    rb = rb.json(&b);
                }
                rb.send()
            };
            // bodies of operations on a named row: that row (here, one that
            // does not exist) is looked up first, so creates are the ones sent
            let creates = !op.path.contains('{');
            for (name, schema) in op.json_body.iter().filter(|_| creates).flat_map(|b| properties(&doc, b)) {
                let mut cases: Vec<(Value, &str)> = Vec::new();
                if let Some(max) = schema["maxLength"].as_u64() {
                    cases.push((Value::String("x".repeat(max as usize + 1)), "length"));
                }
                if schema["type"] == "integer" {
                    cases.push((json!(9_223_372_036_854_775_808u64), "number"));
                    cases.push((json!(1e300), "number"));
                }
                if schema["format"] == "date-time" {
                    cases.push((json!("99999-01-01T00:00:00Z"), "time"));
                    cases.push((json!("2026-13-45T25:61:61Z"), "time"));
                }
                for (value, kind) in cases {
                    let r = common::Reply::from(request(String::new(), Some(json!({ name.as_str(): value }))).await.unwrap()).await;
                    r.assert_error(422, "validation_failed");
                    let fields: Vec<&str> = r.body["error"]["extra"]["fields"].as_array().unwrap().iter().filter_map(|p| p["field"].as_str()).collect();
                    assert!(fields.contains(&name.as_str()), "{} {} {name} ({kind}): {}", op.method, op.path, r.text);
                    match kind {
                        "length" => lengths += 1,
                        "number" => numbers += 1,
                        _ => times += 1,
                    }
                }
            }
            for (name, location, schema) in op.params.iter().filter(|p| p.1 == "query") {
                let mut cases: Vec<(String, &str)> = Vec::new();
                if let Some(max) = schema["maxLength"].as_u64() {
                    cases.push(("x".repeat(max as usize + 1), "length"));
                }
                if schema["type"] == "integer" {
                    cases.push(("9223372036854775808".into(), "number"));
                    cases.push(("-9223372036854775809".into(), "number"));
                }
                if schema["format"] == "date-time" {
                    cases.push(("99999-01-01T00%3A00%3A00Z".into(), "time"));
                    cases.push(("2026-13-45T25%3A61%3A61Z".into(), "time"));
                }
                for (value, kind) in cases {
                    let body = op.json_body.as_ref().map(|_| json!({}));
                    // the operation's other required parameters, well-formed
                    let others: String = op
                        .params
                        .iter()
                        .filter(|(n, l, _)| l == "query" && n != name && required_query(&doc, &op.path, &op.method, n))
                        .map(|(n, _, sc)| format!("&{n}={}", sc["enum"][0].as_str().or(sc["example"].as_str()).unwrap_or("1")))
                        .collect();
                    let r = common::Reply::from(request(format!("?{name}={value}{others}"), body).await.unwrap()).await;
                    r.assert_error(400, if name == "cursor" { "invalid_cursor" } else { "invalid_parameter" });
                    assert_eq!(r.body["error"]["extra"]["parameter"], name.as_str(), "{} {} {location} {name} ({kind}): {}", op.method, op.path, r.text);
                    match kind {
                        "length" => lengths += 1,
                        "number" => numbers += 1,
                        _ => times += 1,
                    }
                }
            }
        }
        assert!(lengths > 50 && numbers > 20 && times > 5, "{lengths} lengths, {numbers} numbers, {times} timestamps checked");
        eprintln!("{lengths} lengths, {numbers} numbers, {times} timestamps checked");
        // ids: past i64 is a 400 naming the variable, a negative one names no row
        let r = ts.get(Some(&key), "/api/v1/users/99999999999999999999").await;
        r.assert_error(400, "invalid_parameter");
        assert_eq!(r.body["error"]["extra"]["parameter"], "(path)", "{}", r.text);
        ts.get(Some(&key), "/api/v1/users/-1").await.assert_error(404, "user_not_found");
        let r = ts.get(Some(&key), "/api/v1/helpdesk/tickets/-9223372036854775808").await;
        r.assert_error(400, "invalid_parameter");
        assert_eq!(r.body["error"]["extra"]["parameter"], "ref", "{}", r.text);
        assert_eq!(ts.get(Some(&key), "/api/v1/helpdesk/tags").await.body["total_count"], 0);
    }
}

/// SQL-, HTML- and template-looking strings and control characters are data:
/// stored and answered exactly as sent, and a filter holding one matches
/// nothing (no operation answers 5xx for any of them).
#[tokio::test(flavor = "multi_thread")]
async fn strings_that_look_like_code_are_stored_and_answered_as_data() {
    let corpus: Value = serde_json::from_str(include_str!("fixtures/hostile_strings.json")).unwrap();
    let strings: Vec<&str> = ["sql", "html", "control"].iter().flat_map(|k| corpus[k].as_array().unwrap()).map(|s| s.as_str().unwrap()).collect();
    let doc = document();
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let key = sovereign(&ts).await;
        for (i, s) in strings.iter().enumerate() {
            let tag = ts.post(Some(&key), "/api/v1/helpdesk/tags", &json!({ "slug": format!("t{i}"), "name": s }), None).await;
            assert_eq!((tag.status, tag.body["data"]["name"].as_str()), (201, Some(*s)), "{}", tag.text);
            let ticket = ts
                .post(Some(&key), "/api/v1/helpdesk/tickets", &json!({ "subject": s, "body": s, "requester_email": "a@example.org", "tags": [format!("t{i}")] }), None)
                .await;
            assert_eq!(ticket.status, 201, "{}", ticket.text);
            let id = ticket.body["data"]["id"].as_i64().unwrap();
            let read = ts.get(Some(&key), &format!("/api/v1/helpdesk/tickets/{id}")).await;
            assert_eq!(read.body["data"]["subject"].as_str(), Some(*s), "{}", read.text);
            let messages = ts.get(Some(&key), &format!("/api/v1/helpdesk/tickets/{id}/messages")).await;
            assert_eq!(messages.body["data"][0]["body"].as_str(), Some(*s), "{}", messages.text);
            let page = ts.post(Some(&key), "/api/v1/know/pages", &json!({ "slug": format!("p{i}"), "title": s, "body_md": s }), None).await;
            assert_eq!((page.status, page.body["data"]["title"].as_str(), page.body["data"]["body_md"].as_str()), (201, Some(*s), Some(*s)), "{}", page.text);
            let html = page.body["data"]["body_html"].as_str().unwrap();
            assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<svg"), "{html}");
        }
        // nothing ran: every row is there, once
        assert_eq!(ts.get(Some(&key), "/api/v1/helpdesk/tags").await.body["total_count"], strings.len());
        assert_eq!(ts.get(Some(&key), "/api/v1/helpdesk/tickets").await.body["total_count"], strings.len());
        // each in every string query parameter of every read: never a 5xx,
        // and a filter by one finds only its own rows
        let mut sent = 0;
        for op in operations(&doc).iter().filter(|o| o.method == "GET" && !o.streams && !standard(&o.path)) {
            for (name, _, schema) in op.params.iter().filter(|p| p.1 == "query" && p.2["type"] == "string" && p.2["enum"].is_null()) {
                if name == "cursor" || schema["format"].is_string() {
                    continue;
                }
                for s in &strings {
                    let r = common::Reply::from(
                        ts.http.get(ts.url(&concrete(&op.path))).query(&[(name.as_str(), s)]).bearer_auth(&key).send().await.unwrap(),
                    )
                    .await;
                    assert!(r.status < 500, "{} {name}={s:?}: {}", op.path, r.text);
                    sent += 1;
                }
            }
        }
        assert!(sent > 50, "{sent} sent");
        let tagged = ts.http.get(ts.url("/api/v1/helpdesk/tickets")).query(&[("tag", "t1")]).bearer_auth(&key).send().await.unwrap();
        assert_eq!(common::Reply::from(tagged).await.body["total_count"], 1);
    }
}

/// Values that reach a header or a request line: a stored file's name is
/// sent in `Content-Disposition` with its line breaks replaced (and in full,
/// percent-encoded, in `filename*`); a webhook URL holding one is refused.
#[tokio::test(flavor = "multi_thread")]
async fn line_breaks_never_reach_a_header() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let name = "report\r\nSet-Cookie: session=stolen\r\n\r\n<html>.txt";
        let file = mobieus_server::store::files::file_create(ts.db(), tenant, None, name, "text/plain", b"hello").await.unwrap();
        let r = ts.http.get(ts.url(&format!("/api/v1/files/{}/content", file.id))).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("set-cookie").is_none());
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(!disposition.contains(['\r', '\n']), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''report%0D%0ASet-Cookie"), "{disposition}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello");
        // the same name read back as data, unchanged
        assert_eq!(ts.get(Some(&key), &format!("/api/v1/files/{}", file.id)).await.body["data"]["name"], name);

        for url in ["https://example.org/hook\r\nX-Injected: 1", "https://example.org/a\tb", "https://example.org/a b", "https://exa\nmple.org/"] {
            let r = ts.post(Some(&key), "/api/v1/webhooks/endpoints", &json!({ "url": url }), None).await;
            r.assert_error(422, "validation_failed");
            assert_eq!(r.body["error"]["extra"]["fields"][0]["field"], "url", "{}", r.text);
        }
        assert_eq!(ts.get(Some(&key), "/api/v1/webhooks/endpoints").await.body["total_count"], 0);
    }
}
