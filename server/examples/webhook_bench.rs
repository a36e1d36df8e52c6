//! Signed webhook deliveries per second to a loopback receiver (a benchmark,
//! not a test; `bench/webhook-deliveries.sh` runs it on a release build).
//!
//! Queues N events for one endpoint while no worker runs, then starts the
//! delivery workers and times until the receiver has verified all N
//! signatures. Prints the rate and checks no webhook-id arrived twice.
//!
//!   BENCH_DATABASE_URL=postgres://… webhook_bench [N] [WORKERS]

use std::time::{Duration, Instant};

use futures::StreamExt;
use mobieus_server::db::Db;
use mobieus_server::store::posts::post_create;
use mobieus_server::store::tenants::tenant_create;
use mobieus_server::store::users::{user_create, NewUser};
use mobieus_server::store::webhooks::endpoint_create;
use mobieus_server::testkit::{fresh_postgres, Receiver};
use mobieus_server::webhooks::{spawn_workers, WebhookSettings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let workers: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let url = match std::env::var("BENCH_DATABASE_URL") {
        Ok(u) => u,
        Err(_) => fresh_postgres("postgres://postgres@127.0.0.1:5432/postgres").await?,
    };
    let db = Db::connect(&url, 24).await?;
    let tenant = tenant_create(&db, "bench", "Bench", "pro").await?.id;
    let rx = Receiver::start(true).await;
    // sealed at rest as in production: every attempt opens the secret
    let secrets = mobieus_server::secrets::Keyring::new(Some(mobieus_server::secrets::MasterKey::parse(&"42".repeat(32))?), vec![]);
    let (_endpoint, secret) = endpoint_create(&db, &secrets, tenant, &rx.url("/hook"), &["post.created".to_owned()], None).await?;
    rx.set_secrets(&[&secret]);
    let author = user_create(&db, tenant, &NewUser { username: "bench".into(), display_name: "Bench".into(), email: None, role: "member".into() })
        .await?
        .id;

    let queued = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let db = db.clone();
            async move { post_create(&db, tenant, author, &format!("post {i}"), "body").await }
        })
        .buffer_unordered(16)
        .for_each(|r| async move {
            r.expect("queue an event");
        })
        .await;
    println!("queued {n} events (and their deliveries) in {:.1} s", queued.elapsed().as_secs_f64());

    let settings = WebhookSettings { workers, poll_interval: Duration::from_millis(20), ..WebhookSettings::default() };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    spawn_workers(db.clone(), settings.clone(), true, secrets.clone(), stop_rx);
    let done = rx.wait_for(600, |r| r.count() >= n).await;
    let secs = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let received = rx.received();
    let unverified = received.iter().filter(|r| r.verified_by != vec![0]).count();
    let ids = rx.by_id();
    let repeated = ids.values().filter(|c| **c > 1).count();
    println!(
        "backend {}: {} deliveries in {secs:.2} s = {:.0} signed deliveries/s ({workers} workers x batch {} x {} in flight); \
         unverified signatures: {unverified}; webhook-ids seen twice: {repeated}; complete: {done}",
        db.backend(),
        received.len(),
        received.len() as f64 / secs,
        settings.batch,
        settings.concurrency,
    );
    if !done || unverified > 0 || repeated > 0 {
        std::process::exit(1);
    }
    Ok(())
}
