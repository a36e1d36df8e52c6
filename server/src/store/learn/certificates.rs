//! Certificate templates and the certificates issued from them: one per
//! completed enrollment whose course names a template, issued in the
//! transaction that completes the enrollment (`issue_certificate!`), with
//! what it says (learner, course, date) fixed at that moment and rendered
//! to HTML. A certificate outlives its course; it can be revoked, and
//! anyone holding its code can have it verified.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rand::distr::{Distribution, Uniform};

use crate::db::schema::{learn_certificate_templates as tpl, learn_certificates as ce, learn_courses as c};
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::templates::TemplateKind;
use crate::store::Page;
use crate::{list_total, page_and_count, with_conn, write_tx};

/// What a certificate template may name.
pub const PLACEHOLDERS: [&str; 5] = ["learner.name", "course.title", "completion.date", "certificate.code", "tenant.name"];

pub const TEMPLATE: TemplateKind = TemplateKind { field: "body", placeholders: &PLACEHOLDERS, html: true };

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tpl, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CertificateTemplate {
    pub tenant_id: i64,
    pub id: i64,
    pub name: String,
    pub body: String,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ce, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Certificate {
    pub tenant_id: i64,
    pub id: i64,
    pub code: String,
    pub enrollment_id: i64,
    pub course_id: i64,
    pub user_id: i64,
    pub template_id: i64,
    pub learner_name: String,
    pub course_title: String,
    pub html: String,
    pub issued_at: Ts,
    pub revoked_at: Option<Ts>,
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateFilter {
    pub course: Option<i64>,
    pub user: Option<i64>,
    /// Some(true): only revoked; Some(false): only valid.
    pub revoked: Option<bool>,
}

/// A verification code: `MC-` and 12 characters without look-alikes
/// (about 60 bits), unguessable and easy to type.
pub fn new_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let pick = Uniform::new(0, ALPHABET.len()).expect("non-empty alphabet");
    let mut rng = rand::rng();
    let s: String = (0..12).map(|_| ALPHABET[pick.sample(&mut rng)] as char).collect();
    format!("MC-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
}

/// The certificate's HTML: the template filled with the values fixed at issue.
pub fn certificate_html(body: &str, learner: &str, course: &str, completed: &Ts, code: &str, tenant: &str) -> Result<String, StoreError> {
    let values = HashMap::from([
        ("learner.name", learner.to_owned()),
        ("course.title", course.to_owned()),
        ("completion.date", completed.0.format("%Y-%m-%d").to_string()),
        ("certificate.code", code.to_owned()),
        ("tenant.name", tenant.to_owned()),
    ]);
    Ok(TEMPLATE.render(body, &values)?.0)
}

/// Issues the enrollment's certificate when its course names a template
/// (inside the completing transaction; at most one per enrollment).
#[macro_export]
macro_rules! issue_certificate {
    ($conn:expr, $tenant:expr, $enrollment:expr, $now:expr) => {{
        use $crate::db::schema::{
            learn_certificate_templates as __tpl, learn_certificates as __ce, learn_courses as __c, tenants as __t, users as __u,
        };
        use $crate::store::learn::certificates::{certificate_html, new_code, Certificate};
        let __e: &$crate::store::learn::enrollments::Enrollment = $enrollment;
        let (__title, __template): (String, Option<i64>) = __c::table
            .filter(__c::tenant_id.eq($tenant).and(__c::id.eq(__e.course_id)))
            .select((__c::title, __c::certificate_template_id))
            .first($conn)
            .await?;
        if let Some(__template) = __template {
            let __body: String = __tpl::table.filter(__tpl::tenant_id.eq($tenant).and(__tpl::id.eq(__template))).select(__tpl::body).first($conn).await?;
            let __learner: String = __u::table.filter(__u::tenant_id.eq($tenant).and(__u::id.eq(__e.user_id))).select(__u::display_name).first($conn).await?;
            let __tenant_name: String = __t::table.filter(__t::id.eq($tenant)).select(__t::name).first($conn).await?;
            let __code = new_code();
            let __html = certificate_html(&__body, &__learner, &__title, &$now, &__code, &__tenant_name)?;
            let __issued: Option<Certificate> = diesel::insert_into(__ce::table)
                .values((
                    __ce::tenant_id.eq($tenant),
                    __ce::code.eq(&__code),
                    __ce::enrollment_id.eq(__e.id),
                    __ce::course_id.eq(__e.course_id),
                    __ce::user_id.eq(__e.user_id),
                    __ce::template_id.eq(__template),
                    __ce::learner_name.eq(&__learner),
                    __ce::course_title.eq(&__title),
                    __ce::html.eq(&__html),
                    __ce::issued_at.eq($now),
                ))
                .on_conflict((__ce::tenant_id, __ce::enrollment_id))
                .do_nothing()
                .returning(Certificate::as_returning())
                .get_result($conn)
                .await
                .optional()?;
            if let Some(__cert) = __issued {
                $crate::record_event!($conn, $crate::store::learn::certificates::issued_event(&__cert));
            }
        }
    }};
}

pub fn issued_event(cert: &Certificate) -> NewEvent {
    NewEvent::new(
        cert.tenant_id,
        "learn.certificate.issued",
        serde_json::json!({ "certificate_id": cert.id, "course_id": cert.course_id, "user_id": cert.user_id, "serial": cert.code }),
    )
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = ce::table.filter(ce::tenant_id.eq($tenant)).into_boxed();
        if let Some(course) = $f.course {
            q = q.filter(ce::course_id.eq(course));
        }
        if let Some(user) = $f.user {
            q = q.filter(ce::user_id.eq(user));
        }
        match $f.revoked {
            Some(true) => q = q.filter(ce::revoked_at.is_not_null()),
            Some(false) => q = q.filter(ce::revoked_at.is_null()),
            None => {}
        }
        q
    }};
}

pub async fn certificate_list(db: &Db, tenant: i64, f: &CertificateFilter, before_id: Option<i64>, limit: i64) -> Result<Page<Certificate>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(ce::id.lt(id));
        }
        q.order(ce::id.desc()).limit(limit).select(Certificate::as_select()).load::<Certificate>(conn)
    }, list_total!(conn, tenant, counts::LEARN_CERTIFICATES, 0, *f == CertificateFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

pub async fn certificate_get(db: &Db, tenant: i64, id: i64) -> Result<Certificate, StoreError> {
    with_conn!(db, |conn| {
        Ok(ce::table.filter(ce::tenant_id.eq(tenant).and(ce::id.eq(id))).select(Certificate::as_select()).first(conn).await.optional()?)
    })
    .found()
}

pub async fn certificate_by_code(db: &Db, tenant: i64, code: &str) -> Result<Certificate, StoreError> {
    with_conn!(db, |conn| {
        Ok(ce::table.filter(ce::tenant_id.eq(tenant).and(ce::code.eq(code))).select(Certificate::as_select()).first(conn).await.optional()?)
    })
    .found()
}

/// Revokes a valid certificate (a revoked one is answered as it is).
pub async fn certificate_revoke(db: &Db, tenant: i64, id: i64, reason: &str) -> Result<Certificate, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        let revoked: Option<Certificate> = diesel::update(ce::table.filter(ce::tenant_id.eq(tenant).and(ce::id.eq(id)).and(ce::revoked_at.is_null())))
            .set((ce::revoked_at.eq(Some(now)), ce::revoke_reason.eq(Some(reason))))
            .returning(Certificate::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        match revoked {
            Some(cert) => {
                crate::record_event!(
                    conn,
                    NewEvent::new(tenant, "learn.certificate.revoked", serde_json::json!({
                        "certificate_id": cert.id, "course_id": cert.course_id, "user_id": cert.user_id, "serial": cert.code, "reason": reason,
                    }))
                );
                Ok(cert)
            }
            None => Ok(ce::table
                .filter(ce::tenant_id.eq(tenant).and(ce::id.eq(id)))
                .select(Certificate::as_select())
                .first(conn)
                .await
                .optional()?
                .ok_or(StoreError::NotFound)?),
        }
    })
}

fn template_event(event_type: &str, t: &CertificateTemplate) -> NewEvent {
    NewEvent::new(t.tenant_id, event_type, serde_json::json!({ "template_id": t.id, "name": t.name }))
}

pub async fn template_list(db: &Db, tenant: i64, before_id: Option<i64>, limit: i64) -> Result<Page<CertificateTemplate>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = tpl::table.filter(tpl::tenant_id.eq(tenant)).into_boxed();
        if let Some(id) = before_id {
            q = q.filter(tpl::id.lt(id));
        }
        q.order(tpl::id.desc()).limit(limit).select(CertificateTemplate::as_select()).load::<CertificateTemplate>(conn)
    }, tpl::table.filter(tpl::tenant_id.eq(tenant)).count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

pub async fn template_get(db: &Db, tenant: i64, id: i64) -> Result<CertificateTemplate, StoreError> {
    with_conn!(db, |conn| {
        Ok(tpl::table.filter(tpl::tenant_id.eq(tenant).and(tpl::id.eq(id))).select(CertificateTemplate::as_select()).first(conn).await.optional()?)
    })
    .found()
}

pub async fn template_create(db: &Db, tenant: i64, name: &str, body: &str) -> Result<CertificateTemplate, StoreError> {
    TEMPLATE.check(body)?;
    let now = Ts::now();
    write_tx!(db, |conn| {
        let t: CertificateTemplate = diesel::insert_into(tpl::table)
            .values((tpl::tenant_id.eq(tenant), tpl::name.eq(name), tpl::body.eq(body), tpl::created_at.eq(now), tpl::updated_at.eq(now)))
            .returning(CertificateTemplate::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, template_event("learn.certificate_template.created", &t));
        Ok(t)
    })
}

/// Changes a template; certificates already issued keep what they say.
pub async fn template_update(db: &Db, tenant: i64, id: i64, name: Option<&str>, body: Option<&str>) -> Result<CertificateTemplate, StoreError> {
    if let Some(b) = body {
        TEMPLATE.check(b)?;
    }
    let now = Ts::now();
    write_tx!(db, |conn| {
        let t: CertificateTemplate = diesel::update(tpl::table.filter(tpl::tenant_id.eq(tenant).and(tpl::id.eq(id))))
            .set((name.map(|n| tpl::name.eq(n)), body.map(|b| tpl::body.eq(b)), tpl::updated_at.eq(now)))
            .returning(CertificateTemplate::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        crate::record_event!(conn, template_event("learn.certificate_template.updated", &t));
        Ok(t)
    })
}

/// Deletes a template no certificate was issued from; the courses naming it
/// stop issuing certificates (their `certificate_template_id` is emptied).
pub async fn template_delete(db: &Db, tenant: i64, id: i64) -> Result<CertificateTemplate, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        // the template's row lock first: no certificate is issued from it meanwhile
        let t: CertificateTemplate = diesel::update(tpl::table.filter(tpl::tenant_id.eq(tenant).and(tpl::id.eq(id))))
            .set(tpl::updated_at.eq(now))
            .returning(CertificateTemplate::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let used: i64 = ce::table.filter(ce::tenant_id.eq(tenant).and(ce::template_id.eq(id))).count().get_result(conn).await?;
        if used > 0 {
            return Err(StoreError::Refused(format!("{used} certificate(s) were issued from this template; it cannot be deleted.")));
        }
        diesel::update(c::table.filter(c::tenant_id.eq(tenant).and(c::certificate_template_id.eq(id))))
            .set(c::certificate_template_id.eq(None::<i64>))
            .execute(conn)
            .await?;
        // a certificate issued meanwhile (it read the template unlocked) makes the foreign key refuse
        diesel::delete(tpl::table.filter(tpl::tenant_id.eq(tenant).and(tpl::id.eq(id)))).execute(conn).await.map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _) => {
                StoreError::Refused("A certificate was just issued from this template; it cannot be deleted.".into())
            }
            e => StoreError::Query(e),
        })?;
        crate::record_event!(conn, template_event("learn.certificate_template.deleted", &t));
        Ok(t)
    })
}
