//! Settings an administrator changes through the API, one JSON document per key (the
//! loyalty policy first). One row per key, so each setting is read and replaced whole;
//! who changed it last is kept on the row, the before/after in the audit log.

use crate::shape::foreign_key;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("settings")
                    .col(string("key").primary_key())
                    // The setting's JSON (`crm_domain::loyalty::LoyaltyPolicy` for
                    // `loyalty_policy`); read back through the domain's validation.
                    .col(text("value"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer_null("updated_by"))
                    .foreign_key(&mut foreign_key("settings", "updated_by", "users"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("settings").to_owned())
            .await
    }
}
