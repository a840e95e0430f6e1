//! Daily totals per cashier, so that "Mes ventes" reads at most a few hundred rows
//! whatever the number of sales: figures per day, per product and per payment method,
//! for completed sales only. The sale and refund transactions keep them current; this
//! migration fills them from the sales already recorded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQL that (re)computes the three tables from `sales` — frozen here as this migration
/// ran it; `crm_store::sales::rebuild_rollups` is the living copy.
const BACKFILL: [&str; 3] = [
    "INSERT INTO cashier_day (cashier_id, business_date, sales_count, revenue, discounts) \
     SELECT cashier_id, business_date, COUNT(*), SUM(total), SUM(loyalty_discount + coupon_discount) \
     FROM sales WHERE status = 'COMPLETED' GROUP BY cashier_id, business_date",
    "INSERT INTO cashier_day_product (cashier_id, business_date, product_id, quantity, revenue) \
     SELECT s.cashier_id, s.business_date, l.product_id, SUM(l.quantity), SUM(l.line_total - l.discount) \
     FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.status = 'COMPLETED' \
     GROUP BY s.cashier_id, s.business_date, l.product_id",
    "INSERT INTO cashier_day_payment (cashier_id, business_date, method, amount, payments) \
     SELECT s.cashier_id, s.business_date, p.method, SUM(p.applied_amount), COUNT(*) \
     FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.status = 'COMPLETED' \
     GROUP BY s.cashier_id, s.business_date, p.method",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cashier_day")
                    .col(big_integer("cashier_id"))
                    .col(date("business_date"))
                    .col(big_integer("sales_count"))
                    .col(big_integer("revenue"))
                    .col(big_integer("discounts"))
                    .primary_key(Index::create().col("cashier_id").col("business_date"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("cashier_day_product")
                    .col(big_integer("cashier_id"))
                    .col(date("business_date"))
                    .col(big_integer("product_id"))
                    .col(big_integer("quantity"))
                    .col(big_integer("revenue"))
                    .primary_key(
                        Index::create()
                            .col("cashier_id")
                            .col("business_date")
                            .col("product_id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("cashier_day_payment")
                    .col(big_integer("cashier_id"))
                    .col(date("business_date"))
                    .col(string("method"))
                    .col(big_integer("amount"))
                    .col(big_integer("payments"))
                    .primary_key(
                        Index::create()
                            .col("cashier_id")
                            .col("business_date")
                            .col("method"),
                    )
                    .to_owned(),
            )
            .await?;
        for sql in BACKFILL {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["cashier_day_payment", "cashier_day_product", "cashier_day"] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
