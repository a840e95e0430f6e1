//! The score of SPEC §4: what a customer's completed purchases look like from the
//! reference instant T ([`Activity`]), and the points each criterion gives for it
//! ([`Criteria`]).
//!
//! [`Windows`] holds the instants every window starts at, so the store's SQL compares
//! timestamps with bound values (`created_at > $since_90d`) and never does date
//! arithmetic of its own — the same query on SQLite and PostgreSQL, and the same
//! boundaries as [`Activity::from_purchases`], the reference the tests hold it to.

use super::{CriterionPoints, Level, LoyaltyPolicy};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Length of one regularity window ("month").
const MONTH_DAYS: i64 = 30;
/// Regularity looks at this many windows.
pub const REGULARITY_WINDOWS: usize = 6;

/// The windows of an analysis at T. A purchase at `time` is in "the last N days" when
/// `T − N days < time ≤ T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    /// The reference instant.
    pub at: DateTime<Utc>,
    /// T − 90 days: frequency and amount count purchases after it.
    pub since_90d: DateTime<Utc>,
    /// `month_starts[k]` = T − 30(k+1) days: window k is `(month_starts[k], T − 30k]`;
    /// the last one (T − 180 days) is the horizon nothing before matters.
    pub month_starts: [DateTime<Utc>; REGULARITY_WINDOWS],
}

impl Windows {
    /// The windows at `at`.
    pub fn at(at: DateTime<Utc>) -> Windows {
        let days = |n: i64| at - Duration::days(n);
        Windows {
            at,
            since_90d: days(90),
            month_starts: std::array::from_fn(|k| days(MONTH_DAYS * (k as i64 + 1))),
        }
    }

    /// T − 180 days: purchases at or before it play no part.
    pub fn horizon(&self) -> DateTime<Utc> {
        self.month_starts[REGULARITY_WINDOWS - 1]
    }

    /// Which regularity window `time` falls in, if any.
    pub fn month_of(&self, time: DateTime<Utc>) -> Option<usize> {
        if time > self.at {
            return None;
        }
        self.month_starts.iter().position(|start| time > *start)
    }
}

/// A customer's completed purchases (not refunded, not cancelled; totals after
/// discounts) as seen from T.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Purchases in the last 90 days.
    pub purchases_90d: i64,
    /// Their total in FCFA.
    pub spend_90d: i64,
    /// How many of the six 30-day windows hold a purchase.
    pub active_months: u8,
    /// The last purchase within the last 180 days (older ones earn no recency points).
    pub last_purchase: Option<DateTime<Utc>>,
}

impl Activity {
    /// The reference computation, from each purchase's time and final total.
    pub fn from_purchases(
        windows: &Windows,
        purchases: impl IntoIterator<Item = (DateTime<Utc>, i64)>,
    ) -> Activity {
        let mut activity = Activity::default();
        let mut months = [false; REGULARITY_WINDOWS];
        for (time, total) in purchases {
            let Some(month) = windows.month_of(time) else {
                continue;
            };
            // `month_of` is a position in `month_starts`, as long as `months`.
            if let Some(active) = months.get_mut(month) {
                *active = true;
            }
            if time > windows.since_90d {
                activity.purchases_90d += 1;
                activity.spend_90d += total;
            }
            activity.last_purchase = activity.last_purchase.max(Some(time));
        }
        // At most REGULARITY_WINDOWS (6): the saturation is never reached.
        let active = months.iter().filter(|m| **m).count();
        activity.active_months = u8::try_from(active).unwrap_or(u8::MAX);
        activity
    }

    /// Whole days between the last purchase and T (none: no purchase in 180 days).
    pub fn days_since_last(&self, at: DateTime<Utc>) -> Option<i64> {
        self.last_purchase.map(|last| (at - last).num_days())
    }
}

/// The points of each criterion, each at most the policy's maximum for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criteria {
    /// Purchases a month over 90 days.
    pub frequency: u8,
    /// Months with a purchase among six.
    pub regularity: u8,
    /// Days since the last purchase.
    pub recency: u8,
    /// Spend over 90 days.
    pub amount: u8,
}

/// `max × num ÷ den`, rounded half up: the SPEC's bins as fractions of the default
/// maxima (frequency 30 of 40 = ¾), so an admin's other maxima scale them.
fn share(max: u8, num: u32, den: u32) -> u8 {
    let scaled = (u32::from(max) * num * 2 + den) / (2 * den);
    u8::try_from(scaled).unwrap_or(max)
}

impl Criteria {
    /// The points `activity` earns at T under `points`.
    pub fn of(activity: &Activity, at: DateTime<Utc>, points: &CriterionPoints) -> Criteria {
        // Purchases a month = purchases in 90 days ÷ 3: ≥4, ≥2, ≥1, ≥0.5 a month are
        // ≥12, ≥6, ≥3, ≥2 purchases (1.5 rounds up to 2).
        let frequency = match activity.purchases_90d {
            n if n >= 12 => share(points.frequency, 4, 4),
            n if n >= 6 => share(points.frequency, 3, 4),
            n if n >= 3 => share(points.frequency, 2, 4),
            n if n >= 2 => share(points.frequency, 1, 4),
            _ => 0,
        };
        let regularity = match activity.active_months {
            6.. => share(points.regularity, 6, 6),
            5 => share(points.regularity, 4, 6),
            3 | 4 => share(points.regularity, 2, 6),
            2 => share(points.regularity, 1, 6),
            _ => 0,
        };
        let recency = match activity.days_since_last(at) {
            Some(d) if d <= 7 => share(points.recency, 4, 4),
            Some(d) if d <= 30 => share(points.recency, 3, 4),
            Some(d) if d <= 60 => share(points.recency, 2, 4),
            Some(d) if d <= 90 => share(points.recency, 1, 4),
            _ => 0,
        };
        let amount = match activity.spend_90d {
            s if s >= 300_000 => share(points.amount, 10, 10),
            s if s >= 150_000 => share(points.amount, 7, 10),
            s if s >= 75_000 => share(points.amount, 5, 10),
            s if s >= 30_000 => share(points.amount, 3, 10),
            _ => 0,
        };
        Criteria {
            frequency,
            regularity,
            recency,
            amount,
        }
    }

    /// The score, 0–100.
    pub fn score(&self) -> u8 {
        self.frequency
            .saturating_add(self.regularity)
            .saturating_add(self.recency)
            .saturating_add(self.amount)
    }

    /// The level the score earns under `policy` (before any soft landing).
    pub fn level(&self, policy: &LoyaltyPolicy) -> Level {
        policy.thresholds.level_of(self.score())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 30, 18, 0, 0).unwrap()
    }

    fn spec() -> CriterionPoints {
        LoyaltyPolicy::default().points
    }

    fn criteria(activity: Activity) -> Criteria {
        Criteria::of(&activity, t(), &spec())
    }

    fn bought(n: i64) -> Activity {
        Activity {
            purchases_90d: n,
            ..Activity::default()
        }
    }

    #[test]
    fn frequency_bins_at_half_one_two_and_four_a_month() {
        for (n, points) in [
            (0, 0),
            (1, 0),
            (2, 10),
            (3, 20),
            (5, 20),
            (6, 30),
            (11, 30),
            (12, 40),
        ] {
            assert_eq!(
                criteria(bought(n)).frequency,
                points,
                "{n} purchases in 90 days"
            );
        }
    }

    #[test]
    fn regularity_bins_at_two_three_five_and_six_months() {
        for (months, points) in [(0, 0), (1, 0), (2, 5), (3, 10), (4, 10), (5, 20), (6, 30)] {
            let a = Activity {
                active_months: months,
                ..Activity::default()
            };
            assert_eq!(criteria(a).regularity, points, "{months} active months");
        }
    }

    #[test]
    fn recency_bins_at_7_30_60_and_90_whole_days() {
        let at = |days: i64, extra_hours: i64| Activity {
            last_purchase: Some(t() - Duration::days(days) - Duration::hours(extra_hours)),
            ..Activity::default()
        };
        let cases = [
            (0, 0, 20),
            (7, 0, 20),
            (7, 23, 20),
            (8, 0, 15),
            (30, 0, 15),
            (31, 0, 10),
            (60, 0, 10),
            (61, 0, 5),
            (90, 23, 5),
            (91, 0, 0),
        ];
        for (days, hours, points) in cases {
            assert_eq!(
                criteria(at(days, hours)).recency,
                points,
                "{days} d {hours} h"
            );
        }
        assert_eq!(criteria(Activity::default()).recency, 0, "never bought");
    }

    #[test]
    fn amount_bins_at_30_75_150_and_300_thousand() {
        let cases = [
            (29_999, 0),
            (30_000, 3),
            (74_999, 3),
            (75_000, 5),
            (149_999, 5),
            (150_000, 7),
            (299_999, 7),
            (300_000, 10),
        ];
        for (spend, points) in cases {
            let a = Activity {
                spend_90d: spend,
                ..Activity::default()
            };
            assert_eq!(criteria(a).amount, points, "{spend} FCFA");
        }
    }

    #[test]
    fn windows_exclude_their_start_and_include_t() {
        let w = Windows::at(t());
        let days = Duration::days;
        let purchases = [
            (t() - days(90), 1_000),                        // not in 90 days
            (t() - days(90) + Duration::seconds(1), 2_000), // in
            (t(), 4_000),                                   // T itself is in
            (t() + Duration::seconds(1), 8_000),            // after T: ignored
        ];
        let a = Activity::from_purchases(&w, purchases);
        assert_eq!((a.purchases_90d, a.spend_90d), (2, 6_000));
        assert_eq!(a.last_purchase, Some(t()));
        // Window k is (T − 30k − 30, T − 30k]: T − 30 d is in window 1, not 0.
        assert_eq!(w.month_of(t() - days(30)), Some(1));
        assert_eq!(w.month_of(t() - days(30) + Duration::seconds(1)), Some(0));
        assert_eq!(w.month_of(t() - days(180)), None);
        assert_eq!(w.month_of(t() - days(180) + Duration::seconds(1)), Some(5));
        let a = Activity::from_purchases(&w, [(t() - days(30), 1), (t() - days(31), 1)]);
        assert_eq!(a.active_months, 1, "both in window 1");
    }

    #[test]
    fn spec_maxima_give_the_spec_points_and_a_perfect_customer_100() {
        let perfect = Activity {
            purchases_90d: 12,
            spend_90d: 300_000,
            active_months: 6,
            last_purchase: Some(t()),
        };
        let c = criteria(perfect);
        assert_eq!(
            (c.frequency, c.regularity, c.recency, c.amount),
            (40, 30, 20, 10)
        );
        assert_eq!(c.score(), 100);
        assert_eq!(c.level(&LoyaltyPolicy::default()), Level::Vip);
    }

    #[test]
    fn other_maxima_scale_the_bins() {
        let points = CriterionPoints {
            frequency: 25,
            regularity: 25,
            recency: 25,
            amount: 25,
        };
        let c = Criteria::of(&bought(6), t(), &points);
        assert_eq!(c.frequency, 19, "¾ of 25 = 18.75, rounded");
    }

    proptest! {
        /// Whatever the maxima, no criterion exceeds its maximum and the score stays ≤ 100.
        #[test]
        fn points_never_exceed_their_maximum(
            f in 0u8..=100, n in 0i64..40, spend in 0i64..1_000_000,
            months in 0u8..=6, days in proptest::option::of(0i64..200),
        ) {
            let rest = 100 - f;
            let points = CriterionPoints {
                frequency: f,
                regularity: rest / 3,
                recency: rest / 3,
                amount: rest - 2 * (rest / 3),
            };
            let a = Activity {
                purchases_90d: n,
                spend_90d: spend,
                active_months: months,
                last_purchase: days.map(|d| t() - Duration::days(d)),
            };
            let c = Criteria::of(&a, t(), &points);
            prop_assert!(c.frequency <= points.frequency && c.regularity <= points.regularity);
            prop_assert!(c.recency <= points.recency && c.amount <= points.amount);
            prop_assert!(c.score() <= 100);
        }
    }
}
