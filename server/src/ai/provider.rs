//! The model providers, over real HTTP: Anthropic's Messages API and any
//! OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp's server,
//! Ollama, a hosted one). One call is bounded by a timeout; a 429, 503 or
//! 529 is retried once after the provider's `retry-after` (at most
//! [`MAX_RETRY_WAIT`]); the provider's own error text is logged, never
//! passed on.

use std::time::Duration;

use serde_json::{json, Value};

/// Anthropic's API version header.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
pub const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const DEFAULT_MODEL: &str = "claude-haiku-4-5-20251001";
/// The longest `retry-after` honoured; a provider asking for more is an
/// error now rather than a request held open.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Anthropic,
    OpenAiCompatible,
}

impl ProviderKind {
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenAiCompatible => "openai-compatible",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "anthropic" => Some(ProviderKind::Anthropic),
            "openai-compatible" => Some(ProviderKind::OpenAiCompatible),
            _ => None,
        }
    }
}

/// Where and how to call: the provider, its base URL, the model and the
/// tenant's key (opened, in memory only for the call).
#[derive(Clone)]
pub struct Endpoint {
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    pub key: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("kind", &self.kind).field("base_url", &self.base_url).field("model", &self.model).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// What is sent: a system prompt and the turns after it.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub system: String,
    pub turns: Vec<(Role, String)>,
}

/// The model's answer and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// No answer within the call's timeout.
    Timeout,
    /// The provider answered this status (after the one retry, if any).
    Status(u16),
    /// The connection failed.
    Transport(String),
    /// A 2xx whose body is not the provider's answer shape.
    Unreadable(String),
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::Timeout => write!(f, "the provider did not answer in time"),
            ProviderError::Status(s) => write!(f, "the provider answered {s}"),
            ProviderError::Transport(e) => write!(f, "the provider could not be reached: {e}"),
            ProviderError::Unreadable(e) => write!(f, "the provider's answer could not be read: {e}"),
        }
    }
}

/// The request for `endpoint`: its URL, headers and JSON body.
pub fn request(endpoint: &Endpoint, conv: &Conversation, max_tokens: u32) -> (String, Vec<(&'static str, String)>, Value) {
    let base = endpoint.base_url.trim_end_matches('/');
    let role = |r: Role| match r {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    match endpoint.kind {
        ProviderKind::Anthropic => {
            let messages: Vec<Value> = conv.turns.iter().map(|(r, t)| json!({ "role": role(*r), "content": t })).collect();
            let mut headers = vec![("anthropic-version", ANTHROPIC_VERSION.to_owned())];
            if let Some(k) = &endpoint.key {
                headers.push(("x-api-key", k.clone()));
            }
            let body = json!({ "model": endpoint.model, "max_tokens": max_tokens, "system": conv.system, "messages": messages });
            (format!("{base}/v1/messages"), headers, body)
        }
        ProviderKind::OpenAiCompatible => {
            let mut messages = vec![json!({ "role": "system", "content": conv.system })];
            messages.extend(conv.turns.iter().map(|(r, t)| json!({ "role": role(*r), "content": t })));
            let headers = endpoint.key.iter().map(|k| ("authorization", format!("Bearer {k}"))).collect();
            let body = json!({ "model": endpoint.model, "max_tokens": max_tokens, "messages": messages });
            (format!("{base}/chat/completions"), headers, body)
        }
    }
}

/// Reads a provider's 2xx body.
pub fn read_answer(kind: ProviderKind, body: &Value) -> Result<Completion, ProviderError> {
    let tokens = |v: &Value| v.as_i64().unwrap_or(0).max(0);
    match kind {
        ProviderKind::Anthropic => {
            let blocks = body["content"].as_array().ok_or_else(|| ProviderError::Unreadable("no content".into()))?;
            let text: String = blocks.iter().filter(|b| b["type"] == "text").filter_map(|b| b["text"].as_str()).collect();
            Ok(Completion { text, prompt_tokens: tokens(&body["usage"]["input_tokens"]), completion_tokens: tokens(&body["usage"]["output_tokens"]) })
        }
        ProviderKind::OpenAiCompatible => {
            let text = body["choices"][0]["message"]["content"].as_str().ok_or_else(|| ProviderError::Unreadable("no choices[0].message.content".into()))?;
            Ok(Completion { text: text.to_owned(), prompt_tokens: tokens(&body["usage"]["prompt_tokens"]), completion_tokens: tokens(&body["usage"]["completion_tokens"]) })
        }
    }
}

/// Whether a status is worth one retry: rate-limited (429), unavailable
/// (503), overloaded (Anthropic's 529).
fn retryable(status: u16) -> bool {
    matches!(status, 429 | 503 | 529)
}

/// `retry-after` in seconds (the HTTP-date form is read as "soon": 1 s).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0).map(Duration::from_secs_f64).unwrap_or(Duration::from_secs(1)))
        .unwrap_or(Duration::from_secs(1))
}

/// One completion: a call bounded by `timeout`, and one retry when the
/// provider asks for it within [`MAX_RETRY_WAIT`].
pub async fn complete(http: &reqwest::Client, endpoint: &Endpoint, conv: &Conversation, max_tokens: u32, timeout: Duration) -> Result<Completion, ProviderError> {
    let (url, headers, body) = request(endpoint, conv, max_tokens);
    let mut retried = false;
    loop {
        let mut rb = http.post(&url).timeout(timeout).json(&body);
        for (name, value) in &headers {
            rb = rb.header(*name, value);
        }
        let response = match rb.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(ProviderError::Timeout),
            Err(e) => return Err(ProviderError::Transport(without_url(&e))),
        };
        let status = response.status().as_u16();
        if retryable(status) && !retried {
            let wait = retry_after(response.headers());
            if wait <= MAX_RETRY_WAIT {
                retried = true;
                tokio::time::sleep(wait).await;
                continue;
            }
        }
        if !(200..300).contains(&status) {
            let excerpt: String = response.text().await.unwrap_or_default().chars().take(300).collect();
            tracing::warn!(provider = endpoint.kind.name(), status, body = %excerpt, "model provider refused the call");
            return Err(ProviderError::Status(status));
        }
        let answer: Value = match response.json().await {
            Ok(v) => v,
            Err(e) if e.is_timeout() => return Err(ProviderError::Timeout),
            Err(e) => return Err(ProviderError::Unreadable(without_url(&e))),
        };
        return read_answer(endpoint.kind, &answer);
    }
}

/// reqwest's error text without the URL (a self-hosted endpoint's address
/// is the tenant's business, and logs are shared).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<provider>");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv() -> Conversation {
        Conversation { system: "be brief".into(), turns: vec![(Role::User, "hi".into()), (Role::Assistant, "{".into()), (Role::User, "again".into())] }
    }

    #[test]
    fn anthropic_requests_carry_the_key_version_model_and_system() {
        let e = Endpoint { kind: ProviderKind::Anthropic, base_url: "https://api.anthropic.com/".into(), model: "m".into(), key: Some("k".into()) };
        let (url, headers, body) = request(&e, &conv(), 500);
        assert_eq!(url, "https://api.anthropic.com/v1/messages");
        assert!(headers.contains(&("x-api-key", "k".into())) && headers.contains(&("anthropic-version", ANTHROPIC_VERSION.into())));
        assert_eq!(body["system"], "be brief");
        assert_eq!(body["max_tokens"], 500);
        assert_eq!(body["messages"][1], json!({ "role": "assistant", "content": "{" }));
        assert!(!format!("{e:?}").contains("\"k\""), "the key is not in debug output");
    }

    #[test]
    fn openai_compatible_requests_put_the_system_prompt_first_and_the_key_optional() {
        let e = Endpoint { kind: ProviderKind::OpenAiCompatible, base_url: "http://10.0.0.5:8000/v1".into(), model: "llama".into(), key: None };
        let (url, headers, body) = request(&e, &conv(), 100);
        assert_eq!(url, "http://10.0.0.5:8000/v1/chat/completions");
        assert!(headers.is_empty());
        assert_eq!(body["messages"][0], json!({ "role": "system", "content": "be brief" }));
        assert_eq!(body["messages"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn answers_are_read_with_their_token_counts() {
        let a = json!({ "content": [{ "type": "text", "text": "he" }, { "type": "text", "text": "llo" }], "usage": { "input_tokens": 12, "output_tokens": 3 } });
        assert_eq!(read_answer(ProviderKind::Anthropic, &a).unwrap(), Completion { text: "hello".into(), prompt_tokens: 12, completion_tokens: 3 });
        let o = json!({ "choices": [{ "message": { "role": "assistant", "content": "yes" } }], "usage": { "prompt_tokens": 7, "completion_tokens": 1 } });
        assert_eq!(read_answer(ProviderKind::OpenAiCompatible, &o).unwrap(), Completion { text: "yes".into(), prompt_tokens: 7, completion_tokens: 1 });
        assert!(matches!(read_answer(ProviderKind::OpenAiCompatible, &json!({})), Err(ProviderError::Unreadable(_))));
    }
}
