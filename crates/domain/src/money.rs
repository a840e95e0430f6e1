//! Money in FCFA (XOF): the currency has no minor unit, so every stored amount is a whole
//! number of francs and every computed amount is rounded half up to the franc.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// An amount of FCFA, always a whole number of francs.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero francs.
    pub const ZERO: Money = Money(0);

    /// An amount of whole francs.
    pub const fn fcfa(francs: i64) -> Money {
        Money(francs)
    }

    /// Rounds a computed amount half up (away from zero on .5) to the franc; an amount
    /// beyond the range saturates on its own side, so a huge debit never turns into a
    /// huge credit.
    pub fn round(amount: Decimal) -> Money {
        let rounded = amount.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        let saturated = if rounded.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        };
        Money(rounded.to_i64().unwrap_or(saturated))
    }

    /// The amount in francs, as stored in the database.
    pub const fn francs(self) -> i64 {
        self.0
    }

    /// The amount as a decimal, for arithmetic with rates.
    pub fn as_decimal(self) -> Decimal {
        Decimal::from(self.0)
    }

    /// `percent` % of this amount, rounded half up.
    pub fn percent(self, percent: Decimal) -> Money {
        Money::round(self.as_decimal() * percent / Decimal::ONE_HUNDRED)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl fmt::Display for Money {
    /// `12 500 FCFA`, with a narrow no-break space between thousands as in French usage.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} FCFA", group_thousands(self.0))
    }
}

/// A whole amount of FCFA as people and French spreadsheets write it — `4750`, `4 750`
/// (spaces or no-break spaces between thousands), `4750,00`, `4 750 FCFA` — or `None`
/// (a fraction, a sign, anything else). The price-list import and the SPA's price fields
/// read amounts through this one function.
pub fn parse_francs(text: &str) -> Option<i64> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let compact = compact
        .strip_suffix("FCFA")
        .or_else(|| compact.strip_suffix("fcfa"))
        .unwrap_or(&compact);
    // `4750,00` or `4750.0`: a spreadsheet's way of writing a whole number.
    let whole = match compact.split_once([',', '.']) {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') => {
            whole
        }
        Some(_) => return None,
        None => compact,
    };
    if whole.is_empty() || whole.len() > 12 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// Groups digits by three with a narrow no-break space (U+202F): `1 250 000`.
pub fn group_thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_french_grouping() {
        assert_eq!(Money::fcfa(12_500).to_string(), "12\u{202F}500 FCFA");
        assert_eq!(Money::fcfa(999).to_string(), "999 FCFA");
        assert_eq!(
            Money::fcfa(1_250_000).to_string(),
            "1\u{202F}250\u{202F}000 FCFA"
        );
        assert_eq!(Money::fcfa(-4_000).to_string(), "-4\u{202F}000 FCFA");
    }

    #[test]
    fn rounds_half_up_to_the_franc() {
        assert_eq!(Money::round(Decimal::new(25, 1)), Money::fcfa(3));
        assert_eq!(Money::round(Decimal::new(24, 1)), Money::fcfa(2));
        // 3 % of 12 350 = 370.5 → 371
        assert_eq!(
            Money::fcfa(12_350).percent(Decimal::from(3)),
            Money::fcfa(371)
        );
    }

    /// Found by the `money` fuzz target: -9 272 036 854 121 079 394 rounded to i64::MAX.
    #[test]
    fn rounding_beyond_the_range_keeps_the_sign() {
        let huge = Decimal::from_i128_with_scale(9_272_036_854_121_079_394, 0);
        assert_eq!(Money::round(-huge), Money::fcfa(i64::MIN));
        assert_eq!(Money::round(huge), Money::fcfa(i64::MAX));
    }

    proptest! {
        #[test]
        fn percent_never_exceeds_the_amount(amount in 0i64..10_000_000_000, pct in 0u32..=100) {
            let part = Money::fcfa(amount).percent(Decimal::from(pct));
            prop_assert!(part >= Money::ZERO);
            prop_assert!(part <= Money::fcfa(amount));
        }

        #[test]
        fn grouping_keeps_the_digits(value in any::<i64>()) {
            let grouped = group_thousands(value).replace('\u{202F}', "");
            prop_assert_eq!(grouped, value.to_string());
        }
    }
}
