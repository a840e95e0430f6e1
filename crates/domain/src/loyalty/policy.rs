//! The loyalty policy: every figure of SPEC §4 an admin may change. `Default` is the
//! SPEC; [`LoyaltyPolicy::validate`] is the one place that says what a policy may be.

use super::Level;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The most points each criterion can give; they sum to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionPoints {
    /// Purchases a month over the last 90 days (SPEC: 40).
    pub frequency: u8,
    /// Months with a purchase among the last six (SPEC: 30).
    pub regularity: u8,
    /// Days since the last purchase (SPEC: 20).
    pub recency: u8,
    /// Spend over the last 90 days (SPEC: 10).
    pub amount: u8,
}

impl CriterionPoints {
    /// Their sum; a valid policy has 100.
    pub fn total(&self) -> u32 {
        [self.frequency, self.regularity, self.recency, self.amount]
            .iter()
            .map(|p| u32::from(*p))
            .sum()
    }
}

/// The lowest score of each level above STANDARD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelThresholds {
    /// SPEC: 25.
    pub silver: u8,
    /// SPEC: 50.
    pub gold: u8,
    /// SPEC: 75.
    pub vip: u8,
}

impl LevelThresholds {
    /// The level a score earns.
    pub fn level_of(&self, score: u8) -> Level {
        if score >= self.vip {
            Level::Vip
        } else if score >= self.gold {
            Level::Gold
        } else if score >= self.silver {
            Level::Silver
        } else {
            Level::Standard
        }
    }
}

/// A percentage per level above STANDARD (STANDARD always has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelPercents {
    /// Percent for SILVER, as a decimal string (`"3"`, `"2.5"`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "3"))]
    pub silver: Decimal,
    /// Percent for GOLD.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "5"))]
    pub gold: Decimal,
    /// Percent for VIP.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10"))]
    pub vip: Decimal,
}

impl LevelPercents {
    /// The percentage of `level` (zero for STANDARD).
    pub fn of(&self, level: Level) -> Decimal {
        match level {
            Level::Standard => Decimal::ZERO,
            Level::Silver => self.silver,
            Level::Gold => self.gold,
            Level::Vip => self.vip,
        }
    }

    fn each(&self) -> [(Level, Decimal); 3] {
        [
            (Level::Silver, self.silver),
            (Level::Gold, self.gold),
            (Level::Vip, self.vip),
        ]
    }
}

/// The admin-editable figures of the loyalty programme; `Default` is SPEC §4. The
/// windows and bins of the four criteria are the SPEC's and fixed; the points each
/// criterion gives scale with [`CriterionPoints`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "points": {"frequency": 40, "regularity": 30, "recency": 20, "amount": 10},
    "thresholds": {"silver": 25, "gold": 50, "vip": 75},
    "discount_percent": {"silver": "3", "gold": "5", "vip": "10"},
    "congratulation_percent": {"silver": "3", "gold": "5", "vip": "10"},
    "congratulation_validity_days": 30, "congratulation_min_basket": 10000,
    "soft_landing_days": 30
})))]
pub struct LoyaltyPolicy {
    /// The most points per criterion (sum 100).
    pub points: CriterionPoints,
    /// The score each level starts at (increasing).
    pub thresholds: LevelThresholds,
    /// The loyalty discount on the subtotal, per level (0–50 %).
    pub discount_percent: LevelPercents,
    /// The congratulation coupon's discount on promotion to a level, whole percent
    /// (0 = none, ≤ 50 %).
    pub congratulation_percent: LevelPercents,
    /// Days a congratulation coupon stays valid (SPEC: 30).
    pub congratulation_validity_days: u16,
    /// Smallest basket a congratulation coupon applies to, FCFA (SPEC: 10,000).
    pub congratulation_min_basket: i64,
    /// Days after a level change during which no demotion happens (SPEC: 30).
    pub soft_landing_days: u16,
}

impl Default for LoyaltyPolicy {
    fn default() -> Self {
        let spec_percents = LevelPercents {
            silver: Decimal::from(3),
            gold: Decimal::from(5),
            vip: Decimal::from(10),
        };
        LoyaltyPolicy {
            points: CriterionPoints {
                frequency: 40,
                regularity: 30,
                recency: 20,
                amount: 10,
            },
            thresholds: LevelThresholds {
                silver: 25,
                gold: 50,
                vip: 75,
            },
            discount_percent: spec_percents,
            congratulation_percent: spec_percents,
            congratulation_validity_days: 30,
            congratulation_min_basket: 10_000,
            soft_landing_days: 30,
        }
    }
}

/// Why a policy is refused; `field` names the JSON field, the message says it in French.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    /// The offending field, as the API spells it (`thresholds.gold`).
    pub field: &'static str,
    /// What is wrong, in French.
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> PolicyError {
    PolicyError {
        field,
        message: message.into(),
    }
}

/// Highest loyalty or congratulation discount a policy may set.
const MAX_PERCENT: u32 = 50;

impl LoyaltyPolicy {
    /// The loyalty discount a customer of `level` gets on the subtotal, in percent.
    pub fn discount_percent(&self, level: Level) -> Decimal {
        self.discount_percent.of(level)
    }

    /// Checks every figure; the first problem found is returned.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.points.total() != 100 {
            return Err(refuse(
                "points",
                format!(
                    "les points des quatre critères doivent faire 100 au total (ici {})",
                    self.points.total()
                ),
            ));
        }
        let t = self.thresholds;
        if t.silver == 0 {
            return Err(refuse(
                "thresholds.silver",
                "le seuil SILVER doit être au moins 1",
            ));
        }
        if t.gold <= t.silver || t.vip <= t.gold {
            return Err(refuse(
                "thresholds",
                "les seuils doivent croître : SILVER < GOLD < VIP",
            ));
        }
        if t.vip > 100 {
            return Err(refuse(
                "thresholds.vip",
                "le seuil VIP ne peut dépasser 100",
            ));
        }
        let max = Decimal::from(MAX_PERCENT);
        for (field, percents) in [
            ("discount_percent", self.discount_percent),
            ("congratulation_percent", self.congratulation_percent),
        ] {
            for (level, pct) in percents.each() {
                if pct < Decimal::ZERO || pct > max || pct.scale() > 2 {
                    return Err(refuse(
                        field,
                        format!(
                            "le pourcentage {} doit être entre 0 et {MAX_PERCENT} % (deux décimales au plus)",
                            level.as_str()
                        ),
                    ));
                }
            }
        }
        // A coupon's value is a whole percent.
        for (level, pct) in self.congratulation_percent.each() {
            if !pct.fract().is_zero() {
                return Err(refuse(
                    "congratulation_percent",
                    format!(
                        "le coupon de félicitations {} doit être un pourcentage entier",
                        level.as_str()
                    ),
                ));
            }
        }
        if !(1..=365).contains(&self.congratulation_validity_days) {
            return Err(refuse(
                "congratulation_validity_days",
                "la validité du coupon de félicitations doit être entre 1 et 365 jours",
            ));
        }
        if self.congratulation_min_basket < 0 {
            return Err(refuse(
                "congratulation_min_basket",
                "le panier minimum ne peut être négatif",
            ));
        }
        if self.soft_landing_days > 365 {
            return Err(refuse(
                "soft_landing_days",
                "le délai sans rétrogradation ne peut dépasser 365 jours",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_spec_and_valid() {
        let policy = LoyaltyPolicy::default();
        assert_eq!(policy.validate(), Ok(()));
        assert_eq!(policy.discount_percent(Level::Standard), Decimal::ZERO);
        assert_eq!(policy.discount_percent(Level::Silver), Decimal::from(3));
        assert_eq!(policy.discount_percent(Level::Gold), Decimal::from(5));
        assert_eq!(policy.discount_percent(Level::Vip), Decimal::from(10));
    }

    #[test]
    fn thresholds_25_50_75_are_inclusive() {
        let t = LoyaltyPolicy::default().thresholds;
        let expect = [
            (0, Level::Standard),
            (24, Level::Standard),
            (25, Level::Silver),
            (49, Level::Silver),
            (50, Level::Gold),
            (74, Level::Gold),
            (75, Level::Vip),
            (100, Level::Vip),
        ];
        for (score, level) in expect {
            assert_eq!(t.level_of(score), level, "score {score}");
        }
    }

    #[test]
    fn refuses_what_the_issue_names() {
        let ok = LoyaltyPolicy::default();
        let mut p = ok;
        p.points.amount = 11;
        assert_eq!(p.validate().unwrap_err().field, "points");
        let mut p = ok;
        p.thresholds.gold = 25;
        assert_eq!(p.validate().unwrap_err().field, "thresholds");
        let mut p = ok;
        p.thresholds.silver = 0;
        assert_eq!(p.validate().unwrap_err().field, "thresholds.silver");
        let mut p = ok;
        p.thresholds.vip = 101;
        assert_eq!(p.validate().unwrap_err().field, "thresholds.vip");
        let mut p = ok;
        p.discount_percent.vip = Decimal::from(51);
        assert_eq!(p.validate().unwrap_err().field, "discount_percent");
        let mut p = ok;
        p.discount_percent.silver = Decimal::from(-1);
        assert_eq!(p.validate().unwrap_err().field, "discount_percent");
        let mut p = ok;
        p.congratulation_percent.gold = Decimal::new(12345, 3);
        assert_eq!(p.validate().unwrap_err().field, "congratulation_percent");
        let mut p = ok;
        p.congratulation_percent.gold = Decimal::new(25, 1);
        assert_eq!(p.validate().unwrap_err().field, "congratulation_percent");
        let mut p = ok;
        p.discount_percent.gold = Decimal::new(25, 1);
        assert_eq!(p.validate(), Ok(()), "2.5 % loyalty discount is fine");
        let mut p = ok;
        p.congratulation_validity_days = 0;
        assert_eq!(
            p.validate().unwrap_err().field,
            "congratulation_validity_days"
        );
        let mut p = ok;
        p.discount_percent.vip = Decimal::from(50);
        p.congratulation_percent.silver = Decimal::ZERO;
        assert_eq!(p.validate(), Ok(()), "0 and 50 % are allowed");
    }

    #[test]
    fn serialises_percents_as_strings() {
        let json = serde_json::to_value(LoyaltyPolicy::default()).unwrap();
        assert_eq!(json["discount_percent"]["vip"], "10");
        assert_eq!(json["points"]["frequency"], 40);
        let back: LoyaltyPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, LoyaltyPolicy::default());
    }
}
