//! The audit log: who changed what, when, with the state before and after.

use crate::entities::{audit_entry, user};
use crate::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub use audit_entry::Model as AuditEntry;

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
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq(entity))
        .filter(audit_entry::Column::EntityId.eq(entity_id))
        .order_by_asc(audit_entry::Column::Id)
        .all(db)
        .await?)
}

/// The filters of the audit log screen; `None` filters nothing.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Who: a staff member's username or a service account's client id.
    pub actor: Option<String>,
    /// The action (`customer.update`).
    pub action: Option<String>,
    /// The kind of thing changed (`customer`).
    pub entity: Option<String>,
    /// Its id (with `entity`).
    pub entity_id: Option<String>,
    /// At or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// An entry and the username of the staff member who made it, if any.
pub type NamedEntry = (AuditEntry, Option<String>);

/// A page of the entries that pass `filter`, newest first, each with its actor's
/// username, and how many pass.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<NamedEntry>, u64)> {
    let mut all = Condition::all();
    if let Some(actor) = &filter.actor {
        let staff = user::Entity::find()
            .filter(user::Column::Username.eq(actor.as_str()))
            .one(db)
            .await?;
        let mut who = Condition::any().add(audit_entry::Column::ActorClientId.eq(actor.as_str()));
        if let Some(staff) = staff {
            who = who.add(audit_entry::Column::ActorUserId.eq(staff.id));
        }
        all = all.add(who);
    }
    if let Some(action) = &filter.action {
        all = all.add(audit_entry::Column::Action.eq(action.as_str()));
    }
    if let Some(entity) = &filter.entity {
        all = all.add(audit_entry::Column::Entity.eq(entity.as_str()));
    }
    if let Some(entity_id) = &filter.entity_id {
        all = all.add(audit_entry::Column::EntityId.eq(entity_id.as_str()));
    }
    if let Some(from) = filter.from {
        all = all.add(audit_entry::Column::At.gte(from));
    }
    if let Some(until) = filter.until {
        all = all.add(audit_entry::Column::At.lt(until));
    }
    let paginator = audit_entry::Entity::find()
        .filter(all)
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let entries = paginator.fetch_page(page.saturating_sub(1)).await?;
    let ids: std::collections::BTreeSet<i64> =
        entries.iter().filter_map(|e| e.actor_user_id).collect();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect()
    };
    let named = entries
        .into_iter()
        .map(|e| {
            let name = e.actor_user_id.and_then(|id| names.get(&id).cloned());
            (e, name)
        })
        .collect();
    Ok((named, total))
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
