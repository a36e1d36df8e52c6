use mobieus_api::server::{
    GetLearnAttemptPath, LearnAttemptsService, ListLearnAttemptsQuery, StartLearnAttemptHeaders, SubmitLearnAttemptHeaders, SubmitLearnAttemptPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::attempts::{attempt_get, attempt_list, attempt_start, attempt_submit, Attempt, AttemptFilter};
use crate::store::learn::quiz::Answer;

fn attempt_out(a: Attempt) -> Result<types::Attempt, ApiError> {
    fn stored_json<T: serde::de::DeserializeOwned>(v: Option<crate::db::Json<serde_json::Value>>) -> Result<Option<T>, ApiError> {
        v.map(|j| serde_json::from_value(j.0))
            .transpose()
            .map_err(|e| {
                tracing::error!(error = %e, "stored attempt is not in the contract");
                ApiError::server_error()
            })
    }
    Ok(types::Attempt {
        id: a.id,
        enrollment_id: a.enrollment_id,
        activity_id: a.activity_id,
        number: a.number,
        status: stored("attempt status", &a.status)?,
        score: a.score,
        max_score: a.max_score,
        passed: a.passed,
        answers: stored_json(a.answers)?,
        results: stored_json(a.results)?,
        started_at: a.started_at.0,
        submitted_at: a.submitted_at.map(|t| t.0),
    })
}

fn envelope(a: Attempt) -> Result<types::AttemptEnvelope, ApiError> {
    Ok(types::AttemptEnvelope { data: attempt_out(a)?, next_cursor: None, request_id: String::new() })
}

impl LearnAttemptsService for AppContext {
    async fn list_learn_attempts(call: &Call<'_, Self>, query: ListLearnAttemptsQuery) -> Result<types::AttemptList, ApiError> {
        let paging = Paging::new(call, "learn_attempts", query.cursor.as_deref(), query.limit)?;
        let filter = AttemptFilter { enrollment: query.enrollment, activity: query.activity };
        let page = attempt_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("attempt"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |a| json!([a.id]));
        Ok(types::AttemptList {
            data: rows.into_iter().map(attempt_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn start_learn_attempt(call: &Call<'_, Self>, _headers: StartLearnAttemptHeaders, body: types::AttemptStart) -> Result<types::AttemptEnvelope, ApiError> {
        let attempt = attempt_start(&call.context().db, call.principal.tenant_id, body.enrollment_id, body.activity_id)
            .await
            .map_err(store_error("attempt"))?;
        envelope(attempt)
    }

    async fn get_learn_attempt(call: &Call<'_, Self>, path: GetLearnAttemptPath) -> Result<types::AttemptEnvelope, ApiError> {
        envelope(attempt_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("attempt"))?)
    }

    async fn submit_learn_attempt(
        call: &Call<'_, Self>,
        path: SubmitLearnAttemptPath,
        _headers: SubmitLearnAttemptHeaders,
        body: types::AttemptSubmit,
    ) -> Result<types::AttemptEnvelope, ApiError> {
        let answers: Vec<Answer> = body
            .answers
            .into_iter()
            .map(|a| Answer { question: a.question.get() as i32, selected: a.selected, value: a.value, text: a.text.map(String::from) })
            .collect();
        let submitted = attempt_submit(&call.context().db, call.principal.tenant_id, path.id, &answers).await.map_err(store_error("attempt"))?;
        envelope(submitted.attempt)
    }
}
