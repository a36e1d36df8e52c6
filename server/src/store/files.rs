//! Files: metadata plus their bytes, stored in the database so every server
//! process can serve every file. Metadata queries never load the bytes.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use crate::db::schema::files as f;
use crate::db::{Db, Found, StoreError, Ts};
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct FileMeta {
    pub tenant_id: i64,
    pub id: i64,
    pub owner_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: Ts,
}

/// The coarse kind lists filter by, from the content type.
pub fn kind_of(content_type: &str) -> &'static str {
    let ct = content_type.to_ascii_lowercase();
    match ct.split('/').next().unwrap_or("") {
        "image" => "image",
        "video" => "video",
        "audio" => "audio",
        "text" => "document",
        _ if ct.contains("pdf") || ct.contains("document") || ct.contains("msword") || ct.contains("sheet") => "document",
        _ if ct.contains("zip") || ct.contains("tar") || ct.contains("gzip") => "archive",
        _ => "other",
    }
}

pub async fn file_create(db: &Db, tenant: i64, owner: Option<i64>, name: &str, content_type: &str, bytes: &[u8]) -> Result<FileMeta, StoreError> {
    let sha: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    with_conn!(db, |conn| {
        Ok(diesel::insert_into(f::table)
            .values((
                f::tenant_id.eq(tenant),
                f::owner_id.eq(owner),
                f::kind.eq(kind_of(content_type)),
                f::name.eq(name),
                f::content_type.eq(content_type),
                f::size_bytes.eq(bytes.len() as i64),
                f::sha256.eq(sha),
                f::content.eq(bytes),
                f::created_at.eq(Ts::now()),
            ))
            .returning(FileMeta::as_returning())
            .get_result(conn)
            .await?)
    })
}

pub async fn file_get(db: &Db, tenant: i64, id: i64) -> Result<FileMeta, StoreError> {
    with_conn!(db, |conn| {
        Ok(f::table
            .filter(f::tenant_id.eq(tenant).and(f::id.eq(id)))
            .select(FileMeta::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .found()
}
