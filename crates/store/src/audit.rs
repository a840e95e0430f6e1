//! The audit log: who changed what, when, with the state before and after.

use crate::entities::audit_entry;
use crate::StoreResult;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};

/// Who did it: a staff member or an integrator.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// Staff member's id.
    pub user_id: Option<i64>,
    /// Service account's client id.
    pub client_id: Option<String>,
}

/// Appends one entry; call it inside the transaction that makes the change.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> StoreResult<()> {
    audit_entry::ActiveModel {
        actor_user_id: Set(actor.user_id),
        actor_client_id: Set(actor.client_id.clone()),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        before: Set(before.map(|v| v.to_string())),
        after: Set(after.map(|v| v.to_string())),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The entries about one entity, oldest first (used by tests and the export).
pub async fn for_entity(
    db: &impl ConnectionTrait,
    entity: &str,
    entity_id: &str,
) -> StoreResult<Vec<audit_entry::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq(entity))
        .filter(audit_entry::Column::EntityId.eq(entity_id))
        .order_by_asc(audit_entry::Column::Id)
        .all(db)
        .await?)
}

/// Blanks `fields` in the before/after states of every entry about one entity (an
/// erasure). The entries stay — who did what and when is not the person's data.
pub async fn scrub(
    db: &impl ConnectionTrait,
    entity: &str,
    entity_id: &str,
    fields: &[&str],
) -> StoreResult<()> {
    for entry in for_entity(db, entity, entity_id).await? {
        if entry.before.is_none() && entry.after.is_none() {
            continue;
        }
        let before = scrubbed(entry.before.as_deref(), fields);
        let after = scrubbed(entry.after.as_deref(), fields);
        let mut row = entry.into_active_model();
        row.before = Set(before);
        row.after = Set(after);
        row.update(db).await?;
    }
    Ok(())
}

/// A state with `fields` set to null. A state that is not a JSON object cannot be
/// scrubbed field by field, so it is dropped whole rather than kept.
fn scrubbed(state: Option<&str>, fields: &[&str]) -> Option<String> {
    let serde_json::Value::Object(mut map) = serde_json::from_str(state?).ok()? else {
        return None;
    };
    for field in fields {
        if let Some(value) = map.get_mut(*field) {
            *value = serde_json::Value::Null;
        }
    }
    Some(serde_json::Value::Object(map).to_string())
}
