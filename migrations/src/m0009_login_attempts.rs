//! Login attempts counted in the database, so that several API instances behind one
//! balancer share one allowance per account name and per network address.
//!
//! One row per bucket (`name:<login>` or `address:<ip>`) and per minute window; rows of
//! past windows are deleted as new attempts come in, so the table stays small.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("login_attempts")
                    .col(string("bucket"))
                    // Start of the window, in minutes since the Unix epoch.
                    .col(big_integer("window_start"))
                    .col(integer("attempts"))
                    .primary_key(Index::create().col("bucket").col("window_start"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("login_attempts").to_owned())
            .await
    }
}
