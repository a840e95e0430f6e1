//! Table `loyalty_moves`.

use sea_orm::entity::prelude::*;

/// A row of `loyalty_moves`: one customer's move in one loyalty analysis.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loyalty_moves")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub analysis_id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub from_level: String,
    pub to_level: String,
    pub score: i16,
    pub frequency: i16,
    pub regularity: i16,
    pub recency: i16,
    pub amount: i16,
    pub coupon_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
