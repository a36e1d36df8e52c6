use mobieus_api::server::{DownloadFilePath, FilesService, GetFilePath, ListFilesQuery};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::streaming::ChannelBody;
use super::{created_range, stored, Paging};
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::files::{file_chunk, file_get, file_list, FileFilter, FileMeta};

/// Bytes read from the store per query while a download streams.
const CHUNK_BYTES: i64 = 256 * 1024;

fn file_out(f: FileMeta) -> Result<types::File, ApiError> {
    Ok(types::File {
        id: f.id,
        owner_id: f.owner_id,
        kind: stored("file kind", &f.kind)?,
        content_path: format!("/api/v1/files/{}/content", f.id),
        name: f.name,
        content_type: f.content_type,
        size_bytes: f.size_bytes,
        sha256: f.sha256,
        created_at: f.created_at.0,
    })
}

/// `attachment; filename="..."` with a plain-ASCII fallback name and the
/// exact name percent-encoded (RFC 6266 / 5987).
fn content_disposition(name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

impl FilesService for AppContext {
    async fn list_files(call: &Call<'_, Self>, query: ListFilesQuery) -> Result<types::FileList, ApiError> {
        let paging = Paging::new(call, "files", query.cursor.as_deref(), query.limit)?;
        let filter = FileFilter {
            kind: query.kind,
            owner_id: query.owner,
            created: created_range(query.created_after, query.created_before),
        };
        let page = file_list(&call.context().db, call.principal.tenant_id, &filter, paging.id()?, paging.fetch())
            .await
            .map_err(store_error("file"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |f| json!([f.id]));
        Ok(types::FileList {
            data: rows.into_iter().map(file_out).collect::<Result<_, _>>()?,
            next_cursor,
            has_more,
            total_count: page.total,
            request_id: String::new(),
        })
    }

    async fn get_file(call: &Call<'_, Self>, path: GetFilePath) -> Result<types::FileEnvelope, ApiError> {
        let file = file_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("file"))?;
        Ok(types::FileEnvelope { data: file_out(file)?, next_cursor: None, request_id: String::new() })
    }

    async fn download_file(call: &Call<'_, Self>, path: DownloadFilePath) -> Result<http::Response<dropshot::Body>, ApiError> {
        let db = call.context().db.clone();
        let tenant = call.principal.tenant_id;
        let meta = file_get(&db, tenant, path.id).await.map_err(store_error("file"))?;
        let size = meta.size_bytes;
        let (tx, body) = ChannelBody::new(2, Some(size as u64));
        tokio::spawn(async move {
            let mut offset = 0i64;
            while offset < size {
                let len = CHUNK_BYTES.min(size - offset);
                match file_chunk(&db, tenant, meta.id, offset as i32, len as i32).await {
                    Ok(bytes) if !bytes.is_empty() => {
                        offset += bytes.len() as i64;
                        if tx.send(bytes.into()).await.is_err() {
                            return;
                        }
                    }
                    // the client sees a body shorter than Content-Length: an
                    // error, never a silently truncated file
                    Ok(_) => return,
                    Err(e) => {
                        tracing::error!(error = %e, file_id = meta.id, "file download failed mid-stream");
                        return;
                    }
                }
            }
        });
        http::Response::builder()
            .status(http::StatusCode::OK)
            .header(http::header::CONTENT_TYPE, &meta.content_type)
            .header(http::header::CONTENT_LENGTH, size)
            .header(http::header::CONTENT_DISPOSITION, content_disposition(&meta.name))
            .header(http::header::ETAG, format!("\"{}\"", meta.sha256))
            .header("x-content-type-options", "nosniff")
            .body(dropshot::Body::wrap(body))
            .map_err(|_| ApiError::server_error())
    }
}
