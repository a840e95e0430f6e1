//! Refunds as money out, and service accounts that sell.
//!
//! - `refund_payments`: how the money of a refunded sale went back (method, amount) and
//!   on which store-local day. A refund is money out on *that* day: the sale stays in
//!   the figures of the day it was made, and the refund day's totals gain `refunds_count`
//!   and `refunded` (per method in `cashier_day_payment.refunded`). A cancellation, on
//!   the sale's own day, still takes the sale out of that day as if it never happened.
//! - `service_accounts.user_id`: the technical staff row a service account with the
//!   `pos` scope sells as (created on its first sale, never able to log in), so that
//!   every sale keeps a cashier for its receipt, its ticket and the daily totals.
//!
//! The rollups are recomputed under the new rule; sales refunded before this migration
//! get their refund record dated on the sale's own day, the way it was paid.

use crate::shape::{foreign_key, index, table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The rollups recomputed under the new rule — frozen here as this migration ran it;
/// `crm_store::sales::rebuild_rollups` is the living copy.
const REBUILD: [&str; 9] = [
    "INSERT INTO refund_payments (sale_id, business_date, method, amount, created_at) \
     SELECT p.sale_id, s.business_date, p.method, p.applied_amount, s.created_at \
     FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.status = 'REFUNDED' \
     AND NOT EXISTS (SELECT 1 FROM refund_payments r WHERE r.sale_id = s.id)",
    "DELETE FROM cashier_day",
    "DELETE FROM cashier_day_product",
    "DELETE FROM cashier_day_payment",
    "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts, refunds_count, refunded) \
     SELECT cashier_id, business_date, COUNT(*), SUM(total), SUM(loyalty_discount + coupon_discount), 0, 0 \
     FROM sales WHERE status IN ('COMPLETED', 'REFUNDED') GROUP BY cashier_id, business_date",
    "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts, refunds_count, refunded) \
     SELECT s.cashier_id, r.business_date, 0, 0, 0, COUNT(DISTINCT r.sale_id), SUM(r.amount) \
     FROM refund_payments r JOIN sales s ON s.id = r.sale_id WHERE 1 = 1 GROUP BY s.cashier_id, r.business_date \
     ON CONFLICT (cashier_id, business_date) DO UPDATE SET refunds_count = excluded.refunds_count, refunded = excluded.refunded",
    "INSERT INTO cashier_day_product (cashier_id, business_date, product_id, quantity, revenue) \
     SELECT s.cashier_id, s.business_date, l.product_id, SUM(l.quantity), SUM(l.line_total - l.discount) \
     FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.status IN ('COMPLETED', 'REFUNDED') \
     GROUP BY s.cashier_id, s.business_date, l.product_id",
    "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments, refunded) \
     SELECT s.cashier_id, s.business_date, p.method, SUM(p.applied_amount), COUNT(*), 0 \
     FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.status IN ('COMPLETED', 'REFUNDED') \
     GROUP BY s.cashier_id, s.business_date, p.method",
    "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments, refunded) \
     SELECT s.cashier_id, r.business_date, r.method, 0, 0, SUM(r.amount) \
     FROM refund_payments r JOIN sales s ON s.id = r.sale_id WHERE 1 = 1 GROUP BY s.cashier_id, r.business_date, r.method \
     ON CONFLICT (cashier_id, business_date, method) DO UPDATE SET refunded = excluded.refunded",
];

fn add_column(table: &'static str, column: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table("refund_payments")
                    .col(big_integer("sale_id"))
                    // Store-local day of the refund: the day whose totals show the money out.
                    .col(date("business_date"))
                    .col(string("method"))
                    .col(big_integer("amount"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key("refund_payments", "sale_id", "sales"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "refund_payments_sale",
                "refund_payments",
                &["sale_id"],
            ))
            .await?;
        for (name, column) in [
            ("cashier_day", "refunds_count"),
            ("cashier_day", "refunded"),
            ("cashier_day_payment", "refunded"),
        ] {
            manager
                .alter_table(add_column(name, big_integer(column).default(0).to_owned()))
                .await?;
        }
        manager
            .alter_table(add_column(
                "service_accounts",
                big_integer_null("user_id").to_owned(),
            ))
            .await?;
        let db = manager.get_connection();
        for sql in REBUILD {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [
            ("service_accounts", "user_id"),
            ("cashier_day_payment", "refunded"),
            ("cashier_day", "refunded"),
            ("cashier_day", "refunds_count"),
        ] {
            manager
                .alter_table(Table::alter().table(name).drop_column(column).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table("refund_payments").to_owned())
            .await
    }
}
