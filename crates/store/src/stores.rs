//! Stores and their tills.

use crate::entities::{store, till};
use crate::StoreResult;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub use store::Model as Store;

/// The store's time zone (an IANA name such as `Africa/Abidjan`), which sets its
/// business day.
pub fn time_zone_of(shop: &Store) -> StoreResult<chrono_tz::Tz> {
    crate::stored("stores.timezone", &shop.timezone)
}

/// The store's day now, in its time zone.
pub fn business_date_of(shop: &Store) -> StoreResult<crm_domain::period::BusinessDate> {
    Ok(crm_domain::period::BusinessDate::today(time_zone_of(shop)?))
}

/// Returns the store with `code`, creating it (with one till, `C01`) when missing.
pub async fn ensure(
    db: &impl ConnectionTrait,
    code: &str,
    name: &str,
    city: &str,
    timezone: &str,
) -> StoreResult<Store> {
    if let Some(existing) = store::Entity::find()
        .filter(store::Column::Code.eq(code))
        .one(db)
        .await?
    {
        return Ok(existing);
    }
    let created = store::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        city: Set(city.to_owned()),
        timezone: Set(timezone.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    till::ActiveModel {
        store_id: Set(created.id),
        code: Set("C01".to_owned()),
        name: Set("Caisse 1".to_owned()),
        active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(created)
}
