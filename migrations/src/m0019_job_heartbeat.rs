//! Jobs that several servers on one database can share: a running job's server writes
//! `heartbeat_at` every few seconds, so a server that starts (or a start of the same kind)
//! fails only the jobs whose server has stopped beating — never another live server's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("jobs")
                    .add_column(timestamp_with_time_zone_null("heartbeat_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("jobs")
                    .drop_column("heartbeat_at")
                    .to_owned(),
            )
            .await
    }
}
