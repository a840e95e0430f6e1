//! The loyalty analysis at the chain's size (issue 11).
//!
//! - `sales_customer_activity`: the completed sales by customer and time, with their
//!   total, so that the analysis's one query per batch of customers reads an index range
//!   and never the table (PostgreSQL: `INCLUDE (total)`, an index-only scan; SQLite: the
//!   total as a third key column). Partial on `status = 'COMPLETED'`: the refunded and
//!   cancelled sales the analysis ignores are not in it.
//! - PostgreSQL only: `loyalty_moves` loses its two foreign keys. The moves are a run's
//!   report, written 5 000 rows at a time by the analysis alone, for customers and a job it
//!   has just read; customers are never deleted (erasure keeps the row) and jobs neither,
//!   so checking both keys on every row bought nothing but write time (docs/benchmarks.md,
//!   "Faster reads, lighter writes"). SQLite keeps them: dropping a foreign key there means rebuilding
//!   the table, and its writes are not the bottleneck.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX_POSTGRES: &str =
    "CREATE INDEX sales_customer_activity ON sales (customer_id, created_at) \
     INCLUDE (total) WHERE status = 'COMPLETED'";
const INDEX_SQLITE: &str =
    "CREATE INDEX sales_customer_activity ON sales (customer_id, created_at, total) \
     WHERE status = 'COMPLETED'";
const MOVES_FOREIGN_KEYS: [&str; 2] = [
    "loyalty_moves_analysis_id_fkey",
    "loyalty_moves_customer_id_fkey",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(INDEX_POSTGRES).await?;
                for name in MOVES_FOREIGN_KEYS {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE loyalty_moves DROP CONSTRAINT IF EXISTS {name}"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(INDEX_SQLITE).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE loyalty_moves ADD CONSTRAINT loyalty_moves_analysis_id_fkey \
                 FOREIGN KEY (analysis_id) REFERENCES jobs (id)",
            )
            .await?;
            db.execute_unprepared(
                "ALTER TABLE loyalty_moves ADD CONSTRAINT loyalty_moves_customer_id_fkey \
                 FOREIGN KEY (customer_id) REFERENCES customers (id)",
            )
            .await?;
        }
        db.execute_unprepared("DROP INDEX sales_customer_activity")
            .await?;
        Ok(())
    }
}
