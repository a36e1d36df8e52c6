//! SCORM packages: the checked zip (its bytes kept in the row, so every
//! process can serve them) and the structure parsed from its manifest.
//! A `scorm` activity points at a package; the package's row is locked first
//! by the delete and by an activity's write, so "no activity uses it" holds.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::schema::{learn_activities as a, learn_scorm_packages as sp};
use crate::db::{Db, Found, Json, StoreError, Ts};
use crate::scorm::{Inspected, Structure};
use crate::store::events::NewEvent;
use crate::store::Page;
use crate::{page_and_count, with_conn, write_tx};

/// A package without its bytes and structure (what lists show).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sp, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ScormPackage {
    pub tenant_id: i64,
    pub id: i64,
    pub title: String,
    pub identifier: String,
    pub version: String,
    pub schema_version: Option<String>,
    pub size_bytes: i64,
    pub sha256: String,
    pub entry_count: i32,
    pub uncompressed_bytes: i64,
    pub sco_count: i32,
    pub created_at: Ts,
}

/// A package with the structure parsed from its manifest.
#[derive(Debug, Clone, Queryable)]
pub struct ScormPackageWithStructure {
    pub package: ScormPackage,
    pub structure: Json<Structure>,
}

fn package_event(event_type: &str, p: &ScormPackage) -> NewEvent {
    NewEvent::new(p.tenant_id, event_type, json!({ "package_id": p.id, "identifier": p.identifier, "title": p.title, "version": p.version }))
}

pub async fn package_list(db: &Db, tenant: i64, version: Option<&str>, before_id: Option<i64>, limit: i64) -> Result<Page<ScormPackage>, StoreError> {
    macro_rules! filtered {
        () => {{
            let mut q = sp::table.filter(sp::tenant_id.eq(tenant)).into_boxed();
            if let Some(v) = version {
                q = q.filter(sp::version.eq(v.to_owned()));
            }
            q
        }};
    }
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!();
        if let Some(id) = before_id {
            q = q.filter(sp::id.lt(id));
        }
        q.order(sp::id.desc()).limit(limit).select(ScormPackage::as_select()).load::<ScormPackage>(conn)
    }, filtered!().count().get_result::<i64>(conn));
    Ok(Page { rows, total })
}

pub async fn package_get(db: &Db, tenant: i64, id: i64) -> Result<ScormPackageWithStructure, StoreError> {
    with_conn!(db, |conn| {
        Ok(sp::table
            .filter(sp::tenant_id.eq(tenant).and(sp::id.eq(id)))
            .select((ScormPackage::as_select(), sp::structure))
            .first::<(ScormPackage, Json<Structure>)>(conn)
            .await
            .optional()?
            .map(|(package, structure)| ScormPackageWithStructure { package, structure }))
    })
    .found()
}

/// Stores a package [`crate::scorm::inspect`] accepted.
pub async fn package_create(db: &Db, tenant: i64, bytes: &[u8], inspected: &Inspected) -> Result<ScormPackageWithStructure, StoreError> {
    let sha: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let s = &inspected.structure;
    let now = Ts::now();
    write_tx!(db, |conn| {
        let package: ScormPackage = diesel::insert_into(sp::table)
            .values((
                sp::tenant_id.eq(tenant),
                sp::title.eq(&s.title),
                sp::identifier.eq(&s.identifier),
                sp::version.eq(s.version.as_str()),
                sp::schema_version.eq(s.schema_version.as_deref()),
                sp::size_bytes.eq(bytes.len() as i64),
                sp::sha256.eq(&sha),
                sp::entry_count.eq(inspected.entry_count),
                sp::uncompressed_bytes.eq(inspected.uncompressed_bytes),
                sp::sco_count.eq(s.scos.len() as i32),
                sp::structure.eq(Json(s)),
                sp::content.eq(bytes),
                sp::created_at.eq(now),
                sp::updated_at.eq(now),
            ))
            .returning(ScormPackage::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, package_event("learn.scorm_package.created", &package));
        Ok(ScormPackageWithStructure { package, structure: Json(s.clone()) })
    })
}

/// Locks the package's row for the rest of the transaction and reads its
/// structure; `None` when it is not the tenant's.
#[macro_export]
macro_rules! package_lock {
    ($conn:expr, $tenant:expr, $id:expr, $now:expr) => {{
        use $crate::db::schema::learn_scorm_packages as __sp;
        diesel::update(__sp::table.filter(__sp::tenant_id.eq($tenant).and(__sp::id.eq($id))))
            .set(__sp::updated_at.eq($now))
            .returning(__sp::structure)
            .get_result::<$crate::db::Json<$crate::scorm::Structure>>($conn)
            .await
            .optional()?
    }};
}

/// Deletes a package no activity points at (`Refused` otherwise).
pub async fn package_delete(db: &Db, tenant: i64, id: i64) -> Result<ScormPackage, StoreError> {
    let now = Ts::now();
    write_tx!(db, |conn| {
        if crate::package_lock!(conn, tenant, id, now).is_none() {
            return Err(StoreError::NotFound);
        }
        let users: Vec<i64> = a::table
            .filter(a::tenant_id.eq(tenant).and(a::scorm_package_id.eq(id)))
            .select(a::id)
            .order(a::id.asc())
            .limit(5)
            .load(conn)
            .await?;
        if !users.is_empty() {
            let ids: Vec<String> = users.iter().map(i64::to_string).collect();
            return Err(StoreError::Refused(format!("The package is used by activity {}; delete those activities or point them at another package first.", ids.join(", "))));
        }
        let package: ScormPackage = diesel::delete(sp::table.filter(sp::tenant_id.eq(tenant).and(sp::id.eq(id))))
            .returning(ScormPackage::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, package_event("learn.scorm_package.deleted", &package));
        Ok(package)
    })
}
