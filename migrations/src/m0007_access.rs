//! Access that can be stopped: every staff account carries a token version, written into
//! each access token it is issued. Deactivating the account, changing its role, resetting
//! or changing its password bumps the version, so the tokens issued before stop working
//! at their next request instead of living out their lifetime.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(integer("token_version").default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("token_version")
                    .to_owned(),
            )
            .await
    }
}
