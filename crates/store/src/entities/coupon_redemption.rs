//! Table `coupon_redemptions`.

use sea_orm::entity::prelude::*;

/// A row of `coupon_redemptions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_redemptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub coupon_id: i64,
    pub customer_id: Option<i64>,
    pub sale_id: i64,
    pub amount: i64,
    pub at: DateTimeUtc,
    pub released_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
