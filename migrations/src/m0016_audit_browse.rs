//! The audit log screen (`GET /audit`, issue 13): entries filtered by actor, action or
//! entity, newest first. `audit_log_at` (m0001) serves the period alone; these serve each
//! filter with its newest entries first, and the erasure's scrub of one entity's entries.

use crate::shape::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, columns) of each index.
const INDEXES: [(&str, &[&str]); 4] = [
    ("audit_log_actor", &["actor_user_id", "at"]),
    ("audit_log_client", &["actor_client_id", "at"]),
    ("audit_log_action", &["action", "at"]),
    ("audit_log_entity", &["entity", "entity_id", "at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, cols) in INDEXES {
            manager.create_index(index(name, "audit_log", cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table("audit_log").to_owned())
                .await?;
        }
        Ok(())
    }
}
