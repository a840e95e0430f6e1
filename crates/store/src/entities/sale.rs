//! Table `sales`.

use sea_orm::entity::prelude::*;

/// A row of `sales`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub till_id: i64,
    pub cashier_id: i64,
    pub customer_id: Option<i64>,
    #[sea_orm(unique)]
    pub ticket_number: String,
    pub status: String,
    pub subtotal: i64,
    pub loyalty_percent: String,
    pub loyalty_discount: i64,
    pub coupon_discount: i64,
    pub total: i64,
    pub vat_total: i64,
    pub points_earned: i64,
    pub paid: i64,
    pub change_given: i64,
    pub business_date: Date,
    pub created_at: DateTimeUtc,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    /// The customer's level at the time of the sale (KPI segments); None when anonymous.
    pub customer_level: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
