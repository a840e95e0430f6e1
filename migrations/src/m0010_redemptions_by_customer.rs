//! A customer's coupon uses, straight from one index (an index-only scan): identify reads,
//! beside the customer, the coupon ids of their unreleased uses (for the per-customer cap
//! of each generic code). The index of m0005 starts with the coupon and serves the quote's
//! count of one coupon's uses.

use sea_orm_migration::prelude::*;

use crate::shape::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "coupon_redemptions_customer",
                "coupon_redemptions",
                &["customer_id", "released_at", "coupon_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("coupon_redemptions_customer")
                    .table("coupon_redemptions")
                    .to_owned(),
            )
            .await
    }
}
