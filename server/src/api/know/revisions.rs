use mobieus_api::server::{
    DiffKnowRevisionsPath, DiffKnowRevisionsQuery, GetKnowRevisionPath, KnowRevisionsService, ListKnowRevisionsPath, ListKnowRevisionsQuery, RevertKnowPageHeaders,
    RevertKnowPagePath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::pages::envelope;
use super::{author_out, caller, page_ref};
use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::know::revisions::{revision_diff, revision_get, revision_list, revision_revert, Revert, Revision};

fn revision_out(r: Revision) -> Result<types::KnowRevision, ApiError> {
    Ok(types::KnowRevision {
        page_id: r.page_id,
        number: r.number,
        title: r.title,
        author: author_out(&r.author_kind, r.author_id, r.author_name)?,
        summary: r.summary,
        submitted_at: r.submitted_at.0,
        size: r.size,
        size_change: r.size_change,
    })
}

impl KnowRevisionsService for AppContext {
    async fn list_know_revisions(call: &Call<'_, Self>, path: ListKnowRevisionsPath, query: ListKnowRevisionsQuery) -> Result<types::KnowRevisionList, ApiError> {
        let paging = Paging::new(call, "know_revisions", query.cursor.as_deref(), query.limit)?;
        let page = revision_list(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), paging.id()?, paging.fetch())
            .await
            .map_err(store_error("page"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |r| json!([r.number]));
        Ok(types::KnowRevisionList {
            data: rows.into_iter().map(revision_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_know_revision(call: &Call<'_, Self>, path: GetKnowRevisionPath) -> Result<types::KnowRevisionEnvelope, ApiError> {
        let (r, body_md) = revision_get(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), path.number).await.map_err(store_error("page"))?;
        let r = revision_out(r)?;
        Ok(types::KnowRevisionEnvelope {
            data: types::KnowRevisionWithSource {
                page_id: r.page_id,
                number: r.number,
                title: r.title,
                author: r.author,
                summary: r.summary,
                submitted_at: r.submitted_at,
                size: r.size,
                size_change: r.size_change,
                body_md,
            },
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn revert_know_page(
        call: &Call<'_, Self>,
        path: RevertKnowPagePath,
        _headers: RevertKnowPageHeaders,
        body: types::KnowRevert,
    ) -> Result<types::KnowPageEnvelope, ApiError> {
        let revert = Revert {
            number: path.number,
            base: body.base_revision.map(|b| i64::try_from(b.get()).unwrap_or(i64::MAX)),
            summary: body.summary.map(String::from),
            author_user: body.author_user_id,
        };
        let page = revision_revert(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), &revert, &caller(call))
            .await
            .map_err(store_error("page"))?;
        envelope(page)
    }

    async fn diff_know_revisions(call: &Call<'_, Self>, path: DiffKnowRevisionsPath, query: DiffKnowRevisionsQuery) -> Result<types::KnowDiffEnvelope, ApiError> {
        let (page_id, from_title, to_title, d) =
            revision_diff(&call.context().db, call.principal.tenant_id, &page_ref(&path.page), query.from, query.to).await.map_err(store_error("page"))?;
        let hunks = d
            .hunks
            .into_iter()
            .map(|h| {
                Ok(types::KnowDiffHunk {
                    old_start: h.old_start,
                    old_lines: h.old_lines,
                    new_start: h.new_start,
                    new_lines: h.new_lines,
                    lines: h
                        .lines
                        .into_iter()
                        .map(|l| Ok(types::KnowDiffLine { op: stored("diff op", match l.op { '+' => "added", '-' => "removed", _ => "context" })?, text: l.text, old_line: l.old_line, new_line: l.new_line }))
                        .collect::<Result<_, ApiError>>()?,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(types::KnowDiffEnvelope {
            data: types::KnowDiff { page_id, from: query.from, to: query.to, from_title, to_title, added: d.added, removed: d.removed, unified: d.unified, hunks },
            next_cursor: None,
            request_id: String::new(),
        })
    }
}
