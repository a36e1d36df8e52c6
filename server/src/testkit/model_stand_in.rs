//! A model provider's stand-in on loopback for tests: a minimal HTTP/1.1
//! server that records every request (path, headers, JSON body) and answers
//! from a script (status, headers, body, an optional delay), so a test can
//! check what the server sent and make the provider answer malformed JSON,
//! a 429, a 500 or too slowly. Each answer closes its connection.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Scripted {
    /// Anthropic's Messages answer carrying `text`.
    pub fn anthropic(text: &str, input_tokens: i64, output_tokens: i64) -> Self {
        let body = json!({ "id": "msg_test", "type": "message", "role": "assistant", "model": "stand-in", "content": [{ "type": "text", "text": text }],
            "stop_reason": "end_turn", "usage": { "input_tokens": input_tokens, "output_tokens": output_tokens } });
        Scripted { status: 200, headers: vec![], body: body.to_string(), delay: Duration::ZERO }
    }

    /// An OpenAI-compatible chat completion carrying `text`.
    pub fn openai(text: &str, prompt_tokens: i64, completion_tokens: i64) -> Self {
        let body = json!({ "id": "chatcmpl-test", "object": "chat.completion", "model": "stand-in",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens } });
        Scripted { status: 200, headers: vec![], body: body.to_string(), delay: Duration::ZERO }
    }

    /// An error status with a provider-style body.
    pub fn status(status: u16, retry_after: Option<&str>) -> Self {
        let headers = retry_after.map(|r| vec![("retry-after".to_owned(), r.to_owned())]).unwrap_or_default();
        let body = json!({ "type": "error", "error": { "type": "stand_in_error", "message": "internal detail the API must not pass on" } });
        Scripted { status, headers, body: body.to_string(), delay: Duration::ZERO }
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Lower-cased names.
    pub headers: HashMap<String, String>,
    pub body: Value,
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Scripted>>,
    seen: Mutex<Vec<Seen>>,
}

#[derive(Clone)]
pub struct ModelStandIn {
    pub addr: std::net::SocketAddr,
    state: Arc<State>,
}

impl ModelStandIn {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State::default());
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve_one(socket, &s).await;
                });
            }
        });
        ModelStandIn { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues answers, answered in order (an empty script answers 500).
    pub fn script(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.state.script.lock().expect("script").extend(answers);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("seen").clone()
    }

    /// The user turns' text of the `n`th request (every message's content).
    pub fn prompt_of(&self, n: usize) -> String {
        let seen = self.seen();
        let body = &seen[n].body;
        let mut text = body["system"].as_str().unwrap_or_default().to_owned();
        for m in body["messages"].as_array().into_iter().flatten() {
            text.push('\n');
            text.push_str(m["content"].as_str().unwrap_or_default());
        }
        text
    }
}

async fn serve_one(socket: tokio::net::TcpStream, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket);
    let Some(request) = super::http1::read_request(&mut reader).await? else { return Ok(()) };
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    state.seen.lock().expect("seen").push(Seen { method: request.method, path: request.path, headers: request.headers, body });
    let answer = state.script.lock().expect("script").pop_front().unwrap_or_else(|| Scripted::status(500, None));
    tokio::time::sleep(answer.delay).await;
    let reason = match answer.status {
        200 => "OK",
        429 => "Too Many Requests",
        _ => "Status",
    };
    let mut out = format!("HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n", answer.status, answer.body.len());
    for (k, v) in &answer.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&answer.body);
    let mut socket = reader.into_inner();
    socket.write_all(out.as_bytes()).await?;
    socket.shutdown().await
}
