//! Coupons (SPEC §3): the coupons, every redemption counted against their caps, and the
//! background jobs that issue them in bulk (and later run the loyalty analysis).

use crate::shape::{foreign_key, index, table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table("jobs")
                    // BULK_COUPONS, LOYALTY_ANALYSIS…
                    .col(string("kind"))
                    // QUEUED, RUNNING, SUCCEEDED, FAILED.
                    .col(string("status"))
                    .col(big_integer("total"))
                    .col(big_integer("done"))
                    .col(text_null("params"))
                    .col(text_null("result"))
                    .col(string_null("error"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .foreign_key(&mut foreign_key("jobs", "created_by", "users"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table("coupons")
                    // Upper case, no spaces: lookups compare normalised codes.
                    .col(string_uniq("code"))
                    .col(string("kind"))
                    .col(string("discount_kind"))
                    // Percent (1–100) or FCFA.
                    .col(big_integer("value"))
                    .col(string("description"))
                    .col(date("valid_from"))
                    .col(date("valid_to"))
                    .col(integer_null("global_cap"))
                    .col(integer("per_customer_cap"))
                    .col(big_integer("min_basket"))
                    .col(string_null("required_level"))
                    .col(big_integer_null("customer_id"))
                    // Comma-separated categories; empty = every line.
                    .col(string("eligible_categories"))
                    .col(boolean("stacks_with_loyalty"))
                    .col(string("status"))
                    // Unreleased redemptions, kept under the coupon's row lock.
                    .col(integer("uses_count"))
                    .col(big_integer_null("issue_job_id"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key("coupons", "customer_id", "customers"))
                    .foreign_key(&mut foreign_key("coupons", "issue_job_id", "jobs"))
                    .foreign_key(&mut foreign_key("coupons", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        // A customer's coupons (POS, bulk-issue skip rule); a bulk run's codes (export).
        manager
            .create_index(index(
                "coupons_customer",
                "coupons",
                &["customer_id", "status"],
            ))
            .await?;
        manager
            .create_index(index("coupons_issue_job", "coupons", &["issue_job_id"]))
            .await?;

        manager
            .create_table(
                table("coupon_redemptions")
                    .col(big_integer("coupon_id"))
                    .col(big_integer_null("customer_id"))
                    .col(big_integer("sale_id"))
                    .col(big_integer("amount"))
                    .col(timestamp_with_time_zone("at"))
                    // Set when the sale is refunded or cancelled: the use no longer counts.
                    .col(timestamp_with_time_zone_null("released_at"))
                    .foreign_key(&mut foreign_key(
                        "coupon_redemptions",
                        "coupon_id",
                        "coupons",
                    ))
                    .foreign_key(&mut foreign_key(
                        "coupon_redemptions",
                        "customer_id",
                        "customers",
                    ))
                    .foreign_key(&mut foreign_key("coupon_redemptions", "sale_id", "sales"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "coupon_redemptions_coupon_customer",
                "coupon_redemptions",
                &["coupon_id", "customer_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "coupon_redemptions_sale",
                "coupon_redemptions",
                &["sale_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "coupon_redemptions_time",
                "coupon_redemptions",
                &["at"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["coupon_redemptions", "coupons", "jobs"] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
