//! The built `mobieus` binary against a real server seeded as the demo is:
//! a command per operation, a sample of them per surface, `--all` across
//! pages, every output format, the exit codes, `api`, `login`, and
//! `webhooks listen` verifying a real signed delivery from the server.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use mobieus_server::store::api_keys::{key_create, NewKey};
use mobieus_server::{testkit, AppContext, ServerConfig};
use serde_json::Value;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

fn mobieus(base: &str, key: &str, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_mobieus"))
        .args(["--base-url", base])
        .args(args)
        .env("MOBIEUS_API_KEY", key)
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join(format!("mobieus-cli-{}", std::process::id())))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Out { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// A server with the demo tenant, and an all-scope key; webhooks to
/// loopback allowed (for `listen`).
async fn demo_server() -> (mobieus_server::Running, String, String, mobieus_server::db::Db) {
    let mut config = ServerConfig::new(testkit::fresh_sqlite());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.key_cache_ttl = Duration::ZERO;
    config.allow_private_webhooks = true;
    let ctx = AppContext::new(config).await.unwrap();
    let seed = mobieus_server::demo::seed_demo(&ctx.db, &ctx.config.secrets).await.unwrap();
    let db = ctx.db.clone();
    let server = mobieus_server::serve(ctx).unwrap();
    let base = format!("http://{}", server.local_addr());
    (server, base, seed.key, db)
}

async fn run(base: &str, key: &str, args: &[&str]) -> Out {
    let (b, k) = (base.to_owned(), key.to_owned());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || mobieus(&b, &k, &args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap()
}

#[test]
fn every_operation_is_a_command_with_an_example() {
    let doc: Value = serde_yaml::from_str(mobieus_api::OPENAPI_YAML).unwrap();
    let mut ops = 0;
    let top = mobieus("http://127.0.0.1:9", "k", &["--help"]);
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap().iter().filter(|(k, _)| *k != "parameters") {
            ops += 1;
            let group = op["tags"][0].as_str().unwrap();
            assert!(top.stdout.contains(group), "group {group} is missing from --help");
        }
    }
    // each group lists its commands; each command's help has an example
    let groups: std::collections::BTreeSet<&str> = mobieus_api::cli::COMMANDS.iter().map(|c| c.group).collect();
    for g in groups {
        let help = mobieus("http://127.0.0.1:9", "k", &[g, "--help"]);
        for c in mobieus_api::cli::COMMANDS.iter().filter(|c| c.group == g) {
            assert!(help.stdout.contains(c.name), "{g} {}: {}", c.name, help.stdout);
        }
    }
    assert_eq!(mobieus_api::cli::COMMANDS.len(), ops, "one command per operation");
    let help = mobieus("http://127.0.0.1:9", "k", &["helpdesk-tickets", "reply", "--help"]);
    assert!(help.stdout.contains("Example:\n  mobieus helpdesk-tickets reply HD-000123 --body <body>"), "{}", help.stdout);
    let comp = mobieus("http://127.0.0.1:9", "k", &["completions", "bash"]);
    assert!(comp.code == 0 && comp.stdout.contains("helpdesk-tickets"), "{}", comp.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_across_the_surfaces_with_every_output_and_exit_code() {
    let (_server, base, key, db) = demo_server().await;
    let b = base.as_str();

    // lists: one page, every page, a cap
    let page = run(b, &key, &["users", "list", "--limit", "5"]).await;
    assert_eq!((page.code, page.json().as_array().map(Vec::len)), (0, Some(5)), "{}", page.stderr);
    let all = run(b, &key, &["users", "list", "--limit", "7", "--all", "-o", "ndjson"]).await;
    let total = run(b, &key, &["api", "GET", "/api/v1/users", "--query", "limit=1"]).await.json()["total_count"].as_u64().unwrap() as usize;
    assert!(total > 7, "more than one page");
    assert_eq!(all.stdout.lines().count(), total, "{}", all.stderr);
    let ids: Vec<i64> = all.stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
    let capped = run(b, &key, &["users", "list", "--all", "--max-items", "3", "-o", "ndjson"]).await;
    assert_eq!(capped.stdout.lines().count(), 3);

    // output formats
    let table = run(b, &key, &["helpdesk-tags", "list", "-o", "table"]).await;
    let header = table.stdout.lines().next().unwrap_or_default().to_owned();
    assert!(header.starts_with("ID") && header.contains("SLUG"), "{}", table.stdout);
    let yaml = run(b, &key, &["helpdesk-tags", "list", "-o", "yaml"]).await;
    let parsed: Value = serde_yaml::from_str(&yaml.stdout).unwrap();
    assert!(parsed.as_array().is_some_and(|a| !a.is_empty() && a[0]["slug"].is_string()), "{}", yaml.stdout);
    let single = run(b, &key, &["helpdesk-tags", "get", &parsed[0]["id"].to_string(), "-o", "table"]).await;
    assert!(single.stdout.lines().any(|l| l.starts_with("slug ")), "{}", single.stdout);

    // the helpdesk: create, reply with only a body (the key's reply), change the status
    let made = run(b, &key, &["helpdesk-tickets", "create", "--subject", "Printer on fire", "--body", "It is on fire.", "--requester-email", "ann@example.org"]).await;
    assert_eq!(made.code, 0, "{}", made.stderr);
    let reference = made.json()["reference"].as_str().unwrap().to_owned();
    let reply = run(b, &key, &["helpdesk-tickets", "reply", &reference, "--body", "Extinguisher on its way."]).await;
    assert_eq!((reply.code, reply.json()["author_kind"].as_str(), reply.json()["author_agent_id"].clone()), (0, Some("agent"), Value::Null), "{}", reply.stderr);
    let status = run(b, &key, &["helpdesk-tickets", "change-status", &reference, "--status", "solved"]).await;
    assert_eq!((status.code, status.json()["status"].as_str()), (0, Some("solved")), "{}", status.stderr);
    // a body from --json, a field flag overriding it
    let tag = run(b, &key, &["helpdesk-tags", "create", "--json", r##"{"slug":"fire","name":"Fire","color":"#ff0000"}"##, "--name", "Fire!"]).await;
    assert_eq!((tag.code, tag.json()["name"].as_str()), (0, Some("Fire!")), "{}", tag.stderr);
    // an Idempotency-Key given twice: the second answer is the first, replayed
    let once = run(b, &key, &["helpdesk-tags", "create", "--slug", "once", "--name", "Once", "--idempotency-key", "cli-once"]).await;
    let again = run(b, &key, &["helpdesk-tags", "create", "--slug", "once", "--name", "Once", "--idempotency-key", "cli-once"]).await;
    assert_eq!((once.code, again.code, once.json()["id"].clone()), (0, 0, again.json()["id"].clone()), "{}", again.stderr);

    // other surfaces
    for args in [
        vec!["learn-courses", "list"],
        vec!["know-pages", "list"],
        vec!["know-search", "search", "--q", "helpdesk"],
        vec!["webhooks", "list-endpoints"],
        vec!["reports", "list"],
        vec!["events", "list-types"],
        vec!["helpdesk-audit", "list-events", "--limit", "3"],
        vec!["learn-certificates", "list"],
    ] {
        let out = run(b, &key, &args).await;
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.json().is_array() || out.json().is_object(), "{args:?}");
    }
    let ai = run(b, &key, &["helpdesk-ai", "summarize-ticket", "--ticket-id", "1"]).await;
    assert_eq!((ai.code, ai.json()["error"].as_str()), (0, Some("no_key")), "the AI answer is printed whole: {}", ai.stdout);
    let doc = run(b, &key, &["meta", "get-openapi-document"]).await;
    assert!(doc.code == 0 && doc.stdout.starts_with("openapi: 3.0.3"), "raw answers print as they are");

    // exit codes and error lines
    let missing = run(b, &key, &["users", "get", "999999"]).await;
    assert_eq!(missing.code, 4);
    assert!(missing.stderr.starts_with("user_not_found: ") && missing.stderr.contains("(req_"), "{}", missing.stderr);
    let bad_key = run(b, "mc_live_nope", &["users", "list"]).await;
    assert_eq!(bad_key.code, 3, "{}", bad_key.stderr);
    let invalid = run(b, &key, &["helpdesk-tags", "create", "--slug", "x y", "--name", "X"]).await;
    assert_eq!(invalid.code, 5, "{}", invalid.stderr);
    let usage = run(b, &key, &["helpdesk-tags", "create", "--name", "No slug"]).await;
    assert!(usage.code == 2 && usage.stderr.contains("--slug"), "{}", usage.stderr);
    let unknown = run(b, &key, &["helpdesk-tags", "frobnicate"]).await;
    assert_eq!(unknown.code, 2);
    let tenant = mobieus_server::store::tenants::tenant_by_slug(&db, "demo").await.unwrap();
    let (_, slow) = key_create(&db, &NewKey { tenant_id: tenant.id, name: "slow".into(), scopes: vec!["users:read".into()], per_minute: 1, per_hour: 100 }).await.unwrap();
    assert_eq!(run(b, &slow, &["users", "list"]).await.code, 0);
    let limited = run(b, &slow, &["users", "list", "--no-retry"]).await;
    assert!(limited.code == 6 && limited.stderr.starts_with("rate_limited: "), "{} {}", limited.code, limited.stderr);
    let (_, reader) = key_create(&db, &NewKey { tenant_id: tenant.id, name: "reader".into(), scopes: vec!["users:read".into()], per_minute: 100, per_hour: 1000 }).await.unwrap();
    let forbidden = run(b, &reader, &["helpdesk-tags", "list"]).await;
    assert_eq!(forbidden.code, 3, "{}", forbidden.stderr);
    let down = run("http://127.0.0.1:9", &key, &["users", "list", "--no-retry"]).await;
    assert_eq!(down.code, 7, "{}", down.stderr);

    // `api`: any request
    let raw = run(b, &key, &["api", "GET", "/api/v1/users", "--query", "limit=2"]).await;
    assert_eq!(raw.json()["data"].as_array().map(Vec::len), Some(2));
    let posted = run(b, &key, &["api", "POST", "/api/v1/helpdesk/tags", "--data", r#"{"slug":"via-api","name":"Via API"}"#]).await;
    assert_eq!(posted.json()["data"]["slug"], "via-api", "{}", posted.stderr);
    let nope = run(b, &key, &["api", "GET", "/api/v1/nothing-here"]).await;
    assert_eq!(nope.code, 4, "{}", nope.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_keeps_a_profile_and_listen_verifies_a_real_delivery() {
    let (_server, base, key, _db) = demo_server().await;
    // login: the profile answers for --base-url and --key afterwards
    let home = std::env::temp_dir().join(format!("mobieus-login-{}", uuid::Uuid::new_v4()));
    let cli_home = home.clone();
    let cli = move |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mobieus"))
            .args(args)
            .env("XDG_CONFIG_HOME", &cli_home)
            .env_remove("MOBIEUS_API_KEY")
            .env_remove("MOBIEUS_BASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (b, h) = (base.clone(), key.clone());
    let wrong = tokio::task::spawn_blocking({
        let cli = cli.clone();
        move || cli(&["login", "--base-url", &b, "--key", "-"], "mc_live_wrong\n")
    })
    .await
    .unwrap();
    assert_eq!(wrong.0, 3, "a wrong key is not saved: {}", wrong.2);
    let b2 = base.clone();
    let saved = tokio::task::spawn_blocking({
        let cli = cli.clone();
        move || cli(&["login", "--base-url", &b2, "--key", "-"], &format!("{h}\n"))
    })
    .await
    .unwrap();
    assert_eq!(saved.0, 0, "{}", saved.2);
    let file = std::fs::read_to_string(home.join("mobieus/config.toml")).unwrap();
    assert!(file.contains("[default]") && file.contains(&base));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(home.join("mobieus/config.toml")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let listed = tokio::task::spawn_blocking({
        let cli = cli.clone();
        move || cli(&["users", "list", "--limit", "1"], "")
    })
    .await
    .unwrap();
    assert_eq!(listed.0, 0, "the profile's key and URL: {}", listed.2);

    // listen: an endpoint pointing at it, a test event sent by the server
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let made = run(&base, &key, &["webhooks", "create-endpoint", "--url", &format!("http://127.0.0.1:{port}/hooks"), "--event-types", "*"]).await;
    assert_eq!(made.code, 0, "{}", made.stderr);
    let secret = made.json()["secret"].as_str().unwrap().to_owned();
    let endpoint = made.json()["endpoint"]["id"].as_i64().unwrap();
    let mut listener = Command::new(env!("CARGO_BIN_EXE_mobieus"))
        .args(["webhooks", "listen", "--secret", &secret, "--port", &port.to_string(), "--count", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // wait until it listens
    let mut err = BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("listening"), "{line}");
    let sent = run(&base, &key, &["webhooks", "send-test", &endpoint.to_string()]).await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    // and a forged one, refused
    let forged = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/hooks"))
        .header("webhook-id", "msg_forged")
        .header("webhook-timestamp", chrono::Utc::now().timestamp().to_string())
        .header("webhook-signature", "v1,AAAA")
        .body("{}");
    // the server's delivery first (the worker sends it within seconds)
    let mut out = BufReader::new(listener.stdout.take().unwrap());
    let first = tokio::task::spawn_blocking(move || {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        (l, out)
    })
    .await
    .unwrap();
    let delivered: Value = serde_json::from_str(&first.0).unwrap();
    assert_eq!(delivered["verified"], true, "{delivered}");
    assert!(delivered["webhook_id"].as_str().is_some_and(|id| id.starts_with("msg_")), "{delivered}");
    let refused = forged.send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let mut out = first.1;
    let mut l = String::new();
    out.read_line(&mut l).unwrap();
    let second: Value = serde_json::from_str(&l).unwrap();
    assert_eq!(second["verified"], false, "{second}");
    assert!(listener.wait().unwrap().success());
}
