//! The catalogue and checkout: products, sales with their lines and payments, the
//! per-store daily ticket counter, and the refund/cancel record.

use crate::shape::{foreign_key, index, table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table("products")
                    .col(string_uniq("sku"))
                    .col(string_null("barcode").unique_key())
                    .col(string("name"))
                    .col(string("category"))
                    // FCFA including VAT.
                    .col(big_integer("price"))
                    .col(big_integer("cost"))
                    // Basis points: 1800 = 18 %.
                    .col(integer("vat_rate_bp"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("products_name", "products", &["name"]))
            .await?;

        manager
            .create_table(
                table("sales")
                    .col(big_integer("store_id"))
                    .col(big_integer("till_id"))
                    .col(big_integer("cashier_id"))
                    .col(big_integer_null("customer_id"))
                    .col(string_uniq("ticket_number"))
                    .col(string("status"))
                    .col(big_integer("subtotal"))
                    .col(string("loyalty_percent"))
                    .col(big_integer("loyalty_discount"))
                    .col(big_integer("coupon_discount"))
                    .col(big_integer("total"))
                    .col(big_integer("vat_total"))
                    .col(big_integer("points_earned"))
                    .col(big_integer("paid"))
                    .col(big_integer("change_given"))
                    // Store-local date: "per day" figures group on it.
                    .col(date("business_date"))
                    .col(timestamp_with_time_zone("created_at"))
                    // A retried POST with the same key returns this sale.
                    .col(string_null("idempotency_key"))
                    .col(string_null("request_hash"))
                    .foreign_key(&mut foreign_key("sales", "store_id", "stores"))
                    .foreign_key(&mut foreign_key("sales", "till_id", "tills"))
                    .foreign_key(&mut foreign_key("sales", "cashier_id", "users"))
                    .foreign_key(&mut foreign_key("sales", "customer_id", "customers"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "sales_idempotency",
                    "sales",
                    &["cashier_id", "idempotency_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "sales_cashier_time",
                "sales",
                &["cashier_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "sales_customer_time",
                "sales",
                &["customer_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "sales_store_day",
                "sales",
                &["store_id", "business_date"],
            ))
            .await?;
        manager
            .create_index(index("sales_time", "sales", &["created_at"]))
            .await?;

        manager
            .create_table(
                table("sale_lines")
                    .col(big_integer("sale_id"))
                    .col(big_integer("product_id"))
                    .col(big_integer("quantity"))
                    .col(big_integer("unit_price"))
                    .col(big_integer("line_total"))
                    // This line's share of the sale's discounts.
                    .col(big_integer("discount"))
                    .col(integer("vat_rate_bp"))
                    .col(big_integer("unit_cost"))
                    .foreign_key(&mut foreign_key("sale_lines", "sale_id", "sales"))
                    .foreign_key(&mut foreign_key("sale_lines", "product_id", "products"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("sale_lines_sale", "sale_lines", &["sale_id"]))
            .await?;
        manager
            .create_index(index("sale_lines_product", "sale_lines", &["product_id"]))
            .await?;

        manager
            .create_table(
                table("payments")
                    .col(big_integer("sale_id"))
                    .col(string("method"))
                    // What the customer handed over.
                    .col(big_integer("amount"))
                    // What the store keeps (cash net of change): takings per method.
                    .col(big_integer("applied_amount"))
                    .col(string_null("reference"))
                    .foreign_key(&mut foreign_key("payments", "sale_id", "sales"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("payments_sale", "payments", &["sale_id"]))
            .await?;

        // One row per store and day; the sale's transaction increments it, so two tills
        // can never draw the same ticket number.
        manager
            .create_table(
                Table::create()
                    .table("ticket_counters")
                    .col(big_integer("store_id"))
                    .col(date("business_date"))
                    .col(integer("last_seq"))
                    .primary_key(Index::create().col("store_id").col("business_date"))
                    .foreign_key(&mut foreign_key("ticket_counters", "store_id", "stores"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table("sale_events")
                    .col(big_integer("sale_id"))
                    .col(string("kind"))
                    .col(big_integer_null("actor_user_id"))
                    .col(string("reason"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut foreign_key("sale_events", "sale_id", "sales"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("sale_events_sale", "sale_events", &["sale_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "sale_events",
            "ticket_counters",
            "payments",
            "sale_lines",
            "sales",
            "products",
        ] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
