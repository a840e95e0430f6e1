//! `crm import legacy`: which row of the old system became which row here, so that
//! importing the same export twice writes nothing the second time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("legacy_ids")
                    // `user`, `product`, `client`, `sale`, `sale_line`, `payment`.
                    .col(string("entity"))
                    // The old system's identifier, as exported.
                    .col(string("legacy_id"))
                    // The id of the row it became (or was matched to) here.
                    .col(big_integer("new_id"))
                    .primary_key(Index::create().col("entity").col("legacy_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("legacy_ids").to_owned())
            .await
    }
}
