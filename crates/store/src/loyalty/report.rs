//! Reading analyses back: the list of past runs (jobs of the two loyalty kinds) and a
//! run's moves with the customers' numbers and names, by page or by keyset for the
//! export.

use crate::entities::{customer, job, loyalty_move};
use crate::jobs::Job;
use crate::{stored, StoreResult};
use crm_domain::job::JobKind;
use crm_domain::loyalty::{Criteria, MoveKind};
use crm_domain::Level;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::HashMap;

/// A page of loyalty analyses, newest first (only dry runs, only applies, or both), and
/// how many there are.
pub async fn analyses(
    db: &impl ConnectionTrait,
    dry_run: Option<bool>,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<Job>, u64)> {
    let kinds: Vec<&str> = match dry_run {
        Some(dry_run) => vec![JobKind::loyalty(dry_run).as_str()],
        None => vec![
            JobKind::LoyaltyAnalysis.as_str(),
            JobKind::LoyaltyDryRun.as_str(),
        ],
    };
    let paginator = job::Entity::find()
        .filter(job::Column::Kind.is_in(kinds))
        .order_by_desc(job::Column::Id)
        .paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    let jobs = rows
        .into_iter()
        .map(Job::try_from)
        .collect::<StoreResult<_>>()?;
    Ok((jobs, total))
}

/// One customer's move in an analysis, with who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedMove {
    /// The customer.
    pub customer_id: i64,
    /// Their card number, if any.
    pub customer_number: Option<String>,
    /// First and last name (empty once erased).
    pub name: String,
    /// Promotion, demotion or held.
    pub kind: MoveKind,
    /// Level before.
    pub from: Level,
    /// Level after.
    pub to: Level,
    /// The score.
    pub score: u8,
    /// Its four criteria.
    pub criteria: Criteria,
    /// The congratulation coupon issued, if any.
    pub coupon_code: Option<String>,
}

fn of_run(analysis_id: i64, kind: Option<MoveKind>) -> Select<loyalty_move::Entity> {
    let mut query =
        loyalty_move::Entity::find().filter(loyalty_move::Column::AnalysisId.eq(analysis_id));
    if let Some(kind) = kind {
        query = query.filter(loyalty_move::Column::Kind.eq(kind.as_str()));
    }
    query.order_by_asc(loyalty_move::Column::CustomerId)
}

/// A page of an analysis's moves (of one kind, or all), in customer order, and how many
/// match.
pub async fn moves(
    db: &impl ConnectionTrait,
    analysis_id: i64,
    kind: Option<MoveKind>,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<ListedMove>, u64)> {
    let paginator = of_run(analysis_id, kind).paginate(db, Ord::max(per_page, 1));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((listed(db, rows).await?, total))
}

/// Up to `limit` moves of an analysis (of one kind, or all) of customers with an id above
/// `after_customer`, in customer order: a page of the CSV export, an index range scan
/// however deep.
pub async fn export_moves(
    db: &impl ConnectionTrait,
    analysis_id: i64,
    kind: Option<MoveKind>,
    after_customer: i64,
    limit: u64,
) -> StoreResult<Vec<ListedMove>> {
    let rows = of_run(analysis_id, kind)
        .filter(loyalty_move::Column::CustomerId.gt(after_customer))
        .limit(limit)
        .all(db)
        .await?;
    listed(db, rows).await
}

/// The rows with their customers' numbers and names (one query for the page).
async fn listed(
    db: &impl ConnectionTrait,
    rows: Vec<loyalty_move::Model>,
) -> StoreResult<Vec<ListedMove>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.customer_id).collect();
    let mut customers = HashMap::new();
    // Bound parameters per statement stay well under SQLite's and PostgreSQL's limits.
    for chunk in ids.chunks(5_000) {
        for c in customer::Entity::find()
            .filter(customer::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            customers.insert(c.id, c);
        }
    }
    rows.into_iter()
        .map(|row| -> StoreResult<ListedMove> {
            let who = customers.get(&row.customer_id);
            let points = |v: i16| u8::try_from(v).unwrap_or(0);
            Ok(ListedMove {
                customer_id: row.customer_id,
                customer_number: who.and_then(|c| c.customer_number.clone()),
                name: who
                    .map(|c| {
                        [c.first_name.as_deref(), c.last_name.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default(),
                kind: stored("loyalty_moves.kind", &row.kind)?,
                from: stored("loyalty_moves.from_level", &row.from_level)?,
                to: stored("loyalty_moves.to_level", &row.to_level)?,
                score: points(row.score),
                criteria: Criteria {
                    frequency: points(row.frequency),
                    regularity: points(row.regularity),
                    recency: points(row.recency),
                    amount: points(row.amount),
                },
                coupon_code: row.coupon_code,
            })
        })
        .collect()
}
