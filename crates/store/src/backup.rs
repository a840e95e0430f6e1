//! The SQL of `crm backup`: SQLite's own consistent online copy.

use crate::StoreResult;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};

/// Whether `db` is a SQLite database (the only engine copied by `crm backup`).
pub fn is_sqlite(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DatabaseBackend::Sqlite
}

/// Writes a consistent copy of the SQLite database to the new file `target`.
///
/// `VACUUM INTO` reads one snapshot (writers carry on meanwhile) and refuses a file that
/// already exists. The file name is a bound parameter: no quoting to get wrong.
pub async fn sqlite_copy(db: &DatabaseConnection, target: &str) -> StoreResult<()> {
    db.execute_raw(crate::sql::statement(db, "VACUUM INTO ?", [target.into()]))
        .await?;
    Ok(())
}
