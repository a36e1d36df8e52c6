//! `mobieus webhooks listen`: a local receiver for webhook deliveries that
//! verifies each one (Standard Webhooks signature, 5-minute timestamp
//! tolerance, replayed ids refused), prints it as one JSON line, answers
//! 204 (or 401 when it does not verify), and optionally forwards verified
//! deliveries, headers and body unchanged, to a local URL.

use std::net::SocketAddr;

use mobieus_client::webhook::Verifier;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The largest delivery body read (a delivery is one event).
const MAX_BODY: usize = 1024 * 1024;

pub struct Listen {
    pub secrets: Vec<String>,
    pub bind: SocketAddr,
    pub forward_to: Option<String>,
    /// Stop after this many requests (for scripts and tests).
    pub count: Option<usize>,
}

struct Delivery {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Delivery {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or_default()
    }
}

async fn read(socket: &mut BufReader<tokio::net::TcpStream>) -> std::io::Result<Option<Delivery>> {
    let mut line = String::new();
    if socket.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if socket.read_line(&mut h).await? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    if length > MAX_BODY {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "body too large"));
    }
    let mut body = vec![0u8; length];
    socket.read_exact(&mut body).await?;
    Ok(Some(Delivery { headers, body }))
}

pub async fn run(l: Listen) -> Result<(), String> {
    let listener = TcpListener::bind(l.bind).await.map_err(|e| format!("{}: {e}", l.bind))?;
    eprintln!("listening on http://{} (Ctrl-C to stop)", listener.local_addr().map_err(|e| e.to_string())?);
    let verifier = Verifier::new(l.secrets.clone());
    let http = reqwest::Client::new();
    let mut handled = 0;
    while l.count.is_none_or(|c| handled < c) {
        let (socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut socket = BufReader::new(socket);
        let Ok(Some(d)) = read(&mut socket).await else { continue };
        handled += 1;
        let verdict = verifier.verify(d.header("webhook-id"), d.header("webhook-timestamp"), d.header("webhook-signature"), &d.body);
        let payload: Value = serde_json::from_slice(&d.body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&d.body).into_owned()));
        let mut line = json!({
            "webhook_id": d.header("webhook-id"), "timestamp": d.header("webhook-timestamp"),
            "verified": verdict.is_ok(), "payload": payload,
        });
        if let Err(e) = &verdict {
            line["error"] = json!(e.to_string());
        }
        if let (Ok(()), Some(url)) = (&verdict, &l.forward_to) {
            let mut rb = http.post(url).body(d.body.clone());
            for (k, v) in d.headers.iter().filter(|(k, _)| k.to_ascii_lowercase().starts_with("webhook-") || k.eq_ignore_ascii_case("content-type")) {
                rb = rb.header(k.as_str(), v.as_str());
            }
            line["forwarded"] = match rb.send().await {
                Ok(r) => json!(r.status().as_u16()),
                Err(e) => json!(format!("failed: {}", e.without_url())),
            };
        }
        println!("{line}");
        let status = if verdict.is_ok() { "204 No Content" } else { "401 Unauthorized" };
        let mut socket = socket.into_inner();
        let _ = socket.write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes()).await;
        let _ = socket.shutdown().await;
    }
    Ok(())
}
