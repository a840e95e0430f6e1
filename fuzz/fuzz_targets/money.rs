//! Money from the outside: JSON amounts of the API, and computed decimals rounded to the
//! franc. Rounding keeps the sign and the size of the amount, display round-trips.
#![no_main]

use crm_domain::Money;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use std::str::FromStr;

fuzz_target!(|data: &[u8]| {
    if let Ok(money) = serde_json::from_slice::<Money>(data) {
        let shown = money.to_string();
        let digits: String = shown
            .trim_end_matches(" FCFA")
            .chars()
            .filter(|c| *c != '\u{202F}')
            .collect();
        assert_eq!(digits.parse::<i64>(), Ok(money.francs()), "{shown}");
        assert_eq!(
            serde_json::to_string(&money).ok(),
            Some(money.francs().to_string())
        );
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(amount) = Decimal::from_str(text.trim()) {
        let rounded = Money::round(amount).francs();
        if amount >= Decimal::ONE {
            assert!(rounded > 0, "{amount} rounded to {rounded}");
        }
        if amount <= -Decimal::ONE {
            assert!(rounded < 0, "{amount} rounded to {rounded}");
        }
        if amount.abs() < Decimal::from(i64::MAX / 2) {
            let gap = (Decimal::from(rounded) - amount).abs();
            assert!(gap <= Decimal::new(5, 1), "{amount} rounded to {rounded}");
        }
        // Percentages the domain applies (loyalty, coupons) stay within the amount.
        let base = Money::round(
            amount
                .trunc()
                .abs()
                .min(Decimal::from(1_000_000_000_000_i64)),
        );
        for percent in [0, 1, 5, 33, 100] {
            let part = base.percent(Decimal::from(percent));
            assert!(
                part >= Money::ZERO && part <= base,
                "{percent} % of {base:?}: {part:?}"
            );
        }
    }
});
