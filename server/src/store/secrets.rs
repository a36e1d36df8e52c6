//! Server-wide secrets shared by every process on the database (e.g. the
//! key that signs pagination cursors): created once, read at start.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::server_secrets as s;
use crate::db::{Db, StoreError};
use crate::write_conn;

/// Returns the named secret, creating it with `fresh` if it does not exist.
/// Concurrent starters agree: the first insert wins, everyone reads it.
pub async fn secret_get_or_create(db: &Db, name: &str, fresh: String) -> Result<String, StoreError> {
    write_conn!(db, |conn| {
        diesel::insert_into(s::table)
            .values((s::name.eq(name), s::value.eq(&fresh)))
            .on_conflict(s::name)
            .do_nothing()
            .execute(conn)
            .await?;
        Ok(s::table.find(name).select(s::value).first::<String>(conn).await?)
    })
}
