//! Persistence of the CRM: connection, migrations, and one module of queries per
//! aggregate. SQL lives here and nowhere else; callers get plain rows or domain values.

pub mod audit;
pub mod backup;
pub mod coupons;
pub mod customers;
pub mod demo;
pub mod entities;
pub mod jobs;
pub mod kpis;
pub mod legacy;
pub mod login_attempts;
pub mod loyalty;
pub mod loyalty_stats;
pub mod products;
pub mod sales;
pub mod service_accounts;
pub mod sessions;
pub mod settings;
mod sql;
pub mod stores;
pub mod users;
pub mod webhooks;

use crm_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend};
pub use sea_orm::{DatabaseConnection, DbErr};
use std::time::Duration;

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. a username already taken).
    #[error("déjà existant : {0}")]
    Conflict(String),
    /// The row asked for does not exist.
    #[error("introuvable")]
    NotFound,
    /// A coupon refused at checkout, under its row lock (caps reached meanwhile…).
    #[error("coupon refusé : {0}")]
    Coupon(crm_domain::coupon::CouponRefusal),
    /// A stored value the domain does not know (a level, a role, a kind…): the database
    /// was changed behind the application's back. Never read as a default.
    #[error("valeur inconnue en base dans {column} : {value:?}")]
    Corrupt {
        /// `table.column`.
        column: &'static str,
        /// What was found there.
        value: String,
    },
    /// Anything else from the driver.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Reads a value stored as text into its domain type: the one row→domain conversion of
/// every level, role, kind, status and category column.
pub(crate) fn stored<T: std::str::FromStr>(column: &'static str, value: &str) -> StoreResult<T> {
    value.parse().map_err(|_| StoreError::Corrupt {
        column,
        value: value.to_owned(),
    })
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict`, anything else to `Db`.
    pub fn from_write(err: DbErr, what: &str) -> StoreError {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                StoreError::Conflict(what.to_owned())
            }
            _ => StoreError::Db(err),
        }
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// What a pool is opened for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Workload {
    /// The server and the short commands: the same few queries again and again.
    #[default]
    Serve,
    /// A bulk load (`crm import legacy`): the same lookups against tables growing under
    /// them by the million rows.
    BulkLoad,
}

/// Opens a pool on `url` (`sqlite://path?mode=rwc` or `postgres://…`) for serving.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_for(url, Workload::Serve).await
}

/// Opens a pool on `url` for `workload`.
///
/// Statement logging stays off: bound values could carry personal data.
pub async fn connect_for(url: &str, workload: Workload) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    options
        .sqlx_logging(false)
        // PostgreSQL: every connection is pinged before it is handed out, so one that
        // died meanwhile (a restarted server, a terminated backend, a dropped link) is
        // replaced instead of failing the request with a 500. It costs a round trip per
        // query; the hottest one, identify at the till, runs on its own lanes beside the
        // pool (`coupons::TillLookup`). A SQLite file does not go away.
        .test_before_acquire(!sqlite)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if sqlite {
        // WAL lets the tills read while one of them writes; writers queue on the
        // busy timeout instead of failing with "database is locked".
        options.max_connections(4).map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    } else {
        options.max_connections(16);
        if workload == Workload::BulkLoad {
            // PostgreSQL plans a prepared statement once for any values after five runs.
            // During an import that generic plan is made while `legacy_ids` is small — a
            // sequential scan testing each row against the batch's 1 000 ids — and kept
            // while the table grows: the lookup then took 3.5 s a batch (measured in
            // docs/benchmarks.md). Planned with its values every time, it takes an index.
            options.map_sqlx_postgres_opts(|opts| {
                opts.options([("plan_cache_mode", "force_custom_plan")])
            });
        }
    }
    let db = Database::connect(options).await?;
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers a trivial query (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// Which SQL dialect the pool speaks.
pub fn backend(db: &DatabaseConnection) -> DbBackend {
    db.get_database_backend()
}
