//! Loyalty (SPEC §4): the levels, the policy an admin edits (points per criterion,
//! thresholds, discounts, congratulation coupons, soft landing), the score of a
//! customer's activity and the move an analysis makes from it.
//!
//! The analysis itself runs in the store (one set-based query per batch of customers
//! gathers each one's [`Activity`]); every rule it applies is here, so the SQL never
//! decides a level and a test can hold the two side by side.

mod moves;
mod policy;
mod score;
pub mod stats;

pub use moves::{decide, AnalysisSummary, LevelCounts, Move, MoveKind};
pub use policy::{CriterionPoints, LevelPercents, LevelThresholds, LoyaltyPolicy, PolicyError};
pub use score::{Activity, Criteria, Windows};

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

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [Level::Standard, Level::Silver, Level::Gold, Level::Vip];

    /// The level just below (STANDARD stays STANDARD): where a demotion lands.
    pub fn below(self) -> Level {
        match self {
            Level::Standard | Level::Silver => Level::Standard,
            Level::Gold => Level::Silver,
            Level::Vip => Level::Gold,
        }
    }

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
    fn levels_are_ordered_and_read_legacy_names() {
        assert!(Level::Standard < Level::Silver && Level::Gold < Level::Vip);
        assert_eq!("TOUS".parse::<Level>(), Ok(Level::Standard));
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
        }
    }
}
