//! `/loyalty/stats`: SPEC §4's stats page. It names customers (the top VIP), so it needs
//! `CrmRead`, not only `LoyaltyRead`.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::Utc;
use crm_api_types::loyalty::{LevelStats, LoyaltyStats, TopCustomer};
use crm_domain::loyalty::stats::{loyalty_rate, per_customer, percent_of};
use crm_domain::{Capability, Level};
use crm_store::loyalty_stats::{self, TopSpender};

/// Customers per level (count and share), active customers over 30 days and the
/// activity rate, each level's revenue over 90 days in all and per customer, the ten VIP
/// customers who spent most over them, and the loyalty rate ((SILVER + GOLD + VIP) ÷
/// all). Only completed sales count; customers are the active ones, at their level now.
#[utoipa::path(tag = "loyalty", operation_id = "stats", security(("bearer" = [])),
    responses((status = 200, body = LoyaltyStats),
              (status = 403, description = "`auth.forbidden`", body = crm_api_types::Problem)))]
#[get("/loyalty/stats")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<LoyaltyStats>, ApiError> {
    caller.require(Capability::CrmRead)?;
    let at = Utc::now();
    let figures = loyalty_stats::figures(&state.db, at).await?;
    let total = figures.customers.total();
    let levels = Level::ALL
        .into_iter()
        .map(|level| {
            let customers = figures.customers.get(level);
            let revenue = figures.revenue.get(&level).copied().unwrap_or(0);
            LevelStats {
                level,
                customers,
                percent: percent_of(customers, total),
                revenue_3m: revenue,
                revenue_per_customer: per_customer(revenue, customers),
            }
        })
        .collect();
    Ok(web::Json(LoyaltyStats {
        at,
        customers: total,
        levels,
        active_30d: figures.active,
        activity_rate: percent_of(figures.active, total),
        loyalty_rate: loyalty_rate(&figures.customers),
        top_vip: figures.top_vip.iter().map(top_customer).collect(),
        last_analysis: super::analyses::latest_applied(&state).await?,
    }))
}

fn top_customer(spender: &TopSpender) -> TopCustomer {
    TopCustomer {
        customer_id: spender.customer_id,
        customer_number: spender.customer_number.clone(),
        name: [spender.first_name.as_deref(), spender.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        revenue_3m: spender.revenue,
        purchases_3m: spender.purchases,
    }
}
