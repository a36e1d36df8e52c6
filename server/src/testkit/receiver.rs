//! A webhook receiver on loopback for tests and the delivery benchmark: a
//! minimal HTTP/1.1 server (keep-alive, Content-Length bodies) that verifies
//! Standard Webhooks signatures against the secrets it is given and records
//! every delivery it sees.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub webhook_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// Which of the receiver's secrets verified it (indexes into `secrets`).
    pub verified_by: Vec<usize>,
    pub status_sent: u16,
}

#[derive(Default)]
struct State {
    secrets: Mutex<Vec<String>>,
    received: Mutex<Vec<Received>>,
    /// Answer this status to the next `fail_next` requests, then 200.
    fail_status: AtomicU16,
    fail_next: AtomicUsize,
    count: AtomicUsize,
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl Receiver {
    /// Listens on 127.0.0.1 (a free port); `record` false keeps only counts
    /// (the benchmark).
    pub async fn start(record: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State::default());
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, state, record).await;
                });
            }
        });
        Receiver { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set_secrets(&self, secrets: &[&str]) {
        *self.state.secrets.lock().unwrap() = secrets.iter().map(|s| s.to_string()).collect();
    }

    /// The next `n` requests get `status` (e.g. 500), then 200 again.
    pub fn fail_next(&self, n: usize, status: u16) {
        self.state.fail_status.store(status, Ordering::SeqCst);
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// How many requests each webhook-id got.
    pub fn by_id(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for r in self.received() {
            *m.entry(r.webhook_id).or_insert(0) += 1;
        }
        m
    }

    /// Waits (up to `secs`) until `pred` holds.
    pub async fn wait_for(&self, secs: u64, pred: impl Fn(&Receiver) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
        while tokio::time::Instant::now() < deadline {
            if pred(self) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        pred(self)
    }
}

async fn serve(socket: tokio::net::TcpStream, state: Arc<State>, record: bool) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    while let Some(request) = super::http1::read_request(&mut reader).await? {
        let (headers, body) = (request.headers, request.body);
        let failing = state.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        let status = if failing { state.fail_status.load(Ordering::SeqCst) } else { 200 };
        if record {
            let get = |k: &str| headers.get(k).cloned().unwrap_or_default();
            let (id, ts, sig) = (get("webhook-id"), get("webhook-timestamp"), get("webhook-signature"));
            let now = chrono::Utc::now().timestamp();
            let verified_by = state
                .secrets
                .lock()
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(_, s)| mobieus_api::webhook::verify_webhook(s, &id, &ts, &sig, &body, now, 300).is_ok())
                .map(|(i, _)| i)
                .collect();
            state.received.lock().unwrap().push(Received {
                webhook_id: id,
                timestamp: ts,
                signature: sig,
                body: String::from_utf8_lossy(&body).into_owned(),
                verified_by,
                status_sent: status,
            });
        }
        // counted once recorded, so a waiter that sees the count sees the record
        state.count.fetch_add(1, Ordering::SeqCst);
        let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 9\r\ncontent-type: text/plain\r\n\r\nreceived\n");
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}
