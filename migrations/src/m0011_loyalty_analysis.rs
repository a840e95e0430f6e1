//! The loyalty analysis (SPEC §4): each run's moves — its report, paginated and
//! exported, written by dry runs too — and an index on `level_changes` by time, from
//! which the KPI dashboard rebuilds "customers per level over time".
//!
//! An analysis is a job (`jobs`, kinds `LOYALTY_ANALYSIS` and `LOYALTY_DRY_RUN`): its
//! options are the job's params, its counts the job's result, so `analysis_id` is the
//! job's id (and `level_changes.analysis_id` too).

use crate::shape::{foreign_key, index, table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table("loyalty_moves")
                    .col(big_integer("analysis_id"))
                    .col(big_integer("customer_id"))
                    // PROMOTION, DEMOTION, HELD (unchanged customers are not listed).
                    .col(string("kind"))
                    .col(string("from_level"))
                    .col(string("to_level"))
                    // The score and the points of each criterion behind it.
                    .col(small_integer("score"))
                    .col(small_integer("frequency"))
                    .col(small_integer("regularity"))
                    .col(small_integer("recency"))
                    .col(small_integer("amount"))
                    // The congratulation coupon issued with a promotion (apply only).
                    .col(string_null("coupon_code"))
                    .foreign_key(&mut foreign_key("loyalty_moves", "analysis_id", "jobs"))
                    .foreign_key(&mut foreign_key(
                        "loyalty_moves",
                        "customer_id",
                        "customers",
                    ))
                    .to_owned(),
            )
            .await?;
        // The moves of a run filtered by kind, in customer order (list, export).
        manager
            .create_index(index(
                "loyalty_moves_kind",
                "loyalty_moves",
                &["analysis_id", "kind", "customer_id"],
            ))
            .await?;
        // All of a run's moves in customer order; also what applies a batch's moves to
        // the customers (a customer range of one run). One move per customer and run.
        manager
            .create_index(
                index(
                    "loyalty_moves_customer",
                    "loyalty_moves",
                    &["analysis_id", "customer_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "level_changes_time",
                "level_changes",
                &["changed_at"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("level_changes_time")
                    .table("level_changes")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("loyalty_moves").to_owned())
            .await
    }
}
