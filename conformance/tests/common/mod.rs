//! The harness: a real server per test on SQLite, and on PostgreSQL when
//! `MOBIEUS_TEST_PG_URL` is set; tenants and keys made through the store (as
//! the admin commands do); requests through the generated client or raw HTTP.
#![allow(dead_code)]

use std::time::Duration;

use mobieus_server::db::Db;
use mobieus_server::secrets::{Keyring, MasterKey};
use mobieus_server::store::api_keys::{key_create, NewKey};
use mobieus_server::store::tenants::tenant_create;
use mobieus_server::{testkit, AppContext, Running, ServerConfig};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// SQLite always; PostgreSQL too when MOBIEUS_TEST_PG_URL is set.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("MOBIEUS_TEST_PG_URL")
        && !url.is_empty() {
            v.push(Backend::Postgres(url));
        }
    v
}

pub async fn database_url(backend: &Backend) -> String {
    match backend {
        Backend::Sqlite => testkit::fresh_sqlite(),
        Backend::Postgres(base) => testkit::fresh_postgres(base).await.expect("create a test database"),
    }
}

/// The master key every test server holds unless a test gives another.
pub const TEST_MASTER_KEY: &str = "74657374206d6173746572206b657920666f72206d6f62696575732074657374";

pub fn test_keyring() -> Keyring {
    Keyring::new(Some(MasterKey::parse(TEST_MASTER_KEY).unwrap()), vec![])
}

pub struct TestServer {
    pub base: String,
    pub backend: Backend,
    pub server: Running,
    pub http: reqwest::Client,
}

impl TestServer {
    pub async fn start(backend: &Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: &Backend, tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let url = database_url(backend).await;
        Self::start_on(backend, &url, tweak).await
    }

    /// A server on an existing database (e.g. a second process's view).
    pub async fn start_on(backend: &Backend, url: &str, tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut config = ServerConfig::new(url);
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.key_cache_ttl = Duration::ZERO;
        config.max_connections = 8;
        // secrets at rest sealed, as in production
        config.secrets = test_keyring();
        tweak(&mut config);
        let ctx = AppContext::new(config).await.expect("server context");
        let server = mobieus_server::serve(ctx).expect("server starts");
        let base = format!("http://{}", server.local_addr());
        TestServer { base, backend: backend.clone(), server, http: reqwest::Client::new() }
    }

    pub fn db(&self) -> &Db {
        &self.server.app_private().db
    }

    /// The master keys this server seals secrets with.
    pub fn secrets(&self) -> &Keyring {
        &self.server.app_private().config.secrets
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn tenant(&self, slug: &str, plan: &str) -> i64 {
        tenant_create(self.db(), slug, slug, plan).await.expect("tenant").id
    }

    pub async fn key(&self, tenant_id: i64, scopes: &[&str]) -> String {
        self.key_limited(tenant_id, scopes, 100_000, 1_000_000).await
    }

    pub async fn key_limited(&self, tenant_id: i64, scopes: &[&str], per_minute: i32, per_hour: i32) -> String {
        let scopes = if scopes == ["all"] {
            mobieus_server::scopes::all()
        } else {
            scopes.iter().map(|s| s.to_string()).collect()
        };
        let new = NewKey { tenant_id, name: "test".into(), scopes, per_minute, per_hour };
        key_create(self.db(), &new).await.expect("key").1
    }

    /// A tenant with an all-scope key, in one call.
    pub async fn tenant_with_key(&self, slug: &str) -> (i64, String) {
        let id = self.tenant(slug, "pro").await;
        (id, self.key(id, &["all"]).await)
    }

    /// The generated client, authenticated with `key`.
    pub fn client(&self, key: &str) -> mobieus_api::client::Client {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {key}")).unwrap());
        let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
        mobieus_api::client::Client::new_with_client(&self.base, http)
    }

    /// A member of the tenant, made through the store.
    pub async fn learner(&self, tenant: i64, name: &str) -> i64 {
        let user = mobieus_server::store::users::NewUser { username: name.into(), display_name: name.into(), email: None, role: "member".into() };
        mobieus_server::store::users::user_create(self.db(), tenant, &user).await.expect("user").id
    }

    /// A draft course titled `title` with one module and one lesson holding
    /// `activities` (raw JSON bodies); answers (course, module, lesson,
    /// activity ids).
    pub async fn course_with(&self, key: &str, title: &str, activities: &[Value]) -> (i64, i64, i64, Vec<i64>) {
        let made = |r: Reply| {
            assert_eq!(r.status, 201, "{}", r.text);
            r.body["data"]["id"].as_i64().unwrap()
        };
        let course = made(self.post(Some(key), "/api/v1/learn/courses", &serde_json::json!({ "title": title }), None).await);
        let module = made(self.post(Some(key), &format!("/api/v1/learn/courses/{course}/modules"), &serde_json::json!({ "title": "One" }), None).await);
        let lesson = made(self.post(Some(key), &format!("/api/v1/learn/modules/{module}/lessons"), &serde_json::json!({ "title": "First" }), None).await);
        let mut ids = vec![];
        for a in activities {
            ids.push(made(self.post(Some(key), &format!("/api/v1/learn/lessons/{lesson}/activities"), a, None).await));
        }
        (course, module, lesson, ids)
    }

    /// A request to the xAPI record store as xAPI clients send it: the
    /// `Authorization` value given (Bearer or Basic) and the version header.
    pub fn xapi(&self, auth: &str, method: reqwest::Method, path_and_query: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(&format!("/api/v1/learn/xapi/{path_and_query}"))).header("authorization", auth).header("x-experience-api-version", "1.0.3")
    }

    /// The tenant's events of one type (up to 100), newest first.
    pub async fn events_of(&self, key: &str, event_type: &str) -> Vec<Value> {
        let r = self.get(Some(key), &format!("/api/v1/events?type={event_type}&limit=100")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["data"].as_array().expect("events").clone()
    }

    pub async fn get(&self, key: Option<&str>, path: &str) -> Reply {
        let mut rb = self.http.get(self.url(path));
        if let Some(k) = key {
            rb = rb.bearer_auth(k);
        }
        Reply::from(rb.send().await.expect("request")).await
    }

    pub async fn post(&self, key: Option<&str>, path: &str, body: &Value, idempotency_key: Option<&str>) -> Reply {
        let mut rb = self.http.post(self.url(path)).json(body);
        if let Some(k) = key {
            rb = rb.bearer_auth(k);
        }
        if let Some(i) = idempotency_key {
            rb = rb.header("Idempotency-Key", i);
        }
        Reply::from(rb.send().await.expect("request")).await
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn from(r: reqwest::Response) -> Self {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body, text }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the error envelope with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        assert_eq!(self.code(), code, "code; body: {}", self.text);
        assert!(self.body["error"]["message"].is_string(), "message; body: {}", self.text);
        self.assert_request_id();
    }

    /// `request_id` is `req_` + the X-Request-Id header.
    #[track_caller]
    pub fn assert_request_id(&self) {
        let header = self.header("x-request-id").expect("x-request-id header");
        assert_eq!(self.body["request_id"].as_str(), Some(format!("req_{header}").as_str()), "body: {}", self.text);
    }
}
