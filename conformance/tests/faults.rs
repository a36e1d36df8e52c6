//! Faults: the database going away under load. While it is away the server
//! answers `503 service_unavailable` (or `507 insufficient_storage` when
//! the disk is full) with `Retry-After`, never a 500 and never a hung
//! request; it recovers by itself when the database is back; nothing it
//! acknowledged is lost. Health: `/healthz` stays 200 throughout,
//! `/readyz` follows the database.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{backends, Backend, Reply, TestServer};
use serde_json::json;

/// Every answer during an outage: a success, or the documented outage
/// envelope with `Retry-After` (never 500, never past the request's bound).
#[track_caller]
fn success_or_outage(r: &Reply, took: Duration, outage_status: u16) -> bool {
    assert!(took < Duration::from_secs(15), "a request hung for {took:?}: {}", r.text);
    if r.status < 300 {
        return true;
    }
    let code = if outage_status == 507 { "insufficient_storage" } else { "service_unavailable" };
    r.assert_error(outage_status, code);
    assert!(r.header("retry-after").and_then(|v| v.parse::<u32>().ok()).is_some(), "Retry-After: {:?}", r.headers);
    false
}

async fn timed_post(ts: &TestServer, key: &str, path: &str, body: &serde_json::Value) -> (Reply, Duration) {
    let started = Instant::now();
    let r = ts.post(Some(key), path, body, None).await;
    (r, started.elapsed())
}

fn ticket(i: usize) -> serde_json::Value {
    json!({ "subject": format!("ticket {i}"), "body": "x".repeat(2000), "requester_email": "a@example.org" })
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_readiness_need_no_key_and_say_what_they_checked() {
    for backend in backends() {
        let ts = TestServer::start(&backend).await;
        let health = ts.get(None, "/healthz").await;
        assert_eq!((health.status, health.body["data"]["status"].as_str()), (200, Some("ok")), "{}", health.text);
        health.assert_request_id();
        let ready = ts.get(None, "/readyz").await;
        assert_eq!(ready.status, 200, "{}", ready.text);
        let expected_backend = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgresql",
        };
        assert_eq!(ready.body["data"]["backend"], expected_backend);
        assert!(ready.body["data"]["migrations_applied"].as_u64().unwrap() >= 10, "{}", ready.text);
        // the metrics, on their own address: this exchange counted by operation and status
        let metrics = mobieus_server::metrics::serve("127.0.0.1:0".parse().unwrap(), ts.db().clone()).unwrap();
        let (_, key) = ts.tenant_with_key("acme").await;
        assert_eq!(ts.get(Some(&key), "/api/v1/users").await.status, 200);
        let text = reqwest::get(format!("{}/metrics", mobieus_server::metrics::base_url(&metrics))).await.unwrap().text().await.unwrap();
        for line in [
            "# TYPE mobieus_http_requests_total counter",
            "# TYPE mobieus_http_request_duration_seconds histogram",
            "mobieus_webhook_outbox_pending 0",
            "mobieus_rate_limit_refusals_total ",
            "mobieus_webhook_attempts_total{outcome=\"delivered\"} ",
        ] {
            assert!(text.contains(line), "{line} in:\n{text}");
        }
        let count = |op: &str| -> u64 {
            let prefix = format!("mobieus_http_requests_total{{operation_id=\"{op}\",status=\"200\"}} ");
            text.lines().find_map(|l| l.strip_prefix(&prefix)).and_then(|n| n.parse().ok()).unwrap_or(0)
        };
        assert!(count("listUsers") >= 1 && count("getReadiness") >= 1, "{text}");
        assert!(text.contains("mobieus_http_request_duration_seconds_bucket{operation_id=\"listUsers\",status=\"200\",le=\"+Inf\"}"), "{text}");
        assert!(text.contains("mobieus_db_pool_connections{pool="), "{text}");
        metrics.close().await.unwrap();
        // through the generated client too
        let client = ts.client("unused");
        assert_eq!(client.get_readiness().send().await.unwrap().into_inner().data.migrations_applied, ready.body["data"]["migrations_applied"].as_u64().unwrap());
    }
}

/// PostgreSQL refusing connections and cutting the open ones, under a load
/// of writes: 503s with Retry-After while it is away, then writes succeed
/// again with no restart, and every acknowledged ticket is there.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_going_away_answers_503_and_recovers_by_itself() {
    let Some(Backend::Postgres(base)) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))) else { return };
    let url = common::database_url(&Backend::Postgres(base.clone())).await;
    let name = url.rsplit('/').next().unwrap().to_owned();
    let ts = TestServer::start_on(&Backend::Postgres(base.clone()), &url, |_| {}).await;
    let (_, key) = ts.tenant_with_key("acme").await;
    let psql = |sql: String| {
        let out = Command::new("psql").args([base.as_str(), "-Atqc", &sql]).output().expect("psql");
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let (r, _) = timed_post(&ts, &key, "/api/v1/helpdesk/tickets", &ticket(i)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        acknowledged.push(r.body["data"]["id"].as_i64().unwrap());
    }

    // away: no new connections, and every open one cut
    psql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    psql(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"));
    let mut refused = 0;
    let mut slowest_refusal = Duration::ZERO;
    for i in 5..8 {
        let (r, took) = timed_post(&ts, &key, "/api/v1/helpdesk/tickets", &ticket(i)).await;
        if success_or_outage(&r, took, 503) {
            acknowledged.push(r.body["data"]["id"].as_i64().unwrap());
        } else {
            refused += 1;
            slowest_refusal = slowest_refusal.max(took);
        }
        // reads too (the key is cached for a moment at most; either answer is documented)
        let started = Instant::now();
        let read = ts.get(Some(&key), "/api/v1/helpdesk/tickets?limit=1").await;
        success_or_outage(&read, started.elapsed(), 503);
    }
    assert_eq!(refused, 3, "every write refused while the database was away");
    // once a connect has failed, nobody waits out the pool's 10 s
    eprintln!("slowest 503 while PostgreSQL was away: {slowest_refusal:?}");
    assert!(slowest_refusal < Duration::from_secs(5), "a refusal waited {slowest_refusal:?} for a connection the database refuses");
    let ready = ts.get(None, "/readyz").await;
    ready.assert_error(503, "service_unavailable");
    assert!(ready.body["error"]["extra"]["checks"]["database"].is_string(), "{}", ready.text);
    assert_eq!(ts.get(None, "/healthz").await.status, 200);

    // back: the same process serves again, by itself
    psql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (r, took) = timed_post(&ts, &key, "/api/v1/helpdesk/tickets", &ticket(99)).await;
        if success_or_outage(&r, took, 503) {
            acknowledged.push(r.body["data"]["id"].as_i64().unwrap());
            break;
        }
        assert!(Instant::now() < deadline, "no recovery within 20 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(ts.get(None, "/readyz").await.status, 200);
    for id in &acknowledged {
        let r = ts.get(Some(&key), &format!("/api/v1/helpdesk/tickets/{id}")).await;
        assert_eq!(r.status, 200, "acknowledged ticket {id} lost: {}", r.text);
    }
    let all = ts.get(Some(&key), "/api/v1/helpdesk/tickets").await;
    assert_eq!(all.body["total_count"], acknowledged.len(), "exactly the acknowledged tickets, once each");
}

/// A small file system of its own for a SQLite file (tmpfs; needs the
/// mount privilege, which CI's machine has). Unmounted when dropped.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!("mobieus-disk-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            eprintln!("skipped: mounting a tmpfs needs privileges this run does not have");
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn resize(&self, size: &str) {
        let options = format!("size={size}");
        let ok = Command::new("mount").args(["-o", &format!("remount,{options}")]).arg(&self.dir).status().unwrap().success();
        assert!(ok, "remount with {options}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// SQLite's disk filling up: writes answer 507 and store nothing, reads go
/// on, and writes succeed again once there is room, with no restart. (A
/// file system turning read-only: server/tests/sqlite_read_only.rs, which
/// needs the server as a process it can stop for the repair.)
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_disk_full_answers_507_and_loses_nothing() {
    let Some(disk) = SmallDisk::mount("3m") else { return };
    let url = format!("sqlite://{}", disk.dir.join("small.db").display());
    let ts = TestServer::start_on(&Backend::Sqlite, &url, |_| {}).await;
    let (_, key) = ts.tenant_with_key("acme").await;

    let mut acknowledged = Vec::new();
    let mut full = 0;
    for i in 0..3000 {
        let (r, took) = timed_post(&ts, &key, "/api/v1/helpdesk/tickets", &ticket(i)).await;
        if success_or_outage(&r, took, 507) {
            acknowledged.push(r.body["data"]["id"].as_i64().unwrap());
        } else {
            full += 1;
            if full == 3 {
                break;
            }
        }
    }
    assert!(full == 3 && acknowledged.len() > 10, "{} stored, then {full} refused", acknowledged.len());
    // reads are served meanwhile
    let listed = ts.get(Some(&key), "/api/v1/helpdesk/tickets?limit=1").await;
    assert_eq!((listed.status, listed.body["total_count"].as_u64()), (200, Some(acknowledged.len() as u64)), "{}", listed.text);

    // room again: the same process writes again
    disk.resize("64m");
    let (r, _) = timed_post(&ts, &key, "/api/v1/helpdesk/tickets", &ticket(9999)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    acknowledged.push(r.body["data"]["id"].as_i64().unwrap());

    let all = ts.get(Some(&key), "/api/v1/helpdesk/tickets").await;
    assert_eq!(all.body["total_count"], acknowledged.len(), "exactly the acknowledged tickets, once each");
}
