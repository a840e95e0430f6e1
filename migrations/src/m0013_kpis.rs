//! The KPI dashboard (SPEC §5).
//!
//! - `sales.customer_level`: the customer's level at the time of the sale, recorded by
//!   the checkout from the customer row it already reads, so a segment's figures for a
//!   past period do not move when levels change. Sales recorded before this migration get
//!   their customer's *current* level (the best there is: the history of levels was not
//!   kept until the loyalty analysis); anonymous sales stay NULL.
//! - `kpi_daily`: completed sales summed per store, store-local day and segment (the
//!   level at the time of the sale, or `ANONYMOUS`), kept exact by the sale, cancel and
//!   refund transactions and rebuilt after a bulk load; the dashboard reads a year in a
//!   few thousand rows instead of every sale and its lines.
//! - indexes for the ranges the KPIs read: level changes by time, sales by day.

use sea_orm_migration::{prelude::*, schema::*};

use crate::shape::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Fills `customer_level` and `kpi_daily` from the sales already recorded — frozen here
/// as this migration ran it; `crm_store::kpis::rebuild` is the living copy.
const BACKFILL: [&str; 2] = [
    "UPDATE sales SET customer_level = (SELECT c.level FROM customers c WHERE c.id = sales.customer_id) \
     WHERE customer_id IS NOT NULL",
    "INSERT INTO kpi_daily (store_id, business_date, segment, sales, subtotal, loyalty_discount, coupon_discount, total, cost) \
     SELECT s.store_id, s.business_date, COALESCE(s.customer_level, 'ANONYMOUS'), COUNT(*), SUM(s.subtotal), \
            SUM(s.loyalty_discount), SUM(s.coupon_discount), SUM(s.total), \
            SUM((SELECT COALESCE(SUM(l.quantity * l.unit_cost), 0) FROM sale_lines l WHERE l.sale_id = s.id)) \
     FROM sales s WHERE s.status = 'COMPLETED' \
     GROUP BY s.store_id, s.business_date, COALESCE(s.customer_level, 'ANONYMOUS')",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("sales")
                    .add_column(string_null("customer_level"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("kpi_daily")
                    .col(big_integer("store_id"))
                    .col(date("business_date"))
                    .col(string("segment"))
                    .col(big_integer("sales"))
                    .col(big_integer("subtotal"))
                    .col(big_integer("loyalty_discount"))
                    .col(big_integer("coupon_discount"))
                    .col(big_integer("total"))
                    .col(big_integer("cost"))
                    .primary_key(
                        Index::create()
                            .col("business_date")
                            .col("store_id")
                            .col("segment"),
                    )
                    .to_owned(),
            )
            .await?;
        // `level_changes (changed_at)`, which the customer base over time reads, comes with
        // m0011 (the loyalty analysis that writes the table).
        manager
            .create_index(index("sales_day", "sales", &["business_date"]))
            .await?;
        for sql in BACKFILL {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("sales_day").table("sales").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("kpi_daily").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("sales")
                    .drop_column("customer_level")
                    .to_owned(),
            )
            .await
    }
}
