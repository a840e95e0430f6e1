//! The back office's customer search (issue 13): a name found by a prefix of the family or
//! the given name, whatever the case and the accents typed.
//!
//! - `customers.name_key` (`kouassi aya`: family name first) and `name_key_first` (`aya
//!   kouassi`), each the name folded by `crm_domain::customer::fold` — lower case, no
//!   accents, one space between words. Every write of a name keeps them
//!   (`crm_store::customers`, the demo load, the import, the erasure); this migration
//!   fills them for the rows already there, in Rust, because neither database folds
//!   accents the same way (nor at all, for SQLite).
//! - An index on each. A prefix is searched as the range `key >= p AND key < p'`
//!   (`crm_domain::customer::prefix_end`), which an ordinary index serves only where text
//!   is compared code point by code point: SQLite's BINARY collation does, and on
//!   PostgreSQL the columns are declared `COLLATE "C"` so that the answer does not depend
//!   on the database's locale.
//! - An index on `customers.city`, the list's city filter.

use crate::shape::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows folded per read and written per transaction.
const BATCH: u64 = 1_000;

fn key_column(backend: DbBackend, name: &'static str) -> ColumnDef {
    let mut col = ColumnDef::new(Alias::new(name));
    col.string().null();
    if backend == DbBackend::Postgres {
        col.extra("COLLATE \"C\"");
    }
    col
}

/// Fills both keys of every customer with a name, by batches of ids.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let param = |n: u32| match backend {
        DbBackend::Sqlite => format!("?{n}"),
        _ => format!("${n}"),
    };
    let read = format!(
        "SELECT id, first_name, last_name FROM customers WHERE id > {} \
         AND (first_name IS NOT NULL OR last_name IS NOT NULL) ORDER BY id LIMIT {BATCH}",
        param(1)
    );
    let write = format!(
        "UPDATE customers SET name_key = {}, name_key_first = {} WHERE id = {}",
        param(1),
        param(2),
        param(3)
    );
    let mut after = 0_i64;
    loop {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                read.clone(),
                [after.into()],
            ))
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get::<i64>("", "id")?;
        let txn = db.begin().await?;
        for row in &rows {
            let id: i64 = row.try_get("", "id")?;
            let first: Option<String> = row.try_get("", "first_name")?;
            let last: Option<String> = row.try_get("", "last_name")?;
            let (key, key_first) =
                crm_domain::customer::name_keys(first.as_deref(), last.as_deref());
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                write.clone(),
                [key.into(), key_first.into(), id.into()],
            ))
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // SQLite adds one column per statement.
        for name in ["name_key", "name_key_first"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("customers")
                        .add_column(key_column(backend, name))
                        .to_owned(),
                )
                .await?;
        }
        backfill(manager).await?;
        manager
            .create_index(index("customers_name_key", "customers", &["name_key"]))
            .await?;
        manager
            .create_index(index(
                "customers_name_key_first",
                "customers",
                &["name_key_first"],
            ))
            .await?;
        manager
            .create_index(index("customers_city", "customers", &["city"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "customers_city",
            "customers_name_key_first",
            "customers_name_key",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("customers").to_owned())
                .await?;
        }
        for name in ["name_key_first", "name_key"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("customers")
                        .drop_column(Alias::new(name))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
