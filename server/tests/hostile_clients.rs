//! Slow and hostile clients against a `serve` process: 10,000 idle
//! connections, a body sent a byte at a time, a client that never reads its
//! answers, and a body far longer than its `Content-Length` says. The server
//! keeps answering others while they hold on, and what they held is bounded
//! and let go. Resident memory is read from /proc before, during and after
//! (printed; the bounds asserted are generous, the figures go to
//! bench/RESULTS.md).

mod common;

use std::time::{Duration, Instant};

use common::{unlimited_key, ServerProcess};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IDLE: usize = 10_000;

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches("kB").trim().parse().unwrap();
    kb / 1024.0
}

/// Open file descriptors of a process (its sockets among them).
fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// A well-behaved client's request answers, and how long it took.
async fn served(http: &reqwest::Client, server: &ServerProcess, key: &str) -> Duration {
    let started = Instant::now();
    let r = http.get(server.url("/api/v1/helpdesk/tags")).bearer_auth(key).send().await.expect("served");
    assert_eq!(r.status(), 200);
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_and_hostile_clients_hold_little_and_others_are_served() {
    let db = mobieus_server::testkit::fresh_sqlite();
    let key = unlimited_key(&db);
    let server = ServerProcess::start(&db, &[]).await;
    let pid = server.child.id();
    let addr = format!("127.0.0.1:{}", server.port);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    for _ in 0..50 {
        served(&http, &server, &key).await;
    }
    let baseline = rss_mib(pid);

    // 10,000 idle connections: opened, never a byte sent
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    // accepted (each one a descriptor and a task in the server)
    let deadline = Instant::now() + Duration::from_secs(10);
    while fds(pid) < IDLE && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let while_idle = served(&http, &server, &key).await;
    let (rss_idle, fds_idle) = (rss_mib(pid), fds(pid));
    assert!(fds_idle >= IDLE, "the server holds the idle connections ({fds_idle} descriptors)");
    drop(idle);

    // a body a byte at a time, a client that never reads, a body longer than it says
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/helpdesk/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut never_reads = TcpStream::connect(&addr).await.unwrap();
    let pipelined = "GET /api/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    never_reads.write_all(pipelined.as_bytes()).await.unwrap();
    // the lie: a request whose Content-Length covers its JSON, then 1 GiB more
    let mut liar = TcpStream::connect(&addr).await.unwrap();
    let json = r#"{"slug":"lie","name":"Lie"}"#;
    let lie = format!(
        "POST /api/v1/helpdesk/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    );
    liar.write_all(lie.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), liar.read(&mut answer)).await.expect("answered").unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 201"), "the request its length covers is answered: {answer}");
    let chunk = vec![b'x'; 1 << 20];
    let mut pushed = 0usize;
    let mut worst = Duration::ZERO;
    for i in 0..1024 {
        match tokio::time::timeout(Duration::from_secs(2), liar.write_all(&chunk)).await {
            Ok(Ok(())) => pushed += chunk.len(),
            _ => break,
        }
        if i % 64 == 0 {
            // the slow client's next byte, and someone else served
            let _ = slow.write_all(b" ").await;
            worst = worst.max(served(&http, &server, &key).await);
        }
    }
    let rss_hostile = rss_mib(pid);
    assert!(pushed < 512 << 20, "the server stopped taking the lie's bytes ({} MiB taken)", pushed >> 20);
    for _ in 0..20 {
        let _ = slow.write_all(b" ").await;
        worst = worst.max(served(&http, &server, &key).await);
    }
    drop((slow, never_reads, liar));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = served(&http, &server, &key).await;
    let (rss_after, fds_after) = (rss_mib(pid), fds(pid));
    eprintln!(
        "RSS MiB: baseline {baseline:.1}, with {IDLE} idle connections {rss_idle:.1} ({fds_idle} fds), \
         with slow/non-reading/lying clients {rss_hostile:.1}, after {rss_after:.1} ({fds_after} fds); \
         lie: {} MiB taken; a request took {while_idle:?} beside the idle ones, at worst {worst:?} beside the rest, {after:?} after",
        pushed >> 20
    );
    assert!(rss_idle - baseline < 400.0, "10k idle connections cost {:.0} MiB", rss_idle - baseline);
    assert!(rss_hostile - baseline < 400.0, "hostile clients cost {:.0} MiB", rss_hostile - baseline);
    assert!(fds_after < 200, "connections let go: {fds_after} descriptors open");
}

/// A body trickled slower than the minimum rate (240 bytes a second after
/// 5 seconds' grace) is answered `408 request_timeout`, its connection is
/// closed, and nothing is stored.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_slower_than_the_minimum_rate_is_refused_and_its_connection_closed() {
    let db = mobieus_server::testkit::fresh_sqlite();
    let key = unlimited_key(&db);
    let server = ServerProcess::start(&db, &[]).await;
    let json = r#"{"slug":"trickle","name":"Trickle"}"#;
    let mut slow = TcpStream::connect(format!("127.0.0.1:{}", server.port)).await.unwrap();
    let head = format!(
        "POST /api/v1/helpdesk/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        json.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let mut sent = 0;
    // a byte every 300 ms (3 bytes a second) until the server answers
    let closed = loop {
        if sent < json.len() {
            let _ = slow.write_all(&json.as_bytes()[sent..sent + 1]).await;
            sent += 1;
        }
        match tokio::time::timeout(Duration::from_millis(300), slow.read(&mut buf)).await {
            Ok(Ok(0)) => break true,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Ok(Err(_)) => break true,
            Err(_) => {}
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no answer after 20 s: {}", String::from_utf8_lossy(&answer));
    };
    let waited = started.elapsed();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(closed, "the connection is closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(waited >= Duration::from_secs(5) && waited < Duration::from_secs(9), "answered after {waited:?}");
    eprintln!("a body at 3 bytes a second: 408 after {waited:?}, {sent} of {} bytes sent", json.len());
    let listed = reqwest::Client::new().get(server.url("/api/v1/helpdesk/tags")).bearer_auth(&key).send().await.unwrap();
    let tags = listed.text().await.unwrap();
    assert!(tags.contains("\"data\"") && !tags.contains("trickle"), "nothing stored: {tags}");
}

/// Clients that never read their answers are let go once the send timeout
/// passes with nothing acknowledged (TCP_USER_TIMEOUT on the listener):
/// their connections, and the answers waiting in them, are freed while
/// everyone else is served.
#[tokio::test(flavor = "multi_thread")]
async fn clients_that_never_read_are_let_go_after_the_send_timeout() {
    const READERS_NOT: usize = 20;
    let db = mobieus_server::testkit::fresh_sqlite();
    let key = unlimited_key(&db);
    let server = ServerProcess::start(&db, &["--send-timeout-secs", "2"]).await;
    let pid = server.child.id();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    served(&http, &server, &key).await;
    let baseline = fds(pid);

    let addr = format!("127.0.0.1:{}", server.port).parse().unwrap();
    let pipelined = "GET /api/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50);
    let mut never_read = Vec::new();
    for _ in 0..READERS_NOT {
        // a small receive window, so that the answers stop at once
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(addr).await.unwrap();
        stream.write_all(pipelined.as_bytes()).await.unwrap();
        never_read.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = fds(pid);
    assert!(held >= baseline + READERS_NOT, "the server holds the clients that do not read ({held} descriptors, {baseline} before)");

    let started = Instant::now();
    while fds(pid) > baseline + 2 {
        assert!(started.elapsed() < Duration::from_secs(20), "still {} descriptors ({baseline} before) after 20 s", fds(pid));
        served(&http, &server, &key).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("{READERS_NOT} clients that never read: held {held} descriptors, let go {:?} later (send timeout 2 s)", started.elapsed());
    served(&http, &server, &key).await;
    drop(never_read);
}
