//! The AI assists: each handler runs its hook (`ai::hooks`) and shapes the
//! outcome as the page documents it: `ok: true` with the result, or
//! `ok: false` with the error code; both with `usage` (HTTP 200 either way).

use mobieus_api::server::{
    AskHelpdeskAuditHeaders, AssessHelpdeskSentimentHeaders, CategorizeHelpdeskTicketHeaders, FindHelpdeskKnowledgeGapsQuery, GenerateHelpdeskCannedResponseHeaders,
    HelpdeskAiService, PredictHelpdeskResolutionHeaders, SuggestHelpdeskRepliesHeaders, SummarizeHelpdeskTicketHeaders,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;

use crate::ai::hooks;
use crate::ai::session::{Failure, Outcome, Usage};
use crate::api::stored;
use crate::app::AppContext;

const DEFAULT_DAYS: i64 = 30;

fn hook_call<'a>(call: &'a Call<'_, AppContext>) -> hooks::Call<'a> {
    let ctx = call.context();
    hooks::Call { db: &ctx.db, rt: &ctx.ai, tenant_id: call.principal.tenant_id, request_id: call.request_id() }
}

fn usage(u: Usage) -> types::AiUsage {
    types::AiUsage { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, model: u.model, provider: u.provider, latency_ms: u.latency_ms }
}

fn failure(f: Failure, u: Usage) -> Result<types::AiFailure, ApiError> {
    Ok(types::AiFailure {
        ok: false,
        error: stored("AI error code", f.code())?,
        reason: f.reason().map(str::to_owned),
        message: f.message(),
        usage: usage(u),
        request_id: String::new(),
    })
}

/// The answer: `ok` with `made(result, usage)`, or the failure.
fn answer<T, R, A>(o: Outcome<T>, made: impl FnOnce(T, types::AiUsage) -> Result<R, ApiError>) -> Result<A, ApiError>
where
    A: From<R> + From<types::AiFailure>,
{
    match o.result {
        Ok(v) => made(v, usage(o.usage)).map(A::from),
        Err(f) => failure(f, o.usage).map(A::from),
    }
}

impl HelpdeskAiService for AppContext {
    async fn suggest_helpdesk_replies(call: &Call<'_, Self>, _headers: SuggestHelpdeskRepliesHeaders, body: types::AiTicketRequest) -> Result<types::AiReplySuggestAnswer, ApiError> {
        let o = hooks::reply_suggest(&hook_call(call), body.ticket_id).await;
        answer(o, |suggestions: Vec<String>, usage| {
            // three, as `answer::suggestions` checked
            let suggestions: [String; 3] = suggestions.try_into().map_err(|_| ApiError::server_error())?;
            Ok(types::AiReplySuggestResult { ok: true, suggestions, usage, request_id: String::new() })
        })
    }

    async fn summarize_helpdesk_ticket(call: &Call<'_, Self>, _headers: SummarizeHelpdeskTicketHeaders, body: types::AiTicketRequest) -> Result<types::AiSummaryAnswer, ApiError> {
        let o = hooks::summary(&hook_call(call), body.ticket_id).await;
        answer(o, |text, usage| Ok(types::AiSummaryResult { ok: true, text, usage, request_id: String::new() }))
    }

    async fn categorize_helpdesk_ticket(call: &Call<'_, Self>, _headers: CategorizeHelpdeskTicketHeaders, body: types::AiTicketRequest) -> Result<types::AiCategorizeAnswer, ApiError> {
        let o = hooks::categorize(&hook_call(call), body.ticket_id).await;
        answer(o, |c, usage| {
            let data = types::AiCategory { help_topic_id: c.help_topic_id, queue_id: c.queue_id, confidence: c.confidence, reasoning: c.reasoning };
            Ok(types::AiCategorizeResult { ok: true, data, usage, request_id: String::new() })
        })
    }

    async fn assess_helpdesk_sentiment(call: &Call<'_, Self>, _headers: AssessHelpdeskSentimentHeaders, body: types::AiTicketRequest) -> Result<types::AiSentimentAnswer, ApiError> {
        let o = hooks::sentiment(&hook_call(call), body.ticket_id).await;
        answer(o, |s, usage| {
            let data = types::AiSentimentData { overall: stored("sentiment", &s.overall)?, confidence: s.confidence, signals: s.signals };
            Ok(types::AiSentimentResult { ok: true, data, usage, request_id: String::new() })
        })
    }

    async fn predict_helpdesk_resolution(
        call: &Call<'_, Self>,
        _headers: PredictHelpdeskResolutionHeaders,
        body: types::AiTicketRequest,
    ) -> Result<types::AiResolutionAnswer, ApiError> {
        let o = hooks::resolution_predict(&hook_call(call), body.ticket_id).await;
        answer(o, |r, usage| {
            let data = types::AiResolutionData { eta_hours: r.eta_hours, risk: stored("risk", &r.risk)?, next_action: r.next_action, blockers: r.blockers };
            Ok(types::AiResolutionResult { ok: true, data, usage, request_id: String::new() })
        })
    }

    async fn generate_helpdesk_canned_response(
        call: &Call<'_, Self>,
        _headers: GenerateHelpdeskCannedResponseHeaders,
        body: types::AiCannedGenerateRequest,
    ) -> Result<types::AiCannedGenerateAnswer, ApiError> {
        let o = hooks::canned_generate(&hook_call(call), &String::from(body.intent)).await;
        answer(o, |text, usage| Ok(types::AiCannedGenerateResult { ok: true, text, usage, request_id: String::new() }))
    }

    async fn find_helpdesk_knowledge_gaps(call: &Call<'_, Self>, query: FindHelpdeskKnowledgeGapsQuery) -> Result<types::AiKnowledgeGapsAnswer, ApiError> {
        let o = hooks::knowledge_gaps(&hook_call(call), query.days.unwrap_or(DEFAULT_DAYS)).await;
        answer(o, |g, usage| {
            let gaps = g
                .gaps
                .into_iter()
                .map(|gap| types::AiKnowledgeGap {
                    title: gap.title,
                    description: gap.description,
                    size: gap.size,
                    examples: gap.examples.into_iter().map(|(ticket_id, reference, subject)| types::AiGapExample { ticket_id, reference, subject }).collect(),
                })
                .collect();
            let data = types::AiKnowledgeGapsData { days: g.days, tickets_considered: g.tickets_considered, gaps };
            Ok(types::AiKnowledgeGapsResult { ok: true, data, usage, request_id: String::new() })
        })
    }

    async fn ask_helpdesk_audit(call: &Call<'_, Self>, _headers: AskHelpdeskAuditHeaders, body: types::AiAuditQuestion) -> Result<types::AiAuditAnswerAnswer, ApiError> {
        let o = hooks::audit_qa(&hook_call(call), &String::from(body.question)).await;
        answer(o, |(text, citations), usage| Ok(types::AiAuditAnswerResult { ok: true, text, citations, usage, request_id: String::new() }))
    }
}
