//! The coupons a customer can use at the till, in the order the POS offers them (soonest
//! to expire first), straight from one index: identify reads them beside the customer
//! without a sort. It replaces `coupons_customer` (customer, status), of which it is an
//! extension, so every query that used that one can use this one.

use sea_orm_migration::prelude::*;

use crate::shape::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "coupons_offer",
                "coupons",
                &["customer_id", "status", "valid_to", "id"],
            ))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("coupons_customer")
                    .table("coupons")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "coupons_customer",
                "coupons",
                &["customer_id", "status"],
            ))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("coupons_offer")
                    .table("coupons")
                    .to_owned(),
            )
            .await
    }
}
