//! The loyalty analysis (SPEC §4) as a job's body ([`run_analysis`]), and the reading of
//! its report (its moves) and of past analyses.
//!
//! Set-based, batch by batch of customers: one query per batch gathers each customer's
//! activity ([`activities`]); the domain scores it and decides the move
//! (`crm_domain::loyalty::{Criteria, decide}` — no rule lives here); one transaction per
//! batch writes the moves and, when the run applies them, the levels, the level history
//! and the congratulation coupons ([`write`]). Never all customers in memory, never a
//! query per customer.

mod activity;
mod report;
mod write;

pub use activity::{activities, customers_to_score, CustomerActivity};
pub use report::{analyses, export_moves, moves, ListedMove};

use crate::coupons::NewCoupon;
use crate::jobs::Progress;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use crm_domain::coupon::{Coupon as Rules, CouponKind, CouponStatus, DiscountKind};
use crm_domain::loyalty::{
    decide, AnalysisSummary, Criteria, LoyaltyPolicy, Move, MoveKind, Windows,
};
use crm_domain::Money;
use sea_orm::DatabaseConnection;

/// Customers scored per batch: one read, one write transaction, one progress report.
pub const BATCH: u64 = 5_000;

/// A customer who holds an active unused SPECIAL coupon issued within this many days
/// gets no congratulation coupon (SPEC §4).
const RECENT_COUPON_DAYS: i64 = 30;

/// Times a batch is tried again when a drawn congratulation code is already taken.
const CODE_RETRIES: u32 = 3;

/// How an analysis runs.
#[derive(Clone, Debug)]
pub struct AnalysisParams {
    /// The reference instant T.
    pub at: DateTime<Utc>,
    /// T's business date in the default store's time zone: congratulation coupons are
    /// valid from it.
    pub business_date: NaiveDate,
    /// Compute and report only: the moves are written, nothing else.
    pub dry_run: bool,
    /// Promotions earn a congratulation coupon.
    pub generate_coupons: bool,
    /// The rules' figures.
    pub policy: LoyaltyPolicy,
    /// Who started it (the coupons' `created_by`).
    pub created_by: Option<i64>,
}

/// A customer's move as the batch will write it.
#[derive(Clone, Debug)]
pub(crate) struct PlannedMove {
    customer_id: i64,
    made: Move,
    criteria: Criteria,
    /// The congratulation coupon issued with a promotion (apply only).
    coupon: Option<NewCoupon>,
}

/// The body of a loyalty analysis job (`JobKind::LoyaltyAnalysis` or `LoyaltyDryRun`,
/// started with `jobs::start_exclusive`): scores every active customer at `params.at`,
/// batch by batch, reporting customers done of customers to score after each batch,
/// and returns what it found and did. Its moves are recorded under `job_id`. `code` draws
/// a new coupon code.
///
/// Safe to run again: a batch is written whole or not at all, and a second run at the
/// same T finds nothing to move (promotions are done, demotions held by the soft landing).
pub async fn run_analysis(
    db: &DatabaseConnection,
    job_id: i64,
    params: &AnalysisParams,
    mut code: impl FnMut() -> String,
    progress: &impl Progress,
) -> StoreResult<AnalysisSummary> {
    let windows = Windows::at(params.at);
    let total = customers_to_score(db).await?;
    progress.report(0, total).await?;
    let mut summary = AnalysisSummary::new(params.at, params.dry_run, params.generate_coupons);
    let mut after = 0;
    let mut batch = activities(db, &windows, after, BATCH).await?;
    while let Some(last) = batch.last().map(|c| c.customer_id) {
        let mut moves: Vec<PlannedMove> = batch
            .iter()
            .filter_map(|customer| plan(customer, params))
            .collect();
        let (issued, skipped) =
            congratulate(db, params, (after, last), &mut moves, &mut code).await?;
        let range = write::Batch {
            analysis_id: job_id,
            at: params.at,
            dry_run: params.dry_run,
            after,
            last,
            moves: &[],
            created_by: params.created_by,
        };
        // The next batch is read while this one is written: its customers come after
        // `last`, so nothing this write changes is read, and the database works on both
        // at once (one connection each).
        let (written, next) = futures::join!(
            write_batch(db, range, &mut moves, &mut code),
            activities(db, &windows, last, BATCH)
        );
        written?;
        // Moves are a subsequence of the batch, both in customer order.
        let mut made = moves.iter().peekable();
        for customer in &batch {
            let mine = made.next_if(|m| m.customer_id == customer.customer_id);
            summary.count(customer.level, mine.map(|m| &m.made));
        }
        summary.coupons_issued += issued;
        summary.coupons_skipped += skipped;
        after = last;
        progress
            .report(summary.customers, Ord::max(total, summary.customers))
            .await?;
        batch = next?;
    }
    Ok(summary)
}

/// Writes a batch's moves (`range` says which batch; its `moves` are `moves`), whole or
/// not at all. A drawn congratulation code already taken (≈ never) rolls the batch back
/// whole: new codes are drawn and it is written again, up to `CODE_RETRIES` times.
async fn write_batch(
    db: &DatabaseConnection,
    range: write::Batch<'_>,
    moves: &mut [PlannedMove],
    code: &mut impl FnMut() -> String,
) -> StoreResult<()> {
    let mut attempts = 0;
    loop {
        let written = write::write(
            db,
            &write::Batch {
                moves: &*moves,
                ..range
            },
        )
        .await;
        match written {
            Err(StoreError::Conflict(what)) if what == "code" && attempts < CODE_RETRIES => {
                attempts += 1;
                for coupon in moves.iter_mut().filter_map(|m| m.coupon.as_mut()) {
                    coupon.code = code();
                }
            }
            other => return other,
        }
    }
}

/// The customer's move under the domain's rules, if any.
fn plan(customer: &CustomerActivity, params: &AnalysisParams) -> Option<PlannedMove> {
    let criteria = Criteria::of(&customer.activity, params.at, &params.policy.points);
    let made = decide(
        customer.level,
        criteria.level(&params.policy),
        customer.level_changed_at,
        params.at,
        &params.policy,
    )?;
    Some(PlannedMove {
        customer_id: customer.customer_id,
        made,
        criteria,
        coupon: None,
    })
}

/// Gives each promotion of the batch its congratulation coupon when the run generates
/// them and the new level has a percentage, unless the customer already holds an active
/// unused SPECIAL coupon issued in the last 30 days. A dry run only counts them. Returns
/// (issued, skipped).
async fn congratulate(
    db: &DatabaseConnection,
    params: &AnalysisParams,
    (after, last): (i64, i64),
    moves: &mut [PlannedMove],
    code: &mut impl FnMut() -> String,
) -> StoreResult<(i64, i64)> {
    if !params.generate_coupons {
        return Ok((0, 0));
    }
    let percent_of = |m: &PlannedMove| {
        let percent = params.policy.congratulation_percent.of(m.made.to);
        i64::try_from(percent.trunc()).unwrap_or(0)
    };
    let earns = |m: &PlannedMove| m.made.kind == MoveKind::Promotion && percent_of(m) > 0;
    if !moves.iter().any(earns) {
        return Ok((0, 0));
    }
    let since = params.at - Duration::days(RECENT_COUPON_DAYS);
    let holders = write::recent_coupon_holders(db, after, last, since).await?;
    let (mut issued, mut skipped) = (0, 0);
    for m in moves.iter_mut() {
        if !earns(m) {
            continue;
        }
        if holders.contains(&m.customer_id) {
            skipped += 1;
            continue;
        }
        issued += 1;
        if !params.dry_run {
            let percent = percent_of(m);
            m.coupon = Some(congratulation(
                params,
                m.customer_id,
                m.made,
                percent,
                code(),
            ));
        }
    }
    Ok((issued, skipped))
}

/// The congratulation coupon of a promotion to `made.to`: `percent` off, for that
/// customer only, once, from T's business day for the policy's validity.
fn congratulation(
    params: &AnalysisParams,
    customer_id: i64,
    made: Move,
    percent: i64,
    code: String,
) -> NewCoupon {
    let policy = &params.policy;
    let days = u64::from(policy.congratulation_validity_days.max(1));
    let valid_from = params.business_date;
    NewCoupon {
        code,
        description: format!(
            "Félicitations pour votre passage au niveau {}",
            made.to.as_str()
        ),
        rules: Rules {
            kind: CouponKind::Special,
            discount_kind: DiscountKind::Percent,
            value: percent,
            valid_from,
            valid_to: valid_from + Days::new(days - 1),
            global_cap: None,
            per_customer_cap: 1,
            min_basket: Money::fcfa(policy.congratulation_min_basket),
            required_level: None,
            customer_id: Some(customer_id),
            eligible_categories: Default::default(),
            stacks_with_loyalty: true,
            status: CouponStatus::Active,
        },
    }
}
