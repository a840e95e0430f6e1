//! The figures of the loyalty stats page (SPEC §4) that are more than a count: shares
//! of the customer base as percentages with one decimal, the loyalty rate and revenue
//! per customer. The store counts and sums; these say what the page shows of it.

use super::LevelCounts;

/// `part ÷ whole` as a percentage with one decimal, rounded half up (`"12.5"`), computed
/// in integers so that the shares of one whole never drift; `"0.0"` for an empty whole.
/// Counts are never negative; a negative one reads as zero.
pub fn percent_of(part: i64, whole: i64) -> String {
    let (part, whole) = (i128::from(part.max(0)), i128::from(whole.max(0)));
    if whole == 0 {
        return "0.0".to_owned();
    }
    let tenths = (part * 2_000 + whole) / (2 * whole);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The loyalty rate: customers above STANDARD (SILVER + GOLD + VIP) ÷ all, as
/// [`percent_of`] shows it.
pub fn loyalty_rate(counts: &LevelCounts) -> String {
    percent_of(counts.silver + counts.gold + counts.vip, counts.total())
}

/// `revenue ÷ customers` in whole FCFA, rounded half up; 0 when there is nobody.
pub fn per_customer(revenue: i64, customers: i64) -> i64 {
    if customers <= 0 {
        return 0;
    }
    let (revenue, customers) = (i128::from(revenue), i128::from(customers));
    let rounded = (2 * revenue + customers).div_euclid(2 * customers);
    i64::try_from(rounded).unwrap_or(if revenue < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percentages_have_one_decimal_rounded_half_up() {
        assert_eq!(percent_of(1, 8), "12.5");
        assert_eq!(percent_of(1, 3), "33.3");
        assert_eq!(percent_of(2, 3), "66.7");
        // 1 ÷ 16 = 6.25 % → 6.3
        assert_eq!(percent_of(1, 16), "6.3");
        assert_eq!(percent_of(0, 7), "0.0");
        assert_eq!(percent_of(7, 7), "100.0");
        assert_eq!(
            percent_of(0, 0),
            "0.0",
            "an empty base is 0 %, not a division by zero"
        );
    }

    #[test]
    fn the_loyalty_rate_counts_every_level_above_standard() {
        let counts = LevelCounts {
            standard: 5,
            silver: 2,
            gold: 2,
            vip: 1,
        };
        assert_eq!(loyalty_rate(&counts), "50.0");
        assert_eq!(loyalty_rate(&LevelCounts::default()), "0.0");
    }

    #[test]
    fn revenue_per_customer_rounds_half_up() {
        assert_eq!(per_customer(10, 4), 3, "2.5 → 3");
        assert_eq!(per_customer(9, 4), 2, "2.25 → 2");
        assert_eq!(per_customer(100_000, 3), 33_333);
        assert_eq!(per_customer(5_000, 0), 0);
    }

    proptest! {
        #[test]
        fn a_percentage_is_within_half_a_tenth_of_the_exact_share(whole in 1i64..10_000_000, seed in any::<u64>()) {
            let part = i64::try_from(seed % (whole as u64 + 1)).unwrap();
            let shown = percent_of(part, whole);
            let (units, tenth) = shown.split_once('.').unwrap();
            prop_assert_eq!(tenth.len(), 1);
            let tenths = i128::from(units.parse::<i64>().unwrap() * 10 + tenth.parse::<i64>().unwrap());
            // |tenths/1000 − part/whole| ≤ 1/2000, in integers.
            let gap = (tenths * i128::from(whole) - 1_000 * i128::from(part)).abs();
            prop_assert!(2 * gap <= i128::from(whole), "{part}/{whole} shown {shown}");
        }

        #[test]
        fn revenue_per_customer_is_the_nearest_whole_franc(revenue in 0i64..1_000_000_000_000, customers in 1i64..1_000_000) {
            let each = i128::from(per_customer(revenue, customers));
            let gap = (each * i128::from(customers) - i128::from(revenue)).abs();
            prop_assert!(2 * gap <= i128::from(customers));
        }
    }
}
