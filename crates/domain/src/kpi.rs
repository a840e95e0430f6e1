//! The KPI definitions of SPEC §5 over plain figures, and their targets.
//!
//! The store counts (sales, customers, francs); every ratio, bound and target is decided
//! here, so the SQL never divides and a test can hold a figure and its definition side by
//! side. Rates are exact fractions, shown as decimals with 4 places; a rate over nothing
//! (denominator 0) is 0, never NaN.

use crate::loyalty::LevelCounts;
use crate::{Level, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The longest period whose KPI series is daily; longer ones are weekly.
pub const MAX_DAILY_DAYS: usize = 90;

/// Places of a rate's decimal value (`0.7234`).
pub const RATE_PLACES: u32 = 4;

/// The step of a KPI series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Granularity {
    /// One point per day.
    Day,
    /// One point per 7 days.
    Week,
}

impl Granularity {
    /// Days per point.
    pub fn days(self) -> usize {
        match self {
            Granularity::Day => 1,
            Granularity::Week => 7,
        }
    }
}

/// A fraction `numerator ÷ denominator`, both given to the client so a rate can be
/// checked and summed; its value is 0 when the denominator is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ratio {
    /// What is counted.
    pub numerator: i64,
    /// Out of what.
    pub denominator: i64,
}

impl Ratio {
    /// `numerator ÷ denominator`.
    pub const fn new(numerator: i64, denominator: i64) -> Ratio {
        Ratio {
            numerator,
            denominator,
        }
    }

    /// The exact quotient (0 over nothing).
    pub fn exact(self) -> Decimal {
        if self.denominator == 0 {
            return Decimal::ZERO;
        }
        Decimal::from(self.numerator) / Decimal::from(self.denominator)
    }

    /// The quotient rounded half up to [`RATE_PLACES`] places.
    pub fn value(self) -> Decimal {
        self.exact()
            .round_dp_with_strategy(RATE_PLACES, RoundingStrategy::MidpointAwayFromZero)
    }

    /// The value as the API sends it: `"0.7234"`, `"1.0000"`, and `"0"` over nothing.
    pub fn display(self) -> String {
        if self.denominator == 0 {
            return "0".to_owned();
        }
        let mut value = self.value();
        value.rescale(RATE_PLACES);
        value.to_string()
    }
}

/// KPI 1: Identification rate: identified completed sales ÷ completed sales (bounded 0–1).
pub fn identification_rate(identified: i64, sales: i64) -> Ratio {
    bounded(identified, sales)
}

/// KPI 3: Coupon redemption rate: coupons used at least once ÷ coupons active in the period
/// (bounded 0–1).
pub fn coupon_use_rate(used: i64, active: i64) -> Ratio {
    bounded(used, active)
}

/// KPI 4: Discount rate: (loyalty + coupon discounts) ÷ gross revenue (the subtotals).
pub fn discount_rate(gross_revenue: i64, discounts: i64) -> Ratio {
    bounded(discounts, gross_revenue)
}

/// KPI 4: Gross margin: revenue − the recorded cost of the goods sold (negative when sold
/// below cost).
pub fn gross_margin(revenue: i64, cost: i64) -> i64 {
    revenue - cost
}

/// KPI 4: Margin rate: margin ÷ revenue (negative when sold below cost).
pub fn margin_rate(revenue: i64, cost: i64) -> Ratio {
    Ratio::new(gross_margin(revenue, cost), revenue)
}

/// KPI 5: Retention and churn over the customers active in the previous period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Customers with a completed purchase in the previous period.
    pub active_before: i64,
    /// Of those, the ones who bought again in this period.
    pub retained: i64,
}

impl Retention {
    /// Retention = retained ÷ active before, bounded 0–1 (0 when nobody was active).
    pub fn retention(self) -> Ratio {
        bounded(self.retained, self.active_before)
    }

    /// Churn = 1 − retention: the customers lost ÷ active before, bounded 0–1 (0 when
    /// nobody was active, like retention: there was nobody to lose).
    pub fn churn(self) -> Ratio {
        let kept = self.retention();
        Ratio::new(kept.denominator - kept.numerator, kept.denominator)
    }
}

/// KPI 6: Purchase frequency: completed sales ÷ distinct customers who made them.
pub fn frequency(sales: i64, customers: i64) -> Ratio {
    Ratio::new(sales.max(0), customers.max(0))
}

/// KPI 6: Average basket: revenue ÷ sales, rounded half up to the franc (0 without sales).
pub fn average_basket(revenue: i64, sales: i64) -> i64 {
    if sales <= 0 {
        return 0;
    }
    Money::round(Decimal::from(revenue) / Decimal::from(sales)).francs()
}

/// `numerator ÷ denominator` with the numerator held in `0..=denominator`: a rate of
/// SPEC §5 is a share of its denominator.
fn bounded(numerator: i64, denominator: i64) -> Ratio {
    let denominator = denominator.max(0);
    Ratio::new(numerator.clamp(0, denominator), denominator)
}

/// KPI 2: Customers who registered in one slot of time and are at `level` now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registrations {
    /// The slot of their registration (see [`BaseLedger`]).
    pub slot: usize,
    /// Their current level.
    pub level: Level,
    /// How many.
    pub customers: i64,
}

/// KPI 2: Level changes of one kind made in one slot by customers registered in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelMoves {
    /// The slot of the change.
    pub changed: usize,
    /// The slot of the customers' registration.
    pub registered: usize,
    /// Level before.
    pub from: Level,
    /// Level after.
    pub to: Level,
    /// How many.
    pub customers: i64,
}

/// KPI 2: The customer base over time, rebuilt from today's levels, the registration dates
/// and the level-change record (SPEC §4: the analysis is the only thing that changes a
/// level, and records every change).
///
/// Instants `t_0 < t_1 < … < t_(n-1)` cut time into slots: slot `i` is `[t_(i-1), t_i)`
/// (slot 0 everything before `t_0`, slot `n` from `t_(n-1)` on). A customer registered
/// before `t_i` is at `t_i` at their current level, undone by each change they made at or
/// after `t_i`: so the changes before the first instant need not be read at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseLedger {
    /// Customers per registration slot and current level.
    pub registered: Vec<Registrations>,
    /// Level changes made at or after the first instant, per slot.
    pub moves: Vec<LevelMoves>,
}

impl BaseLedger {
    /// Customers per level at instant `t_i`.
    pub fn at(&self, i: usize) -> LevelCounts {
        self.registered_in(0, i)
    }

    /// Customers registered in slots `first..=i` (in `[t_(first-1), t_i)`), per their
    /// level at instant `t_i`.
    pub fn registered_in(&self, first: usize, i: usize) -> LevelCounts {
        let mut counts = LevelCounts::default();
        for r in self
            .registered
            .iter()
            .filter(|r| (first..=i).contains(&r.slot))
        {
            add(&mut counts, r.level, r.customers);
        }
        // A change at or after t_i is undone: back from its `to` to its `from`.
        for m in self
            .moves
            .iter()
            .filter(|m| m.changed > i && (first..=i).contains(&m.registered))
        {
            add(&mut counts, m.to, -m.customers);
            add(&mut counts, m.from, m.customers);
        }
        counts
    }
}

/// Adds `n` customers (or takes them away) at `level`.
fn add(counts: &mut LevelCounts, level: Level, n: i64) {
    let slot = match level {
        Level::Standard => &mut counts.standard,
        Level::Silver => &mut counts.silver,
        Level::Gold => &mut counts.gold,
        Level::Vip => &mut counts.vip,
    };
    *slot += n;
}

/// The loyal customers of a base: SILVER, GOLD and VIP (SPEC §4's loyalty rate).
pub fn loyal(base: &LevelCounts) -> i64 {
    base.silver + base.gold + base.vip
}

/// The targets shown against the values (SPEC §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Target {
    /// Identification rate > 70 %.
    Identification,
    /// Loyal customers (SILVER, GOLD and VIP) ≥ 500.
    LoyalCustomers,
    /// Coupon redemption rate > 40 %.
    CouponUse,
    /// Retention > 80 %.
    Retention,
}

impl Target {
    /// Every target, in the dashboard's order.
    pub const ALL: [Target; 4] = [
        Target::Identification,
        Target::LoyalCustomers,
        Target::CouponUse,
        Target::Retention,
    ];

    /// The threshold: a share (0.70) or a count (500).
    pub fn threshold(self) -> Decimal {
        match self {
            Target::Identification => Decimal::new(70, 2),
            Target::LoyalCustomers => Decimal::from(500),
            Target::CouponUse => Decimal::new(40, 2),
            Target::Retention => Decimal::new(80, 2),
        }
    }

    /// Whether the value must exceed the threshold (`>`) rather than reach it (`≥`).
    pub fn strict(self) -> bool {
        !matches!(self, Target::LoyalCustomers)
    }

    /// Whether the exact `value` meets the target.
    pub fn met(self, value: Decimal) -> bool {
        if self.strict() {
            value > self.threshold()
        } else {
            value >= self.threshold()
        }
    }

    /// Whether a rate meets the target, on its exact quotient (70.004 % is over 70 %
    /// even though it shows as 0.7000).
    pub fn met_by(self, rate: Ratio) -> bool {
        self.met(rate.exact())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rates_show_four_places_and_zero_over_nothing() {
        assert_eq!(Ratio::new(7234, 10000).display(), "0.7234");
        assert_eq!(Ratio::new(2, 3).display(), "0.6667");
        assert_eq!(Ratio::new(1, 8).display(), "0.1250");
        assert_eq!(Ratio::new(3, 3).display(), "1.0000");
        assert_eq!(Ratio::new(0, 5).display(), "0.0000");
        assert_eq!(Ratio::new(0, 0).display(), "0");
        assert_eq!(Ratio::new(0, 0).value(), Decimal::ZERO);
        // Half up: 1/32 = 0.03125 → 0.0313.
        assert_eq!(Ratio::new(1, 32).display(), "0.0313");
        assert_eq!(frequency(5, 2).display(), "2.5000");
    }

    #[test]
    fn identification_counts_identified_sales_among_completed_ones() {
        assert_eq!(identification_rate(3, 4), Ratio::new(3, 4));
        assert_eq!(identification_rate(0, 0).display(), "0");
        assert_eq!(identification_rate(5, 4), Ratio::new(4, 4));
    }

    #[test]
    fn retention_and_churn_add_up_to_one_and_stay_bounded() {
        let r = Retention {
            active_before: 4,
            retained: 3,
        };
        assert_eq!(r.retention(), Ratio::new(3, 4));
        assert_eq!(r.churn(), Ratio::new(1, 4));
        let nobody = Retention::default();
        assert_eq!(nobody.retention().display(), "0");
        assert_eq!(nobody.churn().display(), "0");
        let odd = Retention {
            active_before: 2,
            retained: 5,
        };
        assert_eq!(odd.retention(), Ratio::new(2, 2));
        assert_eq!(odd.churn(), Ratio::new(0, 2));
    }

    #[test]
    fn discounts_margins_and_baskets() {
        assert_eq!(discount_rate(20_000, 1_500).display(), "0.0750");
        assert_eq!(gross_margin(18_500, 12_000), 6_500);
        assert_eq!(margin_rate(18_500, 12_000), Ratio::new(6_500, 18_500));
        assert_eq!(margin_rate(1_000, 1_500).display(), "-0.5000");
        assert_eq!(average_basket(10_001, 2), 5_001);
        assert_eq!(average_basket(10_000, 3), 3_333);
        assert_eq!(average_basket(5, 0), 0);
        assert_eq!(coupon_use_rate(2, 5).display(), "0.4000");
    }

    #[test]
    fn targets_compare_exact_values() {
        assert!(!Target::Identification.met_by(Ratio::new(70, 100)));
        assert!(Target::Identification.met_by(Ratio::new(70_004, 100_000)));
        assert!(Target::LoyalCustomers.met(Decimal::from(500)));
        assert!(!Target::LoyalCustomers.met(Decimal::from(499)));
        assert!(!Target::CouponUse.met_by(Ratio::new(2, 5)));
        assert!(Target::CouponUse.met_by(Ratio::new(3, 5)));
        assert!(Target::Retention.met_by(Ratio::new(81, 100)));
        assert!(!Target::Retention.met_by(Ratio::new(0, 0)));
    }

    #[test]
    fn the_base_at_an_instant_undoes_the_later_changes() {
        use Level::*;
        // Instants t0, t1, t2. Slot 0: before t0; slot 1: [t0, t1); slot 2: [t1, t2);
        // slot 3: from t2 on.
        let ledger = BaseLedger {
            registered: vec![
                // Two old customers, now GOLD and VIP.
                Registrations {
                    slot: 0,
                    level: Gold,
                    customers: 1,
                },
                Registrations {
                    slot: 0,
                    level: Vip,
                    customers: 1,
                },
                // One registered in [t0, t1), now SILVER.
                Registrations {
                    slot: 1,
                    level: Silver,
                    customers: 1,
                },
                // One registered after t2, still STANDARD.
                Registrations {
                    slot: 3,
                    level: Standard,
                    customers: 1,
                },
            ],
            moves: vec![
                // The VIP was GOLD until a change in [t1, t2).
                LevelMoves {
                    changed: 2,
                    registered: 0,
                    from: Gold,
                    to: Vip,
                    customers: 1,
                },
                // The SILVER one was promoted after t2.
                LevelMoves {
                    changed: 3,
                    registered: 1,
                    from: Standard,
                    to: Silver,
                    customers: 1,
                },
            ],
        };
        let counts = |standard, silver, gold, vip| LevelCounts {
            standard,
            silver,
            gold,
            vip,
        };
        assert_eq!(ledger.at(0), counts(0, 0, 2, 0));
        assert_eq!(ledger.at(1), counts(1, 0, 2, 0));
        assert_eq!(ledger.at(2), counts(1, 0, 1, 1));
        assert_eq!(ledger.at(3), counts(1, 1, 1, 1));
        // New in [t0, t2), at their level at t2: the one still STANDARD then.
        assert_eq!(ledger.registered_in(1, 2), counts(1, 0, 0, 0));
        assert_eq!(loyal(&ledger.at(3)), 3);
    }

    proptest! {
        #[test]
        fn shares_stay_between_zero_and_one(n in -1_000i64..1_000_000, d in -10i64..1_000_000) {
            for rate in [
                identification_rate(n, d),
                coupon_use_rate(n, d),
                discount_rate(d, n),
                Retention { active_before: d, retained: n }.retention(),
                Retention { active_before: d, retained: n }.churn(),
            ] {
                prop_assert!(rate.exact() >= Decimal::ZERO && rate.exact() <= Decimal::ONE);
                prop_assert!(rate.denominator >= 0);
            }
            let r = Retention { active_before: d, retained: n };
            if r.retention().denominator > 0 {
                prop_assert_eq!(r.retention().exact() + r.churn().exact(), Decimal::ONE);
            }
        }
    }
}
