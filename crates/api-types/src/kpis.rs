//! `GET /kpis`: the KPI dashboard (SPEC §5) for a period and, optionally, a segment.
//!
//! Every KPI has its figures for the period (`current`), for the period of the same
//! length just before (`previous`), and a series over the period (daily, weekly past 90
//! days; each point names the first day of its bucket). Money is whole FCFA (`i64`).
//! A rate is a [`Rate`]: its numerator, its denominator and its value as a decimal string
//! with 4 places (`"0.7234"`; `"0"` when the denominator is 0, never NaN).
//!
//! Only completed sales count: refunded and cancelled ones are left out everywhere, on
//! the day the sale was made. A segment (`segment=GOLD`) is the customer's level at the
//! time of the sale, as recorded on the sale; see `docs/architecture.md` "KPIs" for what
//! each KPI means with a segment.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::coupon::CouponKind;
use crm_domain::kpi::{Granularity, Ratio, Target};
use crm_domain::loyalty::LevelCounts;
use crm_domain::Level;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A rate with what it is made of.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"numerator": 7234, "denominator": 10000, "value": "0.7234"})))]
pub struct Rate {
    /// What is counted.
    pub numerator: i64,
    /// Out of what.
    pub denominator: i64,
    /// `numerator ÷ denominator`, 4 decimal places, half up (`"0.7234"`); `"0"` when the
    /// denominator is 0.
    pub value: String,
}

impl From<Ratio> for Rate {
    fn from(ratio: Ratio) -> Rate {
        Rate {
            numerator: ratio.numerator,
            denominator: ratio.denominator,
            value: ratio.display(),
        }
    }
}

/// A rate at one point of a series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RatePoint {
    /// First day of the bucket (the day, or the first day of the week).
    pub date: NaiveDate,
    /// The rate over the bucket.
    pub rate: Rate,
}

/// The period asked for, resolved to store-local days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "kind": "30d", "first_day": "2026-11-07", "last_day": "2026-12-06",
    "previous_first_day": "2026-10-08", "previous_last_day": "2026-11-06", "days": 30,
    "granularity": "DAY"
})))]
pub struct KpiPeriod {
    /// `7d`, `30d`, `90d`, `180d`, `365d` or `custom`.
    pub kind: String,
    /// First day, included.
    pub first_day: NaiveDate,
    /// Last day, included.
    pub last_day: NaiveDate,
    /// First day of the previous period (same number of days, just before).
    pub previous_first_day: NaiveDate,
    /// Last day of the previous period (the day before `first_day`).
    pub previous_last_day: NaiveDate,
    /// Days in each of the two periods.
    pub days: u32,
    /// DAY up to 90 days, WEEK beyond: weeks are 7 days counted back from `last_day`, so
    /// only the oldest point may cover fewer days.
    pub granularity: Granularity,
}

/// `GET /kpis`: the whole dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "generated_at": "2026-12-07T11:00:00Z",
    "period": {
        "kind": "30d", "first_day": "2026-11-07", "last_day": "2026-12-06",
        "previous_first_day": "2026-10-08", "previous_last_day": "2026-11-06", "days": 30,
        "granularity": "DAY"
    },
    "segment": null,
    "identification": {
        "current": {"numerator": 7234, "denominator": 10000, "value": "0.7234"},
        "previous": {"numerator": 6980, "denominator": 9850, "value": "0.7086"},
        "series": [
            {
                "date": "2026-12-06",
                "rate": {"numerator": 251, "denominator": 342, "value": "0.7339"}
            }
        ]
    },
    "customer_base": {
        "current": {
            "levels": {"standard": 8034, "silver": 2712, "gold": 1318, "vip": 416},
            "total": 12480, "loyal": 4446, "new_customers": 312
        },
        "previous": {
            "levels": {"standard": 8210, "silver": 2650, "gold": 1240, "vip": 380},
            "total": 12168, "loyal": 4270, "new_customers": 298
        },
        "series": [
            {
                "date": "2026-12-06",
                "levels": {"standard": 8034, "silver": 2712, "gold": 1318, "vip": 416},
                "new_customers": 9
            }
        ]
    },
    "coupons": {
        "current": {
            "rate": {"numerator": 1210, "denominator": 10000, "value": "0.1210"},
            "generic": {"numerator": 640, "denominator": 10000, "value": "0.0640"},
            "special": {"numerator": 570, "denominator": 10000, "value": "0.0570"},
            "redemptions": 1210, "discount": 1482000
        },
        "previous": {
            "rate": {"numerator": 1105, "denominator": 9850, "value": "0.1122"},
            "generic": {"numerator": 600, "denominator": 9850, "value": "0.0609"},
            "special": {"numerator": 505, "denominator": 9850, "value": "0.0513"},
            "redemptions": 1105, "discount": 1350500
        },
        "series": [{"date": "2026-12-06", "redemptions": 41, "discount": 50200}]
    },
    "discounts": {
        "current": {
            "sales": 10000, "gross_revenue": 136500000, "loyalty_discounts": 3412000,
            "coupon_discounts": 1482000, "net_revenue": 131606000,
            "discount_rate": {"numerator": 4894000, "denominator": 136500000, "value": "0.0359"},
            "cost": 106470000, "margin_before_discounts": 30030000,
            "margin_after_discounts": 25136000,
            "margin_rate": {"numerator": 25136000, "denominator": 131606000, "value": "0.1910"}
        },
        "previous": {
            "sales": 9850, "gross_revenue": 133200000, "loyalty_discounts": 3330000,
            "coupon_discounts": 1350500, "net_revenue": 128519500,
            "discount_rate": {"numerator": 4680500, "denominator": 133200000, "value": "0.0351"},
            "cost": 103900000, "margin_before_discounts": 29300000,
            "margin_after_discounts": 24619500,
            "margin_rate": {"numerator": 24619500, "denominator": 128519500, "value": "0.1916"}
        },
        "series": [
            {
                "date": "2026-12-06", "gross_revenue": 4650000, "discounts": 167000,
                "net_revenue": 4483000, "margin": 856000
            }
        ]
    },
    "retention": {
        "current": {
            "retention": {"numerator": 3010, "denominator": 4120, "value": "0.7306"},
            "churn": {"numerator": 1110, "denominator": 4120, "value": "0.2694"}
        },
        "previous": {
            "retention": {"numerator": 2890, "denominator": 4010, "value": "0.7207"},
            "churn": {"numerator": 1120, "denominator": 4010, "value": "0.2793"}
        },
        "series": [
            {
                "date": "2026-12-06",
                "retention": {"numerator": 3010, "denominator": 4120, "value": "0.7306"}
            }
        ]
    },
    "frequency": {
        "current": {
            "levels": [
                {
                    "sales": 3120, "revenue": 41200000, "customers": 1318,
                    "frequency": {"numerator": 3120, "denominator": 1318, "value": "2.3672"},
                    "average_basket": 13205, "level": "GOLD"
                }
            ],
            "identified": {
                "sales": 7234, "revenue": 98420000, "customers": 4120,
                "frequency": {"numerator": 7234, "denominator": 4120, "value": "1.7558"},
                "average_basket": 13605
            },
            "anonymous": {
                "sales": 2766, "revenue": 33186000, "customers": 0,
                "frequency": {"numerator": 0, "denominator": 0, "value": "0"},
                "average_basket": 11997
            }
        },
        "previous": {
            "levels": [
                {
                    "sales": 2980, "revenue": 39100000, "customers": 1240,
                    "frequency": {"numerator": 2980, "denominator": 1240, "value": "2.4032"},
                    "average_basket": 13120, "level": "GOLD"
                }
            ],
            "identified": {
                "sales": 6980, "revenue": 94100000, "customers": 4010,
                "frequency": {"numerator": 6980, "denominator": 4010, "value": "1.7406"},
                "average_basket": 13481
            },
            "anonymous": {
                "sales": 2870, "revenue": 30100000, "customers": 0,
                "frequency": {"numerator": 0, "denominator": 0, "value": "0"},
                "average_basket": 10487
            }
        },
        "series": [{"date": "2026-12-06", "sales": 342, "average_basket": 13596}]
    },
    "top_coupons": [{"coupon_id": 3, "code": "BIENVENUE", "kind": "GENERIC", "uses": 640, "discount": 812000}],
    "revenue_by_segment": [
        {
            "level": "GOLD", "sales": 3120, "revenue": 41200000, "previous_revenue": 39100000,
            "share": {"numerator": 41200000, "denominator": 131606000, "value": "0.3131"}
        },
        {
            "level": null, "sales": 2766, "revenue": 33186000, "previous_revenue": 30100000,
            "share": {"numerator": 33186000, "denominator": 131606000, "value": "0.2522"}
        }
    ],
    "targets": [
        {
            "target": "IDENTIFICATION", "threshold": "0.70", "comparison": ">",
            "value": "0.7234", "met": true
        },
        {
            "target": "LOYAL_CUSTOMERS", "threshold": "500", "comparison": ">=",
            "value": "4446", "met": true
        },
        {
            "target": "COUPON_USE", "threshold": "0.40", "comparison": ">", "value": "0.1210",
            "met": false
        },
        {
            "target": "RETENTION", "threshold": "0.80", "comparison": ">", "value": "0.7306",
            "met": false
        }
    ]
})))]
pub struct KpiDashboard {
    /// When computed: a dashboard is served again while fresh (60 s by default), then
    /// while its successor is computed, up to 15 minutes old.
    pub generated_at: DateTime<Utc>,
    /// The period.
    pub period: KpiPeriod,
    /// The level the figures are restricted to, if any.
    pub segment: Option<Level>,
    /// KPI 1: Identification rate.
    pub identification: IdentificationKpi,
    /// KPI 2: Customer base.
    pub customer_base: CustomerBaseKpi,
    /// KPI 3: Coupon redemption.
    pub coupons: CouponKpi,
    /// KPI 4: Discount impact and gross margin.
    pub discounts: DiscountKpi,
    /// KPI 5: Retention and churn.
    pub retention: RetentionKpi,
    /// KPI 6: Purchase frequency and average basket.
    pub frequency: FrequencyKpi,
    /// The ten coupons used most in the period (uses, then code).
    pub top_coupons: Vec<TopCoupon>,
    /// Revenue per level of the customer at the time of the sale, then anonymous sales
    /// (`level` null); with a segment, that level only.
    pub revenue_by_segment: Vec<SegmentRevenue>,
    /// The four targets of SPEC §5 against this period's values.
    pub targets: Vec<TargetStatus>,
}

/// KPI 1: Identification rate = identified completed sales ÷ completed sales. With a segment:
/// the segment's sales ÷ all completed sales (the share of the tickets made by customers
/// of that level).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdentificationKpi {
    /// This period.
    pub current: Rate,
    /// The previous period.
    pub previous: Rate,
    /// Per bucket.
    pub series: Vec<RatePoint>,
}

/// KPI 2: Customer base: customers per level at the end of a period, rebuilt from the
/// level-change record and the registration dates, and new customers (registered in the
/// period). With a segment: that level's count only (the others are 0), and the new
/// customers who were at that level at the end of the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerBaseKpi {
    /// At the end of this period.
    pub current: CustomerBase,
    /// At the end of the previous period.
    pub previous: CustomerBase,
    /// Per bucket: the base at the end of the bucket and its new customers.
    pub series: Vec<CustomerBasePoint>,
}

/// The customer base at the end of a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerBase {
    /// Customers per level.
    pub levels: LevelCounts,
    /// All of them.
    pub total: i64,
    /// SILVER + GOLD + VIP (the "loyal customers" of the target).
    pub loyal: i64,
    /// Registered during the period.
    pub new_customers: i64,
}

/// The customer base at the end of a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerBasePoint {
    /// First day of the bucket.
    pub date: NaiveDate,
    /// Customers per level at the end of its last day.
    pub levels: LevelCounts,
    /// Registered during the bucket.
    pub new_customers: i64,
}

/// KPI 3: Coupon redemption: coupons used at least once in the period ÷ coupons active in
/// the period (valid on at least one of its days and created before its end; a coupon
/// deactivated since still counts, its deactivation date is not recorded). Uses are
/// unreleased redemptions on completed sales. With a segment: the uses by customers of
/// the segment, out of the same active coupons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CouponKpi {
    /// This period.
    pub current: CouponFigures,
    /// The previous period.
    pub previous: CouponFigures,
    /// Per bucket.
    pub series: Vec<CouponPoint>,
}

/// Coupon figures of a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CouponFigures {
    /// All kinds.
    pub rate: Rate,
    /// GENERIC coupons.
    pub generic: Rate,
    /// SPECIAL coupons.
    pub special: Rate,
    /// Uses (redemptions).
    pub redemptions: i64,
    /// Discount given through coupons, FCFA.
    pub discount: i64,
}

/// Coupon uses in a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CouponPoint {
    /// First day of the bucket.
    pub date: NaiveDate,
    /// Uses.
    pub redemptions: i64,
    /// Discount given, FCFA.
    pub discount: i64,
}

/// KPI 4: Discount impact and gross margin: gross revenue (sums of subtotals), loyalty and
/// coupon discounts, net revenue (sums of totals), discount rate = discounts ÷ gross
/// revenue, cost = Σ quantity × the unit cost recorded on each sale line, and the gross
/// margin before (gross − cost) and after (net − cost) discounts. Amounts include VAT,
/// as the prices do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DiscountKpi {
    /// This period.
    pub current: DiscountFigures,
    /// The previous period.
    pub previous: DiscountFigures,
    /// Per bucket.
    pub series: Vec<RevenuePoint>,
}

/// Discount and margin figures of a period, FCFA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DiscountFigures {
    /// Completed sales.
    pub sales: i64,
    /// Sum of subtotals (before discounts).
    pub gross_revenue: i64,
    /// Loyalty discounts.
    pub loyalty_discounts: i64,
    /// Coupon discounts.
    pub coupon_discounts: i64,
    /// Sum of totals (after discounts).
    pub net_revenue: i64,
    /// (loyalty + coupon discounts) ÷ gross revenue.
    pub discount_rate: Rate,
    /// Recorded cost of the goods sold.
    pub cost: i64,
    /// gross revenue − cost.
    pub margin_before_discounts: i64,
    /// net revenue − cost.
    pub margin_after_discounts: i64,
    /// margin after discounts ÷ net revenue.
    pub margin_rate: Rate,
}

/// Revenue and margin of a bucket, FCFA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RevenuePoint {
    /// First day of the bucket.
    pub date: NaiveDate,
    /// Sum of subtotals.
    pub gross_revenue: i64,
    /// Loyalty + coupon discounts.
    pub discounts: i64,
    /// Sum of totals.
    pub net_revenue: i64,
    /// net revenue − cost.
    pub margin: i64,
}

/// KPI 5: Retention = customers active in the previous period who bought again in this one ÷
/// customers active in the previous period; churn = 1 − retention (the customers lost ÷
/// the same denominator). Both are 0 when nobody was active before. With a segment: the
/// customers whose purchases in the previous period were made at that level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetentionKpi {
    /// This period against the previous one.
    pub current: RetentionFigures,
    /// The previous period against the one before it.
    pub previous: RetentionFigures,
    /// Per bucket, against the bucket of the same length just before.
    pub series: Vec<RetentionPoint>,
}

/// Retention and churn of a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetentionFigures {
    /// Retained ÷ active before.
    pub retention: Rate,
    /// Lost ÷ active before.
    pub churn: Rate,
}

/// Retention in a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetentionPoint {
    /// First day of the bucket.
    pub date: NaiveDate,
    /// Customers of the bucket before who bought again in this one.
    pub retention: Rate,
}

/// KPI 6: Purchase frequency (completed sales ÷ distinct customers) and average basket
/// (revenue ÷ sales, rounded to the franc) per level at the time of the sale, for
/// identified sales as a whole and for anonymous ones (no customers: frequency 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FrequencyKpi {
    /// This period.
    pub current: FrequencyFigures,
    /// The previous period.
    pub previous: FrequencyFigures,
    /// Per bucket, all sales of the segment (or all sales).
    pub series: Vec<BasketPoint>,
}

/// Frequency and basket figures of a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FrequencyFigures {
    /// Per level, STANDARD first (with a segment, that level only).
    pub levels: Vec<LevelBasket>,
    /// Identified sales, all levels (with a segment, the segment's).
    pub identified: BasketFigures,
    /// Anonymous sales (none with a segment).
    pub anonymous: BasketFigures,
}

/// One level's baskets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LevelBasket {
    /// The level at the time of the sale.
    pub level: Level,
    /// Its figures.
    #[serde(flatten)]
    pub figures: BasketFigures,
}

/// Baskets of a group of sales.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BasketFigures {
    /// Completed sales.
    pub sales: i64,
    /// Their revenue (totals), FCFA.
    pub revenue: i64,
    /// Distinct customers who made them (0 for anonymous sales).
    pub customers: i64,
    /// sales ÷ customers.
    pub frequency: Rate,
    /// revenue ÷ sales, FCFA.
    pub average_basket: i64,
}

/// Sales and average basket of a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BasketPoint {
    /// First day of the bucket.
    pub date: NaiveDate,
    /// Completed sales.
    pub sales: i64,
    /// Average basket, FCFA.
    pub average_basket: i64,
}

/// One of the most used coupons of the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TopCoupon {
    /// The coupon.
    pub coupon_id: i64,
    /// Its code.
    pub code: String,
    /// GENERIC or SPECIAL.
    pub kind: CouponKind,
    /// Uses in the period.
    pub uses: i64,
    /// Discount given in the period, FCFA.
    pub discount: i64,
}

/// The revenue of one segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SegmentRevenue {
    /// The customer's level at the time of the sale; null for anonymous sales.
    pub level: Option<Level>,
    /// Completed sales.
    pub sales: i64,
    /// Revenue (totals), FCFA.
    pub revenue: i64,
    /// Revenue in the previous period, FCFA.
    pub previous_revenue: i64,
    /// Share of the period's revenue (of all segments shown).
    pub share: Rate,
}

/// A target of SPEC §5 against its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TargetStatus {
    /// Which target.
    pub target: Target,
    /// The threshold: a share (`"0.70"`) or a count (`"500"`).
    pub threshold: String,
    /// `>` (must exceed) or `>=` (must reach).
    pub comparison: String,
    /// This period's value, as shown on its card (`"0.7234"`, `"512"`).
    pub value: String,
    /// Whether the exact value meets the target.
    pub met: bool,
}
