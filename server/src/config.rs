//! How a server runs (from the command line or a test).

use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub database_url: String,
    /// `acme.<base_domain>` is tenant `acme`; when set, a Host naming another
    /// tenant than the key's is refused.
    pub base_domain: Option<String>,
    pub allow_private_webhooks: bool,
    /// How long an authenticated key is trusted without a lookup; revocation
    /// takes effect within this time.
    pub key_cache_ttl: Duration,
    /// How often this process's rate-limit counts are added to the shared
    /// store and the other processes' read back (the tolerance openapi.yaml
    /// states).
    pub rate_limit_reconcile: Duration,
    pub max_connections: u32,
    /// Largest request body unless an operation says otherwise.
    pub body_limit_bytes: usize,
    /// How long an answer may wait on a client that acknowledges none of
    /// it (one that never reads) before its connection is ended (net.rs).
    pub send_timeout: Duration,
    /// Webhook delivery (workers, retry policy, timeouts).
    pub webhooks: crate::webhooks::WebhookSettings,
    /// Event streams: the idle heartbeat, and how often a stream looks for
    /// events other processes wrote (this process's writes wake it at once).
    pub stream_heartbeat: Duration,
    pub stream_poll: Duration,
    /// mobieusAI: the provider call timeout and Anthropic's base URL.
    pub ai: crate::ai::AiConfig,
    /// The master keys that seal secrets at rest (webhook signing secrets,
    /// provider keys).
    pub secrets: crate::secrets::Keyring,
}

impl ServerConfig {
    /// Twice the cores, at least 4: more connections than the database can
    /// run at once only add context switches (on 2 cores, 16 gave 20% less
    /// throughput and a p99 half again as long as 8; bench/RESULTS.md).
    pub fn default_db_connections() -> u32 {
        let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(2);
        (2 * cores).clamp(4, 32)
    }

    pub fn new(database_url: impl Into<String>) -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".parse().expect("literal address"),
            database_url: database_url.into(),
            base_domain: None,
            allow_private_webhooks: false,
            key_cache_ttl: Duration::from_secs(5),
            rate_limit_reconcile: Duration::from_millis(250),
            max_connections: Self::default_db_connections(),
            body_limit_bytes: 1024 * 1024,
            send_timeout: Duration::from_secs(60),
            webhooks: crate::webhooks::WebhookSettings::default(),
            stream_heartbeat: Duration::from_secs(15),
            stream_poll: Duration::from_millis(500),
            ai: crate::ai::AiConfig::default(),
            secrets: crate::secrets::Keyring::default(),
        }
    }
}
