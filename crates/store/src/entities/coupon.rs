//! Table `coupons`.

use sea_orm::entity::prelude::*;

/// A row of `coupons`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub kind: String,
    pub discount_kind: String,
    pub value: i64,
    pub description: String,
    pub valid_from: Date,
    pub valid_to: Date,
    pub global_cap: Option<i32>,
    pub per_customer_cap: i32,
    pub min_basket: i64,
    pub required_level: Option<String>,
    pub customer_id: Option<i64>,
    pub eligible_categories: String,
    pub stacks_with_loyalty: bool,
    pub status: String,
    pub uses_count: i32,
    pub issue_job_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
