//! The KPI dashboard (SPEC §5): the store's figures for a period, the previous one and
//! each bucket of the series, put through `crm_domain::kpi`'s definitions into
//! `crm_api_types::kpis`. The exports ([`export`]) write the same dashboard.

pub mod export;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use crm_api_types::kpis::*;
use crm_domain::kpi::{self, BaseLedger, Ratio, Target};
use crm_domain::loyalty::LevelCounts;
use crm_domain::period::{start_of_day, PeriodRange};
use crm_domain::Level;
use crm_store::kpis::{self as store, Days, SalesDay};
use crm_store::DatabaseConnection;
use crm_store::StoreResult;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The coupons listed as the most used.
const TOP_COUPONS: u32 = 10;

/// The most dashboards kept at once (periods × segments; custom periods are anyone's).
const KEPT_AT_MOST: usize = 64;

/// Past this age a dashboard is no longer served while its successor is computed: the
/// caller waits for a new one (a server left idle overnight shows no morning-old figures).
const STALE_AT_MOST: Duration = Duration::from_secs(15 * 60);

/// The dashboards computed, by days and segment, and the lock that computes them one at
/// a time.
///
/// A year's dashboard reads every identified sale of the year for its distinct-customer
/// figures (retention, frequency): hundreds of milliseconds at 200 000 sales, seconds at
/// 20 000 000 (docs/benchmarks.md). Eight screens refreshing at once must not cost eight
/// of those, nor take the database from the tills, nor wait for them: a dashboard is
/// served as it is while fresh (`CRM_KPI_FRESH_SECS`, 60 s); then it is still served
/// while one background task computes its successor. Only the first request for a
/// dashboard (or one older than [`STALE_AT_MOST`]) waits for its computation; the others
/// asking meanwhile wait for that same computation. `generated_at` says how old the
/// figures are.
pub struct Dashboards {
    fresh_for: Duration,
    kept: Arc<std::sync::Mutex<HashMap<Key, Kept>>>,
    /// Held while a dashboard is computed: one computation at a time.
    computing: Arc<tokio::sync::Mutex<()>>,
}

/// A computed dashboard and whether its successor is being computed.
struct Kept {
    at: Instant,
    dashboard: Arc<KpiDashboard>,
    refreshing: bool,
}

/// What a dashboard depends on.
type Key = (NaiveDate, NaiveDate, Option<Level>);

impl Dashboards {
    /// Dashboards served as they are for `fresh_for` after their computation.
    pub fn new(fresh_for: Duration) -> Self {
        Dashboards {
            fresh_for,
            kept: Arc::default(),
            computing: Arc::default(),
        }
    }

    /// The dashboard of `request`: the kept one (a background task computing its
    /// successor once it is no longer fresh), or one computed now.
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        request: &Request,
    ) -> StoreResult<Arc<KpiDashboard>> {
        let key = (
            request.range.first_day(),
            request.range.last_day(),
            request.segment,
        );
        if let Some(kept) = self.kept_or_refresh(db, request, key) {
            return Ok(kept);
        }
        let _computing = self.computing.lock().await;
        // Whoever held the lock may have computed this one meanwhile.
        if let Some(kept) = self.kept_or_refresh(db, request, key) {
            return Ok(kept);
        }
        let fresh = Arc::new(dashboard(db, request).await?);
        keep(&self.kept, key, fresh.clone());
        Ok(fresh)
    }

    /// The kept dashboard of `key` if it may still be served; once it is no longer
    /// fresh, starts the background computation of its successor (one per key).
    fn kept_or_refresh(
        &self,
        db: &DatabaseConnection,
        request: &Request,
        key: Key,
    ) -> Option<Arc<KpiDashboard>> {
        let mut kept = lock(&self.kept);
        let entry = kept.get_mut(&key)?;
        let age = entry.at.elapsed();
        if age < self.fresh_for {
            return Some(entry.dashboard.clone());
        }
        if age >= STALE_AT_MOST {
            return None;
        }
        if !entry.refreshing {
            entry.refreshing = true;
            let (db, request) = (db.clone(), request.clone());
            let (kept, computing) = (self.kept.clone(), self.computing.clone());
            tokio::spawn(async move {
                let outcome = {
                    let _computing = computing.lock().await;
                    dashboard(&db, &request).await
                };
                match outcome {
                    Ok(fresh) => keep(&kept, key, Arc::new(fresh)),
                    Err(e) => {
                        tracing::warn!(error = %e, "KPI dashboard: background computation failed");
                        // The next request tries again.
                        if let Some(entry) = lock(&kept).get_mut(&key) {
                            entry.refreshing = false;
                        }
                    }
                }
            });
        }
        Some(entry.dashboard.clone())
    }
}

/// Keeps `dashboard` as the one of `key`, forgetting those too old to be served.
fn keep(kept: &std::sync::Mutex<HashMap<Key, Kept>>, key: Key, dashboard: Arc<KpiDashboard>) {
    let mut kept = lock(kept);
    kept.retain(|_, entry| entry.at.elapsed() < STALE_AT_MOST);
    if kept.len() >= KEPT_AT_MOST {
        kept.clear();
    }
    kept.insert(
        key,
        Kept {
            at: Instant::now(),
            dashboard,
            refreshing: false,
        },
    );
}

/// The kept dashboards, even after a panic elsewhere (they hold no invariant to break).
fn lock(
    kept: &std::sync::Mutex<HashMap<Key, Kept>>,
) -> std::sync::MutexGuard<'_, HashMap<Key, Kept>> {
    kept.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the dashboard is asked for.
#[derive(Clone, Debug)]
pub struct Request {
    /// The query name of the period (`30d`, `custom`).
    pub kind: &'static str,
    /// Its days.
    pub range: PeriodRange,
    /// The store's time zone.
    pub tz: Tz,
    /// The level the figures are restricted to.
    pub segment: Option<Level>,
}

/// Computes the whole dashboard.
pub async fn dashboard(db: &DatabaseConnection, request: &Request) -> StoreResult<KpiDashboard> {
    let current = &request.range;
    let previous = current.previous(request.tz);
    let before_previous = previous.previous(request.tz);
    let segment = request.segment;
    let granularity = current.granularity();
    let buckets = current.buckets(granularity);
    let (cur_days, prev_days) = (days(current), days(&previous));

    let sales = store::sales_by_day(db, previous.first_day(), current.last_day()).await?;
    let sales = Sales {
        rows: &sales,
        segment,
    };
    let cur = (current.first_day(), current.last_day());
    let prev = (previous.first_day(), previous.last_day());

    // Customer base: instants = start of the previous period, start of this one, then
    // the end of each bucket (the last one is the end of the period).
    let mut instants = vec![previous.start_utc, current.start_utc];
    instants.extend(buckets.iter().map(|(_, last)| end_of(*last, request.tz)));
    let ledger = store::customer_base(db, &instants).await?;
    let last = instants.len() - 1;

    let coupons_now = store::coupon_use(db, cur_days, segment).await?;
    let coupons_before = store::coupon_use(db, prev_days, segment).await?;
    let coupon_days = store::coupon_uses_by_day(db, cur_days, segment).await?;
    let top = store::top_coupons(db, cur_days, segment, TOP_COUPONS).await?;

    let activity = store::customer_activity(
        db,
        store::ThreePeriods {
            before_previous: (before_previous.first_day(), before_previous.last_day()),
            previous: prev,
            current: cur,
        },
        segment,
    )
    .await?;
    let retention_buckets = store::retention_series(
        db,
        current.last_day(),
        granularity.days(),
        buckets.len(),
        segment,
    )
    .await?;

    let identification = IdentificationKpi {
        current: sales.identification(cur).into(),
        previous: sales.identification(prev).into(),
        series: buckets
            .iter()
            .map(|b| RatePoint {
                date: b.0,
                rate: sales.identification(*b).into(),
            })
            .collect(),
    };
    let customer_base = CustomerBaseKpi {
        current: base(&ledger, last, 2, segment),
        previous: base(&ledger, 1, 1, segment),
        series: buckets
            .iter()
            .enumerate()
            .map(|(j, b)| {
                let at = base(&ledger, 2 + j, 2 + j, segment);
                CustomerBasePoint {
                    date: b.0,
                    levels: at.levels,
                    new_customers: at.new_customers,
                }
            })
            .collect(),
    };
    let coupons = CouponKpi {
        current: coupon_figures(&coupons_now),
        previous: coupon_figures(&coupons_before),
        series: buckets
            .iter()
            .map(|(first, last)| {
                let (redemptions, discount) = coupon_days
                    .iter()
                    .filter(|(day, _, _)| first <= day && day <= last)
                    .fold((0, 0), |(n, d), (_, uses, given)| (n + uses, d + given));
                CouponPoint {
                    date: *first,
                    redemptions,
                    discount,
                }
            })
            .collect(),
    };
    let discounts = DiscountKpi {
        current: sales.discounts(cur),
        previous: sales.discounts(prev),
        series: buckets
            .iter()
            .map(|b| {
                let f = sales.discounts(*b);
                RevenuePoint {
                    date: b.0,
                    gross_revenue: f.gross_revenue,
                    discounts: f.loyalty_discounts + f.coupon_discounts,
                    net_revenue: f.net_revenue,
                    margin: f.margin_after_discounts,
                }
            })
            .collect(),
    };
    let retention = RetentionKpi {
        current: retention_figures(activity.retention),
        previous: retention_figures(activity.previous_retention),
        // The store counts buckets back from the last day.
        series: buckets
            .iter()
            .rev()
            .zip(&retention_buckets)
            .map(|(b, r)| RetentionPoint {
                date: b.0,
                retention: r.retention().into(),
            })
            .rev()
            .collect(),
    };
    let frequency = FrequencyKpi {
        current: sales.frequency(cur, &activity.buyers),
        previous: sales.frequency(prev, &activity.previous_buyers),
        series: buckets
            .iter()
            .map(|b| {
                let (count, revenue) = sales.sum(*b, |r| sales.counts(r), |r| (r.sales, r.total));
                BasketPoint {
                    date: b.0,
                    sales: count,
                    average_basket: kpi::average_basket(revenue, count),
                }
            })
            .collect(),
    };
    let targets = targets(
        &identification,
        &customer_base,
        &coupons_now,
        activity.retention,
    );
    Ok(KpiDashboard {
        generated_at: Utc::now(),
        period: KpiPeriod {
            kind: request.kind.to_owned(),
            first_day: current.first_day(),
            last_day: current.last_day(),
            previous_first_day: previous.first_day(),
            previous_last_day: previous.last_day(),
            // At most 366 days (`MAX_CUSTOM_DAYS`).
            days: u32::try_from(current.len_days()).unwrap_or(u32::MAX),
            granularity,
        },
        segment,
        identification,
        customer_base,
        coupons,
        discounts,
        retention,
        frequency,
        top_coupons: top
            .into_iter()
            .map(|c| TopCoupon {
                coupon_id: c.coupon_id,
                code: c.code,
                kind: c.kind,
                uses: c.uses,
                discount: c.discount,
            })
            .collect(),
        revenue_by_segment: sales.revenue_by_segment(cur, prev),
        targets,
    })
}

/// The days of a range, as the coupon queries take them.
fn days(range: &PeriodRange) -> Days {
    Days {
        first: range.first_day(),
        last: range.last_day(),
        start_utc: range.start_utc,
        end_utc: range.end_utc,
    }
}

/// The first instant after the local day `day`.
fn end_of(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    start_of_day(day.succ_opt().unwrap_or(day), tz)
}

/// The day-and-segment rows of the sales, read for a segment.
struct Sales<'a> {
    rows: &'a [SalesDay],
    segment: Option<Level>,
}

impl Sales<'_> {
    /// Whether a row is among the sales the segment counts (all of them without one).
    fn counts(&self, row: &SalesDay) -> bool {
        self.segment.is_none() || row.segment == self.segment
    }

    /// Sums `figure` over the rows of the days `first..=last` that `keep` keeps.
    fn sum(
        &self,
        (first, last): (NaiveDate, NaiveDate),
        keep: impl Fn(&SalesDay) -> bool,
        figure: impl Fn(&SalesDay) -> (i64, i64),
    ) -> (i64, i64) {
        self.rows
            .iter()
            .filter(|r| first <= r.day && r.day <= last && keep(r))
            .map(figure)
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y))
    }

    /// KPI 1: identified sales (with a segment: the segment's) ÷ all completed sales.
    fn identification(&self, days: (NaiveDate, NaiveDate)) -> Ratio {
        let (counted, all) = self.sum(
            days,
            |_| true,
            |r| {
                let counted = match self.segment {
                    Some(_) => self.counts(r),
                    None => r.segment.is_some(),
                };
                (if counted { r.sales } else { 0 }, r.sales)
            },
        );
        kpi::identification_rate(counted, all)
    }

    /// KPI 4 over the segment's sales of the days.
    fn discounts(&self, days: (NaiveDate, NaiveDate)) -> DiscountFigures {
        let mut f = SalesDay::default();
        for r in self
            .rows
            .iter()
            .filter(|r| days.0 <= r.day && r.day <= days.1 && self.counts(r))
        {
            f.sales += r.sales;
            f.subtotal += r.subtotal;
            f.loyalty_discount += r.loyalty_discount;
            f.coupon_discount += r.coupon_discount;
            f.total += r.total;
            f.cost += r.cost;
        }
        DiscountFigures {
            sales: f.sales,
            gross_revenue: f.subtotal,
            loyalty_discounts: f.loyalty_discount,
            coupon_discounts: f.coupon_discount,
            net_revenue: f.total,
            discount_rate: kpi::discount_rate(f.subtotal, f.loyalty_discount + f.coupon_discount)
                .into(),
            cost: f.cost,
            margin_before_discounts: kpi::gross_margin(f.subtotal, f.cost),
            margin_after_discounts: kpi::gross_margin(f.total, f.cost),
            margin_rate: kpi::margin_rate(f.total, f.cost).into(),
        }
    }

    /// KPI 6: per level, identified and anonymous, with the distinct buyers.
    fn frequency(&self, days: (NaiveDate, NaiveDate), buyers: &store::Buyers) -> FrequencyFigures {
        let levels: Vec<Level> = match self.segment {
            Some(level) => vec![level],
            None => Level::ALL.to_vec(),
        };
        let of = |keep: &dyn Fn(&SalesDay) -> bool, customers: i64| {
            let (sales, revenue) = self.sum(days, keep, |r| (r.sales, r.total));
            BasketFigures {
                sales,
                revenue,
                customers,
                frequency: kpi::frequency(sales, customers).into(),
                average_basket: kpi::average_basket(revenue, sales),
            }
        };
        FrequencyFigures {
            levels: levels
                .iter()
                .map(|level| LevelBasket {
                    level: *level,
                    figures: of(&|r| r.segment == Some(*level), buyers.levels.get(*level)),
                })
                .collect(),
            identified: of(
                &|r| r.segment.is_some() && self.counts(r),
                buyers.identified,
            ),
            anonymous: of(&|r| r.segment.is_none() && self.segment.is_none(), 0),
        }
    }

    /// Revenue per level at the time of the sale, then anonymous (with a segment: that
    /// level only), with each one's share of the revenue shown.
    fn revenue_by_segment(
        &self,
        now: (NaiveDate, NaiveDate),
        before: (NaiveDate, NaiveDate),
    ) -> Vec<SegmentRevenue> {
        let segments: Vec<Option<Level>> = match self.segment {
            Some(level) => vec![Some(level)],
            None => Level::ALL.iter().copied().map(Some).chain([None]).collect(),
        };
        let figures: Vec<(Option<Level>, (i64, i64), i64)> = segments
            .into_iter()
            .map(|segment| {
                let now = self.sum(now, |r| r.segment == segment, |r| (r.sales, r.total));
                let (_, before) = self.sum(before, |r| r.segment == segment, |r| (0, r.total));
                (segment, now, before)
            })
            .collect();
        let whole: i64 = figures.iter().map(|(_, (_, revenue), _)| revenue).sum();
        figures
            .into_iter()
            .map(
                |(level, (sales, revenue), previous_revenue)| SegmentRevenue {
                    level,
                    sales,
                    revenue,
                    previous_revenue,
                    share: Ratio::new(revenue, whole).into(),
                },
            )
            .collect()
    }
}

/// KPI 2: the base at instant `at`, with the customers registered from slot `from` on
/// as the new ones; with a segment, that level only.
fn base(ledger: &BaseLedger, at: usize, from: usize, segment: Option<Level>) -> CustomerBase {
    let only = |counts: LevelCounts| match segment {
        None => counts,
        Some(level) => {
            let mut one = LevelCounts::default();
            let n = counts.get(level);
            match level {
                Level::Standard => one.standard = n,
                Level::Silver => one.silver = n,
                Level::Gold => one.gold = n,
                Level::Vip => one.vip = n,
            }
            one
        }
    };
    let levels = only(ledger.at(at));
    CustomerBase {
        total: levels.total(),
        loyal: kpi::loyal(&levels),
        new_customers: only(ledger.registered_in(from, at)).total(),
        levels,
    }
}

/// KPI 3's figures.
fn coupon_figures(figures: &store::CouponUse) -> CouponFigures {
    let (g, s) = (figures.generic, figures.special);
    CouponFigures {
        rate: kpi::coupon_use_rate(g.used + s.used, g.active + s.active).into(),
        generic: kpi::coupon_use_rate(g.used, g.active).into(),
        special: kpi::coupon_use_rate(s.used, s.active).into(),
        redemptions: figures.redemptions,
        discount: figures.discount,
    }
}

/// KPI 5's figures.
fn retention_figures(r: kpi::Retention) -> RetentionFigures {
    RetentionFigures {
        retention: r.retention().into(),
        churn: r.churn().into(),
    }
}

/// The four targets against this period's values.
fn targets(
    identification: &IdentificationKpi,
    base: &CustomerBaseKpi,
    coupons: &store::CouponUse,
    retention: kpi::Retention,
) -> Vec<TargetStatus> {
    let ratio = |rate: &Rate| Ratio::new(rate.numerator, rate.denominator);
    let (g, s) = (coupons.generic, coupons.special);
    Target::ALL
        .iter()
        .map(|target| {
            let (value, met) = match target {
                Target::Identification => {
                    let rate = ratio(&identification.current);
                    (rate.display(), target.met_by(rate))
                }
                Target::LoyalCustomers => {
                    let loyal = base.current.loyal;
                    (loyal.to_string(), target.met(loyal.into()))
                }
                Target::CouponUse => {
                    let rate = kpi::coupon_use_rate(g.used + s.used, g.active + s.active);
                    (rate.display(), target.met_by(rate))
                }
                Target::Retention => {
                    let rate = retention.retention();
                    (rate.display(), target.met_by(rate))
                }
            };
            TargetStatus {
                target: *target,
                threshold: target.threshold().to_string(),
                comparison: if target.strict() { ">" } else { ">=" }.to_owned(),
                value,
                met,
            }
        })
        .collect()
}
