//! Starting a loyalty analysis, the same way from the API (`routes::loyalty::analyses`,
//! run in the background) and from `crm loyalty analyze` (run inline with a progress
//! bar): the reference instant T, the job (one apply and one dry run at a time, audited),
//! and its body, `crm_store::loyalty::run_analysis`.

use crate::error::{field_error, ApiError};
use crate::jobs;
use crate::routes::coupons::new_code;
use crate::startup::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use crm_api_types::loyalty::StartAnalysis;
use crm_domain::codes;
use crm_domain::coupon::CouponKind;
use crm_domain::job::JobKind;
use crm_domain::loyalty::AnalysisSummary;
use crm_domain::period::{end_of_day, BusinessDate};
use crm_domain::Level;
use crm_store::audit::Actor;
use crm_store::jobs::{Job, Progress};
use crm_store::loyalty::{run_analysis, AnalysisParams};
use crm_store::{DatabaseConnection, StoreResult};
use serde::{Deserialize, Serialize};

/// The earliest `as_of` day accepted.
const EARLIEST_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// What an analysis job keeps in its params: its options and T.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredParams {
    /// Dry run.
    pub dry_run: bool,
    /// Congratulation coupons.
    pub generate_coupons: bool,
    /// The reference instant T.
    pub as_of: DateTime<Utc>,
    /// The day asked for, if any (T is then its last instant). Absent from the params of
    /// analyses recorded before it was kept.
    #[serde(default)]
    pub as_of_day: Option<NaiveDate>,
}

/// Records the analysis asked for as a queued job (409 `job.already_running` while one of
/// its mode runs; 422 for an `as_of` day still to come) and returns it with the
/// parameters of its body. T is the last instant of the `as_of` business day in the
/// default store's time zone, or now.
pub async fn start(
    state: &AppState,
    request: &StartAnalysis,
    actor: &Actor,
) -> Result<(Job, AnalysisParams), ApiError> {
    let tz = state.calendar.time_zone(&state.db, None).await?;
    let today = BusinessDate::today(tz).date();
    let (at, business_date) = match request.as_of {
        Some(day) if day > today => {
            return Err(ApiError::validation(vec![field_error(
                "as_of",
                codes::field::IN_FUTURE,
                "la date de référence ne peut être après aujourd’hui",
            )]))
        }
        // Far enough back for any history this system holds, and for its windows'
        // arithmetic to stay within every database's range.
        Some(day) if day < EARLIEST_AS_OF => {
            return Err(ApiError::validation(vec![field_error(
                "as_of",
                codes::field::INVALID,
                "la date de référence ne peut être avant le 01/01/2000",
            )]))
        }
        Some(day) => (end_of_day(day, tz), day),
        None => (Utc::now(), today),
    };
    let params = AnalysisParams {
        at,
        business_date,
        dry_run: request.dry_run,
        generate_coupons: request.generate_coupons,
        policy: crate::routes::loyalty::current_policy(state).await?,
        created_by: actor.user_id,
    };
    let stored = StoredParams {
        dry_run: request.dry_run,
        generate_coupons: request.generate_coupons,
        as_of: at,
        as_of_day: request.as_of,
    };
    let stored = serde_json::to_value(stored).map_err(ApiError::internal)?;
    let job = jobs::start(&state.db, JobKind::loyalty(request.dry_run), actor, &stored).await?;
    Ok((job, params))
}

/// The analysis's work, for [`jobs::spawn`] or [`jobs::run`].
pub async fn body(
    db: &DatabaseConnection,
    job: &Job,
    params: &AnalysisParams,
    progress: &impl Progress,
) -> StoreResult<AnalysisSummary> {
    run_analysis(
        db,
        job.id(),
        params,
        || new_code(CouponKind::Special),
        progress,
    )
    .await
}

/// Runs an analysis to its end in this task — the command line and the demo year, where
/// the API would run it in the background — following it with `progress`. Started by
/// nobody in particular (no staff member or service account to name).
pub async fn run_now(
    state: &AppState,
    request: &StartAnalysis,
    progress: &impl Progress,
) -> anyhow::Result<AnalysisSummary> {
    use anyhow::Context;
    let (job, params) = start(state, request, &Actor::default())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    crate::jobs::run(&state.db, &job, body(&state.db, &job, &params, progress))
        .await
        .context("l’analyse de fidélité a échoué")
}

/// The summary the command prints: customers per level before and after, then the moves
/// and coupons.
pub fn summary_table(summary: &AnalysisSummary) -> String {
    let mode = if summary.dry_run {
        "simulation, rien n’a été modifié"
    } else {
        "appliquée"
    };
    let mut out = format!(
        "Analyse de fidélité au {} ({mode}) : {} clients\n\n",
        summary.as_of.format("%d/%m/%Y %H:%M:%S UTC"),
        summary.customers
    );
    out.push_str(&format!(
        "{:<10} {:>10} {:>10}\n",
        "Niveau", "Avant", "Après"
    ));
    let row =
        |name: &str, counts: (i64, i64)| format!("{name:<10} {:>10} {:>10}\n", counts.0, counts.1);
    for level in Level::ALL {
        out.push_str(&row(
            level.as_str(),
            (summary.before.get(level), summary.after.get(level)),
        ));
    }
    out.push_str(&row(
        "Total",
        (summary.before.total(), summary.after.total()),
    ));
    out.push('\n');
    let issued = if summary.dry_run {
        "Coupons de félicitation à émettre"
    } else {
        "Coupons de félicitation émis"
    };
    for (what, n) in [
        ("Promotions", summary.promotions),
        ("Rétrogradations", summary.demotions),
        ("Maintenus (atterrissage en douceur)", summary.held),
        (issued, summary.coupons_issued),
        (
            "Coupons non émis (coupon récent déjà détenu)",
            summary.coupons_skipped,
        ),
    ] {
        out.push_str(&format!("{what:<46} {n:>8}\n"));
    }
    out
}
