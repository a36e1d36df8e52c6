//! mobieusAI support assists: the eight helpdesk hooks on the tenant's own
//! model provider. `hooks` runs each one (gate, data, prompt, model, check,
//! usage) through [`session::Session`]; the rest is pure: the provider
//! protocols, prompts, answer checks, clustering (keys are sealed by `crate::secrets`).

pub mod answer;
pub mod cluster;
pub mod hooks;
pub mod prompt;
pub mod provider;
pub mod session;

use std::time::Duration;

/// The hooks, in the catalogue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    ReplySuggest,
    Summary,
    Categorize,
    Sentiment,
    ResolutionPredict,
    CannedGenerate,
    KnowledgeGaps,
    AuditQa,
}

impl Hook {
    pub const ALL: [Hook; 8] =
        [Hook::ReplySuggest, Hook::Summary, Hook::Categorize, Hook::Sentiment, Hook::ResolutionPredict, Hook::CannedGenerate, Hook::KnowledgeGaps, Hook::AuditQa];

    /// The name in paths, settings and the usage log.
    pub fn name(self) -> &'static str {
        match self {
            Hook::ReplySuggest => "reply-suggest",
            Hook::Summary => "summary",
            Hook::Categorize => "categorize",
            Hook::Sentiment => "sentiment",
            Hook::ResolutionPredict => "resolution-predict",
            Hook::CannedGenerate => "canned-generate",
            Hook::KnowledgeGaps => "knowledge-gaps",
            Hook::AuditQa => "audit-qa",
        }
    }

    pub fn parse(name: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|h| h.name() == name.trim())
    }

    /// The most tokens an answer may take.
    pub fn max_tokens(self) -> u32 {
        match self {
            Hook::ReplySuggest | Hook::KnowledgeGaps => 1500,
            Hook::CannedGenerate | Hook::AuditQa => 1000,
            _ => 600,
        }
    }
}

/// Hook names from a list (`all`, or names separated by commas).
pub fn hooks_named(list: &str) -> Result<Vec<Hook>, String> {
    if list.trim() == "all" {
        return Ok(Hook::ALL.to_vec());
    }
    list.split(',').filter(|s| !s.trim().is_empty()).map(|s| Hook::parse(s).ok_or_else(|| format!("no hook `{}` (hooks: all, {})", s.trim(), Hook::ALL.map(Hook::name).join(", ")))).collect()
}

/// The plans whose tenants have mobieusAI.
pub const AI_PLANS: [&str; 2] = ["creator_plus", "sovereign"];

/// What every hook call shares: the server's AI configuration and the HTTP
/// client for providers.
#[derive(Debug, Clone)]
pub struct AiRuntime {
    pub config: AiConfig,
    pub http: reqwest::Client,
    /// Opens tenants' sealed provider keys.
    pub secrets: crate::secrets::Keyring,
}

impl AiRuntime {
    pub fn new(config: &AiConfig, secrets: crate::secrets::Keyring) -> Self {
        let http = reqwest::Client::builder()
            // a provider never redirects a completion; following one could send the key elsewhere
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .expect("an HTTP client with rustls builds");
        AiRuntime { config: config.clone(), http, secrets }
    }
}

/// The server's mobieusAI configuration.
#[derive(Debug, Clone)]
pub struct AiConfig {
    /// One provider call's time limit (`MOBIEUS_AI_TIMEOUT_SECONDS`, 30 by default).
    pub timeout: Duration,
    /// `MOBIEUS_ANTHROPIC_BASE_URL`, so tests and proxies can stand in.
    pub anthropic_base_url: String,
}

impl Default for AiConfig {
    fn default() -> Self {
        AiConfig { timeout: Duration::from_secs(30), anthropic_base_url: provider::ANTHROPIC_DEFAULT_BASE_URL.to_owned() }
    }
}

impl AiConfig {
    /// From the environment.
    pub fn from_env() -> Result<Self, String> {
        let mut c = AiConfig::default();
        if let Ok(s) = std::env::var("MOBIEUS_AI_TIMEOUT_SECONDS") {
            let secs: f64 = s.trim().parse().ok().filter(|x: &f64| x.is_finite() && *x > 0.0).ok_or("MOBIEUS_AI_TIMEOUT_SECONDS must be a positive number")?;
            c.timeout = Duration::from_secs_f64(secs);
        }
        if let Ok(u) = std::env::var("MOBIEUS_ANTHROPIC_BASE_URL")
            && !u.trim().is_empty()
        {
            c.anthropic_base_url = u.trim().to_owned();
        }
        Ok(c)
    }
}

/// The context a tenant's sealed provider key is bound to.
pub fn key_context(tenant: i64) -> String {
    format!("ai-key:tenant:{tenant}")
}
