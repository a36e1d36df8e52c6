//! What `getReadiness` asks the database: that it answers, and which of this
//! build's migrations it has.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::{Db, StoreError, PG_MIGRATIONS, SQLITE_MIGRATIONS};

// diesel_migrations' own bookkeeping table (one row per applied migration).
diesel::table! {
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

/// Migrations this build knows and the database has applied, as (known,
/// applied): one query, which is also the check that the database answers.
pub async fn migrations_state(db: &Db) -> Result<(usize, usize), StoreError> {
    let known: Vec<String> = match db {
        Db::Pg(_) => known_versions::<diesel::pg::Pg>(&PG_MIGRATIONS)?,
        Db::Sqlite(_) => known_versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?,
    };
    let applied: Vec<String> = crate::with_conn!(db, |conn| {
        __diesel_schema_migrations::table.select(__diesel_schema_migrations::version).load(conn).await?
    });
    let have = known.iter().filter(|v| applied.contains(v)).count();
    Ok((known.len(), have))
}

fn known_versions<DB: diesel::backend::Backend>(source: &dyn diesel::migration::MigrationSource<DB>) -> Result<Vec<String>, StoreError> {
    let migrations = source.migrations().map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(migrations.iter().map(|m| m.name().version().to_string().replace('-', "")).collect())
}
