//! Table `customers`.

use sea_orm::entity::prelude::*;

/// A row of `customers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub customer_number: Option<String>,
    #[sea_orm(unique)]
    pub phone_index: Option<String>,
    pub phone_cipher: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub city: String,
    pub birth_date: Option<Date>,
    pub level: String,
    pub points: i64,
    pub lifetime_spend: i64,
    pub purchases_count: i64,
    pub registered_at: DateTimeUtc,
    pub last_visit_at: Option<DateTimeUtc>,
    pub level_changed_at: Option<DateTimeUtc>,
    pub active: bool,
    pub sms_consent: bool,
    pub email_consent: bool,
    pub home_store_id: Option<i64>,
    pub erased_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// The name folded for prefix search, family name first (`kouassi aya`, m0015).
    pub name_key: Option<String>,
    /// The same, given name first (`aya kouassi`).
    pub name_key_first: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
