//! The xAPI 1.0.3 record store over raw HTTP on each backend: versions and
//! auth as xAPI clients use them, the statement lifecycle, voiding, every
//! query filter and stable paging, formats, scopes and tenant isolation.

mod common;

use base64::Engine as _;
use common::{backends, Reply, TestServer};
use serde_json::{json, Value};

const XAPI: &str = "/api/v1/learn/xapi";

struct Lrs<'a> {
    ts: &'a TestServer,
    auth: String,
}

impl<'a> Lrs<'a> {
    fn bearer(ts: &'a TestServer, key: &str) -> Self {
        Lrs { ts, auth: format!("Bearer {key}") }
    }
    fn basic(ts: &'a TestServer, key: &str) -> Self {
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("lrs-user:{key}"));
        Lrs { ts, auth: format!("Basic {pair}") }
    }
    async fn send(&self, method: reqwest::Method, path_and_query: &str, body: Option<&Value>, extra: &[(&str, &str)]) -> Reply {
        let mut rb = self.ts.xapi(&self.auth, method, path_and_query.trim_start_matches(XAPI).trim_start_matches('/'));
        for (k, v) in extra {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        Reply::from(rb.send().await.unwrap()).await
    }
    async fn get(&self, query: &str) -> Reply {
        self.send(reqwest::Method::GET, &format!("{XAPI}/statements{query}"), None, &[]).await
    }
    async fn post(&self, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, &format!("{XAPI}/statements"), Some(body), &[]).await
    }
    async fn put(&self, id: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::PUT, &format!("{XAPI}/statements?statementId={id}"), Some(body), &[]).await
    }
}

fn statement(who: &str, verb: &str, activity: &str) -> Value {
    json!({
        "actor": { "objectType": "Agent", "name": who, "mbox": format!("mailto:{who}@example.org") },
        "verb": { "id": format!("http://adlnet.gov/expapi/verbs/{verb}"), "display": { "en-US": verb, "de-DE": format!("{verb} (de)") } },
        "object": { "objectType": "Activity", "id": format!("https://learn.example.org/activities/{activity}"),
            "definition": { "name": { "en-US": activity }, "type": "http://adlnet.gov/expapi/activities/lesson" } },
    })
}

fn agent_param(who: &str) -> String {
    let a = json!({ "mbox": format!("mailto:{who}@example.org") }).to_string();
    url::form_urlencoded::byte_serialize(a.as_bytes()).collect()
}

fn ids(r: &Reply) -> Vec<String> {
    r.body["statements"].as_array().unwrap_or_else(|| panic!("{}", r.text)).iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_and_credentials_are_as_xapi_clients_send_them() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        // about: no key, no version header
        let r = Reply::from(ts.http.get(ts.url(&format!("{XAPI}/about"))).send().await.unwrap()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.body["version"].as_array().unwrap().contains(&json!("1.0.3")));
        assert_eq!(r.header("x-experience-api-version"), Some("1.0.3"));

        // the version header is required, and answered even on errors
        let none = Reply::from(ts.http.get(ts.url(&format!("{XAPI}/statements"))).bearer_auth(&key).send().await.unwrap()).await;
        assert_eq!(none.status, 400, "{}", none.text);
        assert_eq!(none.header("x-experience-api-version"), Some("1.0.3"));
        let old = Reply::from(ts.http.get(ts.url(&format!("{XAPI}/statements"))).bearer_auth(&key).header("x-experience-api-version", "0.95").send().await.unwrap()).await;
        assert_eq!(old.status, 400, "{}", old.text);

        // Basic (any user, the key as password) and Bearer both work; bad ones are 401
        assert_eq!(Lrs::basic(&ts, &key).get("").await.status, 200);
        assert_eq!(Lrs::bearer(&ts, &key).get("").await.status, 200);
        Lrs::basic(&ts, "mc_live_wrong").get("").await.assert_error(401, "invalid_api_key");
        let r = Reply::from(ts.http.get(ts.url(&format!("{XAPI}/statements"))).header("x-experience-api-version", "1.0.3").send().await.unwrap()).await;
        r.assert_error(401, "invalid_api_key");
        assert_eq!(r.header("x-experience-api-version"), Some("1.0.3"));
        // Basic is for the xAPI resources only
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("u:{key}"));
        let r = Reply::from(ts.http.get(ts.url("/api/v1/users")).header("authorization", format!("Basic {pair}")).send().await.unwrap()).await;
        r.assert_error(401, "invalid_api_key");

        // scopes: xapi:read reads, xapi:write writes; learn:read is not enough
        let reader = ts.key(tenant, &["learn:xapi:read"]).await;
        assert_eq!(Lrs::basic(&ts, &reader).get("").await.status, 200);
        Lrs::basic(&ts, &reader).post(&statement("ada", "attempted", "a1")).await.assert_error(403, "insufficient_scope");
        let learn = ts.key(tenant, &["learn:write"]).await;
        Lrs::basic(&ts, &learn).get("").await.assert_error(403, "insufficient_scope");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn statements_are_stored_once_immutable_and_voidable() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let lrs = Lrs::basic(&ts, &key);
        let id = "0f9a3c1e-6a39-4d2c-9d7e-4b3d2f0c8a11";
        let s = statement("ada", "completed", "a1");
        let r = lrs.put(id, &s).await;
        assert_eq!((r.status, r.text.as_str()), (204, ""), "{}", r.text);
        assert_eq!(r.header("x-experience-api-version"), Some("1.0.3"));
        let got = lrs.get(&format!("?statementId={id}")).await;
        assert_eq!(got.status, 200, "{}", got.text);
        let stored = &got.body;
        assert_eq!((stored["id"].as_str(), stored["version"].as_str()), (Some(id), Some("1.0.0")));
        assert!(stored["stored"].is_string() && stored["timestamp"] == stored["stored"], "{}", got.text);
        assert_eq!(stored["authority"]["objectType"], "Agent");
        assert!(got.header("x-experience-api-consistent-through").is_some() && got.header("last-modified").is_some());

        // the same again: 204; other content under the id: 409; a different id in the body: 400
        assert_eq!(lrs.put(id, &s).await.status, 204);
        assert_eq!(lrs.post(&json!([{ "id": id, "actor": s["actor"], "verb": s["verb"], "object": s["object"] }])).await.status, 200);
        lrs.put(id, &statement("ada", "failed", "a1")).await.assert_error(409, "conflict");
        let mut other = s.clone();
        other["id"] = json!("11111111-2222-4333-8444-555555555555");
        lrs.put(id, &other).await.assert_error(400, "invalid_xapi_request");

        // POST: ids in order, one made up by the LRS; a bad one stores none
        let r = lrs.post(&json!([statement("grace", "attempted", "a2"), { "id": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "actor": s["actor"], "verb": s["verb"], "object": s["object"] }])).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let posted: Vec<String> = serde_json::from_value(r.body.clone()).unwrap();
        assert_eq!((posted.len(), posted[1].as_str()), (2, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"));
        assert!(uuid::Uuid::parse_str(&posted[0]).is_ok());
        let before = ids(&lrs.get("").await).len();
        let two_ifis = json!({ "actor": { "mbox": "mailto:x@example.org", "openid": "https://id.example.org/x" }, "verb": s["verb"], "object": s["object"] });
        let r = lrs.post(&json!([statement("alan", "attempted", "a3"), two_ifis])).await;
        r.assert_error(400, "invalid_xapi_request");
        assert!(r.text.contains("statement 1") && r.text.contains("actor"), "{}", r.text);
        let twice = json!({ "id": "bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee", "actor": s["actor"], "verb": s["verb"], "object": s["object"] });
        lrs.post(&json!([twice, twice])).await.assert_error(400, "invalid_xapi_request");
        for bad in [json!({ "actor": s["actor"], "object": s["object"] }), json!({ "actor": s["actor"], "verb": { "id": "not an iri" }, "object": s["object"] }), json!("x")] {
            lrs.post(&bad).await.assert_error(400, "invalid_xapi_request");
        }
        assert_eq!(ids(&lrs.get("").await).len(), before, "a refused batch stores nothing");

        // voiding: the target leaves queries and statementId, voidedStatementId still finds it
        let voiding = json!({ "actor": s["actor"], "verb": { "id": "http://adlnet.gov/expapi/verbs/voided", "display": { "en-US": "voided" } },
            "object": { "objectType": "StatementRef", "id": id } });
        let r = lrs.post(&voiding).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let voider = r.body[0].as_str().unwrap().to_owned();
        lrs.get(&format!("?statementId={id}")).await.assert_error(404, "statement_not_found");
        assert_eq!(lrs.get(&format!("?voidedStatementId={id}")).await.body["id"], id);
        let all = ids(&lrs.get("").await);
        assert!(!all.contains(&id.to_owned()) && all.contains(&voider), "{all:?}");
        let voided_verb = json!({ "actor": s["actor"], "verb": { "id": "http://adlnet.gov/expapi/verbs/voided" }, "object": s["object"] });
        lrs.post(&voided_verb).await.assert_error(400, "invalid_xapi_request");
        // one statement, with a filter beside statementId, is refused
        lrs.get(&format!("?statementId={voider}&verb=http://adlnet.gov/expapi/verbs/voided")).await.assert_error(400, "invalid_xapi_request");
        // unknown and wrongly-cased parameters are refused
        lrs.get("?Verb=http://adlnet.gov/expapi/verbs/voided").await.assert_error(400, "invalid_parameter");
        lrs.get("?statementid=x").await.assert_error(400, "invalid_parameter");
        lrs.get("?statementId=not-a-uuid").await.assert_error(400, "invalid_xapi_request");
        lrs.put("not-a-uuid", &s).await.assert_error(400, "invalid_xapi_request");
        assert!(ts.events_of(&key, "learn.xapi.statement.stored").await.len() >= 4);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_filter_page_stably_and_format() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let lrs = Lrs::bearer(&ts, &key);
        let registration = "5d9e0a4e-2f1b-4c7a-9b3e-1a2b3c4d5e6f";
        let mut with_context = statement("ada", "experienced", "a9");
        with_context["context"] = json!({ "registration": registration, "instructor": { "mbox": "mailto:teacher@example.org" },
            "contextActivities": { "parent": [{ "id": "https://learn.example.org/courses/41" }] } });
        let mut batch = vec![with_context];
        for i in 0..6 {
            batch.push(statement(if i % 2 == 0 { "ada" } else { "grace" }, if i < 3 { "attempted" } else { "passed" }, &format!("a{i}")));
        }
        let r = lrs.post(&Value::Array(batch)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let sent: Vec<String> = serde_json::from_value(r.body.clone()).unwrap();

        let by = |q: String| {
            let lrs = &lrs;
            async move { ids(&lrs.get(&q).await) }
        };
        assert_eq!(by(format!("?agent={}", agent_param("ada"))).await.len(), 4);
        assert_eq!(by(format!("?agent={}", agent_param("teacher"))).await.len(), 0);
        assert_eq!(by(format!("?agent={}&related_agents=true", agent_param("teacher"))).await, vec![sent[0].clone()]);
        assert_eq!(by("?verb=http://adlnet.gov/expapi/verbs/passed".into()).await.len(), 3);
        assert_eq!(by("?activity=https://learn.example.org/activities/a1".into()).await, vec![sent[2].clone()]);
        assert!(by("?activity=https://learn.example.org/courses/41".into()).await.is_empty());
        assert_eq!(by("?activity=https://learn.example.org/courses/41&related_activities=true".into()).await, vec![sent[0].clone()]);
        assert_eq!(by(format!("?registration={registration}")).await, vec![sent[0].clone()]);
        assert_eq!(by(format!("?agent={}&verb=http://adlnet.gov/expapi/verbs/passed", agent_param("grace"))).await.len(), 2);
        lrs.get("?agent=%7Bnot-json").await.assert_error(400, "invalid_xapi_request");
        lrs.get(&format!("?agent={}", url::form_urlencoded::byte_serialize(br#"{"name":"no ifi"}"#).collect::<String>())).await.assert_error(400, "invalid_xapi_request");

        // newest first by default, oldest first when ascending; since/until on `stored`
        let newest = by(String::new()).await;
        assert_eq!(newest.first(), sent.last());
        let oldest = by("?ascending=true".into()).await;
        assert_eq!(oldest.first(), sent.first());
        let stored = lrs.get(&format!("?statementId={}", sent[0])).await.body["stored"].as_str().unwrap().to_owned();
        let enc = |t: &str| url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>();
        assert_eq!(by(format!("?until={}", enc(&stored))).await.len(), 7, "one batch, one moment");
        assert!(by(format!("?since={}", enc(&stored))).await.is_empty());

        // pages of 3 follow `more`, never repeating or skipping, while others are stored
        let mut seen: Vec<String> = Vec::new();
        let mut page = lrs.get("?limit=3").await;
        loop {
            seen.extend(ids(&page));
            lrs.post(&statement("late", "attempted", "zz")).await;
            let more = page.body["more"].as_str().unwrap().to_owned();
            if more.is_empty() {
                break;
            }
            assert!(more.starts_with("/api/v1/learn/xapi/statements?"), "{more}");
            page = lrs.send(reqwest::Method::GET, &more, None, &[]).await;
            assert_eq!(page.status, 200, "{}", page.text);
        }
        let mut expected = sent.clone();
        expected.reverse();
        assert_eq!(seen, expected);
        lrs.get("?cursor=forged").await.assert_error(400, "invalid_cursor");

        // formats
        let r = lrs.get(&format!("?statementId={}&format=ids", sent[1])).await;
        assert_eq!(r.body["actor"], json!({ "objectType": "Agent", "mbox": "mailto:ada@example.org" }), "{}", r.text);
        assert_eq!(r.body["object"], json!({ "objectType": "Activity", "id": "https://learn.example.org/activities/a0" }));
        let r = lrs.send(reqwest::Method::GET, &format!("{XAPI}/statements?statementId={}&format=canonical", sent[1]), None, &[("accept-language", "de-DE, en;q=0.5")]).await;
        assert_eq!(r.body["verb"]["display"], json!({ "de-DE": "attempted (de)" }), "{}", r.text);
        assert_eq!(r.body["object"]["definition"]["name"], json!({ "en-US": "a0" }));
        assert_eq!(lrs.get(&format!("?statementId={}", sent[1])).await.body["verb"]["display"].as_object().unwrap().len(), 2);
    }
}

/// A statement targeting another by StatementRef meets a query's filters
/// when its target does, down its chain (Communication 2.1.3), whenever the
/// target is stored; `since` and `until` stay the referrer's own.
#[tokio::test(flavor = "multi_thread")]
async fn statement_refs_meet_the_filters_their_targets_meet() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let lrs = Lrs::bearer(&ts, &key);
        let refers = |who: &str, verb: &str, target: &str| {
            let mut s = statement(who, verb, "unused");
            s["object"] = json!({ "objectType": "StatementRef", "id": target });
            s
        };
        let one = |s: Value| {
            let lrs = &lrs;
            async move {
                let r = lrs.post(&s).await;
                assert_eq!(r.status, 200, "{}", r.text);
                r.body[0].as_str().unwrap().to_owned()
            }
        };
        let target = one(statement("ada", "completed", "a50")).await;
        let comment = one(refers("grace", "commented", &target)).await;
        let like = one(refers("alan", "liked", &comment)).await;
        one(statement("grace", "attempted", "a99")).await;
        // a chain to a statement stored only later
        let later = "c0ffee00-0000-4000-8000-000000000051";
        let early = one(refers("alan", "commented", later)).await;
        let early_like = one(refers("grace", "liked", &early)).await;

        let by = |q: String| {
            let lrs = &lrs;
            async move {
                let mut got = ids(&lrs.get(&q).await);
                got.sort();
                got
            }
        };
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let a50 = "?activity=https://learn.example.org/activities/a50".to_owned();
        assert_eq!(by(a50.clone()).await, sorted(vec![target.clone(), comment.clone(), like.clone()]));
        assert_eq!(by(format!("?agent={}", agent_param("ada"))).await, sorted(vec![target.clone(), comment.clone(), like.clone()]));
        assert_eq!(by("?verb=http://adlnet.gov/expapi/verbs/completed".into()).await, sorted(vec![target.clone(), comment.clone(), like.clone()]));
        // the filters together, on the same statement of the chain
        assert!(by(format!("{a50}&verb=http://adlnet.gov/expapi/verbs/liked")).await.is_empty());
        assert_eq!(by(format!("?agent={}&verb=http://adlnet.gov/expapi/verbs/liked", agent_param("alan"))).await, vec![like.clone()]);
        assert!(by("?activity=https://learn.example.org/activities/a51".into()).await.is_empty());

        let r = lrs.put(later, &statement("ada", "completed", "a51")).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(by("?activity=https://learn.example.org/activities/a51".into()).await, sorted(vec![later.to_owned(), early.clone(), early_like.clone()]));

        // voided, the target leaves the answer, but what targets it (the voiding statement too) stays
        let voiding = one(refers("ada", "voided", &target)).await;
        assert_eq!(by(a50.clone()).await, sorted(vec![comment.clone(), like.clone(), voiding.clone()]));
        // time filters are the referrer's own
        let stored = lrs.get(&format!("?statementId={like}")).await.body["stored"].as_str().unwrap().to_owned();
        let since: String = url::form_urlencoded::byte_serialize(stored.as_bytes()).collect();
        assert_eq!(by(format!("{a50}&since={since}")).await, vec![voiding.clone()]);
        // statementId is not a query: the voided target is found only as voided
        lrs.get(&format!("?statementId={target}")).await.assert_error(404, "statement_not_found");
    }
}

/// xAPI's alternate request syntax (Communication 1.3): `POST ?method=`
/// with headers, parameters and content as form fields stands for the
/// request itself, with its checks and answers; no header but the form's.
#[tokio::test(flavor = "multi_thread")]
async fn the_alternate_request_syntax_stands_for_every_request() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("content:{key}")));
        let form = |path: &str, method: &str, fields: &[(&str, &str)]| {
            let ts = &ts;
            let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
            let url = ts.url(&format!("{XAPI}/{path}?method={method}"));
            async move {
                let r = ts.http.post(url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
                Reply::from(r).await
            }
        };
        let auth = [("Authorization", basic.as_str()), ("X-Experience-API-Version", "1.0.3")];
        let with = |extra: &[(&'static str, String)]| -> Vec<(String, String)> {
            auth.iter().map(|(k, v)| (k.to_string(), v.to_string())).chain(extra.iter().map(|(k, v)| (k.to_string(), v.clone()))).collect()
        };
        let pairs = |v: &[(String, String)]| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
        let send = |path: &'static str, method: &'static str, fields: Vec<(String, String)>| {
            let form = &form;
            async move {
                let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                form(path, method, &refs).await
            }
        };

        // statements: PUT, GET one, POST, GET a query
        let id = "a17e0000-0000-4000-8000-000000000001";
        let s = statement("ada", "completed", "alt1").to_string();
        let r = send("statements", "PUT", with(&[("statementId", id.into()), ("content", s.clone()), ("Content-Type", "application/json".into())])).await;
        assert_eq!((r.status, r.header("x-experience-api-version")), (204, Some("1.0.3")), "{}", r.text);
        let r = send("statements", "GET", with(&[("statementId", id.into())])).await;
        assert_eq!((r.status, r.body["id"].as_str()), (200, Some(id)), "{}", r.text);
        let r = send("statements", "POST", with(&[("content", json!([statement("grace", "attempted", "alt2")]).to_string())])).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let posted = r.body[0].as_str().unwrap().to_owned();
        let agent = json!({ "mbox": "mailto:grace@example.org" }).to_string();
        let r = send("statements", "get", with(&[("agent", agent.clone())])).await;
        assert_eq!(ids(&r), vec![posted], "a lower-case method is the same");
        // the plain POST still stores
        let lrs = Lrs::bearer(&ts, &key);
        assert_eq!(lrs.post(&statement("alan", "attempted", "alt3")).await.status, 200);

        // documents: PUT, the If-None-Match rule, GET, DELETE
        let doc = [("activityId", "https://learn.example.org/activities/alt".to_owned()), ("agent", agent.clone()), ("stateId", "bookmark".to_owned())];
        let mut put = with(&doc);
        put.extend(pairs(&[("content".into(), "page 7".into()), ("Content-Type".into(), "text/plain".into())]));
        assert_eq!(send("activities/state", "PUT", put.clone()).await.status, 204);
        let mut guarded = put.clone();
        guarded.push(("If-None-Match".into(), "*".into()));
        send("activities/state", "PUT", guarded).await.assert_error(412, "precondition_failed");
        let r = send("activities/state", "GET", with(&doc)).await;
        assert_eq!((r.status, r.text.as_str(), r.header("content-type")), (200, "page 7", Some("text/plain")));
        assert_eq!(send("activities/state", "DELETE", with(&doc)).await.status, 204);
        assert_eq!(send("activities/state", "GET", with(&doc)).await.status, 404);
        // paths that document no POST take it too, and refuse a plain one
        let r = send("agents", "GET", with(&[("agent", agent.clone())])).await;
        assert_eq!((r.status, r.body["objectType"].as_str()), (200, Some("Person")), "{}", r.text);
        let plain = ts.http.post(ts.url(&format!("{XAPI}/agents"))).header("authorization", format!("Bearer {key}")).send().await.unwrap();
        assert_eq!(plain.status(), 405);

        // refusals: the usual ones, from the form's headers and fields
        let r = send("statements", "GET", vec![("X-Experience-API-Version".into(), "1.0.3".into())]).await;
        assert_eq!(r.status, 401, "no credential: {}", r.text);
        let r = send("statements", "GET", vec![("Authorization".into(), basic.clone())]).await;
        assert_eq!(r.status, 400, "no version: {}", r.text);
        send("statements", "GET", with(&[("StatementId", id.into())])).await.assert_error(400, "invalid_parameter");
        send("statements", "PATCH", with(&[])).await.assert_error(400, "invalid_parameter");
        let r = ts.http.post(ts.url(&format!("{XAPI}/statements?method=GET&statementId={id}"))).header("content-type", "application/x-www-form-urlencoded").body(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(auth).finish()).send().await.unwrap();
        Reply::from(r).await.assert_error(400, "invalid_parameter");
        let r = ts.http.post(ts.url(&format!("{XAPI}/statements?method=GET"))).header("content-type", "application/json").body("{}").send().await.unwrap();
        Reply::from(r).await.assert_error(400, "invalid_parameter");
        // a read-only key cannot write this way either
        let reader = ts.key(ts.tenant("acme-reader", "pro").await, &["learn:xapi:read"]).await;
        let reader_auth = format!("Bearer {reader}");
        let r = send("statements", "POST", vec![("Authorization".into(), reader_auth), ("X-Experience-API-Version".into(), "1.0.3".into()), ("content".into(), s)]).await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenant_sees_none_of_the_statements() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let (_, other) = ts.tenant_with_key("beta").await;
        let id = "c0ffee00-1234-4abc-8def-0123456789ab";
        assert_eq!(Lrs::basic(&ts, &key).put(id, &statement("ada", "completed", "a1")).await.status, 204);
        let theirs = Lrs::basic(&ts, &other);
        theirs.get(&format!("?statementId={id}")).await.assert_error(404, "statement_not_found");
        assert!(ids(&theirs.get("").await).is_empty());
        // the same id is theirs to use: ids are per tenant
        assert_eq!(theirs.put(id, &statement("eve", "failed", "b1")).await.status, 204);
        assert_eq!(Lrs::basic(&ts, &key).get(&format!("?statementId={id}")).await.body["verb"]["id"], "http://adlnet.gov/expapi/verbs/completed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn activities_and_agents_answer_what_statements_said() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let lrs = Lrs::basic(&ts, &key);
        assert_eq!(lrs.post(&statement("ada", "attempted", "a1")).await.status, 200);
        let mut renamed = statement("ada", "completed", "a1");
        renamed["actor"]["name"] = json!("Ada L.");
        renamed["object"]["definition"]["name"] = json!({ "en-US": "Lesson one" });
        assert_eq!(lrs.post(&renamed).await.status, 200);

        let get = |path: String| {
            let lrs = &lrs;
            async move { lrs.send(reqwest::Method::GET, &path, None, &[]).await }
        };
        let a = get(format!("{XAPI}/activities?activityId=https://learn.example.org/activities/a1")).await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!((a.body["objectType"].as_str(), a.body["definition"]["name"]["en-US"].as_str()), (Some("Activity"), Some("Lesson one")));
        let unknown = get(format!("{XAPI}/activities?activityId=https://learn.example.org/none")).await;
        assert_eq!(unknown.body, json!({ "id": "https://learn.example.org/none", "objectType": "Activity" }));
        get(format!("{XAPI}/activities")).await.assert_error(400, "invalid_parameter");

        let p = get(format!("{XAPI}/agents?agent={}", agent_param("ada"))).await;
        assert_eq!(p.status, 200, "{}", p.text);
        assert_eq!(p.body["objectType"], "Person");
        assert_eq!(p.body["mbox"], json!(["mailto:ada@example.org"]));
        assert_eq!(p.body["name"], json!(["Ada L.", "ada"]));
        let nobody = get(format!("{XAPI}/agents?agent={}", agent_param("nobody"))).await;
        assert_eq!((nobody.body["name"].clone(), nobody.body["mbox"].clone()), (json!([]), json!(["mailto:nobody@example.org"])));
        get(format!("{XAPI}/agents?agent=%7B%7D")).await.assert_error(400, "invalid_xapi_request");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_platform_states_its_own_progress_records_in_the_lrs() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (tenant, key) = ts.tenant_with_key("acme").await;
        let video = json!({ "kind": "video", "title": "Intro", "video": { "url": "https://videos.example.org/a.mp4" } });
        let quiz = json!({ "kind": "quiz", "title": "Check", "quiz": { "pass_mark": 100, "questions": [{ "kind": "true_false", "prompt": "Sky is blue?", "correct": true }] } });
        let (course, _, _, acts) = ts.course_with(&key, "Safety", &[video, quiz]).await;
        ts.post(Some(&key), &format!("/api/v1/learn/courses/{course}/publish"), &json!({}), None).await;
        let ada = ts.learner(tenant, "ada").await;
        let e = ts.post(Some(&key), "/api/v1/learn/enrollments", &json!({ "course_id": course, "user_id": ada }), None).await.body["data"]["id"].as_i64().unwrap();
        ts.post(Some(&key), &format!("/api/v1/learn/enrollments/{e}/done"), &json!({ "activity_id": acts[0] }), None).await;
        for answer in [false, true] {
            let a = ts.post(Some(&key), "/api/v1/learn/attempts", &json!({ "enrollment_id": e, "activity_id": acts[1] }), None).await.body["data"]["id"].as_i64().unwrap();
            let r = ts.post(Some(&key), &format!("/api/v1/learn/attempts/{a}/submit"), &json!({ "answers": [{ "question": 1, "value": answer }] }), None).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }

        // the learner as an account agent of the tenant's home page
        let lrs = Lrs::bearer(&ts, &key);
        let agent = json!({ "account": { "homePage": "https://acme.mobieus.example", "name": ada.to_string() } }).to_string();
        let agent: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
        let r = lrs.get(&format!("?agent={agent}&ascending=true")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let statements = r.body["statements"].as_array().unwrap();
        let seen: Vec<(String, String)> = statements
            .iter()
            .map(|s| (s["verb"]["id"].as_str().unwrap().rsplit('/').next().unwrap().to_owned(), s["object"]["id"].as_str().unwrap().to_owned()))
            .collect();
        let (video_iri, quiz_iri, course_iri) = (
            format!("https://acme.mobieus.example/learn/activities/{}", acts[0]),
            format!("https://acme.mobieus.example/learn/activities/{}", acts[1]),
            format!("https://acme.mobieus.example/learn/courses/{course}"),
        );
        assert_eq!(
            seen,
            vec![
                ("completed".into(), video_iri.clone()),
                ("failed".into(), quiz_iri.clone()),
                ("passed".into(), quiz_iri.clone()),
                ("completed".into(), quiz_iri.clone()),
                ("completed".into(), course_iri.clone()),
            ]
        );
        // one registration per enrollment; activities sit in their course; the platform is the authority
        let registration = statements[0]["context"]["registration"].as_str().unwrap();
        assert!(statements.iter().all(|s| s["context"]["registration"] == registration));
        assert_eq!(statements[1]["context"]["contextActivities"]["parent"][0]["id"], course_iri.as_str());
        assert_eq!((statements[1]["result"]["success"].as_bool(), statements[2]["result"]["score"]["scaled"].as_f64()), (Some(false), Some(1.0)));
        assert_eq!(statements[4]["authority"]["name"], "mobieusLearn");
        assert_eq!(statements[4]["actor"]["name"], "ada");
        // and the LRS's filters reach them: the course with its related activities, the registration
        let course_param: String = url::form_urlencoded::byte_serialize(course_iri.as_bytes()).collect();
        assert_eq!(ids(&lrs.get(&format!("?activity={course_param}&related_activities=true")).await).len(), 5);
        assert_eq!(ids(&lrs.get(&format!("?activity={course_param}")).await).len(), 1);
        assert_eq!(ids(&lrs.get(&format!("?registration={registration}")).await).len(), 5);
        assert_eq!(ts.events_of(&key, "learn.xapi.statement.stored").await.len(), 5);
    }
}

/// A multipart/mixed statements request as xAPI clients build it: the
/// statements, then one part per (hash, content type, data).
fn multipart(statements: &Value, parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "xapi-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Type: application/json\r\n\r\n{statements}\r\n").into_bytes();
    for (hash, ct, data) in parts {
        body.extend(format!("--{boundary}\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {hash}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/mixed; boundary={boundary}"), body)
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn attachments_travel_as_multipart_checked_by_their_hash() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let lrs = Lrs::bearer(&ts, &key);
        let raw = |method: reqwest::Method, path: &str, ct: String, body: Vec<u8>| {
            let (ts, key) = (&ts, &key);
            let path = path.to_owned();
            async move { Reply::from(ts.xapi(&format!("Bearer {key}"), method, &path).header("content-type", ct).body(body).send().await.unwrap()).await }
        };
        let data = b"here is a simple attachment";
        let hash = sha256(data);
        let with = |id: &str, sha: &str| {
            let mut s = statement("ada", "answered", "q1");
            s["id"] = json!(id);
            s["attachments"] = json!([{ "usageType": "http://adlnet.gov/expapi/attachments/essay", "display": { "en-US": "Essay" },
                "contentType": "text/plain", "length": 27, "sha2": sha }]);
            s
        };
        let (a, b) = ("7a9c3f3e-5b0e-4a43-9ad7-3c3ab8a7a8f1", "7a9c3f3e-5b0e-4a43-9ad7-3c3ab8a7a8f2");

        // a JSON request's attachments must carry a fileUrl
        let r = lrs.post(&with(a, &hash)).await;
        r.assert_error(400, "invalid_xapi_request");
        assert!(r.text.contains("multipart/mixed"), "{}", r.text);
        let mut linked = with(a, &hash);
        linked["attachments"][0]["fileUrl"] = json!("https://files.example.org/essay.txt");
        linked["id"] = json!("7a9c3f3e-5b0e-4a43-9ad7-3c3ab8a7a8f0");
        assert_eq!(lrs.post(&linked).await.status, 200);

        // multipart: refused when a part lies about its hash, names no attachment, or one is missing; nothing stored
        for (parts, says) in [
            (vec![(hash.as_str(), "text/plain", &b"other data"[..])], "hashes to"),
            (vec![], "neither a fileUrl"),
            (vec![(hash.as_str(), "text/plain", &data[..]), (sha256(b"x").as_str(), "text/plain", &b"x"[..])], "no attachment"),
        ] {
            let (ct, body) = multipart(&json!([with(a, &hash)]), &parts);
            let r = raw(reqwest::Method::POST, "statements", ct, body).await;
            r.assert_error(400, "invalid_xapi_request");
            assert!(r.text.contains(says), "expected {says:?} in {}", r.text);
        }
        lrs.get(&format!("?statementId={a}")).await.assert_error(404, "statement_not_found");

        // stored: POST a batch sharing the data once, PUT one more
        let (ct, body) = multipart(&json!([with(a, &hash), with(b, &hash)]), &[(&hash, "text/plain", data)]);
        let r = raw(reqwest::Method::POST, "statements", ct, body).await;
        assert_eq!((r.status, r.body.clone()), (200, json!([a, b])), "{}", r.text);
        let c = "7a9c3f3e-5b0e-4a43-9ad7-3c3ab8a7a8f3";
        let (ct, body) = multipart(&with(c, &hash), &[(&hash, "text/plain", data)]);
        assert_eq!(raw(reqwest::Method::PUT, &format!("statements?statementId={c}"), ct, body).await.status, 204);

        // read back with attachments=true: the JSON first, then the data once
        for query in [format!("?statementId={a}&attachments=true"), "?attachments=true&limit=2".to_owned()] {
            let r = Reply::from(ts.xapi(&format!("Bearer {key}"), reqwest::Method::GET, &format!("statements{query}")).send().await.unwrap()).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let ct = r.header("content-type").unwrap().to_owned();
            let boundary = mobieus_server::xapi::multipart::boundary(&ct).expect("multipart/mixed").unwrap();
            let parts = mobieus_server::xapi::multipart::parse(r.text.as_bytes(), &boundary).unwrap();
            assert_eq!(parts.len(), 2, "{query}: {}", r.text);
            assert_eq!(parts[0].header("content-type"), Some("application/json"));
            let first: Value = serde_json::from_slice(&parts[0].body).unwrap();
            assert!(first.get("statements").is_some() || first["id"] == a, "{first}");
            assert_eq!((parts[1].header("x-experience-api-hash"), parts[1].body.as_slice()), (Some(hash.as_str()), &data[..]));
            assert_eq!(parts[1].header("content-transfer-encoding"), Some("binary"));
        }
        // without it, JSON as before
        assert_eq!(lrs.get(&format!("?statementId={a}")).await.body["attachments"][0]["sha2"], hash.as_str());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_statements_are_checked_against_their_jws() {
    // signatures made with OpenSSL (fixtures/README.md), not with the server's code
    let fixture: Value = serde_json::from_str(include_str!("fixtures/xapi_signed.json")).unwrap();
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let (_, key) = ts.tenant_with_key("acme").await;
        let send = |n: u32, jws: &str| {
            let (ts, key) = (&ts, &key);
            let mut s = fixture["statement"].clone();
            s["id"] = json!(format!("33cff416-e331-4c9d-969e-5373a17561{n:02}"));
            s["attachments"] = json!([{ "usageType": "http://adlnet.gov/expapi/attachments/signature", "display": { "en-US": "Signature" },
                "contentType": "application/octet-stream", "length": jws.len(), "sha2": sha256(jws.as_bytes()) }]);
            let (ct, body) = multipart(&s, &[(&sha256(jws.as_bytes()), "application/octet-stream", jws.as_bytes())]);
            let path = format!("statements?statementId={}", s["id"].as_str().unwrap());
            async move { Reply::from(ts.xapi(&format!("Bearer {key}"), reqwest::Method::PUT, &path).header("content-type", ct).body(body).send().await.unwrap()).await }
        };
        for (n, name) in [(1, "rs256"), (2, "rs512"), (3, "no_x5c")] {
            let r = send(n, fixture[name].as_str().unwrap()).await;
            assert_eq!(r.status, 204, "{name}: {}", r.text);
        }
        for (n, jws, says) in [
            (4, fixture["wrong_key"].as_str().unwrap(), "does not verify"),
            (5, fixture["other_payload"].as_str().unwrap(), "another"),
            (6, "not.a-jws", "compact"),
        ] {
            let r = send(n, jws).await;
            r.assert_error(400, "invalid_xapi_request");
            assert!(r.text.contains(says), "expected {says:?} in {}", r.text);
        }
        let stored = Lrs::bearer(&ts, &key).get("?statementId=33cff416-e331-4c9d-969e-5373a1756101").await;
        assert_eq!(stored.body["attachments"][0]["usageType"], "http://adlnet.gov/expapi/attachments/signature");
    }
}
