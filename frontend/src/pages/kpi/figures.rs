//! How the cards write the API's figures: rates as French percents (`83,3 %`), the change
//! against the previous period — in points for a rate (`+3,2 pts`), in percent for an
//! amount or a count (`+12,5 %`) — with its direction and whether it is good news, and a
//! target's threshold (`> 70 %`, `≥ 500`). Plain Rust, host-tested.
//!
//! The API sends a rate as a decimal string with four places (`"0.8333"`, `"0"` over
//! nothing); the arithmetic here is `rust_decimal` on those strings, never a float, so the
//! text on a card is exactly the API's figure rounded once, half up, to one decimal.

use std::str::FromStr;

use crm_api_types::{Rate, TargetStatus};
use crm_domain::kpi::Target;
use crm_domain::money::group_thousands;
use rust_decimal::{Decimal, RoundingStrategy};

/// The minus sign of a negative change (U+2212, the typographic one).
const MINUS: char = '\u{2212}';

/// A rate the API sent (`"0.8333"`) in percent (`83.33`); 0 for a text that is no number
/// (the API never sends one: a card then reads 0 rather than breaking).
pub fn percent_value(rate: &str) -> Decimal {
    Decimal::from_str(rate.trim()).unwrap_or_default() * Decimal::ONE_HUNDRED
}

/// `83.33` → `83,3`: one decimal, half up, none when it is 0, French comma, no sign.
fn one_decimal(value: Decimal) -> String {
    let rounded = value
        .abs()
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    rounded.to_string().replace('.', ",")
}

/// `"0.8333"` → `83,3 %`; `"1.0000"` → `100 %`; `"0"` → `0 %`.
pub fn percent(rate: &str) -> String {
    let value = percent_value(rate);
    let shown = one_decimal(value);
    let sign = if value.is_sign_negative() && shown != "0" {
        MINUS.to_string()
    } else {
        String::new()
    };
    format!("{sign}{shown}\u{a0}%")
}

/// `"2.5000"` → `2,5` (a purchase frequency).
pub fn decimal(value: &str) -> String {
    one_decimal(Decimal::from_str(value.trim()).unwrap_or_default())
}

/// Which way is good news for a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// More is better (sales, margin, retention).
    Higher,
    /// Less is better (churn, discounts given).
    Lower,
}

/// Where a figure went since the previous period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Up.
    Up,
    /// Down.
    Down,
    /// The same (after rounding to what the card shows).
    Same,
}

impl Direction {
    /// The arrow drawn before the change.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Up => "▲",
            Direction::Down => "▼",
            Direction::Same => "=",
        }
    }

    /// `data-direction` and the CSS class: `up`, `down`, `same`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Same => "same",
        }
    }
}

/// Whether a change is good news (green), bad news (red) or neither (grey).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Green.
    Good,
    /// Red.
    Bad,
    /// Grey.
    Neutral,
}

impl Tone {
    /// The CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Good => "tone-good",
            Tone::Bad => "tone-bad",
            Tone::Neutral => "tone-neutral",
        }
    }
}

/// A change against the previous period, as a card shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `+3,2 pts`, `−12,5 %`, `0 pt`; `None` when there is nothing to compare with (a
    /// relative change from 0).
    pub text: Option<String>,
    /// Up, down or the same.
    pub direction: Direction,
    /// Good or bad news.
    pub tone: Tone,
}

/// The direction of `delta` once rounded to one decimal as shown, and its tone.
fn judged(delta: Decimal, better: Better) -> (Direction, Tone) {
    let shown = delta.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    let direction = if shown.is_zero() {
        Direction::Same
    } else if shown.is_sign_positive() {
        Direction::Up
    } else {
        Direction::Down
    };
    let tone = match (direction, better) {
        (Direction::Same, _) => Tone::Neutral,
        (Direction::Up, Better::Higher) | (Direction::Down, Better::Lower) => Tone::Good,
        _ => Tone::Bad,
    };
    (direction, tone)
}

/// `+3,2`, `−0,5`, `0`.
fn signed(delta: Decimal, direction: Direction) -> String {
    let sign = match direction {
        Direction::Up => "+".to_owned(),
        Direction::Down => MINUS.to_string(),
        Direction::Same => String::new(),
    };
    format!("{sign}{}", one_decimal(delta))
}

/// The change of a rate, in percentage points: `"0.8333"` after `"0.6667"` is
/// `+16,7 pts` (French writes "pt" below two).
pub fn points_change(current: &str, previous: &str, better: Better) -> Change {
    let delta = percent_value(current) - percent_value(previous);
    let (direction, tone) = judged(delta, better);
    let shown = delta
        .abs()
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    let unit = if shown < Decimal::TWO { "pt" } else { "pts" };
    Change {
        text: Some(format!("{}\u{a0}{unit}", signed(delta, direction))),
        direction,
        tone,
    }
}

/// [`points_change`] of two rates the API sent, but a rate over nothing (no sale, no
/// active coupon, nobody the period before) has no change to give: its text is `None`
/// (« n.s. »), neither up nor down.
pub fn rate_change(current: &Rate, previous: &Rate, better: Better) -> Change {
    if current.denominator == 0 || previous.denominator == 0 {
        return Change {
            text: None,
            direction: Direction::Same,
            tone: Tone::Neutral,
        };
    }
    points_change(&current.value, &previous.value, better)
}

/// The relative change of an amount or a count: 11 250 after 10 000 is `+12,5 %`. From 0
/// there is no percent to give: the text is `None` (up, or the same when still 0).
pub fn relative_change(current: Decimal, previous: Decimal, better: Better) -> Change {
    if previous.is_zero() {
        let (direction, tone) = judged(current, better);
        return Change {
            text: None,
            direction,
            tone,
        };
    }
    let delta = (current - previous) / previous.abs() * Decimal::ONE_HUNDRED;
    let (direction, tone) = judged(delta, better);
    Change {
        text: Some(format!("{}\u{a0}%", signed(delta, direction))),
        direction,
        tone,
    }
}

/// [`relative_change`] of two whole figures (FCFA, customers).
pub fn amount_change(current: i64, previous: i64, better: Better) -> Change {
    relative_change(Decimal::from(current), Decimal::from(previous), better)
}

/// [`relative_change`] of two decimal figures the API wrote (`"2.5000"`).
pub fn decimal_change(current: &str, previous: &str, better: Better) -> Change {
    let read = |t: &str| Decimal::from_str(t.trim()).unwrap_or_default();
    relative_change(read(current), read(previous), better)
}

/// A target's threshold as its card writes it: `> 70 %`, `≥ 500`.
pub fn threshold(status: &TargetStatus) -> String {
    let comparison = if status.comparison.trim() == ">=" {
        "≥"
    } else {
        ">"
    };
    let value = match status.target {
        Target::LoyalCustomers => {
            let count = Decimal::from_str(status.threshold.trim())
                .ok()
                .and_then(|d| i64::try_from(d.trunc()).ok())
                .unwrap_or_default();
            group_thousands(count)
        }
        Target::Identification | Target::CouponUse | Target::Retention => {
            percent(&status.threshold)
        }
    };
    format!("{comparison}\u{a0}{value}")
}

/// The status of `target` among the dashboard's targets.
pub fn target_of(targets: &[TargetStatus], target: Target) -> Option<&TargetStatus> {
    targets.iter().find(|t| t.target == target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(target: Target, threshold: &str, comparison: &str) -> TargetStatus {
        TargetStatus {
            target,
            threshold: threshold.to_owned(),
            comparison: comparison.to_owned(),
            value: "0".to_owned(),
            met: false,
        }
    }

    #[test]
    fn rates_read_as_french_percents() {
        assert_eq!(percent("0.8333"), "83,3\u{a0}%");
        assert_eq!(percent("0.6667"), "66,7\u{a0}%");
        assert_eq!(percent("1.0000"), "100\u{a0}%");
        assert_eq!(percent("0.0000"), "0\u{a0}%");
        assert_eq!(percent("0"), "0\u{a0}%", "a rate over nothing");
        assert_eq!(percent("0.70"), "70\u{a0}%");
        assert_eq!(percent("0.0005"), "0,1\u{a0}%", "half up: 0,05 → 0,1");
        assert_eq!(percent("0.0004"), "0\u{a0}%");
        assert_eq!(percent("NaN"), "0\u{a0}%", "never NaN on a card");
        assert_eq!(decimal("2.5000"), "2,5");
        assert_eq!(decimal("1.0000"), "1");
    }

    #[test]
    fn a_rate_moves_in_points() {
        let up = points_change("0.8333", "0.6667", Better::Higher);
        assert_eq!(up.text.as_deref(), Some("+16,7\u{a0}pts"));
        assert_eq!((up.direction, up.tone), (Direction::Up, Tone::Good));
        let small = points_change("0.7000", "0.7150", Better::Higher);
        assert_eq!(small.text.as_deref(), Some("\u{2212}1,5\u{a0}pt"));
        assert_eq!((small.direction, small.tone), (Direction::Down, Tone::Bad));
        let churn = points_change("0.2000", "0.3000", Better::Lower);
        assert_eq!(churn.text.as_deref(), Some("\u{2212}10\u{a0}pts"));
        assert_eq!(churn.tone, Tone::Good, "less churn is good news");
        let same = points_change("0.5000", "0.50004", Better::Higher);
        assert_eq!(same.text.as_deref(), Some("0\u{a0}pt"));
        assert_eq!(
            (same.direction, same.tone),
            (Direction::Same, Tone::Neutral)
        );
        assert_eq!(
            points_change("0", "0", Better::Higher).direction,
            Direction::Same
        );
    }

    #[test]
    fn a_rate_over_nothing_has_no_change() {
        let rate = |numerator, denominator, value: &str| Rate {
            numerator,
            denominator,
            value: value.to_owned(),
        };
        let nothing_now = rate_change(&rate(0, 0, "0"), &rate(1, 1, "1.0000"), Better::Lower);
        assert_eq!(nothing_now.text, None, "not −100 pts");
        assert_eq!(
            (nothing_now.direction, nothing_now.tone),
            (Direction::Same, Tone::Neutral)
        );
        assert_eq!(
            rate_change(&rate(1, 2, "0.5000"), &rate(0, 0, "0"), Better::Higher).text,
            None
        );
        assert_eq!(
            rate_change(&rate(5, 6, "0.8333"), &rate(2, 3, "0.6667"), Better::Higher)
                .text
                .as_deref(),
            Some("+16,7\u{a0}pts")
        );
    }

    #[test]
    fn an_amount_moves_in_percent() {
        let up = amount_change(11_250, 10_000, Better::Higher);
        assert_eq!(up.text.as_deref(), Some("+12,5\u{a0}%"));
        assert_eq!((up.direction, up.tone), (Direction::Up, Tone::Good));
        let down = amount_change(9_000, 12_000, Better::Higher);
        assert_eq!(down.text.as_deref(), Some("\u{2212}25\u{a0}%"));
        assert_eq!(down.tone, Tone::Bad);
        let from_nothing = amount_change(5_000, 0, Better::Higher);
        assert_eq!(from_nothing.text, None, "no percent of 0");
        assert_eq!(from_nothing.direction, Direction::Up);
        let nothing = amount_change(0, 0, Better::Higher);
        assert_eq!((nothing.text, nothing.direction), (None, Direction::Same));
        let to_nothing = amount_change(0, 8_000, Better::Higher);
        assert_eq!(to_nothing.text.as_deref(), Some("\u{2212}100\u{a0}%"));
        let negative_margin = amount_change(-500, -1_000, Better::Higher);
        assert_eq!(
            negative_margin.text.as_deref(),
            Some("+50\u{a0}%"),
            "a loss halved is up"
        );
        let basket = decimal_change("2.5000", "2.0000", Better::Higher);
        assert_eq!(basket.text.as_deref(), Some("+25\u{a0}%"));
    }

    #[test]
    fn targets_read_as_their_threshold() {
        assert_eq!(
            threshold(&status(Target::Identification, "0.70", ">")),
            "> 70\u{a0}%".replace(' ', "\u{a0}")
        );
        assert_eq!(
            threshold(&status(Target::LoyalCustomers, "500", ">=")),
            "≥\u{a0}500"
        );
        assert_eq!(
            threshold(&status(Target::LoyalCustomers, "1500", ">=")),
            "≥\u{a0}1\u{202f}500"
        );
        let all = vec![
            status(Target::Retention, "0.80", ">"),
            status(Target::CouponUse, "0.40", ">"),
        ];
        assert_eq!(
            target_of(&all, Target::CouponUse).map(|t| t.threshold.as_str()),
            Some("0.40")
        );
        assert!(target_of(&all, Target::Identification).is_none());
    }
}
