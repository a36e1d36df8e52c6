//! The xAPI record store's documents over raw HTTP on each backend (xAPI
//! clients send documents of any type): state with registrations, merges,
//! id lists with `since`, deletes; the profile resources' ETag concurrency
//! rules (Communication 3.1: 409 without a precondition, 412 when one fails);
//! tenant isolation and scopes.

mod common;

use base64::Engine as _;
use common::{backends, Reply, TestServer};
use serde_json::json;
use sha1::{Digest, Sha1};

const XAPI: &str = "/api/v1/learn/xapi";
const ACTIVITY: &str = "https://learn.example.org/activities/95";
const REGISTRATION: &str = "6a9c3f3e-5b0e-4a43-9ad7-3c3ab8a7a8f1";

fn encoded(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

fn ada() -> String {
    encoded(&json!({ "objectType": "Agent", "mbox": "mailto:ada@example.org" }).to_string())
}

fn quoted_sha1(bytes: &[u8]) -> String {
    format!("\"{}\"", Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

struct Docs<'a> {
    ts: &'a TestServer,
    auth: String,
}

impl<'a> Docs<'a> {
    fn new(ts: &'a TestServer, key: &str) -> Self {
        Docs { ts, auth: format!("Bearer {key}") }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<(&str, &[u8])>, headers: &[(&str, &str)]) -> Reply {
        let mut rb = self.ts.xapi(&self.auth, method, path);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some((ct, bytes)) = body {
            rb = rb.header("content-type", ct).body(bytes.to_vec());
        }
        Reply::from(rb.send().await.unwrap()).await
    }
    async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }
    async fn put(&self, path: &str, ct: &str, body: &[u8], headers: &[(&str, &str)]) -> Reply {
        self.send(reqwest::Method::PUT, path, Some((ct, body)), headers).await
    }
    async fn post(&self, path: &str, ct: &str, body: &[u8], headers: &[(&str, &str)]) -> Reply {
        self.send(reqwest::Method::POST, path, Some((ct, body)), headers).await
    }
    async fn delete(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(reqwest::Method::DELETE, path, None, headers).await
    }
}

fn ids(r: &Reply) -> Vec<String> {
    let mut v: Vec<String> = r.body.as_array().unwrap_or_else(|| panic!("{} {}", r.status, r.text)).iter().map(|s| s.as_str().unwrap().to_owned()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn state_documents_are_stored_merged_listed_and_deleted_per_registration() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let docs = Docs::new(&ts, &key);
        let ctx = format!("activities/state?activityId={}&agent={}", encoded(ACTIVITY), ada());
        let one = |id: &str| format!("{ctx}&stateId={id}");

        // stored as sent, answered with its type, a quoted SHA-1 ETag and Last-Modified
        let bookmark = br#"{"x":"foo","y":"bar"}"#;
        let r = docs.put(&one("bookmark"), "application/json", bookmark, &[]).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(r.header("x-experience-api-version"), Some("1.0.3"));
        let got = docs.get(&one("bookmark")).await;
        assert_eq!((got.status, got.text.as_bytes()), (200, &bookmark[..]));
        assert_eq!(got.header("content-type"), Some("application/json"));
        assert_eq!(got.header("etag"), Some(quoted_sha1(bookmark).as_str()));
        assert!(got.header("last-modified").is_some_and(|v| v.ends_with(" GMT")));
        // HEAD: the same headers, no body
        let head = docs.send(reqwest::Method::HEAD, &one("bookmark"), None, &[]).await;
        assert_eq!((head.status, head.text.as_str(), head.header("etag")), (200, "", got.header("etag")));
        assert_eq!(head.header("content-length"), Some(bookmark.len().to_string().as_str()));

        // POST merges JSON objects at the top level only
        let r = docs.post(&one("bookmark"), "application/json", br#"{"x":"bash","z":{"deep":1}}"#, &[]).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(docs.get(&one("bookmark")).await.body, json!({ "x": "bash", "y": "bar", "z": { "deep": 1 } }));
        for (ct, body) in [("application/json", &b"[1,2]"[..]), ("text/plain", &b"{}"[..]), ("application/json", &b"{nope"[..])] {
            docs.post(&one("bookmark"), ct, body, &[]).await.assert_error(400, "invalid_xapi_request");
        }
        assert_eq!(docs.get(&one("bookmark")).await.body["x"], "bash", "a refused merge changes nothing");

        // any content type; a merge into a non-JSON document is refused
        let r = docs.put(&one("suspend"), "text/plain; charset=utf-8", b"lesson 3, page 2", &[]).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let got = docs.get(&one("suspend")).await;
        assert_eq!((got.text.as_str(), got.header("content-type")), ("lesson 3, page 2", Some("text/plain; charset=utf-8")));
        docs.post(&one("suspend"), "application/json", b"{}", &[]).await.assert_error(400, "invalid_xapi_request");
        // POST of a new document stores it
        assert_eq!(docs.post(&one("fresh"), "application/json", br#"{"n":1}"#, &[]).await.status, 204);

        // the State resource takes PUT without preconditions, but honours them
        assert_eq!(docs.put(&one("suspend"), "text/plain", b"page 3", &[]).await.status, 204);
        docs.put(&one("suspend"), "text/plain", b"x", &[("if-match", "\"0000\"")]).await.assert_error(412, "precondition_failed");
        docs.put(&one("suspend"), "text/plain", b"x", &[("if-none-match", "*")]).await.assert_error(412, "precondition_failed");
        assert_eq!(docs.get(&one("suspend")).await.text, "page 3");

        // registrations: one document each; the id list and delete-all span them when none is sent
        let reg = |id: &str| format!("{}&registration={REGISTRATION}", one(id));
        assert_eq!(docs.put(&reg("bookmark"), "application/json", br#"{"r":1}"#, &[]).await.status, 204);
        assert_eq!(docs.get(&reg("bookmark")).await.body, json!({ "r": 1 }));
        assert_eq!(docs.get(&one("bookmark")).await.body["x"], "bash");
        let all = docs.get(&ctx).await;
        assert_eq!(ids(&all), vec!["bookmark", "fresh", "suspend"]);
        assert_eq!(all.header("etag"), Some(quoted_sha1(all.text.as_bytes()).as_str()));
        assert_eq!(ids(&docs.get(&format!("{ctx}&registration={REGISTRATION}")).await), vec!["bookmark"]);

        // since: only documents changed after it (exclusive)
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let mark = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(docs.put(&one("fresh"), "application/json", br#"{"n":2}"#, &[]).await.status, 204);
        let since = encoded(&mark.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        assert_eq!(ids(&docs.get(&format!("{ctx}&since={since}")).await), vec!["fresh"]);
        docs.get(&format!("{}&since={since}", one("fresh"))).await.assert_error(400, "invalid_xapi_request");

        // deletes: one, the registration's, then the rest
        let r = docs.delete(&one("fresh"), &[]).await;
        assert_eq!(r.status, 204, "{}", r.text);
        docs.get(&one("fresh")).await.assert_error(404, "document_not_found");
        assert_eq!(docs.delete(&one("fresh"), &[]).await.status, 204, "deleting what is not there is 204");
        assert_eq!(docs.delete(&format!("{ctx}&registration={REGISTRATION}"), &[]).await.status, 204);
        assert_eq!(ids(&docs.get(&ctx).await), vec!["bookmark", "suspend"]);
        assert_eq!(docs.delete(&ctx, &[]).await.status, 204);
        assert_eq!(ids(&docs.get(&ctx).await), Vec::<String>::new());

        let stored = ts.events_of(&key, "learn.xapi.document.stored").await;
        assert_eq!(stored.len(), 7);
        assert_eq!(stored.last().unwrap()["data"]["resource"], "state");
        assert_eq!(stored.last().unwrap()["data"]["agent"]["mbox"], "mailto:ada@example.org");
        let deleted = ts.events_of(&key, "learn.xapi.document.deleted").await;
        assert_eq!(deleted.iter().map(|e| e["data"]["document_ids"].clone()).collect::<Vec<_>>(), vec![json!(["bookmark", "suspend"]), json!(["bookmark"]), json!(["fresh"])]);

        // what the parameters must be
        let bad: [(String, &str); 6] = [
            (format!("activities/state?activityId=not%20an%20iri&agent={}&stateId=s", ada()), "activityId"),
            (format!("activities/state?activityId={}&agent=%7Bnope&stateId=s", encoded(ACTIVITY)), "agent"),
            (format!("activities/state?activityId={}&agent={}&stateId=s", encoded(ACTIVITY), encoded(r#"{"objectType":"Group","mbox":"mailto:g@example.org"}"#)), "Group"),
            (format!("activities/state?activityId={}&agent={}&stateId=s", encoded(ACTIVITY), encoded(r#"{"name":"no identifier"}"#)), "identifier"),
            (format!("{}&registration=not-a-uuid", one("s")), "registration"),
            (format!("activities/state?agent={}&stateId=s", ada()), "activityId"),
        ];
        for (path, says) in bad {
            let r = docs.put(&path, "application/json", b"{}", &[]).await;
            assert_eq!(r.status, 400, "{path}: {}", r.text);
            assert!(r.text.contains(says), "{path}: expected {says:?} in {}", r.text);
        }
        let unversioned = Reply::from(ts.http.get(ts.url(&format!("{XAPI}/{ctx}"))).bearer_auth(&key).send().await.unwrap()).await;
        assert_eq!(unversioned.status, 400, "{}", unversioned.text);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_documents_keep_to_the_etag_concurrency_rules() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let docs = Docs::new(&ts, &key);
        for ctx in [format!("activities/profile?activityId={}", encoded(ACTIVITY)), format!("agents/profile?agent={}", ada())] {
            let one = |id: &str| format!("{ctx}&profileId={id}");
            let v1 = br#"{"theme":"dark"}"#;
            // a new document needs no precondition
            assert_eq!(docs.put(&one("prefs"), "application/json", v1, &[]).await.status, 204, "{ctx}");
            let etag1 = docs.get(&one("prefs")).await.header("etag").unwrap().to_owned();
            assert_eq!(etag1, quoted_sha1(v1));
            // an existing one does: 409 saying what to do, and nothing changes
            let r = docs.put(&one("prefs"), "application/json", b"{}", &[]).await;
            r.assert_error(409, "conflict");
            assert!(r.text.contains("If-Match"), "{}", r.text);
            // If-Match with the current ETag replaces; a stale one or If-None-Match: * is 412
            let v2 = br#"{"theme":"light"}"#;
            assert_eq!(docs.put(&one("prefs"), "application/json", v2, &[("if-match", &etag1)]).await.status, 204);
            docs.put(&one("prefs"), "application/json", b"{}", &[("if-match", &etag1)]).await.assert_error(412, "precondition_failed");
            docs.put(&one("prefs"), "application/json", b"{}", &[("if-none-match", "*")]).await.assert_error(412, "precondition_failed");
            let etag2 = quoted_sha1(v2);
            assert_eq!(docs.put(&one("prefs"), "application/json", v2, &[("if-match", &format!("\"nope\", {etag2}"))]).await.status, 204, "one of a list");
            assert_eq!(docs.put(&one("prefs"), "application/json", v2, &[("if-match", "*")]).await.status, 204);
            // If-None-Match: * creates only; If-Match on nothing fails
            assert_eq!(docs.put(&one("other"), "text/plain", b"hi", &[("if-none-match", "*")]).await.status, 204);
            docs.put(&one("missing"), "text/plain", b"x", &[("if-match", &etag2)]).await.assert_error(412, "precondition_failed");
            docs.get(&one("missing")).await.assert_error(404, "document_not_found");
            // POST honours the preconditions too (not required)
            docs.post(&one("prefs"), "application/json", br#"{"lang":"de"}"#, &[("if-match", &etag1)]).await.assert_error(412, "precondition_failed");
            assert_eq!(docs.post(&one("prefs"), "application/json", br#"{"lang":"de"}"#, &[("if-match", &etag2)]).await.status, 204);
            let merged = docs.get(&one("prefs")).await;
            assert_eq!(merged.body, json!({ "theme": "light", "lang": "de" }));
            // DELETE with a stale ETag is 412 and keeps the document
            docs.delete(&one("prefs"), &[("if-match", &etag2)]).await.assert_error(412, "precondition_failed");
            let etag3 = merged.header("etag").unwrap().to_owned();
            assert_eq!(docs.delete(&one("prefs"), &[("if-match", &etag3)]).await.status, 204);
            assert_eq!(ids(&docs.get(&ctx).await), vec!["other"], "{ctx}");
            // a profile id is required to change or delete
            let r = docs.delete(&ctx, &[]).await;
            assert_eq!(r.status, 400, "{}", r.text);
        }
        // an agent is known by its identifier: an mbox's domain is case-insensitive
        let shouting = encoded(&json!({ "mbox": "mailto:ada@EXAMPLE.org", "name": "Ada" }).to_string());
        assert_eq!(docs.get(&format!("agents/profile?agent={shouting}&profileId=other")).await.text, "hi");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_stay_with_their_tenant_and_scopes_hold() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let docs = Docs::new(&ts, &key);
        let path = format!("activities/state?activityId={}&agent={}&stateId=s", encoded(ACTIVITY), ada());
        assert_eq!(docs.put(&path, "application/json", b"{}", &[]).await.status, 204);

        let (_, other) = ts.tenant_with_key("beta").await;
        let theirs = Docs::new(&ts, &other);
        theirs.get(&path).await.assert_error(404, "document_not_found");
        assert_eq!(ids(&theirs.get(&format!("activities/state?activityId={}&agent={}", encoded(ACTIVITY), ada())).await), Vec::<String>::new());
        assert_eq!(theirs.delete(&path, &[]).await.status, 204);
        assert_eq!(docs.get(&path).await.status, 200, "their delete reached nothing of ours");

        // Basic auth (any user, the key as password), as xAPI content sends it
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("lrs:{key}"));
        let via_basic = Docs { ts: &ts, auth: format!("Basic {basic}") };
        assert_eq!(via_basic.get(&path).await.status, 200);

        let reader = ts.key(tenant, &["learn:xapi:read"]).await;
        let reading = Docs::new(&ts, &reader);
        assert_eq!(reading.get(&path).await.status, 200);
        let r = reading.put(&path, "application/json", b"{}", &[]).await;
        r.assert_error(403, "insufficient_scope");
        assert_eq!(r.body["error"]["extra"]["required_scope"], "learn:xapi:write");
        reading.delete(&path, &[]).await.assert_error(403, "insufficient_scope");
        let learner = ts.key(tenant, &["learn:read"]).await;
        Docs::new(&ts, &learner).get(&path).await.assert_error(403, "insufficient_scope");
        Docs { ts: &ts, auth: "Basic bm9wZTpub3Bl".into() }.get(&path).await.assert_error(401, "invalid_api_key");
    }
}
