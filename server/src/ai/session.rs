//! One hook call from gate to usage row: [`Session::open`] passes the gate
//! (key, plan, hook switch, monthly cap, per-minute limit) or refuses;
//! [`Session::ask`] calls the provider, checks the JSON answer and asks once
//! more saying what was wrong; [`Session::finish`] logs the usage row,
//! whatever the outcome, and hands back the outcome with its usage.

use std::time::Instant;

use chrono::Utc;
use serde_json::{Map, Value};

use super::provider::{self, Conversation, Endpoint, ProviderKind};
use super::{key_context, prompt, AiRuntime, Hook, AI_PLANS};
use crate::db::{Db, Ts};
use crate::store::ai::settings::{ai_tenant, AiTenant};
use crate::store::ai::usage::{month_start, usage_record, usage_spent, NewUsage};

/// Why the gate refused (`gate_blocked`'s `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    HookDisabled,
    Plan,
    MonthlyCap,
    RateLimit,
}

impl Blocked {
    pub fn name(self) -> &'static str {
        match self {
            Blocked::HookDisabled => "hook_disabled",
            Blocked::Plan => "plan",
            Blocked::MonthlyCap => "monthly_cap",
            Blocked::RateLimit => "rate_limit",
        }
    }
}

/// Why a hook did not answer (`AiFailure.error`), with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    NoKey,
    GateBlocked(Blocked),
    TicketNotFound,
    NoRequesterText,
    MalformedJson(String),
    ProviderError(String),
}

impl Failure {
    pub fn code(&self) -> &'static str {
        match self {
            Failure::NoKey => "no_key",
            Failure::GateBlocked(_) => "gate_blocked",
            Failure::TicketNotFound => "ticket_not_found",
            Failure::NoRequesterText => "no_requester_text",
            Failure::MalformedJson(_) => "malformed_json",
            Failure::ProviderError(_) => "provider_error",
        }
    }

    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Failure::GateBlocked(b) => Some(b.name()),
            _ => None,
        }
    }

    /// For people; never the provider's own words, never the key.
    pub fn message(&self) -> String {
        match self {
            Failure::NoKey => "No model-provider key is set for this tenant (mobieus-server ai set-key).".into(),
            Failure::GateBlocked(Blocked::HookDisabled) => "This AI hook is not enabled for the tenant (mobieus-server ai enable).".into(),
            Failure::GateBlocked(Blocked::Plan) => format!("The tenant's plan does not include mobieusAI (plans with it: {}).", AI_PLANS.join(", ")),
            Failure::GateBlocked(Blocked::MonthlyCap) => "The tenant's monthly AI token cap is reached.".into(),
            Failure::GateBlocked(Blocked::RateLimit) => "Too many AI calls in the last minute; try again shortly.".into(),
            Failure::TicketNotFound => "No ticket with that id.".into(),
            Failure::NoRequesterText => "The ticket has no message from its requester yet.".into(),
            Failure::MalformedJson(why) => format!("The model's answer could not be used ({why}); retry."),
            Failure::ProviderError(what) => format!("The model provider failed: {what}."),
        }
    }
}

/// What a call cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub latency_ms: i64,
}

/// A hook's result or why not, and its usage.
#[derive(Debug, Clone)]
pub struct Outcome<T> {
    pub result: Result<T, Failure>,
    pub usage: Usage,
}

impl Outcome<std::convert::Infallible> {
    /// A refusal (an outcome that cannot be a result), as any hook's.
    pub fn refused<T>(self) -> Outcome<T> {
        Outcome { result: self.result.map(|never| match never {}), usage: self.usage }
    }
}

pub struct Session<'a> {
    db: &'a Db,
    rt: &'a AiRuntime,
    hook: Hook,
    tenant_id: i64,
    request_id: String,
    pub tenant: AiTenant,
    endpoint: Option<Endpoint>,
    usage: Usage,
    called: bool,
}

impl<'a> Session<'a> {
    /// The gate, in its documented order; a refusal is already logged.
    pub async fn open(db: &'a Db, rt: &'a AiRuntime, tenant_id: i64, hook: Hook, request_id: String) -> Result<Session<'a>, Outcome<std::convert::Infallible>> {
        let tenant = match ai_tenant(db, tenant_id).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(request_id, error = %e, "AI settings could not be read");
                let usage = Usage::default();
                return Err(Outcome { result: Err(Failure::ProviderError("the tenant's AI settings could not be read".into())), usage });
            }
        };
        let s = &tenant.settings;
        let kind = ProviderKind::parse(&s.provider).unwrap_or(ProviderKind::Anthropic);
        let mut session = Session {
            db,
            rt,
            hook,
            tenant_id,
            request_id,
            usage: Usage {
                model: Some(s.model.clone().unwrap_or_else(|| provider::DEFAULT_MODEL.to_owned())),
                provider: Some(kind.name().to_owned()),
                ..Usage::default()
            },
            endpoint: None,
            called: false,
            tenant: tenant.clone(),
        };
        let refusal = session.gate(kind).await;
        match refusal {
            None => Ok(session),
            Some(f) => Err(session.finish(Err(f)).await),
        }
    }

    /// The documented order: the key (set at all), plan, hook switch,
    /// monthly cap, per-minute limit; only then is the sealed key opened.
    async fn gate(&mut self, kind: ProviderKind) -> Option<Failure> {
        let s = &self.tenant.settings;
        let base_url = match kind {
            ProviderKind::Anthropic if s.sealed_key.is_none() => return Some(Failure::NoKey),
            ProviderKind::Anthropic => s.base_url.clone().unwrap_or_else(|| self.rt.config.anthropic_base_url.clone()),
            ProviderKind::OpenAiCompatible => match &s.base_url {
                Some(u) => u.clone(),
                None => return Some(Failure::NoKey),
            },
        };
        if !AI_PLANS.contains(&self.tenant.plan.as_str()) {
            return Some(Failure::GateBlocked(Blocked::Plan));
        }
        if !s.hook_enabled(self.hook.name()) {
            return Some(Failure::GateBlocked(Blocked::HookDisabled));
        }
        let now = Utc::now();
        match usage_spent(self.db, self.tenant_id, month_start(now), now).await {
            Ok((tokens, calls)) => {
                if s.monthly_token_cap.is_some_and(|cap| tokens >= cap) {
                    return Some(Failure::GateBlocked(Blocked::MonthlyCap));
                }
                if calls >= i64::from(s.per_minute) {
                    return Some(Failure::GateBlocked(Blocked::RateLimit));
                }
            }
            Err(e) => {
                tracing::error!(request_id = %self.request_id, error = %e, "AI usage could not be read");
                return Some(Failure::ProviderError("the tenant's AI usage could not be read".into()));
            }
        }
        let key = match &s.sealed_key {
            None => None,
            Some(sealed) => match self.rt.secrets.open(sealed, &key_context(self.tenant_id)) {
                Ok(k) => Some(k),
                Err(e) => {
                    tracing::error!(request_id = %self.request_id, error = %e, "the tenant's AI key cannot be opened with this server's master keys");
                    return Some(Failure::ProviderError("the tenant's key cannot be opened by this server".into()));
                }
            },
        };
        let model = self.usage.model.clone().unwrap_or_default();
        self.endpoint = Some(Endpoint { kind, base_url, model, key });
        None
    }

    /// Asks the model for JSON that `check` accepts; on a refusal, asks once
    /// more with the refused answer and what was wrong.
    pub async fn ask<T>(&mut self, conv: Conversation, check: impl Fn(&Map<String, Value>) -> Result<T, String>) -> Result<T, Failure> {
        let first = self.complete(&conv).await?;
        let problem = match super::answer::json_object(&first).and_then(|m| check(&m)) {
            Ok(v) => return Ok(v),
            Err(p) => p,
        };
        let again = prompt::repair(&conv, &first, &problem);
        let second = self.complete(&again).await?;
        super::answer::json_object(&second).and_then(|m| check(&m)).map_err(Failure::MalformedJson)
    }

    async fn complete(&mut self, conv: &Conversation) -> Result<String, Failure> {
        let endpoint = self.endpoint.as_ref().ok_or_else(|| Failure::ProviderError("no provider".into()))?;
        self.called = true;
        let started = Instant::now();
        let answer = provider::complete(&self.rt.http, endpoint, conv, self.hook.max_tokens(), self.rt.config.timeout).await;
        self.usage.latency_ms += started.elapsed().as_millis() as i64;
        match answer {
            Ok(c) => {
                self.usage.prompt_tokens += c.prompt_tokens;
                self.usage.completion_tokens += c.completion_tokens;
                Ok(c.text)
            }
            Err(e) => {
                tracing::warn!(request_id = %self.request_id, hook = self.hook.name(), error = %e, "AI provider call failed");
                Err(Failure::ProviderError(match e {
                    provider::ProviderError::Timeout => "it did not answer in time".into(),
                    provider::ProviderError::Status(s) => format!("it answered HTTP {s}"),
                    provider::ProviderError::Transport(_) => "it could not be reached".into(),
                    provider::ProviderError::Unreadable(_) => "its answer could not be read".into(),
                }))
            }
        }
    }

    /// Logs the call and hands back its outcome.
    pub async fn finish<T>(self, result: Result<T, Failure>) -> Outcome<T> {
        let (outcome, reason) = match &result {
            Ok(_) => ("ok", None),
            Err(f) => (f.code(), f.reason()),
        };
        let clamp = |x: i64| i32::try_from(x.max(0)).unwrap_or(i32::MAX);
        let row = NewUsage {
            tenant_id: self.tenant_id,
            hook: self.hook.name().to_owned(),
            provider: self.usage.provider.clone(),
            model: self.usage.model.clone(),
            prompt_tokens: clamp(self.usage.prompt_tokens),
            completion_tokens: clamp(self.usage.completion_tokens),
            latency_ms: clamp(self.usage.latency_ms),
            outcome: outcome.to_owned(),
            reason: reason.map(str::to_owned),
            called: self.called,
            request_id: self.request_id.clone(),
            created_at: Ts::now(),
        };
        crate::metrics::ai_call(&row.hook, &row.outcome);
        if let Err(e) = usage_record(self.db, &row).await {
            // the answer still goes out: the call happened, and its tokens are in the log line
            tracing::error!(request_id = %self.request_id, error = %e, prompt_tokens = row.prompt_tokens, completion_tokens = row.completion_tokens, "AI usage could not be logged");
        }
        Outcome { result, usage: self.usage }
    }
}
