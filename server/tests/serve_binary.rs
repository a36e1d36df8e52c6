//! `mobieus-server serve` as a process: JSON logs carry the request id the
//! client saw, and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_request_ids_and_sigterm_stops_gracefully() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobieus-server"))
        .args(["--database-url", &mobieus_server::testkit::fresh_sqlite(), "--log-format", "json"])
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // the key line is printed once the server listens
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut key = None;
    let mut line = String::new();
    while key.is_none() && Instant::now() < deadline {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        key = line.split_whitespace().find(|w| w.starts_with("mc_live_")).map(|w| w.trim_matches('\'').to_owned());
    }
    let key = key.expect("serve --demo prints a key");

    let r = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/events?limit=2"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["request_id"], format!("req_{request_id}"));
    assert_eq!(body["data"].as_array().unwrap().len(), 2);

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "SIGTERM ends the server cleanly: {exit:?}");

    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let logged = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["request_id"] == format!("req_{request_id}"))
        .unwrap_or_else(|| panic!("a JSON log line carries the request id; log was:\n{stderr}"));
    assert_eq!(logged["operation_id"], "listEvents");
    assert_eq!(logged["status"], 200);
    assert!(logged["tenant_id"].is_i64(), "the tenant is logged: {logged}");
    assert!(stderr.contains("shutting down"));
}
