//! Demo data only: gives seeded customers a believable standing. Real levels come from
//! the loyalty analysis and real points from sales.

use crate::entities::customer;
use crate::StoreResult;
use chrono::{Duration, Utc};
use crm_domain::Level;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Sets level, points, spend and purchase count of a demo customer.
pub async fn set_standing(
    db: &impl ConnectionTrait,
    id: i64,
    level: Level,
    points: i64,
    lifetime_spend: i64,
    purchases: i64,
) -> StoreResult<()> {
    let last_visit = (purchases > 0).then(|| Utc::now() - Duration::days(3));
    customer::Entity::update_many()
        .col_expr(customer::Column::Level, Expr::value(level.as_str()))
        .col_expr(customer::Column::Points, Expr::value(points))
        .col_expr(customer::Column::LifetimeSpend, Expr::value(lifetime_spend))
        .col_expr(customer::Column::PurchasesCount, Expr::value(purchases))
        .col_expr(customer::Column::LastVisitAt, Expr::value(last_visit))
        .filter(customer::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
