//! Stores and their tills: what the demo seed ensures, and what an administrator opens,
//! changes and closes (each change audited in its own transaction).

use crate::audit::Actor;
use crate::entities::{store, till};
use crate::{StoreError, StoreResult};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};

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

pub use till::Model as Till;

/// A store to open (already validated: the time zone is an IANA name).
#[derive(Clone, Debug)]
pub struct NewStore {
    /// Short code, unique (`ABJ02`), printed in ticket numbers.
    pub code: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Postal address.
    pub address: Option<String>,
    /// IANA time zone.
    pub timezone: String,
}

/// Changes to a store; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct StoreChanges {
    /// Name.
    pub name: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal address (an empty one clears it).
    pub address: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
}

fn store_snapshot(s: &Store) -> serde_json::Value {
    serde_json::json!({
        "code": s.code, "name": s.name, "city": s.city,
        "address": s.address, "timezone": s.timezone,
    })
}

fn till_snapshot(t: &Till) -> serde_json::Value {
    serde_json::json!({ "store_id": t.store_id, "code": t.code, "name": t.name, "active": t.active })
}

/// Every store, by code, each with its tills by code.
pub async fn list_with_tills(db: &impl ConnectionTrait) -> StoreResult<Vec<(Store, Vec<Till>)>> {
    use sea_orm::QueryOrder;
    let shops = store::Entity::find()
        .order_by_asc(store::Column::Code)
        .all(db)
        .await?;
    let tills = till::Entity::find()
        .order_by_asc(till::Column::Code)
        .all(db)
        .await?;
    Ok(shops
        .into_iter()
        .map(|s| {
            let own = tills
                .iter()
                .filter(|t| t.store_id == s.id)
                .cloned()
                .collect();
            (s, own)
        })
        .collect())
}

/// The store with this id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Store>> {
    Ok(store::Entity::find_by_id(id).one(db).await?)
}

/// The till with this id.
pub async fn find_till(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<Till>> {
    Ok(till::Entity::find_by_id(id).one(db).await?)
}

/// Opens a store (without tills), audited; `Conflict` when the code is taken.
pub async fn create(db: &DatabaseConnection, new: NewStore, actor: &Actor) -> StoreResult<Store> {
    let txn = db.begin().await?;
    let created = store::ActiveModel {
        code: Set(new.code),
        name: Set(new.name),
        city: Set(new.city),
        address: Set(new.address),
        timezone: Set(new.timezone),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_write(e, "stores.code"))?;
    crate::audit::record(
        &txn,
        actor,
        "store.create",
        "store",
        Some(created.id.to_string()),
        None,
        Some(store_snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a store, audited (before/after); `NotFound` for an unknown id.
pub async fn update(
    db: &DatabaseConnection,
    id: i64,
    changes: StoreChanges,
    actor: &Actor,
) -> StoreResult<Store> {
    let txn = db.begin().await?;
    let before = find(&txn, id).await?.ok_or(StoreError::NotFound)?;
    let mut row = before.clone().into_active_model();
    if let Some(v) = changes.name {
        row.name = Set(v);
    }
    if let Some(v) = changes.city {
        row.city = Set(v);
    }
    if let Some(v) = changes.address {
        row.address = Set(Some(v).filter(|a| !a.is_empty()));
    }
    if let Some(v) = changes.timezone {
        row.timezone = Set(v);
    }
    let after = row.update(&txn).await?;
    crate::audit::record(
        &txn,
        actor,
        "store.update",
        "store",
        Some(id.to_string()),
        Some(store_snapshot(&before)),
        Some(store_snapshot(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Adds a till to a store, audited; `NotFound` for an unknown store, `Conflict` when the
/// store already has a till with this code.
pub async fn create_till(
    db: &DatabaseConnection,
    store_id: i64,
    code: String,
    name: String,
    actor: &Actor,
) -> StoreResult<Till> {
    let txn = db.begin().await?;
    find(&txn, store_id).await?.ok_or(StoreError::NotFound)?;
    let created = till::ActiveModel {
        store_id: Set(store_id),
        code: Set(code),
        name: Set(name),
        active: Set(true),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| StoreError::from_write(e, "tills.code"))?;
    crate::audit::record(
        &txn,
        actor,
        "till.create",
        "till",
        Some(created.id.to_string()),
        None,
        Some(till_snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Renames a till or closes (reopens) it, audited; `NotFound` for an unknown id. A closed
/// till takes no sale (`sales::till_and_store`); its past sales stay.
pub async fn update_till(
    db: &DatabaseConnection,
    id: i64,
    name: Option<String>,
    active: Option<bool>,
    actor: &Actor,
) -> StoreResult<Till> {
    let txn = db.begin().await?;
    let before = find_till(&txn, id).await?.ok_or(StoreError::NotFound)?;
    let mut row = before.clone().into_active_model();
    if let Some(v) = name {
        row.name = Set(v);
    }
    if let Some(v) = active {
        row.active = Set(v);
    }
    let after = row.update(&txn).await?;
    crate::audit::record(
        &txn,
        actor,
        "till.update",
        "till",
        Some(id.to_string()),
        Some(till_snapshot(&before)),
        Some(till_snapshot(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
