//! `crm backup --to FILE`: a consistent copy of a SQLite database taken while the server
//! keeps serving. `VACUUM INTO` reads one snapshot of the database (sales committed after
//! it started are simply not in the copy, none is half in it) and writes a compact file
//! that a server opens as it is. PostgreSQL has its own tools for this, `pg_dump` and
//! `pg_restore`: the command says so instead of doing a worse job of it.

use crm_store::{DatabaseConnection, StoreError};
use std::path::{Path, PathBuf};

/// Where operators find the whole procedure, PostgreSQL's included.
pub const PROCEDURE: &str = "docs/operations.md, section « Sauvegarde et restauration »";

/// Why no backup was written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The destination exists: a backup never replaces a file.
    #[error("{0} existe déjà : choisissez un nouveau nom de fichier (une sauvegarde n'écrase jamais un fichier)")]
    Exists(PathBuf),
    /// SQLite is given the destination as text.
    #[error("le chemin {0} n'est pas de l'UTF-8 valide")]
    PathNotUtf8(PathBuf),
    /// The database is PostgreSQL.
    #[error("la base est PostgreSQL : sauvegardez-la avec pg_dump et restaurez-la avec pg_restore (voir {PROCEDURE})")]
    UsePgDump,
    /// SQLite refused the copy (disk full, folder missing…).
    #[error("la copie a échoué : {0}")]
    Database(#[from] StoreError),
}

/// Refuses a PostgreSQL URL before any connection is tried.
pub fn check_url(database_url: &str) -> Result<(), BackupError> {
    if database_url.starts_with("postgres") {
        Err(BackupError::UsePgDump)
    } else {
        Ok(())
    }
}

/// Copies the SQLite database behind `db` to `to`, a file that must not exist yet.
/// Returns the size of the copy in bytes.
pub async fn to_file(db: &DatabaseConnection, to: &Path) -> Result<u64, BackupError> {
    if !crm_store::backup::is_sqlite(db) {
        return Err(BackupError::UsePgDump);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let target = to
        .to_str()
        .ok_or_else(|| BackupError::PathNotUtf8(to.to_owned()))?;
    // SQLite itself also refuses an existing file: no race between the check and here.
    crm_store::backup::sqlite_copy(db, target).await?;
    Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0))
}
