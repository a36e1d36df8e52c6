use mobieus_api::server::{
    DeleteLearnScormPackageHeaders, DeleteLearnScormPackagePath, GetLearnScormPackagePath, LearnScormService, ListLearnScormPackagesQuery,
    ListLearnScormResultsPath, ListLearnScormResultsQuery, RecordLearnScormResultHeaders, RecordLearnScormResultPath,
    UploadLearnScormPackageHeaders,
};
use mobieus_api::support::{ApiError, Call, RawBodyBytes};
use mobieus_api::types;
use serde_json::json;

use super::deleted;
use super::enrollments::enrollment_out;
use crate::api::{stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::scorm::{inspect, Structure};
use crate::store::learn::scorm_packages::{package_create, package_delete, package_get, package_list, ScormPackage, ScormPackageWithStructure};
use crate::store::learn::scorm_results::{scorm_result_list, scorm_result_record, ScormReport, ScormResult};

fn package_out(p: ScormPackage) -> Result<types::ScormPackage, ApiError> {
    Ok(types::ScormPackage {
        id: p.id,
        version: stored("scorm version", &p.version)?,
        title: p.title,
        identifier: p.identifier,
        schema_version: p.schema_version,
        size_bytes: p.size_bytes,
        sha256: p.sha256,
        entry_count: p.entry_count,
        uncompressed_bytes: p.uncompressed_bytes,
        sco_count: p.sco_count,
        created_at: p.created_at.0,
    })
}

fn with_structure(p: ScormPackageWithStructure) -> Result<types::ScormPackageEnvelope, ApiError> {
    let s: Structure = p.structure.0;
    let base = package_out(p.package)?;
    let data = types::ScormPackageWithStructure {
        id: base.id,
        title: base.title,
        identifier: base.identifier,
        version: base.version,
        schema_version: base.schema_version,
        size_bytes: base.size_bytes,
        sha256: base.sha256,
        entry_count: base.entry_count,
        uncompressed_bytes: base.uncompressed_bytes,
        sco_count: base.sco_count,
        created_at: base.created_at,
        default_organization: s.default_organization,
        organizations: s
            .organizations
            .into_iter()
            .map(|o| types::ScormOrganization {
                identifier: o.identifier,
                title: o.title,
                items: o
                    .items
                    .into_iter()
                    .map(|i| types::ScormItem {
                        identifier: i.identifier,
                        parent: i.parent,
                        depth: i.depth,
                        title: i.title,
                        resource: i.resource,
                        launch_href: i.launch_href,
                        visible: i.visible,
                    })
                    .collect(),
            })
            .collect(),
        scos: s.scos.into_iter().map(|c| types::ScormSco { identifier: c.identifier, launch_href: c.launch_href }).collect(),
    };
    Ok(types::ScormPackageEnvelope { data, next_cursor: None, request_id: String::new() })
}

fn result_out(r: ScormResult) -> Result<types::ScormResult, ApiError> {
    Ok(types::ScormResult {
        id: r.id,
        enrollment_id: r.enrollment_id,
        activity_id: r.activity_id,
        package_id: r.package_id,
        sco: r.sco,
        lesson_status: r.lesson_status.as_deref().map(|s| stored("scorm lesson status", s)).transpose()?,
        completion_status: r.completion_status.as_deref().map(|s| stored("scorm completion status", s)).transpose()?,
        success_status: r.success_status.as_deref().map(|s| stored("scorm success status", s)).transpose()?,
        score_raw: r.score_raw,
        score_min: r.score_min,
        score_max: r.score_max,
        score_scaled: r.score_scaled,
        done: r.done,
        recorded_at: r.recorded_at.0,
    })
}

impl LearnScormService for AppContext {
    async fn list_learn_scorm_packages(call: &Call<'_, Self>, query: ListLearnScormPackagesQuery) -> Result<types::ScormPackageList, ApiError> {
        let paging = Paging::new(call, "learn_scorm_packages", query.cursor.as_deref(), query.limit)?;
        let version = query.version.map(|v| v.to_string());
        let page = package_list(&call.context().db, call.principal.tenant_id, version.as_deref(), paging.id()?, paging.fetch())
            .await
            .map_err(store_error("scorm_package"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |p| json!([p.id]));
        Ok(types::ScormPackageList {
            data: rows.into_iter().map(package_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn upload_learn_scorm_package(
        call: &Call<'_, Self>,
        _headers: UploadLearnScormPackageHeaders,
        body: RawBodyBytes,
    ) -> Result<types::ScormPackageEnvelope, ApiError> {
        // inflating every entry is CPU work: off the async workers
        let (bytes, inspected) = tokio::task::spawn_blocking(move || {
            let bytes = body.into_bytes();
            let inspected = inspect(&bytes);
            (bytes, inspected)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "SCORM package inspection failed");
            ApiError::server_error()
        })?;
        let inspected = inspected.map_err(|r| ApiError::field(r.field, r.problem))?;
        let package = package_create(&call.context().db, call.principal.tenant_id, &bytes, &inspected).await.map_err(store_error("scorm_package"))?;
        with_structure(package)
    }

    async fn get_learn_scorm_package(call: &Call<'_, Self>, path: GetLearnScormPackagePath) -> Result<types::ScormPackageEnvelope, ApiError> {
        with_structure(package_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("scorm_package"))?)
    }

    async fn delete_learn_scorm_package(
        call: &Call<'_, Self>,
        path: DeleteLearnScormPackagePath,
        _headers: DeleteLearnScormPackageHeaders,
    ) -> Result<types::DeletedEnvelope, ApiError> {
        let p = package_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("scorm_package"))?;
        Ok(deleted(p.id, "learn_scorm_package"))
    }

    async fn list_learn_scorm_results(
        call: &Call<'_, Self>,
        path: ListLearnScormResultsPath,
        query: ListLearnScormResultsQuery,
    ) -> Result<types::ScormResultList, ApiError> {
        let paging = Paging::new(call, "learn_scorm_results", query.cursor.as_deref(), query.limit)?;
        let page = scorm_result_list(&call.context().db, call.principal.tenant_id, path.id, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("enrollment"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |r| json!([r.id]));
        Ok(types::ScormResultList {
            data: rows.into_iter().map(result_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn record_learn_scorm_result(
        call: &Call<'_, Self>,
        path: RecordLearnScormResultPath,
        _headers: RecordLearnScormResultHeaders,
        body: types::ScormResultInput,
    ) -> Result<types::ScormResultRecordedEnvelope, ApiError> {
        let report = ScormReport {
            activity_id: body.activity_id,
            sco: body.sco.map(String::from),
            lesson_status: body.lesson_status.map(|s| s.to_string()),
            completion_status: body.completion_status.map(|s| s.to_string()),
            success_status: body.success_status.map(|s| s.to_string()),
            score_raw: body.score_raw,
            score_min: body.score_min,
            score_max: body.score_max,
            score_scaled: body.score_scaled,
        };
        let (result, enrollment) =
            scorm_result_record(&call.context().db, call.principal.tenant_id, path.id, &report).await.map_err(store_error("enrollment"))?;
        Ok(types::ScormResultRecordedEnvelope {
            data: types::ScormResultRecorded { result: result_out(result)?, enrollment: enrollment_out(enrollment)? },
            next_cursor: None,
            request_id: String::new(),
        })
    }
}
