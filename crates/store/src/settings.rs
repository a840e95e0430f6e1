//! Settings an administrator changes through the API, each a JSON document under its key
//! in `settings` (`m0012`). The loyalty policy is the first: absent, the SPEC's figures
//! are in force (`LoyaltyPolicy::default()`); present, it must read back as a valid
//! policy — a row that does not is `StoreError::Corrupt`, never quietly the default,
//! which would hand every till different discounts than the ones the admin saved.

use crate::audit::{self, Actor};
use crate::entities::setting;
use crate::{StoreError, StoreResult};
use chrono::Utc;
use crm_domain::loyalty::LoyaltyPolicy;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Set,
    TransactionTrait, Value,
};

/// The key of the loyalty policy.
pub const LOYALTY_POLICY: &str = "loyalty_policy";

/// The loyalty policy in force: the one saved, or the SPEC's if none ever was.
pub async fn loyalty_policy(db: &impl ConnectionTrait) -> StoreResult<LoyaltyPolicy> {
    match setting::Entity::find_by_id(LOYALTY_POLICY).one(db).await? {
        Some(row) => policy_of(&row.value),
        None => Ok(LoyaltyPolicy::default()),
    }
}

/// A stored policy, parsed and validated.
fn policy_of(value: &str) -> StoreResult<LoyaltyPolicy> {
    serde_json::from_str::<LoyaltyPolicy>(value)
        .ok()
        .filter(|policy| policy.validate().is_ok())
        .ok_or_else(|| StoreError::Corrupt {
            column: "settings.value",
            value: value.to_owned(),
        })
}

/// Replaces the loyalty policy with `policy` — which the caller has validated
/// (`LoyaltyPolicy::validate`): the store keeps what it is given — and records an audit
/// entry `loyalty.policy_update` with the policy in force before and the new one, in
/// the same transaction.
pub async fn save_loyalty_policy(
    db: &DatabaseConnection,
    policy: &LoyaltyPolicy,
    actor: &Actor,
) -> StoreResult<()> {
    debug_assert!(policy.validate().is_ok(), "validate the policy first");
    let after = json(policy)?;
    let txn = db.begin().await?;
    // Two admins saving at once: the second waits for the first, so its "before" is
    // what the first saved and no change goes missing from the audit trail.
    lock(&txn, LOYALTY_POLICY).await?;
    let existing = setting::Entity::find_by_id(LOYALTY_POLICY)
        .one(&txn)
        .await?;
    // What was in force, as stored: a row that no longer reads as a policy is replaced
    // (that is how an admin repairs it) and kept whole in the audit trail.
    let before = match &existing {
        Some(row) => serde_json::from_str(&row.value)
            .unwrap_or_else(|_| serde_json::Value::String(row.value.clone())),
        None => json(&LoyaltyPolicy::default())?,
    };
    let row = setting::ActiveModel {
        key: Set(LOYALTY_POLICY.to_owned()),
        value: Set(after.to_string()),
        updated_at: Set(Utc::now()),
        updated_by: Set(actor.user_id),
    };
    match existing {
        Some(_) => row.update(&txn).await?,
        None => row.insert(&txn).await?,
    };
    audit::record(
        &txn,
        actor,
        "loyalty.policy_update",
        "settings",
        Some(LOYALTY_POLICY.to_owned()),
        Some(before),
        Some(after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn json(policy: &LoyaltyPolicy) -> StoreResult<serde_json::Value> {
    serde_json::to_value(policy).map_err(|e| StoreError::Db(DbErr::Json(e.to_string())))
}

/// Takes the write lock on setting `key` for the rest of the transaction: an advisory
/// lock on PostgreSQL (the row may not exist yet, so it cannot be locked itself); on
/// SQLite any write statement takes the database's single write lock, even one that
/// changes nothing.
async fn lock(txn: &impl ConnectionTrait, key: &str) -> StoreResult<()> {
    let statement = match txn.get_database_backend() {
        DbBackend::Postgres => crate::sql::statement(
            txn,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [Value::from(format!("crm.settings.{key}"))],
        ),
        _ => crate::sql::statement(
            txn,
            r#"UPDATE settings SET "key" = "key" WHERE "key" = ?"#,
            [Value::from(key.to_owned())],
        ),
    };
    txn.execute_raw(statement).await?;
    Ok(())
}
