//! An idle server does no work: with nothing to deliver and nothing being
//! written, its delivery worker and an open event stream only poll. (A
//! delivery claim that found nothing used to wake the worker that made it,
//! which claimed again at once: a core spent forever on an empty outbox.)

mod common;

use std::time::Duration;

use common::{admin, databases, ServerProcess};
use futures::StreamExt;

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_server_uses_almost_no_cpu() {
    for db in databases().await {
        admin(&db, &["tenant", "create", "idle"]);
        let key = admin(&db, &["key", "create", "--tenant", "idle", "--scopes", "all"])["secret"].as_str().unwrap().to_owned();
        let server = ServerProcess::start(&db, &[]).await;
        // one open event stream, read as it arrives
        let stream = reqwest::Client::new().get(server.url("/api/v1/events/stream")).bearer_auth(&key).send().await.unwrap();
        assert_eq!(stream.status(), 200);
        let mut body = stream.bytes_stream();
        let reader = tokio::spawn(async move { while let Some(Ok(_)) = body.next().await {} });
        tokio::time::sleep(Duration::from_millis(500)).await;

        let before = server.cpu_time();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let used = server.cpu_time() - before;
        eprintln!("{db}: an idle server used {used:?} of CPU in 3 s");
        // polling twice a second costs a few milliseconds; the old spin used
        // the whole window (3 s of CPU and more)
        assert!(used < Duration::from_millis(300), "{db}: an idle server used {used:?} of CPU in 3 s");
        reader.abort();
    }
}
