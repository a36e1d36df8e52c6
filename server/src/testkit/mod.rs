//! Fresh databases for tests (each test its own, as crates.io does), used by
//! this crate's tests and the conformance suite.

mod http1;
mod model_stand_in;
mod receiver;

pub use model_stand_in::{ModelStandIn, Scripted, Seen};
pub use receiver::{Received, Receiver};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// A new, empty PostgreSQL database on the server `base_url` points at.
/// Returns its URL.
pub async fn fresh_postgres(base_url: &str) -> Result<String, String> {
    let name = format!("mobieus_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = AsyncPgConnection::establish(base_url).await.map_err(|e| e.to_string())?;
    // the name is ours (hex), not user input; CREATE DATABASE takes no bind parameters
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).await.map_err(|e| e.to_string())?;
    let (server, _) = base_url.rsplit_once('/').ok_or("database URL has no path")?;
    Ok(format!("{server}/{name}"))
}

/// A path for a new SQLite database file under the system temp directory.
pub fn fresh_sqlite() -> String {
    let dir = std::env::temp_dir().join("mobieus-tests");
    let _ = std::fs::create_dir_all(&dir);
    format!("sqlite://{}", dir.join(format!("{}.db", uuid::Uuid::new_v4().simple())).display())
}

/// Drops the test databases earlier runs left behind (CI calls this first).
pub async fn drop_test_databases(base_url: &str) -> Result<usize, String> {
    use diesel::sql_types::Text;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let mut conn = AsyncPgConnection::establish(base_url).await.map_err(|e| e.to_string())?;
    let names: Vec<Name> = diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'mobieus\\_t\\_%'")
        .load(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    for n in &names {
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", n.datname))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(names.len())
}
