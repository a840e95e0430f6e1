//! What an analysis writes for one batch of customers, in one transaction: the batch's
//! moves (its report, dry runs included) and, when it applies them, the customers' new
//! levels, their `level_changes` and the congratulation coupons — all set-based.

use super::PlannedMove;
use crate::coupons::{active_model, NewCoupon};
use crate::entities::{coupon, loyalty_move};
use crate::{sql, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Set, TransactionTrait,
    Value,
};
use std::collections::HashSet;

/// Rows per multi-row insert: 12 columns × 500 stays far under SQLite's and
/// PostgreSQL's limits on bound parameters.
const ROWS_PER_INSERT: usize = 500;

/// A batch of one analysis: its job, the customer ids it spans (`after < id ≤ last`),
/// and what to write.
#[derive(Clone, Copy)]
pub(super) struct Batch<'a> {
    /// The analysis (its job's id).
    pub analysis_id: i64,
    /// The reference instant T: `level_changed_at` and `changed_at` of every change.
    pub at: DateTime<Utc>,
    /// Only the moves are written.
    pub dry_run: bool,
    /// Customer ids above this one…
    pub after: i64,
    /// …up to this one.
    pub last: i64,
    /// The batch's moves, in customer order.
    pub moves: &'a [PlannedMove],
    /// Who started the analysis (the coupons' `created_by`).
    pub created_by: Option<i64>,
}

/// Writes the batch in one transaction: all of it or nothing. A congratulation code
/// already taken is `Conflict("code")` (the caller draws new codes and tries again).
pub(super) async fn write(db: &DatabaseConnection, batch: &Batch<'_>) -> StoreResult<()> {
    if batch.moves.is_empty() {
        return Ok(());
    }
    let txn = db.begin().await?;
    match write_in(&txn, batch).await {
        Ok(()) => Ok(txn.commit().await?),
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

async fn write_in(txn: &DatabaseTransaction, batch: &Batch<'_>) -> StoreResult<()> {
    for chunk in batch.moves.chunks(ROWS_PER_INSERT) {
        loyalty_move::Entity::insert_many(chunk.iter().map(|m| move_row(batch.analysis_id, m)))
            .exec_without_returning(txn)
            .await?;
    }
    if batch.dry_run {
        return Ok(());
    }
    apply_levels(txn, batch).await?;
    crate::webhooks::record_level_changes(txn, batch.analysis_id, batch.after, batch.last).await?;
    let coupons: Vec<&NewCoupon> = batch
        .moves
        .iter()
        .filter_map(|m| m.coupon.as_ref())
        .collect();
    for chunk in coupons.chunks(ROWS_PER_INSERT) {
        coupon::Entity::insert_many(
            chunk
                .iter()
                .map(|c| active_model(c, batch.created_by, Some(batch.analysis_id))),
        )
        .exec_without_returning(txn)
        .await
        .map_err(|e| StoreError::from_write(e, "code"))?;
    }
    Ok(())
}

fn move_row(analysis_id: i64, planned: &PlannedMove) -> loyalty_move::ActiveModel {
    let c = planned.criteria;
    loyalty_move::ActiveModel {
        analysis_id: Set(analysis_id),
        customer_id: Set(planned.customer_id),
        kind: Set(planned.made.kind.as_str().to_owned()),
        from_level: Set(planned.made.from.as_str().to_owned()),
        to_level: Set(planned.made.to.as_str().to_owned()),
        score: Set(i16::from(c.score())),
        frequency: Set(i16::from(c.frequency)),
        regularity: Set(i16::from(c.regularity)),
        recency: Set(i16::from(c.recency)),
        amount: Set(i16::from(c.amount)),
        coupon_code: Set(planned.coupon.as_ref().map(|c| c.code.clone())),
        ..Default::default()
    }
}

/// The batch's promotions and demotions, from its move rows: first appended to
/// `level_changes`, then set on the customers — each only where the customer is still at
/// the move's `from_level`, so a level changed meanwhile is never overwritten.
async fn apply_levels(txn: &DatabaseTransaction, batch: &Batch<'_>) -> StoreResult<()> {
    let moved = "m.analysis_id = $1 AND m.kind <> 'HELD' \
                 AND m.customer_id > $3 AND m.customer_id <= $4";
    let values = || {
        vec![
            Value::from(batch.analysis_id),
            Value::from(batch.at),
            Value::from(batch.after),
            Value::from(batch.last),
        ]
    };
    txn.execute_raw(sql::statement(txn, &format!(
                "INSERT INTO level_changes (customer_id, from_level, to_level, score, analysis_id, changed_at) \
                 SELECT m.customer_id, m.from_level, m.to_level, m.score, m.analysis_id, $2 \
                 FROM loyalty_moves m JOIN customers c ON c.id = m.customer_id \
                 WHERE {moved} AND c.level = m.from_level"
            ), values()))
    .await?;
    let mut update = values();
    update.push(Value::from(Utc::now()));
    txn.execute_raw(sql::statement(
        txn,
        &format!(
            "UPDATE customers SET level = m.to_level, level_changed_at = $2, updated_at = $5 \
                 FROM loyalty_moves m \
                 WHERE {moved} AND m.customer_id = customers.id AND customers.level = m.from_level"
        ),
        update,
    ))
    .await?;
    Ok(())
}

/// The customers with an id in `after < id ≤ last` who hold an active, unused SPECIAL
/// coupon issued after `since`: a promotion earns them no congratulation coupon.
pub(super) async fn recent_coupon_holders(
    db: &impl ConnectionTrait,
    after: i64,
    last: i64,
    since: DateTime<Utc>,
) -> StoreResult<HashSet<i64>> {
    let rows = db
        .query_all_raw(sql::statement(
            db,
            "SELECT DISTINCT customer_id FROM coupons \
                 WHERE customer_id > $1 AND customer_id <= $2 AND kind = 'SPECIAL' \
                 AND status = 'ACTIVE' AND uses_count = 0 AND created_at > $3",
            [Value::from(after), Value::from(last), Value::from(since)],
        ))
        .await?;
    rows.iter()
        .map(|r| -> StoreResult<i64> { Ok(r.try_get("", "customer_id")?) })
        .collect()
}
