//! The administration back office: a store's postal address, shown on the store list and
//! kept for receipts to come. Tills, their active flag and a staff member's default store
//! (`users.store_id`) already exist since `m0001`; nothing else changes shape.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stores")
                    .add_column(text_null("address"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("stores")
                    .drop_column("address")
                    .to_owned(),
            )
            .await
    }
}
