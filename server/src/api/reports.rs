use mobieus_api::server::{
    DismissReportHeaders, DismissReportPath, GetReportPath, ListReportsQuery, ReopenReportHeaders, ReopenReportPath, ReportsService,
    ResolveReportHeaders, ResolveReportPath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::moderation::{moderator, ModActor};
use crate::store::reports::{report_act, report_get, report_list, ActRequest, Report, ReportAct, ReportFilter};

pub fn target_out(kind: &str, id: i64) -> Result<types::ReportTarget, ApiError> {
    Ok(types::ReportTarget { kind: stored("report target kind", kind)?, id })
}

fn report_out(r: Report) -> Result<types::Report, ApiError> {
    Ok(types::Report {
        id: r.id,
        target: target_out(&r.target_kind, r.target_id)?,
        target_author_id: r.target_author_id,
        reporter_id: r.reporter_id,
        reason: stored("report reason", &r.reason)?,
        status: stored("report status", &r.status)?,
        resolution_effect: r.resolution_effect.as_deref().map(|e| stored("moderation effect", e)).transpose()?,
        details: r.details,
        resolution_note: r.resolution_note,
        created_at: r.created_at.0,
        updated_at: r.updated_at.0,
        closed_at: r.closed_at.map(|t| t.0),
    })
}

/// The moderator named in the body, or the key itself.
async fn actor(call: &Call<'_, AppContext>, moderator_id: Option<i64>) -> Result<ModActor, ApiError> {
    match moderator_id {
        Some(id) => moderator(&call.context().db, call.principal.tenant_id, id).await.map_err(store_error("report")),
        None => Ok(ModActor { kind: "api_key", id: call.principal.key_id, name: call.principal.key_name.clone() }),
    }
}

async fn act(call: &Call<'_, AppContext>, id: i64, act: ReportAct, note: Option<String>, effect: Option<String>, moderator_id: Option<i64>) -> Result<types::ReportEnvelope, ApiError> {
    let req = ActRequest { act, note, effect, actor: actor(call, moderator_id).await? };
    let (report, _action) = report_act(&call.context().db, call.principal.tenant_id, id, &req).await.map_err(store_error("report"))?;
    Ok(types::ReportEnvelope { data: report_out(report)?, next_cursor: None, request_id: String::new() })
}

impl ReportsService for AppContext {
    async fn list_reports(call: &Call<'_, Self>, query: ListReportsQuery) -> Result<types::ReportList, ApiError> {
        let paging = Paging::new(call, "reports", query.cursor.as_deref(), query.limit)?;
        let filter = ReportFilter { status: query.status, target_kind: query.target_kind };
        let page = report_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("report"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |r| json!([r.id]));
        Ok(types::ReportList {
            data: rows.into_iter().map(report_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_report(call: &Call<'_, Self>, path: GetReportPath) -> Result<types::ReportEnvelope, ApiError> {
        let report = report_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("report"))?;
        Ok(types::ReportEnvelope { data: report_out(report)?, next_cursor: None, request_id: String::new() })
    }

    async fn resolve_report(
        call: &Call<'_, Self>,
        path: ResolveReportPath,
        _headers: ResolveReportHeaders,
        body: types::ReportResolve,
    ) -> Result<types::ReportEnvelope, ApiError> {
        let effect = body.effect.map(|e| e.to_string());
        act(call, path.id, ReportAct::Resolve, Some(body.note.to_string()), effect, body.moderator_id).await
    }

    async fn dismiss_report(
        call: &Call<'_, Self>,
        path: DismissReportPath,
        _headers: DismissReportHeaders,
        body: types::ReportAct,
    ) -> Result<types::ReportEnvelope, ApiError> {
        act(call, path.id, ReportAct::Dismiss, body.note.map(|n| n.to_string()), None, body.moderator_id).await
    }

    async fn reopen_report(
        call: &Call<'_, Self>,
        path: ReopenReportPath,
        _headers: ReopenReportHeaders,
        body: types::ReportAct,
    ) -> Result<types::ReportEnvelope, ApiError> {
        act(call, path.id, ReportAct::Reopen, body.note.map(|n| n.to_string()), None, body.moderator_id).await
    }
}
