//! Server-wide secrets shared by every process on the database (e.g. the
//! key that signs pagination cursors): created once, read at start, sealed
//! at rest with the master key like every other secret (the caller seals
//! and opens; `secrets rotate-master-key` reseals them).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::server_secrets as s;
use crate::db::{Db, StoreError};
use crate::{with_conn, write_conn};

/// The key that signs pagination cursors.
pub const CURSOR_KEY: &str = "cursor_hmac_key";

/// What a server secret is sealed for (binds the ciphertext to its name).
pub fn server_secret_context(name: &str) -> String {
    format!("server_secret:{name}")
}

/// Returns the named secret as stored, storing `fresh` first if it does not
/// exist. Concurrent starters agree: the first insert wins, everyone reads it.
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

/// Every server secret as stored: (name, value).
pub async fn server_secrets_all(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    with_conn!(db, |conn| Ok(s::table.select((s::name, s::value)).order(s::name).load::<(String, String)>(conn).await?))
}

/// Replaces a secret's stored form if it is still `read` (compare-and-set,
/// for the rotation); whether it was.
pub async fn server_secret_replace(db: &Db, name: &str, read: &str, resealed: &str) -> Result<bool, StoreError> {
    let n: usize = write_conn!(db, |conn| diesel::update(s::table.filter(s::name.eq(name).and(s::value.eq(read))))
        .set(s::value.eq(resealed))
        .execute(conn)
        .await?);
    Ok(n == 1)
}
