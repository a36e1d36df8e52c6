//! Files: metadata plus their bytes, stored in the database so every server
//! process can serve every file. Metadata queries never load the bytes.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use serde_json::json;

use crate::db::schema::files as f;
use crate::db::{Db, Found, StoreError, Ts};
use crate::store::counts;
use crate::store::events::NewEvent;
use crate::store::{CreatedRange, Page};
use crate::{list_total, page_and_count, with_conn, write_tx};

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

/// Stores a file and its `file.created` event in one transaction.
pub async fn file_create(db: &Db, tenant: i64, owner: Option<i64>, name: &str, content_type: &str, bytes: &[u8]) -> Result<FileMeta, StoreError> {
    let sha: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    write_tx!(db, |conn| {
        let file: FileMeta = diesel::insert_into(f::table)
            .values((
                f::tenant_id.eq(tenant),
                f::owner_id.eq(owner),
                f::kind.eq(kind_of(content_type)),
                f::name.eq(name),
                f::content_type.eq(content_type),
                f::size_bytes.eq(bytes.len() as i64),
                f::sha256.eq(&sha),
                f::content.eq(bytes),
                f::created_at.eq(Ts::now()),
            ))
            .returning(FileMeta::as_returning())
            .get_result(conn)
            .await?;
        crate::record_event!(conn, NewEvent::new(tenant, "file.created", json!({
            "file_id": file.id, "owner_id": file.owner_id, "name": file.name,
            "content_type": file.content_type, "size_bytes": file.size_bytes, "sha256": file.sha256,
        })));
        Ok(file)
    })
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileFilter {
    pub kind: Option<String>,
    pub owner_id: Option<i64>,
    pub created: CreatedRange,
}

macro_rules! filtered {
    ($tenant:expr, $f:expr) => {{
        let mut q = f::table.filter(f::tenant_id.eq($tenant)).into_boxed();
        if let Some(k) = &$f.kind {
            q = q.filter(f::kind.eq(k.clone()));
        }
        if let Some(o) = $f.owner_id {
            q = q.filter(f::owner_id.eq(o));
        }
        if let Some(a) = $f.created.after {
            q = q.filter(f::created_at.ge(a));
        }
        if let Some(b) = $f.created.before {
            q = q.filter(f::created_at.lt(b));
        }
        q
    }};
}

/// Newest first; metadata only.
pub async fn file_list(db: &Db, tenant: i64, f: &FileFilter, before_id: Option<i64>, limit: i64) -> Result<Page<FileMeta>, StoreError> {
    let (rows, total) = page_and_count!(db, |conn| {
        let mut q = filtered!(tenant, f);
        if let Some(id) = before_id {
            q = q.filter(f::id.lt(id));
        }
        q.order(f::id.desc()).limit(limit).select(FileMeta::as_select()).load::<FileMeta>(conn)
    }, list_total!(conn, tenant, counts::FILES, 0, *f == FileFilter::default(), filtered!(tenant, f)));
    Ok(Page { rows, total })
}

/// `len` bytes of the file from `offset` (0-based): downloads read the
/// bytes in chunks, so memory stays bounded whatever the file's size (files
/// live in the database, so they stay well under 2 GiB).
pub async fn file_chunk(db: &Db, tenant: i64, id: i64, offset: i32, len: i32) -> Result<Vec<u8>, StoreError> {
    // SQL's substring is 1-based on both backends
    with_conn!(db, |conn| {
        Ok(f::table
            .filter(f::tenant_id.eq(tenant).and(f::id.eq(id)))
            .select(substr(f::content, offset + 1, len))
            .first::<Vec<u8>>(conn)
            .await
            .optional()?)
    })
    .found()
}

diesel::define_sql_function! {
    /// `substr(bytes, start, length)`: the same name and meaning on both backends.
    fn substr(x: diesel::sql_types::Binary, start: diesel::sql_types::Integer, length: diesel::sql_types::Integer) -> diesel::sql_types::Binary;
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
