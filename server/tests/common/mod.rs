//! `mobieus-server` as the separate process users run: started on a
//! database, killed and reaped when dropped, and its admin commands.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The databases to run on: a fresh SQLite file always, a fresh PostgreSQL
/// database when MOBIEUS_TEST_PG_URL is set.
pub async fn databases() -> Vec<String> {
    let mut dbs = vec![mobieus_server::testkit::fresh_sqlite()];
    if let Ok(base) = std::env::var("MOBIEUS_TEST_PG_URL")
        && !base.is_empty()
    {
        dbs.push(mobieus_server::testkit::fresh_postgres(&base).await.unwrap());
    }
    dbs
}

/// An admin command (`--json`): whether it succeeded, its JSON output, its
/// standard error.
pub fn admin_run(db: &str, args: &[&str]) -> (bool, Value, String) {
    admin_run_with(db, args, &[])
}

/// `admin_run` with environment variables set (the master keys).
pub fn admin_run_with(db: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mobieus-server"))
        .args(["--database-url", db, "--json"])
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("MOBIEUS_MASTER_KEY")
        .env_remove("MOBIEUS_MASTER_KEY_PREVIOUS")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), value, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// An admin command's JSON output; panics if it fails.
pub fn admin(db: &str, args: &[&str]) -> Value {
    let (ok, value, stderr) = admin_run(db, args);
    assert!(ok, "{args:?}: {stderr}");
    value
}

/// Tenant `acme` with an all-scope key whose limits a load never reaches;
/// the key's secret.
pub fn unlimited_key(db: &str) -> String {
    admin(db, &["tenant", "create", "acme", "--plan", "pro"]);
    admin(db, &["key", "create", "--tenant", "acme", "--scopes", "all", "--per-minute", "10000000", "--per-hour", "100000000"])["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A running `serve` process; killed and reaped on drop, however the test ends.
pub struct ServerProcess {
    pub child: Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts `serve` on `db` with extra `args` and waits until it answers.
    pub async fn start(db: &str, args: &[&str]) -> ServerProcess {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_mobieus-server"))
            .args(["--database-url", db, "serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // owned at once, so it is killed and reaped however this returns
        let server = ServerProcess { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if reqwest::get(server.url("/api/openapi.yaml")).await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server on port {port} did not start");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// CPU time (user + system) the process has used so far.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("/proc/<pid>/stat");
        // fields after the parenthesised command name; utime and stime are
        // the 14th and 15th fields of the whole line
        let rest = &stat[stat.rfind(')').expect("comm") + 2..];
        let fields: Vec<u64> = rest.split_whitespace().skip(11).take(2).map(|f| f.parse().unwrap()).collect();
        // clock ticks; USER_HZ is 100 on Linux
        Duration::from_millis((fields[0] + fields[1]) * 10)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
