//! Loyalty levels and the discount each one earns (SPEC §4).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A customer's loyalty level, lowest first.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LevelName))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// No loyalty benefit yet (the old system's "TOUS").
    #[default]
    Standard,
    /// Score ≥ 25.
    Silver,
    /// Score ≥ 50.
    Gold,
    /// Score ≥ 75.
    Vip,
}

/// The admin-editable figures of the loyalty programme; `Default` is SPEC §4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyPolicy {
    /// Loyalty discount in percent, per level.
    pub discount_percent: [(Level, Decimal); 4],
}

impl Default for LoyaltyPolicy {
    fn default() -> Self {
        LoyaltyPolicy {
            discount_percent: [
                (Level::Standard, Decimal::ZERO),
                (Level::Silver, Decimal::from(3)),
                (Level::Gold, Decimal::from(5)),
                (Level::Vip, Decimal::from(10)),
            ],
        }
    }
}

impl LoyaltyPolicy {
    /// The loyalty discount a customer of `level` gets on the subtotal, in percent.
    pub fn discount_percent(&self, level: Level) -> Decimal {
        self.discount_percent
            .iter()
            .find(|(l, _)| *l == level)
            .map(|(_, pct)| *pct)
            .unwrap_or(Decimal::ZERO)
    }
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [Level::Standard, Level::Silver, Level::Gold, Level::Vip];

    /// The stored and serialised name (`GOLD`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Standard => "STANDARD",
            Level::Silver => "SILVER",
            Level::Gold => "GOLD",
            Level::Vip => "VIP",
        }
    }
}

impl FromStr for Level {
    type Err = String;
    /// Reads our names and the old system's `TOUS` (= STANDARD).
    fn from_str(s: &str) -> Result<Level, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "STANDARD" | "TOUS" => Ok(Level::Standard),
            "SILVER" => Ok(Level::Silver),
            "GOLD" => Ok(Level::Gold),
            "VIP" => Ok(Level::Vip),
            other => Err(format!("niveau de fidélité inconnu « {other} »")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_discounts_follow_the_spec() {
        let policy = LoyaltyPolicy::default();
        assert_eq!(policy.discount_percent(Level::Standard), Decimal::ZERO);
        assert_eq!(policy.discount_percent(Level::Silver), Decimal::from(3));
        assert_eq!(policy.discount_percent(Level::Gold), Decimal::from(5));
        assert_eq!(policy.discount_percent(Level::Vip), Decimal::from(10));
    }

    #[test]
    fn levels_are_ordered_and_read_legacy_names() {
        assert!(Level::Standard < Level::Silver && Level::Gold < Level::Vip);
        assert_eq!("TOUS".parse::<Level>(), Ok(Level::Standard));
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
        }
    }
}
