//! The admin subcommands, run as the binary users run.

mod common;

use common::admin_run as run;

#[test]
fn tenants_and_keys_from_the_command_line() {
    let db = mobieus_server::testkit::fresh_sqlite();
    let (ok, t, err) = run(&db, &["tenant", "create", "acme", "--plan", "pro", "--name", "Acme Inc"]);
    assert!(ok, "{err}");
    assert_eq!((t["slug"].as_str(), t["plan"].as_str(), t["name"].as_str()), (Some("acme"), Some("pro"), Some("Acme Inc")));
    let (ok, _, err) = run(&db, &["tenant", "create", "acme"]);
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, _, err) = run(&db, &["tenant", "create", "x", "--plan", "gold"]);
    assert!(!ok && err.contains("unknown plan"), "{err}");
    let (ok, t, _) = run(&db, &["tenant", "set-plan", "acme", "sovereign"]);
    assert!(ok);
    assert_eq!(t["plan"], "sovereign");
    let (_, list, _) = run(&db, &["tenant", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);

    let (ok, key, err) = run(&db, &["key", "create", "--tenant", "acme", "--scopes", "users:read,events:read", "--per-minute", "5"]);
    assert!(ok, "{err}");
    let secret = key["secret"].as_str().unwrap();
    assert!(secret.starts_with("mc_live_") && secret.len() > 30);
    assert!(key["id"].is_i64());
    assert_eq!(key["per_minute"], 5);
    assert!(secret.starts_with(key["prefix"].as_str().unwrap()));
    let (ok, _, err) = run(&db, &["key", "create", "--tenant", "acme", "--scopes", "users:write"]);
    assert!(!ok && err.contains("unknown scope"), "{err}");
    let (_, all, _) = run(&db, &["key", "create", "--tenant", "acme", "--scopes", "all"]);
    assert_eq!(all["scopes"].as_array().unwrap().len(), 19);

    let id = key["id"].as_i64().unwrap().to_string();
    let (ok, rotated, _) = run(&db, &["key", "rotate", &id, "--grace-seconds", "60"]);
    assert!(ok);
    assert_ne!(rotated["secret"], key["secret"]);
    assert!(rotated["replaces"]["expires_at"].is_string());
    let (ok, revoked, _) = run(&db, &["key", "revoke", &id]);
    assert!(ok && revoked["revoked_at"].is_string());
    let (_, keys, _) = run(&db, &["key", "list", "--tenant", "acme"]);
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k.get("secret").is_none() && k.get("secret_hash").is_none()), "secrets are never listed");

    let (ok, demo, err) = run(&db, &["demo"]);
    assert!(ok, "{err}");
    assert_eq!(demo["tenant"], "demo");
    assert_eq!(demo["seeded"], true);
    let (_, again, _) = run(&db, &["demo"]);
    assert_eq!(again["seeded"], false, "seeding happens once");
    assert_ne!(again["key"], demo["key"], "a fresh key each time");
}

/// `secrets rotate-master-key` as operators run it: the demo's webhook
/// secret sealed by key A is resealed by B (given A as previous), a second
/// run finds it current, and a run not given B cannot open it.
#[test]
fn the_master_key_rotates_from_the_command_line() {
    use common::admin_run_with;
    let db = mobieus_server::testkit::fresh_sqlite();
    let (a, b, c) = ("aa".repeat(32), "bb".repeat(32), "cc".repeat(32));
    let (ok, _, err) = admin_run_with(&db, &["secrets", "rotate-master-key"], &[]);
    assert!(!ok && err.contains("MOBIEUS_MASTER_KEY is not set"), "{err}");
    let (ok, _, err) = admin_run_with(&db, &["demo"], &[("MOBIEUS_MASTER_KEY", &a)]);
    assert!(ok, "{err}");
    let (ok, report, err) = admin_run_with(&db, &["secrets", "rotate-master-key"], &[("MOBIEUS_MASTER_KEY", &b), ("MOBIEUS_MASTER_KEY_PREVIOUS", &a)]);
    assert!(ok, "{err}");
    assert_eq!(report["webhook_secrets"]["resealed"], 1, "{report}");
    let (ok, again, _) = admin_run_with(&db, &["secrets", "rotate-master-key"], &[("MOBIEUS_MASTER_KEY", &b)]);
    assert!(ok);
    assert_eq!((again["webhook_secrets"]["resealed"].as_u64(), again["webhook_secrets"]["already_current"].as_u64()), (Some(0), Some(1)), "{again}");
    let (ok, _, err) = admin_run_with(&db, &["secrets", "rotate-master-key"], &[("MOBIEUS_MASTER_KEY", &c), ("MOBIEUS_MASTER_KEY_PREVIOUS", &a)]);
    assert!(!ok && err.contains("not given") && !err.contains(&b), "{err}");
    let (ok, _, err) = admin_run_with(&db, &["secrets", "rotate-master-key"], &[("MOBIEUS_MASTER_KEY", "short")]);
    assert!(!ok && err.contains("32 bytes"), "{err}");
}
