//! Webhooks (issue 16): the endpoints integrators register, the outbox every event is
//! written to in the transaction of its change, and one delivery per event and endpoint
//! that the background worker sends, retries and logs.
//!
//! An event is fanned out into deliveries by the worker, not at the change: the till's
//! transaction writes one outbox row and nothing else. `dispatched_at` says which events
//! the worker has fanned out; the unique (endpoint, event) pair makes a fan-out repeated
//! by two server instances harmless.

use crate::shape::{foreign_key, index, table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table("webhook_endpoints")
                    .col(string("url"))
                    // Space-separated event types (`sale.completed customer.created`).
                    .col(string("events"))
                    // The HMAC-SHA256 key of the signatures, shown once at creation and kept
                    // encrypted with CRM_PHONE_KEY (AES-256-GCM), like the phones.
                    .col(string("secret"))
                    // A deleted endpoint is kept inactive: its delivery log stays readable.
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(&mut foreign_key("webhook_endpoints", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table("outbox_events")
                    // The id receivers deduplicate on (a UUID), sent as `id` and `X-CRM-Event-Id`.
                    .col(string_uniq("event_id"))
                    .col(string("kind"))
                    // The event's `data`, as JSON text.
                    .col(text("payload"))
                    .col(timestamp_with_time_zone("created_at"))
                    // When the worker made its deliveries; NULL until then.
                    .col(timestamp_with_time_zone_null("dispatched_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "outbox_events_dispatch",
                "outbox_events",
                &["dispatched_at", "id"],
            ))
            .await?;
        manager
            .create_table(
                table("webhook_deliveries")
                    .col(big_integer("endpoint_id"))
                    .col(big_integer("outbox_event_id"))
                    // PENDING, DELIVERED or FAILED.
                    .col(string("status"))
                    .col(integer("attempts"))
                    // When the next attempt is due; a claimed delivery has it pushed past
                    // its lease, so a worker that dies mid-attempt leaves it to be retried.
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    // Retries stop after this instant (24 h after the event or a redeliver).
                    .col(timestamp_with_time_zone("retry_until"))
                    .col(integer_null("last_status_code"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("last_attempt_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key(
                        "webhook_deliveries",
                        "endpoint_id",
                        "webhook_endpoints",
                    ))
                    .foreign_key(&mut foreign_key(
                        "webhook_deliveries",
                        "outbox_event_id",
                        "outbox_events",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "webhook_deliveries_pair",
                    "webhook_deliveries",
                    &["endpoint_id", "outbox_event_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "webhook_deliveries_due",
                "webhook_deliveries",
                &["status", "next_attempt_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["webhook_deliveries", "outbox_events", "webhook_endpoints"] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
