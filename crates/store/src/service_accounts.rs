//! Integrators' service accounts (client id + hashed secret + scopes).

use crate::entities::service_account;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub use service_account::Model as ServiceAccount;

/// Stores a new service account; the secret is already hashed.
pub async fn create(
    db: &impl ConnectionTrait,
    client_id: &str,
    secret_hash: String,
    name: &str,
    scopes: &str,
) -> StoreResult<ServiceAccount> {
    service_account::ActiveModel {
        client_id: Set(client_id.to_owned()),
        secret_hash: Set(secret_hash),
        name: Set(name.to_owned()),
        scopes: Set(scopes.to_owned()),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::from_write(e, "client_id"))
}

/// The active account with this client id, if any.
pub async fn find_active(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> StoreResult<Option<ServiceAccount>> {
    Ok(service_account::Entity::find()
        .filter(service_account::Column::ClientId.eq(client_id))
        .filter(service_account::Column::Active.eq(true))
        .one(db)
        .await?)
}
