use mobieus_api::server::{
    CreateLearnCertificateTemplateHeaders, DeleteLearnCertificateTemplateHeaders, DeleteLearnCertificateTemplatePath, GetLearnCertificatePath,
    GetLearnCertificateTemplatePath, LearnCertificateTemplatesService, LearnCertificatesService, ListLearnCertificateTemplatesQuery,
    ListLearnCertificatesQuery, RevokeLearnCertificateHeaders, RevokeLearnCertificatePath, UpdateLearnCertificateTemplateHeaders,
    UpdateLearnCertificateTemplatePath, VerifyLearnCertificatePath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::deleted;
use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::certificates::{
    certificate_by_code, certificate_get, certificate_list, certificate_revoke, template_create, template_delete, template_get, template_list,
    template_update, Certificate, CertificateFilter, CertificateTemplate,
};

fn certificate_out(c: Certificate) -> types::Certificate {
    types::Certificate {
        id: c.id,
        status: if c.revoked_at.is_some() { types::CertificateStatus::Revoked } else { types::CertificateStatus::Valid },
        code: c.code,
        enrollment_id: c.enrollment_id,
        course_id: c.course_id,
        user_id: c.user_id,
        template_id: c.template_id,
        learner_name: c.learner_name,
        course_title: c.course_title,
        html: c.html,
        issued_at: c.issued_at.0,
        revoked_at: c.revoked_at.map(|t| t.0),
        revoke_reason: c.revoke_reason,
    }
}

fn envelope(c: Certificate) -> types::CertificateEnvelope {
    types::CertificateEnvelope { data: certificate_out(c), next_cursor: None, request_id: String::new() }
}

fn template_out(t: CertificateTemplate) -> types::CertificateTemplate {
    types::CertificateTemplate { id: t.id, name: t.name, body: t.body, created_at: t.created_at.0, updated_at: t.updated_at.0 }
}

fn template_envelope(t: CertificateTemplate) -> types::CertificateTemplateEnvelope {
    types::CertificateTemplateEnvelope { data: template_out(t), next_cursor: None, request_id: String::new() }
}

impl LearnCertificatesService for AppContext {
    async fn list_learn_certificates(call: &Call<'_, Self>, query: ListLearnCertificatesQuery) -> Result<types::CertificateList, ApiError> {
        let paging = Paging::new(call, "learn_certificates", query.cursor.as_deref(), query.limit)?;
        let filter = CertificateFilter { course: query.course, user: query.user, revoked: query.status.map(|s| s == types::CertificateStatus::Revoked.to_string()) };
        let page = certificate_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("certificate"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |c| json!([c.id]));
        Ok(types::CertificateList { data: rows.into_iter().map(certificate_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn get_learn_certificate(call: &Call<'_, Self>, path: GetLearnCertificatePath) -> Result<types::CertificateEnvelope, ApiError> {
        Ok(envelope(certificate_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("certificate"))?))
    }

    async fn revoke_learn_certificate(
        call: &Call<'_, Self>,
        path: RevokeLearnCertificatePath,
        _headers: RevokeLearnCertificateHeaders,
        body: types::CertificateRevoke,
    ) -> Result<types::CertificateEnvelope, ApiError> {
        let cert = certificate_revoke(&call.context().db, call.principal.tenant_id, path.id, &String::from(body.reason))
            .await
            .map_err(store_error("certificate"))?;
        Ok(envelope(cert))
    }

    async fn verify_learn_certificate(call: &Call<'_, Self>, path: VerifyLearnCertificatePath) -> Result<types::CertificateVerificationEnvelope, ApiError> {
        let c = certificate_by_code(&call.context().db, call.principal.tenant_id, &path.code).await.map_err(store_error("certificate"))?;
        Ok(types::CertificateVerificationEnvelope {
            data: types::CertificateVerification {
                valid: c.revoked_at.is_none(),
                code: c.code,
                learner_name: c.learner_name,
                course_id: c.course_id,
                course_title: c.course_title,
                issued_at: c.issued_at.0,
                revoked_at: c.revoked_at.map(|t| t.0),
            },
            next_cursor: None,
            request_id: String::new(),
        })
    }
}

impl LearnCertificateTemplatesService for AppContext {
    async fn list_learn_certificate_templates(
        call: &Call<'_, Self>,
        query: ListLearnCertificateTemplatesQuery,
    ) -> Result<types::CertificateTemplateList, ApiError> {
        let paging = Paging::new(call, "learn_certificate_templates", query.cursor.as_deref(), query.limit)?;
        let page = template_list(&call.context().db, call.principal.tenant_id, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("certificate_template"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |t| json!([t.id]));
        Ok(types::CertificateTemplateList { data: rows.into_iter().map(template_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn create_learn_certificate_template(
        call: &Call<'_, Self>,
        _headers: CreateLearnCertificateTemplateHeaders,
        body: types::CertificateTemplateCreate,
    ) -> Result<types::CertificateTemplateEnvelope, ApiError> {
        let t = template_create(&call.context().db, call.principal.tenant_id, &String::from(body.name), &String::from(body.body))
            .await
            .map_err(store_error("certificate_template"))?;
        Ok(template_envelope(t))
    }

    async fn get_learn_certificate_template(
        call: &Call<'_, Self>,
        path: GetLearnCertificateTemplatePath,
    ) -> Result<types::CertificateTemplateEnvelope, ApiError> {
        Ok(template_envelope(template_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("certificate_template"))?))
    }

    async fn update_learn_certificate_template(
        call: &Call<'_, Self>,
        path: UpdateLearnCertificateTemplatePath,
        _headers: UpdateLearnCertificateTemplateHeaders,
        body: types::CertificateTemplateUpdate,
    ) -> Result<types::CertificateTemplateEnvelope, ApiError> {
        let (name, text) = (body.name.map(String::from), body.body.map(String::from));
        let db = &call.context().db;
        let t = if name.is_none() && text.is_none() {
            template_get(db, call.principal.tenant_id, path.id).await
        } else {
            template_update(db, call.principal.tenant_id, path.id, name.as_deref(), text.as_deref()).await
        }
        .map_err(store_error("certificate_template"))?;
        Ok(template_envelope(t))
    }

    async fn delete_learn_certificate_template(
        call: &Call<'_, Self>,
        path: DeleteLearnCertificateTemplatePath,
        _headers: DeleteLearnCertificateTemplateHeaders,
    ) -> Result<types::DeletedEnvelope, ApiError> {
        let t = template_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("certificate_template"))?;
        Ok(deleted(t.id, "learn_certificate_template"))
    }
}
